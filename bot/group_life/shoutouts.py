"""A group's celebrations: posted only when everyone they name has said yes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import (
    InvalidShoutout,
    NoLongerOpen,
    NotYours,
)
from bot.group_life.model import SHOUTOUT_LIMIT, ShoutoutView, active_members, membership, view_of_group
from storage.models import (
    Circle,
    CircleShoutout,
    CircleStatus,
    Person,
    ShoutoutState,
)


def drop_from_shoutouts(session: Session, circle: Circle, person_id: int, now: datetime) -> list[ShoutoutView]:
    """Whoever leaves is no longer named in the group's pending shout-outs; those everyone left agreed to post."""
    ready = []
    for shoutout in session.scalars(
        select(CircleShoutout).where(
            CircleShoutout.circle_id == circle.id, CircleShoutout.status == ShoutoutState.PENDING
        )
    ):
        shoutout.named = [n for n in shoutout.named if n != person_id]
        shoutout.consents = [n for n in shoutout.consents if n != person_id]
        if set(shoutout.named) <= set(shoutout.consents):
            shoutout.status, shoutout.posted_at = ShoutoutState.POSTED, now
            ready.append(shoutout)
    session.flush()
    return [shoutout_view(session, s) for s in ready]


def propose_shoutout(
    session: Session, team_id: str, user_id: str, circle_id: int, text: str, now: datetime
) -> ShoutoutView:
    """A member proposes to celebrate the group in the program's channel; everyone it names is asked first."""
    circle, member = membership(session, team_id, user_id, circle_id, lock=True)
    if circle.status is not CircleStatus.ACTIVE:
        raise NoLongerOpen(str(circle.status))
    if not text.strip() or len(text.strip()) > SHOUTOUT_LIMIT:
        raise InvalidShoutout({"shoutout": f"Say what you're celebrating, in at most {SHOUTOUT_LIMIT} characters."})
    named = [p.id for _, p in active_members(session, circle.id)]
    shoutout = CircleShoutout(
        circle_id=circle.id,
        proposed_by=member.person_id,
        text=text.strip(),
        named=named,
        consents=[member.person_id],
        status=ShoutoutState.PENDING,
        created_at=now,
    )
    session.add(shoutout)
    session.flush()
    return shoutout_view(session, shoutout)


def shoutout_view(session: Session, shoutout: CircleShoutout) -> ShoutoutView:
    users = {p.id: p.slack_user_id for p in session.scalars(select(Person).where(Person.id.in_(shoutout.named)))}
    return ShoutoutView(
        id=shoutout.id,
        group=view_of_group(session, session.get_one(Circle, shoutout.circle_id)),
        proposed_by=session.get_one(Person, shoutout.proposed_by).slack_user_id,
        text=shoutout.text,
        named=tuple(users[n] for n in shoutout.named if n in users),
        consents=tuple(users[n] for n in shoutout.consents if n in users),
        status=shoutout.status,
    )


def answer_shoutout(
    session: Session, team_id: str, user_id: str, shoutout_id: int, consent: bool, now: datetime
) -> ShoutoutView:
    """Someone named says yes or no; all yeses post it, one no keeps it inside the group (without saying whose)."""
    shoutout = session.get(CircleShoutout, shoutout_id)
    if shoutout is None:
        raise NotYours(f"circle shout-out {shoutout_id}")
    _, member = membership(session, team_id, user_id, shoutout.circle_id, lock=True)
    session.refresh(shoutout)
    if member.person_id not in shoutout.named:
        raise NotYours(f"circle shout-out {shoutout_id}")
    if shoutout.status != ShoutoutState.PENDING:
        raise NoLongerOpen(shoutout.status)
    if not consent:
        shoutout.status = ShoutoutState.DECLINED
    elif member.person_id not in shoutout.consents:
        shoutout.consents = [*shoutout.consents, member.person_id]
    if set(shoutout.named) <= set(shoutout.consents):
        shoutout.status = ShoutoutState.POSTED
        shoutout.posted_at = now
    session.flush()
    return shoutout_view(session, shoutout)
