"""Group rounds: an admin previews the peer circles or mentoring groups formed from a program's waiting members,
then publishes them.

A peer-circle program forms circles of peers (`form_circles`); a group-mentoring program forms groups of one
mentor and their mentees (`form_groups`). Either way the draft is a `MatchRound` whose proposals are groups;
publishing creates a `circles` row for each (its `mentor_id` set for a mentoring group) with every member, mentor
included, as a `circle_members` row, and each one's group DM and intro follow once the admin has their answer
(the unplaced are told why through the outbox).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.circles import Circle as FormedCircle
from bot.circles import (
    Formation,
    Member,
    Mentor,
    QuestionRule,
    RuleName,
    SpareMentor,
    circle_sentence,
    form_circles,
    form_groups,
)
from bot.dm_channels import open_group_dm, open_late
from bot.errors import NotYours, RoundClosed
from bot.group_life import CIRCLE_MAX, CIRCLE_MIN, GROUP_MIN_MENTEES, begin
from bot.group_members import in_active_circles, member_of, past_partners
from bot.groups import started
from bot.outbox import enqueue
from bot.pairs import waiting_for_dm
from bot.programs import open_program_in, program_in, view_of_program
from bot.services import Services
from bot.views.circles import circle_intro_message, circle_unplaced_message
from storage.models import (
    Circle,
    CircleMember,
    CircleStatus,
    MatchRound,
    Person,
    PersonStatus,
    Program,
    ProgramFormat,
    Role,
    RoundStatus,
)

log = logging.getLogger(__name__)
FORMATS = (ProgramFormat.CIRCLE, ProgramFormat.GROUP)  # the formats whose rounds form groups, not pairs
SEED = 19  # a fixed lot, so the same waiting members give the same preview
# Why someone proposed in a preview was not placed when it was published.
CHANGED_SINCE_PREVIEW = "someone proposed for your group left, paused or joined another since the preview"


@dataclass(frozen=True)
class ProposedCircle:
    user_ids: tuple[str, ...]  # a mentoring group's mentor first
    sentence: str
    score: float
    mentor_user_id: str | None = None


@dataclass(frozen=True)
class CirclePreview:
    round_id: int  # 0 when nobody is waiting, so there is no draft
    program: str
    circles: list[ProposedCircle]
    unplaced: list[tuple[str, str]]  # (Slack user ID, reason)
    mentoring: bool = False  # mentoring groups, not peer circles
    min_size: int = CIRCLE_MIN  # a circle's fewest peers, or a group's fewest mentees


@dataclass(frozen=True)
class StartedCircle:
    id: int
    user_ids: tuple[str, ...]
    sentence: str
    mentor_user_id: str | None = None


@dataclass(frozen=True)
class PublishedCircles:
    round_id: int
    program: str
    circles: list[StartedCircle]
    unplaced: list[tuple[str, str]]
    skipped: int
    mentoring: bool = False


def waiting_members(session: Session, program_id: int) -> list[Person]:
    """The program's active members with no place in an active circle or group."""
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


def window_minute(circle: FormedCircle) -> int | None:
    """The start of the group's longest common weekly window, in minutes since Monday 00:00 UTC."""
    return circle.common_windows[0].start * 60 if circle.common_windows else None


def _rules(program: Program) -> list[QuestionRule]:
    return [
        QuestionRule(q.key, cast(RuleName, q.rule.value), q.weight)
        for q in view_of_program(program).questions
        if q.counts
    ]


def _form(
    program: Program, people: list[Person], members: dict[int, Member]
) -> tuple[Formation, list[tuple[int, str]]]:
    """The program's groups of the people waiting, and everyone left out with why (the admin's wording)."""
    if program.format is ProgramFormat.CIRCLE:
        formation = form_circles(list(members.values()), CIRCLE_MIN, CIRCLE_MAX, _rules(program), seed=SEED)
        return formation, [(person, str(reason)) for person, reason in formation.unplaced]
    mentors = [p for p in people if p.role is Role.MENTOR]
    mentees = [members[p.id] for p in people if p.role is not Role.MENTOR]
    room = {p.id: min(p.capacity, program.group_size) for p in mentors}
    formation = form_groups(
        [Mentor(members[p.id], room[p.id]) for p in mentors],
        mentees,
        GROUP_MIN_MENTEES,
        program.group_size,
        _rules(program),
        seed=SEED,
    )
    unplaced = [(person, str(reason)) for person, reason in formation.unplaced]
    for mentor in formation.spare_mentors:
        if room[mentor] < GROUP_MIN_MENTEES:
            unplaced.append((mentor, str(SpareMentor.LITTLE_ROOM)))
        else:
            few = len(mentees) < GROUP_MIN_MENTEES
            unplaced.append((mentor, str(SpareMentor.NO_MENTEES if few else SpareMentor.NOT_NEEDED)))
    return formation, unplaced


