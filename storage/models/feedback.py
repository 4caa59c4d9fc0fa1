"""How pairs are doing, in their own words: fit checks, check-ins, evaluations, shout-outs, thanks, help."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column
from storage.vocabulary import CheckInStatus, FitAnswer, ShoutoutStatus


class FitCheck(Base):
    """One person's private answer to "is this a good fit?"; never shown to the partner."""

    __tablename__ = "fit_checks"
    __table_args__ = (UniqueConstraint("pair_id", "user_id", name="uq_fit_checks_pair_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    answer: Mapped[FitAnswer] = mapped_column(enum_column(FitAnswer))
    created_at: Mapped[datetime]


class CheckIn(Base):
    """One check-in prompt in a pair's group DM, with who answered what."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_pair", "pair_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[CheckInStatus] = mapped_column(enum_column(CheckInStatus), default=CheckInStatus.OPEN)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class Evaluation(Base):
    """One person's private evaluation of their pair at a milestone (day 30, 60, 90, or the end)."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("pair_id", "user_id", "milestone", name="uq_evaluations_pair_user_milestone"),
        Index("ix_evaluations_remind", "remind_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    milestone: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime]
    remind_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ratings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    nps: Mapped[int | None] = mapped_column(Integer)
    worked: Mapped[str] = mapped_column(Text, default="")
    change: Mapped[str] = mapped_column(Text, default="")
    shared: Mapped[bool] = mapped_column(default=False)


class Shoutout(Base):
    """A finished milestone or goal that may be celebrated in the program channel once both people agree."""

    __tablename__ = "shoutouts"
    __table_args__ = (Index("ix_shoutouts_pair", "pair_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"))
    achievement: Mapped[str] = mapped_column(String(200))
    story: Mapped[str] = mapped_column(Text)
    consents: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[ShoutoutStatus] = mapped_column(enum_column(ShoutoutStatus), default=ShoutoutStatus.ASKING)
    created_at: Mapped[datetime]
    posted_at: Mapped[datetime | None]


class Thanks(Base):
    __tablename__ = "thanks"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    from_user: Mapped[str] = mapped_column(String(32))
    to_user: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    shared_at: Mapped[datetime | None]


class HelpRequest(Base):
    """A confidential request to program admins; the partner is never told."""

    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id"))
    reason: Mapped[str] = mapped_column(String(40))
    details: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    handled_by: Mapped[str | None] = mapped_column(String(32))
    handled_at: Mapped[datetime | None]
