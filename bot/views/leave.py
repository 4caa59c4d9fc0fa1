"""Pausing participation: the confirmation and its outcome."""

from __future__ import annotations

from bot.programs import ProgramView
from bot.text import escape
from bot.views.blocks import Message, actions, button, section
from bot.views.join import JOIN_OPEN

LEAVE_CONFIRM = "leave.confirm"
LEAVE_CANCEL = "leave.cancel"


def confirm_leave_message(program: ProgramView | None = None) -> Message:
    where = f" in *{escape(program.name)}*" if program else ""
    others = " Your other programs go on as they are." if program else ""
    text = (
        f"Pause your participation{where}? Nobody will be matched with you there and no new requests will reach "
        f"you. Your profile is kept, so you can come back any time with `/mentor join`.{others}"
    )
    value = str(program.id) if program else ""
    return Message(
        text=text,
        blocks=[
            section(text),
            actions(button("Pause me", LEAVE_CONFIRM, value=value, style="danger"), button("Keep me in", LEAVE_CANCEL)),
        ],
    )


def which_to_leave_message(programs: list[ProgramView]) -> Message:
    """In several programs: pause one of them, or all at once."""
    text = "Which program would you like to pause? The others go on as they are."
    choices = [button(f"Pause {p.name}"[:75], LEAVE_CONFIRM, value=str(p.id)) for p in programs[:4]]
    choices.append(button("Pause them all", LEAVE_CONFIRM, value="all", style="danger"))
    return Message(text=text, blocks=[section(text), actions(*choices, button("Keep me in", LEAVE_CANCEL))])


def paused_message(program: str = "") -> Message:
    where = f" in *{escape(program)}*" if program else ""
    text = f"You're paused{where}. Thanks for being part of it; come back whenever it suits you."
    return Message(text=text, blocks=[section(text), actions(button("Come back", JOIN_OPEN))])


def kept_message() -> Message:
    return Message(text="Glad you're staying. Nothing has changed.")


def not_joined_message() -> Message:
    text = "You haven't joined the program yet, so there is nothing to pause. Want to join?"
    return Message(text=text, blocks=[section(text), actions(button("Join the program", JOIN_OPEN, style="primary"))])
