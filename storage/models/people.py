"""Programs and the people in them: several programs per workspace, a membership per person and program.

A person's profile (time zone, working hours, languages, department, do-not-match list) is one profile: the
profile service keeps it the same on each of their memberships, so matching reads one row per candidate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column
from storage.vocabulary import (
    Cadence,
    CohortStage,
    Enrolment,
    LearningStyle,
    MeetingChannel,
    PersonStatus,
    ProgramFormat,
    Role,
)


class Program(Base):
    """A mentoring program of a workspace (often a cohort with dates), with the settings its admins control."""

    __tablename__ = "programs"
    __table_args__ = (
        UniqueConstraint("team_id", "slug", name="uq_programs_team_slug"),
        Index("ix_programs_team_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80), default="Mentoring", server_default="Mentoring")
    # The name as typed after a command (`/mentor join buddies`): lower case, words joined by hyphens.
    slug: Mapped[str] = mapped_column(String(40), default="mentoring", server_default="mentoring")
    purpose: Mapped[str] = mapped_column(String(150), default="", server_default="")
    template: Mapped[str] = mapped_column(String(24), default="", server_default="")
    format: Mapped[ProgramFormat] = mapped_column(
        enum_column(ProgramFormat), default=ProgramFormat.ONE_TO_ONE, server_default="one_to_one"
    )
    enrolment: Mapped[Enrolment] = mapped_column(enum_column(Enrolment), default=Enrolment.OPEN, server_default="open")
    length_months: Mapped[int] = mapped_column(Integer, default=6, server_default="6")
    mentors_per_mentee: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Group mentoring: at most this many mentees in one mentor's group (2–7, so a group DM holds them all).
    group_size: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    # [{"key", "text", "kind": single|multiple|text, "choices": [...], "rule": same|different|overlap|must_match|"",
    #   "weight"}]: the program's sign-up questions, in the order they are asked.
    questions: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    # The sheet columns an admin's last import read as what (`bot.imports.mapping.Mapping`), reused next time.
    import_mapping: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    admins: Mapped[list[str]] = mapped_column(default=list)
    shoutout_channel: Mapped[str | None] = mapped_column(String(32))
    default_cadence: Mapped[Cadence] = mapped_column(enum_column(Cadence), default=Cadence.BIWEEKLY)
    anonymity_threshold: Mapped[int] = mapped_column(Integer, default=5)
    request_expiry_hours: Mapped[int] = mapped_column(Integer, default=72)
    match_weights: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    evaluation_days: Mapped[list[Any]] = mapped_column(
        JSON, default=lambda: [30, 60, 90], server_default="[30, 60, 90]"
    )
    signup_opens_at: Mapped[datetime | None]
    signup_closes_at: Mapped[datetime | None]
    matching_at: Mapped[datetime | None]
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    cohort_stage: Mapped[CohortStage | None] = mapped_column(enum_column(CohortStage))
    # When the cohort's next calendar step is due (indexed so a tick costs O(due)).
    cohort_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # The cohort this one was cloned from: its pairs are not repeated, its people were asked to continue.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"))
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # Set while the app is uninstalled from the workspace: its pairs are paused and no due work runs.
    uninstalled_at: Mapped[datetime | None]


class Person(Base):
    """Someone's membership of one program (role, topics, capacity, answers), with the profile they share."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("program_id", "slack_user_id", name="uq_people_program_user"),
        Index("ix_people_team_user", "team_id", "slack_user_id"),
        # Covers the mentor pool's read of every mentor's state (bot/candidates.py), when its fingerprint does not
        # tell what changed: answered from the index alone, without visiting each mentor's row.
        Index(
            "ix_people_pool", "program_id", "status", "role", "capacity", "active_mentees", "updated_at", "pool_version"
        ),
        # The mentor pool's question of what changed since the version it last saw.
        Index("ix_people_pool_version", "program_id", "pool_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
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
    # People they would like to be matched with (from a sign-up sheet): a soft preference, private like the above.
    preferred: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    # Answers to the program's questions, by question key: private to the person and the program's admins.
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # In a program that allows several mentors per mentee: how many they want, or (when the program has a
    # question of mentor kinds) one of each of these kinds.
    mentors_wanted: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    mentor_kinds_wanted: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    status: Mapped[PersonStatus] = mapped_column(enum_column(PersonStatus), default=PersonStatus.ACTIVE)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The version of the row's last change, set by the database's triggers on every write (migration 0020),
    # whatever wrote it: the mentor pools read the rows above the version they last saw. Nothing else reads it.
    pool_version: Mapped[int] = mapped_column(BigInteger, server_default="0", server_onupdate=FetchedValue())


class MentorPoolSums(Base):
    """A program's mentor pool at a glance, kept by the database's triggers on `people` (migration 0021): how many
    mentors are available (mentoring, active, a slot free), their taken slots weighted by person ID, and the sum of
    their row versions. Every `/mentor find` compares it with its cached pool, one row instead of an aggregate over
    every mentor. Derived from `people` alone: no foreign key, and a program with no mentor yet has no row."""

    __tablename__ = "mentor_pool_sums"

    program_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    mentors: Mapped[int] = mapped_column(BigInteger)
    weighted_slots: Mapped[int] = mapped_column(BigInteger)
    versions: Mapped[int] = mapped_column(BigInteger)
