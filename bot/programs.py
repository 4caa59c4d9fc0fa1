"""Programs of a workspace: templates, creation and its rules, who may manage which, and choosing one by name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotYours, ProgramClosed, ProgramInUse
from bot.pairs import end_pair
from bot.questions import Question, kind_question
from bot.text import squash
from storage.dialects import InsertOrIgnore
from storage.models import (
    Cadence,
    Circle,
    CohortStage,
    Enrolment,
    MatchRequest,
    MatchRound,
    Pair,
    PairStatus,
    Person,
    ProgramFormat,
)
from storage.models import Program as ProgramRow

DEFAULT_NAME = "Mentoring"
MAX_NAME = 60
MAX_PURPOSE = 150
MAX_LENGTH_MONTHS = 24
# A mentoring group's mentees: at least two (fewer is a pair), at most seven, so that the mentor, the mentees
# and the bot fit one Slack group DM (nine people at most).
MIN_GROUP_SIZE, MAX_GROUP_SIZE, DEFAULT_GROUP_SIZE = 2, 7, 4
MAX_MENTORS_PER_MENTEE = 3
_NEW_PROGRAM = InsertOrIgnore(ProgramRow, ["team_id", "slug"])
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Template:
    """A starting point for a new program; every value can be changed in the form."""

    key: str
    label: str
    purpose: str
    format: ProgramFormat
    cadence: Cadence
    length_months: int
    evaluation_days: tuple[int, ...]


TEMPLATES = {
    t.key: t
    for t in (
        Template(
            "one_to_one",
            "1:1 mentoring (6 months, every 2 weeks)",
            "Grow with a mentor from another part of the company.",
            ProgramFormat.ONE_TO_ONE,
            Cadence.BIWEEKLY,
            6,
            (30, 90, 180),
        ),
        Template(
            "buddy",
            "New-hire buddy (90 days, weekly)",
            "Every new joiner gets a buddy for their first 90 days.",
            ProgramFormat.ONE_TO_ONE,
            Cadence.WEEKLY,
            3,
            (30, 60, 90),
        ),
        Template(
            "reverse",
            "Reverse mentoring (3 months, monthly)",
            "Leaders learn from colleagues earlier in their careers.",
            ProgramFormat.ONE_TO_ONE,
            Cadence.MONTHLY,
            3,
            (45, 90),
        ),
        Template(
            "group",
            "Group mentoring (one mentor, a small group)",
            "One mentor and a small group of mentees learn together.",
            ProgramFormat.GROUP,
            Cadence.BIWEEKLY,
            4,
            (30, 120),
        ),
        Template(
            "circle",
            "Peer circles (3–6 peers, rotating facilitator)",
            "Small circles of peers who help each other grow.",
            ProgramFormat.CIRCLE,
            Cadence.BIWEEKLY,
            4,
            (30, 120),
        ),
        Template("blank", "Blank", "", ProgramFormat.ONE_TO_ONE, Cadence.BIWEEKLY, 6, (30, 60, 90)),
    )
}


@dataclass(frozen=True)
class CohortDates:
    signup_opens_at: datetime | None = None
    signup_closes_at: datetime | None = None
    matching_at: datetime | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @property
    def any(self) -> bool:
        return any((self.signup_opens_at, self.signup_closes_at, self.matching_at, self.starts_at, self.ends_at))


@dataclass(frozen=True)
class ProgramInput:
    """What an admin submits in the new-program form."""

    template: str
    name: str
    purpose: str = ""
    enrolment: Enrolment = Enrolment.OPEN
    admins: list[str] = field(default_factory=list)
    channel: str | None = None
    dates: CohortDates = CohortDates()
    questions: list[Question] = field(default_factory=list)
    group_size: int | None = None  # group mentoring: most mentees in a group; None for the default
    mentors_per_mentee: int = 1  # 1:1 mentoring: the most mentors one mentee may have at once


@dataclass(frozen=True)
class ProgramView:
    id: int
    name: str
    slug: str
    purpose: str
    format: ProgramFormat
    enrolment: Enrolment
    cadence: Cadence
    length_months: int
    admins: list[str]
    channel: str | None
    questions: list[Question]
    dates: CohortDates
    stage: CohortStage | None
    closed: bool
    previous_id: int | None = None
    group_size: int = DEFAULT_GROUP_SIZE
    mentors_per_mentee: int = 1

    @property
    def cohort(self) -> bool:
        return self.dates.any

    def can_self_enrol(self, now: datetime) -> bool:
        """A person may join by themselves now: sign-up is open and the program is not by invitation."""
        return self.signup_open(now) and self.enrolment in (Enrolment.OPEN, Enrolment.APPROVAL)

    def signup_open(self, now: datetime) -> bool:
        """People may join now: not closed, and inside the cohort's sign-up window when it has one."""
        if self.closed:
            return False
        opens, closes = self.dates.signup_opens_at, self.dates.signup_closes_at
        return not ((opens is not None and now < opens) or (closes is not None and now >= closes))


