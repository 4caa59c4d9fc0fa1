"""Programs and the people in them: one program per workspace, one profile per Slack user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column
from storage.vocabulary import Cadence, LearningStyle, MeetingChannel, PersonStatus, Role


class Program(Base):
    """One mentoring program per Slack workspace, with the settings its admins control."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    admins: Mapped[list[str]] = mapped_column(default=list)
    shoutout_channel: Mapped[str | None] = mapped_column(String(32))
    default_cadence: Mapped[Cadence] = mapped_column(enum_column(Cadence), default=Cadence.BIWEEKLY)
    anonymity_threshold: Mapped[int] = mapped_column(Integer, default=5)
    request_expiry_hours: Mapped[int] = mapped_column(Integer, default=72)
    match_weights: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    evaluation_days: Mapped[list[Any]] = mapped_column(
        JSON, default=lambda: [30, 60, 90], server_default="[30, 60, 90]"
    )
    created_at: Mapped[datetime]
    # Set while the app is uninstalled from the workspace: its pairs are paused and no due work runs.
    uninstalled_at: Mapped[datetime | None]


class Person(Base):
    """Someone who joined the program, with the profile matching and scheduling rely on."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("team_id", "slack_user_id", name="uq_people_team_user"),
        # Covers the mentor pool's fingerprint (bot/candidates.py), which every /mentor find reads: the
        # aggregate is answered from the index alone, without visiting each mentor's row.
        Index("ix_people_pool", "team_id", "status", "role", "capacity", "active_mentees", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[Role] = mapped_column(enum_column(Role))
    expertise: Mapped[list[str]] = mapped_column(default=list)
    goals: Mapped[list[str]] = mapped_column(default=list)
    seniority: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    # Mentees currently taking a slot; raised only by a conditional UPDATE, which is how slots are claimed.
    active_mentees: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    work_start_minute: Mapped[int] = mapped_column(Integer, default=9 * 60)
    work_end_minute: Mapped[int] = mapped_column(Integer, default=17 * 60)
    learning_style: Mapped[LearningStyle] = mapped_column(enum_column(LearningStyle))
    meeting_channel: Mapped[MeetingChannel] = mapped_column(enum_column(MeetingChannel))
    cadence: Mapped[Cadence] = mapped_column(enum_column(Cadence))
    languages: Mapped[list[str]] = mapped_column(default=list)
    department: Mapped[str] = mapped_column(String(80), default="")
    do_not_match: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[PersonStatus] = mapped_column(enum_column(PersonStatus), default=PersonStatus.ACTIVE)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
