"""Ending a pair well: the reason modal, the private closing notes, staying in touch."""

from __future__ import annotations

from typing import Any

from bot.closing import END_REASONS
from bot.pairs import PairView
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
)
from bot.views.join import JOIN_OPEN

PAIR_END_OPEN = "pair.end_open"
PAIR_END_SUBMIT = "pair.end_submit"
STAY_IN_TOUCH = "pair.stay_in_touch"
REASON = "reason"
REASON_MISSING = "Pick the closest reason; it stays private."
NOT_YOUR_PAIR = "This isn't your pair."
ALREADY_ENDED = "This pair has already ended."


def end_modal(pair: PairView, user_id: str, threshold: int) -> Block:
    partner = pair.mentor_user_id if user_id == pair.mentee_user_id else pair.mentee_user_id
    return modal(
        "End the pair",
        PAIR_END_SUBMIT,
        [
            section(
                f"Ending is no-fault. <@{partner}> is told only that the pair has ended, never your reason. "
                "You'll both get a short final evaluation."
            ),
            context(
                f"*Who sees your reason:* nobody by name. Program admins see only how many pairs ended for each "
                f"reason, once at least {threshold} pairs have ended for it."
            ),
            input_block(REASON, "Why are you ending it?", static_select("value", list(END_REASONS.items()))),
        ],
        submit="End the pair",
        private_metadata=str(pair.id),
    )


def read_reason(state: dict[str, Any]) -> str | None:
    chosen = ((state.get(REASON) or {}).get("value") or {}).get("selected_option") or {}
    return str(chosen.get("value")) if chosen else None


def closing_message(pair: PairView, user_id: str, completed: bool) -> Message:
    partner = pair.mentor_user_id if user_id == pair.mentee_user_id else pair.mentee_user_id
    lead = "Your agreed time together is complete" if completed else "Your mentoring pair has ended"
    text = (
        f"{lead}: thank you for the time you gave each other, <@{user_id}> and <@{partner}>. "
        "A short final evaluation follows, privately."
    )
    buttons = [button("Stay in touch", STAY_IN_TOUCH, value=str(pair.id))]
    if user_id == pair.mentee_user_id:
        text += " You've grown a lot; would you like to mentor someone yourself?"
        buttons.append(button("Become a mentor", JOIN_OPEN, style="primary"))
    return Message(text=text, blocks=[section(text), actions(*buttons), *program_note(pair.program_label)])


def stay_in_touch_set() -> Message:
    return Message(text="Lovely. I'll nudge you both once a year to say hello.")


def touch_nudge(pair: PairView) -> Message:
    text = (
        f"It's been a year since <@{pair.mentee_user_id}> and <@{pair.mentor_user_id}> worked together. "
        "How about a quick hello?"
    )
    return Message(text=text, blocks=[section(text), *program_note(pair.program_label)])
