"""A program-wide round (pure): the exact optimum over every allowed pair under capacities and hard rules,
proven by its LP duals, with the true reason for everyone left unmatched."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from bot.matching import DEFAULT_WEIGHTS, SCORE_UNITS, Candidate, History, Match, score
from bot.mentor_pool import BLOCK, MentorPool
from bot.questions import Question


@dataclass(frozen=True)
class Assignment:
    mentee: Candidate
    match: Match


class Unmatched(StrEnum):
    """Why a round left a mentee without a mentor, each checked against the round's final assignment."""

    PAUSED = "they are paused"
    NO_FREE_SLOTS = "no mentor is taking mentees right now: every one is full or paused"
    NOT_ALLOWED = (
        "no mentor with a free slot is allowed for them (themselves, a do-not-match, a current partner "
        "or a mentor who declined them)"
    )
    FILLED = "every mentor who may be matched with them was filled by this round, which maximised everyone's total fit"
    ONLY_PAST_PARTNERS_FREE = (
        "every new mentor who may be matched with them was filled by this round, which maximised everyone's total "
        "fit; the past partners who still have a slot are only matched when no new mentor fits"
    )
    NO_FIT = "the mentors who may be matched with them and still have a slot fit them 0% under the program's weights"


@dataclass(frozen=True)
class Round:
    assignments: list[Assignment]
    unmatched: list[tuple[Candidate, Unmatched]]
    # The duals' proof: no assignment under the capacities and hard rules can total more than this.
    bound: float = 0.0

    @property
    def total_score(self) -> float:
        return sum(a.match.score for a in self.assignments)

    @property
    def average_score(self) -> float:
        return self.total_score / len(self.assignments) if self.assignments else 0.0


# Forbidden pairs sit below any reduced cost an allowed pair can have (fit − u − v ≥ −2 × SCORE_UNITS), and
# fit − u − v stays inside int16 for them too.
_NOT_ALLOWED = -12_000
# Measured on the benchmark's cohorts: they keep each restricted problem small and the pricings few.
_FIRST_PER_MENTEE = 3  # a mentee's best mentors in the first restricted problem
_PER_SLOT = 3  # at each pricing, a mentor's best mentees with a positive reduced cost, per free slot…
_ADDED_PER_MENTEE = 6  # …and every mentee's best arcs by reduced cost…
_NEAR_TIGHT = 300  # …among those at most this far below tight (in score units)


def plan_round(
    mentees: Sequence[Candidate],
    mentors: Sequence[Candidate],
    histories: Mapping[int, History],
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    questions: Sequence[Question] = (),
) -> Round:
    """Assign mentees to mentors with the largest total score any assignment can reach under mentor capacities
    and the hard rules (past partners only for a mentee nobody new may be matched with).

    Every pair is considered (see `_optimal_assignment`), and `Round.bound` is the dual proof of optimality.
    """
    if not mentees:
        return Round([], [])
    pool = MentorPool(mentors, questions)
    slots = np.where(pool._usable, [m.free_slots for m in mentors], 0).astype(np.int64)
    if not slots.any():
        return Round([], [(m, _no_slots_reason(m)) for m in mentees])
    fits = _fit_units(pool, mentees, histories, weights)
    mentor_of, bound = _optimal_assignment(fits, slots)
    room = slots - np.bincount(mentor_of[mentor_of >= 0], minlength=len(mentors))
    assignments: list[Assignment] = []
    unmatched: list[tuple[Candidate, Unmatched]] = []
    for row, mentee in enumerate(mentees):
        history = histories.get(mentee.person_id, History())
        if mentor_of[row] >= 0:
            mentor = mentors[int(mentor_of[row])]
            match = replace(
                score(mentee, mentor, weights, None, pool.questions), repeat=mentor.person_id in history.past
            )
            assignments.append(Assignment(mentee, match))
        else:
            unmatched.append((mentee, _unmatched_reason(pool, mentee, history, fits[row], room)))
    return Round(assignments, unmatched, bound / SCORE_UNITS)


def _no_slots_reason(mentee: Candidate) -> Unmatched:
    return Unmatched.NO_FREE_SLOTS if mentee.active else Unmatched.PAUSED


def _unmatched_reason(
    pool: MentorPool, mentee: Candidate, history: History, fits: np.ndarray, room: np.ndarray
) -> Unmatched:
    """The true reason, read off the final assignment: what the hard rules allow them and who still has room."""
    allowed = fits >= 0
    if not allowed.any():
        return Unmatched.NOT_ALLOWED if mentee.active else Unmatched.PAUSED
    if (allowed & (room > 0)).any():
        return Unmatched.NO_FIT  # by optimality those pairs score 0, or the round would have made them
    if (pool.allowed_mask(mentee, history) & (room > 0)).any():
        return Unmatched.ONLY_PAST_PARTNERS_FREE
    return Unmatched.FILLED


