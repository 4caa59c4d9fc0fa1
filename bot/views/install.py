"""What the person who installs Mentorbot hears first."""

from __future__ import annotations

from bot.text import escape
from bot.views.blocks import Message, actions, button, section
from bot.views.join import JOIN_OPEN


def welcome_installer(team_name: str, resumed: int) -> Message:
    text = (
        f"Thanks for adding Mentorbot to *{escape(team_name) or 'your workspace'}*. You run the program here. "
        "Next, share `/mentor join` in a channel so people can sign up as mentors or mentees. Once a few have "
        "joined, `/mentor admin match` pairs everyone at once, or people pick a mentor with `/mentor find`."
    )
    if resumed:
        text += (
            f"\n\nWelcome back: {resumed} {'pair' if resumed == 1 else 'pairs'} paused while Mentorbot was away "
            "now pick up where they left off."
        )
    return Message(
        text="Mentorbot is installed: here's how to start your program",
        blocks=[section(text), actions(button("Join the program myself", JOIN_OPEN, style="primary"))],
    )