def slug_of(name: str) -> str:
    """The name as one types it after a command: `New-hire buddies` → `new-hire-buddies`."""
    return _SLUG.sub("-", name.lower()).strip("-")[:40]


def view_of_program(program: ProgramRow) -> ProgramView:
    return ProgramView(
        id=program.id,
        name=program.name,
        slug=program.slug,
        purpose=program.purpose,
        format=program.format,
        enrolment=program.enrolment,
        cadence=program.default_cadence,
        length_months=program.length_months,
        admins=list(program.admins),
        channel=program.shoutout_channel,
        questions=[Question.from_stored(q) for q in program.questions or []],
        dates=CohortDates(
            program.signup_opens_at, program.signup_closes_at, program.matching_at, program.starts_at, program.ends_at
        ),
        stage=program.cohort_stage,
        closed=program.closed_at is not None,
        previous_id=program.previous_id,
        group_size=program.group_size,
        mentors_per_mentee=program.mentors_per_mentee,
    )


_PROGRAMS_OF = select(ProgramRow).where(ProgramRow.team_id == bindparam("team_id")).order_by(ProgramRow.id)


def programs_of(session: Session, team_id: str, include_closed: bool = False) -> list[ProgramRow]:
    programs = list(session.scalars(_PROGRAMS_OF, {"team_id": team_id}))
    return programs if include_closed else [p for p in programs if p.closed_at is None]


def programs_joined(session: Session, team_id: str, user_id: str) -> list[ProgramView]:
    """The programs this person is a member of, first joined first (one query)."""
    rows = session.scalars(
        select(ProgramRow)
        .join(Person, Person.program_id == ProgramRow.id)
        .where(Person.team_id == team_id, Person.slack_user_id == user_id)
        .order_by(Person.id)
    )
    return [view_of_program(p) for p in rows]


def default_program(session: Session, team_id: str, now: datetime) -> ProgramRow:
    """The workspace's first program, created with defaults on first contact (safe under concurrent joins)."""
    programs = programs_of(session, team_id, include_closed=True)
    if programs:
        return programs[0]
    session.execute(
        _NEW_PROGRAM.on(session).values(
            team_id=team_id,
            name=DEFAULT_NAME,
            slug=slug_of(DEFAULT_NAME),
            admins=[],
            default_cadence=Cadence.BIWEEKLY,
            anonymity_threshold=5,
            request_expiry_hours=72,
            created_at=now,
        )
    )
    return programs_of(session, team_id, include_closed=True)[0]


def program_in(session: Session, team_id: str, program_id: int) -> ProgramRow:
    """A program of this workspace; another workspace's (or none) is `NotYours`."""
    program = session.get(ProgramRow, program_id)
    if program is None or program.team_id != team_id:
        raise NotYours(f"program {program_id}")
    return program


def program_of_pair(session: Session, pair: Pair) -> ProgramRow:
    return session.get_one(ProgramRow, pair.program_id)


