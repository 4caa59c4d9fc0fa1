"""Life in a group's or circle's DM: the agreement everyone confirms, meeting times, attendance at each check-in,
goals, shout-outs each member consents to alone, places offered to people waiting, thanks, leaving, and each
member's private evaluations. The rules and the messages they decide are in `bot.groups`; these listeners read
the click or the form and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, Respond
from sqlalchemy.orm import Session

from bot.celebrate import program_channel
from bot.errors import InvalidAgreement, NoLongerOpen, NotYours
from bot.group_goals import complete_group_goal, goals_of_group, last_day
from bot.group_life import (
    SHOUTOUT_LIMIT,
    evaluated_group,
    group_of,
    leave_group,
    membership,
    record_attendance,
    validate_agreement,
    view_of_group,
)
from bot.group_meetings import (
    TimeTaken,
    fresh_group_times,
    other_group_times,
    pick_group_time,
    stop_offering_times,
)
from bot.groups import (
    answer_celebration,
    answer_place,
    confirm_and_offer,
    evaluate_and_share,
    leaving_nudges,
    propose_and_post,
    propose_celebration,
    regroup,
    send_group_invite,
    set_goal,
    thank_group,
    welcome,
)
from bot.report import anonymity_threshold
from bot.views.blocks import Block, Message
from bot.views.goals import read_goal_form
from bot.views.group_life import (
    ALREADY_EVALUATED,
    FOCUS,
    GROUP_AGREEMENT_CONFIRM,
    GROUP_AGREEMENT_OPEN,
    GROUP_AGREEMENT_SUBMIT,
    GROUP_ENDED,
    GROUP_EVALUATION_OPEN,
    GROUP_EVALUATION_SUBMIT,
    GROUP_GOAL_DONE,
    GROUP_GOAL_OPEN,
    GROUP_GOAL_SUBMIT,
    GROUP_LEAVE,
    GROUP_MISSED,
    GROUP_OFFER_JOIN,
    GROUP_OFFER_PASS,
    GROUP_SHOUTOUT_NO,
    GROUP_SHOUTOUT_OPEN,
    GROUP_SHOUTOUT_SUBMIT,
    GROUP_SHOUTOUT_YES,
    GROUP_THANKS_OPEN,
    GROUP_THANKS_SUBMIT,
    GROUP_THERE,
    GROUP_TIME_NEW,
    GROUP_TIME_OTHERS,
    GROUP_TIME_OURSELVES,
    GROUP_TIME_PICK,
    NOT_YOUR_GROUP,
    PROGRESS,
    RATING,
    SHOUTOUT,
    SHOUTOUT_EMPTY,
    SHOUTOUT_TOO_LONG,
    THANKS,
    THANKS_TOO_SHORT,
    agreement_message,
    agreement_modal,
    agreement_replaced_message,
    evaluation_modal,
    evaluation_thanks,
    group_checkin_message,
    group_goal_done_message,
    group_goal_modal,
    group_not_moved_message,
    group_sort_ourselves_message,
    group_time_picked_message,
    group_time_taken_message,
    group_times_message,
    offer_passed_message,
    offer_taken_message,
    place_gone_message,
    read_agreement_form,
    read_agreement_value,
    read_evaluation_form,
    read_evaluation_value,
    read_pick_value,
    read_shoutout_form,
    read_thanks_form,
    read_whose,
    settled_message,
    shoutout_answered_message,
    shoutout_modal,
    thanks_modal,
    you_left_the_group_message,
)
from handlers.actor import Actor, Refusals, action_value, form_id, form_refused, raw_action_value
from handlers.routing import MentorCommand, Routes
from storage.models import CircleStatus

PICK_ONE = "Please choose one."


def _ephemeral(respond: Respond, message: Message) -> None:
    respond(replace_original=False, response_type="ephemeral", **message.as_kwargs())


def agreement_form(session: Session, team_id: str, user_id: str, circle_id: int) -> Block:
    return agreement_modal(group_of(session, team_id, user_id, circle_id))


def open_agreement(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    actor.open_as_member(str(body["trigger_id"]), "opened group agreement", agreement_form, action_value(body))


def submit_agreement(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    cadence, minutes, focus = read_agreement_form(view.get("state", {}).get("values", {}))
    try:
        agreement = validate_agreement(cadence, minutes, focus)
    except InvalidAgreement as error:
        ack(response_action="errors", errors=error.problems)
        return
    refusals = Refusals({FOCUS: NOT_YOUR_GROUP}, closed={FOCUS: GROUP_ENDED}, logged="group agreement")
    if actor.submit_as_member(ack, refusals, propose_and_post, form_id(view), agreement, actor.now()) is not None:
        actor.send_queued()


def confirm(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    circle_id, version = read_agreement_value(raw_action_value(body))
    try:
        group = actor.as_member("confirmed group agreement", confirm_and_offer, circle_id, version, actor.now())
    except NoLongerOpen as closed:
        replaced = closed.status.isdigit()
        _ephemeral(respond, agreement_replaced_message() if replaced else settled_message())
        return
    if group is None:
        return
    if (body.get("container") or {}).get("type") == "view":
        actor.refresh_homes(actor.user_id)
    else:
        respond(replace_original=True, **agreement_message(group).as_kwargs())
    actor.send_queued()


def pick_time(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    circle_id, start = read_pick_value(raw_action_value(body))
    if start is None:
        actor.refuse(f"group time {circle_id}")
        return
    try:
        picked = actor.as_member("picked group time", pick_group_time, circle_id, start, actor.now())
    except TimeTaken as taken:
        _ephemeral(respond, group_time_taken_message(taken.status))
        return
    if picked is not None:
        respond(replace_original=True, **group_time_picked_message(picked, actor.user_id).as_kwargs())
        send_group_invite(actor.client, picked)


def other_times(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    try:
        offer = actor.as_member("asked other group times", other_group_times, action_value(body), actor.now())
    except TimeTaken as taken:
        _ephemeral(respond, group_time_taken_message(taken.status))
        return
    if offer is not None:
        respond(replace_original=True, **group_times_message(offer).as_kwargs())


def new_times(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    """From a check-in whose attendance dropped: fresh times everyone can make, posted in the group DM."""
    ack()
    try:
        offer = actor.as_member("asked new group times", fresh_group_times, action_value(body), actor.now())
    except NoLongerOpen:
        _ephemeral(respond, settled_message())
        return
    if offer is not None:
        respond(replace_original=False, response_type="in_channel", **group_times_message(offer).as_kwargs())


def sort_it_ourselves(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    if actor.as_member("stopped group times", stop_offering_times, action_value(body), actor.now()) is not None:
        respond(replace_original=True, **group_sort_ourselves_message().as_kwargs())


def attendance(body: dict[str, Any], respond: Respond, actor: Actor, attended: bool) -> None:
    try:
        checkin = actor.as_member("group attendance", record_attendance, action_value(body), attended, actor.now())
    except NoLongerOpen:
        _ephemeral(respond, settled_message())
        return
    if checkin is not None:
        with actor.reading() as session:
            goals = goals_of_group(session, checkin.group.id)
        respond(replace_original=True, **group_checkin_message(checkin, goals).as_kwargs())


def was_there(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    attendance(body, respond, actor, True)


def missed_it(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    attendance(body, respond, actor, False)


def celebration_form(session: Session, team_id: str, user_id: str, circle_id: int, configured: str) -> Block:
    group = group_of(session, team_id, user_id, circle_id)
    return shoutout_modal(group, program_channel(session, team_id, configured, group.program_id))


def open_celebration(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    configured = actor.services.settings.shoutout_channel
    actor.open_as_member(str(body["trigger_id"]), "group shout-out", celebration_form, action_value(body), configured)


def submit_celebration(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    text = read_shoutout_form(view.get("state", {}).get("values", {})).strip()
    if not text or len(text) > SHOUTOUT_LIMIT:
        ack(response_action="errors", errors={SHOUTOUT: SHOUTOUT_EMPTY if not text else SHOUTOUT_TOO_LONG})
        return
    configured = actor.services.settings.shoutout_channel
    refusals = Refusals({SHOUTOUT: NOT_YOUR_GROUP}, closed={SHOUTOUT: GROUP_ENDED}, logged="group shout-out")
    shoutout = actor.submit_as_member(ack, refusals, propose_celebration, form_id(view), text, configured, actor.now())
    if shoutout is not None:
        actor.send_queued()


def consent(body: dict[str, Any], respond: Respond, actor: Actor, yes: bool) -> None:
    configured = actor.services.settings.shoutout_channel
    try:
        answered = actor.as_member(
            "answered group shout-out", answer_celebration, action_value(body), yes, configured, actor.now()
        )
    except NoLongerOpen:
        respond(replace_original=True, **settled_message().as_kwargs())
        return
    if answered is not None:
        respond(replace_original=True, **shoutout_answered_message(yes).as_kwargs())
        actor.send_queued()


def share_it(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    consent(body, respond, actor, True)


def keep_it(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    consent(body, respond, actor, False)


def offer_answer(body: dict[str, Any], respond: Respond, actor: Actor, accept: bool) -> None:
    try:
        answered = actor.as_member("answered group offer", answer_place, action_value(body), accept, actor.now())
    except NoLongerOpen:
        respond(replace_original=True, **place_gone_message().as_kwargs())
        return
    if answered is None:
        return
    actor.send_queued()
    if answered.gone:
        respond(replace_original=True, **place_gone_message().as_kwargs())
    elif not answered.joined:
        respond(replace_original=True, **offer_passed_message().as_kwargs())
    elif welcome(actor.services, actor.client, answered.group, actor.user_id):
        respond(replace_original=True, **offer_taken_message(answered.group).as_kwargs())
    else:
        respond(replace_original=True, **group_not_moved_message(answered.group).as_kwargs())


def take_place(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    offer_answer(body, respond, actor, True)


def pass_place(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    offer_answer(body, respond, actor, False)


def evaluation_form(session: Session, team_id: str, user_id: str, circle_id: int, milestone: str) -> Block:
    group = evaluated_group(session, team_id, user_id, circle_id)
    return evaluation_modal(group, milestone, anonymity_threshold(session, group.program_id))


def open_evaluation(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    circle_id, milestone = read_evaluation_value(raw_action_value(body))
    actor.open_as_member(str(body["trigger_id"]), "group evaluation", evaluation_form, circle_id, milestone)


def submit_evaluation(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    rating, progress, comment, shared = read_evaluation_form(view.get("state", {}).get("values", {}))
    missing = {block: PICK_ONE for block, value in ((RATING, rating), (PROGRESS, progress)) if value is None}
    if form_refused(ack, missing) or rating is None or progress is None:
        return
    circle_id, milestone = read_evaluation_value(str(view.get("private_metadata") or ""))
    refusals = Refusals({RATING: NOT_YOUR_GROUP}, closed={RATING: ALREADY_EVALUATED}, logged="group evaluation")
    admins = actor.services.settings.admins
    answers = (rating, progress, comment, shared)
    done = actor.submit_as_member(ack, refusals, evaluate_and_share, circle_id, milestone, answers, admins, actor.now())
    if done is not None:
        actor.send_queued()
        actor.dm(evaluation_thanks(shared))


def leave_from_home(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    """Leave one group (the program membership stays, so a later round may place them again)."""
    ack()
    now = actor.now()
    configured = actor.services.settings.shoutout_channel
    try:
        with actor.unit_of_work() as session:
            left = leave_group(session, actor.team_id, actor.user_id, action_value(body), now)
            for nudge in leaving_nudges(session, left, configured):
                nudge.queue(session, now)
    except NotYours:
        actor.refuse(f"left group {action_value(body)}")
        return
    except NoLongerOpen:
        actor.dm(settled_message())
        return
    regroup(actor.services, actor.client, left)
    actor.send_queued()
    actor.dm(you_left_the_group_message(left.group))
    actor.refresh_homes(actor.user_id, *left.group.members)


def thanks_form(session: Session, team_id: str, user_id: str, circle_id: int) -> Block:
    return thanks_modal(group_of(session, team_id, user_id, circle_id))


def open_group_thanks(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    actor.open_as_member(str(body["trigger_id"]), "thanked group", thanks_form, action_value(body))


def submit_group_thanks(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    text = read_thanks_form(view.get("state", {}).get("values", {}))
    if len(text.split()) < 2:
        ack(response_action="errors", errors={THANKS: THANKS_TOO_SHORT})
        return
    refusals = Refusals({THANKS: NOT_YOUR_GROUP}, closed={THANKS: GROUP_ENDED}, logged="group thanks")
    group = actor.submit_as_member(ack, refusals, group_of, form_id(view))
    if group is not None and group.status is CircleStatus.ACTIVE:
        thank_group(actor.services, actor.client, group, actor.user_id, text)


def goal_form(session: Session, team_id: str, user_id: str, circle_id: int, now: datetime) -> Block:
    circle, _ = membership(session, team_id, user_id, circle_id)
    return group_goal_modal(view_of_group(session, circle), last_day(circle, now))


def open_goal(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    actor.open_as_member(str(body["trigger_id"]), "group goal", goal_form, action_value(body), actor.now())


def submit_goal(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    state = view.get("state", {}).get("values", {})
    form, mine = read_goal_form(state), read_whose(state)
    refusals = Refusals({"title": NOT_YOUR_GROUP}, closed={"title": GROUP_ENDED}, logged="group goal")
    if actor.submit_as_member(ack, refusals, set_goal, form_id(view), form, mine, actor.now()) is not None:
        actor.send_queued()


def goal_done(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    try:
        goal = actor.as_member("completed group goal", complete_group_goal, action_value(body), actor.now())
    except NoLongerOpen:
        _ephemeral(respond, settled_message())
        return
    if goal is not None:
        respond(replace_original=True, **group_goal_done_message(goal, actor.user_id).as_kwargs())


def register(app: Routes, command: MentorCommand) -> None:
    app.action(GROUP_GOAL_OPEN)(open_goal)
    app.view(GROUP_GOAL_SUBMIT)(submit_goal)
    app.action(GROUP_GOAL_DONE)(goal_done)
    app.action(GROUP_LEAVE)(leave_from_home)
    app.action(GROUP_THANKS_OPEN)(open_group_thanks)
    app.view(GROUP_THANKS_SUBMIT)(submit_group_thanks)
    app.action(GROUP_AGREEMENT_OPEN)(open_agreement)
    app.view(GROUP_AGREEMENT_SUBMIT)(submit_agreement)
    app.action(GROUP_AGREEMENT_CONFIRM)(confirm)
    app.action(GROUP_TIME_PICK)(pick_time)
    app.action(GROUP_TIME_OTHERS)(other_times)
    app.action(GROUP_TIME_NEW)(new_times)
    app.action(GROUP_TIME_OURSELVES)(sort_it_ourselves)
    app.action(GROUP_THERE)(was_there)
    app.action(GROUP_MISSED)(missed_it)
    app.action(GROUP_SHOUTOUT_OPEN)(open_celebration)
    app.view(GROUP_SHOUTOUT_SUBMIT)(submit_celebration)
    app.action(GROUP_SHOUTOUT_YES)(share_it)
    app.action(GROUP_SHOUTOUT_NO)(keep_it)
    app.action(GROUP_OFFER_JOIN)(take_place)
    app.action(GROUP_OFFER_PASS)(pass_place)
    app.action(GROUP_EVALUATION_OPEN)(open_evaluation)
    app.view(GROUP_EVALUATION_SUBMIT)(submit_evaluation)
