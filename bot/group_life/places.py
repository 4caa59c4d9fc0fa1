"""Places in groups: offered to whoever waits longest, taken, let go, passed on; leaving quietly, and the end
of a group that can't go on."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.activity import lock_due
from bot.errors import (
    NoLongerOpen,
    NotYours,
)
from bot.group_life.agreement import settle_agreement
from bot.group_life.model import (
    OFFER_DAYS,
    Answered,
    GroupView,
    Left,
    OfferView,
    active_members,
    end_group,
    groups_of,
    maximum_of,
    membership,
    minimum_of,
    next_facilitator,
    view_of_group,
)
from bot.group_life.shoutouts import drop_from_shoutouts
from storage.models import (
    Circle,
    CircleMember,
    CircleOffer,
    CircleStatus,
    OfferStatus,
    Person,
    PersonStatus,
    Program,
)


def _avoids(person: Person, others: list[Person]) -> bool:
    """Someone among `others` is on their do-not-match list, or has them on theirs (the lists stay private)."""
    return any(o.slack_user_id in person.do_not_match or person.slack_user_id in o.do_not_match for o in others)


def in_a_group(session: Session, person_id: int) -> bool:
    return (
        session.scalar(
            select(CircleMember.id)
            .join(Circle, Circle.id == CircleMember.circle_id)
            .where(
                CircleMember.person_id == person_id,
                CircleMember.left_at.is_(None),
                Circle.status == CircleStatus.ACTIVE,
            )
            .limit(1)
        )
        is not None
    )


def _may_take(session: Session, circle: Circle, person: Person) -> bool:
    """Whether this person may take a place here: the program is open, a mentoring group's mentees are not
    mentors, and nobody in it is on their do-not-match list (or has them on theirs)."""
    if session.get_one(Program, circle.program_id).closed_at is not None:
        return False
    if circle.mentor_id is not None and person.role is session.get_one(Person, circle.mentor_id).role:
        return False
    return not _avoids(person, [p for _, p in active_members(session, circle.id)])


def _waiting(session: Session, circle: Circle, skip: int | None = None) -> Person | None:
    """Who to offer a place: the longest-waiting active member of the program in no active group, offered none,
    never in this group before, allowed to take a place in it, and not `skip` (who just let this place go)."""
    busy = (
        select(CircleMember.person_id)
        .join(Circle, Circle.id == CircleMember.circle_id)
        .where(Circle.status == CircleStatus.ACTIVE, CircleMember.left_at.is_(None))
    )
    offered = select(CircleOffer.person_id).where(CircleOffer.status == OfferStatus.OPEN)
    been = select(CircleMember.person_id).where(CircleMember.circle_id == circle.id)
    query = select(Person).where(
        Person.program_id == circle.program_id,
        Person.status == PersonStatus.ACTIVE,
        Person.id.not_in(busy),
        Person.id.not_in(offered),
        Person.id.not_in(been),
        Person.id != (skip or 0),
    )
    for person in session.scalars(query.order_by(Person.created_at, Person.id)):
        if _may_take(session, circle, person):
            return person
    return None


def _offer(session: Session, circle: Circle, person: Person, now: datetime) -> OfferView:
    offer = CircleOffer(circle_id=circle.id, person_id=person.id, status=OfferStatus.OPEN, created_at=now)
    session.add(offer)
    session.flush()
    return OfferView(offer.id, person.slack_user_id, view_of_group(session, circle))


def offer_place(session: Session, circle: Circle, now: datetime, skip: int | None = None) -> OfferView | None:
    """Offer a free place in this group to whoever has waited longest, if anyone is waiting who may take it."""
    if len(active_members(session, circle.id)) >= maximum_of(session, circle):
        return None
    person = _waiting(session, circle, skip)
    return None if person is None else _offer(session, circle, person, now)


def open_offer_for(session: Session, person: Person, now: datetime) -> OfferView | None:
    """A late joiner's place: the active group of their program with the most room that they may take."""
    circles = session.scalars(
        select(Circle).where(Circle.program_id == person.program_id, Circle.status == CircleStatus.ACTIVE)
    )
    roomy = [
        (maximum_of(session, c) - len(active_members(session, c.id)), c.id, c)
        for c in circles
        if _may_take(session, c, person)
    ]
    roomy = [r for r in roomy if r[0] > 0]
    if not roomy or in_a_group(session, person.id):
        return None
    _, _, circle = max(roomy, key=lambda r: (r[0], -r[1]))
    return _offer(session, circle, person, now)


