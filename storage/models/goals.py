"""SMART goals with their milestones and the history of every change."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column
from storage.vocabulary import GoalStatus


class Goal(Base):
    """A SMART goal of a pair: specific title, measurable outcome, due date, milestones, a first step."""

    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_pair", "pair_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    title: Mapped[str] = mapped_column(String(150))
    outcome: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    first_action: Mapped[str] = mapped_column(Text)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[GoalStatus] = mapped_column(enum_column(GoalStatus), default=GoalStatus.OPEN)
    created_by: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (Index("ix_milestones_goal", "goal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(150))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None]


class GoalEvent(Base):
    """The history of a goal: created, edited, progress, milestone done, comment, completed."""

    __tablename__ = "goal_events"
    __table_args__ = (Index("ix_goal_events_goal", "goal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"))
    actor: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