def _fit_units(
    pool: MentorPool, mentees: Sequence[Candidate], histories: Mapping[int, History], weights: Mapping[str, float]
) -> np.ndarray:
    """Every mentee × mentor score in units of 1/SCORE_UNITS, `_NOT_ALLOWED` where the hard rules forbid it."""
    fits = np.empty((len(mentees), len(pool.mentors)), dtype=np.int16)
    for first in range(0, len(mentees), BLOCK):
        block = mentees[first : first + BLOCK]
        units = pool.score_units(block, weights)
        allowed = [pool._candidates(m, histories.get(m.person_id, History()), None)[0] for m in block]
        fits[first : first + len(block)] = np.where(np.array(allowed).reshape(units.shape), units, _NOT_ALLOWED)
    return fits


def _optimal_assignment(fits: np.ndarray, slots: np.ndarray) -> tuple[np.ndarray, int]:
    """The mentor row of each mentee (-1: unmatched) in an assignment of the largest total fit, and its proof.

    Column generation: solve exactly on a few arcs; read the duals (u per mentee, v per mentor) off that solution;
    price every allowed pair (reduced cost fit − u − v); add the pairs that could improve the total and repeat.
    When no pair prices out, (u, v) is feasible for the whole problem and its bound Σu + Σ slots·v equals the
    total, so nothing scores more. Arcs only grow, so this ends.
    """
    arcs = _first_arcs(fits)
    while True:
        mentor_of = _assign(fits, slots, arcs)
        prices = _slot_prices(fits, slots, arcs, mentor_of)
        matched = mentor_of >= 0
        own = np.where(matched, fits[np.arange(len(fits)), np.maximum(mentor_of, 0)], 0).astype(np.int64)
        mentee_duals = own - np.where(matched, prices[np.maximum(mentor_of, 0)], 0)
        added = _improving_arcs(fits, slots, mentee_duals, prices)
        if added.size == 0:
            bound = int(mentee_duals.sum() + (slots * prices).sum())
            if bound != int(own.sum()):
                raise RuntimeError("the duals do not prove the round optimal")
            return mentor_of, bound
        arcs = np.union1d(arcs, added)


def _first_arcs(fits: np.ndarray) -> np.ndarray:
    """Arc keys (mentee × mentors + mentor) for the first problem: each mentee's best mentors."""
    arcs = [np.zeros(0, dtype=np.int64)]
    for first in range(0, len(fits), BLOCK):
        block = fits[first : first + BLOCK]
        arcs.append(_best_per_row(block, first + np.arange(len(block)), _FIRST_PER_MENTEE, floor=0))
    return np.unique(np.concatenate(arcs))


def _best_per_row(values: np.ndarray, rows: np.ndarray, count: int, floor: int) -> np.ndarray:
    """Arc keys of each row's `count` largest values among those at least `floor` (`rows`: each row's mentee)."""
    width = values.shape[1]
    count = min(count, width)
    eligible = values >= floor
    crowded = eligible.sum(axis=1) > count
    few_rows, few_columns = np.nonzero(eligible & ~crowded[:, None])
    # int32: numpy partitions it several times faster than the int16 the fits are stored in
    top = np.argpartition(values[crowded].astype(np.int32), -count, axis=1)[:, -count:]
    keys: np.ndarray = np.concatenate(
        [rows[few_rows] * width + few_columns, (rows[crowded][:, None] * width + top).reshape(-1)]
    ).astype(np.int64)
    return keys


