"""What forming groups is about (pure): the people and the program's questions, the weights, the groups formed,
why someone is left out, and the sentence a member reads about their group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from bot.circles.hours import HourWindow

Answer = str | frozenset[str]
RuleName = Literal["same", "different", "overlap", "must_match"]
_COUNTS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True)
class QuestionRule:
    """How one program question counts, as `bot.questions.compare` scores it: `same` (identical answers),
    `different` (no answer in common), `overlap` (the share of answers in common) or `must_match` (a hard rule:
    at least one answer in common; an unanswered question matches nobody)."""

    question: str
    rule: RuleName
    weight: float = 1.0


@dataclass(frozen=True)
class Member:
    """What forming groups needs to know about one person; `hours` are UTC hours of the week (`weekly_hours`)."""

    member_id: int
    topics: frozenset[str] = frozenset()
    hours: frozenset[int] = frozenset()
    department: str = ""
    answers: Mapping[str, Answer] = field(default_factory=dict)
    avoid: frozenset[int] = frozenset()  # never grouped with them, whichever of the two asked
    past_partners: frozenset[int] = frozenset()  # never grouped again unless the caller allows repeats


@dataclass(frozen=True)
class Mentor:
    """A mentor who may lead one mentoring group of at most `capacity` mentees."""

    member: Member
    capacity: int


@dataclass(frozen=True)
class CircleWeights:
    shared_topic: float = 1.0  # a pair, per topic both have
    department_mix: float = 0.5  # a pair from two departments
    common_hour: float = 1.0  # each member, when one weekly hour suits the whole group…
    longer_window: float = 0.25  # …and per hour that the longest such window runs past the first…
    window_cap: int = 3  # …counted up to this many hours
    mentor_fit: float = 2.0  # a mentee and their mentor count this many times a pair of mentees


@dataclass(frozen=True)
class Circle:
    """A peer circle, or a mentoring group when `mentor` is set (the mentor is also the first member)."""

    members: tuple[int, ...]
    score: float
    common_topics: tuple[str, ...]  # topics every member has
    common_windows: tuple[HourWindow, ...]  # longest first
    mentor: int | None = None
    repeats: tuple[tuple[int, int], ...] = ()  # pairs grouped before, only when the caller allowed repeats


class Unplaced(StrEnum):
    """Why someone is in no group, each checked against the final formation."""

    TOO_FEW = "too few people signed up to form a group"
    TOO_FEW_ALIKE = "too few people gave an answer in common with theirs to a must-match question to form a group"
    UNANSWERED = "they have not answered a question everyone in a group must answer alike"
    SIZES = "the group sizes cannot hold everyone this round, so a few sit out, drawn by lot"
    NO_MENTOR = "no mentor who may lead their group has room for a group of the smallest size"
    AVOIDED = "every group open to them has someone on their avoid list, or who has them on theirs"
    MET_BEFORE = "every group open to them has someone they have been grouped with before"
    ANSWERS = "every group open to them has someone whose answer to a must-match question differs from theirs"
    RULES = (
        "every group open to them has someone they avoid, have been grouped with before, or who answered a "
        "must-match question differently"
    )
    FULL = "the groups they could join without breaking a rule are full"
    NO_GROUP = (
        "too few of the people open to them can all be grouped together under the avoid lists, past partners "
        "and must-match answers"
    )


class SpareMentor(StrEnum):
    """Why a waiting mentor leads no mentoring group (`Formation.spare_mentors`), in the admin's wording."""

    LITTLE_ROOM = "their capacity is below the smallest group's size"
    NO_MENTEES = "too few mentees are waiting to form a group"
    NOT_NEEDED = "the waiting mentees are all in other mentors' groups, or none fit theirs under the program's rules"


@dataclass(frozen=True)
class Formation:
    circles: tuple[Circle, ...]
    unplaced: tuple[tuple[int, Unplaced], ...]
    repeats_allowed: bool = False
    # Someone is left out with past partners among the rules in their way: allowing repeats may place them.
    repeats_needed: bool = False
    spare_mentors: tuple[int, ...] = ()
    # Exact formations only: no formation placing as many people scores more (allowed repeats at their penalty).
    bound: float | None = None

    @property
    def objective(self) -> float:
        return sum(c.score for c in self.circles)

    @property
    def repeats(self) -> tuple[tuple[int, int], ...]:
        """Pairs grouped again; only ever non-empty when the caller allowed repeats."""
        return tuple(pair for c in self.circles for pair in c.repeats)

    @property
    def placed(self) -> int:
        return sum(len(c.members) for c in self.circles)


def circle_sentence(circle: Circle) -> str:
    """What a member reads about why this group: the topics they all share (in a mentoring group, the mentees,
    whose mentor offers them) and an hour that suits everyone."""
    count = len(circle.members) - (circle.mentor is not None)
    everyone = "both of you" if count == 2 else f"all {_COUNTS[count] if count < len(_COUNTS) else count} of you"
    parts: list[str] = []
    if circle.common_topics:
        them = "it" if len(circle.common_topics) == 1 else "them"
        mentor = f", and your mentor offers {them}" if circle.mentor is not None else ""
        parts.append(f"{everyone.capitalize()} want to grow in {_and_list(circle.common_topics)}{mentor}.")
    if circle.common_windows:
        first, more = circle.common_windows[0], len(circle.common_windows) - 1
        others = f" (and {more} other time{'s' if more > 1 else ''} each week)" if more else ""
        parts.append(f"{first.describe()} suits everyone{others}.")
    else:
        parts.append("No weekly hour suits everyone, so agree a time together.")
    return " ".join(parts)


def _and_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
