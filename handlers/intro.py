"""The working agreement in the pair's group DM: proposing, changing and confirming how they work together."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from sqlalchemy.orm import Session

from bot.agreements import agreement_for_member, confirm, propose, validate_terms
from bot.conversations import meeting_times_after_agreement
from bot.errors import AgreementClosed
from bot.slack import open_dm, post
from bot.views.agreement import (
    AGREEMENT_CHANGE,
    AGREEMENT_CONFIRM,
    AGREEMENT_OPEN,
    AGREEMENT_SUBMIT,
    FOCUS,
    NOT_YOUR_PAIR,
    PAIR_ENDED,
    agreement_closed_message,
    agreement_modal,
    confirmed_for_confirmer,
    confirmed_message,
    proposal_message,
    proposed_sent_message,
    read_agreement_form,
    read_pair_id,
)
from bot.views.blocks import Block
from handlers.actor import Actor, Refusals, action_value, form_refused
from handlers.routing import MentorCommand, Routes

PROPOSAL_REFUSALS = Refusals(
    {FOCUS: NOT_YOUR_PAIR}, closed={FOCUS: PAIR_ENDED}, logged="proposed an agreement for pair"
)


def agreement_form(session: Session, team_id: str, user_id: str, pair_id: int) -> Block:
    """The agreement modal, filled in with the pair's latest proposal or, failing that, the agreement in force."""
    return agreement_modal(pair_id, agreement_for_member(session, team_id, user_id, pair_id), None)


def open_agreement(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    actor.open_as_member(str(body["trigger_id"]), "opened the agreement of pair", agreement_form, action_value(body))


def propose_agreement(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    terms = read_agreement_form(view.get("state", {}).get("values", {}))
    if form_refused(ack, validate_terms(terms)):
        return
    pair_id = read_pair_id(str(view.get("private_metadata") or "")) or 0
    agreement = actor.submit_as_member(ack, PROPOSAL_REFUSALS, propose, pair_id, terms, actor.now())
    if agreement is None:
        return
    actor.dm_to(agreement.partner_of_proposer, proposal_message(agreement))
    actor.dm(proposed_sent_message(agreement))
    actor.refresh_homes(agreement.pair.mentor_user_id, agreement.pair.mentee_user_id)


def confirm_agreement(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    try:
        agreement = actor.as_member("confirmed agreement", confirm, action_value(body), actor.now())
    except AgreementClosed as closed:
        respond(replace_original=False, **agreement_closed_message(closed.status).as_kwargs())
        return
    if agreement is None:
        return
    respond(replace_original=True, **confirmed_for_confirmer().as_kwargs())
    pair = agreement.pair
    channel = pair.channel_id or open_dm(actor.client, [pair.mentor_user_id, pair.mentee_user_id])
    post(actor.client, channel, confirmed_message(agreement, pair.next_checkin_at))
    meeting_times_after_agreement(actor.services, actor.client, pair)
    actor.refresh_homes(pair.mentor_user_id, pair.mentee_user_id)


def register(app: Routes, command: MentorCommand) -> None:
    app.action(AGREEMENT_OPEN)(open_agreement)
    app.action(AGREEMENT_CHANGE)(open_agreement)
    app.view(AGREEMENT_SUBMIT)(propose_agreement)
    app.action(AGREEMENT_CONFIRM)(confirm_agreement)
