"""What the person who installs Mentorbot hears first."""

from __future__ import annotations

import html

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


ORG_WIDE_REFUSED = (
    "Mentorbot runs one program per workspace, so it can't be installed for a whole Enterprise Grid organisation "
    "at once. Nothing was installed. Install it in each workspace that wants a mentoring program instead: open "
    "this install page again and choose a workspace rather than the organisation."
)


def refused_page(reason: str, install_path: str) -> str:
    """The page an installer lands on when Slack allowed an install that Mentorbot can't run."""
    return (
        '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        "<title>Mentorbot was not installed</title></head>"
        '<body style="font-family: sans-serif; max-width: 36em; margin: 2em auto; padding: 0 1em">'
        f"<h1>Mentorbot was not installed</h1><p>{html.escape(reason)}</p>"
        f'<p><a href="{html.escape(install_path)}">Choose a workspace</a></p></body></html>'
    )
