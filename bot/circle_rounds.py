"""Peer-circle rounds: an admin previews circles formed from a program's waiting members, then publishes them.

The draft is a `MatchRound` whose proposals are circles; publishing creates the circles, and each one's group DM
and intro follow once the admin has their answer (the unplaced are told why through the outbox).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, aliased

from bot.cadence import WorkingHours
from bot.circles import Answer, Member, QuestionRule, RuleName, circle_sentence, form_circles, weekly_hours
from bot.errors import NotYours, RoundClosed
from bot.groups import started
from bot.outbox import enqueue
from bot.programs import open_program_in, program_in, view_of_program
from bot.services import Services
from bot.slack import open_dm
from bot.views.circles import circle_intro_message, circle_unplaced_message
from storage.models import (
    Circle,
    CircleMember,
    CircleStatus,
    MatchRound,
    Person,
    PersonStatus,
    ProgramFormat,
    RoundStatus,
)

log = logging.getLogger(__name__)
MIN_SIZE, MAX_SIZE = 3, 6
SEED = 19  # a fixed lot, so the same waiting members give the same preview


@dataclass(frozen=True)
class ProposedCircle:
    user_ids: tuple[str, ...]
    sentence: str
    score: float


@dataclass(frozen=True)
class CirclePreview:
    round_id: int  # 0 when nobody is waiting, so there is no draft
    program: str
    circles: list[ProposedCircle]
    unplaced: list[tuple[str, str]]  # (Slack user ID, reason)


@dataclass(frozen=True)
class StartedCircle:
    id: int
    user_ids: tuple[str, ...]
    sentence: str


@dataclass(frozen=True)
class PublishedCircles:
    round_id: int
    program: str
    circles: list[StartedCircle]
    unplaced: list[tuple[str, str]]
    skipped: int


def in_active_circles(person_ids: Iterable[int] | None = None) -> Select[int]:
    """The people with a place in an active circle."""
    query = (
        select(CircleMember.person_id)
        .join(Circle, Circle.id == CircleMember.circle_id)
        .where(Circle.status == CircleStatus.ACTIVE, CircleMember.left_at.is_(None))
    )
    return query if person_ids is None else query.where(CircleMember.person_id.in_(list(person_ids)))


def waiting_peers(session: Session, program_id: int) -> list[Person]:
    """The program's active members with no place in an active circle."""
    return list(
        session.scalars(
            select(Person)
            .where(
                Person.program_id == program_id,
                Person.status == PersonStatus.ACTIVE,
                Person.id.not_in(in_active_circles()),
            )
            .order_by(Person.id)
        )
    )


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


def preview_circles(
    session: Session, team_id: str, program_id: int, admin_user_id: str, now: datetime
) -> CirclePreview:
    """Form circles from everyone waiting and keep them as a draft round; nothing is sent."""
    program = open_program_in(session, team_id, program_id)
    people = waiting_peers(session, program.id)
    if not people:
        return CirclePreview(0, program.name, [], [])
    everyone = session.execute(select(Person.slack_user_id, Person.id).where(Person.program_id == program.id))
    ids_by_user = {user: person for user, person in everyone}
    met = past_partners(session, [p.id for p in people])
    rules = [
        QuestionRule(q.key, cast(RuleName, q.rule.value), q.weight)
        for q in view_of_program(program).questions
        if q.counts
    ]
    formation = form_circles(
        [member_of(p, ids_by_user, met.get(p.id, set())) for p in people], MIN_SIZE, MAX_SIZE, rules, seed=SEED
    )
    users = {p.id: p.slack_user_id for p in people}
    circles = [
        ProposedCircle(tuple(users[m] for m in c.members), circle_sentence(c), c.score) for c in formation.circles
    ]
    draft = MatchRound(
        team_id=team_id,
        program_id=program.id,
        created_by=admin_user_id,
        status=RoundStatus.DRAFT,
        proposals=[
            {"members": list(c.members), "score": c.score, "sentence": circle_sentence(c)} for c in formation.circles
        ],
        unmatched=[{"person_id": person, "reason": str(reason)} for person, reason in formation.unplaced],
        created_at=now,
    )
    session.add(draft)
    session.flush()
    unplaced = [(users[person], str(reason)) for person, reason in formation.unplaced]
    return CirclePreview(draft.id, program.name, circles, unplaced)