def due_offer_expiries(session: Session, now: datetime, limit: int) -> list[Answered]:
    """Offers nobody answered within OFFER_DAYS: each is withdrawn and its place offered to the next person waiting,
    or a group below its minimum with nobody waiting ends."""
    query = (
        select(CircleOffer.id)
        .where(CircleOffer.status == OfferStatus.OPEN, CircleOffer.created_at <= now - timedelta(days=OFFER_DAYS))
        .join(Circle, Circle.id == CircleOffer.circle_id)
        .order_by(CircleOffer.created_at)
        .limit(limit)
    )
    expired = []
    for offer_id in lock_due(session, query, Circle.team_id):
        offer = session.get_one(CircleOffer, offer_id)
        circle = session.get_one(Circle, offer.circle_id, with_for_update=True)
        offer.status, offer.answered_at = OfferStatus.GONE, now
        expired.append(_passed_on(session, circle, offer, now))
    return expired


def _passed_on(session: Session, circle: Circle, offer: CircleOffer, now: datetime) -> Answered:
    """The place `offer` held goes to the next person waiting; a group below its minimum with nobody waiting ends."""
    active = circle.status is CircleStatus.ACTIVE
    offered = offer_place(session, circle, now, skip=offer.person_id) if active else None
    short = active and len(active_members(session, circle.id)) < minimum_of(circle)
    if short and offered is None:
        end_group(session, circle, "too_few", now)
    user = session.get_one(Person, offer.person_id).slack_user_id
    return Answered(
        view_of_group(session, circle), joined=False, offered=offered, ended=short and offered is None, user_id=user
    )


def waits_or_belongs(session: Session, person_id: int) -> bool:
    """Whether they have a place in an active group, or one offered to them."""
    offered = session.scalar(
        select(CircleOffer.id)
        .where(CircleOffer.person_id == person_id, CircleOffer.status == OfferStatus.OPEN)
        .limit(1)
    )
    return offered is not None or in_a_group(session, person_id)


def leave_group(session: Session, team_id: str, user_id: str, circle_id: int, now: datetime) -> Left:
    """They leave quietly: the group goes on while it has its minimum (a place is offered to someone waiting),
    and otherwise ends, no one's fault, unless someone waiting is offered the place first. A mentor leaving ends
    their group. What was waiting on them (the agreement, a shout-out, their turn) moves on without them."""
    circle, member = membership(session, team_id, user_id, circle_id, lock=True)
    if circle.status is not CircleStatus.ACTIVE:
        raise NoLongerOpen(str(circle.status))
    if circle.facilitator_id == member.person_id:
        circle.facilitator_id = next_facilitator(session, circle)
    member.left_at = now
    member.agreed_at = None
    if circle.facilitator_id == member.person_id:
        circle.facilitator_id = None
    session.flush()
    posted = drop_from_shoutouts(session, circle, member.person_id, now)
    leaving_mentor = circle.mentor_id == member.person_id
    remaining = len(active_members(session, circle.id))
    offered = None if leaving_mentor else offer_place(session, circle, now)
    ended = leaving_mentor or (remaining < minimum_of(circle) and offered is None)
    if ended:
        end_group(session, circle, "mentor_left" if leaving_mentor else "left", now)
    else:
        settle_agreement(session, circle, now)
    return Left(view_of_group(session, circle), user_id, ended, offered, leaving_mentor, tuple(posted))


def leave_groups_in(session: Session, team_id: str, user_id: str, program_id: int | None, now: datetime) -> list[Left]:
    """Leaving a program (or all of them) leaves its groups too."""
    return [
        leave_group(session, team_id, user_id, group.id, now)
        for group in groups_of(session, team_id, user_id)
        if program_id is None or group.program_id == program_id
    ]


