"""Evaluations: the private invitation, the form, the reminder, and what a partner sees when shared."""

from __future__ import annotations

from typing import Any

from bot.evaluations import RATINGS, EvaluationAnswers, EvaluationAsk
from bot.text import escape
from bot.views.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    input_block,
    modal,
    program_note,
    section,
    static_select,
    text_input,
)

EVALUATION_OPEN = "evaluation.open"
EVALUATION_SUBMIT = "evaluation.submit"
SCALE = [(str(n), f"{n}") for n in range(1, 6)]
NPS = [(str(n), f"{n}") for n in range(11)]
# Where the form says why it can't be taken: the last rating, nearest the Send button.
OVERALL = "overall"
NOT_YOURS = "This evaluation belongs to someone else."
ALREADY_SENT = "You've already sent this evaluation. Thank you!"


def _milestone(ask: EvaluationAsk) -> str:
    return "as your mentoring ends" if ask.milestone == "final" else f"at day {ask.milestone.removeprefix('day')}"


def invitation_message(ask: EvaluationAsk, reminder: bool = False) -> Message:
    lead = "A gentle reminder: " if reminder else ""
    text = (
        f"{lead}How is your mentoring with <@{ask.partner_id}> going, {_milestone(ask)}? "
        "Two minutes, completely private."
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            actions(button("Share my view", EVALUATION_OPEN, value=str(ask.id), style="primary")),
            context("Your partner never sees your answers unless you choose to share them."),
            *program_note(ask.pair.program_label),
        ],
    )


def evaluation_modal(ask: EvaluationAsk) -> Block:
    blocks: list[Block] = [section(f"Your view of your mentoring with <@{ask.partner_id}>, {_milestone(ask)}.")]
    for key, label in RATINGS.items():
        blocks.append(input_block(key, f"{label} (1–5)", static_select("value", SCALE)))
    blocks += [
        input_block(
            "nps", "How likely are you to recommend this program to a colleague? (0–10)", static_select("value", NPS)
        ),
        input_block("worked", "What worked well?", text_input("value", multiline=True, max_length=1000), optional=True),
        input_block(
            "change", "What would you change?", text_input("value", multiline=True, max_length=1000), optional=True
        ),
        input_block(
            "share",
            "Share my answers with my partner",
            {
                "type": "checkboxes",
                "action_id": "value",
                "options": [{"text": {"type": "plain_text", "text": "Yes, share them"}, "value": "share"}],
            },
            optional=True,
        ),
    ]
    return modal("Private evaluation", EVALUATION_SUBMIT, blocks, submit="Send", private_metadata=str(ask.id))


def read_evaluation_form(state: dict[str, Any]) -> EvaluationAnswers:
    def selected(block_id: str) -> int | None:
        chosen = ((state.get(block_id) or {}).get("value") or {}).get("selected_option") or {}
        raw = chosen.get("value") if isinstance(chosen, dict) else None
        return int(raw) if isinstance(raw, str) and raw.isdigit() else None

    def text(block_id: str) -> str:
        return str(((state.get(block_id) or {}).get("value") or {}).get("value") or "")

    shared = ((state.get("share") or {}).get("value") or {}).get("selected_options") or []
    return EvaluationAnswers(
        ratings={key: selected(key) for key in RATINGS},
        nps=selected("nps"),
        worked=text("worked"),
        change=text("change"),
        share=any(isinstance(o, dict) and o.get("value") == "share" for o in shared),
    )


def thanks_message(shared: bool) -> Message:
    if shared:
        return Message(text="Thank you! I've shared your answers with your partner, as you asked.")
    return Message(text="Thank you! Your answers stay private: your partner won't see them.")


def shared_with_partner(ask: EvaluationAsk, answers: EvaluationAnswers) -> Message:
    lines = "\n".join(f"• {label}: *{answers.ratings.get(key)}*/5" for key, label in RATINGS.items())
    text = f"<@{ask.user_id}> chose to share their evaluation with you."
    blocks: list[Block] = [section(text), section(lines)]
    if answers.worked.strip():
        blocks.append(section(f"*What worked well*\n{escape(answers.worked)}"))
    if answers.change.strip():
        blocks.append(section(f"*What they'd change*\n{escape(answers.change)}"))
    return Message(text=text, blocks=blocks)


def already_answered() -> Message:
    return Message(text=ALREADY_SENT)
