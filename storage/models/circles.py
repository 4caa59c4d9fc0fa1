"""Groups and circles: what a group-mentoring or peer-circle program forms, who is (or was) in each, and its life.

A row of `circles` is a *peer circle* (3–6 peers, a facilitator that rotates each meeting) when `mentor_id` is
empty, and a *mentoring group* (one mentor and 2–7 mentees) when it names the mentor. Either way the group has
one group DM, one working agreement that every member confirms, check-ins with each member's attendance, and
private evaluations per member.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column
from storage.vocabulary import AgreementState, Cadence, ShoutoutState


class CircleStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ENDED = "ended"


class OfferStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    GONE = "gone"  # the place was taken, or the group ended, before an answer


class Circle(Base):
    """A circle or group in one program; `sentence` is why it was formed, as its members read it."""

    __tablename__ = "circles"
    __table_args__ = (
        Index("ix_circles_program_status", "program_id", "status"),
        # Each tick looks for circles still waiting for their group DM: only those rows are in this index.
        Index(
            "ix_circles_waiting_for_dm",
            "started_at",
            sqlite_where=text("channel_id IS NULL"),
            postgresql_where=text("channel_id IS NULL"),
        ),
    )

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
    # The mentor of a mentoring group; empty for a peer circle.
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # The weekly slot: minutes since Monday 00:00 in `window_zone` (the former's common hour is in UTC; a picked
    # time is kept in its organiser's zone, so the meetings keep their wall time across daylight saving).
    window_minute: Mapped[int | None] = mapped_column(Integer)
    window_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # The working agreement: proposed by one member, confirmed by every member (each member's `agreed_at`).
    agreement_status: Mapped[str] = mapped_column(String(16), default=AgreementState.NONE, server_default="none")
    # Raised by each proposal, so a button of an older one can't confirm a newer one.
    agreement_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    agreement_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    cadence: Mapped[Cadence | None] = mapped_column(enum_column(Cadence))
    meeting_minutes: Mapped[int | None] = mapped_column(Integer)
    focus: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Meeting times offered in the group DM (UTC ISO starts) until one is picked; the pick sets `window_minute`.
    offered_times: Mapped[list[Any]] = mapped_column(JSON, default=list)
    time_picked_at: Mapped[datetime | None]
    # The scheduler's due times, indexed so a tick costs O(due).
    next_checkin_at: Mapped[datetime | None] = mapped_column(index=True)
    ends_at: Mapped[datetime | None] = mapped_column(index=True)
    # The next of the program's evaluation days (30, 60, 90…), and how many have been asked.
    next_evaluation_at: Mapped[datetime | None] = mapped_column(index=True)
    evaluations_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    meetings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Whose turn it is to facilitate the next meeting of a circle.
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at_risk_since: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(String(40), default="", server_default="")


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
    # When this member confirmed the group's current agreement; cleared when someone asks for a change.
    agreed_at: Mapped[datetime | None]


class CircleCheckIn(Base):
    """One meeting's check-in in the group DM: who facilitated, and (in `circle_attendance`) who was there."""

    __tablename__ = "circle_checkins"
    __table_args__ = (UniqueConstraint("circle_id", "number", name="uq_circle_checkins_circle_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id"))
    number: Mapped[int] = mapped_column(Integer)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    question: Mapped[str] = mapped_column(Text, default="")
    asked_at: Mapped[datetime]
    # This check-in found attendance had dropped, so it asks the group whether its slot still works.
    at_risk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class CircleAttendance(Base):
    """A member's answer to one check-in: whether they were at the meeting (seen by the group)."""

    __tablename__ = "circle_attendance"
    __table_args__ = (UniqueConstraint("checkin_id", "person_id", name="uq_circle_attendance_checkin_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("circle_checkins.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    attended: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime]


class CircleEvaluation(Base):
    """One member's private evaluation of their group; shared with the program admins only if they chose so."""

    __tablename__ = "circle_evaluations"
    __table_args__ = (
        UniqueConstraint("circle_id", "person_id", "milestone", name="uq_circle_evaluations_member_milestone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    milestone: Mapped[str] = mapped_column(String(16))
    rating: Mapped[int] = mapped_column(Integer)
    progress: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class CircleShoutout(Base):
    """A group's celebration, posted to the program's channel only when everyone it names has said yes."""

    __tablename__ = "circle_shoutouts"
    __table_args__ = (Index("ix_circle_shoutouts_circle", "circle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id"))
    proposed_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    named: Mapped[list[Any]] = mapped_column(JSON, default=list)  # person ids
    consents: Mapped[list[Any]] = mapped_column(JSON, default=list)  # person ids who said yes
    status: Mapped[str] = mapped_column(String(16), default=ShoutoutState.PENDING)
    created_at: Mapped[datetime]
    posted_at: Mapped[datetime | None]


class CircleOffer(Base):
    """A place in a group with room, offered to someone waiting (a late joiner, or after a member left)."""

    __tablename__ = "circle_offers"
    __table_args__ = (
        Index("ix_circle_offers_person_status", "person_id", "status"),
        Index("ix_circle_offers_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    status: Mapped[OfferStatus] = mapped_column(enum_column(OfferStatus), default=OfferStatus.OPEN)
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class CircleGoal(Base):
    """A SMART goal in a group: the group's own (`person_id` empty) or one member's, which the group follows."""

    __tablename__ = "circle_goals"
    __table_args__ = (Index("ix_circle_goals_circle", "circle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    title: Mapped[str] = mapped_column(String(150))
    outcome: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    first_action: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
