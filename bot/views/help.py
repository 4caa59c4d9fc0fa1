"""The `/mentor` help: every subcommand with one line on what it does."""

from __future__ import annotations

from collections.abc import Sequence

from bot.text import cut, escape
from bot.views.blocks import Message, context, section


def help_message(commands: Sequence[tuple[str, str]], unknown: str | None = None) -> Message:
    lines = "\n".join(f"• `/mentor {usage}` — {description}" for usage, description in commands)
    blocks = []
    if unknown is not None:
        blocks.append(section(f"I don't know “{escape(cut(unknown, 40))}”. Here is what I can do:"))
    else:
        blocks.append(section("*Mentorbot* helps you find a mentor, meet regularly and grow. Here is what I can do:"))
    blocks.append(section(lines))
    blocks.append(context("Start with `/mentor join` if you're new. Your App Home shows where you are."))
    intro = f"I don't know “{escape(cut(unknown, 40))}”." if unknown is not None else "Mentorbot commands"
    return Message(text=intro, blocks=blocks)
