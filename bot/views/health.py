"""Pair health messages: a kind word to a pair at risk, the admins' list, and the dormancy warning."""

from __future__ import annotations

from collections.abc import Sequence

from bot.health import AtRisk
from bot.pairs import PairView
from bot.text import escape
from bot.views.blocks import Message, actions, button, context, program_note, section

PAIR_KEEP = "pair.keep"


def kind_checkin(pair: PairView) -> Message:
    text = (
        f"Hi <@{pair.mentee_user_id}> and <@{pair.mentor_user_id}>: it's been a little quiet. That's normal; "
        "busy weeks happen. Would a short 20-minute catch-up this week help you get going again?"
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            context("If something isn't working, a program admin can help, confidentially."),
            *program_note(pair.program_label),
        ],
    )


def admins_at_risk(pairs: Sequence[AtRisk]) -> Message:
    rows = "\n".join(
        f"• <@{r.pair.mentee_user_id}> with <@{r.pair.mentor_user_id}>"
        f"{' (' + escape(r.pair.program_label) + ')' if r.pair.program_label else ''}: {'; '.join(r.reasons)}"
        for r in pairs
    )
    text = f"{len(pairs)} mentoring pair{'s' if len(pairs) != 1 else ''} may need a hand"
    return Message(
        text=text,
        blocks=[
            section(f"*{text}*\n{rows}"),
            context("I've sent each pair a kind check-in. Their private answers and notes stay private."),
        ],
    )


def dormancy_warning(pair: PairView) -> Message:
    text = (
        "This pair has been quiet for three months. If you've wrapped up, that's fine: I'll close it in a week. "
        "If you'd like to keep going, one click keeps it open."
    )
    keep = actions(button("Keep our pair", PAIR_KEEP, value=str(pair.id)))
    return Message(text=text, blocks=[section(text), keep, *program_note(pair.program_label)])


def kept_message() -> Message:
    return Message(text="Great, your pair stays open. I'll keep nudging on your usual rhythm.")


def closed_for_inactivity(pair: PairView) -> Message:
    text = (
        "I've closed this mentoring pair after three quiet months. Thank you both for the time you gave it. "
        "You'll get a short final evaluation; `/mentor find` is there whenever you want a new pair."
    )
    return Message(text=text, blocks=[section(text), *program_note(pair.program_label)])
