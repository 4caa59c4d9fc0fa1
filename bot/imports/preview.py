"""What importing a sheet would do, row by row, before anything is stored: who each row is, what it becomes,
whether it is ready or needs the admin's attention and why; the downloadable report, and a re-import's changes."""

from __future__ import annotations

import collections.abc
import csv
import enum
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from bot.imports.directory import Directory, How, Lookup, Resolution
from bot.imports.mapping import (
    IDENTIFYING,
    Mapping,
    Target,
    as_email,
    as_slack_id,
    merged_value,
    parse_answer,
    parse_capacity,
    parse_mentors_wanted,
    parse_role,
    parse_timezone,
    parse_topics,
    question_target,
    split_list,
)
from bot.imports.sheet import Sheet, SheetRefused
from bot.profiles import MAX_DEPARTMENT, MAX_TAGS
from bot.programs import MAX_MENTORS_PER_MENTEE
from bot.questions import Question
from bot.text import cut, escape, squash
from storage.vocabulary import Role

DEFAULT_CAPACITY = 1
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


class Status(enum.StrEnum):
    READY = "ready"
    ATTENTION = "attention"
    REFUSED = "refused"


class Became(TypedDict, total=False):
    """What a row becomes; a field the sheet has no column for is absent (so a re-import never clears it)."""

    user_id: str
    role: str
    topics_offered: list[str]
    topics_wanted: list[str]
    capacity: int
    mentors_wanted: int
    timezone: str
    department: str
    manager_user_id: str
    prefer_user_ids: list[str]
    avoid_user_ids: list[str]
    answers: dict[str, str | list[str]]


class Unidentified(SheetRefused):
    """The sheet was read, but no column was found that says who a row is: the admin may say which one."""


@dataclass(frozen=True)
class RowOutcome:
    row_number: int
    read: dict[str, str]
    became: Became
    status: Status
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    rows: list[RowOutcome]

    def count(self, status: Status) -> int:
        return sum(1 for row in self.rows if row.status is status)

    @property
    def summary(self) -> str:
        """E.g. "40 ready, 3 need attention, 1 refused"."""
        attention = self.count(Status.ATTENTION)
        return (
            f"{self.count(Status.READY)} ready, {attention} {'needs' if attention == 1 else 'need'} attention, "
            f"{self.count(Status.REFUSED)} refused"
        )


@dataclass
class _Findings:
    """Reasons by how much they weigh: a refusal, something the admin must decide, or a note on a ready row."""

    refused: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return Status.REFUSED if self.refused else Status.ATTENTION if self.attention else Status.READY

    @property
    def reasons(self) -> list[str]:
        return [*self.refused, *self.attention, *self.notes]


def build_preview(
    sheet: Sheet,
    mapping: Mapping,
    directory: Directory,
    questions: Sequence[Question] = (),
    most_mentors: int = MAX_MENTORS_PER_MENTEE,
) -> Preview:
    """Every row of the sheet read through the mapping and resolved against the directory (`most_mentors`: the
    program's limit of mentors per mentee).

    Raises Unidentified when no column says who a row is (email, Slack ID, handle or name).
    """
    if not any(mapping.columns.get(target) for target in IDENTIFYING):
        raise Unidentified(
            "No column says who each row is: the sheet needs an email, Slack ID, Slack handle or name column."
        )
    reads = [_read(row, mapping) for row in sheet.rows]
    people = directory.resolve_many([_identity(read) for read in reads])
    mentioned = [_mentions(read) for read in reads]
    found = iter(directory.resolve_many([person_lookup(said) for row in mentioned for _, said in row]))
    mention_results = [[_Mention(target, said, next(found)) for target, said in row] for row in mentioned]
    asked = [q for q in questions if mapping.columns.get(question_target(q))]
    first_row: dict[str, int] = {}
    outcomes: list[RowOutcome] = []
    for number, read, person, mentions in zip(sheet.source_rows, reads, people, mention_results, strict=True):
        outcome = _outcome(number, read, person, mentions, asked, directory, most_mentors)
        user_id = outcome.became.get("user_id")
        if user_id and user_id in first_row:
            outcome = _duplicate(outcome, first_row[user_id])
        elif user_id:
            first_row[user_id] = number
        outcomes.append(outcome)
    return Preview(outcomes)


def _read(row: Sequence[str], mapping: Mapping) -> dict[str, str]:
    return {target: merged_value(row, columns) for target, columns in mapping.columns.items()}


