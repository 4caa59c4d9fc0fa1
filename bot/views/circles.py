"""Group rounds: the admin's preview of peer circles or mentoring groups, the intro each new group reads, and the
note to whoever sits out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.circles import SpareMentor, Unplaced
from bot.text import escape
from bot.views.blocks import Block, Message, actions, button, context, divider, said, section

CIRCLES_PUBLISH = "circles.publish"
CIRCLES_DISCARD = "circles.discard"
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class GroupLine:
    """A proposed group as the preview reads it: its members' Slack IDs (a mentor's first), its mentor, and why."""

    user_ids: Sequence[str]
    sentence: str
    mentor: str | None = None


@dataclass(frozen=True)
class Format:
    """How a round's groups are named: peer circles or mentoring groups."""

    title: str  # "Peer circle round"
    short: str  # "Circle round"
    one: str  # "circle"
    many: str  # "circles"
    needs: str  # what one group needs, for a round that formed none

    def count(self, groups: int) -> str:
        return f"{groups} {self.one if groups == 1 else self.many}"


CIRCLES = Format("Peer circle round", "Circle round", "circle", "circles", "a circle needs at least {min_size}")
GROUPS = Format(
    "Group mentoring round",
    "Group mentoring round",
    "group",
    "groups",
    "a group needs one mentor with room for at least {min_size} mentees, and at least {min_size} mentees",
)


def format_of(mentoring: bool) -> Format:
    return GROUPS if mentoring else CIRCLES


def _mentions(user_ids: Sequence[str]) -> str:
    return ", ".join(f"<@{user}>" for user in user_ids)


def _group_row(number: int, group: GroupLine, kind: Format) -> Block:
    if group.mentor is None:
        who = _mentions(group.user_ids)
    else:
        who = f"<@{group.mentor}> mentors {_mentions([u for u in group.user_ids if u != group.mentor])}"
    return section(f"*{kind.one.capitalize()} {number}*: {who}\n{escape(group.sentence)}")


def circle_preview_message(
    round_id: int,
    program: str,
    circles: Sequence[GroupLine],
    unplaced: Sequence[tuple[str, str]],
    min_size: int,
    mentoring: bool = False,
) -> Message:
    kind = format_of(mentoring)
    placed = sum(len(group.user_ids) for group in circles)
    summary = (
        f"*{kind.title} preview* for {escape(program)}: {kind.count(len(circles))} of {placed} people, "
        f"{len(unplaced)} not placed."
    )
    blocks: list[Block] = [section(summary)]
    for number, group in enumerate(circles[:PREVIEW_ROWS], start=1):
        blocks.append(_group_row(number, group, kind))
    if len(circles) > PREVIEW_ROWS:
        blocks.append(context(f"…and {len(circles) - PREVIEW_ROWS} more {kind.many}"))
    if not circles and not unplaced:
        blocks.append(section(f"Nobody in this program is waiting for a {kind.one}, so there is nothing to publish."))
        return Message(text=summary, blocks=blocks)
    if not circles:
        blocks.append(
            section(
                f"Too few people to form a {kind.one}: {kind.needs.format(min_size=min_size)}. Publishing tells "
                "each of them why, and that they'll be in the next round."
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
        context(f"Publishing opens a group DM for each {kind.one} with an intro. People not placed are told why."),
    ]
    return Message(text=summary, blocks=blocks)


def circles_published_message(circles: int, unplaced: int, skipped: int, mentoring: bool = False) -> Message:
    kind = format_of(mentoring)
    text = (
        f"{kind.short} published: {kind.count(circles)} started, "
        f"{unplaced} {'person' if unplaced == 1 else 'people'} told why they weren't placed this time."
    )
    if skipped:
        text += (
            f" {skipped} proposed {kind.many} were skipped because someone left, paused or joined a {kind.one} since."
        )
    return said(text)


def circles_discarded_message(mentoring: bool = False) -> Message:
    return Message(text=f"{format_of(mentoring).short} discarded. Nothing was sent.")


def circle_intro_message(user_ids: Sequence[str], sentence: str, program: str, mentor: str | None = None) -> Message:
    if mentor is None:
        text = f"Welcome to your peer circle in {escape(program)}: {_mentions(user_ids)}."
        first_step = (
            f"*A first step*: each of you post a line here on what you'd like from this circle, then agree a time "
            f"for your first meeting. <@{user_ids[0]}> facilitates the first one; the role rotates each meeting."
        )
    else:
        mentees = [user for user in user_ids if user != mentor]
        text = (
            f"Welcome to your mentoring group in {escape(program)}: <@{mentor}> is your mentor, "
            f"with {_mentions(mentees)}."
        )
        first_step = (
            "*A first step*: each of you post a line here on what you'd like to learn together, then agree a time "
            f"for your first meeting. <@{mentor}> leads the meetings."
        )
    return Message(
        text=text,
        blocks=[section(text), section(f"*Why you're together*\n{escape(sentence)}"), section(first_step)],
    )


# Each reason as the person left out reads it (the admin's preview shows `Unplaced`'s own wording, and
# `SpareMentor`'s for a mentor who leads no group); `{one}` is "circle" or "group".
YOUR_REASON: Mapping[str, str] = {
    Unplaced.TOO_FEW: "too few people are waiting to form a {one} yet",
    Unplaced.TOO_FEW_ALIKE: "too few people gave an answer in common with yours to a question {many} must share",
    Unplaced.UNANSWERED: "you haven't answered a question everyone in a {one} must answer alike",
    Unplaced.SIZES: "the {one} sizes couldn't hold everyone this round, so a few sit out, drawn by lot",
    Unplaced.NO_MENTOR: "no mentor with room for a group is waiting yet",
    Unplaced.AVOIDED: "every {one} open to you had someone on your do-not-match list, or who has you on theirs",
    Unplaced.MET_BEFORE: "every {one} open to you had someone you've been in a {one} with before",
    Unplaced.ANSWERS: "every {one} open to you had someone whose answer to a must-match question differs from yours",
    Unplaced.RULES: "every {one} open to you broke one of the program's rules for who meets whom",
    Unplaced.FULL: "the {many} you could join without breaking a rule were full",
    Unplaced.NO_GROUP: "too few of the people open to you could all be grouped together under the program's rules",
    SpareMentor.LITTLE_ROOM: (
        "you have room for fewer mentees than the smallest group; raise your capacity in /mentor join to lead one"
    ),
    SpareMentor.NO_MENTEES: "too few mentees are waiting to form a group yet",
    SpareMentor.NOT_NEEDED: (
        "the mentees waiting are all in other mentors' groups, or none could join yours under the program's rules"
    ),
}


def circle_unplaced_message(reason: str, program: str, mentoring: bool = False) -> Message:
    kind = format_of(mentoring)
    wording = YOUR_REASON.get(reason)
    yours = wording.format(one=kind.one, many=kind.many) if wording is not None else reason
    text = (
        f"This round of {'mentoring groups' if mentoring else 'peer circles'} in {escape(program)} didn't place you: "
        f"{escape(yours)}. Nothing you need to do: you'll be in the next round."
    )
    return said(text)
