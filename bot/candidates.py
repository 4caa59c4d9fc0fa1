"""Loading people as matching candidates."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.matching import Candidate, topic_set
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


def available_mentors(session: Session, team_id: str) -> list[Candidate]:
    """Active mentors of the workspace with at least one free slot."""
    people = session.scalars(
        select(Person).where(
            Person.team_id == team_id,
            Person.role.in_((Role.MENTOR, Role.BOTH)),
            Person.status == PersonStatus.ACTIVE,
            Person.active_mentees < Person.capacity,
        )
    )
    return [candidate(p) for p in people]
