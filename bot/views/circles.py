"""Peer-circle rounds: the admin's preview, the intro each new circle reads, and the note to whoever sits out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.circles import Unplaced
from bot.text import escape
from bot.views.blocks import Block, Message, actions, button, context, divider, said, section

CIRCLES_PUBLISH = "circles.publish"
CIRCLES_DISCARD = "circles.discard"
PREVIEW_ROWS = 20

# A proposed or started circle as a view reads it: its members' Slack IDs and why it was formed.
CircleLines = Sequence[tuple[Sequence[str], str]]


def _mentions(user_ids: Sequence[str]) -> str:
    return ", ".join(f"<@{user}>" for user in user_ids)


def circle_preview_message(
    round_id: int, program: str, circles: CircleLines, unplaced: Sequence[tuple[str, str]], min_size: int
) -> Message:
    placed = sum(len(members) for members, _ in circles)
    summary = (
        f"*Peer circle round preview* for {escape(program)}: {len(circles)} "
        f"{'circle' if len(circles) == 1 else 'circles'} of {placed} people, {len(unplaced)} not placed."
    )
    blocks: list[Block] = [section(summary)]
    for number, (members, sentence) in enumerate(circles[:PREVIEW_ROWS], start=1):
        blocks.append(section(f"*Circle {number}*: {_mentions(members)}\n{escape(sentence)}"))
    if len(circles) > PREVIEW_ROWS:
        blocks.append(context(f"…and {len(circles) - PREVIEW_ROWS} more circles"))
    if not circles and not unplaced:
        blocks.append(section("Nobody in this program is waiting for a circle, so there is nothing to publish."))
        return Message(text=summary, blocks=blocks)
    if not circles:
        blocks.append(
            section(
                f"Too few people to form a circle: a circle needs at least {min_size}. Publishing tells each of "
                "them why, and that they'll be in the next round."
            )
        )
    if unplaced:
        rows = [f"• <@{user}>: {escape(reason)}" for user, reason in unplaced[:PREVIEW_ROWS]]
        blocks += [divider(), section("*Not placed this round*\n" + "\n".join(rows))]
    blocks += [
        actions(
            button("Publish round", CIRCLES_PUBLISH, value=str(round_id), style="primary"),
            button("Discard", CIRCLES_DISCARD, value=str(round_id)),
        ),
        context("Publishing opens a group DM for each circle with an intro. People not placed are told why."),
    ]
    return Message(text=summary, blocks=blocks)


def circles_published_message(circles: int, unplaced: int, skipped: int) -> Message:
    text = (
        f"Circle round published: {circles} {'circle' if circles == 1 else 'circles'} started, "
        f"{unplaced} {'person' if unplaced == 1 else 'people'} told why they weren't placed this time."
    )
    if skipped:
        text += f" {skipped} proposed circles were skipped because someone left, paused or joined a circle since."
    return said(text)


def circles_discarded_message() -> Message:
    return Message(text="Circle round discarded. Nothing was sent.")


def circle_intro_message(user_ids: Sequence[str], sentence: str, program: str) -> Message:
    text = f"Welcome to your peer circle in {escape(program)}: {_mentions(user_ids)}."
    first_step = (
        f"*A first step*: each of you post a line here on what you'd like from this circle, then agree a time "
        f"for your first meeting. <@{user_ids[0]}> facilitates the first one; the role rotates each meeting."
    )
    return Message(
        text=text,
        blocks=[section(text), section(f"*Why you're together*\n{escape(sentence)}"), section(first_step)],
    )


# Each reason as the person left out reads it (the admin's preview shows `Unplaced`'s own wording).
YOUR_REASON: Mapping[str, str] = {
    Unplaced.TOO_FEW: "too few people are waiting to form a circle yet",
    Unplaced.TOO_FEW_ALIKE: "too few people gave an answer in common with yours to a question circles must share",
    Unplaced.UNANSWERED: "you haven't answered a question everyone in a circle must answer alike",
    Unplaced.SIZES: "the circle sizes couldn't hold everyone this round, so a few sit out, drawn by lot",
    Unplaced.AVOIDED: "every circle open to you had someone on your do-not-match list, or who has you on theirs",
    Unplaced.MET_BEFORE: "every circle open to you had someone you've been in a circle with before",
    Unplaced.ANSWERS: "every circle open to you had someone whose answer to a must-match question differs from yours",
    Unplaced.RULES: "every circle open to you broke one of the program's rules for who meets whom",
    Unplaced.FULL: "the circles you could join without breaking a rule were full",
    Unplaced.NO_GROUP: "too few of the people open to you could all be grouped together under the program's rules",
}


def circle_unplaced_message(reason: str, program: str) -> Message:
    text = (
        f"This round of peer circles in {escape(program)} didn't place you: "
        f"{escape(YOUR_REASON.get(reason, reason))}. Nothing you need to do: you'll be in the next round."
    )
    return said(text)
