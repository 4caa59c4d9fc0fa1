"""Match scoring and program-wide assignment: pure functions, no I/O.

A score is a weighted mean of factors in [0, 1] (topics, seniority, shared working hours, free capacity,
language, department), and every score carries the plain-words reasons behind it. A round (`plan_round`) is the
exact optimum over every allowed pair, proven by its LP duals, and says truly why anyone is left unmatched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "topics": 0.40,
    "seniority": 0.15,
    "hours": 0.20,
    "capacity": 0.10,
    "language": 0.10,
    "department": 0.05,
}
FACTORS = tuple(DEFAULT_WEIGHTS)
FULL_HOURS_OVERLAP = 3.0
SCORE_UNITS = 10_000  # scores carry four decimals, so a round is solved and proven in exact integers
# Below this score a match is shown as a weak fit: worth a look only when nobody fits better.
WEAK_FIT = 0.5
# Synonyms and abbreviations people commonly type, folded to one spelling.
SYNONYMS: Mapping[str, str] = {
    "ml": "machine learning",
    "ai": "artificial intelligence",
    "js": "javascript",
    "ts": "typescript",
    "py": "python",
    "k8s": "kubernetes",
    "pm": "product management",
    "ux": "user experience",
    "ui": "user interface",
    "presenting": "public speaking",
    "presentations": "public speaking",
    "leadership": "leading a team",
    "people management": "leading a team",
    "management": "leading a team",
    "career": "career growth",
    "career development": "career growth",
}
_SEPARATORS = re.compile(r"[\s_\-/]+")
_REFERENCE_DAY = date(2026, 1, 7)  # a Wednesday away from any DST switch


def normalise_topic(tag: str) -> str:
    """Case, spacing, hyphens and common synonyms folded, so "ML", "machine-learning" and "ml" agree."""
    folded = _SEPARATORS.sub(" ", tag.lower()).strip()
    return SYNONYMS.get(folded, folded)


def topic_set(tags: Iterable[str]) -> frozenset[str]:
    return frozenset(normalise_topic(t) for t in tags if t.strip())


@dataclass(frozen=True)
class Candidate:
    """What matching needs to know about one person."""

    person_id: int
    user_id: str
    name: str
    seniority: int
    timezone: str
    work_start_minute: int
    work_end_minute: int
    expertise: frozenset[str] = frozenset()
    goals: frozenset[str] = frozenset()
    free_slots: int = 0
    capacity: int = 0
    languages: frozenset[str] = frozenset()
    department: str = ""
    do_not_match: frozenset[str] = frozenset()
    active: bool = True


@dataclass(frozen=True)
class History:
    """Who the mentee is paired with now, was paired with before, and which mentors declined them."""

    current: frozenset[int] = frozenset()
    past: frozenset[int] = frozenset()
    declined: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Match:
    mentor: Candidate
    score: float
    reasons: tuple[str, ...]
    factors: Mapping[str, float] = field(default_factory=dict)
    repeat: bool = False
    # What this mentor does not offer the mentee (no shared topic, no shared hours, …), said as plainly.
    missing: tuple[str, ...] = ()

    @property
    def weak(self) -> bool:
        return self.score < WEAK_FIT


def allowed(mentee: Candidate, mentor: Candidate, history: History) -> bool:
    """The hard rules: never yourself, a paused person, a do-not-match, a current partner, a mentor who
    declined this mentee, or a full mentor."""
    return (
        mentee.person_id != mentor.person_id
        and mentee.active
        and mentor.active
        and mentor.free_slots > 0
        and mentor.user_id not in mentee.do_not_match
        and mentee.user_id not in mentor.do_not_match
        and mentor.person_id not in history.current
        and mentor.person_id not in history.declined
    )


@lru_cache(maxsize=1024)
def utc_offset_minutes(timezone: str) -> int:
    """The zone's offset from UTC on a reference weekday (unknown zones count as UTC)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    offset = datetime.combine(_REFERENCE_DAY, time(12), zone).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def utc_window(person: Candidate) -> tuple[int, int]:
    """The working day in minutes after midnight UTC of the reference day (may be negative or past 1440)."""
    offset = utc_offset_minutes(person.timezone)
    return person.work_start_minute - offset, person.work_end_minute - offset


