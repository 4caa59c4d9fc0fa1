"""Check-in answers in the pair's group DM: Met (with a note), Not yet, Reschedule, snooze, pause, keep."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.checkins import CheckInView, add_note, answer, pause, reschedule, resume, snooze, view_checkin
from bot.errors import NotYours, RequestClosed
from bot.goals import goals_of_pair
from bot.health import keep
from bot.home import refresh_home
from bot.services import Services
from bot.slack import edit
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
from handlers.router import MentorCommand, Routes, action_value, refuse, workspace_of
from storage.models import CheckInStatus, GoalStatus


def _where(body: dict[str, Any]) -> str:
    """The check-in message's channel and ts, carried through a modal so it can be updated afterwards."""
    channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
    ts = str((body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts") or "")
    return json.dumps({"channel": channel, "ts": ts})


def register(app: Routes, services: Services, command: MentorCommand) -> None:
    def record(
        body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond, status: CheckInStatus
    ) -> CheckInView | None:
        team_id, user_id, checkin_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                checkin = answer(session, team_id, user_id, checkin_id, status, services.clock.now())
        except NotYours:
            refuse(client, user_id, f"answered check-in {checkin_id}")
            return None
        except RequestClosed:
            respond(replace_original=False, response_type="ephemeral", **already_answered().as_kwargs())
            return None
        respond(replace_original=True, **checkin_message(checkin).as_kwargs())
        return checkin

    def on_met(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        checkin = record(body, client, context, respond, CheckInStatus.MET)
        if checkin is None:
            return
        with services.db.unit_of_work() as session:
            goals = [g for g in goals_of_pair(session, checkin.pair.id) if g.status is GoalStatus.OPEN]
        client.views_open(trigger_id=str(body["trigger_id"]), view=note_modal(checkin, goals))

    def on_not_yet(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        record(body, client, context, respond, CheckInStatus.NOT_YET)

    def on_reschedule(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, checkin_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                checkin = view_checkin(session, team_id, user_id, checkin_id)
        except NotYours:
            refuse(client, user_id, f"rescheduled check-in {checkin_id}")
            return
        view = reschedule_modal(checkin)
        view["private_metadata"] = json.dumps({"checkin": checkin.id, **json.loads(_where(body))})
        client.views_open(trigger_id=str(body["trigger_id"]), view=view)

    def on_reschedule_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        day = read_day(view.get("state", {}).get("values", {}))
        meta = json.loads(str(view.get("private_metadata") or "{}"))
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        if day is None:
            ack(response_action="errors", errors={"day": "Pick a day for the next check-in."})
            return
        try:
            with services.db.unit_of_work() as session:
                checkin = reschedule(session, team_id, user_id, int(meta.get("checkin", 0)), day, services.clock.now())
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
            edit(client, meta["channel"], meta["ts"], checkin_message(checkin))

    def on_note_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        note, progress = read_note_form(view.get("state", {}).get("values", {}))
        if any(not 0 <= p <= 100 for p in progress.values()):
            ack(response_action="errors", errors={f"goal_{g}": "0 to 100, please." for g, p in progress.items()})
            return
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        try:
            with services.db.unit_of_work() as session:
                checkin = add_note(
                    session,
                    team_id,
                    user_id,
                    int(view.get("private_metadata") or 0),
                    note,
                    progress,
                    services.clock.now(),
                )
        except (NotYours, ValueError):
            ack(response_action="errors", errors={"note": "This check-in belongs to another pair."})
            return
        ack()
        for person in (checkin.pair.mentee_user_id, checkin.pair.mentor_user_id):
            refresh_home(services, client, team_id, person)

    def on_snooze(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        raw = str(((body.get("actions") or [{}])[0].get("selected_option") or {}).get("value") or "0:0")
        pair_raw, _, choice = raw.partition(":")
        now = services.clock.now()
        try:
            with services.db.unit_of_work() as session:
                if choice == "pause":
                    pair = pause(session, team_id, user_id, int(pair_raw or 0), now)
                    message = paused_message(pair.id)
                else:
                    snooze(session, team_id, user_id, int(pair_raw or 0), int(choice or 0), now)
                    message = snoozed_message(int(choice))
        except (NotYours, ValueError):
            refuse(client, user_id, f"snoozed {raw}")
            return
        respond(replace_original=False, response_type="in_channel", **message.as_kwargs())

    def on_resume(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, pair_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                resume(session, team_id, user_id, pair_id, services.clock.now())
        except NotYours:
            refuse(client, user_id, f"resumed pair {pair_id}")
            return
        respond(replace_original=True, **resumed_message().as_kwargs())

    def on_keep(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, pair_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                keep(session, team_id, user_id, pair_id, services.clock.now())
        except NotYours:
            refuse(client, user_id, f"kept pair {pair_id}")
            return
        respond(replace_original=True, **kept_message().as_kwargs())

    app.action(CHECKIN_MET)(on_met)
    app.action(CHECKIN_NOT_YET)(on_not_yet)
    app.action(CHECKIN_RESCHEDULE)(on_reschedule)
    app.view(CHECKIN_RESCHEDULE_SUBMIT)(on_reschedule_submit)
    app.view(CHECKIN_NOTE_SUBMIT)(on_note_submit)
    app.action(PAIR_SNOOZE)(on_snooze)
    app.action(PAIR_RESUME)(on_resume)
    app.action(PAIR_KEEP)(on_keep)
