"""Check-in answers in the pair's group DM: Met (with a note), Not yet, Reschedule, snooze, pause, keep."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, Respond
from sqlalchemy.orm import Session

from bot.checkins import CheckInView, add_note, answer, pause, reschedule, resume, snooze, view_checkin
from bot.errors import NotYours, RequestClosed
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
    PAIR_RESUME,
    PAIR_SNOOZE,
    already_answered,
    checkin_message,
    note_modal,
    paused_message,
    read_day,
    read_note_form,
    reschedule_modal,
    resumed_message,
    snoozed_message,
)
from bot.views.health import PAIR_KEEP, kept_message
from handlers.actor import Actor, Refusals, action_value, form_id
from handlers.routing import MentorCommand, Routes
from storage.models import CheckInStatus, GoalStatus


def _where(body: dict[str, Any]) -> dict[str, str]:
    """The check-in message's channel and ts, carried through a modal so it can be updated afterwards."""
    channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
    ts = str((body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts") or "")
    return {"channel": channel, "ts": ts}


def record(body: dict[str, Any], respond: Respond, actor: Actor, status: CheckInStatus) -> CheckInView | None:
    """Record their answer to the check-in and show it in place; None when it is not theirs or already answered."""
    try:
        checkin = actor.as_member("answered check-in", answer, action_value(body), status, actor.now())
    except RequestClosed:
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


def reschedule_form(session: Session, team_id: str, user_id: str, checkin_id: int, where: dict[str, str]) -> Block:
    """Moving one of their check-ins; the form remembers `where` the check-in message is, to update it after."""
    checkin = view_checkin(session, team_id, user_id, checkin_id)
    view = reschedule_modal(checkin)
    view["private_metadata"] = json.dumps({"checkin": checkin.id, **where})
    return view


def open_reschedule_form(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    trigger_id = str(body["trigger_id"])
    actor.open_as_member(trigger_id, "rescheduled check-in", reschedule_form, action_value(body), _where(body))


def reschedule_checkin(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    day = read_day(view.get("state", {}).get("values", {}))
    meta = json.loads(str(view.get("private_metadata") or "{}"))
    if day is None:
        ack(response_action="errors", errors={"day": "Pick a day for the next check-in."})
        return
    try:
        with actor.unit_of_work() as session:
            checkin = reschedule(session, actor.team_id, actor.user_id, int(meta.get("checkin", 0)), day, actor.now())
    except ValueError:
        ack(response_action="errors", errors={"day": "Pick a day between tomorrow and three months from now."})
        return
    except RequestClosed:
        ack(response_action="errors", errors={"day": "You've already answered this check-in."})
        return
    except NotYours:
        ack(response_action="errors", errors={"day": "This check-in belongs to another pair."})
        return
    ack()
    if meta.get("channel") and meta.get("ts"):
        edit(actor.client, meta["channel"], meta["ts"], checkin_message(checkin))


def save_note(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    note, progress = read_note_form(view.get("state", {}).get("values", {}))
    if any(not 0 <= p <= 100 for p in progress.values()):
        ack(response_action="errors", errors={f"goal_{g}": "0 to 100, please." for g, p in progress.items()})
        return
    refused = Refusals({"note": "This check-in belongs to another pair."})
    checkin = actor.submit_as_member(ack, refused, add_note, form_id(view), note, progress, actor.now())
    if checkin is not None:
        actor.refresh_homes(checkin.pair.mentee_user_id, checkin.pair.mentor_user_id)


def snooze_or_pause(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    raw = str(((body.get("actions") or [{}])[0].get("selected_option") or {}).get("value") or "0:0")
    pair_raw, _, choice = raw.partition(":")
    now = actor.now()
    try:
        with actor.unit_of_work() as session:
            if choice == "pause":
                pair = pause(session, actor.team_id, actor.user_id, int(pair_raw or 0), now)
                message = paused_message(pair.id)
            else:
                snooze(session, actor.team_id, actor.user_id, int(pair_raw or 0), int(choice or 0), now)
                message = snoozed_message(int(choice))
    except (NotYours, ValueError):
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