def _settle(session: Session, team_id: str, round_id: int, status: RoundStatus, now: datetime | None) -> MatchRound:
    """Move a circle round's draft on, once: a second click (or a racing one) finds it settled."""
    draft = session.get(MatchRound, round_id)
    if draft is None or draft.team_id != team_id:
        raise NotYours(f"round {round_id}")
    if program_in(session, team_id, draft.program_id).format is not ProgramFormat.CIRCLE:
        raise NotYours(f"circle round {round_id}")
    moved = session.execute(
        update(MatchRound)
        .where(MatchRound.id == round_id, MatchRound.status == RoundStatus.DRAFT)
        .values(status=status, published_at=now)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise RoundClosed(draft.status)
    session.refresh(draft)
    return draft


def publish_circle_round(session: Session, team_id: str, round_id: int, now: datetime) -> PublishedCircles:
    """Start the draft's circles; one whose members have left, paused or joined a circle since is skipped."""
    draft = _settle(session, team_id, round_id, RoundStatus.PUBLISHED, now)
    program = program_in(session, team_id, draft.program_id)
    started: list[StartedCircle] = []
    skipped = 0
    for proposal in draft.proposals:
        ids = [int(m) for m in proposal["members"]]
        people = [session.get(Person, m) for m in ids]
        busy = set[int](session.scalars(in_active_circles(ids)))
        if busy or any(p is None or p.status is not PersonStatus.ACTIVE for p in people):
            skipped += 1
            continue
        circle = Circle(
            team_id=team_id,
            program_id=program.id,
            round_id=draft.id,
            status=CircleStatus.ACTIVE,
            score=float(proposal["score"]),
            sentence=str(proposal["sentence"]),
            created_at=now,
            started_at=now,
        )
        session.add(circle)
        session.flush()
        session.add_all(CircleMember(circle_id=circle.id, person_id=m, joined_at=now) for m in ids)
        started.append(StartedCircle(circle.id, tuple(p.slack_user_id for p in people if p), circle.sentence))
    unplaced = []
    for item in draft.unmatched:
        person = session.get(Person, item["person_id"])
        if person is not None:
            unplaced.append((person.slack_user_id, str(item["reason"])))
    return PublishedCircles(draft.id, program.name, started, unplaced, skipped)


def discard_circle_round(session: Session, team_id: str, round_id: int) -> None:
    _settle(session, team_id, round_id, RoundStatus.DISCARDED, None)


def publish_circles(services: Services, team_id: str, round_id: int, now: datetime) -> PublishedCircles:
    """Publish a draft circle round, queueing a kind note for everyone it could not place."""
    with services.db.unit_of_work() as session:
        published = publish_circle_round(session, team_id, round_id, now)
        for user, reason in published.unplaced:
            key = f"circles:{published.round_id}:unplaced:{user}"
            enqueue(session, team_id, key, circle_unplaced_message(reason, published.program), now, user_id=user)
    return published


def start_circles(services: Services, client: WebClient, team_id: str, published: PublishedCircles) -> None:
    """Open each new circle's group DM, remember it, and queue the intro there (the caller delivers the queue)."""
    now = services.clock.now()
    for circle in published.circles:
        try:
            channel = open_dm(client, list(circle.user_ids))
        except SlackApiError:
            log.exception("could not open the group DM of circle %s", circle.id)
            continue
        intro = circle_intro_message(circle.user_ids, circle.sentence, published.program)
        with services.db.unit_of_work() as session:
            session.execute(update(Circle).where(Circle.id == circle.id).values(channel_id=channel))
            enqueue(session, team_id, f"circle:{circle.id}:intro", intro, now, channel_id=channel)
            started(session, circle.id, channel, now)
