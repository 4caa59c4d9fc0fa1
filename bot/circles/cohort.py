"""The cohort as matrices: everyone's pair affinity and hard rules, the weekly hours as bit masks, and the
component and size arithmetic every former shares."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from bot.circles.hours import HOURS_PER_WEEK
from bot.circles.model import CircleWeights, Member, QuestionRule
from bot.circles.scoring import answer_set

EVERY_BIT = np.uint64(2**64 - 1)
EPS = 1e-7  # gains below this are rounding, not improvement


@dataclass(frozen=True)
class Cohort:
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


def build_cohort(
    members: Sequence[Member],
    rules: Sequence[QuestionRule],
    weights: CircleWeights,
    allow_repeats: bool,
    mentors: Iterable[int] = (),
) -> Cohort:
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
    return Cohort(
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


def window_bonus(masks: np.ndarray, level_weights: np.ndarray) -> np.ndarray:
    """Each member's hour bonus for groups with these common-window masks (..., levels, 3)."""
    # The three words OR-ed directly: numpy's any() over a short last axis is several times slower.
    reached = (masks[..., 0] | masks[..., 1] | masks[..., 2]) != 0
    bonus: np.ndarray = reached @ level_weights
    return bonus


def components(cohort: Cohort) -> list[np.ndarray]:
    """Groups of people who can be linked through must-match answers in common; no group crosses two."""
    n = len(cohort.members)
    if not cohort.mismatch.any():
        return [np.arange(n)]
    count, labels = connected_components(csr_array(~cohort.mismatch), directed=False)
    return [np.flatnonzero(labels == c) for c in range(count)]


def capacity(people: int, min_size: int, max_size: int) -> tuple[int, int]:
    """(placed, groups): the most people that fit in groups of min_size..max_size, in the fewest groups."""
    for placed in range(people, min_size - 1, -1):
        groups = -(-placed // max_size)
        if groups * min_size <= placed:
            return placed, groups
    return 0, 0


def drawn_by_lot(people: np.ndarray, count: int, seed: int, number: int) -> list[int]:
    """Who sits out when the sizes cannot hold everyone: the same draw for every method given the seed."""
    if count <= 0:
        return []
    chosen = np.random.default_rng([seed, number]).choice(np.sort(people), size=count, replace=False)
    return [int(i) for i in chosen]
