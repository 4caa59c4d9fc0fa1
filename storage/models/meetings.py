"""A relationship's meetings: the times offered, the one picked (with its calendar event), and whether it was held."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column


class MeetingStatus(enum.StrEnum):
    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class Meeting(Base):
    """One meeting of a pair, from the times offered to it having happened.

    `uid` is its calendar event's UID, kept across reschedules; each new version of the event raises `sequence`.
    `offered_at` is set while times are on offer: a pick is one conditional UPDATE on it, so the first click wins.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_pair", "pair_id", "status"),
        Index("ix_meetings_program", "program_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[MeetingStatus] = mapped_column(enum_column(MeetingStatus))
    minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    start: Mapped[datetime | None]
    end: Mapped[datetime | None]
    picked_by: Mapped[str | None] = mapped_column(String(32))
    # The UTC starts on offer, as ISO strings, in the order shown.
    proposals: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    offered_at: Mapped[datetime | None]
    series: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # The pair's own meeting link (a video call), put on the invite when they meet by video.
    video_link: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # The check-in that asks whether it happened; its "we met" marks the meeting held.
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"), index=True)
    scheduled_at: Mapped[datetime | None]
    held_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # When the one gentle nudge is due, while no time is picked (indexed so a tick costs O(due)).
    nudge_at: Mapped[datetime | None] = mapped_column(index=True)
