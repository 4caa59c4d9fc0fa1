"""The intro and working agreement: the pair's group DM, proposing, changing and confirming how they work."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.agreements import agreement_for_member, confirm, propose, validate_terms
from bot.errors import NotYours, RequestClosed
from bot.home import refresh_home
from bot.pairs import PairView, set_channel
from bot.services import Services
from bot.slack import open_dm, post, send_dm
from bot.views.agreement import (
    AGREEMENT_CHANGE,
    AGREEMENT_CONFIRM,
    AGREEMENT_OPEN,
    AGREEMENT_SUBMIT,
    agreement_closed_message,
    agreement_modal,
    confirmed_for_confirmer,
    confirmed_message,
    proposal_message,
    proposed_sent_message,
    read_agreement_form,
    read_pair_id,
)
from bot.views.intro import intro_message
from handlers.router import MentorCommand, Routes, action_value, refuse, workspace_of

log = logging.getLogger(__name__)


def start_conversation(services: Services, client: WebClient, team_id: str, pair: PairView) -> str:
    """Open (or reopen) the pair's group DM, remember it, post the intro, and refresh both App Homes."""
    channel = open_dm(client, [pair.mentor_user_id, pair.mentee_user_id])
    with services.db.unit_of_work() as session:
        set_channel(session, pair.id, channel)
    post(client, channel, intro_message(pair))
    for person in (pair.mentor_user_id, pair.mentee_user_id):
        refresh_home(services, client, team_id, person)
    return channel


def register(app: Routes, services: Services, command: MentorCommand) -> None:
    def on_open(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, pair_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                current = agreement_for_member(session, team_id, user_id, pair_id)
        except NotYours:
            refuse(client, user_id, f"opened the agreement of pair {pair_id}")
            return
        client.views_open(trigger_id=str(body["trigger_id"]), view=agreement_modal(pair_id, current, None))

    def on_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        terms = read_agreement_form(view.get("state", {}).get("values", {}))
        errors = validate_terms(terms)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        pair_id = read_pair_id(str(view.get("private_metadata") or ""))
        try:
            with services.db.unit_of_work() as session:
                agreement = propose(session, team_id, user_id, pair_id or 0, terms, services.clock.now())
        except NotYours:
            log.warning("refused: %s proposed an agreement for pair %s", user_id, pair_id)
            ack(response_action="errors", errors={"focus": "This isn't your pair, so I can't save this."})
            return
        except RequestClosed:
            ack(response_action="errors", errors={"focus": "This pair has ended, so there's nothing to agree on."})
            return
        ack()
        send_dm(client, agreement.partner_of_proposer, proposal_message(agreement))
        send_dm(client, user_id, proposed_sent_message(agreement))
        for person in (agreement.pair.mentor_user_id, agreement.pair.mentee_user_id):
            refresh_home(services, client, team_id, person)

    def on_confirm(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, agreement_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                agreement = confirm(session, team_id, user_id, agreement_id, services.clock.now())
        except NotYours:
            refuse(client, user_id, f"confirmed agreement {agreement_id}")
            return
        except RequestClosed as closed:
            respond(replace_original=False, **agreement_closed_message(closed.status).as_kwargs())
            return
        respond(replace_original=True, **confirmed_for_confirmer().as_kwargs())
        pair = agreement.pair
        channel = pair.channel_id or open_dm(client, [pair.mentor_user_id, pair.mentee_user_id])
        post(client, channel, confirmed_message(agreement, pair.next_checkin_at))
        for person in (pair.mentor_user_id, pair.mentee_user_id):
            refresh_home(services, client, team_id, person)

    app.action(AGREEMENT_OPEN)(on_open)
    app.action(AGREEMENT_CHANGE)(on_open)
    app.view(AGREEMENT_SUBMIT)(on_submit)
    app.action(AGREEMENT_CONFIRM)(on_confirm)
