"""Check-in answers in the pair's group DM: Met (with a note), Not yet, Reschedule, snooze, pause, keep."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from sqlalchemy.orm import Session

from bot.checkins import CheckInView, add_note, answer, pause, reschedule, resume, snooze, view_checkin
from bot.errors import CheckInClosed, DayOutOfRange, NotYours, SnoozeOutOfRange
from bot.goals import goals_of_pair
from bot.health import keep
from bot.slack import edit
from bot.views.blocks import Block
from bot.views.checkins import (
    CHECKIN_MET,
    CHECKIN_NOT_YET,
    CHECKIN_NOTE_SUBMIT,
    CHECKIN_RESCHEDULE,
    CHECKIN_RESCHEDULE_SUBMIT,
    DAY,
    DAY_MISSING,
    NOT_YOURS,
    NOTE,
    PAIR_RESUME,
    PAIR_SNOOZE,
    MessageAt,
    already_answered,
    checkin_message,
    note_form_errors,
    note_modal,
    paused_message,
    read_day,
    read_note_form,
    read_reschedule_metadata,
    read_snooze_choice,
    reschedule_errors,
    reschedule_modal,
    resumed_message,
    snoozed_message,
)
from bot.views.health import PAIR_KEEP, kept_message
from handlers.actor import Actor, Refusals, action_value, form_id, form_refused, selected_value
from handlers.routing import MentorCommand, Routes
from storage.models import CheckInStatus, GoalStatus


def _where(body: dict[str, Any]) -> MessageAt:
    """Where the clicked check-in message is."""
    channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
    ts = str((body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts") or "")
    return MessageAt(channel, ts)


def record(body: dict[str, Any], respond: Respond, actor: Actor, status: CheckInStatus) -> CheckInView | None:
    """Record their answer to the check-in and show it in place; None when it is not theirs or already answered."""
    try:
        checkin = actor.as_member("answered check-in", answer, action_value(body), status, actor.now())
    except CheckInClosed:
        respond(replace_original=False, response_type="ephemeral", **already_answered().as_kwargs())
        return None
    if checkin is not None:
        respond(replace_original=True, **checkin_message(checkin).as_kwargs())
    return checkin


def met(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    checkin = record(body, respond, actor, CheckInStatus.MET)
    if checkin is None:
        return
    with actor.unit_of_work() as session:
        goals = [g for g in goals_of_pair(session, checkin.pair.id) if g.status is GoalStatus.OPEN]
    actor.client.views_open(trigger_id=str(body["trigger_id"]), view=note_modal(checkin, goals))


def not_met_yet(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    record(body, respond, actor, CheckInStatus.NOT_YET)


def reschedule_form(session: Session, team_id: str, user_id: str, checkin_id: int, where: MessageAt) -> Block:
    """Moving one of their check-ins; the form remembers `where` the check-in message is, to update it after."""
    return reschedule_modal(view_checkin(session, team_id, user_id, checkin_id), where)


def open_reschedule_form(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    trigger_id = str(body["trigger_id"])
    actor.open_as_member(trigger_id, "rescheduled check-in", reschedule_form, action_value(body), _where(body))


def reschedule_checkin(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    day = read_day(view.get("state", {}).get("values", {}))
    checkin_id, where = read_reschedule_metadata(str(view.get("private_metadata") or ""))
    if day is None:
        ack(response_action="errors", errors={DAY: DAY_MISSING})
        return
    try:
        with actor.unit_of_work() as session:
            checkin = reschedule(session, actor.team_id, actor.user_id, checkin_id, day, actor.now())
    except (DayOutOfRange, CheckInClosed, NotYours) as error:
        ack(response_action="errors", errors=reschedule_errors(error))
        return
    ack()
    if where.channel and where.ts:
        edit(actor.client, where.channel, where.ts, checkin_message(checkin))


def save_note(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    note, progress = read_note_form(view.get("state", {}).get("values", {}))
    if form_refused(ack, note_form_errors(progress)):
        return
    checkin = actor.submit_as_member(
        ack, Refusals({NOTE: NOT_YOURS}), add_note, form_id(view), note, progress, actor.now()
    )
    if checkin is not None:
        actor.refresh_homes(checkin.pair.mentee_user_id, checkin.pair.mentor_user_id)


def snooze_or_pause(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    raw = selected_value(body)
    pair_id, weeks = read_snooze_choice(raw)
    now = actor.now()
    try:
        with actor.unit_of_work() as session:
            if weeks is None:
                pair = pause(session, actor.team_id, actor.user_id, pair_id, now)
                message = paused_message(pair.id)
            else:
                snooze(session, actor.team_id, actor.user_id, pair_id, weeks, now)
                message = snoozed_message(weeks)
    except (NotYours, SnoozeOutOfRange):
        actor.refuse(f"snoozed {raw}")
        return
    respond(replace_original=False, response_type="in_channel", **message.as_kwargs())


def resume_pair(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    if actor.as_member("resumed pair", resume, action_value(body), actor.now()) is not None:
        respond(replace_original=True, **resumed_message().as_kwargs())


def keep_pair(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    if actor.as_member("kept pair", keep, action_value(body), actor.now()) is not None:
        respond(replace_original=True, **kept_message().as_kwargs())


def register(app: Routes, command: MentorCommand) -> None:
    app.action(CHECKIN_MET)(met)
    app.action(CHECKIN_NOT_YET)(not_met_yet)
    app.action(CHECKIN_RESCHEDULE)(open_reschedule_form)
    app.view(CHECKIN_RESCHEDULE_SUBMIT)(reschedule_checkin)
    app.view(CHECKIN_NOTE_SUBMIT)(save_note)
    app.action(PAIR_SNOOZE)(snooze_or_pause)
    app.action(PAIR_RESUME)(resume_pair)
    app.action(PAIR_KEEP)(keep_pair)
