"""Pausing participation: the confirmation and its outcome."""

from __future__ import annotations

from bot.views.blocks import Message, actions, button, section
from bot.views.join import JOIN_OPEN

LEAVE_CONFIRM = "leave.confirm"
LEAVE_CANCEL = "leave.cancel"


def confirm_leave_message() -> Message:
    text = (
        "Pause your participation? Nobody will be matched with you and no new requests will reach you. "
        "Your profile is kept, so you can come back any time with `/mentor join`."
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            actions(button("Pause me", LEAVE_CONFIRM, style="danger"), button("Keep me in", LEAVE_CANCEL)),
        ],
    )


def paused_message() -> Message:
    text = "You're paused. Thanks for being part of the program; come back whenever it suits you."
    return Message(text=text, blocks=[section(text), actions(button("Come back", JOIN_OPEN))])


def kept_message() -> Message:
    return Message(text="Glad you're staying. Nothing has changed.")


def not_joined_message() -> Message:
    text = "You haven't joined the program yet, so there is nothing to pause. Want to join?"
    return Message(text=text, blocks=[section(text), actions(button("Join the program", JOIN_OPEN, style="primary"))])
