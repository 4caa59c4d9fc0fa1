"""The vocabulary of a mentoring program: every status and choice as a `StrEnum`, importable without the ORM."""

from __future__ import annotations

import enum


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


class ProgramFormat(enum.StrEnum):
    ONE_TO_ONE = "one_to_one"
    GROUP = "group"
    CIRCLE = "circle"


class Enrolment(enum.StrEnum):
    OPEN = "open"
    APPROVAL = "approval"
    INVITATION = "invitation"
    ADMIN = "admin"


class CohortStage(enum.StrEnum):
    """How far a cohort's calendar has gone; each stage is entered once, by the scheduler or an admin."""

    PLANNED = "planned"
    SIGNUP_OPEN = "signup_open"
    CLOSING_REMINDED = "closing_reminded"
    SIGNUP_CLOSED = "signup_closed"
    MATCHING_DAY = "matching_day"
    STARTED = "started"
    ENDED = "ended"


class PersonStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    # Asked to join a program whose admins approve new members; not matched until approved.
    PENDING = "pending"
    # Added by an admin from a sign-up sheet; not matched until they confirm (or edit) what was imported.
    INVITED = "invited"


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


class PairStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"


class PairSource(enum.StrEnum):
    REQUEST = "request"
    ROUND = "round"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    DISCARDED = "discarded"


class AgreementStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    SUPERSEDED = "superseded"


class GoalStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"


class FitAnswer(enum.StrEnum):
    GOOD = "good"
    DECIDING = "deciding"
    NOT_GOOD = "not_good"


class CheckInStatus(enum.StrEnum):
    OPEN = "open"
    MET = "met"
    NOT_YET = "not_yet"
    RESCHEDULED = "rescheduled"
    MISSED = "missed"


class ShoutoutStatus(enum.StrEnum):
    ASKING = "asking"
    POSTED = "posted"
    DECLINED = "declined"


class AgreementState(enum.StrEnum):
    """Where a group's working agreement is (a pair's has `AgreementStatus`, one row per proposal)."""

    NONE = "none"
    PROPOSED = "proposed"  # waiting for every member's confirmation
    CONFIRMED = "confirmed"


class ShoutoutState(enum.StrEnum):
    """Where a group's celebration is: it waits for everyone it names."""

    PENDING = "pending"
    POSTED = "posted"
    DECLINED = "declined"  # someone named kept it inside the group
