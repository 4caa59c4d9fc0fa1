"""Typed SQLAlchemy models of a mentoring program; every workspace-owned row carries its Slack team_id."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
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
    role: Mapped[Role] = mapped_column(_enum(Role))
    expertise: Mapped[list[str]] = mapped_column(default=list)
    goals: Mapped[list[str]] = mapped_column(default=list)
    seniority: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    # Mentees currently taking a slot; raised only by a conditional UPDATE, which is how slots are claimed.
    active_mentees: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
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


class PairStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"


class PairSource(enum.StrEnum):
    REQUEST = "request"
    ROUND = "round"


class Pair(Base):
    """A mentor and a mentee: proposed by a round, or active after an accepted request or both confirmations."""

    __tablename__ = "pairs"
    __table_args__ = (
        Index("ix_pairs_team_status", "team_id", "status"),
        Index("ix_pairs_mentee", "mentee_id"),
        Index("ix_pairs_mentor", "mentor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    status: Mapped[PairStatus] = mapped_column(_enum(PairStatus))
    source: Mapped[PairSource] = mapped_column(_enum(PairSource))
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
    cadence: Mapped[Cadence] = mapped_column(_enum(Cadence), default=Cadence.BIWEEKLY, server_default="biweekly")
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


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


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
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    message: Mapped[str] = mapped_column(Text)
    cadence: Mapped[Cadence] = mapped_column(_enum(Cadence))
    topic: Mapped[str] = mapped_column(String(80), default="")
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), default=RequestStatus.OPEN)
    decline_note: Mapped[str] = mapped_column(Text, default="")
    mentor_channel: Mapped[str | None] = mapped_column(String(32))
    mentor_message_ts: Mapped[str | None] = mapped_column(String(32))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id"))
    created_at: Mapped[datetime]
    remind_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    DISCARDED = "discarded"


class MatchRound(Base):
    """A program-wide assignment an admin previews, then publishes or discards."""

    __tablename__ = "match_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[RoundStatus] = mapped_column(_enum(RoundStatus), default=RoundStatus.DRAFT)
    # [{"mentee_id", "mentor_id", "score", "reasons"}] and [{"mentee_id", "reason"}]
    proposals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    unmatched: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A message to deliver, written in the same transaction as the state change it announces."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "send_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # Unique per logical message, so writing the same nudge twice is impossible.
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    user_id: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    update_ts: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    blocks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    send_after: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class AgreementStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    SUPERSEDED = "superseded"


class Agreement(Base):
    """How a pair works together. One side proposes, the other confirms; only a confirmed one is active."""

    __tablename__ = "agreements"
    __table_args__ = (Index("ix_agreements_pair", "pair_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    status: Mapped[AgreementStatus] = mapped_column(_enum(AgreementStatus))
    proposed_by: Mapped[str] = mapped_column(String(32))
    cadence: Mapped[Cadence] = mapped_column(_enum(Cadence))
    meeting_minutes: Mapped[int] = mapped_column(Integer)
    meeting_channel: Mapped[MeetingChannel] = mapped_column(_enum(MeetingChannel))
    focus: Mapped[str] = mapped_column(Text)
    length_months: Mapped[int] = mapped_column(Integer)
    confidentiality: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]


class GoalStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"


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
    status: Mapped[GoalStatus] = mapped_column(_enum(GoalStatus), default=GoalStatus.OPEN)
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


class FitAnswer(enum.StrEnum):
    GOOD = "good"
    DECIDING = "deciding"
    NOT_GOOD = "not_good"


class FitCheck(Base):
    """One person's private answer to "is this a good fit?"; never shown to the partner."""

    __tablename__ = "fit_checks"
    __table_args__ = (UniqueConstraint("pair_id", "user_id", name="uq_fit_checks_pair_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    answer: Mapped[FitAnswer] = mapped_column(_enum(FitAnswer))
    created_at: Mapped[datetime]


class CheckInStatus(enum.StrEnum):
    OPEN = "open"
    MET = "met"
    NOT_YET = "not_yet"
    RESCHEDULED = "rescheduled"
    MISSED = "missed"


class CheckIn(Base):
    """One check-in prompt in a pair's group DM, with who answered what."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_pair", "pair_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[CheckInStatus] = mapped_column(_enum(CheckInStatus), default=CheckInStatus.OPEN)
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


class ShoutoutStatus(enum.StrEnum):
    ASKING = "asking"
    POSTED = "posted"
    DECLINED = "declined"


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
    status: Mapped[ShoutoutStatus] = mapped_column(_enum(ShoutoutStatus), default=ShoutoutStatus.ASKING)
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


class Delivery(Base):
    """A Slack delivery already handled (event_id, or the trigger_id of a command, click or submission)."""

    __tablename__ = "deliveries"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(index=True)


class TokenRotation(Base):
    """A lease on rotating one workspace's bot token: one process at a time, until the lease runs out."""

    __tablename__ = "token_rotations"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime]


def _slack_sdk_tables() -> tuple[Table, Table, Table]:
    """The tables slack_sdk's installation and OAuth state stores query, declared here so our migrations own them.

    Token columns are widened to TEXT: they hold Fernet ciphertext, which is longer than the token.
    """
    installations = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
    bots = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
    for table in (installations, bots):
        for column in table.c:
            if column.name.endswith("token"):
                column.type = Text()
    states = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")
    return installations, bots, states


SLACK_INSTALLATIONS, SLACK_BOTS, SLACK_OAUTH_STATES = _slack_sdk_tables()