def _proposal(circle: FormedCircle) -> dict[str, Any]:
    return {
        "members": list(circle.members),
        "mentor": circle.mentor,
        "score": circle.score,
        "sentence": circle_sentence(circle),
        "window_minute": window_minute(circle),
    }


def preview_circles(
    session: Session, team_id: str, program_id: int, admin_user_id: str, now: datetime
) -> CirclePreview:
    """Form the program's circles or mentoring groups from everyone waiting and keep them as a draft round;
    nothing is sent."""
    program = open_program_in(session, team_id, program_id)
    mentoring = program.format is ProgramFormat.GROUP
    smallest = GROUP_MIN_MENTEES if mentoring else CIRCLE_MIN
    people = waiting_members(session, program.id)
    if not people:
        return CirclePreview(0, program.name, [], [], mentoring, smallest)
    everyone = session.execute(select(Person.slack_user_id, Person.id).where(Person.program_id == program.id))
    ids_by_user = {user: person for user, person in everyone}
    met = past_partners(session, [p.id for p in people])
    members = {p.id: member_of(p, ids_by_user, met.get(p.id, set())) for p in people}
    formation, left_out = _form(program, people, members)
    users = {p.id: p.slack_user_id for p in people}
    proposals = [_proposal(c) for c in formation.circles]
    circles = [
        ProposedCircle(
            tuple(users[m] for m in c.members),
            str(proposal["sentence"]),
            c.score,
            users[c.mentor] if c.mentor is not None else None,
        )
        for c, proposal in zip(formation.circles, proposals, strict=True)
    ]
    draft = MatchRound(
        team_id=team_id,
        program_id=program.id,
        created_by=admin_user_id,
        status=RoundStatus.DRAFT,
        proposals=proposals,
        unmatched=[{"person_id": person, "reason": reason} for person, reason in left_out],
        created_at=now,
    )
    session.add(draft)
    session.flush()
    unplaced = [(users[person], reason) for person, reason in left_out]
    return CirclePreview(draft.id, program.name, circles, unplaced, mentoring, smallest)


def _settle(session: Session, team_id: str, round_id: int, status: RoundStatus, now: datetime | None) -> MatchRound:
    """Move a group round's draft on, once: a second click (or a racing one) finds it settled."""
    draft = session.get(MatchRound, round_id)
    if draft is None or draft.team_id != team_id:
        raise NotYours(f"round {round_id}")
    if program_in(session, team_id, draft.program_id).format not in FORMATS:
        raise NotYours(f"round {round_id} forms pairs, not groups")
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
    """Start the draft's circles or groups; one whose members have left, paused or joined a group since is
    skipped."""
    draft = _settle(session, team_id, round_id, RoundStatus.PUBLISHED, now)
    program = program_in(session, team_id, draft.program_id)
    formed: list[StartedCircle] = []
    unplaced: list[tuple[str, str]] = []
    skipped = 0
    for proposal in draft.proposals:
        ids = [int(m) for m in proposal["members"]]
        people = [session.get(Person, m) for m in ids]
        busy = set[int](session.scalars(in_active_circles(ids)))
        if busy or any(p is None or p.status is not PersonStatus.ACTIVE for p in people):
            skipped += 1
            still = [p for p in people if p and p.status is PersonStatus.ACTIVE and p.id not in busy]
            unplaced += [(p.slack_user_id, CHANGED_SINCE_PREVIEW) for p in still]
            continue
        mentor = proposal.get("mentor")
        window = proposal.get("window_minute")
        circle = Circle(
            team_id=team_id,
            program_id=program.id,
            round_id=draft.id,
            status=CircleStatus.ACTIVE,
            score=float(proposal["score"]),
            sentence=str(proposal["sentence"]),
            mentor_id=int(mentor) if mentor is not None else None,
            window_minute=int(window) if window is not None else None,
            created_at=now,
            started_at=now,
        )
        session.add(circle)
        session.flush()
        session.add_all(CircleMember(circle_id=circle.id, person_id=m, joined_at=now) for m in ids)
        session.flush()
        begin(session, circle.id, now)
        users = {p.id: p.slack_user_id for p in people if p}
        lead = users[int(mentor)] if mentor is not None else None
        formed.append(StartedCircle(circle.id, tuple(users[m] for m in ids), circle.sentence, lead))
    for item in draft.unmatched:
        person = session.get(Person, item["person_id"])
        if person is not None:
            unplaced.append((person.slack_user_id, str(item["reason"])))
    mentoring = program.format is ProgramFormat.GROUP
    return PublishedCircles(draft.id, program.name, formed, unplaced, skipped, mentoring)


