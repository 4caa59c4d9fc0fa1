"""Celebrating with consent, saying thanks, and asking admins for help in confidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import NotYours, ShoutoutClosed, ThanksClosed
from bot.goals import GoalView
from bot.pairs import PairView, pair_for_member, view_of
from bot.text import squash
from storage.models import HelpRequest, Pair, Program, Shoutout, ShoutoutStatus, Thanks

MAX_STORY = 280
MAX_THANKS = 1000
HELP_REASONS = {
    "not_meeting": "We're not managing to meet",
    "not_working": "The relationship isn't working",
    "conflict": "Something happened that worries me",
    "other": "Something else",
}


@dataclass(frozen=True)
class ShoutoutView:
    id: int
    team_id: str
    pair: PairView
    achievement: str
    story: str
    status: ShoutoutStatus
    consents: dict[str, str]


@dataclass(frozen=True)
class ThanksView:
    id: int
    team_id: str
    from_user: str
    to_user: str
    message: str


@dataclass(frozen=True)
class HelpView:
    id: int
    team_id: str
    user_id: str
    reason: str
    details: str
    handled_by: str | None


def program_channel(session: Session, team_id: str, configured: str, program_id: int | None = None) -> str | None:
    """Where celebrations go: the program's own channel (the workspace's first program when none is named),
    else MENTORBOT_SHOUTOUT_CHANNEL."""
    query = select(Program).where(Program.team_id == team_id)
    query = query.where(Program.id == program_id) if program_id else query.order_by(Program.id).limit(1)
    program = session.scalars(query).first()
    return (program.shoutout_channel if program is not None else None) or configured or None


def _shoutout_view(session: Session, shoutout: Shoutout) -> ShoutoutView:
    return ShoutoutView(
        id=shoutout.id,
        team_id=shoutout.team_id,
        pair=view_of(session, session.get_one(Pair, shoutout.pair_id)),
        achievement=shoutout.achievement,
        story=shoutout.story,
        status=shoutout.status,
        consents=dict(shoutout.consents),
    )


def propose_shoutout(session: Session, goal: GoalView, achievement: str, now: datetime) -> ShoutoutView:
    pair = goal.pair
    story = f"{pair.mentee_name} finished “{achievement}” with {pair.mentor_name} as mentor."
    shoutout = Shoutout(
        team_id=pair.team_id,
        pair_id=pair.id,
        goal_id=goal.id,
        achievement=achievement[:200],
        story=story[:MAX_STORY],
        consents={},
        status=ShoutoutStatus.ASKING,
        created_at=now,
    )
    session.add(shoutout)
    session.flush()
    return _shoutout_view(session, shoutout)


def consent(
    session: Session, team_id: str, user_id: str, shoutout_id: int, agree: bool, story: str, now: datetime
) -> ShoutoutView:
    """Record one person's yes (with their edit of the story) or no. Both yes → posted; any no → never posted."""
    shoutout = _member_shoutout(session, team_id, user_id, shoutout_id)
    if shoutout.status is ShoutoutStatus.POSTED or user_id in shoutout.consents:
        raise ShoutoutClosed(shoutout.status)
    shoutout.consents = {**shoutout.consents, user_id: "yes" if agree else "no"}
    if shoutout.status is ShoutoutStatus.DECLINED:
        # The partner already said no; this answer is recorded and looks exactly like waiting for them.
        return _shoutout_view(session, shoutout)
    if not agree:
        shoutout.status = ShoutoutStatus.DECLINED
    else:
        if story.strip():
            shoutout.story = squash(story)[:MAX_STORY]
        if len(shoutout.consents) == 2 and set(shoutout.consents.values()) == {"yes"}:
            shoutout.status = ShoutoutStatus.POSTED
            shoutout.posted_at = now
    return _shoutout_view(session, shoutout)


def _member_shoutout(session: Session, team_id: str, user_id: str, shoutout_id: int) -> Shoutout:
    shoutout = session.get(Shoutout, shoutout_id)
    if shoutout is None or shoutout.team_id != team_id:
        raise NotYours(f"{user_id} on shout-out {shoutout_id}")
    pair_for_member(session, team_id, user_id, shoutout.pair_id)
    return shoutout


def shoutout_for_member(session: Session, team_id: str, user_id: str, shoutout_id: int) -> ShoutoutView:
    return _shoutout_view(session, _member_shoutout(session, team_id, user_id, shoutout_id))


def validate_thanks(from_user: str, to_user: str | None, message: str) -> str | None:
    if to_user is None:
        return "Mention who you'd like to thank, e.g. `/mentor thanks @ana for the great feedback`."
    if to_user == from_user:
        return "Thanking yourself is lovely, but I'll only pass thanks on to someone else."
    if len(message.split()) < 2:
        return "Add a few words about what you're thankful for."
    if len(message) > MAX_THANKS:
        return (
            f"Thank-yous can be up to {MAX_THANKS:,} characters and yours has {len(message):,}, so I haven't sent "
            "it yet. Shorten it a little and send it again."
        )
    return None


def send_thanks(
    session: Session, team_id: str, from_user: str, to_user: str, message: str, now: datetime
) -> ThanksView:
    thanks = Thanks(team_id=team_id, from_user=from_user, to_user=to_user, message=message.strip(), created_at=now)
    session.add(thanks)
    session.flush()
    return ThanksView(thanks.id, team_id, from_user, to_user, thanks.message)


def share_thanks(session: Session, team_id: str, user_id: str, thanks_id: int, now: datetime) -> ThanksView:
    """Only the sender may share their thanks in the program channel, and only once."""
    thanks = session.get(Thanks, thanks_id)
    if thanks is None or thanks.team_id != team_id or thanks.from_user != user_id:
        raise NotYours(f"{user_id} on thanks {thanks_id}")
    if thanks.shared_at is not None:
        raise ThanksClosed("shared")
    thanks.shared_at = now
    return ThanksView(thanks.id, team_id, thanks.from_user, thanks.to_user, thanks.message)


def ask_for_help(
    session: Session, team_id: str, user_id: str, pair_id: int | None, reason: str, details: str, now: datetime
) -> HelpView:
    if pair_id is not None:
        pair_for_member(session, team_id, user_id, pair_id)
    request = HelpRequest(
        team_id=team_id,
        user_id=user_id,
        pair_id=pair_id,
        reason=reason if reason in HELP_REASONS else "other",
        details=details.strip()[:2000],
        created_at=now,
    )
    session.add(request)
    session.flush()
    return HelpView(request.id, team_id, user_id, request.reason, request.details, None)


def mark_handled(session: Session, team_id: str, admin_id: str, help_id: int, now: datetime) -> HelpView:
    request = session.get(HelpRequest, help_id)
    if request is None or request.team_id != team_id:
        raise NotYours(f"{admin_id} on help request {help_id}")
    if request.handled_at is None:
        request.handled_by, request.handled_at = admin_id, now
    return HelpView(request.id, team_id, request.user_id, request.reason, request.details, request.handled_by)
