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
from storage.models import MentorPoolSums, Person, PersonStatus, Role


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


# A mentor in the pool: one who mentors, is active and has a slot free (migration 0021's triggers say the same).
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
# The program's highest row version (migration 0020's triggers): a write the pool reads after this has a higher one,
# or else shows in the fingerprint.
_VERSION = select(func.coalesce(func.max(Person.pool_version), 0)).where(Person.program_id == bindparam("program_id"))
# The pool at a glance, one row kept by the database's triggers (migration 0021): how many mentors, their taken
# slots weighted by person ID, and the sum of their row versions (which any write to one of them moves, whenever it
# commits). A program with no mentor has no row.
_FINGERPRINT = select(MentorPoolSums.mentors, MentorPoolSums.weighted_slots, MentorPoolSums.versions).where(
    MentorPoolSums.program_id == bindparam("program_id")
)
# The program's rows written since a version, mentors or not, and whether each is one of the pool's now.
_CHANGED = select(
    Person.id, Person.capacity, Person.active_mentees, _STAMP, Person.pool_version, and_(*_MENTOR_WITH_ROOM)
).where(Person.program_id == bindparam("program_id"), Person.pool_version > bindparam("version"))
# Every available mentor's state: on SQLite, from the pool's covering index alone.
_STATES = select(Person.id, Person.capacity, Person.active_mentees, _STAMP, Person.pool_version).where(
    *_available(bindparam("program_id"))
)
# More edited profiles than this are read with the whole pool, so a bulk import never sends a huge IN list.
_MOST_EDITED = 500

# A mentor's (capacity, taken slots, profile stamp, row version) as the pool last saw them. The stamp is what the
# driver reads (text on SQLite, a datetime on PostgreSQL), only ever compared with stamps of the same database.
_State = tuple[int, int, Any, int]
# What may have changed: by person ID, the state now, or None for someone who is not in the pool now.
_Seen = dict[int, _State | None]
_Fingerprint = tuple[int, int, int]


def _sums(states: dict[int, _State]) -> tuple[int, int]:
    """The taken slots weighted by person ID, and the row versions, summed over these states."""
    return sum(taken * p for p, (_, taken, _, _) in states.items()), sum(version for *_, version in states.values())


@dataclass(frozen=True)
class _Cached:
    questions: tuple[Question, ...]
    # Each mentor of the pool's state, by person ID.
    states: dict[int, _State]
    # `_sums(states)`, kept as the states change.
    sums: tuple[int, int]
    # The highest row version read: a change the pool has not seen is above it, unless the fingerprint says so.
    version: int
    pool: MentorPool

    @property
    def fingerprint(self) -> _Fingerprint:
        """What `_FINGERPRINT` reads while the database is as this pool saw it."""
        return len(self.states), *self.sums


class MentorPools:
    """One ranked-ready pool of mentors per program, kept current row by row as its mentors change.

    Every find reads the fingerprint, one row the database keeps for the program (`mentor_pool_sums`): how many
    mentors are available, their taken slots weighted by person ID, and the sum of their row versions
    (`people.pool_version`, which the database raises on every write). When it moves, only the program's rows
    written since the highest version the pool has seen are read: a mentor whose slots alone moved gets new
    numbers, only those whose profile stamp changed (or who are new to the pool) are loaded, and the others keep
    their rows (`MentorPool.updated`, which ranks exactly as a fresh build). If the pool's fingerprint then still
    differs from the database's (a mentor deleted; on PostgreSQL a write that committed after a later one, with a
    lower version; on SQLite a deleted row's version written again), every mentor's state is read and compared
    instead. Loading every profile happens once per program and process.
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
    """Available mentors (all, or those in `only` that still are) as candidates with their states, by ID order. The
    state's columns come from the rows read, not from a `Person` this session may hold already."""
    statement = select(Person, Person.capacity, Person.active_mentees, _STAMP, Person.pool_version)
    statement = statement.where(*_available(program_id)).order_by(Person.id)
    if only is not None:
        statement = statement.where(Person.id.in_(only))
    return {
        person.id: (candidate(person), (capacity, taken, stamp, version))
        for person, capacity, taken, stamp, version in session.execute(statement)
    }


def _fingerprint(session: Session, program_id: int) -> _Fingerprint:
    # A Core statement on the session's connection: no ORM result machinery for three numbers.
    sums = session.connection().execute(_FINGERPRINT, {"program_id": program_id}).one_or_none()
    return (0, 0, 0) if sums is None else (int(sums[0]), int(sums[1]), int(sums[2]))


def _version(session: Session, program_id: int) -> int:
    return int(session.connection().execute(_VERSION, {"program_id": program_id}).scalar_one())


def _built(session: Session, program_id: int, questions: tuple[Question, ...]) -> _Cached:
    version = _version(session, program_id)
    loaded = _loaded(session, program_id)
    pool = MentorPool([mentor for mentor, _ in loaded.values()], questions)
    states = {p: state for p, (_, state) in loaded.items()}
    return _Cached(questions, states, _sums(states), version, pool)


def _brought_up_to_date(session: Session, program_id: int, cached: _Cached, fingerprint: _Fingerprint) -> _Cached:
    """The cached pool with the rows of the mentors that changed since it was made replaced, added or removed."""
    connection = session.connection()
    rows = connection.execute(_CHANGED, {"program_id": program_id, "version": cached.version}).all()
    seen: _Seen = {p: (capacity, taken, stamp, v) if room else None for p, capacity, taken, stamp, v, room in rows}
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
            p: (capacity, taken, stamp, v)
            for p, capacity, taken, stamp, v in connection.execute(_STATES, {"program_id": program_id})
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
        for p, (capacity, taken, _, _) in slots_moved.items()
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
    (slots_came, versions_came), (slots_left, versions_left) = _sums(came), _sums(left)
    sums = (cached.sums[0] + slots_came - slots_left, cached.sums[1] + versions_came - versions_left)
    return _Cached(cached.questions, states, sums, version, pool)
