"""A group's working agreement: one member proposes, every member confirms, a change asks everyone again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.agreements import MEETING_MINUTES
from bot.errors import (
    AgreementClosed,
    AgreementReplaced,
    InvalidAgreement,
)
from bot.group_life.model import FOCUS_LIMIT, Agreement, GroupView, begin, first_checkin_at, membership, view_of_group
from storage.models import (
    AgreementState,
    Cadence,
    Circle,
    CircleMember,
    CircleStatus,
)


def validate_agreement(cadence: str, minutes: int | None, focus: str) -> Agreement:
    """The agreement form's values, or `InvalidAgreement` with why, by field."""
    problems: dict[str, str] = {}
    chosen = next((c for c in Cadence if c.value == cadence), None)
    if chosen is None:
        problems["cadence"] = "Pick how often you'll meet; you can change it later."
    if minutes not in MEETING_MINUTES:
        problems["meeting_minutes"] = "Pick how long a meeting usually is."
    if len(focus.strip()) > FOCUS_LIMIT:
        problems["focus"] = f"Keep the focus to {FOCUS_LIMIT} characters; goals hold the details."
    if problems or chosen is None or minutes is None:
        raise InvalidAgreement(problems)
    return Agreement(chosen, minutes, focus.strip())


def propose_agreement(
    session: Session, team_id: str, user_id: str, circle_id: int, agreement: Agreement, now: datetime
) -> GroupView:
    """A member proposes how the group works (or a change to it): everyone else is asked to confirm again. A new
    meeting length lets the group pick a new time once it is agreed."""
    circle, member = membership(session, team_id, user_id, circle_id, lock=True)
    if circle.status is not CircleStatus.ACTIVE:
        raise AgreementClosed(str(circle.status))
    if circle.meeting_minutes != agreement.meeting_minutes:
        circle.time_picked_at = None
    circle.agreement_version += 1
    circle.agreement_status = AgreementState.PROPOSED
    circle.agreement_by = member.person_id
    circle.cadence = agreement.cadence
    circle.meeting_minutes = agreement.meeting_minutes
    circle.focus = agreement.focus
    session.execute(update(CircleMember).where(CircleMember.circle_id == circle.id).values(agreed_at=None))
    member.agreed_at = now
    session.flush()
    return view_of_group(session, circle)


def confirm_agreement(
    session: Session, team_id: str, user_id: str, circle_id: int, version: int, now: datetime
) -> tuple[GroupView, bool]:
    """A member confirms the proposal `version` (an older one's button is `AgreementReplaced`); once every member
    has, it is in force and check-ins begin. The second value: whether this was the last confirmation needed."""
    circle, member = membership(session, team_id, user_id, circle_id, lock=True)
    if circle.status is not CircleStatus.ACTIVE or circle.agreement_status == AgreementState.NONE:
        raise AgreementClosed(circle.agreement_status)
    if version != circle.agreement_version:
        raise AgreementReplaced(str(circle.agreement_version))
    member.agreed_at = member.agreed_at or now
    session.flush()
    return settle_agreement(session, circle, now)


def settle_agreement(session: Session, circle: Circle, now: datetime) -> tuple[GroupView, bool]:
    """Put a proposal everyone has confirmed in force: its first check-in (and, for a circle formed before groups
    had a life, its turn, end date and evaluation days)."""
    group = view_of_group(session, circle)
    if group.waiting_for or circle.agreement_status != AgreementState.PROPOSED:
        return group, False
    if circle.ends_at is None:
        begin(session, circle.id, now)
    circle.agreement_status = AgreementState.CONFIRMED
    circle.next_checkin_at = first_checkin_at(session, circle, now)
    return view_of_group(session, circle), True
