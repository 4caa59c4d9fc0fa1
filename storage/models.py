"""Typed SQLAlchemy models of a mentoring program; every workspace-owned row carries its Slack team_id."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Enum, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), list[str]: JSON(), dict[str, Any]: JSON()}


def _enum(cls: type[enum.StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Role(enum.StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"

    @property
    def mentors(self) -> bool:
        return self in (Role.MENTOR, Role.BOTH)

    @property
    def seeks_mentor(self) -> bool:
        return self in (Role.MENTEE, Role.BOTH)


class PersonStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"


class Cadence(enum.StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class MeetingChannel(enum.StrEnum):
    VIDEO = "video"
    IN_PERSON = "in_person"
    HUDDLE = "huddle"


class LearningStyle(enum.StrEnum):
    HANDS_ON = "hands_on"
    DISCUSSION = "discussion"
    READING = "reading"
    OBSERVING = "observing"


class Program(Base):
    """One mentoring program per Slack workspace, with the settings its admins control."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    admins: Mapped[list[str]] = mapped_column(default=list)
    shoutout_channel: Mapped[str | None] = mapped_column(String(32))
    default_cadence: Mapped[Cadence] = mapped_column(_enum(Cadence), default=Cadence.BIWEEKLY)
    anonymity_threshold: Mapped[int] = mapped_column(Integer, default=5)
    request_expiry_hours: Mapped[int] = mapped_column(Integer, default=72)
    created_at: Mapped[datetime]


class Person(Base):
    """Someone who joined the program, with the profile matching and scheduling rely on."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("team_id", "slack_user_id", name="uq_people_team_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[Role] = mapped_column(_enum(Role))
    expertise: Mapped[list[str]] = mapped_column(default=list)
    goals: Mapped[list[str]] = mapped_column(default=list)
    seniority: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    work_start_minute: Mapped[int] = mapped_column(Integer, default=9 * 60)
    work_end_minute: Mapped[int] = mapped_column(Integer, default=17 * 60)
    learning_style: Mapped[LearningStyle] = mapped_column(_enum(LearningStyle))
    meeting_channel: Mapped[MeetingChannel] = mapped_column(_enum(MeetingChannel))
    cadence: Mapped[Cadence] = mapped_column(_enum(Cadence))
    languages: Mapped[list[str]] = mapped_column(default=list)
    department: Mapped[str] = mapped_column(String(80), default="")
    do_not_match: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[PersonStatus] = mapped_column(_enum(PersonStatus), default=PersonStatus.ACTIVE)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