def program_of_member(session: Session, team_id: str, user_id: str, pair_id: int | None, now: datetime) -> int:
    """The program something a member says is about: their pair's, else the first they joined."""
    pair = session.get(Pair, pair_id) if pair_id is not None else None
    if pair is not None and pair.team_id == team_id:
        return pair.program_id
    person = session.scalars(
        select(Person).where(Person.team_id == team_id, Person.slack_user_id == user_id).order_by(Person.id).limit(1)
    ).first()
    return person.program_id if person is not None else default_program(session, team_id, now).id


def program_admins(session: Session, program_id: int, configured: frozenset[str]) -> list[str]:
    """Everyone who gets this program's alerts: MENTORBOT_ADMINS plus the admins the program itself names."""
    program = session.get(ProgramRow, program_id)
    named = list(program.admins) if program is not None else []
    return sorted(set(configured) | set(named))


def manageable(
    session: Session, team_id: str, user_id: str, configured: frozenset[str], workspace_admin: bool
) -> list[ProgramRow]:
    """The programs this person may manage: all for MENTORBOT_ADMINS and Slack workspace admins, else those
    that name them as an admin."""
    programs = programs_of(session, team_id, include_closed=True)
    if workspace_admin or user_id in configured:
        return programs
    return [p for p in programs if user_id in (p.admins or [])]


@dataclass(frozen=True)
class Choice:
    """Which program a command is about: the one named or the only one, else the choices to ask about."""

    program: ProgramView | None
    words: list[str]
    choices: list[ProgramView]


def choose(programs: Sequence[ProgramView], words: list[str]) -> Choice:
    """A first word naming one of `programs` picks it (and is consumed); with a single program that one.

    A program is named as `named_by` reads a name."""
    if words:
        named = named_by(programs, words[0])
        if named is not None:
            return Choice(named, words[1:], [])
    if len(programs) == 1:
        return Choice(programs[0], words, [])
    return Choice(None, words, list(programs))


def named_by(programs: Sequence[ProgramView], word: str) -> ProgramView | None:
    """The program `word` names: its slug (`new-hire-buddies`), else the one slug it starts, else the one slug
    with that word in it (`buddies`); None when it names none, or several."""
    wanted = slug_of(word)
    if not wanted:
        return None
    for matches in (
        lambda p: p.slug == wanted,
        lambda p: p.slug.startswith(wanted),
        lambda p: wanted in p.slug.split("-"),
    ):
        found = [p for p in programs if matches(p)]
        if found:
            return found[0] if len(found) == 1 else None
    return None


def validate_program(session: Session, team_id: str, form: ProgramInput, now: datetime) -> dict[str, str]:
    """Field → what to change; empty when the form can be stored."""
    errors: dict[str, str] = {}
    if form.template not in TEMPLATES:
        errors["template"] = "Pick a template, or Blank to start from nothing."
    name = squash(form.name)
    if not name or not slug_of(name):
        errors["name"] = "Give the program a name people will recognise, e.g. New-hire buddies."
    elif len(name) > MAX_NAME:
        errors["name"] = f"Keep the name under {MAX_NAME} characters; the purpose can say more."
    elif any(p.slug == slug_of(name) for p in programs_of(session, team_id, include_closed=True)):
        errors["name"] = f"There is already a program called “{name}”. Pick another name."
    if len(form.purpose) > MAX_PURPOSE:
        errors["purpose"] = f"Keep the purpose to one line, under {MAX_PURPOSE} characters."
    problem = _group_size_error(form)
    if problem:
        errors["group_size"] = problem
    problem = _mentors_per_mentee_error(form)
    if problem:
        errors["mentors_per_mentee"] = problem
    if form.mentors_per_mentee == 1 and kind_question(form.questions) is not None:
        errors["questions"] = (
            "A question of mentor kinds is for a program with several mentors per mentee: set Mentors per mentee "
            "to 2 or 3, or give the question another rule."
        )
    errors.update(_date_errors(form.dates, now))
    return errors


