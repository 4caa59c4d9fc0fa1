"""What a program forms and how: pairs, the requests and rounds that make them, and their agreements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column
from storage.vocabulary import (
    AgreementStatus,
    Cadence,
    MeetingChannel,
    PairSource,
    PairStatus,
    RequestStatus,
    RoundStatus,
)


class Pair(Base):
    """A mentor and a mentee: proposed by a round, or active after an accepted request or both confirmations."""

    __tablename__ = "pairs"
    __table_args__ = (
        Index("ix_pairs_team_status", "team_id", "status"),
        Index("ix_pairs_mentee", "mentee_id"),
        Index("ix_pairs_mentor", "mentor_id"),
        # Each tick looks for pairs still waiting for their group DM: only those rows are in this index.
        Index(
            "ix_pairs_waiting_for_dm",
            "started_at",
            sqlite_where=text("channel_id IS NULL"),
            postgresql_where=text("channel_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    status: Mapped[PairStatus] = mapped_column(enum_column(PairStatus))
    source: Mapped[PairSource] = mapped_column(enum_column(PairSource))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("match_rounds.id"))
    mentor_confirmed: Mapped[bool] = mapped_column(default=False)
    mentee_confirmed: Mapped[bool] = mapped_column(default=False)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # Due times the scheduler claims; indexed so a tick costs O(due).
    next_checkin_at: Mapped[datetime | None] = mapped_column(index=True)
    fit_check_at: Mapped[datetime | None] = mapped_column(index=True)
    ends_at: Mapped[datetime | None] = mapped_column(index=True)
    end_reason: Mapped[str] = mapped_column(String(40), default="", server_default="")
    cadence: Mapped[Cadence] = mapped_column(enum_column(Cadence), default=Cadence.BIWEEKLY, server_default="biweekly")
    paused_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    missed_checkins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_question: Mapped[int] = mapped_column(Integer, default=-1, server_default="-1")
    last_activity_at: Mapped[datetime | None]
    low_rating: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    at_risk_since: Mapped[datetime | None]
    health_check_at: Mapped[datetime | None] = mapped_column(index=True)
    dormant_at: Mapped[datetime | None] = mapped_column(index=True)
    close_at: Mapped[datetime | None] = mapped_column(index=True)
    next_evaluation_at: Mapped[datetime | None] = mapped_column(index=True)
    evaluations_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    stay_in_touch_at: Mapped[datetime | None] = mapped_column(index=True)


class MatchRequest(Base):
    """A mentee's request to one mentor; due times drive the reminder and the expiry."""

    __tablename__ = "match_requests"
    __table_args__ = (
        Index("ix_match_requests_remind", "status", "remind_at"),
        Index("ix_match_requests_expire", "status", "expires_at"),
        Index("ix_match_requests_mentor", "mentor_id", "status"),
        Index(
            "uq_match_requests_one_open",
            "mentee_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    message: Mapped[str] = mapped_column(Text)
    cadence: Mapped[Cadence] = mapped_column(enum_column(Cadence))
    topic: Mapped[str] = mapped_column(String(80), default="")
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus), default=RequestStatus.OPEN)
    decline_note: Mapped[str] = mapped_column(Text, default="")
    mentor_channel: Mapped[str | None] = mapped_column(String(32))
    mentor_message_ts: Mapped[str | None] = mapped_column(String(32))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id"))
    created_at: Mapped[datetime]
    remind_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]


class MatchRound(Base):
    """A program-wide assignment an admin previews, then publishes or discards."""

    __tablename__ = "match_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[RoundStatus] = mapped_column(enum_column(RoundStatus), default=RoundStatus.DRAFT)
    # [{"mentee_id", "mentor_id", "score", "reasons"}] and [{"mentee_id", "reason"}]
    proposals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    unmatched: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]


class Agreement(Base):
    """How a pair works together. One side proposes, the other confirms; only a confirmed one is active."""

    __tablename__ = "agreements"
    __table_args__ = (Index("ix_agreements_pair", "pair_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    status: Mapped[AgreementStatus] = mapped_column(enum_column(AgreementStatus))
    proposed_by: Mapped[str] = mapped_column(String(32))
    cadence: Mapped[Cadence] = mapped_column(enum_column(Cadence))
    meeting_minutes: Mapped[int] = mapped_column(Integer)
    meeting_channel: Mapped[MeetingChannel] = mapped_column(enum_column(MeetingChannel))
    focus: Mapped[str] = mapped_column(Text)
    length_months: Mapped[int] = mapped_column(Integer)
    confidentiality: Mapped[str] = mapped_column(Text)
    # The pair's video meeting link, when they meet by video: it goes into their calendar invites.
    video_link: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
