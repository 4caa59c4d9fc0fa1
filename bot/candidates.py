"""Loading people as matching candidates, and each program's mentor pool kept current row by row."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, String, bindparam, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from bot.matching import Candidate, topic_set
from bot.mentor_pool import MentorPool
from bot.questions import Question, answer_set
from storage.models import Person, PersonStatus, Role


def candidate(person: Person) -> Candidate:
    return Candidate(
        person_id=person.id,
        user_id=person.slack_user_id,
        name=person.display_name or person.slack_user_id,
        seniority=person.seniority,
        timezone=person.timezone,
        work_start_minute=person.work_start_minute,
        work_end_minute=person.work_end_minute,
        expertise=topic_set(person.expertise),
        goals=topic_set(person.goals),
        free_slots=max(0, person.capacity - person.active_mentees) if person.role.mentors else 0,
        capacity=person.capacity if person.role.mentors else 0,
        languages=frozenset(person.languages),
        department=person.department,
        do_not_match=frozenset(person.do_not_match),
        prefers=frozenset(person.preferred or ()),
        active=person.status is PersonStatus.ACTIVE,
        answers=tuple(sorted((key, answer_set(value)) for key, value in (person.answers or {}).items())),
    )


def _available(program_id: int | BindParameter[int]) -> tuple[ColumnElement[bool], ...]:
    return (
        Person.program_id == program_id,
        Person.role.in_((Role.MENTOR, Role.BOTH)),
        Person.status == PersonStatus.ACTIVE,
        Person.active_mentees < Person.capacity,
    )


def available_mentors(session: Session, program_id: int) -> list[Candidate]:
    """Active mentors of the program with at least one free slot, in person-ID order (as `MentorPools` keeps them)."""
    statement = select(Person).where(*_available(program_id)).order_by(Person.id)
    return [candidate(p) for p in session.scalars(statement)]


_FINGERPRINT = select(
    func.count(),
    func.max(Person.updated_at),
    func.coalesce(func.sum(Person.active_mentees * Person.id), 0),
).where(*_available(bindparam("program_id")))
# When a profile last changed, as the driver hands it back: it is only compared with itself, and not making
# 10,000 of them aware datetimes makes reading every mentor's state below 2.5 times faster on SQLite.
_STAMP = type_coerce(Person.updated_at, String).label("stamp")
# Every available mentor's slots and profile stamp: on SQLite, from the pool's covering index alone.
_STATES = select(Person.id, Person.capacity, Person.active_mentees, _STAMP).where(*_available(bindparam("program_id")))
# More edited profiles than this are read with the whole pool, so a bulk import never sends a huge IN list.
_MOST_EDITED = 500

# A mentor's (person ID, capacity, taken slots, profile stamp) as the pool last saw them.
_State = tuple[int, int, int, object]


@dataclass(frozen=True)
class _Cached:
    fingerprint: tuple[object, ...]
    questions: tuple[Question, ...]
    # A set, so what changed since is a set difference (a few milliseconds for 10,000, not a Python loop).
    states: frozenset[_State]
    pool: MentorPool


class MentorPools:
    """One ranked-ready pool of mentors per program, kept current row by row as its mentors change.

    The fingerprint (count, last profile change, a weighted sum of taken slots) is one indexed aggregate
    query, read on every find. When it moves, one more query over the same index reads each mentor's slots and
    profile stamp: a mentor whose slots alone moved gets new numbers, only those whose stamp changed (or who
    are new to the pool) are loaded, and the others keep their rows (`MentorPool.updated`, which ranks exactly
    as a fresh build). Loading every profile happens once per program and process. A stale pool can only offer
    a mentor whose last slot was just taken, and a request re-checks capacity in its own transaction anyway.
    """

    def __init__(self) -> None:
        self._pools: dict[int, _Cached] = {}
        self._lock = threading.Lock()
        self._building: dict[int, threading.Lock] = {}

    def pool(self, session: Session, program_id: int, questions: tuple[Question, ...] = ()) -> MentorPool:
        # A Core statement on the session's connection: no ORM result machinery for three numbers.
        fingerprint = tuple(session.connection().execute(_FINGERPRINT, {"program_id": program_id}).one())
        cached = self._cached(program_id)
        if cached is not None and (cached.fingerprint, cached.questions) == (fingerprint, questions):
            return cached.pool
        with self._lock:
            building = self._building.setdefault(program_id, threading.Lock())
        # One build or update per program at a time: requests arriving meanwhile wait for it and then use it.
        with building:
            cached = self._cached(program_id)
            if cached is not None and (cached.fingerprint, cached.questions) == (fingerprint, questions):
                return cached.pool
            if cached is None or cached.questions != questions:
                updated = _built(session, program_id, fingerprint, questions)
            else:
                updated = _brought_up_to_date(session, program_id, cached, fingerprint)
            with self._lock:
                self._pools[program_id] = updated
            return updated.pool

    def _cached(self, program_id: int) -> _Cached | None:
        with self._lock:
            return self._pools.get(program_id)


def _loaded(session: Session, program_id: int, only: list[int] | None = None) -> dict[int, tuple[Candidate, _State]]:
    """Available mentors (all, or those in `only` that still are) as candidates with their states, by ID order."""
    statement = select(Person, _STAMP).where(*_available(program_id)).order_by(Person.id)
    if only is not None:
        statement = statement.where(Person.id.in_(only))
    return {
        person.id: (candidate(person), (person.id, person.capacity, person.active_mentees, stamp))
        for person, stamp in session.execute(statement)
    }


def _built(
    session: Session, program_id: int, fingerprint: tuple[object, ...], questions: tuple[Question, ...]
) -> _Cached:
    loaded = _loaded(session, program_id)
    pool = MentorPool([mentor for mentor, _ in loaded.values()], questions)
    return _Cached(fingerprint, questions, frozenset(state for _, state in loaded.values()), pool)


def _brought_up_to_date(session: Session, program_id: int, cached: _Cached, fingerprint: tuple[object, ...]) -> _Cached:
    """The cached pool with the rows of the mentors that changed since it was made replaced, added or removed."""
    rows = session.connection().execute(_STATES, {"program_id": program_id}).all()
    states: frozenset[_State] = frozenset((p, capacity, taken, stamp) for p, capacity, taken, stamp in rows)
    before = {state[0]: state for state in cached.states - states}
    now = {state[0]: state for state in states - cached.states}
    # A mentor whose profile is unchanged but whose slots moved (an accept, an end, a pause) keeps their profile.
    slots_moved = [state for p, state in now.items() if p in before and before[p][3] == state[3]]
    edited = sorted(now.keys() - {p for p, *_ in slots_moved})
    if len(edited) > _MOST_EDITED:
        return _built(session, program_id, fingerprint, cached.questions)
    loaded = _loaded(session, program_id, edited) if edited else {}
    changed = [mentor for mentor, _ in loaded.values()]
    changed += [
        replace(cached.pool.mentor(p), free_slots=max(0, capacity - taken), capacity=capacity)
        for p, capacity, taken, _ in slots_moved
    ]
    gone = (before.keys() - now.keys()) | (set(edited) - loaded.keys())
    pool = cached.pool.updated(changed, gone)
    # The loaded rows' states are the ones their candidates were made from (a later change may show in the load).
    unloaded = {now[p] for p in edited}
    states = (states - unloaded) | {state for _, state in loaded.values()}
    return _Cached(fingerprint, cached.questions, states, pool)