def _group_size_error(form: ProgramInput) -> str:
    template = TEMPLATES.get(form.template)
    if form.group_size is None or template is None:
        return ""
    if template.format is not ProgramFormat.GROUP:
        return "Group size is for group mentoring only: peer circles have 3 to 6 peers, and 1:1 mentoring pairs two."
    if not MIN_GROUP_SIZE <= form.group_size <= MAX_GROUP_SIZE:
        return (
            f"A mentoring group has {MIN_GROUP_SIZE} to {MAX_GROUP_SIZE} mentees: fewer is a pair, and more would "
            "not fit one group DM with their mentor and Mentorbot."
        )
    return ""


def _mentors_per_mentee_error(form: ProgramInput) -> str:
    template = TEMPLATES.get(form.template)
    if not 1 <= form.mentors_per_mentee <= MAX_MENTORS_PER_MENTEE:
        return f"A mentee may have 1 to {MAX_MENTORS_PER_MENTEE} mentors at once."
    if form.mentors_per_mentee > 1 and template is not None and template.format is not ProgramFormat.ONE_TO_ONE:
        return "Several mentors per mentee is for 1:1 mentoring: in groups and circles everyone already has several."
    return ""


def _date_errors(dates: CohortDates, now: datetime) -> dict[str, str]:
    order = [
        ("signup_opens", "Sign-up opens", dates.signup_opens_at),
        ("signup_closes", "Sign-up closes", dates.signup_closes_at),
        ("matching", "Matching day", dates.matching_at),
        ("starts", "Start", dates.starts_at),
        ("ends", "End", dates.ends_at),
    ]
    errors: dict[str, str] = {}
    if dates.signup_closes_at is not None and dates.signup_closes_at < now:
        errors["signup_closes"] = "Sign-up would already be closed: pick a day from today on."
    given = [(block, label, when) for block, label, when in order if when is not None]
    for (_, earlier_label, earlier), (block, label, when) in pairwise(given):
        if when < earlier:
            errors.setdefault(block, f"{label} comes before {earlier_label.lower()}: put the dates in order.")
    if dates.any and dates.starts_at is None:
        errors.setdefault("starts", "A cohort needs a start day (pairs start together on it).")
    return errors


def create_program(session: Session, team_id: str, form: ProgramInput, created_by: str, now: datetime) -> ProgramView:
    """Store a new program from its template and the form (refused with `InvalidInput` when the form is not fine)."""
    problems = validate_program(session, team_id, form, now)
    if problems:
        raise InvalidInput(problems)
    template = TEMPLATES[form.template]
    name = squash(form.name)
    dates = form.dates
    program = ProgramRow(
        team_id=team_id,
        name=name,
        slug=slug_of(name),
        purpose=squash(form.purpose) or template.purpose,
        template=template.key,
        format=template.format,
        enrolment=form.enrolment,
        length_months=template.length_months,
        default_cadence=template.cadence,
        evaluation_days=list(template.evaluation_days),
        admins=sorted(set(form.admins) | {created_by}),
        shoutout_channel=form.channel,
        anonymity_threshold=5,
        request_expiry_hours=72,
        questions=[q.stored() for q in form.questions],
        group_size=form.group_size or DEFAULT_GROUP_SIZE,
        mentors_per_mentee=form.mentors_per_mentee,
        signup_opens_at=dates.signup_opens_at,
        signup_closes_at=dates.signup_closes_at,
        matching_at=dates.matching_at,
        starts_at=dates.starts_at,
        ends_at=dates.ends_at,
        created_at=now,
    )
    if dates.starts_at is not None and dates.ends_at is not None:
        program.evaluation_days = [midpoint_days(dates.starts_at, dates.ends_at)]
    if dates.any:
        plan_cohort(program, now)
    session.add(program)
    session.flush()
    return view_of_program(program)


