"""What a cohort's calendar says: the sign-up announcement and reminder, matching day, the start, the end."""

from __future__ import annotations

from bot.pairs import PairView
from bot.programs import ProgramView
from bot.rounds import RoundPreview
from bot.text import escape
from bot.views.agreement import AGREEMENT_OPEN
from bot.views.blocks import Message, actions, button, context, section, slack_date
from bot.views.join import JOIN_OPEN
from bot.views.rounds import preview_message
from storage.vocabulary import ProgramFormat


def _join_button(program: ProgramView) -> list[dict[str, object]]:
    return [actions(button(f"Join {program.name}"[:75], JOIN_OPEN, value=str(program.id), style="primary"))]


def signup_open(program: ProgramView) -> Message:
    closes = program.dates.signup_closes_at
    until = f" until {slack_date(closes)}" if closes else ""
    purpose = f"\n{escape(program.purpose)}" if program.purpose else ""
    starts = program.dates.starts_at
    start = f" Pairs start together {slack_date(starts)}." if starts else ""
    text = f"*{escape(program.name)}* is open for sign-up{until}.{purpose}\nIt takes two minutes.{start}"
    return Message(
        text=f"{program.name} is open for sign-up",
        blocks=[section(text), *_join_button(program), context(f"Or type `/mentor join {program.slug}`.")],
    )


def signup_closing(program: ProgramView) -> Message:
    closes = program.dates.signup_closes_at
    text = f"Last call: sign-up for *{escape(program.name)}* closes {slack_date(closes) if closes else 'soon'}."
    return Message(text=f"Sign-up for {program.name} closes soon", blocks=[section(text), *_join_button(program)])


def signup_closed(program: ProgramView, members: int) -> Message:
    matching = program.dates.matching_at or program.dates.starts_at
    when = f" Matching happens {slack_date(matching)}, and everyone hears who they're paired with." if matching else ""
    text = f"Sign-up for *{escape(program.name)}* has closed with {members} people.{when} Thank you for joining!"
    return Message(text=f"Sign-up for {program.name} has closed", blocks=[section(text)])


def matching_day(program: ProgramView, preview: RoundPreview) -> Message:
    """For the program's admins: today's round, ready to publish or discard."""
    round_message = preview_message(preview)
    intro = section(
        f"Today is matching day for *{escape(program.name)}*. Here is the round I'd propose; nobody hears "
        "anything until you publish it."
    )
    return Message(text=f"Matching day for {program.name}", blocks=[intro, *round_message.blocks])


def matching_day_for_groups(program: ProgramView, round_message: Message, mentoring: bool) -> Message:
    """For the program's admins: today's groups or circles (their preview), ready to publish or discard."""
    intro = section(
        f"Today is matching day for *{escape(program.name)}*. Here are the {'groups' if mentoring else 'circles'} "
        "I'd propose; nobody hears anything until you publish them."
    )
    return Message(text=f"Matching day for {program.name}", blocks=[intro, *round_message.blocks])


def relationships(program: ProgramView, count: int) -> str:
    """ "3 pairs", "1 circle", "2 groups": what this program forms, counted."""
    noun = {ProgramFormat.CIRCLE: "circle", ProgramFormat.GROUP: "group"}.get(program.format, "pair")
    return f"{count} {noun}{'s' if count != 1 else ''}"


def started_for_channel(program: ProgramView, formed: int) -> Message:
    text = f"*{escape(program.name)}* starts today with {relationships(program, formed)}. Have a great start!"
    return Message(text=f"{program.name} starts today", blocks=[section(text)])


def started_for_pair(program: ProgramView, pair: PairView) -> Message:
    ends = program.dates.ends_at
    until = f" and runs until {slack_date(ends)}" if ends else ""
    text = (
        f"*{escape(program.name)}* starts today{until}. A good first step: agree how often and how you'll meet. "
        "I'll check in after your meetings, and ask how it's going at the mid-point."
    )
    return Message(
        text=f"{program.name} starts today",
        blocks=[section(text), actions(button("Set up our agreement", AGREEMENT_OPEN, value=str(pair.id)))],
    )


def ended_for_channel(program: ProgramView, formed: int, goals: int) -> Message:
    text = (
        f"*{escape(program.name)}* has come to an end: {relationships(program, formed)} met, learned and "
        f"finished {goals} goal{'s' if goals != 1 else ''} together. Thank you, everyone!"
    )
    return Message(text=f"{program.name} has ended", blocks=[section(text)])


def for_admins(program: ProgramView, what: str) -> Message:
    text = f"*{escape(program.name)}*: {what} `/mentor admin report {program.slug}` shows the program's health."
    return Message(text=f"{program.name}: {what}", blocks=[section(text)])
