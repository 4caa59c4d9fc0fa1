"""Members of circles and mentoring groups: who has a place in one now, who has shared one before, and a person
as the group former sees them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from bot.cadence import WorkingHours
from bot.circles import Answer, Member, weekly_hours
from storage.models import Circle, CircleMember, CircleStatus, Person


def in_active_circles(person_ids: Iterable[int] | None = None) -> Select[int]:
    """The people with a place in an active circle or group (a group's mentor too)."""
    query = (
        select(CircleMember.person_id)
        .join(Circle, Circle.id == CircleMember.circle_id)
        .where(Circle.status == CircleStatus.ACTIVE, CircleMember.left_at.is_(None))
    )
    return query if person_ids is None else query.where(CircleMember.person_id.in_(list(person_ids)))


def past_partners(session: Session, person_ids: list[int]) -> dict[int, set[int]]:
    """Everyone each person has shared a circle with (a draft is no circle yet)."""
    mine, theirs = aliased(CircleMember), aliased(CircleMember)
    rows = session.execute(
        select(mine.person_id, theirs.person_id)
        .join(theirs, (theirs.circle_id == mine.circle_id) & (theirs.person_id != mine.person_id))
        .join(Circle, Circle.id == mine.circle_id)
        .where(mine.person_id.in_(person_ids), Circle.status != CircleStatus.DRAFT)
    )
    met: dict[int, set[int]] = defaultdict(set)
    for person, other in rows:
        met[person].add(other)
    return met


def _answer(value: object) -> Answer | None:
    if isinstance(value, list):
        return frozenset(str(v) for v in value) or None
    return str(value) if value not in (None, "") else None


def member_of(person: Person, ids_by_user: dict[str, int], met: set[int]) -> Member:
    topics = {t.strip().lower() for t in [*person.goals, *person.expertise] if t.strip()}
    answers = {key: a for key, value in (person.answers or {}).items() if (a := _answer(value)) is not None}
    return Member(
        member_id=person.id,
        topics=frozenset(topics),
        hours=weekly_hours(WorkingHours(person.timezone, person.work_start_minute, person.work_end_minute)),
        department=person.department,
        answers=answers,
        avoid=frozenset(ids_by_user[u] for u in person.do_not_match if u in ids_by_user),
        past_partners=frozenset(met),
    )