class _BestMentees:
    """Each mentor's best mentees by a value (`_PER_SLOT` per free slot), gathered over blocks of mentees.

    Ties go to different mentees for different mentors (a rotation), so that when many mentees are alike the
    mentors reach many of them rather than all the same few.
    """

    def __init__(self, mentees: int, slots: np.ndarray) -> None:
        self._mentees = mentees
        self._slots = slots
        self._keep = min(_PER_SLOT * int(slots.max()), mentees)
        # A key is value × mentees + rotation; int32 holds it for any cohort under 200,000 mentees, and is faster.
        self._key_type = np.int32 if mentees * (SCORE_UNITS + 2) < 2**31 else np.int64
        self._turn = (np.arange(len(slots)) * max(1, mentees // len(slots)) % mentees).astype(self._key_type)
        self._columns: list[np.ndarray] = []
        self._keys: list[np.ndarray] = []

    def add(self, values: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> None:
        """Take `values` of mentees `rows` (global) × mentors `columns`; negative values never count."""
        rotation = rows.astype(self._key_type)[:, None] + self._turn[columns][None, :]
        np.subtract(rotation, self._mentees, out=rotation, where=rotation >= self._mentees)
        keys: np.ndarray = values.astype(self._key_type)
        keys *= self._mentees
        keys += rotation
        keys[values < 0] = -1
        top = np.sort(keys, axis=0)[-min(self._keep, len(rows)) :]
        counted = top >= 0
        self._keys.append(top[counted].astype(np.int64))
        self._columns.append(np.broadcast_to(columns[None, :], top.shape)[counted])

    def arcs(self) -> np.ndarray:
        """Arc keys of each mentor's best mentees found so far."""
        keys, columns = (
            np.concatenate([np.zeros(0, np.int64), *self._keys]),
            np.concatenate([np.zeros(0, np.int64), *self._columns]),
        )
        order = np.lexsort((-keys, columns))
        keys, columns = keys[order], columns[order]
        rank = np.arange(len(columns)) - np.searchsorted(columns, columns)
        keep = rank < _PER_SLOT * self._slots[columns]
        rows = (keys[keep] % self._mentees - self._turn[columns[keep]]) % self._mentees
        arcs: np.ndarray = rows * len(self._slots) + columns[keep]
        return arcs


def _assign(fits: np.ndarray, slots: np.ndarray, arcs: np.ndarray) -> np.ndarray:
    """The exact best assignment using only `arcs` (and no 0% pair): each free slot is a row, matched to a mentee
    or to its own "stays empty" column. scipy's LAPJVsp minimises SCORE_UNITS + 1 − fit: positive, since the
    solver drops zero entries."""
    n, m = fits.shape
    mentee, mentor = np.divmod(arcs, m)
    worth = fits[mentee, mentor] > 0  # a 0% pair adds nothing, so nobody is proposed one
    mentee, mentor = mentee[worth], mentor[worth]
    first_slot = np.concatenate(([0], np.cumsum(slots)))
    n_slots = int(first_slot[-1])
    per_arc = slots[mentor]
    slot = (
        np.repeat(first_slot[mentor], per_arc)
        + np.arange(per_arc.sum())
        - np.repeat(np.cumsum(per_arc) - per_arc, per_arc)
    )
    cost = SCORE_UNITS + 1.0 - np.repeat(fits[mentee, mentor], per_arc)
    graph = csr_array(
        (
            np.concatenate([cost, np.full(n_slots, SCORE_UNITS + 1.0)]),
            (
                np.concatenate([slot, np.arange(n_slots)]),
                np.concatenate([np.repeat(mentee, per_arc), n + np.arange(n_slots)]),
            ),
        ),
        shape=(n_slots, n + n_slots),
    )
    slot_rows, columns = min_weight_full_bipartite_matching(graph)
    taken = columns < n
    mentor_of = np.full(n, -1, dtype=np.int64)
    mentor_of[columns[taken]] = np.repeat(np.arange(m), slots)[slot_rows[taken]]
    return mentor_of


def _slot_prices(fits: np.ndarray, slots: np.ndarray, arcs: np.ndarray, mentor_of: np.ndarray) -> np.ndarray:
    """Each mentor's dual v: the least total fit lost to free one of its slots, by leaving one of its mentees
    unmatched or moving one along `arcs` to another mentor and freeing a slot there (Bellman-Ford over mentors;
    0 for a mentor with room). For an assignment that is optimal on `arcs` these are optimal duals."""
    m = fits.shape[1]
    matched = np.flatnonzero(mentor_of >= 0)
    drop = np.full(m, SCORE_UNITS, dtype=np.int64)
    np.minimum.at(drop, mentor_of[matched], fits[matched, mentor_of[matched]])
    prices = np.where(np.bincount(mentor_of[matched], minlength=m) < slots, 0, drop)
    mentee, mentor = np.divmod(arcs, m)
    here = mentor_of[mentee]
    moves = np.flatnonzero((here >= 0) & (here != mentor))
    order = moves[np.argsort(here[moves], kind="stable")]
    src, dst = here[order], mentor[order]
    if src.size == 0:
        return prices
    loss = fits[mentee[order], src].astype(np.int64) - fits[mentee[order], dst]
    starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
    heads = src[starts]
    for _ in range(m + 1):
        lowered = np.minimum(prices[heads], np.minimum.reduceat(loss + prices[dst], starts))
        if np.array_equal(lowered, prices[heads]):
            return prices
        prices[heads] = lowered
    raise RuntimeError("a negative cycle: the restricted assignment was not optimal")


def _improving_arcs(fits: np.ndarray, slots: np.ndarray, mentee_duals: np.ndarray, prices: np.ndarray) -> np.ndarray:
    """Every allowed pair priced with the duals (reduced cost fit − u − v). Empty when none is positive: then the
    duals are feasible everywhere. Otherwise the arcs to add: every mentee's best arcs near tight (where the
    next solution's changes are likely), and the best mentees of each mentor that has a positive one."""
    best = _BestMentees(len(fits), slots)
    arcs = [np.zeros(0, dtype=np.int64)]
    v = prices.astype(np.int16)
    for first in range(0, len(fits), BLOCK):
        reduced = fits[first : first + BLOCK] - v
        reduced -= mentee_duals[first : first + BLOCK, None].astype(np.int16)
        rows = first + np.arange(len(reduced))
        arcs.append(_best_per_row(reduced, rows, _ADDED_PER_MENTEE, floor=-_NEAR_TIGHT))
        improving = reduced > 0
        down, across = np.flatnonzero(improving.any(axis=1)), np.flatnonzero(improving.any(axis=0))
        if down.size:
            best.add(np.where(improving, reduced, -1)[np.ix_(down, across)], rows[down], across)
    improvable = best.arcs()
    if improvable.size == 0:
        return improvable
    return np.union1d(np.concatenate(arcs), improvable)
