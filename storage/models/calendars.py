"""Calendars people connected (their OAuth tokens, encrypted) and the sign-ins on their way to a provider."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column


class CalendarProvider(enum.StrEnum):
    GOOGLE = "google"
    MICROSOFT = "microsoft"


class CalendarConnection(Base):
    """One person's connected calendar (one per person in a workspace: connecting another replaces it).

    `access_token` and `refresh_token` are Fernet-encrypted with MENTORBOT_SECRET_KEY, as Slack's tokens are.
    `email` is the mailbox whose schedule Microsoft Graph is asked for (Google is asked for the "primary" calendar).
    """

    __tablename__ = "calendar_connections"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_calendar_connections_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    provider: Mapped[CalendarProvider] = mapped_column(enum_column(CalendarProvider))
    email: Mapped[str] = mapped_column(String(320), default="", server_default="")
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text, default="", server_default="")
    # When the access token stops working (real time, as the provider counts it); None: not said.
    expires_at: Mapped[datetime | None]
    connected_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CalendarSignIn(Base):
    """The OAuth `state` of a sign-in sent to a provider: whose it is, used once, and only until it expires."""

    __tablename__ = "calendar_sign_ins"
    __table_args__ = (Index("ix_calendar_sign_ins_expires_at", "expires_at"),)

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    provider: Mapped[CalendarProvider] = mapped_column(enum_column(CalendarProvider))
    expires_at: Mapped[datetime]