def midpoint_days(starts: datetime, ends: datetime) -> int:
    """A cohort's mid-point evaluation day, counted from its start (the final one comes at its end)."""
    return max(1, (ends - starts).days // 2)


def plan_cohort(program: ProgramRow, now: datetime) -> None:
    """Put a cohort on the clock: its first step is sign-up opening (now, when no opening day is set)."""
    program.cohort_stage = CohortStage.PLANNED
    program.cohort_due_at = program.signup_opens_at or now


def live_pairs(session: Session, program_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Pair)
            .where(Pair.program_id == program_id, Pair.status.in_((PairStatus.ACTIVE, PairStatus.PROPOSED)))
        )
        or 0
    )


def close_program(
    session: Session, team_id: str, program_id: int, now: datetime, reason: str = "program_closed"
) -> list[Pair]:
    """Close a program: nobody new joins, and its live pairs end without blame (each gets a final evaluation;
    `reason` is "completed" when a cohort reached its end). Returns the pairs it ended, for telling them."""
    program = program_in(session, team_id, program_id)
    program.closed_at = program.closed_at or now
    program.cohort_due_at = None
    ended = list(
        session.scalars(
            select(Pair).where(Pair.program_id == program.id, Pair.status.in_((PairStatus.ACTIVE, PairStatus.PROPOSED)))
        )
    )
    for pair in ended:
        end_pair(session, pair, reason, now)
    return ended


def delete_program(session: Session, team_id: str, program_id: int) -> str:
    """Remove a program that never formed a pair; one with live pairs is refused with their count (close it)."""
    program = program_in(session, team_id, program_id)
    live = live_pairs(session, program.id)
    if live:
        raise ProgramInUse(live)
    if _has_history(session, program.id):
        raise ProgramInUse(0)
    session.execute(delete(MatchRound).where(MatchRound.program_id == program.id))
    for person in session.scalars(select(Person).where(Person.program_id == program.id)):
        session.delete(person)
    session.delete(program)
    return program.name


def _has_history(session: Session, program_id: int) -> bool:
    """Pairs, requests, circles or a next cohort refer to it: it is kept for them (and can be closed)."""
    referring = (
        select(Pair.id).where(Pair.program_id == program_id),
        select(MatchRequest.id).where(MatchRequest.program_id == program_id),
        select(Circle.id).where(Circle.program_id == program_id),
        select(ProgramRow.id).where(ProgramRow.previous_id == program_id),
    )
    return any(session.scalars(query.limit(1)).first() is not None for query in referring)


def open_program_in(session: Session, team_id: str, program_id: int) -> ProgramRow:
    """A program of this workspace that has not closed (`ProgramClosed` once it has: nothing new forms in it)."""
    program = program_in(session, team_id, program_id)
    if program.closed_at is not None:
        raise ProgramClosed("closed")
    return program


def extend_cohort(session: Session, team_id: str, program_id: int, days: int, now: datetime) -> ProgramView:
    """Move the cohort's end (and every live pair's end) later by `days`."""
    if not 1 <= days <= 365:
        raise InvalidInput({"days": "Extend by 1 to 365 days."})
    program = program_in(session, team_id, program_id)
    if program.ends_at is None:
        raise InvalidInput({"days": "This program has no end date to extend."})
    program.ends_at += timedelta(days=days)
    if program.cohort_stage is CohortStage.STARTED:
        program.cohort_due_at = program.ends_at
    for pair in session.scalars(
        select(Pair).where(Pair.program_id == program.id, Pair.status == PairStatus.ACTIVE, Pair.ends_at.is_not(None))
    ):
        assert pair.ends_at is not None
        pair.ends_at += timedelta(days=days)
    return view_of_program(program)


def set_match_weights(session: Session, program_id: int, changes: dict[str, float]) -> dict[str, float]:
    """Store new weights for some matching factors; the others keep their value."""
    program = session.get_one(ProgramRow, program_id)
    program.match_weights = {**(program.match_weights or {}), **changes}
    return dict(program.match_weights)


def set_anonymity_threshold(session: Session, program_id: int, threshold: int) -> int:
    """Reports hide groups smaller than this; it never goes below 3."""
    program = session.get_one(ProgramRow, program_id)
    program.anonymity_threshold = max(3, threshold)
    return program.anonymity_threshold