def _offer_of(session: Session, team_id: str, user_id: str, offer_id: int) -> CircleOffer:
    offer = session.get(CircleOffer, offer_id)
    person = None if offer is None else session.get(Person, offer.person_id)
    if offer is None or person is None or person.team_id != team_id or person.slack_user_id != user_id:
        raise NotYours(f"circle offer {offer_id}")
    return offer


def answer_offer(session: Session, team_id: str, user_id: str, offer_id: int, accept: bool, now: datetime) -> Answered:
    """They take the offered place (if it is still free and theirs to take) or let it go (the place is offered to
    the next person waiting; a group below its minimum with nobody waiting ends)."""
    offer = _offer_of(session, team_id, user_id, offer_id)
    circle = session.get_one(Circle, offer.circle_id, with_for_update=True)
    if offer.status is not OfferStatus.OPEN:
        raise NoLongerOpen(str(offer.status))
    offer.answered_at = now
    person = session.get_one(Person, offer.person_id)
    if not accept:
        offer.status = OfferStatus.DECLINED
        return _passed_on(session, circle, offer, now)
    if not _has_room(session, circle) or in_a_group(session, person.id) or not _may_take(session, circle, person):
        offer.status = OfferStatus.GONE
        return Answered(view_of_group(session, circle), joined=False, gone=True)
    offer.status = OfferStatus.ACCEPTED
    return Answered(add_member(session, circle, person.id, now), joined=True)


def _has_room(session: Session, circle: Circle) -> bool:
    return circle.status is CircleStatus.ACTIVE and len(active_members(session, circle.id)) < maximum_of(
        session, circle
    )


def add_member(session: Session, circle: Circle, person_id: int, now: datetime) -> GroupView:
    """A new member takes a free place (the caller has checked there is one, holding the circle's row)."""
    earlier = session.scalars(
        select(CircleMember).where(CircleMember.circle_id == circle.id, CircleMember.person_id == person_id)
    ).first()
    if earlier is not None:
        earlier.left_at, earlier.joined_at, earlier.agreed_at = None, now, None
    else:
        session.add(CircleMember(circle_id=circle.id, person_id=person_id, joined_at=now))
    session.execute(
        update(CircleOffer)
        .where(CircleOffer.person_id == person_id, CircleOffer.status == OfferStatus.OPEN)
        .values(status=OfferStatus.GONE, answered_at=now)
    )
    session.flush()
    return view_of_group(session, circle)


def join_circle(session: Session, team_id: str, user_id: str, circle_id: int, now: datetime) -> GroupView:
    """A member of the program takes a free place in one of its groups (from `/mentor find`): `NotYours` when it
    isn't theirs to take, `NoLongerOpen` when it is full or they already have a group."""
    circle = session.get(Circle, circle_id, with_for_update=True)
    person = None
    if circle is not None and circle.team_id == team_id:
        person = session.scalars(
            select(Person).where(
                Person.program_id == circle.program_id,
                Person.slack_user_id == user_id,
                Person.status == PersonStatus.ACTIVE,
            )
        ).first()
    if circle is None or person is None or not _may_take(session, circle, person):
        raise NotYours(f"circle {circle_id}")
    if in_a_group(session, person.id):
        raise NoLongerOpen("in a group")
    if not _has_room(session, circle):
        raise NoLongerOpen("full")
    return add_member(session, circle, person.id, now)


def end_program_groups(session: Session, program_id: int, now: datetime) -> list[GroupView]:
    """A cohort's end is its groups' end too: each active group ends, completed, as its members last were."""
    ended = []
    for circle in session.scalars(
        select(Circle).where(Circle.program_id == program_id, Circle.status == CircleStatus.ACTIVE).order_by(Circle.id)
    ):
        group = view_of_group(session, circle)
        end_group(session, circle, "completed", now)
        ended.append(group)
    return ended


def due_group_endings(session: Session, now: datetime, limit: int) -> list[GroupView]:
    query = (
        select(Circle.id)
        .where(Circle.status == CircleStatus.ACTIVE, Circle.ends_at <= now)
        .order_by(Circle.ends_at)
        .limit(limit)
    )
    ended = []
    for circle_id in lock_due(session, query, Circle.team_id):
        circle = session.get_one(Circle, circle_id)
        group = view_of_group(session, circle)
        end_group(session, circle, "completed", now)
        ended.append(group)
    return ended
