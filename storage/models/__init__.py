"""The schema: one module per aggregate, the vocabulary in `storage.vocabulary`; every name is handed on here."""

from __future__ import annotations

from storage.models.base import Base, UTCDateTime
from storage.models.calendars import CalendarConnection, CalendarProvider, CalendarSignIn
from storage.models.circles import Circle, CircleMember, CircleStatus
from storage.models.delivery import (
    SLACK_BOTS,
    SLACK_INSTALLATIONS,
    SLACK_OAUTH_STATES,
    Delivery,
    DirectChannel,
    OutboxMessage,
    PaceSlot,
    TokenRotation,
)
from storage.models.directory import DirectoryMember
from storage.models.feedback import CheckIn, Evaluation, FitCheck, HelpRequest, Shoutout, Thanks
from storage.models.goals import Goal, GoalEvent, Milestone
from storage.models.meetings import Meeting, MeetingStatus
from storage.models.pairs import Agreement, MatchRequest, MatchRound, Pair
from storage.models.people import Person, Program
from storage.vocabulary import (
    AgreementStatus,
    Cadence,
    CheckInStatus,
    CohortStage,
    Enrolment,
    FitAnswer,
    GoalStatus,
    LearningStyle,
    MeetingChannel,
    PairSource,
    PairStatus,
    PersonStatus,
    ProgramFormat,
    RequestStatus,
    Role,
    RoundStatus,
    ShoutoutStatus,
)

__all__ = [
    "SLACK_BOTS",
    "SLACK_INSTALLATIONS",
    "SLACK_OAUTH_STATES",
    "Agreement",
    "AgreementStatus",
    "Base",
    "Cadence",
    "CalendarConnection",
    "CalendarProvider",
    "CalendarSignIn",
    "CheckIn",
    "CheckInStatus",
    "Circle",
    "CircleMember",
    "CircleStatus",
    "CohortStage",
    "Delivery",
    "DirectChannel",
    "DirectoryMember",
    "Enrolment",
    "Evaluation",
    "FitAnswer",
    "FitCheck",
    "Goal",
    "GoalEvent",
    "GoalStatus",
    "HelpRequest",
    "LearningStyle",
    "MatchRequest",
    "MatchRound",
    "Meeting",
    "MeetingChannel",
    "MeetingStatus",
    "Milestone",
    "OutboxMessage",
    "PaceSlot",
    "Pair",
    "PairSource",
    "PairStatus",
    "Person",
    "PersonStatus",
    "Program",
    "ProgramFormat",
    "RequestStatus",
    "Role",
    "RoundStatus",
    "Shoutout",
    "ShoutoutStatus",
    "Thanks",
    "TokenRotation",
    "UTCDateTime",
]
