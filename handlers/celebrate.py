"""Celebrate and thank: consented shout-outs, `/mentor thanks`, and confidential help for admins."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from sqlalchemy.orm import Session

from bot.celebrate import mark_handled, shoutout_for_member, validate_thanks
from bot.errors import NotYours, ShoutoutClosed, ThanksClosed
from bot.group_life import groups_of
from bot.groups import thank_group
from bot.help_requests import ask_admins
from bot.pairs import pair_for_member, view_of
from bot.shoutouts import answer_shoutout, share_in_channel, thank
from bot.text import parse_mention
from bot.views.blocks import Block
from bot.views.celebrate import (
    HELP_HANDLED,
    HELP_NOT_YOUR_PAIR,
    HELP_OPEN,
    HELP_REASON,
    HELP_REASON_MISSING,
    HELP_SUBMIT,
    SHOUTOUT_NO,
    SHOUTOUT_SUBMIT,
    SHOUTOUT_YES,
    STORY,
    STORY_TOO_SHORT,
    THANKS_MESSAGE,
    THANKS_OPEN,
    THANKS_SHARE,
    THANKS_SUBMIT,
    already_settled,
    already_shared,
    consent_recorded,
    help_handled,
    help_modal,
    help_sent,
    read_help,
    read_help_pair,
    read_story,
    read_thanks,
    read_thanks_partner,
    shared_in_channel,
    story_modal,
    thanks_modal,
    thanks_problem,
)
from bot.views.fit import partner_of
from bot.views.group_life import GROUP_WORDS, group_not_moved_message, group_thanked_message, group_thanks_problem
from handlers.actor import Actor, action_value, form_id
from handlers.routing import Invocation, MentorCommand, Routes

log = logging.getLogger(__name__)


def story_form(session: Session, team_id: str, user_id: str, shoutout_id: int) -> Block:
    return story_modal(shoutout_for_member(session, team_id, user_id, shoutout_id))


def open_shoutout_story(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    actor.open_as_member(str(body["trigger_id"]), "agreed to shout-out", story_form, action_value(body))


def record_answer(actor: Actor, shoutout_id: int, agree: bool, story: str) -> None:
    """Record their yes or no to a shout-out, and tell them what happens next."""
    posted = answer_shoutout(actor.services, actor.client, actor.team_id, actor.user_id, shoutout_id, agree, story)
    actor.dm(consent_recorded(agree, posted))


def decline_shoutout(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    shoutout_id = action_value(body)
    try:
        record_answer(actor, shoutout_id, False, "")
    except NotYours:
        actor.refuse(f"declined shout-out {shoutout_id}")
    except ShoutoutClosed:
        respond(replace_original=False, **already_settled().as_kwargs())


def agree_to_shoutout(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    story = read_story(view.get("state", {}).get("values", {}))
    if len(story.split()) < 3:
        ack(response_action="errors", errors={STORY: STORY_TOO_SHORT})
        return
    ack()
    try:
        record_answer(actor, form_id(view), True, story)
    except (NotYours, ShoutoutClosed):
        log.warning("refused: %s agreed to a settled or foreign shout-out", actor.user_id)


def thanks_command(call: Invocation) -> None:
    call.ack()
    target, _, message = call.args.partition(" ")
    actor = call.actor
    if target.lower() in GROUP_WORDS:
        thank_my_group(call, message.strip())
        return
    problem = thank(actor.services, actor.client, actor.team_id, actor.user_id, parse_mention(target), message.strip())
    if problem:
        call.respond(**thanks_problem(problem, message.strip()).as_kwargs())


def thank_my_group(call: Invocation, message: str) -> None:
    """`/mentor thanks group <words>`: to everyone in their group or circle, posted in its group DM."""
    with call.actor.reading() as session:
        groups = groups_of(session, call.team_id, call.user_id)
    if len(groups) != 1 or len(message.split()) < 2:
        call.respond(**group_thanks_problem(len(groups)).as_kwargs())
        return
    if thank_group(call.actor.services, call.client, groups[0], call.user_id, message):
        call.respond(**group_thanked_message(groups[0]).as_kwargs())
    else:
        call.respond(**group_not_moved_message(groups[0]).as_kwargs())


def thanks_form(session: Session, team_id: str, user_id: str, pair_id: int) -> Block:
    """A thank-you to their partner in one of their pairs."""
    pair = view_of(session, pair_for_member(session, team_id, user_id, pair_id))
    return thanks_modal(pair_id, partner_of(pair, user_id))


def open_thanks_form(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    actor.open_as_member(str(body["trigger_id"]), "thanked in pair", thanks_form, action_value(body))


def send_thanks_form(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    message = read_thanks(view.get("state", {}).get("values", {}))
    partner = read_thanks_partner(str(view.get("private_metadata") or ""))
    problem = validate_thanks(actor.user_id, partner or None, message)
    if problem:
        ack(response_action="errors", errors={THANKS_MESSAGE: problem})
        return
    ack()
    thank(actor.services, actor.client, actor.team_id, actor.user_id, partner, message)


def share_thanks(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    thanks_id = action_value(body)
    try:
        share_in_channel(actor.services, actor.client, actor.team_id, actor.user_id, thanks_id)
    except NotYours:
        actor.refuse(f"shared thanks {thanks_id}")
        return
    except ThanksClosed:
        respond(replace_original=False, **already_shared().as_kwargs())
        return
    respond(replace_original=True, **shared_in_channel().as_kwargs())


def open_help_form(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    actor.client.views_open(trigger_id=str(body["trigger_id"]), view=help_modal(action_value(body) or None))


def ask_for_help(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    reason, details = read_help(view.get("state", {}).get("values", {}))
    if reason is None:
        ack(response_action="errors", errors={HELP_REASON: HELP_REASON_MISSING})
        return
    pair_id = read_help_pair(str(view.get("private_metadata") or ""))
    try:
        ask_admins(actor.services, actor.team_id, actor.user_id, pair_id, reason, details, actor.now())
    except NotYours:
        ack(response_action="errors", errors={HELP_REASON: HELP_NOT_YOUR_PAIR})
        return
    ack()
    actor.send_queued()
    actor.dm(help_sent())


def mark_help_handled(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    help_id = action_value(body)
    if not actor.is_admin():
        actor.refuse(f"handled help request {help_id}")
        return
    with actor.unit_of_work() as session:
        request = mark_handled(session, actor.team_id, actor.user_id, help_id, actor.now())
    respond(replace_original=True, **help_handled(request).as_kwargs())


def register(app: Routes, command: MentorCommand) -> None:
    command.add("thanks", "thanks @someone message", "send someone a thank-you", thanks_command)
    app.action(SHOUTOUT_YES)(open_shoutout_story)
    app.action(SHOUTOUT_NO)(decline_shoutout)
    app.view(SHOUTOUT_SUBMIT)(agree_to_shoutout)
    app.action(THANKS_OPEN)(open_thanks_form)
    app.view(THANKS_SUBMIT)(send_thanks_form)
    app.action(THANKS_SHARE)(share_thanks)
    app.action(HELP_OPEN)(open_help_form)
    app.view(HELP_SUBMIT)(ask_for_help)
    app.action(HELP_HANDLED)(mark_help_handled)