def _overlap_minutes(a: tuple[int, int], b: tuple[int, int]) -> int:
    # A window can fall on the neighbouring UTC day, so compare against the other shifted by a day each way.
    return max(max(0, min(a[1], b[1] + shift) - max(a[0], b[0] + shift)) for shift in (-1440, 0, 1440))


def shared_hours(a: Candidate, b: Candidate) -> float:
    """Hours both people are at work on the same weekday, across their time zones."""
    return _overlap_minutes(utc_window(a), utc_window(b)) / 60


def _seniority_fit(gap: int) -> float:
    if gap <= -1:
        return 0.0
    return {0: 0.2, 1: 1.0, 2: 1.0, 3: 0.6}.get(gap, 0.3)


def _seniority_reason(gap: int) -> str:
    """Career levels between them, judged by the rule the score uses: 1–2 levels above is best."""
    if gap in (1, 2):
        return f"{_plural(gap, 'level')} senior: a step ahead, close enough to remember it"
    if gap == 0:
        return "at the same level: more of a peer mentor"
    if gap < 0:
        return f"{_plural(-gap, 'level')} junior to you"
    return f"{_plural(gap, 'level')} senior: a big jump, so some advice may feel far from where you are"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def score(
    mentee: Candidate,
    mentor: Candidate,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    topic: str | None = None,
) -> Match:
    """The fit of `mentor` for `mentee` in [0, 1], with the reasons a person would find convincing."""
    wanted = mentee.goals | ({normalise_topic(topic)} if topic else frozenset())
    shared = sorted(wanted & mentor.expertise)
    factors: dict[str, float] = {"topics": len(shared) / len(wanted) if wanted else 0.0}
    gap = mentor.seniority - mentee.seniority
    factors["seniority"] = _seniority_fit(gap)
    hours = shared_hours(mentee, mentor)
    factors["hours"] = min(hours, FULL_HOURS_OVERLAP) / FULL_HOURS_OVERLAP
    factors["capacity"] = mentor.free_slots / mentor.capacity if mentor.capacity else 0.0
    common_languages = sorted(mentee.languages & mentor.languages)
    if not mentee.languages or not mentor.languages:
        factors["language"] = 0.5
    else:
        factors["language"] = 1.0 if common_languages else 0.0
    different_department = bool(
        mentee.department and mentor.department and mentee.department.lower() != mentor.department.lower()
    )
    factors["department"] = 1.0 if different_department else 0.0

    total_weight = sum(max(0.0, weights.get(f, 0.0)) for f in FACTORS) or 1.0
    value = sum(max(0.0, weights.get(f, 0.0)) * factors[f] for f in FACTORS) / total_weight

    reasons: list[str] = []
    missing: list[str] = []
    if shared:
        reasons.append("both care about " + ", ".join(f"*{t}*" for t in shared))
    elif wanted:
        offered = ", ".join(f"*{t}*" for t in sorted(mentor.expertise)[:3]) or "nothing listed yet"
        missing.append(f"no shared topic: they help with {offered}")
    if hours >= 0.5:
        reasons.append(
            f"{hours:.0f} h of shared working hours" if hours >= 1 else "under an hour of shared working time"
        )
    else:
        missing.append("no shared working hours: meetings need an early or late slot")
    reasons_or_missing = reasons if 1 <= gap <= 2 else missing
    reasons_or_missing.append(_seniority_reason(gap))
    if common_languages:
        reasons.append("speak " + ", ".join(common_languages))
    elif mentee.languages and mentor.languages:
        missing.append("no shared language listed")
    if different_department:
        reasons.append("a view from another department")
    reasons.append(f"{_plural(mentor.free_slots, 'free slot')}")
    return Match(mentor=mentor, score=round(value, 4), reasons=tuple(reasons), factors=factors, missing=tuple(missing))


