"""Peer circles and mentoring groups (pure): who meets whom, every hard rule kept, and the reasons people see.

`form_circles` and `form_groups` build groups greedily and improve them by tabu search (pure Python and numpy);
`exact_circles` solves a small cohort exactly (integer programs, scipy's HiGHS) to measure them; `random_circles`
and `greedy_circles` are the baselines the benchmark compares with.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Literal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array, csr_array, hstack, identity
from scipy.sparse.csgraph import connected_components

from bot.cadence import WorkingHours

HOURS_PER_WEEK = 168
Answer = str | frozenset[str]
RuleName = Literal["same", "different", "overlap", "must_match"]
# Any fixed week will do: a clock change moves an hour of a coarse weekly signal, not the choice of a group.
_REFERENCE_MONDAY = date(2026, 1, 5)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_COUNTS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_EVERY_BIT = np.uint64(2**64 - 1)
_EPS = 1e-7  # gains below this are rounding, not improvement
# Tabu search: over everyone up to _TABU_MOST movable people (each step weighs every pair); above that, after a
# descent, over windows of _WINDOW related groups around the weakest _WINDOW_SHARE of groups. A search stops
# after its patience in steps without a new best, or after _TABU_STEPS. Measured with bench/circles.py and
# 1,000 people: the descent is on average within 0.02% of the exact re-split of six related groups, and these
# windows add 0.3% for 1.3 s (windows at every group: 0.2% for 3.8 s).
_TABU_MOST, _TABU_PATIENCE, _TABU_STEPS = 80, 1000, 6000
_WINDOW, _WINDOW_PATIENCE, _WINDOW_SHARE = 6, 150, 0.2
# Exact formations: every allowed group is a column (about 40 people in groups of up to 6, at most).
_MOST_COLUMNS = 6_000_000
_FIRST_COLUMNS, _ADDED_COLUMNS = 200, 300
# Re-splitting two groups tries every division of their people (2^people of them), each group with _PARTNERS others.
_SPLIT_MOST, _PARTNERS = 14, 3


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
class HourWindow:
    """Consecutive UTC hours of the week that suit a whole group (`start`: Monday 00:00 UTC is 0)."""

    start: int
    hours: int

    def describe(self) -> str:
        """'Tuesday 15:00–16:00 UTC'; a window across midnight names both days."""
        if self.hours >= HOURS_PER_WEEK:
            return "Any hour of the week"
        end = self.start + self.hours
        first_day, last_day = (self.start // 24) % 7, ((end - 1) // 24) % 7
        start_text = f"{_WEEKDAYS[first_day]} {self.start % 24:02d}:00"
        if first_day == last_day:
            return f"{start_text}–{(end - 1) % 24 + 1:02d}:00 UTC"
        return f"{start_text}–{_WEEKDAYS[last_day]} {end % 24:02d}:00 UTC"


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


def weekly_hours(hours: WorkingHours) -> frozenset[int]:
    """The UTC hours of the week wholly inside this working day, Monday to Friday in their own zone."""
    zone = hours.zone()
    week = datetime.combine(_REFERENCE_MONDAY, time(0), UTC)
    available: set[int] = set()
    for day in range(5):
        midnight = datetime.combine(_REFERENCE_MONDAY + timedelta(days=day), time(0), zone)
        start = (midnight + timedelta(minutes=hours.start_minute) - week).total_seconds() / 3600
        end_minute = hours.end_minute + (24 * 60 if hours.crosses_midnight else 0)
        end = (midnight + timedelta(minutes=end_minute) - week).total_seconds() / 3600
        available.update(hour % HOURS_PER_WEEK for hour in range(math.ceil(start), math.floor(end)))
    return frozenset(available)


def answer_set(answer: Answer | None) -> frozenset[str]:
    if answer is None:
        return frozenset()
    return frozenset({answer}) if isinstance(answer, str) else answer


def answer_points(rule: QuestionRule, mine: Answer | None, theirs: Answer | None) -> float:
    """The share of the rule's weight two answers earn; unanswered earns nothing (`must_match` earns nothing
    either: it is a hard rule, see `answers_block`)."""
    a, b = answer_set(mine), answer_set(theirs)
    if not a or not b or rule.rule == "must_match":
        return 0.0
    if rule.rule == "same":
        return 1.0 if a == b else 0.0
    if rule.rule == "different":
        return 1.0 if a.isdisjoint(b) else 0.0
    return len(a & b) / len(a | b)


def answers_block(rules: Sequence[QuestionRule], a: Member, b: Member) -> bool:
    """A must-match question they share no answer to (or one of them has not answered)."""
    return any(
        answer_set(a.answers.get(r.question)).isdisjoint(answer_set(b.answers.get(r.question)))
        for r in rules
        if r.rule == "must_match"
    )


def pair_affinity(
    a: Member, b: Member, rules: Sequence[QuestionRule] = (), weights: CircleWeights = CircleWeights()
) -> float:
    """How much two people gain from one group: shared topics, two departments, the program's questions."""
    departments = a.department.strip().lower(), b.department.strip().lower()
    mixed = all(departments) and departments[0] != departments[1]
    return (
        weights.shared_topic * len(a.topics & b.topics)
        + (weights.department_mix if mixed else 0.0)
        + sum(r.weight * answer_points(r, a.answers.get(r.question), b.answers.get(r.question)) for r in rules)
    )


def longest_run(hours: frozenset[int]) -> int:
    """The longest stretch of consecutive hours in the set; the week wraps from Sunday into Monday."""
    if len(hours) >= HOURS_PER_WEEK:
        return HOURS_PER_WEEK
    return max((len(w) for w in _runs(hours)), default=0)


def hour_bonus(hours: frozenset[int], weights: CircleWeights) -> float:
    """Each member's bonus for a group whose common hours are `hours`."""
    run = min(longest_run(hours), weights.window_cap)
    return 0.0 if run == 0 else weights.common_hour + weights.longer_window * (run - 1)


def group_score(
    group: Sequence[Member],
    rules: Sequence[QuestionRule] = (),
    weights: CircleWeights = CircleWeights(),
    mentor: Member | None = None,
) -> float:
    """One group's share of the objective: its pairs' affinity (a mentor's pairs weighted by `mentor_fit`) and
    every member's bonus when one weekly hour suits them all. The reference the formers' matrices agree with."""
    people = ([mentor] if mentor else []) + [m for m in group if m is not mentor]
    total = 0.0
    for k, a in enumerate(people):
        for b in people[k + 1 :]:
            scale = weights.mentor_fit if mentor is not None and a is mentor else 1.0
            total += scale * pair_affinity(a, b, rules, weights)
    common = frozenset.intersection(*(p.hours for p in people)) if people else frozenset()
    return total + len(people) * hour_bonus(common, weights)


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


def _runs(hours: frozenset[int]) -> list[list[int]]:
    """Maximal runs of consecutive hours, each from its first hour; the week wraps."""
    starts = sorted(h for h in hours if (h - 1) % HOURS_PER_WEEK not in hours)
    runs = []
    for start in starts:
        run = [start]
        while (run[-1] + 1) % HOURS_PER_WEEK in hours:
            run.append((run[-1] + 1) % HOURS_PER_WEEK)
        runs.append(run)
    return runs


def common_windows(hours: frozenset[int]) -> tuple[HourWindow, ...]:
    """The windows of `hours`, longest first, then earliest in the week."""
    if len(hours) >= HOURS_PER_WEEK:
        return (HourWindow(0, HOURS_PER_WEEK),)
    windows = [HourWindow(run[0], len(run)) for run in _runs(hours)]
    return tuple(sorted(windows, key=lambda w: (-w.hours, w.start)))


# --- The cohort as matrices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cohort:
    """Everyone's pair affinity and hard rules as n × n matrices, and the weekly hours as packed bit masks."""

    members: Sequence[Member]
    affinity: np.ndarray  # float64, mentor pairs already scaled by `mentor_fit`
    avoid: np.ndarray  # bool
    met: np.ndarray  # bool: past partners
    mismatch: np.ndarray  # bool: a must-match question without a common answer
    unanswered: np.ndarray  # bool per person: a must-match question they have not answered
    starts: np.ndarray  # bool (n, window_cap, 168): level k marks the hours starting k + 1 free hours in a row
    masks: np.ndarray  # uint64 (n, window_cap, 3): `starts` packed, so a group's common windows are an AND
    level_weights: np.ndarray  # (window_cap,): each member's bonus for each level the whole group reaches
    leads: np.ndarray  # bool per person: a mentor (mentoring groups)
    allow_repeats: bool

    @property
    def hard(self) -> np.ndarray:
        rules: np.ndarray = self.avoid | self.mismatch
        return rules if self.allow_repeats else rules | self.met

    def repeat_penalty(self, max_size: int) -> float:
        """What an allowed repeat costs: more than any one change of the search (a move or a swap in groups of
        at most `max_size`) can gain in affinity and hour bonus."""
        largest = float(np.abs(self.affinity).max(initial=0.0) + np.abs(self.level_weights).sum())
        return 10 * (1.0 + 4 * max_size * largest)

    def weight(self, max_size: int) -> np.ndarray:
        """The affinity the search maximises: allowed repeats at their penalty, and a broken hard rule costing
        more than the most repeats one change can make (2 × (max_size − 1)) together."""
        repeat = self.repeat_penalty(max_size)
        weight: np.ndarray = self.affinity - (20 * max_size * repeat) * self.hard
        if self.allow_repeats:
            weight -= repeat * self.met
        return weight


