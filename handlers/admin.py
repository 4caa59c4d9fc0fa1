"""Program admin commands: `/mentor admin match | report | chart | export | weights | threshold`, the round's
Publish / Discard, both sides' answers to a proposed pair, and the at-risk list."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, Respond

from bot.conversations import start_conversation
from bot.errors import NoLongerOpen, NotYours
from bot.exports import program_chart, program_csv
from bot.health import at_risk_now
from bot.pairs import PairView
from bot.programs import set_anonymity_threshold, set_match_weights
from bot.publishing import confirm_proposal, decline_proposal, publish
from bot.report import program_report
from bot.requests import parse_weights, program_weights
from bot.rounds import discard_round, preview_round
from bot.services import Services
from bot.slack import upload_to_dm
from bot.views.admin import (
    CHART_FILE,
    EXPORT_FILE,
    PrivateFile,
    match_not_yours_message,
    nothing_to_chart_message,
    round_settled_message,
    threshold_set_message,
    threshold_usage_message,
)
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
    discarded_message,
    not_admin_message,
    preview_message,
    published_message,
    started_message,
    waiting_for_partner_message,
    weights_message,
)
from handlers.actor import Actor, action_value
from handlers.routing import Invocation, MentorCommand, Routes
from storage.models import PairStatus

log = logging.getLogger(__name__)
Answer = Callable[[Services, str, str, int, datetime], PairView]


def share_privately(call: Invocation, file: PrivateFile, data: bytes) -> None:
    upload_to_dm(call.client, call.user_id, file.name, data, file.title, file.comment)
    call.respond(**file.shared_message().as_kwargs())


def change_weights(call: Invocation, words: list[str]) -> None:
    changes, problem = parse_weights(words)
    with call.actor.unit_of_work() as session:
        if changes:
            set_match_weights(session, call.team_id, changes, call.actor.now())
        weights = program_weights(session, call.team_id)
    call.respond(**weights_message(weights, problem).as_kwargs())


def change_threshold(call: Invocation, words: list[str]) -> None:
    if len(words) != 1 or not words[0].isdigit():
        call.respond(**threshold_usage_message().as_kwargs())
        return
    with call.actor.unit_of_work() as session:
        value = set_anonymity_threshold(session, call.team_id, int(words[0]), call.actor.now())
    call.respond(**threshold_set_message(value).as_kwargs())


def share_chart(call: Invocation, words: list[str]) -> None:
    with call.actor.reading() as session:
        chart = program_chart(session, call.team_id, call.actor.now())
    if chart is None:
        call.respond(**nothing_to_chart_message().as_kwargs())
        return
    share_privately(call, CHART_FILE, chart)


def share_export(call: Invocation, words: list[str]) -> None:
    with call.actor.reading() as session:
        table = program_csv(session, call.team_id)
    share_privately(call, EXPORT_FILE, table)


def show_report(call: Invocation, words: list[str]) -> None:
    with call.actor.unit_of_work() as session:
        report = program_report(session, call.team_id, call.actor.now())
    call.respond(**report_message(report).as_kwargs())


def preview_match(call: Invocation, words: list[str]) -> None:
    with call.actor.unit_of_work() as session:
        preview = preview_round(session, call.team_id, call.user_id, call.actor.now())
    call.respond(**preview_message(preview).as_kwargs())


ADMIN_SUBCOMMANDS: dict[str, Callable[[Invocation, list[str]], None]] = {
    "weights": change_weights,
    "threshold": change_threshold,
    "chart": share_chart,
    "export": share_export,
    "report": show_report,
    "match": preview_match,
}


def admin_command(call: Invocation) -> None:
    call.ack()
    if not call.actor.is_admin():
        log.warning("refused: %s is not a program admin (/mentor admin %s)", call.user_id, call.args)
        call.respond(**not_admin_message(call.args.partition(" ")[0].lower()).as_kwargs())
        return
    name, *words = call.args.split() or [""]
    subcommand = ADMIN_SUBCOMMANDS.get(name)
    if subcommand is None:
        call.respond(**admin_help_message().as_kwargs())
        return
    subcommand(call, words)


def publish_round(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    if not actor.is_admin():
        log.warning("refused: %s tried to publish a round", actor.user_id)
        respond(replace_original=False, **not_admin_message("publish").as_kwargs())
        return
    try:
        published = publish(actor.services, actor.team_id, action_value(body), actor.now())
    except (NotYours, NoLongerOpen):
        respond(replace_original=True, **round_settled_message().as_kwargs())
        return
    respond(replace_original=True, **published_message(published).as_kwargs())
    actor.send_queued()


def discard_draft_round(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    if not actor.is_admin():
        respond(replace_original=False, **not_admin_message("discard").as_kwargs())
        return
    try:
        with actor.unit_of_work() as session:
            discard_round(session, actor.team_id, action_value(body))
    except (NotYours, NoLongerOpen):
        respond(replace_original=True, **round_settled_message().as_kwargs())
        return
    respond(replace_original=True, **discarded_message().as_kwargs())


def answer_proposal(body: dict[str, Any], respond: Respond, actor: Actor, verb: str, answer: Answer) -> PairView | None:
    """A proposed pair's person says yes or no; None when the pair is not theirs or no longer proposed."""
    pair_id = action_value(body)
    try:
        return answer(actor.services, actor.team_id, actor.user_id, pair_id, actor.now())
    except NotYours:
        log.warning("refused: %s tried to %s pair %s", actor.user_id, verb, pair_id)
        respond(replace_original=False, **match_not_yours_message().as_kwargs())
    except NoLongerOpen as closed:
        respond(replace_original=True, **closed_request_message(closed.status).as_kwargs())
    return None


def confirm_match(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    pair = answer_proposal(body, respond, actor, "confirm", confirm_proposal)
    if pair is None:
        return
    if pair.status is PairStatus.ACTIVE:
        respond(replace_original=True, **started_message().as_kwargs())
        start_conversation(actor.services, actor.client, actor.team_id, pair)
    else:
        respond(replace_original=True, **waiting_for_partner_message(pair, actor.user_id).as_kwargs())


def decline_match(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    if answer_proposal(body, respond, actor, "decline", decline_proposal) is not None:
        respond(replace_original=True, **declined_by_you_message().as_kwargs())
        actor.send_queued()


def show_at_risk(ack: Ack, respond: Respond, actor: Actor) -> None:
    ack()
    if not actor.is_admin():
        respond(replace_original=False, **not_admin_message("report").as_kwargs())
        return
    with actor.reading() as session:
        pairs = at_risk_now(session, actor.team_id, actor.now())
    actor.dm(admins_at_risk(pairs))


def register(app: Routes, command: MentorCommand) -> None:
    command.add(
        "admin",
        "admin match | report | chart | export | weights | threshold",
        "program admins: rounds, health, weights",
        admin_command,
    )
    app.action(ROUND_PUBLISH)(publish_round)
    app.action(ROUND_DISCARD)(discard_draft_round)
    app.action(PAIR_CONFIRM)(confirm_match)
    app.action(PAIR_DECLINE)(decline_match)
    app.action(REPORT_AT_RISK)(show_at_risk)