_SENIORITY_BY_GAP = np.array([0.2, 1.0, 1.0, 0.6])
_Trait = TypeVar("_Trait", bound=Hashable)
_BLOCK = 512


def _one_hot(sets: Sequence[frozenset[str]], vocabulary: dict[str, int]) -> csr_array:
    rows, cols = [], []
    for row, items in enumerate(sets):
        for item in items:
            if item in vocabulary:
                rows.append(row)
                cols.append(vocabulary[item])
    data = np.ones(len(rows))
    return csr_array(
        (data, (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))),
        shape=(len(sets), max(1, len(vocabulary))),
    )


def _units_as_python(values: np.ndarray) -> np.ndarray:
    """`round(x, 4)` in units of 1/SCORE_UNITS for every entry, as `score()` rounds: numpy's rint after scaling
    can tip a value within an ulp of a half to the other side, so those few are rounded by Python itself."""
    scaled = values * SCORE_UNITS
    units: np.ndarray = np.rint(scaled)
    scaled -= units
    tipping = np.flatnonzero(np.abs(scaled, out=scaled) > 0.5 - 1e-6)
    flat, source = units.reshape(-1), values.reshape(-1)
    flat[tipping] = [round(round(float(x), 4) * SCORE_UNITS) for x in source[tipping]]
    rounded: np.ndarray = units.astype(np.int32)
    return rounded


