"""Joining, editing and pausing a profile: validation rules and the stored record."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.errors import InvalidProfile, NotJoined
from bot.programs import ensure_program
from bot.text import squash
from storage.models import Cadence, LearningStyle, MeetingChannel, Person, PersonStatus, Role

MAX_TAGS = 10
MAX_TAG_LENGTH = 40
MAX_CAPACITY = 10
MAX_DEPARTMENT = 80
SENIORITY_LEVELS = {
    1: "Early career",
    2: "Mid-level",
    3: "Senior",
    4: "Lead / Staff",
    5: "Principal / Director",
    6: "Executive",
}
_TAG_SPLIT = re.compile(r"[,;\n]+")


def parse_tags(raw: str) -> list[str]:
    """Comma- or line-separated topics, trimmed, lower-cased and without repeats, in the order given."""
    tags: list[str] = []
    for part in _TAG_SPLIT.split(raw):
        tag = squash(part).lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


@dataclass(frozen=True)
class ProfileInput:
    """What a person submits in the join modal; None where a field was left empty or was unreadable."""

    role: Role | None
    expertise: list[str]
    goals: list[str]
    seniority: int | None
    capacity: int | None
    work_start_minute: int | None
    work_end_minute: int | None
    learning_style: LearningStyle | None
    meeting_channel: MeetingChannel | None
    cadence: Cadence | None
    languages: list[str] = field(default_factory=list)
    department: str = ""
    do_not_match: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Profile:
    user_id: str
    display_name: str
    timezone: str
    status: PersonStatus
    details: ProfileInput

    @property
    def active(self) -> bool:
        return self.status is PersonStatus.ACTIVE


def validate_profile(form: ProfileInput) -> dict[str, str]:
    """Field name → a specific, kind explanation of what to change. Empty when the form is fine."""
    errors: dict[str, str] = {}
    if form.role is None:
        errors["role"] = "Pick whether you'd like to mentor, be mentored, or both."
    if form.role is not None and form.role.mentors and not form.expertise:
        errors["expertise"] = (
            "Mentees find you by what you can help with: add at least one topic, e.g. public speaking, python."
        )
    if form.role is not None and form.role.seeks_mentor and not form.goals:
        errors["goals"] = "Add at least one thing you'd like to grow in, so we can find the right mentor."
    for name, tags in (("expertise", form.expertise), ("goals", form.goals), ("languages", form.languages)):
        if len(tags) > MAX_TAGS:
            errors.setdefault(name, f"Keep it to {MAX_TAGS} topics or fewer; the most important ones first.")
        long = [t for t in tags if len(t) > MAX_TAG_LENGTH]
        if long:
            errors.setdefault(
                name, f"“{long[0][:20]}…” is long for a topic: keep each under {MAX_TAG_LENGTH} characters."
            )
    if form.seniority not in SENIORITY_LEVELS:
        errors["seniority"] = "Pick the level closest to where you are now."
    if form.role is not None and form.role.mentors:
        if form.capacity is None or form.capacity < 1:
            errors["capacity"] = "As a mentor, take at least 1 mentee. You can pause any time."
        elif form.capacity > MAX_CAPACITY:
            errors["capacity"] = f"{MAX_CAPACITY} mentees at once is the most we allow: mentoring takes time."
    if form.work_start_minute is None:
        errors["work_start"] = "When does your working day usually start?"
    if form.work_end_minute is None:
        errors["work_end"] = "When does your working day usually end?"
    elif form.work_start_minute is not None and form.work_end_minute <= form.work_start_minute:
        errors["work_end"] = "Your working day should end after it starts, e.g. 09:00 to 17:00."
    if form.learning_style is None:
        errors["learning_style"] = "Pick the way you learn best; it helps us pair you with a matching style."
    if form.meeting_channel is None:
        errors["meeting_channel"] = "Pick how you'd prefer to meet."
    if form.cadence is None:
        errors["cadence"] = "Pick how often you'd like to meet."
    if len(form.department) > MAX_DEPARTMENT:
        errors["department"] = f"Keep the department under {MAX_DEPARTMENT} characters."
    return errors


def _to_profile(person: Person) -> Profile:
    return Profile(
        user_id=person.slack_user_id,
        display_name=person.display_name,
        timezone=person.timezone,
        status=person.status,
        details=ProfileInput(
            role=person.role,
            expertise=list(person.expertise),
            goals=list(person.goals),
            seniority=person.seniority,
            capacity=person.capacity,
            work_start_minute=person.work_start_minute,
            work_end_minute=person.work_end_minute,
            learning_style=person.learning_style,
            meeting_channel=person.meeting_channel,
            cadence=person.cadence,
            languages=list(person.languages),
            department=person.department,
            do_not_match=list(person.do_not_match),
        ),
    )


# Built once: this runs on nearly every request, and building a statement costs more than running it.
_PERSON = select(Person).where(Person.team_id == bindparam("team_id"), Person.slack_user_id == bindparam("user_id"))


def find_person(session: Session, team_id: str, user_id: str) -> Person | None:
    return session.scalars(_PERSON, {"team_id": team_id, "user_id": user_id}).one_or_none()


def get_profile(session: Session, team_id: str, user_id: str) -> Profile | None:
    person = find_person(session, team_id, user_id)
    return None if person is None else _to_profile(person)


def save_profile(
    session: Session,
    team_id: str,
    user_id: str,
    form: ProfileInput,
    now: datetime,
) -> tuple[Profile, bool]:
    """Store a validated profile, reactivating a paused one. Returns the profile and whether it is new."""
    problems = validate_profile(form)
    if problems:
        raise InvalidProfile(problems)
    assert form.role and form.seniority and form.learning_style and form.meeting_channel and form.cadence
    assert form.work_start_minute is not None and form.work_end_minute is not None
    ensure_program(session, team_id, now)
    person = find_person(session, team_id, user_id)
    created = person is None
    if person is None:
        person = Person(team_id=team_id, slack_user_id=user_id, created_at=now)
        session.add(person)
    person.role = form.role
    person.expertise = form.expertise if form.role.mentors else []
    person.goals = form.goals if form.role.seeks_mentor else []
    person.seniority = form.seniority
    person.capacity = (form.capacity or 0) if form.role.mentors else 0
    person.work_start_minute = form.work_start_minute
    person.work_end_minute = form.work_end_minute
    person.learning_style = form.learning_style
    person.meeting_channel = form.meeting_channel
    person.cadence = form.cadence
    person.languages = form.languages
    person.department = squash(form.department)
    person.do_not_match = [u for u in form.do_not_match if u != user_id]
    person.status = PersonStatus.ACTIVE
    person.updated_at = now
    session.flush()
    return _to_profile(person), created


def update_identity(session: Session, team_id: str, user_id: str, display_name: str, timezone: str) -> Profile:
    """Keep what Slack knows about the person (name, time zone) with their saved profile."""
    person = find_person(session, team_id, user_id)
    if person is None:
        raise NotJoined(user_id)
    if display_name:
        person.display_name = display_name[:120]
    if timezone:
        person.timezone = timezone
    return _to_profile(person)


def follow_time_zone(session: Session, team_id: str, user_id: str, timezone: str, now: datetime) -> bool:
    """The person's Slack time zone changed: check-ins and matching read the stored one, so it follows.

    Whether it changed. Touching `updated_at` makes the cached mentor pool see the new zone.
    """
    person = find_person(session, team_id, user_id)
    if person is None or not timezone or person.timezone == timezone:
        return False
    person.timezone = timezone
    person.updated_at = now
    return True


def pause(session: Session, team_id: str, user_id: str, now: datetime) -> Profile:
    """Pause participation: the profile is kept, nobody is matched with a paused person."""
    person = find_person(session, team_id, user_id)
    if person is None:
        raise NotJoined(user_id)
    person.status = PersonStatus.PAUSED
    person.updated_at = now
    return _to_profile(person)
