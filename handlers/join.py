"""Joining, editing and pausing: `/mentor join [program]`, the profile modal with the program's questions,
`/mentor leave [program]`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, Respond

from bot.directory import keep_member
from bot.errors import NoLongerOpen, NotJoined
from bot.group_life import leave_groups_in
from bot.groups import late_joiner_nudges, leaving_nudges, regroup
from bot.home import refresh_home
from bot.importing import confirm_invitation, decline_invitation
from bot.outbox import enqueue
from bot.profiles import (
    decide_membership,
    find_person,
    follow_time_zone,
    get_profile,
    memberships,
    pause,
    save_profile,
    update_identity,
    validate_profile,
)
from bot.programs import (
    ProgramView,
    choose,
    default_program,
    program_admins,
    programs_joined,
    programs_of,
    view_of_program,
)
from bot.questions import validate_answers
from bot.slack import user_info
from bot.views.blocks import Message
from bot.views.imports import (
    INVITATION_CONFIRM,
    INVITATION_DECLINE,
    invitation_closed_message,
    invitation_confirmed_message,
    invitation_declined_message,
)
from bot.views.join import (
    JOIN_OPEN,
    JOIN_SUBMIT,
    MEMBER_APPROVE,
    MEMBER_DECLINE,
    PROGRAM_GONE,
    ROLE,
    account_refused,
    already_decided_message,
    answer_errors,
    approval_request,
    approved_message,
    cannot_join_message,
    choose_program_message,
    decided_message,
    not_approved_message,
    nothing_open_message,
    profile_modal,
    read_answers,
    read_mentors_wanted,
    read_profile_form,
    saved_message,
    waiting_for_approval_message,
)
from bot.views.leave import (
    LEAVE_CANCEL,
    LEAVE_CONFIRM,
    confirm_leave_message,
    kept_message,
    not_joined_message,
    paused_message,
    which_to_leave_message,
)
from bot.views.rounds import not_admin_message
from handlers.actor import Actor, action_value, form_id, form_refused
from handlers.routing import Invocation, MentorCommand, Routes
from storage.models import Enrolment, Person, Program


@dataclass(frozen=True)
class Programs:
    """The workspace's open programs, and the ones this person is in."""

    open: list[ProgramView]
    mine: set[int]

    def may_join(self, program: ProgramView, now: datetime) -> bool:
        """Members edit theirs any time; the last cohort's people may continue before sign-up opens."""
        if program.id in self.mine or (program.previous_id in self.mine and not program.closed):
            return True
        return program.can_self_enrol(now)


def programs_for(actor: Actor) -> Programs:
    with actor.unit_of_work() as session:
        default_program(session, actor.team_id, actor.now())
        programs = [view_of_program(p) for p in programs_of(session, actor.team_id)]
        mine = {p.program_id for p in memberships(session, actor.team_id, actor.user_id)}
    return Programs(programs, mine)


def open_profile_modal(actor: Actor, trigger_id: str, program: ProgramView) -> None:
    with actor.reading() as session:
        profile = get_profile(session, actor.team_id, actor.user_id, program.id) or get_profile(
            session, actor.team_id, actor.user_id
        )
        joined = profile is not None and profile.program_id == program.id
    actor.client.views_open(trigger_id=trigger_id, view=profile_modal(profile, program, joined))


def open_for(actor: Actor, trigger_id: str, program: ProgramView, programs: Programs) -> Message | None:
    """Open the form for `program`, or say why they can't join it (members can always edit theirs)."""
    if not programs.may_join(program, actor.now()):
        return cannot_join_message(program, actor.now())
    open_profile_modal(actor, trigger_id, program)
    return None


def join_command(call: Invocation) -> None:
    call.ack()
    programs = programs_for(call.actor)
    joinable = [p for p in programs.open if programs.may_join(p, call.actor.now())]
    choice = choose(programs.open, call.args.split())
    if choice.program is None and len(joinable) == 1:
        choice = choose(joinable, [])
    if choice.program is None and not programs.open:
        call.respond(**nothing_open_message().as_kwargs())
        return
    if choice.program is None:
        call.respond(**choose_program_message(joinable or programs.open).as_kwargs())
        return
    refusal = open_for(call.actor, call.trigger_id, choice.program, programs)
    if refusal is not None:
        call.respond(**refusal.as_kwargs())