class MentorPool:
    """Mentors as arrays, so a block of mentees is scored against thousands of mentors as one matrix.

    `score()` stays the reference: the pool computes the same numbers, and the reasons for the mentors
    that are shown come from `score()` itself.
    """

    def __init__(self, mentors: Sequence[Candidate]) -> None:
        self.mentors = list(mentors)
        n = len(self.mentors)
        self._ids = np.array([m.person_id for m in self.mentors], dtype=np.int64)
        self._row = {m.person_id: i for i, m in enumerate(self.mentors)}
        self._by_user = {m.user_id: i for i, m in enumerate(self.mentors)}
        self._usable = np.array([m.active and m.free_slots > 0 for m in self.mentors], dtype=bool)
        self._seniority = np.array([m.seniority for m in self.mentors], dtype=np.int64)
        windows = [utc_window(m) for m in self.mentors]
        self._start = np.array([w[0] for w in windows], dtype=np.int64).reshape(n)
        self._end = np.array([w[1] for w in windows], dtype=np.int64).reshape(n)
        free = np.array([m.free_slots for m in self.mentors], dtype=np.float64)
        capacity = np.array([m.capacity for m in self.mentors], dtype=np.float64)
        self._capacity_fit = np.divide(free, capacity, out=np.zeros(n), where=capacity > 0)
        self._has_language = np.array([bool(m.languages) for m in self.mentors], dtype=bool)
        self._topics = {t: i for i, t in enumerate(sorted({t for m in self.mentors for t in m.expertise}))}
        self._languages = {x: i for i, x in enumerate(sorted({x for m in self.mentors for x in m.languages}))}
        self._expertise_t = _one_hot([m.expertise for m in self.mentors], self._topics).T.tocsr()
        self._languages_t = _one_hot([m.languages for m in self.mentors], self._languages).T.tocsr()
        departments = sorted({m.department.lower() for m in self.mentors} - {""})
        self._department_code = {d: i for i, d in enumerate(departments)}
        self._department = np.array([self._department_code.get(m.department.lower(), -1) for m in self.mentors])
        self._blocked_by: dict[str, list[int]] = {}
        for i, m in enumerate(self.mentors):
            for user in m.do_not_match:
                self._blocked_by.setdefault(user, []).append(i)

    def _rows(self, person_ids: Iterable[int]) -> list[int]:
        return [self._row[p] for p in person_ids if p in self._row]

    def scores_block(
        self, mentees: Sequence[Candidate], weights: Mapping[str, float] = DEFAULT_WEIGHTS, topic: str | None = None
    ) -> np.ndarray:
        """A (mentees × mentors) matrix of scores, each exactly the float `score()` returns."""
        scores: np.ndarray = self.score_units(mentees, weights, topic) / SCORE_UNITS
        return scores

    def score_units(
        self, mentees: Sequence[Candidate], weights: Mapping[str, float] = DEFAULT_WEIGHTS, topic: str | None = None
    ) -> np.ndarray:
        """The scores as int32 in units of 1/SCORE_UNITS (`score()` rounds to four decimals, so these are exact).

        The factors are added in `score()`'s order, so every entry is the same float; those that depend on one
        trait of the mentee (level, working window, languages, department) are computed once per distinct trait.
        """
        extra = frozenset({normalise_topic(topic)}) if topic else frozenset()
        wanted = [mentee.goals | extra for mentee in mentees]
        shared = (_one_hot(wanted, self._topics) @ self._expertise_t).toarray()
        sizes = np.array([len(w) for w in wanted], dtype=np.float64)[:, None]
        weight = {f: max(0.0, weights.get(f, 0.0)) for f in FACTORS}
        combined = np.divide(shared, sizes, out=np.zeros_like(shared), where=sizes > 0)
        combined *= weight["topics"]
        combined += self._per_trait([m.seniority for m in mentees], self._seniority_fit, weight["seniority"])
        combined += self._per_trait([utc_window(m) for m in mentees], self._hours_fit, weight["hours"])
        combined += self._capacity_fit * weight["capacity"]
        combined += self._per_trait([m.languages for m in mentees], self._language_fit, weight["language"])
        combined += self._per_trait([m.department.lower() for m in mentees], self._department_fit, weight["department"])
        combined /= sum(weight.values()) or 1.0
        return _units_as_python(combined)

    def _per_trait(self, traits: Sequence[_Trait], fit: Callable[[_Trait], np.ndarray], weight: float) -> np.ndarray:
        """`weight × fit(trait)` for each mentee's trait, as rows: computed once per distinct trait."""
        index: dict[_Trait, int] = {}
        rows = np.array([index.setdefault(trait, len(index)) for trait in traits], dtype=np.int64)
        table = np.array([fit(trait) for trait in index], dtype=np.float64).reshape(len(index), len(self.mentors))
        gathered: np.ndarray = (table * weight)[rows]
        return gathered

    def _seniority_fit(self, level: int) -> np.ndarray:
        gap = self._seniority - level
        fit: np.ndarray = np.where(gap < 0, 0.0, np.where(gap > 3, 0.3, _SENIORITY_BY_GAP[np.clip(gap, 0, 3)]))
        return fit

    def _hours_fit(self, window: tuple[int, int]) -> np.ndarray:
        start, end = window
        overlap = np.zeros(len(self.mentors), dtype=np.int64)
        for shift in (-1440, 0, 1440):
            overlap = np.maximum(overlap, np.minimum(end, self._end + shift) - np.maximum(start, self._start + shift))
        fit: np.ndarray = np.minimum(overlap / 60, FULL_HOURS_OVERLAP) / FULL_HOURS_OVERLAP
        return fit

    def _language_fit(self, languages: frozenset[str]) -> np.ndarray:
        if not languages:
            return np.full(len(self.mentors), 0.5)
        common = (_one_hot([languages], self._languages) @ self._languages_t).toarray()[0] > 0
        fit: np.ndarray = np.where(self._has_language, common.astype(np.float64), 0.5)
        return fit

    def _department_fit(self, department: str) -> np.ndarray:
        if not department:
            return np.zeros(len(self.mentors))
        code = self._department_code.get(department, -2)
        fit: np.ndarray = ((self._department >= 0) & (self._department != code)).astype(np.float64)
        return fit

    def scores(
        self, mentee: Candidate, weights: Mapping[str, float] = DEFAULT_WEIGHTS, topic: str | None = None
    ) -> np.ndarray:
        """Every mentor's score for `mentee`, in pool order."""
        row: np.ndarray = self.scores_block([mentee], weights, topic)[0]
        return row

    def allowed_mask(self, mentee: Candidate, history: History, topic: str | None = None) -> np.ndarray:
        """`allowed()` for every mentor at once, narrowed to mentors offering `topic` when one is given."""
        mask = self._usable.copy() if mentee.active else np.zeros(len(self.mentors), dtype=bool)
        mask[self._rows([mentee.person_id, *history.current, *history.declined])] = False
        mask[[self._by_user[u] for u in mentee.do_not_match if u in self._by_user]] = False
        mask[self._blocked_by.get(mentee.user_id, [])] = False
        if topic:
            column = self._topics.get(normalise_topic(topic))
            offers = np.zeros(len(self.mentors), dtype=bool)
            if column is not None:
                offers[self._expertise_t[[column], :].indices] = True
            mask &= offers
        return mask

    def _candidates(self, mentee: Candidate, history: History, topic: str | None) -> tuple[np.ndarray, bool]:
        """Allowed mentors; past partners only when nobody else is allowed (then `repeat` is True)."""
        mask = self.allowed_mask(mentee, history, topic)
        past = np.zeros(len(self.mentors), dtype=bool)
        past[self._rows(history.past)] = True
        fresh = mask & ~past
        return (fresh, False) if fresh.any() else (mask, True)

    def top(
        self,
        mentees: Sequence[Candidate],
        histories: Mapping[int, History],
        limit: int,
        weights: Mapping[str, float] = DEFAULT_WEIGHTS,
        topic: str | None = None,
    ) -> Iterator[tuple[int, np.ndarray, np.ndarray, bool]]:
        """For each mentee (by position): its best `limit` mentor rows and scores, best first, and `repeat`."""
        for first in range(0, len(mentees), _BLOCK):
            block = mentees[first : first + _BLOCK]
            values = self.scores_block(block, weights, topic)
            for offset, mentee in enumerate(block):
                mask, repeat = self._candidates(mentee, histories.get(mentee.person_id, History()), topic)
                rows = np.flatnonzero(mask)
                row_values = values[offset, rows]
                if rows.size > limit:
                    keep = np.argpartition(-row_values, limit - 1)[:limit]
                    rows, row_values = rows[keep], row_values[keep]
                order = np.lexsort((self._ids[rows], -row_values))
                yield first + offset, rows[order], row_values[order], repeat

    def rank(
        self,
        mentee: Candidate,
        history: History,
        weights: Mapping[str, float] = DEFAULT_WEIGHTS,
        topic: str | None = None,
        limit: int = 5,
    ) -> list[Match]:
        """The best mentors for `mentee`, best first, with reasons. Past partners only when nobody else fits."""
        _, rows, _, repeat = next(self.top([mentee], {mentee.person_id: history}, limit, weights, topic))
        matches = [score(mentee, self.mentors[i], weights, topic) for i in rows]
        return [Match(m.mentor, m.score, m.reasons, m.factors, repeat, m.missing) for m in matches]


def rank(
    mentee: Candidate,
    mentors: Sequence[Candidate],
    history: History,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    topic: str | None = None,
    limit: int = 5,
) -> list[Match]:
    """The best mentors for `mentee` from a list (see `MentorPool.rank`)."""
    return MentorPool(mentors).rank(mentee, history, weights, topic, limit)


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
) -> Round:
    """Assign mentees to mentors with the largest total score any assignment can reach under mentor capacities
    and the hard rules (past partners only for a mentee nobody new may be matched with).

    Every pair is considered (see `_optimal_assignment`), and `Round.bound` is the dual proof of optimality.
    """
    if not mentees:
        return Round([], [])
    pool = MentorPool(mentors)
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
            match = replace(score(mentee, mentor, weights), repeat=mentor.person_id in history.past)
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
    for first in range(0, len(mentees), _BLOCK):
        block = mentees[first : first + _BLOCK]
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
    for first in range(0, len(fits), _BLOCK):
        block = fits[first : first + _BLOCK]
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
    for first in range(0, len(fits), _BLOCK):
        reduced = fits[first : first + _BLOCK] - v
        reduced -= mentee_duals[first : first + _BLOCK, None].astype(np.int16)
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
