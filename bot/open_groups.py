"""Mentoring groups with free places, as `/mentor find` offers them to a mentee in a group-mentoring program:
who mentors each, how many places are free, and why it fits (the topics they share with its members, and an
hour of the week that suits everyone, the mentee included)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.circles import Member, common_windows
from bot.group_members import in_active_circles, member_of
from bot.profiles import find_person
from bot.programs import ProgramView
from storage.models import Circle, CircleMember, CircleStatus, Person

MOST_SHOWN = 3


@dataclass(frozen=True)
class OpenGroup:
    id: int
    mentor_user_id: str
    mentee_user_ids: tuple[str, ...]
    free_places: int
    shared_topics: tuple[str, ...]  # the mentee's topics that someone in the group has too
    common_hour: str  # "Tuesday 15:00–16:00 UTC" when one suits the group and the mentee, else ""


def _avoided(person: Person, others: list[Person]) -> bool:
    """Someone in the group is on their do-not-match list, or has them on theirs."""
    return any(o.slack_user_id in person.do_not_match or person.slack_user_id in o.do_not_match for o in others)


def _fit(seeker: Member, members: list[Member]) -> tuple[tuple[str, ...], str]:
    theirs = frozenset().union(*(m.topics for m in members))
    hours = frozenset.intersection(seeker.hours, *(m.hours for m in members))
    windows = common_windows(hours)
    return tuple(sorted(seeker.topics & theirs)), windows[0].describe() if windows else ""


def groups_with_room(
    session: Session, team_id: str, user_id: str, program: ProgramView, topic: str = ""
) -> list[OpenGroup]:
    """The program's active mentoring groups with a free place this person may take, best fit first: most shared
    topics, then an hour that suits everyone, then most room. None while they have a place in a group; with a
    topic, only groups where someone has it."""
    person = find_person(session, team_id, user_id, program.id)
    if person is None or session.scalars(in_active_circles([person.id])).first() is not None:
        return []
    rows = session.execute(
        select(Circle.id, Circle.mentor_id, Person)
        .join(CircleMember, CircleMember.circle_id == Circle.id)
        .join(Person, Person.id == CircleMember.person_id)
        .where(
            Circle.program_id == program.id,
            Circle.status == CircleStatus.ACTIVE,
            Circle.mentor_id.is_not(None),
            CircleMember.left_at.is_(None),
        )
        .order_by(Circle.id, CircleMember.id)
    )
    groups: dict[int, list[Person]] = defaultdict(list)
    mentors: dict[int, int | None] = {}
    for circle_id, mentor_id, member in rows:
        groups[circle_id].append(member)
        mentors[circle_id] = mentor_id
    seeker = member_of(person, {}, set())
    wanted = topic.strip().lower()
    found: list[OpenGroup] = []
    for circle_id, people in groups.items():
        mentees = [p for p in people if p.id != mentors[circle_id]]
        mentor = next((p for p in people if p.id == mentors[circle_id]), None)
        free = program.group_size - len(mentees)
        if mentor is None or free <= 0 or _avoided(person, people):
            continue
        members = [member_of(p, {}, set()) for p in people]
        if wanted and not any(wanted in t for m in members for t in m.topics):
            continue
        shared, hour = _fit(seeker, members)
        found.append(
            OpenGroup(circle_id, mentor.slack_user_id, tuple(p.slack_user_id for p in mentees), free, shared, hour)
        )
    found.sort(key=lambda g: (-len(g.shared_topics), not g.common_hour, -g.free_places, g.id))
    return found[:MOST_SHOWN]