def _cohort(
    members: Sequence[Member],
    rules: Sequence[QuestionRule],
    weights: CircleWeights,
    allow_repeats: bool,
    mentors: Iterable[int] = (),
) -> _Cohort:
    ids = [m.member_id for m in members]
    if len(set(ids)) != len(ids):
        raise ValueError("every member needs their own id")
    if weights.window_cap < 1:
        raise ValueError("window_cap counts hours: at least 1")
    index = {member_id: row for row, member_id in enumerate(ids)}
    affinity = _affinity(members, rules, weights)
    leads = np.zeros(len(members), dtype=bool)
    leads[list(mentors)] = True
    scale = np.where(leads[:, None] ^ leads[None, :], weights.mentor_fit, 1.0)
    affinity = np.where(leads[:, None] & leads[None, :], 0.0, affinity * scale)
    mismatch, unanswered = _must_match(members, rules)
    starts = _window_starts(members, weights.window_cap)
    return _Cohort(
        members=members,
        affinity=affinity,
        avoid=_relation(members, index, lambda m: m.avoid),
        met=_relation(members, index, lambda m: m.past_partners),
        mismatch=mismatch,
        unanswered=unanswered,
        starts=starts,
        masks=_pack(starts),
        level_weights=np.array([weights.common_hour] + [weights.longer_window] * (weights.window_cap - 1)),
        leads=leads,
        allow_repeats=allow_repeats,
    )


def _one_hot(sets: Sequence[frozenset[str]]) -> np.ndarray:
    vocabulary = {item: k for k, item in enumerate(sorted(set().union(*sets)))}
    table = np.zeros((len(sets), len(vocabulary)))
    for row, items in enumerate(sets):
        table[row, [vocabulary[item] for item in items]] = 1.0
    return table


def _affinity(members: Sequence[Member], rules: Sequence[QuestionRule], weights: CircleWeights) -> np.ndarray:
    """`pair_affinity` for every pair at once."""
    topics = _one_hot([m.topics for m in members])
    affinity: np.ndarray = weights.shared_topic * (topics @ topics.T)
    names = [m.department.strip().lower() for m in members]
    numbers = {name: k for k, name in enumerate(sorted(set(names)))}
    codes = np.array([numbers[name] for name in names])
    named = np.array([bool(name) for name in names])
    affinity += weights.department_mix * ((codes[:, None] != codes[None, :]) & named[:, None] & named[None, :])
    for rule in rules:
        if rule.rule != "must_match":
            affinity += rule.weight * _answer_points(members, rule)
    np.fill_diagonal(affinity, 0.0)
    return affinity


def _answer_points(members: Sequence[Member], rule: QuestionRule) -> np.ndarray:
    """`answer_points` for every pair at once."""
    answers = [answer_set(m.answers.get(rule.question)) for m in members]
    table = _one_hot(answers)
    shared = table @ table.T
    counts = table.sum(axis=1)
    answered = (counts > 0)[:, None] & (counts > 0)[None, :]
    points: np.ndarray
    if rule.rule == "same":
        points = answered & (shared == counts[:, None]) & (shared == counts[None, :])
    elif rule.rule == "different":
        points = answered & (shared == 0)
    else:
        union = counts[:, None] + counts[None, :] - shared
        points = np.where(answered, shared / np.maximum(union, 1), 0.0)
    return points


def _must_match(members: Sequence[Member], rules: Sequence[QuestionRule]) -> tuple[np.ndarray, np.ndarray]:
    n = len(members)
    mismatch = np.zeros((n, n), dtype=bool)
    unanswered = np.zeros(n, dtype=bool)
    for rule in rules:
        if rule.rule == "must_match":
            table = _one_hot([answer_set(m.answers.get(rule.question)) for m in members])
            mismatch |= (table @ table.T) == 0
            unanswered |= table.sum(axis=1) == 0
    np.fill_diagonal(mismatch, False)
    return mismatch, unanswered


def _relation(
    members: Sequence[Member], index: Mapping[int, int], others: Callable[[Member], frozenset[int]]
) -> np.ndarray:
    """Symmetric: either of the two naming the other is enough. Ids outside the cohort are ignored."""
    related = np.zeros((len(members), len(members)), dtype=bool)
    for row, member in enumerate(members):
        related[row, [index[o] for o in others(member) if o in index and o != member.member_id]] = True
    symmetric: np.ndarray = related | related.T
    return symmetric


def _window_starts(members: Sequence[Member], cap: int) -> np.ndarray:
    available = np.zeros((len(members), HOURS_PER_WEEK), dtype=bool)
    for row, member in enumerate(members):
        if any(not 0 <= h < HOURS_PER_WEEK for h in member.hours):
            raise ValueError(f"member {member.member_id}: hours of the week run from 0 to {HOURS_PER_WEEK - 1}")
        available[row, list(member.hours)] = True
    levels = [available]
    for k in range(1, cap):
        levels.append(levels[-1] & np.roll(available, -k, axis=1))
    return np.stack(levels, axis=1)


def _pack(starts: np.ndarray) -> np.ndarray:
    padded = np.zeros((*starts.shape[:-1], 192), dtype=bool)
    padded[..., :HOURS_PER_WEEK] = starts
    packed: np.ndarray = np.packbits(padded, axis=-1, bitorder="little").view(np.uint64)
    return packed


def _bonus(masks: np.ndarray, level_weights: np.ndarray) -> np.ndarray:
    """Each member's hour bonus for groups with these common-window masks (..., levels, 3)."""
    # The three words OR-ed directly: numpy's any() over a short last axis is several times slower.
    reached = (masks[..., 0] | masks[..., 1] | masks[..., 2]) != 0
    bonus: np.ndarray = reached @ level_weights
    return bonus


def _components(cohort: _Cohort) -> list[np.ndarray]:
    """Groups of people who can be linked through must-match answers in common; no group crosses two."""
    n = len(cohort.members)
    if not cohort.mismatch.any():
        return [np.arange(n)]
    count, labels = connected_components(csr_array(~cohort.mismatch), directed=False)
    return [np.flatnonzero(labels == c) for c in range(count)]


