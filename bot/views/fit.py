"""The private fit check and its answers."""

from __future__ import annotations

from bot.pairs import PairView
from bot.views.blocks import Message, actions, button, confirm_dialog, context, program_note, said, section

FIT_GOOD = "fit.good"
FIT_DECIDING = "fit.deciding"
FIT_NOT_GOOD = "fit.not_good"
PAIR_END = "pair.end"
FIT_KEEP = "fit.keep"


def partner_of(pair: PairView, user_id: str) -> str:
    return pair.mentor_user_id if user_id == pair.mentee_user_id else pair.mentee_user_id


def question_message(pair: PairView, user_id: str) -> Message:
    text = f"You've been working with <@{partner_of(pair, user_id)}> for two weeks. How is it going, honestly?"
    value = str(pair.id)
    return Message(
        text=text,
        blocks=[
            section(text),
            actions(
                button("Good fit", FIT_GOOD, value=value, style="primary"),
                button("Still deciding", FIT_DECIDING, value=value),
                button("Not a good fit", FIT_NOT_GOOD, value=value),
            ),
            context("Only you see your answer. Your partner is never told what you said."),
            *program_note(pair.program_label),
        ],
    )


def good_answer() -> Message:
    return Message(text="Glad to hear it. Keep going; I'll check in on your goals along the way.")


def deciding_answer() -> Message:
    return Message(
        text="Fair enough, it can take a few meetings. If it still doesn't click, `/mentor status` lets you end "
        "the pair without blame."
    )


def not_good_answer(pair: PairView) -> Message:
    text = (
        "Thanks for being honest; that takes courage. Would you like to end this pair? It's no-fault: "
        "I'll tell your partner only that the pair has closed, never what you answered."
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            actions(
                button(
                    "End the pair",
                    PAIR_END,
                    value=str(pair.id),
                    style="danger",
                    confirm=confirm_dialog(
                        "End the pair?", "Your partner will be told the pair has closed.", "End it", "Cancel"
                    ),
                ),
                button("Give it more time", FIT_KEEP, value=str(pair.id)),
            ),
        ],
    )


def ended_for_you(pair: PairView, user_id: str) -> Message:
    rematch = " Run `/mentor find` whenever you're ready to meet someone new." if user_id == pair.mentee_user_id else ""
    return Message(text=f"The pair has ended. Thank you for giving it a go.{rematch}")


def ended_for_partner(pair: PairView, user_id: str) -> Message:
    rematch = " Run `/mentor find` to meet someone new when you're ready." if user_id == pair.mentee_user_id else ""
    text = (
        f"Your mentoring pair with <@{partner_of(pair, user_id)}> has closed. These things happen, and it isn't a "
        f"judgement on anyone.{rematch}"
    )
    return said(text)


def kept_answer() -> Message:
    return Message(text="Okay, the pair carries on. You can end it any time from `/mentor status`.")
