"""Joining, editing and pausing: one profile per person, a membership per program, validation rules.

The profile (time zone, working hours, languages, department, the private do-not-match list) is the person's
across programs: saving it in one program changes it in each of their memberships.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.errors import InvalidProfile, MembershipClosed, NotJoined
from bot.round_plan import Wanted
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
    program_id: int = 0
    answers: dict[str, object] = field(default_factory=dict)
    # In a program with several mentors per mentee: how many they want, or one of each of these kinds.
    mentors_wanted: int = 1
    mentor_kinds_wanted: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.status is PersonStatus.ACTIVE

    @property
    def pending(self) -> bool:
        return self.status is PersonStatus.PENDING


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
    elif form.work_start_minute is not None and form.work_end_minute == form.work_start_minute:
        errors["work_end"] = (
            "Your working day should end at another time than it starts, e.g. 09:00 to 17:00 (or 22:00 to 06:00 "
            "for a night shift)."
        )
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
        program_id=person.program_id,
        answers=dict(person.answers or {}),
        mentors_wanted=person.mentors_wanted,
        mentor_kinds_wanted=tuple(person.mentor_kinds_wanted or ()),
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
_MEMBERSHIPS = (
    select(Person)
    .where(Person.team_id == bindparam("team_id"), Person.slack_user_id == bindparam("user_id"))
    .order_by(Person.id)
)
_MEMBERSHIP = select(Person).where(
    Person.program_id == bindparam("program_id"), Person.slack_user_id == bindparam("user_id")
)
# What each membership shares: the person's profile.
SHARED = ("timezone", "work_start_minute", "work_end_minute", "languages", "department", "do_not_match")


def memberships(session: Session, team_id: str, user_id: str) -> list[Person]:
    """Every program this person joined in the workspace, first joined first."""
    return list(session.scalars(_MEMBERSHIPS, {"team_id": team_id, "user_id": user_id}))


def find_person(session: Session, team_id: str, user_id: str, program_id: int | None = None) -> Person | None:
    """Their membership of `program_id`; without one, their first membership (the profile is the same in each)."""
    if program_id is not None:
        person = session.scalars(_MEMBERSHIP, {"program_id": program_id, "user_id": user_id}).one_or_none()
        return person if person is not None and person.team_id == team_id else None
    return session.scalars(_MEMBERSHIPS.limit(1), {"team_id": team_id, "user_id": user_id}).first()


def get_profile(session: Session, team_id: str, user_id: str, program_id: int | None = None) -> Profile | None:
    person = find_person(session, team_id, user_id, program_id)
    return None if person is None else _to_profile(person)


def save_profile(
    session: Session,
    team_id: str,
    user_id: str,
    program_id: int,
    form: ProfileInput,
    now: datetime,
    answers: dict[str, object] | None = None,
    needs_approval: bool = False,
    mentors_wanted: Wanted | None = None,
) -> tuple[Profile, bool]:
    """Store a validated membership of `program_id` and the profile it shares, reactivating a paused one (a new
    member of a program whose admins approve members waits, `needs_approval`). Returns the profile and whether
    the membership is new."""
    problems = validate_profile(form)
    if problems:
        raise InvalidProfile(problems)
    assert form.role and form.seniority and form.learning_style and form.meeting_channel and form.cadence
    assert form.work_start_minute is not None and form.work_end_minute is not None
    person = find_person(session, team_id, user_id, program_id)
    created = person is None
    if person is None:
        earlier = find_person(session, team_id, user_id)
        person = Person(team_id=team_id, program_id=program_id, slack_user_id=user_id, created_at=now)
        if earlier is not None:
            person.display_name, person.timezone = earlier.display_name, earlier.timezone
        session.add(person)
    if answers is not None:
        person.answers = answers
    if mentors_wanted is not None:
        person.mentors_wanted, person.mentor_kinds_wanted = mentors_wanted.count, list(mentors_wanted.kinds)
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
    if created and needs_approval:
        person.status = PersonStatus.PENDING
    elif person.status is not PersonStatus.PENDING:
        # Saving the form is also how someone imported from a sheet confirms what was imported.
        person.status = PersonStatus.ACTIVE
    person.updated_at = now
    session.flush()
    share_profile(session, person, now)
    return _to_profile(person), created


def share_profile(session: Session, person: Person, now: datetime) -> None:
    """Make this membership's profile fields every other membership's too (the profile is one profile)."""
    for other in memberships(session, person.team_id, person.slack_user_id):
        if other.id != person.id and any(getattr(other, f) != getattr(person, f) for f in SHARED):
            for name in SHARED:
                setattr(other, name, getattr(person, name))
            other.updated_at = now


def update_identity(
    session: Session,
    team_id: str,
    user_id: str,
    display_name: str,
    timezone: str,
    now: datetime,
    program_id: int | None = None,
) -> Profile:
    """Keep what Slack knows about the person (name, time zone) with each of their memberships; a change touches
    `updated_at`, so the cached mentor pools see it."""
    people = memberships(session, team_id, user_id)
    if not people:
        raise NotJoined(user_id)
    for person in people:
        name = display_name[:120] if display_name else person.display_name
        zone = timezone or person.timezone
        if (name, zone) != (person.display_name, person.timezone):
            person.display_name, person.timezone = name, zone
            person.updated_at = now
    chosen = [p for p in people if p.program_id == program_id] or people
    return _to_profile(chosen[0])


def follow_time_zone(session: Session, team_id: str, user_id: str, timezone: str, now: datetime) -> bool:
    """The person's Slack time zone changed: check-ins and matching read the stored one, so it follows.

    Whether it changed. Touching `updated_at` makes the cached mentor pools see the new zone.
    """
    changed = False
    for person in memberships(session, team_id, user_id):
        if timezone and person.timezone != timezone:
            person.timezone = timezone
            person.updated_at = now
            changed = True
    return changed


def pause(session: Session, team_id: str, user_id: str, now: datetime, program_id: int | None = None) -> Profile:
    """Pause participation in one program (or, without one, in all): the profile is kept, nobody is matched
    with a paused person, and the other programs go on."""
    people = [p for p in memberships(session, team_id, user_id) if program_id is None or p.program_id == program_id]
    if not people:
        raise NotJoined(user_id)
    for person in people:
        person.status = PersonStatus.PAUSED
        person.updated_at = now
    return _to_profile(people[0])


@dataclass(frozen=True)
class Applicant:
    person_id: int
    user_id: str
    program_id: int


def decide_membership(session: Session, team_id: str, person_id: int, approve: bool, now: datetime) -> Applicant:
    """An admin approves (the person becomes active) or declines (the membership is removed, nothing kept) a
    pending member; one already decided is `NoLongerOpen`."""
    person = session.get(Person, person_id)
    if person is None or person.team_id != team_id:
        raise MembershipClosed("gone")
    if person.status is not PersonStatus.PENDING:
        raise MembershipClosed(str(person.status))
    applicant = Applicant(person.id, person.slack_user_id, person.program_id)
    if approve:
        person.status = PersonStatus.ACTIVE
        person.updated_at = now
    else:
        session.delete(person)
    return applicant
