"""Bringing a program's sign-up sheet in: the plan (what each ready row would add or change), and applying it.

Nothing is stored until an admin confirms the plan. Applying it adds each new person as *invited* (matched only
once they confirm what was imported, or directly in a program whose admins enrol people), updates only the fields
that changed for people already in the program, and leaves everyone else alone: re-importing a file changes
nothing. Avoid lists and a manager (both ways: never matched with their manager or their direct reports) become
private do-not-match entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import MembershipClosed, NotYours
from bot.imports.directory import Directory
from bot.imports.mapping import (
    Choices,
    HeaderRead,
    Mapping,
    apply_remembered,
    header_groups,
    headers_read,
    propose_mapping,
    targets_for,
)
from bot.imports.preview import Became, Preview, Status, build_preview
from bot.imports.sheet import Sheet
from bot.profiles import share_profile
from bot.programs import ProgramView, open_program_in, program_in, view_of_program
from bot.questions import Question
from storage.models import Enrolment, LearningStyle, MeetingChannel, Person, PersonStatus, Role

MENTOR_LEVEL = 4
MENTEE_LEVEL = 2
DAY_START, DAY_END = 9 * 60, 17 * 60


@dataclass(frozen=True)
class PlannedPerson:
    """One ready row: who, what they would have, and what changes against what is stored."""

    user_id: str
    name: str
    row_number: int
    values: dict[str, Any]
    new: bool
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SheetColumns:
    """How a sheet's columns are read for a program: the mapping (remembered for its next import once confirmed),
    each header with what it is read as, whether the program remembered it from its last import, and the admin's
    own choices on top."""

    mapping: Mapping
    headers: list[HeaderRead]
    remembered: bool
    choices: Choices


def _columns(stored: dict[str, Any], questions: Sequence[Question], sheet: Sheet, choices: Choices) -> SheetColumns:
    known = set(targets_for(questions))
    # A choice of a question the program no longer asks is dropped: the column is read as it would be without it.
    kept = {column: target for column, target in choices.items() if not target or target in known}
    remembered = apply_remembered(sheet.headers, stored)
    mapping = remembered or propose_mapping(sheet, questions)
    if kept:
        mapping = mapping.choose(header_groups(sheet), kept)
    return SheetColumns(mapping, headers_read(sheet, mapping), remembered is not None, kept)


def sheet_columns(
    session: Session, team_id: str, program_id: int, sheet: Sheet, choices: Choices
) -> tuple[ProgramView, SheetColumns]:
    """How the sheet's columns would be read for this program with the admin's choices; stores nothing."""
    stored_program = open_program_in(session, team_id, program_id)
    program = view_of_program(stored_program)
    return program, _columns(stored_program.import_mapping, program.questions, sheet, choices)


@dataclass(frozen=True)
class ImportPlan:
    program: ProgramView
    preview: Preview
    people: list[PlannedPerson]
    columns: SheetColumns

    @property
    def added(self) -> list[PlannedPerson]:
        return [p for p in self.people if p.new]

    @property
    def updated(self) -> list[PlannedPerson]:
        return [p for p in self.people if not p.new and p.changed]

    @property
    def unchanged(self) -> int:
        return sum(1 for p in self.people if not p.new and not p.changed)


def _values(became: Became, reports: set[str], existing: Person | None) -> dict[str, Any]:
    """What the row means for the membership, with the sheet's silence kept as what is stored (or a default)."""
    role = Role(became["role"]) if "role" in became else (existing.role if existing else Role.MENTEE)
    values: dict[str, Any] = {"role": role}
    if "topics_offered" in became or existing is None:
        values["expertise"] = list(became.get("topics_offered", [])) if role.mentors else []
    if "topics_wanted" in became or existing is None:
        values["goals"] = list(became.get("topics_wanted", [])) if role.seeks_mentor else []
    if "capacity" in became or existing is None:
        values["capacity"] = int(became.get("capacity", 1)) if role.mentors else 0
    if "mentors_wanted" in became and role.seeks_mentor:
        values["mentors_wanted"] = int(became["mentors_wanted"])
    for key in ("timezone", "department", "answers"):
        if key in became:
            values[key] = became[key]
    avoid = set(became.get("avoid_user_ids", [])) | reports
    if "manager_user_id" in became:
        avoid.add(became["manager_user_id"])
    kept = set(existing.do_not_match) if existing is not None else set()
    values["do_not_match"] = sorted((kept | avoid) - {became["user_id"]})
    if "prefer_user_ids" in became:
        values["preferred"] = sorted(set(became["prefer_user_ids"]) - avoid - {became["user_id"]})
    return values


def _changed(person: Person, values: dict[str, Any]) -> list[str]:
    return [key for key, value in values.items() if getattr(person, key) != value]


