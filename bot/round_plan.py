"""A program-wide round (pure): the exact optimum over every allowed pair under capacities and hard rules, for
one mentor per mentee or several (a number, or one of each kind), proven by its LP duals, with the true reason
for everyone left unmatched or given fewer mentors than they want."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from bot.matching import DEFAULT_WEIGHTS, SCORE_UNITS, Candidate, History, Match, score
from bot.mentor_pool import BLOCK, MentorPool
from bot.questions import Question


@dataclass(frozen=True)
class Wanted:
    """How many more mentors a mentee wants from this round."""

    count: int = 1
    # When not empty: one more mentor of each of these kinds (and `count` is ignored).
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    mentee: Candidate
    match: Match


class Unmatched(StrEnum):
    """Why a round left a mentee without a mentor (or without some of the mentors they want), each checked
    against the round's final assignment."""

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
    NO_FREE_SLOTS_OF_KIND = (
        "no mentor of the kind they asked for is taking mentees right now: every one is full or paused"
    )
    NOT_ALLOWED_OF_KIND = (
        "no mentor of the kind they asked for with a free slot is allowed for them (themselves, a do-not-match, "
        "a current partner or a mentor who declined them)"
    )
    ALREADY_THEIRS = "every mentor who may be matched with them is already their mentor from this round"


@dataclass(frozen=True)
class Round:
    assignments: list[Assignment]
    unmatched: list[tuple[Candidate, Unmatched]]
    # The duals' proof: no assignment under the capacities and hard rules can total more than this.
    bound: float = 0.0
    # Mentees who got some mentors but fewer than they want: how many they got, and why not the rest.
    short: list[tuple[Candidate, int, Unmatched]] = field(default_factory=list)

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
# For several mentors per mentee: at each pricing, a want's best arcs with a positive reduced cost, per mentor it
# wants (and, as above, `_PER_SLOT` per mentor's free slot).
_ADDED_PER_WANT = 3


def plan_round(
    mentees: Sequence[Candidate],
    mentors: Sequence[Candidate],
    histories: Mapping[int, History],
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    questions: Sequence[Question] = (),
    *,
    wants: Mapping[int, Wanted] | None = None,
    kind_question: str = "",
) -> Round:
    """Assign mentees to mentors with the largest total score any assignment can reach under mentor capacities
    and the hard rules (past partners only for a mentee nobody new may be matched with).

    Each mentee gets at most what they want (`wants`, by person; one mentor when missing), never the same mentor
    twice; a mentor's kind is their alphabetically first answer to `kind_question` ("" for none: they fill only
    a want of any kind), and a want of a kind only takes mentors of that kind.
    Every pair is considered, and `Round.bound` is the dual proof of optimality.
    """
    wanted = wants or {}
    _check_wants(wanted.values(), kind_question)
    asked = [wanted.get(m.person_id, Wanted()) for m in mentees]
    if not mentees:
        return Round([], [])
    pool = MentorPool(mentors, questions)
    slots = np.where(pool._usable, [m.free_slots for m in mentors], 0).astype(np.int64)
    if not slots.any():
        return Round([], [(m, _no_slots_reason(m)) for m in mentees])
    fits = _fit_units(pool, mentees, histories, weights)
    want_rows = _WantRows(mentors, kind_question, asked)
    if all(want == Wanted() for want in asked):
        mentor_of, bound = _optimal_assignment(fits, slots)
        rows = np.flatnonzero(mentor_of >= 0)
        arcs = rows * len(mentors) + mentor_of[rows]
    else:
        arcs, bound = _optimal_b_matching(fits, slots, want_rows)
    return _round(pool, mentees, asked, histories, weights, fits, slots, want_rows, arcs, bound)


def _check_wants(wants: Iterable[Wanted], kind_question: str) -> None:
    """Refuse wants the round cannot mean: kinds with no question of kinds, a kind twice or unnamed, no mentor."""
    for want in wants:
        if want.kinds and not kind_question:
            raise ValueError("a mentee asks for mentors by kind, but the round has no question of kinds")
        if any(not kind for kind in want.kinds) or len(set(want.kinds)) < len(want.kinds):
            raise ValueError(f"the kinds a mentee wants must be named and different: {want.kinds}")
        if not want.kinds and want.count < 1:
            raise ValueError(f"a mentee in a round wants at least one mentor, not {want.count}")


