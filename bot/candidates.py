"""Loading people as matching candidates, and each program's mentor pool kept current row by row."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, String, and_, bindparam, func, select, type_coerce
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


# A mentor in the pool: one who mentors, is active and has a slot free.
_MENTOR_WITH_ROOM = (
    Person.role.in_((Role.MENTOR, Role.BOTH)),
    Person.status == PersonStatus.ACTIVE,
    Person.active_mentees < Person.capacity,
)


def _available(program_id: int | BindParameter[int]) -> tuple[ColumnElement[bool], ...]:
    return (Person.program_id == program_id, *_MENTOR_WITH_ROOM)


def available_mentors(session: Session, program_id: int) -> list[Candidate]:
    """Active mentors of the program with at least one free slot, in person-ID order (as `MentorPools` keeps them)."""
    statement = select(Person).where(*_available(program_id)).order_by(Person.id)
    return [candidate(p) for p in session.scalars(statement)]


# When a profile last changed, as the driver hands it back: it is only compared with itself, and not making
# 10,000 of them aware datetimes makes reading every mentor's state below 2.5 times faster on SQLite.
_STAMP = type_coerce(Person.updated_at, String).label("stamp")
_ROWS = Person.__table__.alias("program_rows")
# The program's highest row version: any write to one of its people raises it (migration 0020's triggers).
_VERSION = (
    select(func.coalesce(func.max(_ROWS.c.pool_version), 0))
    .where(_ROWS.c.program_id == bindparam("program_id"))
    .scalar_subquery()
)
# The pool at a glance: how many mentors, a sum of their taken slots weighted by person ID, and the version.
_FINGERPRINT = select(func.count(), func.coalesce(func.sum(Person.active_mentees * Person.id), 0), _VERSION).where(
    *_available(bindparam("program_id"))
)
# The program's rows written since a version, mentors or not, and whether each is one of the pool's now.
_CHANGED = select(
    Person.id, Person.capacity, Person.active_mentees, _STAMP, Person.pool_version, and_(*_MENTOR_WITH_ROOM)
).where(Person.program_id == bindparam("program_id"), Person.pool_version > bindparam("version"))
# Every available mentor's slots and profile stamp: on SQLite, from the pool's covering index alone.
_STATES = select(Person.id, Person.capacity, Person.active_mentees, _STAMP).where(*_available(bindparam("program_id")))
# More edited profiles than this are read with the whole pool, so a bulk import never sends a huge IN list.
_MOST_EDITED = 500

# A mentor's (capacity, taken slots, profile stamp) as the pool last saw them. The stamp is what the driver reads
# (text on SQLite, a datetime on PostgreSQL), only ever compared with stamps of the same database.
_State = tuple[int, int, Any]
# What may have changed: by person ID, the state now, or None for someone who is not in the pool now.
_Seen = dict[int, _State | None]


def _weighted_slots(states: dict[int, _State]) -> int:
    return sum(taken * p for p, (_, taken, _) in states.items())


@dataclass(frozen=True)
class _Cached:
    questions: tuple[Question, ...]
    # Each mentor of the pool's state, by person ID.
    states: dict[int, _State]
    # `_weighted_slots(states)`, kept as the states change.
    weighted_slots: int
    # The highest row version read: every change the pool has not seen is above it, unless the fingerprint says so.
    version: int
    pool: MentorPool

    @property
    def fingerprint(self) -> tuple[int, int, int]:
        """What `_FINGERPRINT` reads while the database is as this pool saw it."""
        return len(self.states), self.weighted_slots, self.version


class MentorPools:
    """One ranked-ready pool of mentors per program, kept current row by row as its mentors change.

    Every find reads the fingerprint: how many mentors are available, a sum of their taken slots weighted by
    person ID, and the program's highest row version (`people.pool_version`, which the database raises on every
    write to one of the program's people). When it moves, only the rows written since the version the pool has
    seen are read: a mentor whose slots alone moved gets new numbers, only those whose profile stamp changed (or
    who are new to the pool) are loaded, and the others keep their rows (`MentorPool.updated`, which ranks exactly
    as a fresh build). If the pool's fingerprint then still differs from the database's (a mentor deleted, or on
    PostgreSQL a write committed after a later one), every mentor's state is read and compared instead. Loading
    every profile happens once per program and process. A stale pool can only offer a mentor whose last slot was
    just taken, and a request re-checks capacity in its own transaction anyway.
    """

    def __init__(self) -> None:
        self._pools: dict[int, _Cached] = {}
        self._lock = threading.Lock()
        self._building: dict[int, threading.Lock] = {}

    def pool(self, session: Session, program_id: int, questions: tuple[Question, ...] = ()) -> MentorPool:
        fingerprint = _fingerprint(session, program_id)
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
                updated = _built(session, program_id, questions)
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
        person.id: (candidate(person), (person.capacity, person.active_mentees, stamp))
        for person, stamp in session.execute(statement)
    }


def _fingerprint(session: Session, program_id: int) -> tuple[int, int, int]:
    # A Core statement on the session's connection: no ORM result machinery for three numbers.
    count, weighted_slots, version = session.connection().execute(_FINGERPRINT, {"program_id": program_id}).one()
    return int(count), int(weighted_slots), int(version)


def _version(session: Session, program_id: int) -> int:
    return int(session.connection().execute(select(_VERSION), {"program_id": program_id}).scalar_one())


def _built(session: Session, program_id: int, questions: tuple[Question, ...]) -> _Cached:
    version = _version(session, program_id)
    loaded = _loaded(session, program_id)
    pool = MentorPool([mentor for mentor, _ in loaded.values()], questions)
    states = {p: state for p, (_, state) in loaded.items()}
    return _Cached(questions, states, _weighted_slots(states), version, pool)


def _brought_up_to_date(
    session: Session, program_id: int, cached: _Cached, fingerprint: tuple[int, int, int]
) -> _Cached:
    """The cached pool with the rows of the mentors that changed since it was made replaced, added or removed."""
    connection = session.connection()
    rows = connection.execute(_CHANGED, {"program_id": program_id, "version": cached.version}).all()
    seen: _Seen = {p: (capacity, taken, stamp) if room else None for p, capacity, taken, stamp, _, room in rows}
    updated = _applied(session, program_id, cached, seen, max([cached.version, *(row[4] for row in rows)]))
    # Unless something was written between the two reads, a change the versions do not show: every mentor's
    # state tells what it was.
    if (
        updated is not None
        and updated.fingerprint != fingerprint
        and updated.fingerprint != _fingerprint(session, program_id)
    ):
        version = _version(session, program_id)
        now = {
            p: (capacity, taken, stamp)
            for p, capacity, taken, stamp in connection.execute(_STATES, {"program_id": program_id})
        }
        seen = dict.fromkeys(updated.states.keys() - now.keys())
        seen.update((p, state) for p, state in now.items() if updated.states.get(p) != state)
        updated = _applied(session, program_id, updated, seen, version)
    return updated if updated is not None else _built(session, program_id, cached.questions)


def _applied(session: Session, program_id: int, cached: _Cached, seen: _Seen, version: int) -> _Cached | None:
    """The cached pool with what was seen: a mentor whose profile is unchanged but whose slots moved (an accept,
    an end) keeps their profile; edited and new ones are loaded. None when too many profiles changed."""
    slots_moved: dict[int, _State] = {}
    edited, gone = [], set()
    for p, state in seen.items():
        before = cached.states.get(p)
        if state == before:
            continue
        if state is None:
            gone.add(p)
        elif before is not None and before[2] == state[2]:
            slots_moved[p] = state
        else:
            edited.append(p)
    if len(edited) > _MOST_EDITED:
        return None
    loaded = _loaded(session, program_id, sorted(edited)) if edited else {}
    changed = [mentor for mentor, _ in loaded.values()]
    changed += [
        replace(cached.pool.mentor(p), free_slots=max(0, capacity - taken), capacity=capacity)
        for p, (capacity, taken, _) in slots_moved.items()
    ]
    gone |= set(edited) - loaded.keys()
    came = {**slots_moved, **{p: state for p, (_, state) in loaded.items()}}
    left = {p: cached.states[p] for p in (gone | came.keys()) & cached.states.keys()}
    states = dict(cached.states)
    for p in gone:
        states.pop(p, None)
    # The loaded rows' states are the ones their candidates were made from (a later change may show in the load).
    states.update(came)
    pool = cached.pool.updated(changed, gone & cached.states.keys())
    weighted_slots = cached.weighted_slots + _weighted_slots(came) - _weighted_slots(left)
    return _Cached(cached.questions, states, weighted_slots, version, pool)