def _identity(read: dict[str, str]) -> Lookup:
    name = read.get(Target.NAME, "") or squash(f"{read.get(Target.FIRST_NAME, '')} {read.get(Target.LAST_NAME, '')}")
    return Lookup(read.get(Target.EMAIL, ""), read.get(Target.SLACK_ID, ""), read.get(Target.HANDLE, ""), name)


def person_lookup(text: str) -> Lookup:
    """How a person named in a list is looked up: by address, ID or @handle when it is one, else by name (a bare
    word may also be a handle)."""
    if as_email(text):
        return Lookup(email=text)
    if as_slack_id(text):
        return Lookup(slack_id=text)
    if text.startswith("@"):
        return Lookup(handle=text)
    return Lookup(handle=text if " " not in text else "", name=text)


def _mentions(read: dict[str, str]) -> list[tuple[Target, str]]:
    """The people a row names, each as (target, what was written): its manager, whom it prefers and avoids."""
    manager = squash(read.get(Target.MANAGER_EMAIL, ""))
    named = [(Target.MANAGER_EMAIL, manager)] if split_list(manager) else []
    for target in (Target.PREFERRED_PEOPLE, Target.AVOID_PEOPLE):
        named += [(target, item) for item in split_list(read.get(target, ""))]
    return named


@dataclass(frozen=True)
class _Mention:
    target: Target
    said: str
    found: Resolution


def _outcome(
    number: int,
    read: dict[str, str],
    person: Resolution,
    mentions: list[_Mention],
    questions: Sequence[Question],
    directory: Directory,
    most_mentors: int,
) -> RowOutcome:
    findings = _Findings()
    became: Became = {}
    if _identity(read).empty:
        findings.refused.append("nothing in this row says who it is")
    elif person.user_id is None:
        (findings.refused if person.final else findings.attention).append(person.problem)
    else:
        became["user_id"] = person.user_id
        if person.how is How.NAME and person.confidence < 1:
            findings.notes.append(_accepted(_identity(read).name, person, directory))
    _role_and_topics(read, became, findings, most_mentors)
    _timezone(read, became, findings)
    _department(read, became, findings)
    _people(read, became, findings, mentions, directory)
    _answers(read, questions, became, findings)
    return RowOutcome(number, read, became, findings.status, findings.reasons)


def _accepted(said: str, found: Resolution, directory: Directory) -> str:
    """An accepted fuzzy match with its confidence: "Christian Buckner → Christiana Buckner, 96 %"."""
    entry = directory.entry(found.user_id or "")
    label = entry.label if entry else found.user_id
    return f"{squash(said)} → {label}, {round(found.confidence * 100)} %"


def _role_and_topics(read: dict[str, str], became: Became, findings: _Findings, most_mentors: int) -> None:
    offered = parse_topics(read.get(Target.TOPICS_OFFERED, ""))
    wanted = parse_topics(read.get(Target.TOPICS_WANTED, ""))
    if Target.TOPICS_OFFERED in read:
        became["topics_offered"] = _at_most_tags(offered, findings)
    if Target.TOPICS_WANTED in read:
        became["topics_wanted"] = _at_most_tags(wanted, findings)
    said = squash(read.get(Target.ROLE, ""))
    role = parse_role(said) if said else _role_from_topics(offered, wanted)
    if role is None:
        findings.attention.append(
            f"“{cut(said, 40)}” is not a role: use mentor, mentee or both"
            if said
            else "no role given, nor topics to tell it by: use mentor, mentee or both"
        )
        return
    became["role"] = role.value
    if not said:
        findings.notes.append(f"role taken from the topics given: {role.value}")
    if role.mentors:
        _capacity(read, became, findings)
    if role.seeks_mentor and Target.MENTORS_WANTED in read:
        _mentors_wanted(read, became, findings, most_mentors)


def _at_most_tags(topics: list[str], findings: _Findings) -> list[str]:
    if len(topics) > MAX_TAGS:
        findings.notes.append(f"kept the first {MAX_TAGS} of {len(topics)} topics")
    return topics[:MAX_TAGS]


def _role_from_topics(offered: list[str], wanted: list[str]) -> Role | None:
    if offered and wanted:
        return Role.BOTH
    return Role.MENTOR if offered else Role.MENTEE if wanted else None


