"""Program admin commands: `/mentor admin match` previews and publishes a program-wide matching round."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import NotYours, RequestClosed
from bot.exports import program_chart, program_csv
from bot.health import at_risk_now
from bot.outbox import deliver, enqueue
from bot.programs import is_program_admin, set_anonymity_threshold, set_match_weights
from bot.report import program_report
from bot.requests import parse_weights, program_weights
from bot.rounds import confirm_pair, decline_pair, discard_round, preview_round, publish_round
from bot.services import Services
from bot.slack import send_dm, upload_to_dm, user_info
from bot.views.find import closed_request_message
from bot.views.health import admins_at_risk
from bot.views.report import REPORT_AT_RISK, report_message
from bot.views.rounds import (
    PAIR_CONFIRM,
    PAIR_DECLINE,
    ROUND_DISCARD,
    ROUND_PUBLISH,
    admin_help_message,
    declined_by_you_message,
    declined_for_partner_message,
    discarded_message,
    not_admin_message,
    preview_message,
    proposal_message,
    published_message,
    started_message,
    unmatched_message,
    waiting_for_partner_message,
    weights_message,
)
from handlers.intro import start_conversation
from handlers.router import Invocation, MentorCommand, Routes, action_value, workspace_of
from storage.models import PairStatus

log = logging.getLogger(__name__)


def register(app: Routes, services: Services, command: MentorCommand) -> None:
    def admin_allowed(client: WebClient, team_id: str, user_id: str) -> bool:
        workspace_admin = user_info(client, user_id).is_workspace_admin
        with services.db.unit_of_work() as session:
            return is_program_admin(session, team_id, user_id, services.settings.admins, workspace_admin)

    def share_privately(call: Invocation, name: str, data: bytes, title: str) -> None:
        upload_to_dm(call.client, call.user_id, name, data, title, f"{title}: only you can see this file here.")
        call.respond(text=f"{title} is in your DM with me.")

    def on_admin(call: Invocation) -> None:
        call.ack()
        if not admin_allowed(call.client, call.team_id, call.user_id):
            log.warning("refused: %s is not a program admin (/mentor admin %s)", call.user_id, call.args)
            call.respond(**not_admin_message(call.args.partition(" ")[0].lower()).as_kwargs())
            return
        words = call.args.split()
        if words[:1] == ["weights"]:
            changes, problem = parse_weights(words[1:])
            with services.db.unit_of_work() as session:
                if changes:
                    set_match_weights(session, call.team_id, changes, services.clock.now())
                weights = program_weights(session, call.team_id)
            call.respond(**weights_message(weights, problem).as_kwargs())
            return
        if words[:1] == ["threshold"]:
            if len(words) != 2 or not words[1].isdigit():
                call.respond(text="Give a whole number, e.g. `/mentor admin threshold 5`. It never goes below 3.")
                return
            with services.db.unit_of_work() as session:
                value = set_anonymity_threshold(session, call.team_id, int(words[1]), services.clock.now())
            call.respond(text=f"Reports now hide any figure from fewer than {value} people.")
            return
        if words[:1] == ["chart"]:
            with services.db.reading() as session:
                chart = program_chart(session, call.team_id, services.clock.now())
            if chart is None:
                call.respond(text="Nothing to chart yet: the chart starts with the program's first pair.")
                return
            share_privately(call, "mentoring-program.png", chart, "Mentoring program over time")
            return
        if words[:1] == ["export"]:
            with services.db.reading() as session:
                table = program_csv(session, call.team_id)
            share_privately(call, "mentoring-pairs.csv", table, "Mentoring pairs (no free text)")
            return
        if words[:1] == ["report"]:
            with services.db.unit_of_work() as session:
                report = program_report(session, call.team_id, services.clock.now())
            call.respond(**report_message(report).as_kwargs())
            return
        if words[:1] != ["match"]:
            call.respond(**admin_help_message().as_kwargs())
            return
        with services.db.unit_of_work() as session:
            preview = preview_round(session, call.team_id, call.user_id, services.clock.now())
        call.respond(**preview_message(preview).as_kwargs())

    def on_publish(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        if not admin_allowed(client, team_id, user_id):
            log.warning("refused: %s tried to publish a round", user_id)
            respond(replace_original=False, **not_admin_message("publish").as_kwargs())
            return
        now = services.clock.now()
        try:
            with services.db.unit_of_work() as session:
                published = publish_round(session, team_id, action_value(body), now)
                for pair in published.pairs:
                    for person in (pair.mentee_user_id, pair.mentor_user_id):
                        key = f"round:{published.round_id}:pair:{pair.id}:{person}"
                        enqueue(session, team_id, key, proposal_message(pair, person), now, user_id=person)
                for person, reason in published.unmatched:
                    key = f"round:{published.round_id}:unmatched:{person}"
                    enqueue(session, team_id, key, unmatched_message(reason), now, user_id=person)
        except (NotYours, RequestClosed):
            respond(replace_original=True, text="This round was already published or discarded.")
            return
        respond(replace_original=True, **published_message(published).as_kwargs())
        deliver(services.db, lambda _team: client, now)

    def on_discard(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        if not admin_allowed(client, team_id, user_id):
            respond(replace_original=False, **not_admin_message("discard").as_kwargs())
            return
        try:
            with services.db.unit_of_work() as session:
                discard_round(session, team_id, action_value(body))
        except (NotYours, RequestClosed):
            respond(replace_original=True, text="This round was already published or discarded.")
            return
        respond(replace_original=True, **discarded_message().as_kwargs())

    def on_confirm(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        try:
            with services.db.unit_of_work() as session:
                pair = confirm_pair(session, team_id, user_id, action_value(body), services.clock.now())
        except NotYours:
            log.warning("refused: %s tried to confirm pair %s", user_id, action_value(body))
            respond(replace_original=False, text="That match isn't yours, so I've left it alone.")
            return
        except RequestClosed as closed:
            respond(replace_original=True, **closed_request_message(closed.status).as_kwargs())
            return
        if pair.status is PairStatus.ACTIVE:
            respond(replace_original=True, **started_message().as_kwargs())
            start_conversation(services, client, team_id, pair)
        else:
            respond(replace_original=True, **waiting_for_partner_message(pair, user_id).as_kwargs())

    def on_decline(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        now = services.clock.now()
        try:
            with services.db.unit_of_work() as session:
                pair = decline_pair(session, team_id, user_id, action_value(body), now)
                partner = pair.mentor_user_id if user_id == pair.mentee_user_id else pair.mentee_user_id
                key = f"pair:{pair.id}:declined:{partner}"
                enqueue(session, team_id, key, declined_for_partner_message(), now, user_id=partner)
        except NotYours:
            log.warning("refused: %s tried to decline pair %s", user_id, action_value(body))
            respond(replace_original=False, text="That match isn't yours, so I've left it alone.")
            return
        except RequestClosed as closed:
            respond(replace_original=True, **closed_request_message(closed.status).as_kwargs())
            return
        respond(replace_original=True, **declined_by_you_message().as_kwargs())
        deliver(services.db, lambda _team: client, now)

    def on_at_risk(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        if not admin_allowed(client, team_id, user_id):
            respond(replace_original=False, **not_admin_message("report").as_kwargs())
            return
        with services.db.reading() as session:
            pairs = at_risk_now(session, team_id, services.clock.now())
        send_dm(client, user_id, admins_at_risk(pairs))

    command.add(
        "admin",
        "admin match | report | chart | export | weights | threshold",
        "program admins: rounds, health, weights",
        on_admin,
    )
    app.action(ROUND_PUBLISH)(on_publish)
    app.action(ROUND_DISCARD)(on_discard)
    app.action(PAIR_CONFIRM)(on_confirm)
    app.action(PAIR_DECLINE)(on_decline)
    app.action(REPORT_AT_RISK)(on_at_risk)
