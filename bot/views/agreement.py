"""The working agreement: its modal, the proposal the partner confirms, and the confirmed summary."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.agreements import CONFIDENTIALITY, LENGTH_MONTHS, MEETING_MINUTES, AgreementTerms, AgreementView
from bot.text import escape
from bot.views.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    input_block,
    modal,
    said,
    section,
    slack_date,
    static_select,
    text_input,
)
from bot.views.goals import GOAL_OPEN
from bot.views.join import CADENCE_LABELS, CHANNEL_LABELS
from storage.vocabulary import Cadence, MeetingChannel

AGREEMENT_OPEN = "agreement.open"
AGREEMENT_SUBMIT = "agreement.submit"
AGREEMENT_CONFIRM = "agreement.confirm"
AGREEMENT_CHANGE = "agreement.change"
FOCUS = "focus"
VIDEO_LINK = "video_link"
NOT_YOUR_PAIR = "This isn't your pair, so I can't save this."
PAIR_ENDED = "This pair has ended, so there's nothing to agree on."


def agreement_modal(pair_id: int, current: AgreementView | None, default_cadence: Cadence | None) -> Block:
    minutes = [(str(m), f"{m} minutes") for m in MEETING_MINUTES]
    months = [(str(m), f"{m} months") for m in LENGTH_MONTHS]
    promises = [(key, text) for key, text in CONFIDENTIALITY.items()]
    return modal(
        "Working agreement",
        AGREEMENT_SUBMIT,
        [
            section("Agree how you'll work together. Your partner confirms it, or suggests changes."),
            input_block(
                "cadence",
                "We'll meet",
                static_select(
                    "value",
                    [(str(k), v) for k, v in CADENCE_LABELS.items()],
                    current.cadence if current else default_cadence,
                ),
            ),
            input_block(
                "meeting_minutes",
                "For about",
                static_select("value", minutes, str(current.meeting_minutes) if current else "45"),
            ),
            input_block(
                "meeting_channel",
                "By",
                static_select(
                    "value",
                    [(str(k), v) for k, v in CHANNEL_LABELS.items()],
                    current.meeting_channel if current else None,
                ),
            ),
            input_block(
                VIDEO_LINK,
                "Video link for our meetings",
                text_input("value", current.video_link if current else "", max_length=500, placeholder="https://"),
                optional=True,
                hint="If you meet by video: your Zoom, Meet or Teams link. It goes into the calendar invites.",
            ),
            input_block(
                FOCUS,
                "We'll focus on",
                text_input("value", current.focus if current else "", multiline=True, max_length=500),
            ),
            input_block(
                "length_months", "For", static_select("value", months, str(current.length_months) if current else "6")
            ),
            input_block(
                "confidentiality",
                "Confidentiality",
                static_select("value", promises, current.confidentiality if current else "private"),
            ),
        ],
        submit="Propose",
        private_metadata=json.dumps({"pair": pair_id}),
    )


def _selected(state: dict[str, Any], block_id: str) -> str | None:
    chosen = ((state.get(block_id) or {}).get("value") or {}).get("selected_option") or {}
    value = chosen.get("value") if isinstance(chosen, dict) else None
    return str(value) if value is not None else None


def _number(raw: str | None) -> int | None:
    return int(raw) if raw is not None and raw.isdigit() else None


def read_agreement_form(state: dict[str, Any]) -> AgreementTerms:
    cadence, channel = _selected(state, "cadence"), _selected(state, "meeting_channel")
    return AgreementTerms(
        cadence=Cadence(cadence) if cadence in {c.value for c in Cadence} else None,
        meeting_minutes=_number(_selected(state, "meeting_minutes")),
        meeting_channel=MeetingChannel(channel) if channel in {c.value for c in MeetingChannel} else None,
        focus=str(((state.get(FOCUS) or {}).get("value") or {}).get("value") or ""),
        video_link=str(((state.get(VIDEO_LINK) or {}).get("value") or {}).get("value") or "").strip(),
        length_months=_number(_selected(state, "length_months")),
        confidentiality=_selected(state, "confidentiality"),
    )


def read_pair_id(metadata: str) -> int | None:
    try:
        return int(json.loads(metadata or "{}")["pair"])
    except (ValueError, KeyError, TypeError):
        return None


def terms_text(agreement: AgreementView) -> str:
    return (
        f"• Meet {CADENCE_LABELS[agreement.cadence].lower()}, about {agreement.meeting_minutes} minutes, "
        f"by {CHANNEL_LABELS[agreement.meeting_channel].lower()}\n"
        f"• Focus: {escape(agreement.focus)}\n"
        f"• For {agreement.length_months} months\n"
        + (f"• Video: <{agreement.video_link}|our meeting link>\n" if agreement.video_link else "")
        + f"• {CONFIDENTIALITY.get(agreement.confidentiality, '')}"
    )


def proposal_message(agreement: AgreementView) -> Message:
    text = f"<@{agreement.proposed_by}> proposed your working agreement. Does it work for you?"
    return Message(
        text=text,
        blocks=[
            section(text),
            section(terms_text(agreement)),
            actions(
                button("Confirm", AGREEMENT_CONFIRM, value=str(agreement.id), style="primary"),
                button("Suggest changes", AGREEMENT_CHANGE, value=str(agreement.pair.id)),
            ),
            context("Nothing changes until you confirm. Suggesting changes sends them back for confirmation."),
        ],
    )


def proposed_sent_message(agreement: AgreementView) -> Message:
    text = f"Sent to <@{agreement.partner_of_proposer}> to confirm. I'll post it in your group DM once they do."
    return said(text)


def confirmed_message(agreement: AgreementView, next_checkin_at: datetime | None) -> Message:
    text = "Your working agreement is set."
    checkin = f"I'll check in with you both around {slack_date(next_checkin_at)}. " if next_checkin_at else ""
    return Message(
        text=text,
        blocks=[
            section(f"*{text}*\n{terms_text(agreement)}"),
            section(f"{checkin}Next: set your first goal together, with a date and a way to measure it."),
            actions(
                button("Add a goal", GOAL_OPEN, value=str(agreement.pair.id), style="primary"),
                button("Change agreement", AGREEMENT_OPEN, value=str(agreement.pair.id)),
            ),
        ],
    )


def confirmed_for_confirmer() -> Message:
    return Message(text="Confirmed. I've posted your agreement in your group DM.")


def agreement_closed_message(status: str) -> Message:
    if status == "own_proposal":
        return Message(text="This is your own proposal: it's waiting for your partner to confirm.")
    return Message(text="This proposal was replaced or already confirmed, so there's nothing to do here.")