def _capacity(people: int, min_size: int, max_size: int) -> tuple[int, int]:
    """(placed, groups): the most people that fit in groups of min_size..max_size, in the fewest groups."""
    for placed in range(people, min_size - 1, -1):
        groups = -(-placed // max_size)
        if groups * min_size <= placed:
            return placed, groups
    return 0, 0


def _lot(people: np.ndarray, count: int, seed: int, number: int) -> list[int]:
    """Who sits out when the sizes cannot hold everyone: the same draw for every method given the seed."""
    if count <= 0:
        return []
    chosen = np.random.default_rng([seed, number]).choice(np.sort(people), size=count, replace=False)
    return [int(i) for i in chosen]


# --- Local search ---------------------------------------------------------------------------------------------


class _Search:
    """Groups of one component, improved in place by moving one person, swapping two, re-splitting two groups,
    letting someone left out take a place, or (mentoring groups) handing a group to a spare mentor; every change
    keeps every group's size within its bounds. Indices are rows of `weight`."""

    def __init__(
        self,
        weight: np.ndarray,
        masks: np.ndarray,
        level_weights: np.ndarray,
        groups: Sequence[Sequence[int]],
        bounds: tuple[np.ndarray, np.ndarray],
        rng: np.random.Generator,
        leads: tuple[np.ndarray, list[int]] | None = None,
        outside: Sequence[int] = (),
    ) -> None:
        n = len(weight)
        self.weight, self.masks, self.level_weights, self.rng = weight, masks, level_weights, rng
        self.lo, self.hi = bounds[0].astype(np.int64), bounds[1].astype(np.int64).copy()
        self.group_of = np.full(n, -1, dtype=np.int64)
        for g, group in enumerate(groups):
            self.group_of[list(group)] = g
        self.movable = self.group_of >= 0
        # Mentoring groups: each group's mentor (first member) stays, unless handed over to a spare mentor.
        self.lead_limit = leads[0] if leads else np.zeros(n, dtype=np.int64)
        self.spare = list(leads[1]) if leads else []
        # People left out for the hard rules, who may still take someone's place (`trade`).
        self.outside = list(outside)
        self.anchor = np.array([group[0] if leads else -1 for group in groups], dtype=np.int64)
        self.movable[self.anchor[self.anchor >= 0]] = False
        self.size = np.bincount(self.group_of[self.group_of >= 0], minlength=len(groups))
        placed = np.flatnonzero(self.group_of >= 0)
        membership = np.zeros((len(groups), n))
        membership[self.group_of[placed], placed] = 1.0
        self.sums = membership @ weight  # sums[g, i]: i's affinity to everyone in group g
        self.common = np.empty((len(groups), *masks.shape[1:]), dtype=np.uint64)
        self.without = np.full(masks.shape, _EVERY_BIT)  # each person's group's common windows without them
        self.value = np.zeros(len(groups))
        for g in range(len(groups)):
            self._refresh(g)
        self.own = self._own_sums()
        self.total = self.score()

    def members(self, g: int) -> np.ndarray:
        return np.flatnonzero(self.group_of == g)

    def groups(self) -> list[list[int]]:
        """Every group's members, each mentor first."""
        return [self.groups_of(g) for g in range(len(self.size))]

    def score(self) -> float:
        placed = np.flatnonzero(self.group_of >= 0)
        pairs = self.sums[self.group_of[placed], placed].sum() / 2
        return float(pairs + (self.size * self.value).sum())

    def _own_sums(self) -> np.ndarray:
        own: np.ndarray = self.sums[np.maximum(self.group_of, 0), np.arange(len(self.group_of))]
        return own

    def _refresh(self, g: int) -> None:
        """Group g's common windows, with and without each member (prefix and suffix ANDs)."""
        members = self.members(g)
        if not len(members):
            self.common[g], self.value[g] = _EVERY_BIT, 0.0
            return
        masks = self.masks[members]
        every = np.full((1, *masks.shape[1:]), _EVERY_BIT)
        before = np.concatenate([every, np.bitwise_and.accumulate(masks, axis=0)[:-1]])
        after = np.concatenate([np.bitwise_and.accumulate(masks[::-1], axis=0)[::-1][1:], every])
        self.without[members] = before & after
        self.common[g] = np.bitwise_and.reduce(masks, axis=0)
        self.value[g] = _bonus(self.common[g], self.level_weights)

    def _bonus(self, masks: np.ndarray) -> np.ndarray:
        return _bonus(masks, self.level_weights)

    def best_change(self, i: int) -> tuple[float, str, int]:
        """The best move or swap for person i: (gain, "move" or "swap", the group or the person)."""
        a = int(self.group_of[i])
        size_a, own = self.size[a], self.own[i]
        best: tuple[float, str, int] = (_EPS, "", -1)
        if size_a > self.lo[a]:
            leave = (size_a - 1) * float(self._bonus(self.without[i])) - size_a * self.value[a] - own
            join = self.sums[:, i] + (self.size + 1) * self._bonus(self.common & self.masks[i]) - self.size * self.value
            join[(self.size >= self.hi) | (np.arange(len(join)) == a)] = -np.inf
            g = int(np.argmax(join))
            if join[g] + leave > best[0]:
                best = (float(join[g] + leave), "move", g)
        others = self.group_of.clip(min=0)
        swap = (
            self.sums[a] + self.sums[others, i] - 2 * self.weight[i] - own - self.own
            + size_a * (self._bonus(self.without[i] & self.masks) - self.value[a])
            + self.size[others] * (self._bonus(self.without & self.masks[i]) - self.value[others])
        )  # fmt: skip
        swap[~self.movable | (self.group_of == a)] = -np.inf
        j = int(np.argmax(swap))
        if swap[j] > best[0]:
            best = (float(swap[j]), "swap", j)
        return best

    def improve(self, i: int) -> bool:
        """Apply person i's best change if it gains."""
        gain, kind, target = self.best_change(i)
        if kind == "move":
            self.move(i, target, gain)
        elif kind == "swap":
            self.swap(i, target, gain)
        return bool(kind)

    def improve_lead(self, g: int) -> bool:
        """Hand group g to the spare mentor who fits it best, if that gains."""
        if not self.spare:
            return False
        mentor, spare, size = int(self.anchor[g]), np.array(self.spare), self.size[g]
        gain = (
            self.sums[g, spare] - self.weight[mentor, spare] - self.own[mentor]
            + size * (self._bonus(self.without[mentor] & self.masks[spare]) - self.value[g])
        )  # fmt: skip
        gain[self.lead_limit[spare] < size] = -np.inf
        k = int(np.argmax(gain))
        if gain[k] <= _EPS:
            return False
        self.lead(g, int(spare[k]), float(gain[k]))
        return True

    def trade(self, u: int) -> bool:
        """Let u, who is left out, take the place of the person whose place gains most, if any does."""
        group = self.group_of.clip(min=0)
        gain = (
            self.sums[group, u] - self.weight[u] - self.own
            + self.size[group] * (self._bonus(self.without & self.masks[u]) - self.value[group])
        )  # fmt: skip
        gain[~self.movable] = -np.inf
        p = int(np.argmax(gain))
        if gain[p] <= _EPS:
            return False
        self._trade(u, p, float(gain[p]))
        return True

    def _trade(self, u: int, p: int, gain: float) -> None:
        a = int(self.group_of[p])
        self.sums[a] += self.weight[u] - self.weight[p]
        self.group_of[u], self.group_of[p] = a, -1
        self.movable[u], self.movable[p] = True, False
        self.outside[self.outside.index(u)] = p
        self._changed((a,), gain)

    def trade_outside(self) -> None:
        """Trades and single changes until neither gains: who is left out is chosen by the objective too."""
        traded = bool(self.outside)
        while traded:
            traded = False
            for u in list(self.outside):
                traded = self.trade(u) or traded
            if traded:
                self.single_changes()

    def move(self, i: int, b: int, gain: float) -> None:
        a = int(self.group_of[i])
        self.sums[a] -= self.weight[i]
        self.sums[b] += self.weight[i]
        self.group_of[i] = b
        self.size[a] -= 1
        self.size[b] += 1
        self._changed((a, b), gain)

    def swap(self, i: int, j: int, gain: float) -> None:
        a, b = int(self.group_of[i]), int(self.group_of[j])
        change = self.weight[j] - self.weight[i]
        self.sums[a] += change
        self.sums[b] -= change
        self.group_of[i], self.group_of[j] = b, a
        self._changed((a, b), gain)

    def lead(self, g: int, mentor: int, gain: float) -> None:
        previous = int(self.anchor[g])
        self.sums[g] += self.weight[mentor] - self.weight[previous]
        self.group_of[previous], self.group_of[mentor] = -1, g
        self.anchor[g], self.hi[g] = mentor, self.lead_limit[mentor]
        self.spare[self.spare.index(mentor)] = previous
        self._changed((g,), gain)

    def regroup(self, people: np.ndarray, groups: np.ndarray) -> None:
        """Put each of `people` in the matching group of `groups`."""
        touched = tuple(int(g) for g in np.union1d(self.group_of[people], groups))
        before = self.score_of(touched)
        self.group_of[people] = groups
        for g in touched:
            self.sums[g] = self.weight[self.members(g)].sum(axis=0)
            self.size[g] = len(self.members(g))
        self._changed(touched, 0.0)
        self.total += self.score_of(touched) - before

    def score_of(self, groups: Sequence[int]) -> float:
        """The groups' share of the objective."""
        return float(sum(self.own[self.members(g)].sum() / 2 + self.size[g] * self.value[g] for g in groups))

    def _changed(self, groups: tuple[int, ...], gain: float) -> None:
        for g in groups:
            self._refresh(g)
        self.own = self._own_sums()
        self.total += gain

    def resplit(self, a: int, b: int) -> bool:
        """Divide the people of groups a and b between them in the best way the bounds allow (each mentor keeps
        their group), if that gains: every exchange between two groups at once."""
        people = np.flatnonzero(((self.group_of == a) | (self.group_of == b)) & self.movable)
        if not 0 < len(people) <= _SPLIT_MOST:
            return False
        inside, size_a = _subsets(len(people))
        weight = self.weight[np.ix_(people, people)]
        # Pairs inside subset s, ½ sᵀWs, and inside its complement, ½ 1ᵀW1 − sᵀW1 + ½ sᵀWs.
        half = np.einsum("ij,ij->i", inside @ weight, inside) / 2
        pairs = 2 * half - inside @ weight.sum(axis=1) + weight.sum() / 2
        size_b = len(people) - size_a
        ands = _subset_ands(self.masks[people])
        common_a, common_b = ands, ands[::-1]  # subset s's complement is subset 2^m − 1 − s
        if self.anchor[a] >= 0:
            pairs += inside @ self.weight[people, self.anchor[a]]
            size_a, common_a = size_a + 1, common_a & self.masks[self.anchor[a]]
        if self.anchor[b] >= 0:
            pairs += (1.0 - inside) @ self.weight[people, self.anchor[b]]
            size_b, common_b = size_b + 1, common_b & self.masks[self.anchor[b]]
        value = pairs + size_a * self._bonus(common_a) + size_b * self._bonus(common_b)
        fits = (size_a >= self.lo[a]) & (size_a <= self.hi[a]) & (size_b >= self.lo[b]) & (size_b <= self.hi[b])
        value[~fits] = -np.inf
        current = int(((self.group_of[people] == a) << np.arange(len(people))).sum())
        best = int(np.argmax(value))
        if value[best] - value[current] <= _EPS:
            return False
        self.regroup(people, np.where(inside[best] > 0, a, b))
        return True

    def partners(self, g: int, count: int) -> np.ndarray:
        """`count` other groups worth searching together with g: those whose members and g's like each other
        most or could share g's common hour, and one drawn at random."""
        others = np.delete(np.arange(len(self.size)), g)
        if len(others) <= count:
            return others
        liking = self.sums[:, self.members(g)].sum(axis=1)
        fits = ((self.masks[:, 0] & self.common[g, 0]) != 0).any(axis=-1) & (self.group_of >= 0)
        closeness = liking + self.level_weights[0] * np.bincount(self.group_of[fits], minlength=len(self.size))
        closeness[g] = -np.inf
        closest = np.argpartition(-closeness, count - 1)[: count - 1]
        rest = np.setdiff1d(others, closest)
        chosen: np.ndarray = np.append(closest, self.rng.choice(rest))
        return chosen

    def single_changes(self) -> None:
        """Passes over everyone (and every mentor's group) until no single change gains."""
        improved = True
        while improved:
            improved = False
            for i in self.rng.permutation(np.flatnonzero(self.movable)):
                improved = self.improve(int(i)) or improved
            for g in np.flatnonzero(self.anchor >= 0):
                improved = self.improve_lead(int(g)) or improved

    def descend(self) -> None:
        """Single changes, then re-splits of each group with its partners, until neither gains."""
        improved = True
        while improved:
            self.single_changes()
            improved = False
            tried: set[tuple[int, int]] = set()
            for a in self.rng.permutation(len(self.size)):
                for b in self.partners(int(a), _PARTNERS):
                    pair = (min(int(a), int(b)), max(int(a), int(b)))
                    if pair not in tried:
                        tried.add(pair)
                        improved = self.resplit(*pair) or improved

    def tabu(self, patience: int, most: int) -> None:
        """Tabu search: take the best move, swap or trade of all, even a losing one, while a person may not return
        for a while to the group they left (unless that beats the best found); stop after `patience` steps
        without a new best (or `most` steps), and keep the best. Every step weighs every pair: small cohorts only."""
        n, count = len(self.group_of), len(self.size)
        until = np.zeros((n, count), dtype=np.int64)  # the step until which i may not rejoin group g
        movable = int(self.movable.sum()) + len(self.outside)
        tenure = (max(1, movable // 10), max(3, movable // 4) + 3)  # drawn anew each step
        best, best_groups, idle = self.total, self.group_of.copy(), 0
        for step in range(1, most + 1):
            gain, change = self._best_step(step, until, best)
            if change is None:
                break
            kind, i, target = change
            leaving = target if kind == "trade" else i
            until[leaving, self.group_of[leaving]] = step + int(self.rng.integers(*tenure))
            if kind == "swap":
                until[target, self.group_of[target]] = until[i, self.group_of[i]]
                self.swap(i, target, gain)
            elif kind == "move":
                self.move(i, target, gain)
            else:
                self._trade(i, target, gain)
            if self.total > best + _EPS:
                best, best_groups, idle = self.total, self.group_of.copy(), 0
            else:
                idle += 1
                if idle >= patience:
                    break
        self._rebuild(best_groups)

    def _rebuild(self, group_of: np.ndarray) -> None:
        """Every group, and who is left out, as in `group_of` (-1: left out, or a spare mentor)."""
        outside = [u for u in (*self.outside, *np.flatnonzero(self.movable)) if group_of[u] < 0]
        inside = [u for u in self.outside if group_of[u] >= 0]
        self.group_of = group_of.copy()
        self.movable[inside] = True
        self.movable[outside] = False
        self.outside = [int(u) for u in outside]
        placed = np.flatnonzero(self.group_of >= 0)
        membership = np.zeros((len(self.size), len(self.group_of)))
        membership[self.group_of[placed], placed] = 1.0
        self.sums = membership @ self.weight
        self.size = np.bincount(self.group_of[placed], minlength=len(self.size))
        for g in range(len(self.size)):
            self._refresh(g)
        self.own = self._own_sums()
        self.total = self.score()

    def _best_step(self, step: int, until: np.ndarray, best: float) -> tuple[float, tuple[str, int, int] | None]:
        """The best move, swap or trade not forbidden at this step (or forbidden but beating `best`), and its gain:
        ("swap", i, j), ("move", i, group) or ("trade", left out, person whose place they take)."""
        n, count = len(self.group_of), len(self.size)
        group = self.group_of.clip(min=0)
        around = self.sums[group]  # around[j, i]: i's affinity to j's group
        bonus = self._bonus(self.without[:, None] & self.masks[None, :])  # [i, j]: j in i's place
        stay = self.size[group][:, None] * (bonus - self.value[group][:, None])
        swap = around.T + around - 2 * self.weight - self.own[:, None] - self.own[None, :] + stay + stay.T
        # Each pair once (i < j), both movable, in two groups.
        swap[~(self.movable[:, None] & self.movable[None, :]) | (group[:, None] == group[None, :])] = -np.inf
        swap[_lower_triangle(n)] = -np.inf
        left = until[:, group] > step  # [i, j]: i may not join j's group yet
        leave = (self.size[group] - 1) * self._bonus(self.without) - self.size[group] * self.value[group] - self.own
        join = (
            self.sums.T
            + (self.size + 1) * self._bonus(self.common[None] & self.masks[:, None])
            - self.size * self.value
        )
        move = join + leave[:, None]
        stuck = ~self.movable | (self.size[group] <= self.lo[group])
        move[stuck[:, None] | (self.size >= self.hi)[None, :] | (group[:, None] == np.arange(count))] = -np.inf
        out = np.array(self.outside, dtype=np.int64)
        # trade[k, p]: the k-th person left out takes p's place.
        trade = (around.T - self.weight - self.own[None, :])[out] + stay[:, out].T
        trade[:, ~self.movable] = -np.inf
        steps = (
            (swap, "swap", left | left.T),
            (move, "move", until > step),
            (trade, "trade", left[out]),
        )
        # A forbidden step is taken only if it beats the best found; if every step is forbidden, the best of them.
        allowed = [(np.where(banned & (self.total + g <= best + _EPS), -np.inf, g), kind) for g, kind, banned in steps]
        chosen = self._best_of(allowed, out)
        return chosen if chosen[1] is not None else self._best_of([(g, kind) for g, kind, _ in steps], out)

    def _best_of(
        self, steps: list[tuple[np.ndarray, str]], out: np.ndarray
    ) -> tuple[float, tuple[str, int, int] | None]:
        best: tuple[float, tuple[str, int, int] | None] = (0.0, None)
        for gains, kind in steps:
            if not gains.size:
                continue
            top = gains.max()
            if top == -np.inf or (best[1] is not None and top <= best[0]):
                continue
            # Ties go to one of the tied steps at random, so equal steps do not always favour the lowest index.
            ties = np.flatnonzero(gains >= top - _EPS)
            first, second = divmod(int(ties[self.rng.integers(len(ties))]), gains.shape[1])
            best = (float(top), (kind, int(out[first]) if kind == "trade" else first, second))
        return best

    def window(self, a: int, patience: int) -> None:
        """Tabu search over group a and its partners alone; kept if it gains."""
        groups = np.append(a, self.partners(a, _WINDOW - 1))
        people = np.flatnonzero(np.isin(self.group_of, groups))
        position = {int(p): k for k, p in enumerate(people)}
        local = [[position[i] for i in self.groups_of(int(g))] for g in groups]
        leads = (self.lead_limit[people], list[int]()) if (self.anchor[groups] >= 0).any() else None
        window = _Search(
            self.weight[np.ix_(people, people)], self.masks[people], self.level_weights, local,
            (self.lo[groups], self.hi[groups]), self.rng, leads,
        )  # fmt: skip
        before = window.total
        window.tabu(patience, _TABU_STEPS)
        if window.total > before + _EPS:
            self.regroup(people, groups[window.group_of])

    def groups_of(self, g: int) -> list[int]:
        """Group g's members, its mentor first."""
        mentor = [int(self.anchor[g])] if self.anchor[g] >= 0 else []
        return mentor + [int(i) for i in self.members(g) if i != self.anchor[g]]

    def search(self, effort: float) -> None:
        """Small cohorts: tabu search over everyone. Large ones: descent, then tabu search over windows of a few
        related groups around the weakest groups (a fifth of them at effort 1). Then trades with those left out."""
        if self.movable.sum() <= _TABU_MOST:
            self.single_changes()
            self.tabu(max(1, round(_TABU_PATIENCE * effort)), _TABU_STEPS)
            self.single_changes()
        else:
            self.descend()
            per_member = [self.score_of([g]) / max(1, self.size[g]) for g in range(len(self.size))]
            for a in np.argsort(per_member)[: round(len(self.size) * _WINDOW_SHARE * effort)]:
                self.window(int(a), _WINDOW_PATIENCE)
            self.descend()
        self.trade_outside()


@lru_cache(maxsize=8)
def _lower_triangle(count: int) -> np.ndarray:
    lower: np.ndarray = np.tri(count, dtype=bool)
    return lower


@lru_cache(maxsize=32)
def _subsets(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Row s: 1.0 for each of `count` people in subset s (bit t of s is person t); and each subset's size."""
    bits = ((np.arange(2**count)[:, None] >> np.arange(count)) & 1).astype(float)
    return bits, bits.sum(axis=1).astype(np.int64)


def _subset_ands(masks: np.ndarray) -> np.ndarray:
    """Row s: the AND of the masks of the people in subset s (every bit for the empty subset)."""
    table = np.empty((2 ** len(masks), *masks.shape[1:]), dtype=np.uint64)
    table[0] = _EVERY_BIT
    for t, mask in enumerate(masks):
        table[2**t : 2 ** (t + 1)] = table[: 2**t] & mask
    return table


def _constraint_order(hard: np.ndarray, hours: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Most constrained first: the most people they may not join, then the fewest weekly hours; ties by lot."""
    order: np.ndarray = np.lexsort((rng.random(len(hard)), hours, -hard.sum(axis=1)))
    return order


def _construct(
    weight: np.ndarray,
    masks: np.ndarray,
    level_weights: np.ndarray,
    groups: list[list[int]],
    order: np.ndarray,
    targets: Sequence[int],
) -> list[list[int]]:
    """Fill one group at a time up to its target size: an empty group starts with the most constrained person
    left (in `order`), then takes whoever adds most to it, until everyone in `order` is placed."""
    free = np.zeros(len(weight), dtype=bool)
    free[order] = True
    for group, target in zip(groups, targets, strict=True):
        if not group:
            group.append(int(order[free[order]][0]))
            free[group[0]] = False
        sums = weight[group].sum(axis=0)
        common = np.bitwise_and.reduce(masks[group], axis=0)
        while len(group) < target:
            size = len(group)
            gain = sums + (size + 1) * _bonus(common & masks, level_weights) - size * _bonus(common, level_weights)
            gain[~free] = -np.inf
            i = int(np.argmax(gain))
            group.append(i)
            free[i] = False
            sums += weight[i]
            common &= masks[i]
    return groups


def _balanced(people: int, groups: int) -> list[int]:
    return [people // groups + (1 if g < people % groups else 0) for g in range(groups)]


def _most_conflicted(groups: Sequence[Sequence[int]], hard: np.ndarray, movable: np.ndarray) -> int | None:
    """The person breaking the most hard rules in their group (ties: the most rules overall), or None."""
    worst, key = None, (0, 0)
    for group in groups:
        for i in group:
            breaks = int(hard[i, group].sum())
            if movable[i] and breaks and (breaks, int(hard[i].sum())) > key:
                worst, key = i, (breaks, int(hard[i].sum()))
    return worst


def _most_constrained(people: Sequence[int], count: int, hard: np.ndarray) -> list[int]:
    """The `count` of `people` with the most hard rules against the others (ties: the lowest rows)."""
    rows = np.asarray(people)
    conflicts = hard[np.ix_(rows, rows)].sum(axis=1)
    return [int(rows[k]) for k in np.argsort(-conflicts, kind="stable")[:count]]


def _rebalance(
    groups: list[list[int]], count: int, weight: np.ndarray, min_size: int, max_size: int
) -> list[list[int]]:
    """`groups` reshaped into `count` groups within the size bounds: the smallest groups dissolved into those with
    room, then members moved into groups below the smallest size; each person where they lose least."""
    groups = sorted((g for g in groups if g), key=len, reverse=True)
    pending = [i for group in groups[count:] for i in group]
    groups = groups[:count] + [[] for _ in range(count - len(groups))]
    for i in pending:
        open_groups = [g for g in groups if len(g) < max_size]
        max(open_groups, key=lambda g: weight[i, g].sum()).append(i)
    for group in groups:
        while len(group) < min_size:
            donor = max((g for g in groups if len(g) > min_size), key=len)
            i = max(donor, key=lambda j: weight[j, group].sum() - weight[j, donor].sum())
            donor.remove(i)
            group.append(i)
    return groups


# --- Arranging one component ------------------------------------------------------------------------------------

# (the cohort, the people to arrange (global rows), sizes, seed) → (groups, people it could not place)
_Arrange = Callable[[_Cohort, np.ndarray, int, int, int], tuple[list[list[int]], list[int]]]


def _search_arrange(effort: float) -> _Arrange:
    def arrange(
        cohort: _Cohort, people: np.ndarray, min_size: int, max_size: int, seed: int
    ) -> tuple[list[list[int]], list[int]]:
        """Greedy construction, then tabu search; while a hard rule is still broken, the person breaking the most
        is left out and the rest are searched again from where they were. Those left out (and any the sizes then
        cannot hold) may trade back in, so who stays out is chosen by the objective too."""
        rng = np.random.default_rng(seed)
        weight_all, hard = cohort.weight(max_size), cohort.hard
        placed_people, out = [int(i) for i in people], list[int]()
        groups: list[list[int]] | None = None
        while True:
            placed, count = _capacity(len(placed_people), min_size, max_size)
            if count == 0:
                return [], out + placed_people
            if placed < len(placed_people):
                extra = _most_constrained(placed_people, len(placed_people) - placed, hard)
                placed_people = [i for i in placed_people if i not in extra]
                out += extra
                groups = [[i for i in g if i not in extra] for g in groups] if groups else None
            rows = np.array(placed_people + out)
            local = {person: row for row, person in enumerate(rows.tolist())}
            weight = weight_all[np.ix_(rows, rows)]
            if groups is None:
                inside = rows[: len(placed_people)]
                order = _constraint_order(hard[np.ix_(inside, inside)], cohort.starts[inside, 0].sum(axis=1), rng)
                empty: list[list[int]] = [[] for _ in range(count)]
                start = _construct(
                    weight, cohort.masks[rows], cohort.level_weights, empty, order, _balanced(placed, count)
                )
            else:
                start = _rebalance([[local[i] for i in g] for g in groups], count, weight, min_size, max_size)
            search = _Search(
                weight, cohort.masks[rows], cohort.level_weights, start,
                (np.full(count, min_size), np.full(count, max_size)), rng, outside=[local[i] for i in out],
            )  # fmt: skip
            search.search(effort)
            groups = [[int(rows[i]) for i in g] for g in search.groups()]
            out = [int(rows[i]) for i in search.outside]
            worst = _most_conflicted(groups, hard, np.ones(len(hard), dtype=bool))
            if worst is None:
                return groups, out
            groups = [[i for i in g if i != worst] for g in groups]
            placed_people = [i for g in groups for i in g]
            out.append(worst)

    return arrange


def _greedy_arrange(
    cohort: _Cohort, people: np.ndarray, min_size: int, max_size: int, seed: int
) -> tuple[list[list[int]], list[int]]:
    """Baseline: fill one group at a time from a random first member, always adding whoever gains the group
    most without breaking a hard rule; a group left below the smallest size is given up."""
    rng = np.random.default_rng(seed)
    rows = np.asarray(people)
    weight, hard = cohort.weight(max_size)[np.ix_(rows, rows)], cohort.hard[np.ix_(rows, rows)]
    masks = cohort.masks[rows]
    placed, count = _capacity(len(rows), min_size, max_size)
    free = np.ones(len(rows), dtype=bool)
    groups: list[list[int]] = []
    for target in _balanced(placed, count):
        group = [int(rng.choice(np.flatnonzero(free)))]
        free[group[0]] = False
        sums, blocked, common = weight[group[0]].copy(), hard[group[0]].copy(), masks[group[0]].copy()
        while len(group) < target:
            size = len(group)
            value = float(_bonus(common, cohort.level_weights))
            gain = sums + (size + 1) * _bonus(common & masks, cohort.level_weights) - size * value
            gain[~free | blocked] = -np.inf
            i = int(np.argmax(gain))
            if gain[i] == -np.inf:
                break
            group.append(i)
            free[i] = False
            sums += weight[i]
            blocked |= hard[i]
            common &= masks[i]
        if len(group) < min_size:
            free[group] = True
        else:
            groups.append(group)
    return [[int(rows[i]) for i in g] for g in groups], [int(i) for i in rows[free]]


def _random_arrange(
    cohort: _Cohort, people: np.ndarray, min_size: int, max_size: int, seed: int
) -> tuple[list[list[int]], list[int]]:
    """Baseline (Donut-style): shuffle, then each person joins the first group with room that breaks no hard rule."""
    rng = np.random.default_rng(seed)
    hard = cohort.hard
    placed, count = _capacity(len(people), min_size, max_size)
    room = np.array(_balanced(placed, count))
    conflicts = np.zeros((count, len(hard)), dtype=np.int64)  # conflicts[g, i]: rules i would break in group g
    groups: list[list[int]] = [[] for _ in range(count)]
    left: list[int] = []
    for i in rng.permutation(people):
        open_groups = np.flatnonzero((room > 0) & (conflicts[:, i] == 0))
        if not len(open_groups):
            left.append(int(i))
            continue
        g = int(open_groups[0])
        groups[g].append(int(i))
        room[g] -= 1
        conflicts[g] += hard[i]
    kept = [g for g in groups if len(g) >= min_size]
    return kept, left + [i for g in groups if len(g) < min_size for i in g]


def _group_value(cohort: _Cohort, group: Sequence[int], weight: np.ndarray) -> float:
    """A group's value under `weight`: its pairs and every member's hour bonus."""
    rows = np.asarray(group)
    pairs = weight[np.ix_(rows, rows)].sum() / 2
    common = np.bitwise_and.reduce(cohort.masks[rows], axis=0)
    return float(pairs + len(rows) * _bonus(common, cohort.level_weights))


def _insert_left(
    cohort: _Cohort, groups: list[list[int]], left: Sequence[int], limits: Sequence[int], max_size: int
) -> list[int]:
    """Place whoever fits a group with room (`limits`: each group's largest size) without breaking a hard rule,
    where they add most; the rest."""
    weight, hard = cohort.weight(max_size), cohort.hard
    still: list[int] = []
    for i in left:
        fits = [g for g, limit in zip(groups, limits, strict=True) if len(g) < limit and not hard[i, g].any()]
        if fits:
            max(fits, key=lambda g: _group_value(cohort, [*g, i], weight) - _group_value(cohort, g, weight)).append(i)
        else:
            still.append(i)
    return still


# --- Exact --------------------------------------------------------------------------------------------------------


class _Program:
    """An integer program's variables, rows and gains, gathered as sparse triples for `scipy.optimize.milp`."""

    def __init__(self) -> None:
        self.count = 0
        self.integral: list[np.ndarray] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.values: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.gains: list[tuple[np.ndarray, np.ndarray]] = []

    def variables(self, shape: tuple[int, ...], integral: bool) -> np.ndarray:
        """Fresh variables in [0, 1], as an array of their columns."""
        size = int(np.prod(shape))
        columns = np.arange(self.count, self.count + size).reshape(shape)
        self.count += size
        self.integral.append(np.full(size, 1 if integral else 0))
        return columns

    def row(self, terms: Iterable[tuple[int, float]], low: float, high: float) -> None:
        number = len(self.lower)
        for column, value in terms:
            self.rows.append(number)
            self.cols.append(int(column))
            self.values.append(value)
        self.lower.append(low)
        self.upper.append(high)

    def gain(self, columns: np.ndarray, values: np.ndarray | float) -> None:
        self.gains.append((columns.ravel(), np.broadcast_to(values, columns.shape).ravel()))

    def objective(self) -> np.ndarray:
        gain = np.zeros(self.count)
        for columns, values in self.gains:
            gain[columns] += values
        return gain

    def solve(self, gain: np.ndarray, time_limit: float, zero: Sequence[int]) -> tuple[np.ndarray, float, bool]:
        """Maximise gain · v with the columns `zero` fixed at 0: the solution, the solver's upper bound, and
        whether it is proven optimal."""
        upper = np.ones(self.count)
        upper[list(zero)] = 0.0
        matrix = coo_array((self.values, (self.rows, self.cols)), shape=(len(self.lower), self.count)).tocsr()
        result = milp(
            -gain,
            integrality=np.concatenate(self.integral),
            bounds=Bounds(np.zeros(self.count), upper),
            constraints=LinearConstraint(matrix, self.lower, self.upper),
            options={"time_limit": time_limit, "mip_rel_gap": 1e-7},
        )
        if result.x is None:
            raise RuntimeError(f"the integer program found no formation in time: {result.message}")
        bound = -result.mip_dual_bound if result.get("mip_dual_bound") is not None else -result.fun
        return np.asarray(result.x), float(bound), result.status == 0


def _columns_arrange(time_limit: float, proofs: list[tuple[float, bool]]) -> _Arrange:
    def arrange(
        cohort: _Cohort, people: np.ndarray, min_size: int, max_size: int, seed: int
    ) -> tuple[list[list[int]], list[int]]:
        """Set partitioning over every allowed group: the most people placed, then the best objective, in
        ceil(placed / max_size) groups. Column generation solves the LP over all groups; a formation it meets is
        optimal, and a group whose reduced cost is below −(LP bound − best formation known) cannot be in a
        better one, so the integer program over the rest is exact. The best formation known comes from the
        heuristic (or the integer program over the groups generated): it only narrows the search, never the proof."""
        n = len(people)
        if sum(math.comb(n, size) for size in range(min_size, max_size + 1)) > _MOST_COLUMNS:
            raise ValueError(f"{n} people in groups of {min_size}–{max_size}: too many groups to enumerate")
        rows = np.ix_(people, people)
        affinity = cohort.affinity[rows].copy()
        if cohort.allow_repeats:
            affinity -= cohort.repeat_penalty(max_size) * cohort.met[rows]
        members, scores = _every_group(
            affinity, cohort.hard[rows], cohort.starts[people], cohort.level_weights, min_size, max_size
        )
        position = {int(p): k for k, p in enumerate(people)}
        found, _ = _search_arrange(1.0)(cohort, people, min_size, max_size, seed)
        heuristic = [[position[i] for i in g] for g in found]
        for placed in range(n, min_size - 1, -1):
            count = -(-placed // max_size)
            if count * min_size > placed:
                continue
            relaxed = _column_generation(members, scores, n, count, placed)
            if relaxed is None:
                continue
            bound, reduced, generated = relaxed
            shape = (n, count, placed)
            known = _best_known(heuristic, (members, scores, generated), shape, time_limit, cohort, people, affinity)
            if known is not None and bound - known[1] <= _EPS * max(1.0, abs(bound)):
                proofs.append((bound, True))
                return _global(people, known[0]), _left_out(people, known[0])
            floor = -math.inf if known is None else -(bound - known[1]) - _EPS
            solved = _partition(members, scores, np.flatnonzero(reduced >= floor), n, count, placed, time_limit)
            if solved is None:
                continue
            chosen, solver_bound, proven = solved
            # Groups left out cannot be in a better formation than the one known, so the solver's bound over the
            # rest is a bound over all; so is the LP's.
            proofs.append((min(bound, solver_bound), proven))
            groups = [[int(i) for i in members[c] if i < n] for c in chosen]
            return _global(people, groups), _left_out(people, groups)
        return [], [int(i) for i in people]

    return arrange


def _global(people: np.ndarray, groups: Sequence[Sequence[int]]) -> list[list[int]]:
    return [[int(people[i]) for i in g] for g in groups]


def _left_out(people: np.ndarray, groups: Sequence[Sequence[int]]) -> list[int]:
    covered = {i for g in groups for i in g}
    return [int(p) for k, p in enumerate(people) if k not in covered]


def _best_known(
    heuristic: list[list[int]],
    columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    shape: tuple[int, int, int],
    time_limit: float,
    cohort: _Cohort,
    people: np.ndarray,
    affinity: np.ndarray,
) -> tuple[list[list[int]], float] | None:
    """A formation of `placed` people in `count` groups and its score: the heuristic's if it has that shape,
    else the integer program's over the groups generated so far; None if neither has one."""
    members, scores, generated = columns
    n, count, placed = shape
    if len(heuristic) == count and sum(len(g) for g in heuristic) == placed:
        value = 0.0
        for group in heuristic:
            rows = np.asarray(group)
            common = np.bitwise_and.reduce(cohort.masks[people[rows]], axis=0)
            bonus = float(_bonus(common, cohort.level_weights))
            value += float(np.triu(affinity[np.ix_(rows, rows)], 1).sum()) + len(rows) * bonus
        return heuristic, value
    solved = _partition(members, scores, generated, n, count, placed, time_limit)
    if solved is None:
        return None
    groups = [[int(i) for i in members[c] if i < n] for c in solved[0]]
    return groups, float(scores[solved[0]].sum())


def _every_group(
    affinity: np.ndarray, hard: np.ndarray, starts: np.ndarray, level_weights: np.ndarray, min_size: int, max_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every group of min_size..max_size breaking no hard rule, as member rows (padded with n) and its score,
    built up one member at a time (each group extended by people after its last member)."""
    n = len(affinity)
    windows = _window_sets(starts, min_size)
    groups = np.arange(n, dtype=np.int64)[:, None]
    pairs = np.zeros(n)
    common = [w.copy() for w in windows]
    found_members, found_scores = [], []
    for size in range(1, max_size + 1):
        if size > 1:
            last = groups[:, -1]
            extensions = n - 1 - last
            parent = np.repeat(np.arange(len(groups)), extensions)
            offset = np.arange(len(parent)) - np.repeat(np.cumsum(extensions) - extensions, extensions)
            newcomer = last[parent] + 1 + offset
            allowed = ~hard[groups[parent], newcomer[:, None]].any(axis=1)
            parent, newcomer = parent[allowed], newcomer[allowed]
            pairs = pairs[parent] + affinity[groups[parent], newcomer[:, None]].sum(axis=1)
            common = [c[parent] & w[newcomer] for c, w in zip(common, windows, strict=True)]
            groups = np.concatenate([groups[parent], newcomer[:, None]], axis=1)
        if size >= min_size:
            bonus = sum(weight * (c != 0).any(axis=1) for weight, c in zip(level_weights, common, strict=True))
            padded = np.full((len(groups), max_size), n, dtype=np.int64)
            padded[:, :size] = groups
            found_members.append(padded)
            found_scores.append(pairs + size * bonus)
    return np.concatenate(found_members), np.concatenate(found_scores)


def _window_sets(starts: np.ndarray, min_size: int) -> list[np.ndarray]:
    """Per level, each person's bit mask over the largest sets of people sharing a window start: a group reaches
    the level exactly when one of those sets holds all of it, i.e. when its members' masks AND to non-zero."""
    windows = []
    for level in range(starts.shape[1]):
        sets = np.unique(starts[:, level, :].T, axis=0)
        sets = sets[sets.sum(axis=1) >= min_size]
        inside = (sets[:, None, :] <= sets[None, :, :]).all(axis=2) & (sets[:, None, :] != sets[None, :, :]).any(axis=2)
        sets = sets[~inside.any(axis=1)]
        bits = np.zeros((starts.shape[0], max(64, -(-len(sets) // 64) * 64)), dtype=bool)
        bits[:, : len(sets)] = sets.T
        windows.append(np.packbits(bits, axis=1, bitorder="little").view(np.uint64))
    return windows


def _master(members: np.ndarray, n: int, count: int, placed: int) -> tuple[csr_array, np.ndarray]:
    """Rows: each person once (in a group or left out), `count` groups, `n − placed` people left out. Columns: the
    groups, then each person's "left out"."""
    groups = len(members)
    inside = members < n
    rows = np.concatenate([members[inside], np.full(groups, n), np.arange(n), np.full(n, n + 1)])
    columns = np.concatenate([np.nonzero(inside)[0], np.arange(groups), groups + np.arange(n), groups + np.arange(n)])
    matrix = coo_array((np.ones(len(rows)), (rows, columns)), shape=(n + 2, groups + n)).tocsr()
    return matrix, np.concatenate([np.ones(n), [count, n - placed]])


def _column_generation(
    members: np.ndarray, scores: np.ndarray, n: int, count: int, placed: int
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """The LP bound over every group, each group's reduced cost at its optimum and the groups generated; None
    when not even the LP can place `placed` people in `count` groups."""
    generated = np.unique(np.argsort(-scores)[:_FIRST_COLUMNS])
    # An artificial column per row keeps every restricted LP feasible; one left in use means infeasible.
    artificial = 10 * (1.0 + float(np.abs(scores).max(initial=0.0))) * max(n, 1)
    while True:
        matrix, demand = _master(members[generated], n, count, placed)
        gain = np.concatenate([scores[generated], np.zeros(n)])
        result = linprog(
            np.concatenate([-gain, np.full(n + 2, artificial)]),
            A_eq=hstack([matrix, identity(n + 2, format="csr")]).tocsr(),
            b_eq=demand,
            bounds=(0, None),
            method="highs",
        )
        if result.status != 0:
            raise RuntimeError(f"the master LP failed: {result.message}")
        prices = -np.asarray(result.eqlin.marginals)
        reduced = scores - np.append(prices[:n], 0.0)[members].sum(axis=1) - prices[n]
        entering = np.argsort(-reduced)[:_ADDED_COLUMNS]
        entering = entering[reduced[entering] > _EPS]
        if not len(entering):
            if result.x[-(n + 2) :].sum() > _EPS:
                return None
            return float(gain @ result.x[: len(gain)]), reduced, generated
        generated = np.union1d(generated, entering)


def _partition(
    members: np.ndarray,
    scores: np.ndarray,
    candidates: np.ndarray,
    n: int,
    count: int,
    placed: int,
    time_limit: float,
) -> tuple[np.ndarray, float, bool] | None:
    """The best formation using only the `candidates` groups: their indices, the solver's bound and whether it is
    proven optimal; None if they allow no formation."""
    matrix, demand = _master(members[candidates], n, count, placed)
    result = milp(
        -np.concatenate([scores[candidates], np.zeros(n)]),
        integrality=np.ones(len(candidates) + n),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, demand, demand),
        options={"time_limit": time_limit},
    )
    if result.x is None:
        return None
    chosen: np.ndarray = candidates[result.x[: len(candidates)] > 0.5]
    return chosen, -float(result.mip_dual_bound), result.status == 0


def _exact_arrange(time_limit: float, proofs: list[tuple[float, bool]]) -> _Arrange:
    def arrange(
        cohort: _Cohort, people: np.ndarray, min_size: int, max_size: int, seed: int
    ) -> tuple[list[list[int]], list[int]]:
        """The most people placed, then the best objective, in ceil(placed / max_size) groups: group-assignment
        binaries x[i, g] and pair-together y[i, j, g] ≤ x[i, g], x[j, g], solved in two steps (placed, then
        the objective with that many placed) so the gap tolerance applies to the objective alone."""
        n = len(people)
        count = -(-n // max_size)
        rows = np.ix_(people, people)
        affinity = cohort.affinity[rows].copy()
        if cohort.allow_repeats:
            affinity -= cohort.repeat_penalty(max_size) * cohort.met[rows]
        program = _Program()
        x = program.variables((n, count), integral=True)
        _placement_rows(program, x, cohort.hard[rows], min_size, max_size)
        # Symmetry: person i is in one of the first i + 1 groups (groups are ordered by their first member).
        zero = [int(x[i, g]) for i in range(n) for g in range(i + 1, count)]
        most, _, _ = program.solve(np.where(np.isin(np.arange(program.count), x), 1.0, 0.0), time_limit / 4, zero)
        placed = round(most[x].sum())
        program.row(((int(v), 1.0) for v in x.ravel()), placed, placed)
        _pair_rows(program, x, affinity, cohort.hard[rows], max_size)
        _hour_rows(program, x, cohort.starts[people], cohort.level_weights, min_size)
        solution, bound, proven = program.solve(program.objective(), time_limit, zero)
        proofs.append((bound, proven))
        chosen = solution[x] > 0.5
        groups = [[int(people[i]) for i in np.flatnonzero(chosen[:, g])] for g in range(count)]
        return [g for g in groups if g], [int(people[i]) for i in np.flatnonzero(~chosen.any(axis=1))]

    return arrange


def _placement_rows(program: _Program, x: np.ndarray, hard: np.ndarray, min_size: int, max_size: int) -> None:
    """Each person in at most one group; each used group within the sizes; ceil(placed / max_size) groups used;
    groups used in order, each one's first member after the previous one's; no hard rule broken."""
    n, count = x.shape
    used = program.variables((count,), integral=True)
    for i in range(n):
        program.row(((x[i, g], 1.0) for g in range(count)), 0, 1)
    for g in range(count):
        members = [(x[i, g], 1.0) for i in range(n)]
        program.row([*members, (used[g], -min_size)], 0, math.inf)
        program.row([*members, (used[g], -max_size)], -math.inf, 0)
        if g:
            program.row([(used[g - 1], 1.0), (used[g], -1.0)], 0, math.inf)
            for i in range(g, n):
                program.row([(x[i, g], 1.0), *((x[k, g - 1], -1.0) for k in range(i))], -math.inf, 0)
    program.row([*((v, 1.0) for v in x.ravel()), *((v, -float(max_size)) for v in used)], 1 - max_size, 0)
    for i, j in zip(*np.nonzero(np.triu(hard, 1)), strict=True):
        for g in range(count):
            program.row([(x[i, g], 1.0), (x[j, g], 1.0)], -math.inf, 1)


def _pair_rows(program: _Program, x: np.ndarray, affinity: np.ndarray, hard: np.ndarray, max_size: int) -> None:
    """y[i, j, g] for every allowed pair with an affinity, and the star rows: a member has at most
    max_size − 1 partners in their group (valid for every formation, and far tighter than y ≤ x alone)."""
    count = x.shape[1]
    pairs = [(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(affinity != 0, 1) & ~hard), strict=True)]
    y = program.variables((len(pairs), count), integral=False)
    partners: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for p, (i, j) in enumerate(pairs):
        for g in range(count):
            program.row([(y[p, g], 1.0), (x[i, g], -1.0)], -math.inf, 0)
            program.row([(y[p, g], 1.0), (x[j, g], -1.0)], -math.inf, 0)
            if affinity[i, j] < 0:  # a cost must be paid whenever both are in: y ≥ x_i + x_j − 1
                program.row([(y[p, g], 1.0), (x[i, g], -1.0), (x[j, g], -1.0)], -1, math.inf)
            partners.setdefault((i, g), []).append((y[p, g], 1.0))
            partners.setdefault((j, g), []).append((y[p, g], 1.0))
        program.gain(y[p], affinity[i, j])
    for (i, g), terms in partners.items():
        program.row([*terms, (x[i, g], -(max_size - 1.0))], -math.inf, 0)


def _hour_rows(program: _Program, x: np.ndarray, starts: np.ndarray, level_weights: np.ndarray, min_size: int) -> None:
    """Each member's hour bonus, level by level: w[i, g, k] ≤ x[i, g] and w[i, g, k] ≤ Σ_h z[g, k, h], where
    z[g, k, h] ≤ 1 − x[i, g] for everyone without k + 1 free hours in a row from hour h."""
    count = x.shape[1]
    for k, weight in enumerate(level_weights):
        hours = np.flatnonzero(starts[:, k].sum(axis=0) >= min_size)
        if weight <= 0 or not len(hours):
            continue
        z = program.variables((count, len(hours)), integral=False)
        holders = np.flatnonzero(starts[:, k, hours].any(axis=1))
        w = program.variables((len(holders), count), integral=False)
        for g in range(count):
            for column, hour in enumerate(hours):
                for i in np.flatnonzero(~starts[:, k, hour]):
                    program.row([(z[g, column], 1.0), (x[i, g], 1.0)], -math.inf, 1)
            for row, i in enumerate(holders):
                program.row([(w[row, g], 1.0), (x[i, g], -1.0)], -math.inf, 0)
                program.row([(w[row, g], 1.0), *((z[g, c], -1.0) for c in range(len(hours)))], -math.inf, 0)
        program.gain(w, float(weight))


# --- Formations -----------------------------------------------------------------------------------------------------


def _reason(cohort: _Cohort, i: int, groups: Sequence[Sequence[int]]) -> Unplaced:
    """Why i is in none of `groups` (those of their component): what each group breaks, read off the formation."""
    kinds: set[str] = set()
    for group in groups:
        found = {
            kind
            for kind, rule in (("avoid", cohort.avoid), ("met", cohort.met), ("answers", cohort.mismatch))
            if rule[i, group].any() and not (kind == "met" and cohort.allow_repeats)
        }
        if not found:
            return Unplaced.FULL
        kinds |= found
    if kinds == {"avoid"}:
        return Unplaced.AVOIDED
    if kinds == {"met"}:
        return Unplaced.MET_BEFORE
    if kinds == {"answers"}:
        return Unplaced.ANSWERS
    return Unplaced.RULES if kinds else Unplaced.NO_GROUP


def _circle(cohort: _Cohort, group: Sequence[int], mentor: bool = False) -> Circle:
    people = [cohort.members[i] for i in group]
    rows = np.asarray(group)
    pairs = float(np.triu(cohort.affinity[np.ix_(rows, rows)], 1).sum())
    common = np.bitwise_and.reduce(cohort.masks[rows], axis=0)
    hours = frozenset.intersection(*(p.hours for p in people))
    repeats = tuple(
        (people[a].member_id, people[b].member_id)
        for a, b in zip(*np.nonzero(np.triu(cohort.met[np.ix_(rows, rows)], 1)), strict=True)
    )
    return Circle(
        members=tuple(p.member_id for p in people),
        score=pairs + len(people) * float(_bonus(common, cohort.level_weights)),
        common_topics=tuple(sorted(frozenset.intersection(*(p.topics for p in people)))),
        common_windows=common_windows(hours),
        mentor=people[0].member_id if mentor else None,
        repeats=repeats,
    )


def _form(
    members: Sequence[Member],
    min_size: int,
    max_size: int,
    rules: Sequence[QuestionRule],
    weights: CircleWeights,
    allow_repeats: bool,
    seed: int,
    arrange: _Arrange,
) -> Formation:
    if not 1 <= min_size <= max_size:
        raise ValueError("group sizes need 1 ≤ min_size ≤ max_size")
    cohort = _cohort(members, rules, weights, allow_repeats)
    circles: list[Circle] = []
    unplaced: list[tuple[int, Unplaced]] = []
    blocked = False
    for number, component in enumerate(_components(cohort)):
        if len(component) < min_size:
            unplaced += [(members[i].member_id, _too_few(cohort, int(i), component)) for i in component]
            continue
        placed, _ = _capacity(len(component), min_size, max_size)
        sitting = _lot(component, len(component) - placed, seed, 0)
        active = np.array([i for i in component if i not in sitting])
        groups, left = arrange(cohort, active, min_size, max_size, seed + number)
        still = _insert_left(cohort, groups, sitting + left, [max_size] * len(groups), max_size)
        circles += [_circle(cohort, g) for g in groups]
        reasons = [(i, Unplaced.SIZES if i in sitting else _reason(cohort, i, groups)) for i in still]
        unplaced += [(members[i].member_id, reason) for i, reason in reasons]
        blocked = blocked or any(_met_in_the_way(cohort, i, reason, component) for i, reason in reasons)
    return Formation(tuple(circles), tuple(unplaced), allow_repeats, repeats_needed=blocked)


def _met_in_the_way(cohort: _Cohort, i: int, reason: Unplaced, component: np.ndarray) -> bool:
    """Past partners are among the rules keeping i out (for NO_GROUP: among those binding their component)."""
    if cohort.allow_repeats:
        return False
    if reason is Unplaced.NO_GROUP:
        return bool(cohort.met[np.ix_(component, component)].any())
    return reason in (Unplaced.MET_BEFORE, Unplaced.RULES)


def _too_few(cohort: _Cohort, i: int, component: np.ndarray) -> Unplaced:
    if cohort.unanswered[i]:
        return Unplaced.UNANSWERED
    return Unplaced.TOO_FEW if len(component) == len(cohort.members) else Unplaced.TOO_FEW_ALIKE


def form_circles(
    members: Sequence[Member],
    min_size: int = 3,
    max_size: int = 6,
    rules: Sequence[QuestionRule] = (),
    weights: CircleWeights = CircleWeights(),
    *,
    allow_repeats: bool = False,
    seed: int = 0,
    effort: float = 1.0,
) -> Formation:
    """Everyone into peer circles of min_size..max_size, in the fewest circles that hold them (sizes otherwise
    free within the bounds), maximising the objective (`group_score`) without breaking a hard rule; whoever is
    left out is told why. `allow_repeats` lets past partners meet again when no formation without them is found
    (each one listed in `Formation.repeats`)."""
    arrange = _search_arrange(effort)
    return _form(members, min_size, max_size, rules, weights, allow_repeats, seed, arrange)


def greedy_circles(
    members: Sequence[Member],
    min_size: int = 3,
    max_size: int = 6,
    rules: Sequence[QuestionRule] = (),
    weights: CircleWeights = CircleWeights(),
    *,
    allow_repeats: bool = False,
    seed: int = 0,
) -> Formation:
    """Baseline: each circle filled in turn with whoever adds most to it."""
    return _form(members, min_size, max_size, rules, weights, allow_repeats, seed, _greedy_arrange)


def random_circles(
    members: Sequence[Member],
    min_size: int = 3,
    max_size: int = 6,
    rules: Sequence[QuestionRule] = (),
    weights: CircleWeights = CircleWeights(),
    *,
    allow_repeats: bool = False,
    seed: int = 0,
) -> Formation:
    """Baseline: a shuffle into circles (as Donut does), keeping only the hard rules."""
    return _form(members, min_size, max_size, rules, weights, allow_repeats, seed, _random_arrange)


def exact_circles(
    members: Sequence[Member],
    min_size: int = 3,
    max_size: int = 6,
    rules: Sequence[QuestionRule] = (),
    weights: CircleWeights = CircleWeights(),
    *,
    allow_repeats: bool = False,
    seed: int = 0,
    time_limit: float = 60.0,
    method: Literal["columns", "assignment"] = "columns",
) -> Formation:
    """The same problem as `form_circles` (the same people sitting out by lot) solved exactly, for small cohorts.

    `columns` (about 40 people per component in groups of up to 6): set partitioning over every allowed group,
    proven in seconds. `assignment`: group-assignment binaries x[i, g] and pair-together variables y[i, j, g];
    an independent check, but its LP bound is weak, so it proves only about a dozen people in reasonable time.
    `Formation.bound` is the solver's proof: equal to the objective when every component was proven optimal
    within `time_limit` seconds."""
    proofs: list[tuple[float, bool]] = []
    arrange = (_columns_arrange if method == "columns" else _exact_arrange)(time_limit, proofs)
    formation = _form(members, min_size, max_size, rules, weights, allow_repeats, seed, arrange)
    proven = all(p for _, p in proofs)
    bound = formation.objective if proven else sum(b for b, _ in proofs)
    return Formation(formation.circles, formation.unplaced, allow_repeats, formation.repeats_needed, bound=bound)


# --- Mentoring groups -----------------------------------------------------------------------------------------------


def form_groups(
    mentors: Sequence[Mentor],
    mentees: Sequence[Member],
    min_mentees: int = 2,
    max_mentees: int = 7,
    rules: Sequence[QuestionRule] = (),
    weights: CircleWeights = CircleWeights(),
    *,
    allow_repeats: bool = False,
    seed: int = 0,
    effort: float = 1.0,
) -> Formation:
    """Mentees into mentoring groups, each led by one mentor with min_mentees..min(max_mentees, capacity)
    mentees, in the fewest groups that hold them; mentee–mentor fit counts `mentor_fit` times a mentee pair.
    Mentors who lead no group are `spare_mentors`."""
    if not 1 <= min_mentees <= max_mentees:
        raise ValueError("group sizes need 1 ≤ min_mentees ≤ max_mentees")
    people = [m.member for m in mentors] + list(mentees)
    cohort = _cohort(people, rules, weights, allow_repeats, mentors=range(len(mentors)))
    # A group's largest size, mentor included, if this person led it.
    limit = np.array([min(m.capacity, max_mentees) + 1 for m in mentors] + [0] * len(mentees))
    circles: list[Circle] = []
    unplaced: list[tuple[int, Unplaced]] = []
    spare: list[int] = []
    blocked = False
    for number, component in enumerate(_components(cohort)):
        leads = [int(i) for i in component if i < len(mentors) and limit[i] > min_mentees]
        seekers = [int(i) for i in component if i >= len(mentors)]
        groups, left, lot, idle = _mentoring(cohort, leads, seekers, limit, min_mentees, seed + number, effort)
        spare += [people[i].member_id for i in component if i < len(mentors) and (i not in leads or i in idle)]
        circles += [_circle(cohort, g, mentor=True) for g in groups]
        reasons = [
            (i, _reason(cohort, i, groups) if groups else _no_group(cohort, i, seekers, min_mentees)) for i in left
        ]
        reasons += [(i, Unplaced.SIZES) for i in lot]
        unplaced += [(people[i].member_id, reason) for i, reason in reasons]
        blocked = blocked or any(_met_in_the_way(cohort, i, reason, component) for i, reason in reasons)
    return Formation(tuple(circles), tuple(unplaced), allow_repeats, blocked, spare_mentors=tuple(spare))


def _no_group(cohort: _Cohort, i: int, seekers: Sequence[int], min_mentees: int) -> Unplaced:
    """Why a mentee's component formed no group at all."""
    if cohort.unanswered[i]:
        return Unplaced.UNANSWERED
    if len(seekers) < min_mentees:
        return Unplaced.TOO_FEW if len(seekers) == int((~cohort.leads).sum()) else Unplaced.TOO_FEW_ALIKE
    return Unplaced.NO_MENTOR


def _mentoring(
    cohort: _Cohort,
    leads: list[int],
    seekers: list[int],
    limit: np.ndarray,
    min_mentees: int,
    seed: int,
    effort: float,
) -> tuple[list[list[int]], list[int], list[int], list[int]]:
    """(groups, each mentor first; mentees left out for the rules; mentees who sit out by lot; mentors left idle)
    for one component, searched like circles: while a hard rule is still broken, the mentee breaking the most is
    left out and the rest are searched again (those left out may trade back in)."""
    rng = np.random.default_rng(seed)
    max_size = int(limit.max(initial=1))
    weight_all, hard = cohort.weight(max_size), cohort.hard
    by_room = sorted(leads, key=lambda m: (-limit[m], m))
    placed_people, out, lot = list(seekers), list[int](), list[int]()
    while True:
        placed, count = _mentee_capacity(len(placed_people), [int(limit[m]) - 1 for m in by_room], min_mentees)
        if count == 0:
            return [], out + placed_people, lot, leads
        if placed < len(placed_people):
            # The mentors' room sits out a few by lot; later, after someone is left out for the rules, those the
            # room then cannot hold are left out too, and may trade back in.
            if out:
                extra = _most_constrained(placed_people, len(placed_people) - placed, hard)
                out += extra
            else:
                extra = _lot(np.array(placed_people), len(placed_people) - placed, seed, 1)
                lot += extra
            placed_people = [i for i in placed_people if i not in extra]
        mentors = (by_room[:count], by_room[count:])
        search, rows = _mentoring_search(
            cohort, weight_all, mentors, (placed_people, out), limit, (placed, min_mentees), rng
        )
        search.search(effort)
        groups = [[int(rows[i]) for i in g] for g in search.groups()]
        out = [int(rows[i]) for i in search.outside]
        worst = _most_conflicted(groups, hard, ~cohort.leads)
        if worst is None:
            limits = [int(limit[g[0]]) for g in groups]
            still = _insert_left(cohort, groups, out + lot, limits, max_size)
            idle = [int(rows[i]) for i in search.spare]
            return groups, [i for i in still if i in out], [i for i in still if i in lot], idle
        placed_people = [i for g in groups for i in g[1:] if i != worst]
        out.append(worst)


def _mentoring_search(
    cohort: _Cohort,
    weight_all: np.ndarray,
    mentors: tuple[list[int], list[int]],
    mentees: tuple[list[int], list[int]],
    limit: np.ndarray,
    sizes: tuple[int, int],
    rng: np.random.Generator,
) -> tuple[_Search, np.ndarray]:
    """A search over the chosen mentors' groups (seeded by the most constrained mentees), able to hand a group to
    an idle mentor and to trade those left out back in; and the cohort row of each of its people."""
    (chosen, idle), (placed_people, out) = mentors, mentees
    placed, min_mentees = sizes
    rows = np.array(chosen + idle + placed_people + out)
    weight, masks = weight_all[np.ix_(rows, rows)], cohort.masks[rows]
    first = len(chosen) + len(idle)
    inside = np.array(placed_people, dtype=np.int64)
    order = first + _constraint_order(cohort.hard[np.ix_(inside, inside)], cohort.starts[inside, 0].sum(axis=1), rng)
    targets = _mentee_targets(placed, [int(limit[m]) - 1 for m in chosen], min_mentees)
    start = _construct(
        weight, masks, cohort.level_weights, [[g] for g in range(len(chosen))], order, [t + 1 for t in targets]
    )
    lead_limit = limit[rows]
    bounds = (np.full(len(chosen), min_mentees + 1), lead_limit[: len(chosen)])
    leads = (lead_limit, list(range(len(chosen), first)))
    outside = list(range(first + len(placed_people), len(rows)))
    return _Search(weight, masks, cohort.level_weights, start, bounds, rng, leads, outside), rows


def _mentee_capacity(mentees: int, rooms: Sequence[int], min_mentees: int) -> tuple[int, int]:
    """(placed, groups): the most mentees the mentors with most room (`rooms`, largest first) can take, in the
    fewest groups."""
    for placed in range(mentees, min_mentees - 1, -1):
        for count in range(1, len(rooms) + 1):
            if count * min_mentees <= placed <= sum(rooms[:count]):
                return placed, count
    return 0, 0


def _mentee_targets(placed: int, rooms: Sequence[int], min_mentees: int) -> list[int]:
    """Group sizes as even as the mentors' room allows, summing to `placed`."""
    targets = [min_mentees] * len(rooms)
    for _ in range(placed - min_mentees * len(rooms)):
        open_groups = [g for g in range(len(rooms)) if targets[g] < rooms[g]]
        targets[min(open_groups, key=lambda g: (targets[g], g))] += 1
    return targets
