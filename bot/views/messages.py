"""What the bot says to words typed in its DM, to a click on a button it no longer knows, to a click on
someone else's, and when it is too busy to take a request."""

from __future__ import annotations

from bot.views.blocks import Block, Message, actions, button, context, modal, said, section
from bot.views.join import JOIN_OPEN

MESSAGES_FIND = "messages.find"
MESSAGES_STATUS = "messages.status"

# Typed words that act directly, as the same `/mentor` subcommand would.
FIND_WORD, STATUS_WORD, HELP_WORD = "find", "status", "help"

_TYPE_ME = "You can also type *find*, *status* or *help* here. Nothing else you type is kept."


def _next_steps(joined: bool) -> list[Block]:
    if not joined:
        return [
            actions(button("Join the program", JOIN_OPEN, style="primary")),
            context("Joining takes two minutes: your role, topics and working hours. " + _TYPE_ME),
        ]
    return [
        actions(
            button("Find a mentor", MESSAGES_FIND, style="primary"),
            button("My mentoring", MESSAGES_STATUS),
            button("Edit my profile", JOIN_OPEN),
        ),
        context(_TYPE_ME),
    ]


def typed_message_reply(joined: bool) -> Message:
    """The answer to anything typed in the bot's DM that isn't one of the words it acts on."""
    text = (
        "Hi! I'm a bot, so I can't answer what's typed here, and I don't keep it. Most of what I do is one button away:"
    )
    return Message(text=text, blocks=[section(text), *_next_steps(joined)])


def stale_button_message(joined: bool) -> Message:
    """The answer to a click on a button from a message that is out of date."""
    text = "That button is from an older message and doesn't do anything any more. Here's what you can do now:"
    return Message(text=text, blocks=[section(text), *_next_steps(joined)])


def stale_form_modal() -> Block:
    """What a submitted form turns into when the bot no longer knows it: nothing was saved, start again."""
    text = (
        "This form is from an older version of Mentorbot, so nothing in it was saved. Close it and start again "
        "from the message or command that opened it: `/mentor help` lists them all."
    )
    return modal("Out of date", "messages.stale_form", [section(text)], close="Close")


def not_yours_message() -> Message:
    """They acted on a pair, goal or request that is someone else's; nothing changed."""
    return Message(text="That belongs to someone else's mentoring, so I've left it alone.")


def busy_message() -> Message:
    """The bot has more work waiting than it can finish soon, so this request was not taken (and nothing changed)."""
    return said(
        "I'm busy with a lot of requests right now, so I couldn't take this one and nothing has changed. "
        "Please try again in a minute."
    )