def open_profile(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    programs = programs_for(actor)
    wanted = action_value(body)
    program = next((p for p in programs.open if p.id == wanted), None)
    if program is None:
        own = [p for p in programs.open if p.id in programs.mine]
        program = next(iter(own or programs.open), None)
    if program is None:
        respond(replace_original=False, **nothing_open_message().as_kwargs())
        return
    refusal = open_for(actor, str(body["trigger_id"]), program, programs)
    if refusal is not None:
        respond(replace_original=False, **refusal.as_kwargs())


def save_submitted_profile(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    state = view.get("state", {}).get("values", {})
    form = read_profile_form(state)
    programs = programs_for(actor)
    wanted = form_id(view) or next((p.id for p in programs.open), 0)
    program = next((p for p in programs.open if p.id == wanted), None)
    if program is None:
        ack(response_action="errors", errors={ROLE: PROGRAM_GONE})
        return
    answers = read_answers(state, program.questions)
    mentors_wanted, too_many = read_mentors_wanted(state, program)
    mentors = form.role is not None and form.role.mentors
    answered = answer_errors(validate_answers(program.questions, answers, mentors))
    if form_refused(ack, {**validate_profile(form), **answered, **too_many}):
        return
    if not programs.may_join(program, actor.now()):
        ack(response_action="errors", errors={ROLE: cannot_join_message(program, actor.now()).text})
        return
    # Before saving, so that an account Slack says can't take part is refused in the form itself.
    slack_user = user_info(actor.client, actor.user_id, fallback_timezone="")
    if slack_user.is_deleted or slack_user.is_bot:
        ack(response_action="errors", errors={ROLE: account_refused(slack_user.is_bot)})
        return
    approval = program.enrolment is Enrolment.APPROVAL and program.id not in programs.mine
    with actor.unit_of_work() as session:
        profile, created = save_profile(
            session, actor.team_id, actor.user_id, program.id, form, actor.now(), answers, approval, mentors_wanted
        )
        profile = update_identity(
            session, actor.team_id, actor.user_id, slack_user.display_name, slack_user.timezone, actor.now(), program.id
        )
        person = find_person(session, actor.team_id, actor.user_id, program.id)
        if person is not None:
            for nudge in late_joiner_nudges(session, person, actor.now()):
                nudge.queue(session, actor.now())
        if approval and person is not None:
            ask = approval_request(profile, program, person.id)
            for admin in program_admins(session, program.id, actor.services.settings.admins):
                key = f"program:{program.id}:applicant:{person.id}:{admin}"
                enqueue(session, actor.team_id, key, ask, actor.now(), user_id=admin)
    ack()
    if approval:
        actor.dm(waiting_for_approval_message(program.name))
        actor.send_queued()
    else:
        actor.dm(saved_message(profile, created, program.name, program.format))
        actor.send_queued()
    refresh_home(actor.services, actor.client, actor.team_id, actor.user_id)


def decide(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor, approve: bool) -> None:
    ack()
    person_id = action_value(body)
    with actor.reading() as session:
        person = session.get(Person, person_id)
        program_id = person.program_id if person is not None and person.team_id == actor.team_id else 0
    if not actor.manages(program_id):
        respond(replace_original=False, **not_admin_message("approve").as_kwargs())
        return
    try:
        with actor.unit_of_work() as session:
            applicant = decide_membership(session, actor.team_id, person_id, approve, actor.now())
            program = view_of_program(session.get_one(Program, applicant.program_id))
    except NoLongerOpen:
        respond(replace_original=True, **already_decided_message().as_kwargs())
        return
    respond(replace_original=True, **decided_message(applicant.user_id, approve).as_kwargs())
    told = approved_message(program.name) if approve else not_approved_message(program.name)
    actor.dm_to(applicant.user_id, told)
    if approve:
        with actor.unit_of_work() as session:
            for nudge in late_joiner_nudges(session, session.get_one(Person, person_id), actor.now()):
                nudge.queue(session, actor.now())
        actor.send_queued()
    actor.refresh_homes(applicant.user_id)


def approve_member(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    decide(ack, body, respond, actor, approve=True)


def decline_member(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    decide(ack, body, respond, actor, approve=False)


def confirm_imported(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    try:
        name = actor.as_member("confirmed invitation", confirm_invitation, action_value(body), actor.now())
    except NoLongerOpen:
        respond(replace_original=True, **invitation_closed_message().as_kwargs())
        return
    if name is not None:
        respond(replace_original=True, **invitation_confirmed_message(name).as_kwargs())
        actor.refresh_homes(actor.user_id)


def decline_imported(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    try:
        name = actor.as_member("declined invitation", decline_invitation, action_value(body))
    except NoLongerOpen:
        respond(replace_original=True, **invitation_closed_message().as_kwargs())
        return
    if name is not None:
        respond(replace_original=True, **invitation_declined_message(name).as_kwargs())
        actor.refresh_homes(actor.user_id)


def leave_command(call: Invocation) -> None:
    with call.actor.reading() as session:
        joined = programs_joined(session, call.team_id, call.user_id)
    choice = choose(joined, call.args.split())
    if not joined:
        message = not_joined_message()
    elif choice.program is not None:
        message = confirm_leave_message(choice.program if len(joined) > 1 else None)
    else:
        message = which_to_leave_message(joined)
    call.ack(**message.as_kwargs())


def confirm_leave(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    program_id = action_value(body) or None
    try:
        with actor.unit_of_work() as session:
            pause(session, actor.team_id, actor.user_id, actor.now(), program_id)
            left_groups = leave_groups_in(session, actor.team_id, actor.user_id, program_id, actor.now())
            for left in left_groups:
                for nudge in leaving_nudges(session, left, actor.services.settings.shoutout_channel):
                    nudge.queue(session, actor.now())
            names = [p.name for p in programs_joined(session, actor.team_id, actor.user_id) if p.id == program_id]
    except NotJoined:
        respond(replace_original=True, **not_joined_message().as_kwargs())
        return
    respond(replace_original=True, **paused_message(names[0] if names else "").as_kwargs())
    for left in left_groups:
        regroup(actor.services, actor.client, left)
    actor.send_queued()
    refresh_home(actor.services, actor.client, actor.team_id, actor.user_id)


def cancel_leave(ack: Ack, respond: Respond) -> None:
    ack()
    respond(replace_original=True, **kept_message().as_kwargs())


def keep_new_member(event: dict[str, Any], actor: Actor) -> None:
    """Someone joined the workspace: the directory imports look people up in has them from now on."""
    with actor.unit_of_work() as session:
        keep_member(session, actor.team_id, event.get("user") or {}, actor.now())


def follow_slack_profile(event: dict[str, Any], actor: Actor) -> None:
    """Slack says a person's profile changed: a deactivated account is paused, a new time zone followed, and the
    kept directory updated."""
    user = event.get("user") or {}
    user_id = str(user.get("id"))
    with actor.unit_of_work() as session:
        keep_member(session, actor.team_id, user, actor.now())
    if user.get("deleted"):
        try:
            with actor.unit_of_work() as session:
                pause(session, actor.team_id, user_id, actor.now())
        except NotJoined:
            return
    elif user.get("tz"):
        with actor.unit_of_work() as session:
            follow_time_zone(session, actor.team_id, user_id, str(user["tz"])[:64], actor.now())


def register(app: Routes, command: MentorCommand) -> None:
    app.event("user_change")(follow_slack_profile)
    app.event("team_join")(keep_new_member)
    command.add("join", "join [program]", "join a program, or edit your profile", join_command)
    command.add("leave", "leave [program]", "pause your participation (your profile is kept)", leave_command)
    app.action(JOIN_OPEN)(open_profile)
    app.view(JOIN_SUBMIT)(save_submitted_profile)
    app.action(INVITATION_CONFIRM)(confirm_imported)
    app.action(INVITATION_DECLINE)(decline_imported)
    app.action(MEMBER_APPROVE)(approve_member)
    app.action(MEMBER_DECLINE)(decline_member)
    app.action(LEAVE_CONFIRM)(confirm_leave)
    app.action(LEAVE_CANCEL)(cancel_leave)
