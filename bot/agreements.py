"""Working agreements: one person proposes, the other confirms or suggests changes; the confirmed one is active."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.activity import touch
from bot.cadence import cadence_interval
from bot.errors import AgreementClosed, InvalidAgreement, NotYours, PairClosed
from bot.pairs import PairView, pair_for_member, view_of
from storage.models import Agreement, AgreementStatus, Cadence, MeetingChannel, Pair, PairStatus

MEETING_MINUTES = (30, 45, 60, 90)
MAX_VIDEO_LINK = 500
LENGTH_MONTHS = (3, 6, 12)
DAYS_PER_MONTH = 30
CONFIDENTIALITY = {
    "private": "What we discuss stays between the two of us.",
    "ask_first": "We can share what we learn, but we ask each other first.",
    "open": "We're happy for the themes (not the details) to be shared with the program.",
}


@dataclass(frozen=True)
class AgreementTerms:
    cadence: Cadence | None
    meeting_minutes: int | None
    meeting_channel: MeetingChannel | None
    focus: str
    length_months: int | None
    confidentiality: str | None
    video_link: str = ""


@dataclass(frozen=True)
class AgreementView:
    id: int
    pair: PairView
    status: AgreementStatus
    proposed_by: str
    cadence: Cadence
    meeting_minutes: int
    meeting_channel: MeetingChannel
    focus: str
    length_months: int
    confidentiality: str
    confirmed_at: datetime | None
    video_link: str = ""

    @property
    def partner_of_proposer(self) -> str:
        p = self.pair
        return p.mentee_user_id if self.proposed_by == p.mentor_user_id else p.mentor_user_id


def validate_terms(terms: AgreementTerms) -> dict[str, str]:
    errors: dict[str, str] = {}
    if terms.cadence is None:
        errors["cadence"] = "Pick how often you'll meet; you can change it later."
    if terms.meeting_minutes not in MEETING_MINUTES:
        errors["meeting_minutes"] = "Pick how long a meeting usually is."
    if terms.meeting_channel is None:
        errors["meeting_channel"] = "Pick where you'll usually meet."
    if len(terms.focus.split()) < 2:
        errors["focus"] = "Name what you'll focus on, e.g. “preparing conference talks, giving feedback”."
    elif len(terms.focus) > 500:
        errors["focus"] = "Keep the focus under 500 characters; goals hold the details."
    if terms.length_months not in LENGTH_MONTHS:
        errors["length_months"] = "Pick how long you'd like to work together."
    if terms.confidentiality not in CONFIDENTIALITY:
        errors["confidentiality"] = "Agree on what stays between you two."
    if terms.video_link and not _web_link(terms.video_link):
        errors["video_link"] = (
            "Paste the meeting's web link as it starts, with https://, e.g. https://meet.google.com/…"
        )
    elif len(terms.video_link) > MAX_VIDEO_LINK:
        errors["video_link"] = f"That link is over {MAX_VIDEO_LINK} characters; a shorter one works better in invites."
    return errors


def _web_link(link: str) -> bool:
    parsed = urlsplit(link)
    # No spaces, and nothing that could close or split Slack's <link|label> markup it is shown in.
    return parsed.scheme == "https" and bool(parsed.netloc) and not any(c.isspace() or c in "<>|" for c in link)


def agreement_view(session: Session, agreement: Agreement) -> AgreementView:
    return AgreementView(
        id=agreement.id,
        pair=view_of(session, session.get_one(Pair, agreement.pair_id)),
        status=agreement.status,
        proposed_by=agreement.proposed_by,
        cadence=agreement.cadence,
        meeting_minutes=agreement.meeting_minutes,
        meeting_channel=agreement.meeting_channel,
        focus=agreement.focus,
        length_months=agreement.length_months,
        confidentiality=agreement.confidentiality,
        confirmed_at=agreement.confirmed_at,
        video_link=agreement.video_link,
    )


def current_agreement(session: Session, pair_id: int, status: AgreementStatus) -> Agreement | None:
    return session.scalars(
        select(Agreement).where(Agreement.pair_id == pair_id, Agreement.status == status).order_by(Agreement.id.desc())
    ).first()


def agreement_for_member(session: Session, team_id: str, user_id: str, pair_id: int) -> AgreementView | None:
    """The latest proposal or, failing that, the active agreement; for pre-filling the modal."""
    pair_for_member(session, team_id, user_id, pair_id)
    agreement = current_agreement(session, pair_id, AgreementStatus.PROPOSED) or current_agreement(
        session, pair_id, AgreementStatus.ACTIVE
    )
    return None if agreement is None else agreement_view(session, agreement)


def propose(
    session: Session, team_id: str, user_id: str, pair_id: int, terms: AgreementTerms, now: datetime
) -> AgreementView:
    """A new proposal by one member; it replaces any earlier unconfirmed proposal."""
    problems = validate_terms(terms)
    if problems:
        raise InvalidAgreement(problems)
    assert terms.cadence and terms.meeting_minutes and terms.meeting_channel and terms.length_months
    pair = pair_for_member(session, team_id, user_id, pair_id)
    if pair.status is not PairStatus.ACTIVE:
        raise PairClosed(pair.status)
    earlier = current_agreement(session, pair_id, AgreementStatus.PROPOSED)
    if earlier is not None:
        earlier.status = AgreementStatus.SUPERSEDED
    agreement = Agreement(
        team_id=team_id,
        pair_id=pair_id,
        status=AgreementStatus.PROPOSED,
        proposed_by=user_id,
        cadence=terms.cadence,
        meeting_minutes=terms.meeting_minutes,
        meeting_channel=terms.meeting_channel,
        focus=terms.focus.strip(),
        length_months=terms.length_months,
        confidentiality=str(terms.confidentiality),
        video_link=terms.video_link,
        created_at=now,
    )
    session.add(agreement)
    session.flush()
    return agreement_view(session, agreement)


def confirm(session: Session, team_id: str, user_id: str, agreement_id: int, now: datetime) -> AgreementView:
    """The other member confirms: the agreement becomes active and sets the pair's first check-in and end."""
    agreement = session.get(Agreement, agreement_id)
    if agreement is None or agreement.team_id != team_id:
        raise NotYours(f"{user_id} on agreement {agreement_id}")
    pair = pair_for_member(session, team_id, user_id, agreement.pair_id)
    if agreement.proposed_by == user_id:
        raise AgreementClosed("own_proposal")
    if agreement.status is not AgreementStatus.PROPOSED:
        raise AgreementClosed(agreement.status)
    previous = current_agreement(session, pair.id, AgreementStatus.ACTIVE)
    if previous is not None:
        previous.status = AgreementStatus.SUPERSEDED
    agreement.status = AgreementStatus.ACTIVE
    agreement.confirmed_at = now
    pair.cadence = agreement.cadence
    touch(pair, now)
    pair.next_checkin_at = now + cadence_interval(agreement.cadence)
    pair.ends_at = (pair.started_at or now) + timedelta(days=DAYS_PER_MONTH * agreement.length_months)
    return agreement_view(session, agreement)