def _capacity(read: dict[str, str], became: Became, findings: _Findings) -> None:
    capacity, problem = parse_capacity(read.get(Target.CAPACITY, ""))
    if problem:
        findings.attention.append(f"capacity: {problem}")
    elif capacity is None:
        became["capacity"] = DEFAULT_CAPACITY
        findings.notes.append(f"no capacity given: {DEFAULT_CAPACITY} mentee")
    elif capacity < 1:
        findings.attention.append("capacity 0: a mentor takes at least 1 mentee")
    else:
        became["capacity"] = capacity


def _mentors_wanted(read: dict[str, str], became: Became, findings: _Findings, most: int) -> None:
    count, problem = parse_mentors_wanted(read.get(Target.MENTORS_WANTED, ""))
    if problem:
        findings.attention.append(f"mentors wanted: {problem}")
    elif count is not None and count > most:
        became["mentors_wanted"] = most
        findings.notes.append(f"asked for {count} mentors; this program gives each mentee up to {most}")
    elif count is not None and count >= 1:
        became["mentors_wanted"] = count


def _timezone(read: dict[str, str], became: Became, findings: _Findings) -> None:
    place = squash(read.get(Target.TIMEZONE, ""))
    if place:
        zone = parse_timezone(place)
        if zone:
            became["timezone"] = zone
        else:
            findings.notes.append(f"can't tell the time zone of “{cut(place, 40)}”; Slack's will be used")


def _department(read: dict[str, str], became: Became, findings: _Findings) -> None:
    if Target.DEPARTMENT in read:
        department = squash(read[Target.DEPARTMENT])
        if len(department) > MAX_DEPARTMENT:
            findings.notes.append(f"department cut to {MAX_DEPARTMENT} characters")
        became["department"] = cut(department, MAX_DEPARTMENT)


def _people(
    read: dict[str, str],
    became: Became,
    findings: _Findings,
    mentions: list[_Mention],
    directory: Directory,
) -> None:
    """The manager, preferred and avoided people as user IDs: never the person themselves, never both preferred
    and avoided; an avoided person who can't be found needs the admin (they asked not to meet them)."""
    own = became.get("user_id")
    chosen: dict[Target, list[str]] = {Target.PREFERRED_PEOPLE: [], Target.AVOID_PEOPLE: []}
    for mention in mentions:
        target, said, found = mention.target, mention.said, mention.found
        shown = f"“{cut(said, 40)}”"
        if found.user_id is None:
            # Avoiding someone who can't be found needs a decision; avoiding a deactivated account does not.
            if target == Target.AVOID_PEOPLE and not found.final:
                findings.attention.append(f"avoid {shown}: {found.problem}")
            else:
                findings.notes.append(f"{_WHAT[target]} {shown} left out: {found.problem}")
            continue
        if found.user_id == own:
            findings.notes.append(f"{_WHAT[target]} {shown} is this person: left out")
            continue
        if found.how is How.NAME and found.confidence < 1:
            findings.notes.append(f"{_WHAT[target]}: {_accepted(said, found, directory)}")
        if target == Target.MANAGER_EMAIL:
            became["manager_user_id"] = found.user_id
        elif found.user_id not in chosen[target]:
            chosen[target].append(found.user_id)
    avoided = chosen[Target.AVOID_PEOPLE]
    preferred = [uid for uid in chosen[Target.PREFERRED_PEOPLE] if uid not in avoided]
    if len(preferred) < len(chosen[Target.PREFERRED_PEOPLE]):
        findings.notes.append("someone both preferred and avoided is only avoided")
    if Target.PREFERRED_PEOPLE in read:
        became["prefer_user_ids"] = preferred
    if Target.AVOID_PEOPLE in read:
        became["avoid_user_ids"] = avoided


_WHAT = {Target.MANAGER_EMAIL: "manager", Target.PREFERRED_PEOPLE: "preferred", Target.AVOID_PEOPLE: "avoid"}


def _answers(read: dict[str, str], questions: Sequence[Question], became: Became, findings: _Findings) -> None:
    answers: dict[str, str | list[str]] = {}
    for question in questions:
        answer, problem = parse_answer(question, read.get(question_target(question), ""))
        if problem:
            findings.attention.append(f"{cut(question.text, 40)}: {problem}")
        elif answer:
            answers[question.key] = answer
    if questions:
        became["answers"] = answers


