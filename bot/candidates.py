"""Loading people as matching candidates."""

from __future__ import annotations

import threading

from sqlalchemy import ColumnElement, bindparam, func, select
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
    """Active mentors of the program with at least one free slot."""
    return [candidate(p) for p in session.scalars(select(Person).where(*_available(program_id)))]


_FINGERPRINT = select(
    func.count(),
    func.max(Person.updated_at),
    func.coalesce(func.sum(Person.active_mentees * Person.id), 0),
).where(*_available(bindparam("program_id")))


class MentorPools:
    """One ranked-ready pool of mentors per program, rebuilt only when the mentors (or its questions) change.

    The fingerprint (count, last profile change, a weighted sum of taken slots) is one indexed aggregate
    query; loading thousands of profiles is not. A stale pool can only offer a mentor whose last slot was
    just taken, and a request re-checks capacity in its own transaction anyway.
    """

    def __init__(self) -> None:
        self._pools: dict[int, tuple[tuple[object, ...], MentorPool]] = {}
        self._lock = threading.Lock()
        self._building: dict[int, threading.Lock] = {}

    def pool(self, session: Session, program_id: int, questions: tuple[Question, ...] = ()) -> MentorPool:
        # A Core statement on the session's connection: no ORM result machinery for three numbers.
        counted = tuple(session.connection().execute(_FINGERPRINT, {"program_id": program_id}).one())
        fingerprint = (*counted, questions)
        cached = self._cached(program_id, fingerprint)
        if cached is not None:
            return cached
        with self._lock:
            building = self._building.setdefault(program_id, threading.Lock())
        # One build per program at a time: requests arriving meanwhile wait for it instead of each building.
        with building:
            cached = self._cached(program_id, fingerprint)
            if cached is not None:
                return cached
            pool = MentorPool(available_mentors(session, program_id), questions)
            with self._lock:
                self._pools[program_id] = (fingerprint, pool)
            return pool

    def _cached(self, program_id: int, fingerprint: tuple[object, ...]) -> MentorPool | None:
        with self._lock:
            cached = self._pools.get(program_id)
        return cached[1] if cached is not None and cached[0] == fingerprint else None
