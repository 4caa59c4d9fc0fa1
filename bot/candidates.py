"""Loading people as matching candidates."""

from __future__ import annotations

import threading

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from bot.matching import Candidate, topic_set
from bot.mentor_pool import MentorPool
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
    )


def _available(team_id: str | BindParameter[str]) -> tuple[ColumnElement[bool], ...]:
    return (
        Person.team_id == team_id,
        Person.role.in_((Role.MENTOR, Role.BOTH)),
        Person.status == PersonStatus.ACTIVE,
        Person.active_mentees < Person.capacity,
    )


def available_mentors(session: Session, team_id: str) -> list[Candidate]:
    """Active mentors of the workspace with at least one free slot."""
    return [candidate(p) for p in session.scalars(select(Person).where(*_available(team_id)))]


_FINGERPRINT = select(
    func.count(),
    func.max(Person.updated_at),
    func.coalesce(func.sum(Person.active_mentees * Person.id), 0),
).where(*_available(bindparam("team_id")))


class MentorPools:
    """One ranked-ready pool of mentors per workspace, rebuilt only when the mentors change.

    The fingerprint (count, last profile change, a weighted sum of taken slots) is one indexed aggregate
    query; loading thousands of profiles is not. A stale pool can only offer a mentor whose last slot was
    just taken, and a request re-checks capacity in its own transaction anyway.
    """

    def __init__(self) -> None:
        self._pools: dict[str, tuple[tuple[object, ...], MentorPool]] = {}
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}

    def pool(self, session: Session, team_id: str) -> MentorPool:
        # A Core statement on the session's connection: no ORM result machinery for three numbers.
        fingerprint = tuple(session.connection().execute(_FINGERPRINT, {"team_id": team_id}).one())
        cached = self._cached(team_id, fingerprint)
        if cached is not None:
            return cached
        with self._lock:
            building = self._building.setdefault(team_id, threading.Lock())
        # One build per workspace at a time: requests arriving meanwhile wait for it instead of each building.
        with building:
            cached = self._cached(team_id, fingerprint)
            if cached is not None:
                return cached
            pool = MentorPool(available_mentors(session, team_id))
            with self._lock:
                self._pools[team_id] = (fingerprint, pool)
            return pool

    def _cached(self, team_id: str, fingerprint: tuple[object, ...]) -> MentorPool | None:
        with self._lock:
            cached = self._pools.get(team_id)
        return cached[1] if cached is not None and cached[0] == fingerprint else None
