"""Match scoring and program-wide assignment: pure functions, no I/O.

A score is a weighted mean of factors in [0, 1] (topics, seniority, shared working hours, free capacity,
language, department), and every score carries the plain-words reasons behind it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from functools import lru_cache
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
        """A (mentees × mentors) matrix of scores, each as `score()` computes it."""
        extra = frozenset({normalise_topic(topic)}) if topic else frozenset()
        wanted = [mentee.goals | extra for mentee in mentees]
        shared = (_one_hot(wanted, self._topics) @ self._expertise_t).toarray()
        sizes = np.array([len(w) for w in wanted], dtype=np.float64)[:, None]
        topics = np.divide(shared, sizes, out=np.zeros_like(shared), where=sizes > 0)
        gap = self._seniority[None, :] - np.array([m.seniority for m in mentees])[:, None]
        seniority = np.where(gap < 0, 0.0, np.where(gap > 3, 0.3, _SENIORITY_BY_GAP[np.clip(gap, 0, 3)]))
        windows = np.array([utc_window(m) for m in mentees], dtype=np.int64).reshape(len(mentees), 2)
        start, end = windows[:, :1], windows[:, 1:]
        overlap = np.zeros(shared.shape, dtype=np.int64)
        for shift in (-1440, 0, 1440):
            overlap = np.maximum(
                overlap, np.minimum(end, self._end[None, :] + shift) - np.maximum(start, self._start[None, :] + shift)
            )
        hours = np.minimum(overlap / 60, FULL_HOURS_OVERLAP) / FULL_HOURS_OVERLAP
        common = (_one_hot([m.languages for m in mentees], self._languages) @ self._languages_t).toarray() > 0
        speaks = np.array([bool(m.languages) for m in mentees])[:, None]
        language = np.where(speaks & self._has_language[None, :], common.astype(np.float64), 0.5)
        codes = np.array(
            [self._department_code.get(m.department.lower(), -2) if m.department else -3 for m in mentees]
        )[:, None]
        department = (codes != -3) & (self._department[None, :] >= 0) & (self._department[None, :] != codes)
        factors = {
            "topics": topics,
            "seniority": seniority,
            "hours": hours,
            "capacity": np.broadcast_to(self._capacity_fit, shared.shape),
            "language": language,
            "department": department.astype(np.float64),
        }
        total_weight = sum(max(0.0, weights.get(f, 0.0)) for f in FACTORS) or 1.0
        combined = sum(max(0.0, weights.get(f, 0.0)) * factors[f] for f in FACTORS) / total_weight
        return np.round(np.asarray(combined, dtype=np.float64), 4)

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


@dataclass(frozen=True)
class Round:
    assignments: list[Assignment]
    unmatched: list[tuple[Candidate, str]]

    @property
    def total_score(self) -> float:
        return sum(a.match.score for a in self.assignments)

    @property
    def average_score(self) -> float:
        return self.total_score / len(self.assignments) if self.assignments else 0.0


def plan_round(
    mentees: Sequence[Candidate],
    mentors: Sequence[Candidate],
    histories: Mapping[int, History],
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    candidates_per_mentee: int = 40,
) -> Round:
    """Assign mentees to mentors maximising the total score under mentor capacities.

    Each mentee is linked to its best `candidates_per_mentee` allowed mentors; each mentor becomes one column
    per free slot, and each mentee gets a private "stays unmatched" column, so a full matching always exists
    and minimising (C - score) maximises the total score exactly on that candidate graph.
    """
    if not mentees:
        return Round([], [])
    pool = MentorPool(mentors)
    slots = np.array([max(0, m.free_slots) for m in mentors], dtype=np.int64)
    first_slot = np.concatenate(([0], np.cumsum(slots)))
    n_slots = int(first_slot[-1])
    ceiling = 2.0  # above any score, so every cost stays positive (the solver drops zero entries)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    costs: list[np.ndarray] = []
    has_candidates = np.zeros(len(mentees), dtype=bool)
    for row, mentor_rows, values, _ in pool.top(mentees, histories, candidates_per_mentee, weights):
        has_candidates[row] = mentor_rows.size > 0
        per_mentor = slots[mentor_rows]
        slot_cols = np.repeat(first_slot[mentor_rows], per_mentor) + (
            np.arange(per_mentor.sum()) - np.repeat(np.cumsum(per_mentor) - per_mentor, per_mentor)
        )
        rows.append(np.full(slot_cols.size + 1, row))
        cols.append(np.append(slot_cols, n_slots + row))
        costs.append(np.append(ceiling - np.repeat(values, per_mentor), ceiling))
    graph = csr_array(
        (np.concatenate(costs), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(mentees), n_slots + len(mentees)),
    )
    matched_rows, matched_cols = min_weight_full_bipartite_matching(graph)
    slot_owner = np.repeat(np.arange(len(mentors)), slots)
    assignments: list[Assignment] = []
    unmatched: list[tuple[Candidate, str]] = []
    for row, col in zip(matched_rows.tolist(), matched_cols.tolist(), strict=True):
        mentee = mentees[row]
        if col < n_slots:
            mentor = mentors[int(slot_owner[col])]
            history = histories.get(mentee.person_id, History())
            match = score(mentee, mentor, weights)
            assignments.append(Assignment(mentee, replace(match, repeat=mentor.person_id in history.past)))
        elif not has_candidates[row]:
            unmatched.append((mentee, "no mentor with a free slot is allowed for them (do-not-match, or all full)"))
        else:
            unmatched.append((mentee, "every mentor who fits them is taken by a closer match"))
    return Round(assignments, unmatched)