def discard_circle_round(session: Session, team_id: str, round_id: int) -> ProgramFormat:
    """Discard a draft group round; returns its program's format (circles or mentoring groups)."""
    draft = _settle(session, team_id, round_id, RoundStatus.DISCARDED, None)
    return program_in(session, team_id, draft.program_id).format


def publish_circles(services: Services, team_id: str, round_id: int, now: datetime) -> PublishedCircles:
    """Publish a draft group round, queueing a kind note for everyone it could not place."""
    with services.db.unit_of_work() as session:
        published = publish_circle_round(session, team_id, round_id, now)
        for user, reason in published.unplaced:
            key = f"circles:{published.round_id}:unplaced:{user}"
            told = circle_unplaced_message(reason, published.program, published.mentoring)
            enqueue(session, team_id, key, told, now, user_id=user)
    return published


def start_circles(services: Services, client: WebClient, team_id: str, published: PublishedCircles) -> None:
    """Open each new group's DM, remember it, and queue the intro and the ask for an agreement there (the caller
    delivers the queue). Past Slack's burst, each group DM waits its turn for `conversations.open` (about 50 a
    minute per workspace, shared with every process), instead of running into 429s. A group Slack still refuses
    gets its DM from the scheduler (`open_waiting_circles`)."""
    for circle in published.circles:
        _start_circle(services, client, team_id, circle, published.program)


def _start_circle(services: Services, client: WebClient, team_id: str, circle: StartedCircle, program: str) -> bool:
    now = services.clock.now()
    try:
        channel = open_group_dm(services.db, client, team_id, list(circle.user_ids), bulk=True)
    except (SlackApiError, OSError) as error:
        log.warning("could not open the group DM of circle %s, the scheduler will try again: %s", circle.id, error)
        return False
    intro = circle_intro_message(circle.user_ids, circle.sentence, program, circle.mentor_user_id)
    with services.db.unit_of_work() as session:
        session.execute(update(Circle).where(Circle.id == circle.id).values(channel_id=channel))
        enqueue(session, team_id, f"circle:{circle.id}:intro", intro, now, channel_id=channel)
        started(session, circle.id, channel, now)
    return True


def _waiting_circles(session: Session, now: datetime) -> list[tuple[str, StartedCircle, str]]:
    """Active circles and groups still waiting for the group DM Slack wouldn't open as they started: (workspace,
    the circle, its program's name)."""
    waiting = []
    for circle in session.scalars(
        select(Circle)
        .where(Circle.status == CircleStatus.ACTIVE, waiting_for_dm(Circle.channel_id, Circle.started_at, now))
        .order_by(Circle.id)
    ):
        users = list(
            session.scalars(
                select(Person.slack_user_id)
                .join(CircleMember, CircleMember.person_id == Person.id)
                .where(CircleMember.circle_id == circle.id, CircleMember.left_at.is_(None))
                .order_by(CircleMember.id)
            )
        )
        mentor = session.get(Person, circle.mentor_id) if circle.mentor_id is not None else None
        lead = mentor.slack_user_id if mentor is not None else None
        program = program_in(session, circle.team_id, circle.program_id).name
        waiting.append((circle.team_id, StartedCircle(circle.id, tuple(users), circle.sentence, lead), program))
    return waiting


def open_waiting_circles(services: Services, client_for: Callable[[str], WebClient], now: datetime) -> int:
    """Open the group DM of each new circle or group still without one, with its intro queued; how many opened."""
    with services.db.reading() as session:
        waiting = [
            (f"circle-intro:{circle.id}", team_id, (team_id, circle, program))
            for team_id, circle, program in _waiting_circles(session, now)
        ]
    return open_late(services.db, client_for, now, waiting, lambda client, item: _start_circle(services, client, *item))