def plan_import(
    session: Session, team_id: str, program_id: int, sheet: Sheet, directory: Directory, choices: Choices
) -> ImportPlan:
    """Map (as the program remembers, else as proposed, with the admin's choices on top) and look up the sheet for
    this program (`SheetRefused` when no column says who a row is); stores nothing."""
    program, columns = sheet_columns(session, team_id, program_id, sheet, choices)
    preview = build_preview(sheet, columns.mapping, directory, program.questions, program.mentors_per_mentee)
    ready = [row for row in preview.rows if row.status is Status.READY]
    managers = {row.became["user_id"]: row.became.get("manager_user_id", "") for row in ready}
    reports: dict[str, set[str]] = {}
    for person, manager in managers.items():
        if manager:
            reports.setdefault(manager, set()).add(person)
    existing = {p.slack_user_id: p for p in session.scalars(select(Person).where(Person.program_id == program.id))}
    people = []
    for row in ready:
        user_id = row.became["user_id"]
        stored = existing.get(user_id)
        values = _values(row.became, reports.get(user_id, set()), stored)
        entry = directory.entry(user_id)
        people.append(
            PlannedPerson(
                user_id=user_id,
                name=entry.label if entry else user_id,
                row_number=row.row_number,
                values=values,
                new=stored is None,
                changed=[] if stored is None else _changed(stored, values),
            )
        )
    return ImportPlan(program, preview, people, columns)


@dataclass(frozen=True)
class Invited:
    person_id: int
    user_id: str


def apply_import(session: Session, team_id: str, plan: ImportPlan, now: datetime) -> list[Invited]:
    """Store the plan: new people invited (or enrolled), changed fields updated. Returns whom to ask to confirm."""
    program = open_program_in(session, team_id, plan.program.id)
    program.import_mapping = plan.columns.mapping.to_dict()
    existing = {p.slack_user_id: p for p in session.scalars(select(Person).where(Person.program_id == program.id))}
    earlier = {
        p.slack_user_id: p
        for p in session.scalars(
            select(Person).where(Person.team_id == team_id, Person.program_id != program.id).order_by(Person.id)
        )
    }
    status = PersonStatus.ACTIVE if program.enrolment is Enrolment.ADMIN else PersonStatus.INVITED
    invited: list[Invited] = []
    for planned in plan.people:
        person = existing.get(planned.user_id)
        if person is not None:
            for key in planned.changed:
                setattr(person, key, planned.values[key])
            if planned.changed:
                person.updated_at = now
                share_profile(session, person, now)
            continue
        profile = earlier.get(planned.user_id)
        role: Role = planned.values["role"]
        person = Person(
            team_id=team_id,
            program_id=program.id,
            slack_user_id=planned.user_id,
            display_name=planned.name[:120],
            seniority=MENTOR_LEVEL if role.mentors else MENTEE_LEVEL,
            timezone=profile.timezone if profile else "UTC",
            work_start_minute=profile.work_start_minute if profile else DAY_START,
            work_end_minute=profile.work_end_minute if profile else DAY_END,
            learning_style=profile.learning_style if profile else LearningStyle.DISCUSSION,
            meeting_channel=profile.meeting_channel if profile else MeetingChannel.VIDEO,
            cadence=program.default_cadence,
            languages=list(profile.languages) if profile else [],
            department=profile.department if profile else "",
            status=status,
            created_at=now,
            updated_at=now,
        )
        for key, value in planned.values.items():
            setattr(person, key, value)
        if profile is not None:
            # Their own do-not-match entries from another program stay: the sheet only adds to them.
            person.do_not_match = sorted(set(profile.do_not_match) | set(person.do_not_match))
        session.add(person)
        session.flush()
        share_profile(session, person, now)
        invited.append(Invited(person.id, person.slack_user_id))
    return invited


def confirm_invitation(session: Session, team_id: str, user_id: str, person_id: int, now: datetime) -> str:
    """The imported person says what was imported is right: from now on they are matched. Returns the program's
    name."""
    person = _invitation(session, team_id, user_id, person_id)
    person.status = PersonStatus.ACTIVE
    person.updated_at = now
    return view_of_program(program_in(session, team_id, person.program_id)).name


def decline_invitation(session: Session, team_id: str, user_id: str, person_id: int) -> str:
    """The imported person doesn't want to take part: the membership goes, with everything imported for it.
    Returns the program's name."""
    person = _invitation(session, team_id, user_id, person_id)
    name = view_of_program(program_in(session, team_id, person.program_id)).name
    session.delete(person)
    return name


def _invitation(session: Session, team_id: str, user_id: str, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.team_id != team_id or person.slack_user_id != user_id:
        raise NotYours(f"invitation {person_id}")
    if person.status is not PersonStatus.INVITED:
        raise MembershipClosed(str(person.status))
    return person
