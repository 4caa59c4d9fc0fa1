"""`/mentor calendar`: the private links to connect Google Calendar or Microsoft 365, and disconnecting."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from bot.views.blocks import Block, Message, actions, button, context, said, section

# Connect buttons are links: Slack opens them in the browser and still tells the app, which only acks.
CALENDAR_GOOGLE = "calendar.google"
CALENDAR_MICROSOFT = "calendar.microsoft"
# Asks for fresh links (each link works once, for ten minutes).
CALENDAR_CONNECT = "calendar.connect"
LINK_ACTIONS = {"google": CALENDAR_GOOGLE, "microsoft": CALENDAR_MICROSOFT}
PROVIDER_NAMES = {"google": "Google Calendar", "microsoft": "Microsoft 365 (Outlook)"}
DISCONNECT_COMMAND = "/mentor calendar disconnect"
WHAT_IS_READ = (
    "Mentorbot only asks when you are busy (free/busy), never what your events are, and only to leave those "
    "times out when it proposes meeting times to your pair. Your sign-in is stored encrypted."
)


@dataclass(frozen=True)
class SignInLink:
    provider: str  # "google" or "microsoft"
    url: str


def _link_button(text: str, action_id: str, url: str) -> Block:
    return {**button(text, action_id), "url": url}


def calendars_off_message() -> Message:
    text = (
        "Calendars aren't set up for this workspace, and that's fine: everything works without one. Mentorbot "
        "proposes times inside everyone's working hours, in their own time zones. (An admin can turn calendars on "
        "with the settings in the README.)"
    )
    return said(text)


def sign_in_message(links: Sequence[SignInLink], connected: str = "") -> Message:
    """Only the person who asked sees this: each link signs in to their own calendar, once, within ten minutes."""
    intro = (
        "Connect your calendar and the times Mentorbot proposes to your pair will avoid your busy times. "
        "You don't need one: without it, times still fit everyone's working hours."
    )
    if connected:
        intro = (
            f"Your {PROVIDER_NAMES.get(connected, connected)} is connected. Connect another one below to replace it, "
            f"or type `{DISCONNECT_COMMAND}` to disconnect."
        )
    elements = [
        _link_button(f"Connect {PROVIDER_NAMES[link.provider]}", LINK_ACTIONS[link.provider], link.url)
        for link in links
        if link.provider in LINK_ACTIONS
    ]
    return Message(
        text="Connect your calendar",
        blocks=[
            section(intro),
            actions(*elements),
            context(f"{WHAT_IS_READ} Each link works once, for ten minutes."),
        ],
    )


def connected_message(provider: str) -> Message:
    name = PROVIDER_NAMES.get(provider, provider)
    text = (
        f"Your {name} is connected. From now on, the times Mentorbot proposes to your pair leave out when you're "
        f"busy. To disconnect it (your sign-in is deleted), type `{DISCONNECT_COMMAND}`."
    )
    return Message(text=f"{name} connected", blocks=[section(text), context(WHAT_IS_READ)])


def disconnected_message(provider: str | None) -> Message:
    if provider is None:
        text = "No calendar was connected, so there was nothing to disconnect."
    else:
        text = (
            f"Your {PROVIDER_NAMES.get(provider, provider)} is disconnected and your sign-in is deleted. Proposed "
            "times still fit everyone's working hours."
        )
    return Message(
        text="Calendar disconnected" if provider else "No calendar connected",
        blocks=[section(text), actions(button("Connect a calendar", CALENDAR_CONNECT))],
    )


def _page(title: str, text: str) -> str:
    return (
        '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{html.escape(title)}</title></head>"
        '<body style="font-family: sans-serif; max-width: 36em; margin: 2em auto; padding: 0 1em">'
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )


def connected_page(provider: str) -> str:
    name = PROVIDER_NAMES.get(provider, provider)
    return _page(f"{name} is connected", "You can close this tab and go back to Slack.")


def sign_in_failed_page(reason: str) -> str:
    return _page(
        "Your calendar was not connected",
        f"{reason} Type /mentor calendar in Slack for a new link. Everything works without a calendar.",
    )


SIGN_IN_EXPIRED = "This sign-in link was used already or is more than ten minutes old."
SIGN_IN_DECLINED = "The sign-in was cancelled, or the calendar didn't allow access."
SIGN_IN_UNREACHABLE = "The calendar provider couldn't be reached, or didn't accept the sign-in."
