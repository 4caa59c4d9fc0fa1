"""Peer circles: the small groups an admin round forms, and who is (or was) in each."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column


class CircleStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ENDED = "ended"


class Circle(Base):
    """A circle of peers in one program, formed by a round; `sentence` is why, as its members read it."""

    __tablename__ = "circles"
    __table_args__ = (Index("ix_circles_program_status", "program_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("match_rounds.id"))
    status: Mapped[CircleStatus] = mapped_column(enum_column(CircleStatus))
    score: Mapped[float] = mapped_column(Float)
    sentence: Mapped[str] = mapped_column(Text, default="")
    channel_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]


class CircleMember(Base):
    """One person's place in a circle; `left_at` is set when they leave (the circle may go on)."""

    __tablename__ = "circle_members"
    __table_args__ = (
        UniqueConstraint("circle_id", "person_id", name="uq_circle_members_circle_person"),
        Index("ix_circle_members_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