class _WantRows:
    """Mentor kinds as numbers, and each mentee's wants as rows of the round's problem: a mentee who wants a
    number of mentors has one row (any kind), one who wants kinds has a row per kind (demand 1 each)."""

    def __init__(self, mentors: Sequence[Candidate], kind_question: str, asked: Sequence[Wanted]) -> None:
        named = [m.kind(kind_question) for m in mentors]
        vocabulary = sorted({k for k in named if k} | {k for want in asked for k in want.kinds})
        code = {kind: c for c, kind in enumerate(vocabulary)}
        # A mentor without a kind gets the last column, which only a mentee's any-kind row covers.
        self.kind_of_mentor = np.array([code.get(k, len(vocabulary)) for k in named], dtype=np.int64)
        self.code = code
        # The want row each mentee's arcs to a mentor of each kind go to (-1: none).
        self.row_for = np.full((len(asked), len(vocabulary) + 1), -1, dtype=np.int64)
        demand: list[int] = []
        for mentee, want in enumerate(asked):
            if want.kinds:
                self.row_for[mentee, [code[k] for k in want.kinds]] = len(demand) + np.arange(len(want.kinds))
                demand += [1] * len(want.kinds)
            else:
                self.row_for[mentee] = len(demand)
                demand.append(want.count)
        self.demand = np.array(demand, dtype=np.int64)

    def of_arcs(self, mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
        """The want row of each arc (mentee row, mentor row): -1 where the mentor fills none of the mentee's wants."""
        rows: np.ndarray = self.row_for[mentee, self.kind_of_mentor[mentor]]
        return rows

    def could_fill(self, want: Wanted, theirs: np.ndarray) -> np.ndarray:
        """The mentors who could fill what is left of `want` once the mentee has the mentors `theirs`."""
        if not want.kinds:
            return np.ones(len(self.kind_of_mentor), dtype=bool)
        left = {self.code[k] for k in want.kinds} - set(self.kind_of_mentor[theirs].tolist())
        return np.isin(self.kind_of_mentor, list(left))


def _round(
    pool: MentorPool,
    mentees: Sequence[Candidate],
    asked: Sequence[Wanted],
    histories: Mapping[int, History],
    weights: Mapping[str, float],
    fits: np.ndarray,
    slots: np.ndarray,
    want_rows: _WantRows,
    arcs: np.ndarray,
    bound: int,
) -> Round:
    """The round's assignments (each mentee's best first), and why those who got fewer than they want did."""
    n, m = fits.shape
    mentee_of, mentor_of = np.divmod(arcs, m)
    best_first = np.lexsort((mentor_of, -fits[mentee_of, mentor_of], mentee_of))
    room = slots - np.bincount(mentor_of, minlength=m)
    starts = np.searchsorted(mentee_of[best_first], np.arange(n + 1)).tolist()
    mentor_rows = mentor_of[best_first].tolist()
    assignments: list[Assignment] = []
    unmatched: list[tuple[Candidate, Unmatched]] = []
    short: list[tuple[Candidate, int, Unmatched]] = []
    for row, mentee in enumerate(mentees):
        history = histories.get(mentee.person_id, History())
        theirs = mentor_rows[starts[row] : starts[row + 1]]
        for column in theirs:
            mentor = pool.mentors[column]
            match = score(mentee, mentor, weights, None, pool.questions)
            assignments.append(Assignment(mentee, replace(match, repeat=mentor.person_id in history.past)))
        want = asked[row]
        if len(theirs) < (len(want.kinds) or want.count):
            taken = np.array(theirs, dtype=np.int64)
            reason = _unfilled_reason(pool, mentee, history, fits[row], room, want_rows.could_fill(want, taken), taken)
            if len(theirs):
                short.append((mentee, len(theirs), reason))
            else:
                unmatched.append((mentee, reason))
    return Round(assignments, unmatched, bound / SCORE_UNITS, short)


def _no_slots_reason(mentee: Candidate) -> Unmatched:
    return Unmatched.NO_FREE_SLOTS if mentee.active else Unmatched.PAUSED


def _unfilled_reason(
    pool: MentorPool,
    mentee: Candidate,
    history: History,
    fits: np.ndarray,
    room: np.ndarray,
    could_fill: np.ndarray,
    theirs: np.ndarray,
) -> Unmatched:
    """The true reason, read off the final assignment, judged over the mentors who could fill what the mentee
    still wants (of a kind they asked for, and not theirs already): what the hard rules allow and who has room."""
    if not mentee.active:
        return Unmatched.PAUSED
    if not (pool._usable & could_fill).any():
        return Unmatched.NO_FREE_SLOTS_OF_KIND if pool._usable.any() else Unmatched.NO_FREE_SLOTS
    hard_rules = pool.allowed_mask(mentee, history)
    if not (hard_rules & could_fill).any():
        return Unmatched.NOT_ALLOWED_OF_KIND if hard_rules.any() else Unmatched.NOT_ALLOWED
    others = could_fill.copy()
    others[theirs] = False
    if not (hard_rules & others).any():
        return Unmatched.ALREADY_THEIRS
    open_to_them = others & (room > 0)
    if ((fits >= 0) & open_to_them).any():
        return Unmatched.NO_FIT  # by optimality those pairs score 0, or the round would have made them
    if (hard_rules & open_to_them).any():
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


def _optimal_b_matching(fits: np.ndarray, slots: np.ndarray, want_rows: _WantRows) -> tuple[np.ndarray, int]:
    """Arc keys (mentee × mentors + mentor) of an assignment of the largest total fit where each want gets at most
    its demand, each mentor at most its free slots and each pair at most once, and its proof.

    That is a flow (its constraint matrix is a network's, totally unimodular), so the LP's vertices are integral.
    Column generation: solve the LP on a few arcs at a vertex (HiGHS' dual simplex); take the duals (u per want,
    v per mentor) the flow's shortest paths give that solution (`_want_and_slot_prices`); price every allowed pair
    (reduced cost fit − u − v); add the improving ones and repeat. When none prices out, Σ demand·u + Σ slots·v
    plus every pair's max(0, fit − u − v) bounds any assignment (weak duality) and equals the total. Arcs only
    grow, so this ends.
    """
    n, m = fits.shape
    in_problem = np.zeros(n * m, dtype=bool)
    arcs, taken = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    want_duals, slot_prices = np.zeros(len(want_rows.demand), dtype=np.int64), np.zeros(m, dtype=np.int64)
    while (added := _priced_arcs(fits, slots, want_rows, want_duals, slot_prices, in_problem)).size:
        in_problem[added] = True
        arcs = np.flatnonzero(in_problem)
        taken = _solve_restricted(fits, slots, want_rows, arcs)
        want_duals, slot_prices = _want_and_slot_prices(fits, slots, want_rows, arcs, taken)
    mentee, mentor = np.divmod(arcs, m)
    above = fits[mentee, mentor] - want_duals[want_rows.of_arcs(mentee, mentor)] - slot_prices[mentor]
    bound = int(want_rows.demand @ want_duals + slots @ slot_prices + np.maximum(above, 0).sum())
    chosen = arcs[taken]
    if (slot_prices < 0).any() or bound != int(fits.reshape(-1)[chosen].sum()):
        raise RuntimeError("the duals do not prove the round optimal")
    return chosen, bound


def _want_and_slot_prices(
    fits: np.ndarray, slots: np.ndarray, want_rows: _WantRows, arcs: np.ndarray, taken: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Duals of an assignment optimal on `arcs` (`taken`: the arcs it uses), each mentor's v as high as they go:
    the least total fit lost to free one of its slots, by dropping one of its mentees' arcs or moving that want
    along `arcs` to another mentor and freeing a slot there (Bellman-Ford over mentors; 0 for a mentor with room);
    each want's u, the most it gains from one more mentor at those prices. High slot prices leave the mentees who
    lost out with nothing to gain from those mentors, so few pairs price out next (an LP's own duals, at some
    vertex of a degenerate dual, can price thousands of tied mentees out at each round)."""
    m = fits.shape[1]
    mentee, mentor = np.divmod(arcs, m)
    want = want_rows.of_arcs(mentee, mentor)
    fit = fits[mentee, mentor].astype(np.int64)
    full = np.bincount(mentor[taken], minlength=m) >= slots
    dropped = np.full(m, SCORE_UNITS, dtype=np.int64)
    np.minimum.at(dropped, mentor[taken], fit[taken])
    prices = np.where(full & (slots > 0), dropped, 0)
    free = ~taken
    for _ in range(m + 1):
        gains = np.zeros(len(want_rows.demand), dtype=np.int64)
        np.maximum.at(gains, want[free], fit[free] - prices[mentor[free]])
        moved = np.full(m, SCORE_UNITS, dtype=np.int64)
        np.minimum.at(moved, mentor[taken], fit[taken] - gains[want[taken]])
        lowered = np.where(full & (slots > 0), np.minimum(prices, moved), 0)
        if np.array_equal(lowered, prices):
            return gains, prices
        prices = lowered
    raise RuntimeError("a negative cycle: the restricted assignment was not optimal")


def _priced_arcs(
    fits: np.ndarray,
    slots: np.ndarray,
    want_rows: _WantRows,
    want_duals: np.ndarray,
    slot_prices: np.ndarray,
    in_problem: np.ndarray,
) -> np.ndarray:
    """Every allowed pair outside the restricted problem priced with the duals (reduced cost fit − u − v). Empty
    when none is positive; otherwise the improving arcs that join: each want's best (`_ADDED_PER_WANT` per mentor
    it wants) and each mentor's best (`_PER_SLOT` per free slot), the latter gathered block by block."""
    n, m = fits.shape
    # A pair whose mentor fills none of the mentee's wants is "row -1": priced above any fit, so never improving.
    # Duals stay within 0..SCORE_UNITS + 1, so fit − u − v fits int16 even for a forbidden pair (and is faster).
    duals = np.append(want_duals, SCORE_UNITS + 1).astype(np.int16)
    prices = slot_prices.astype(np.int16)
    per_mentor = _PER_SLOT * slots
    joining, keys, values = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for first in range(0, n, BLOCK):
        rows = want_rows.row_for[first : first + BLOCK][:, want_rows.kind_of_mentor]
        reduced = fits[first : first + BLOCK] - prices - duals[rows]
        improving = (reduced > 0) & ~in_problem[first * m : (first + len(rows)) * m].reshape(reduced.shape)
        down, mentor = np.nonzero(improving)
        mentee, value, want = first + down, reduced[down, mentor], rows[down, mentor]
        key = mentee * m + mentor
        # Ties go round: different mentees first reach different mentors and the other way round, so that when
        # many mentees are alike each pricing reaches many mentors rather than all the same few.
        to_mentee = (mentor - mentee * max(1, m // n)) % m
        joining.append(key[_best_in_groups(want, value, to_mentee, _ADDED_PER_WANT * want_rows.demand[want])])
        best = _best_in_groups(mentor, value, (mentee - mentor * max(1, n // m)) % n, per_mentor[mentor])
        keys.append(key[best])
        values.append(value[best])
    key, value = np.concatenate(keys), np.concatenate(values)
    mentee, mentor = np.divmod(key, m)
    joining.append(key[_best_in_groups(mentor, value, (mentee - mentor * max(1, n // m)) % n, per_mentor[mentor])])
    return np.concatenate(joining)


def _best_in_groups(groups: np.ndarray, values: np.ndarray, ties: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Where each entry ranks among the `keep` largest values of its group (among equal values, lower `ties`).

    `values` are reduced costs in 1..SCORE_UNITS and (group, tie) tells entries apart, so one int64 key sorts them
    (several times faster than a lexsort of the three)."""
    span = int(ties.max(initial=0)) + 1
    order = np.argsort((groups * SCORE_UNITS + (SCORE_UNITS - values)) * span + ties)
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    best = np.zeros(len(order), dtype=bool)
    best[order] = rank < keep[order]
    return best


def _solve_restricted(fits: np.ndarray, slots: np.ndarray, want_rows: _WantRows, arcs: np.ndarray) -> np.ndarray:
    """The LP on `arcs` alone (each arc 0..1, a row per want with its demand and per mentor with its free slots),
    solved at a vertex: where it takes each arc."""
    m = fits.shape[1]
    mentee, mentor = np.divmod(arcs, m)
    want = want_rows.of_arcs(mentee, mentor)
    wants = len(want_rows.demand)
    columns = np.tile(np.arange(len(arcs)), 2)
    matrix = csr_array(
        (np.ones(2 * len(arcs)), (np.concatenate([want, wants + mentor]), columns)), shape=(wants + m, len(arcs))
    )
    result = linprog(
        -fits[mentee, mentor].astype(np.float64),
        A_ub=matrix,
        b_ub=np.concatenate([want_rows.demand, slots]),
        bounds=(0, 1),
        method="highs-ds",
    )
    if result.status != 0:
        raise RuntimeError(f"the round's restricted problem was not solved: {result.message}")
    x = np.asarray(result.x)
    if np.abs(x - np.rint(x)).max(initial=0.0) > 1e-6:
        raise RuntimeError("the round's restricted problem stopped off a vertex")
    taken: np.ndarray = x > 0.5
    return taken
