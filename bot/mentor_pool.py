"""A program's mentors as one matrix: every mentee scored against every mentor at once, the same numbers as
`score()`, and the reasons built only for the few mentors shown."""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import TypeVar

import numpy as np
from scipy.sparse import csr_array, hstack

from bot.matching import (
    DEFAULT_WEIGHTS,
    FACTORS,
    FULL_HOURS_OVERLAP,
    PREFERRED_BONUS,
    SCORE_UNITS,
    Candidate,
    History,
    Match,
    normalise_topic,
    score,
    utc_window,
)
from bot.questions import Question, Rule

_SENIORITY_BY_GAP = np.array([0.2, 1.0, 1.0, 0.6])
_Trait = TypeVar("_Trait", bound=Hashable)
BLOCK = 512
# A program's question of mentor kinds (its key) and the kinds a mentee still wants: find shows only those.
KindFilter = tuple[str, frozenset[str]]


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


def _grown(vocabulary: Mapping[str, int], items: Iterable[str]) -> dict[str, int]:
    """The vocabulary with the new items appended as columns (in sorted order, so a fresh pool's are sorted)."""
    grown = dict(vocabulary)
    for item in sorted(set(items) - grown.keys()):
        grown[item] = len(grown)
    return grown


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

    def __init__(self, mentors: Sequence[Candidate], questions: Sequence[Question] = ()) -> None:
        self.questions = tuple(questions)
        # Per question that counts in matching: its choices as columns, and each mentor's answers one-hot.
        self._answers = [
            (question, {c: j for j, c in enumerate(question.choices)}) for question in self.questions if question.counts
        ]
        self._topics = _grown({}, (t for m in mentors for t in m.expertise))
        self._languages = _grown({}, (x for m in mentors for x in m.languages))
        self._department_code = _grown({}, (m.department.lower() for m in mentors if m.department))
        self._set_rows(mentors)
        self._index()

    def _set_rows(self, mentors: Sequence[Candidate]) -> None:
        """Every mentor's traits as numbers, entry i for mentor i (the sparse ones as traits × mentors, as scoring
        multiplies them), against vocabularies that already hold their topics, languages and departments."""
        self.mentors = list(mentors)
        n = len(self.mentors)
        self._ids = np.array([m.person_id for m in self.mentors], dtype=np.int64)
        self._users = np.array([m.user_id for m in self.mentors], dtype=object).reshape(n)
        # Who names someone they must not be matched with, or would like to be: few, so indexed one by one.
        self._names_people = np.array([bool(m.do_not_match or m.prefers) for m in self.mentors], dtype=bool)
        self._usable = np.array([m.active and m.free_slots > 0 for m in self.mentors], dtype=bool)
        self._seniority = np.array([m.seniority for m in self.mentors], dtype=np.int64)
        windows = [utc_window(m) for m in self.mentors]
        self._start = np.array([w[0] for w in windows], dtype=np.int64).reshape(n)
        self._end = np.array([w[1] for w in windows], dtype=np.int64).reshape(n)
        free = np.array([m.free_slots for m in self.mentors], dtype=np.float64)
        capacity = np.array([m.capacity for m in self.mentors], dtype=np.float64)
        self._capacity_fit = np.divide(free, capacity, out=np.zeros(n), where=capacity > 0)
        self._has_language = np.array([bool(m.languages) for m in self.mentors], dtype=bool)
        self._expertise_t = _one_hot([m.expertise for m in self.mentors], self._topics).T.tocsr()
        self._languages_t = _one_hot([m.languages for m in self.mentors], self._languages).T.tocsr()
        self._department = np.array(
            [self._department_code.get(m.department.lower(), -1) for m in self.mentors], dtype=np.int64
        )
        self._answers_t = [
            _one_hot([m.answer_map.get(q.key, frozenset()) for m in self.mentors], columns).T.tocsr()
            for q, columns in self._answers
        ]

    def _index(self) -> None:
        """The lookups by person, by Slack user and by blocked user, and each mentor's number of answers."""
        n = len(self.mentors)
        self._row = dict(zip(self._ids.tolist(), range(n), strict=True))
        self._by_user = dict(zip(self._users.tolist(), range(n), strict=True))
        self._blocked_by: dict[str, list[int]] = {}
        self._preferred_by: dict[str, list[int]] = {}
        for i in np.flatnonzero(self._names_people).tolist():
            for user in self.mentors[i].do_not_match:
                self._blocked_by.setdefault(user, []).append(i)
            for user in self.mentors[i].prefers:
                self._preferred_by.setdefault(user, []).append(i)
        self._answer_sizes = [np.asarray(t.sum(axis=0)).reshape(n) for t in self._answers_t]
        self._kinds_by_question: dict[str, np.ndarray] = {}

    def updated(self, changed: Sequence[Candidate], removed: Iterable[int] = ()) -> MentorPool:
        """This pool with the `removed` mentors gone and the `changed` ones (new, or replacing their own row),
        in person-ID order: what a pool built afresh from the same mentors in that order scores, masks and
        ranks, at the cost of the changed rows. This pool is left as it was (other requests may be using it).

        The vocabularies only grow: a topic nobody offers any more keeps its (empty) column, which scores nothing.
        """
        pool = copy.copy(self)
        pool._topics = _grown(self._topics, (t for m in changed for t in m.expertise))
        pool._languages = _grown(self._languages, (x for m in changed for x in m.languages))
        pool._department_code = _grown(self._department_code, (m.department.lower() for m in changed if m.department))
        pool._set_rows(changed)
        keep = np.flatnonzero(~np.isin(self._ids, [*removed, *pool._ids]))
        order = np.argsort(np.concatenate([self._ids[keep], pool._ids]), kind="stable")

        def rows(old: np.ndarray, added: np.ndarray) -> np.ndarray:
            merged: np.ndarray = np.concatenate([old[keep], added])[order]
            return merged

        def columns(old: csr_array, added: csr_array) -> csr_array:
            kept = old[:, keep]
            # A grown vocabulary adds rows (traits) that none of the kept mentors has.
            kept.resize((added.shape[0], kept.shape[1]))
            merged: csr_array = hstack([kept, added], format="csr")[:, order]
            return merged

        mentors = [*map(self.mentors.__getitem__, keep.tolist()), *pool.mentors]
        pool.mentors = list(map(mentors.__getitem__, order.tolist()))
        pool._ids = rows(self._ids, pool._ids)
        pool._users = rows(self._users, pool._users)
        pool._names_people = rows(self._names_people, pool._names_people)
        pool._usable = rows(self._usable, pool._usable)
        pool._seniority = rows(self._seniority, pool._seniority)
        pool._start = rows(self._start, pool._start)
        pool._end = rows(self._end, pool._end)
        pool._capacity_fit = rows(self._capacity_fit, pool._capacity_fit)
        pool._has_language = rows(self._has_language, pool._has_language)
        pool._department = rows(self._department, pool._department)
        pool._expertise_t = columns(self._expertise_t, pool._expertise_t)
        pool._languages_t = columns(self._languages_t, pool._languages_t)
        pool._answers_t = [columns(old, added) for old, added in zip(self._answers_t, pool._answers_t, strict=True)]
        pool._index()
        return pool

    def mentor(self, person_id: int) -> Candidate:
        return self.mentors[self._row[person_id]]

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
        combined += self._per_trait([m.seniority for m in mentees], self.seniority_fit, weight["seniority"])
        combined += self._per_trait([utc_window(m) for m in mentees], self._hours_fit, weight["hours"])
        combined += self._capacity_fit * weight["capacity"]
        combined += self._per_trait([m.languages for m in mentees], self._language_fit, weight["language"])
        combined += self._per_trait([m.department.lower() for m in mentees], self._department_fit, weight["department"])
        combined += self._questions_fit(mentees)[0] * weight["questions"]
        combined /= sum(weight.values()) or 1.0
        preferred = self._preferred(mentees)
        if preferred.any():
            combined = np.where(preferred, np.minimum(combined + PREFERRED_BONUS, 1.0), combined)
        return _units_as_python(combined)

    def _preferred(self, mentees: Sequence[Candidate]) -> np.ndarray:
        """Where a mentee and a mentor named each other (either way) as someone to be matched with."""
        preferred = np.zeros((len(mentees), len(self.mentors)), dtype=bool)
        for i, mentee in enumerate(mentees):
            rows = [self._by_user[u] for u in mentee.prefers if u in self._by_user]
            preferred[i, rows + self._preferred_by.get(mentee.user_id, [])] = True
        return preferred

    def _questions_fit(self, mentees: Sequence[Candidate]) -> tuple[np.ndarray, np.ndarray]:
        """The questions factor (as `compare_answers` computes it) and where a *must match* blocks, both
        (mentees × mentors)."""
        shape = (len(mentees), len(self.mentors))
        points, blocked = np.zeros(shape), np.zeros(shape, dtype=bool)
        total = 0.0
        for (question, columns), theirs_t, theirs in zip(
            self._answers, self._answers_t, self._answer_sizes, strict=True
        ):
            total += question.weight
            mine_sets = [m.answer_map.get(question.key, frozenset()) for m in mentees]
            shared = (_one_hot(mine_sets, columns) @ theirs_t).toarray()
            mine = np.array([len(a & set(columns)) for a in mine_sets], dtype=np.float64)[:, None]
            both = (mine > 0) & (theirs[None, :] > 0)
            if question.rule is Rule.MUST_MATCH:
                fit = (both & (shared > 0)).astype(np.float64)
                blocked |= fit == 0
            elif question.rule is Rule.SAME:
                fit = (both & (shared == mine) & (shared == theirs[None, :])).astype(np.float64)
            elif question.rule is Rule.DIFFERENT:
                fit = (both & (shared == 0)).astype(np.float64)
            else:
                union = mine + theirs[None, :] - shared
                fit = np.divide(shared, union, out=np.zeros(shape), where=both & (union > 0))
            points += question.weight * fit
        factor: np.ndarray = points / total if total else points
        return factor, blocked

    def _per_trait(self, traits: Sequence[_Trait], fit: Callable[[_Trait], np.ndarray], weight: float) -> np.ndarray:
        """`weight × fit(trait)` for each mentee's trait, as rows: computed once per distinct trait."""
        index: dict[_Trait, int] = {}
        rows = np.array([index.setdefault(trait, len(index)) for trait in traits], dtype=np.int64)
        table = np.array([fit(trait) for trait in index], dtype=np.float64).reshape(len(index), len(self.mentors))
        gathered: np.ndarray = (table * weight)[rows]
        return gathered

    def seniority_fit(self, level: int) -> np.ndarray:
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

    def allowed_mask(
        self, mentee: Candidate, history: History, topic: str | None = None, kinds: KindFilter | None = None
    ) -> np.ndarray:
        """`allowed()` for every mentor at once, narrowed to mentors offering `topic` when one is given, and to
        mentors of the kinds the mentee still wants (`kinds`: the question's key and those kinds)."""
        mask = self._usable.copy() if mentee.active else np.zeros(len(self.mentors), dtype=bool)
        mask[self._rows([mentee.person_id, *history.current, *history.declined, *history.earlier_cohort])] = False
        mask[[self._by_user[u] for u in mentee.do_not_match if u in self._by_user]] = False
        mask[self._blocked_by.get(mentee.user_id, [])] = False
        if any(q.rule is Rule.MUST_MATCH for q, _ in self._answers):
            mask &= ~self._questions_fit([mentee])[1][0]
        if topic:
            column = self._topics.get(normalise_topic(topic))
            offers = np.zeros(len(self.mentors), dtype=bool)
            if column is not None:
                offers[self._expertise_t[[column], :].indices] = True
            mask &= offers
        if kinds is not None:
            key, wanted = kinds
            mask &= np.isin(self._kinds(key), list(wanted))
        return mask

    def _kinds(self, key: str) -> np.ndarray:
        """Each mentor's kind by the program's question of kinds `key`, worked out once per pool."""
        kinds = self._kinds_by_question.get(key)
        if kinds is None:
            kinds = np.array([m.kind(key) for m in self.mentors], dtype=object).reshape(len(self.mentors))
            self._kinds_by_question[key] = kinds
        return kinds

    def _candidates(
        self, mentee: Candidate, history: History, topic: str | None, kinds: KindFilter | None = None
    ) -> tuple[np.ndarray, bool]:
        """Allowed mentors; past partners only when nobody else is allowed (then `repeat` is True)."""
        mask = self.allowed_mask(mentee, history, topic, kinds)
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
        kinds: KindFilter | None = None,
    ) -> Iterator[tuple[int, np.ndarray, np.ndarray, bool]]:
        """For each mentee (by position): its best `limit` mentor rows and scores, best first, and `repeat`."""
        for first in range(0, len(mentees), BLOCK):
            block = mentees[first : first + BLOCK]
            values = self.scores_block(block, weights, topic)
            for offset, mentee in enumerate(block):
                mask, repeat = self._candidates(mentee, histories.get(mentee.person_id, History()), topic, kinds)
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
        kinds: KindFilter | None = None,
    ) -> list[Match]:
        """The best mentors for `mentee`, best first, with reasons. Past partners only when nobody else fits;
        with `kinds`, only mentors of the kinds the mentee still wants."""
        _, rows, _, repeat = next(self.top([mentee], {mentee.person_id: history}, limit, weights, topic, kinds))
        matches = [score(mentee, self.mentors[i], weights, topic, self.questions) for i in rows]
        return [Match(m.mentor, m.score, m.reasons, m.factors, repeat, m.missing) for m in matches]


def rank(
    mentee: Candidate,
    mentors: Sequence[Candidate],
    history: History,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    topic: str | None = None,
    limit: int = 5,
    questions: Sequence[Question] = (),
) -> list[Match]:
    """The best mentors for `mentee` from a list (see `MentorPool.rank`)."""
    return MentorPool(mentors, questions).rank(mentee, history, weights, topic, limit)