def _duplicate(outcome: RowOutcome, first: int) -> RowOutcome:
    reasons = [f"row {outcome.row_number} is the same person as row {first}", *outcome.reasons]
    status = Status.REFUSED if outcome.status is Status.REFUSED else Status.ATTENTION
    return RowOutcome(outcome.row_number, outcome.read, outcome.became, status, reasons)


def row_line(outcome: RowOutcome) -> str:
    """One row as a line of Slack mrkdwn for the preview message; every word from the sheet is escaped."""
    user_id = outcome.became.get("user_id")
    read = outcome.read
    said = read.get(Target.NAME) or read.get(Target.EMAIL) or read.get(Target.HANDLE) or read.get(Target.SLACK_ID)
    who = f"<@{user_id}>" if user_id else escape(cut(squash(said or ""), 60))
    why = escape(cut("; ".join(outcome.reasons), 300))
    return f"*Row {outcome.row_number}* {who}" + (f": {why}" if why else "")


# --- The downloadable report ------------------------------------------------------------------------------------

_BECAME_COLUMNS = tuple(Became.__annotations__)


def inert_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula (`=HYPERLINK(…)`, `+`, `-`, `@`, or
    those behind a tab or line break) gets a leading apostrophe, which spreadsheets hide."""
    text = "" if value is None else str(value)
    return "'" + text if text.lstrip(" ").startswith(_FORMULA_STARTS) else text


def report_csv(preview: Preview) -> bytes:
    """Per row: its number, status and why, what was read from each mapped column, and what it became."""
    read_columns = list(dict.fromkeys(target for row in preview.rows for target in row.read))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        inert_cell(h) for h in ["row", "status", "why", *(f"read {t}" for t in read_columns), *_BECAME_COLUMNS]
    )
    for row in preview.rows:
        cells: list[object] = [row.row_number, row.status.value, "; ".join(row.reasons)]
        cells += [row.read.get(target, "") for target in read_columns]
        cells += [_shown(row.became.get(name)) for name in _BECAME_COLUMNS]
        writer.writerow(inert_cell(cell) for cell in cells)
    # With a byte-order mark, Excel opens UTF-8 as UTF-8 (without it, accents come out garbled).
    return out.getvalue().encode("utf-8-sig")


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_shown(answer)}" for key, answer in value.items())
    return str(value)


# --- Re-imports -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: Any
    after: Any

    def describe(self) -> str:
        """E.g. "capacity 1 → 2"."""
        return f"{self.name} {_shown(self.before) or '—'} → {_shown(self.after) or '—'}"


@dataclass(frozen=True)
class Change:
    """A ready row that would change what is stored: a new person, or the fields that differ."""

    user_id: str
    row_number: int
    new: bool
    fields: list[FieldChange] = field(default_factory=list)

    def describe(self) -> str:
        return "new" if self.new else "; ".join(change.describe() for change in self.fields)


def ready_people(preview: Preview) -> dict[str, Became]:
    """What the ready rows would store, by user ID: remembered to tell a re-import's changes."""
    return {row.became["user_id"]: row.became for row in preview.rows if row.status is Status.READY}


# What was stored for one person at the last import: a `Became`, read back as plain JSON.
Stored = collections.abc.Mapping[str, object]


def diff(previous: collections.abc.Mapping[str, Stored], preview: Preview) -> list[Change]:
    """The changes importing the ready rows would make to what was stored before (user ID → what they became):
    nothing for a row that is the same, so re-importing a file changes nothing."""
    changes: list[Change] = []
    for row in preview.rows:
        user_id, became = row.became.get("user_id", ""), row.became
        if row.status is not Status.READY:
            continue
        before = previous.get(user_id)
        if before is None:
            changes.append(Change(user_id, row.row_number, new=True))
            continue
        fields = [
            FieldChange(name, before.get(name), value)
            for name, value in became.items()
            if name != "user_id" and _comparable(name, before.get(name)) != _comparable(name, value)
        ]
        if fields:
            changes.append(Change(user_id, row.row_number, new=False, fields=fields))
    return changes


def _comparable(name: str, value: object) -> object:
    """Values compared as what they mean: an absent list is an empty one, and whom one avoids or prefers is a set."""
    if value is None or value == "":
        return None
    if isinstance(value, list):
        if not value:
            return None
        return sorted(map(str, value)) if name.endswith("_user_ids") else [str(v) for v in value]
    if isinstance(value, dict):
        return {key: _comparable(key, answer) for key, answer in value.items()} or None
    return value
