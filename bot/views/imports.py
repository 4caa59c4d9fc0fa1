"""Importing a sign-up sheet: the upload form, the preview the admin confirms, the form that changes how its columns
are read, and each person's consent DM."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.importing import ImportPlan, PlannedPerson, SheetColumns
from bot.imports.mapping import Choices, HeaderRead, Target, clashes, identifies, question_target, targets_for
from bot.imports.preview import Status, row_line
from bot.programs import ProgramView
from bot.questions import Question
from bot.text import cut, escape
from bot.views.blocks import (
    OPTION_TEXT_LIMIT,
    Block,
    Message,
    actions,
    button,
    context,
    input_block,
    modal,
    said,
    section,
    static_select,
)
from bot.views.join import JOIN_OPEN, ROLE_LABELS
from storage.vocabulary import Enrolment, Role

IMPORT_SUBMIT = "import.submit"
IMPORT_CONFIRM = "import.confirm"
IMPORT_CANCEL = "import.cancel"
IMPORT_COLUMNS = "import.columns"
IMPORT_COLUMNS_SUBMIT = "import.columns_submit"
# A header's menu in the columns form: this, then the header's first column.
COLUMN = "column."
IGNORE = "ignore"
# Menus in the columns form (of Slack's 100 blocks in a modal), and header lines in the preview.
SHOWN_HEADERS = 40
SHOWN_READINGS = 15
HEADER_LENGTH = 60
INVITATION_CONFIRM = "import.invitation_confirm"
INVITATION_DECLINE = "import.invitation_decline"
FILE, PROGRAM, FIELD = "file", "program", "value"
SHOWN_ROWS = 8
SHOWN_CHANGES = 5
FIELD_NAMES = {
    "role": "role",
    "expertise": "topics offered",
    "goals": "topics wanted",
    "capacity": "capacity",
    "timezone": "time zone",
    "department": "department",
    "answers": "answers",
    "do_not_match": "do-not-match list",
    "preferred": "people they'd like to be matched with",
}
TARGET_NAMES: dict[str, str] = {
    Target.NAME: "name",
    Target.FIRST_NAME: "first name",
    Target.LAST_NAME: "last name",
    Target.EMAIL: "email",
    Target.SLACK_ID: "Slack ID",
    Target.HANDLE: "Slack handle",
    Target.ROLE: "role",
    Target.TOPICS_OFFERED: "topics offered",
    Target.TOPICS_WANTED: "topics wanted",
    Target.CAPACITY: "capacity",
    Target.MENTORS_WANTED: "mentors wanted",
    Target.TIMEZONE: "time zone or location",
    Target.DEPARTMENT: "department",
    Target.MANAGER_EMAIL: "manager's email",
    Target.PREFERRED_PEOPLE: "people to prefer",
    Target.AVOID_PEOPLE: "people to avoid",
}
NO_IDENTITY = "Pick a column that says who each row is: email, Slack ID, Slack handle or name."


def import_modal(programs: list[ProgramView], chosen: ProgramView | None) -> Block:
    """A file input for the sheet (CSV or XLSX) and, with several programs, which one it is for."""
    blocks: list[Block] = [
        section(
            "Bring in your program's sign-up sheet: a form export (Google Forms, Microsoft Forms, Typeform) or an "
            "HR export. I'll show you what each row becomes before anything is stored or sent."
        ),
        input_block(
            FILE,
            "Sign-up sheet (CSV or XLSX, up to 5 MB)",
            {"type": "file_input", "action_id": FIELD, "filetypes": ["csv", "xlsx"], "max_files": 1},
        ),
    ]
    if len(programs) > 1:
        choices = [(str(p.id), p.name) for p in programs]
        blocks.append(
            input_block(PROGRAM, "Program", static_select(FIELD, choices, str(chosen.id) if chosen else None))
        )
    blocks.append(context("Answers in the sheet are seen only by each person and the program's admins."))
    metadata = str(chosen.id) if chosen else str(programs[0].id)
    return modal("Import a sign-up sheet", IMPORT_SUBMIT, blocks, submit="Preview", private_metadata=metadata)


def read_import_form(state: dict[str, Any], default_program: int) -> tuple[str, int]:
    """The uploaded file's ID ("" when none) and the program it is for."""
    files = (state.get(FILE, {}).get(FIELD) or {}).get("files") or []
    file_id = str(files[0].get("id") or "") if files and isinstance(files[0], dict) else ""
    chosen = str(((state.get(PROGRAM, {}).get(FIELD) or {}).get("selected_option") or {}).get("value") or "")
    return file_id, int(chosen) if chosen.isdigit() else default_program


def _change_line(person: PlannedPerson) -> str:
    fields = ", ".join(FIELD_NAMES.get(f, f) for f in person.changed)
    return f"• <@{person.user_id}> (row {person.row_number}): {fields}"


def import_value(program_id: int, file_id: str, choices: Choices) -> str:
    """What the preview's buttons carry: the program, the uploaded file and the admin's choices of columns."""
    chosen = ";".join(f"{column}={target}" for column, target in sorted(choices.items()))
    return f"{program_id}|{file_id}|{chosen}"


def read_import_value(value: str) -> tuple[int, str, Choices]:
    """The program ID (0 when missing), the file ID and the choices a preview's button carries."""
    program, _, rest = value.partition("|")
    file_id, _, chosen = rest.partition("|")
    choices: Choices = {}
    for part in chosen.split(";"):
        column, given, target = part.partition("=")
        if given and column.isdigit():
            choices[int(column)] = target
    return int(program) if program.isdigit() else 0, file_id, choices


def target_name(target: str, questions: Sequence[Question]) -> str:
    """What a column is read as, in words: "email", or the program's question it answers."""
    asked = {question_target(q): q.text for q in questions}
    if target in asked:
        return cut(f"answers to “{asked[target]}”", OPTION_TEXT_LIMIT)
    return TARGET_NAMES.get(target, target)


def column_line(header: HeaderRead, questions: Sequence[Question]) -> str:
    """E.g. "Email address → email (98 %)", as plain text."""
    label = cut(header.label, HEADER_LENGTH) + (f" ({len(header.columns)} columns)" if len(header.columns) > 1 else "")
    return f"{label} → {target_name(header.target, questions)} ({round(header.confidence * 100)} %)"


def _columns_read(columns: SheetColumns, questions: Sequence[Question]) -> str:
    how = "as you chose" if columns.choices else "as at the last import" if columns.remembered else "from the sheet"
    read = [header for header in columns.headers if header.target]
    lines = [f"• {escape(column_line(header, questions))}" for header in read[:SHOWN_READINGS]]
    if len(read) > SHOWN_READINGS:
        lines.append(f"…and {len(read) - SHOWN_READINGS} more")
    unread = [escape(cut(header.label, HEADER_LENGTH)) for header in columns.headers if not header.target]
    if unread:
        more = f" and {len(unread) - SHOWN_READINGS} more" if len(unread) > SHOWN_READINGS else ""
        what = "Not read" if columns.choices or columns.remembered else "Nothing found for"
        lines.append(f"*{what}:* {', '.join(unread[:SHOWN_READINGS])}{more}")
    return f"*How the columns were read* ({how})\n" + "\n".join(lines)


def preview_message(plan: ImportPlan, file_id: str) -> Message:
    """What confirming would do: counts first, how the columns were read, the rows to look at, and the buttons that
    confirm it or change the columns."""
    preview = plan.preview
    lines = [
        f"*Import into {escape(plan.program.name)}*: {preview.summary}.",
        f"Confirming adds *{len(plan.added)}*, updates *{len(plan.updated)}* and leaves *{plan.unchanged}* "
        "as they are.",
        _columns_read(plan.columns, plan.program.questions),
    ]
    if plan.updated:
        lines.append("*What changes*\n" + "\n".join(_change_line(p) for p in plan.updated[:SHOWN_CHANGES]))
    attention = [row for row in preview.rows if row.status is not Status.READY]
    if attention:
        shown = "\n".join(row_line(row) for row in attention[:SHOWN_ROWS])
        more = f"\n…and {len(attention) - SHOWN_ROWS} more in the report." if len(attention) > SHOWN_ROWS else ""
        lines.append(f"*Not imported until fixed*\n{shown}{more}")
    blocks: list[Block] = [section(line) for line in lines]
    value = import_value(plan.program.id, file_id, plan.columns.choices)
    change = button("Change the columns", IMPORT_COLUMNS, value=value)
    if plan.added or plan.updated:
        confirm = button("Confirm import", IMPORT_CONFIRM, value=value, style="primary")
        blocks.append(actions(confirm, change, button("Cancel", IMPORT_CANCEL, value=value)))
    else:
        blocks.append(section("Nothing would change, so there is nothing to confirm."))
        blocks.append(actions(change))
    blocks.append(context("Nothing is stored or sent until you confirm. The per-row report (CSV) is in this DM."))
    return Message(text=f"Import preview for {plan.program.name}: {preview.summary}", blocks=blocks)


def columns_loading_modal() -> Block:
    """Shown at once on Change the columns, while the sheet is read again (the menus need its headers)."""
    return modal("Change the columns", IMPORT_COLUMNS_SUBMIT, [section("Reading your sheet's columns…")])


def columns_notice_modal(message: Message) -> Block:
    """The columns form's place taken by a notice (the workers were too busy to read the sheet)."""
    return modal("Change the columns", IMPORT_COLUMNS_SUBMIT, [section(message.text)], close="Close")


def columns_refused_modal(reason: str) -> Block:
    text = f"I couldn't read that sheet again: {escape(reason)} Upload it with `/mentor admin import`."
    return modal("Change the columns", IMPORT_COLUMNS_SUBMIT, [section(text)], close="Close")


def columns_modal(program: ProgramView, columns: SheetColumns, file_id: str) -> Block:
    """One menu per header of the sheet (the first SHOWN_HEADERS of them), each set to what it is read as now."""
    questions = program.questions
    choices = [(IGNORE, "Ignore this column"), *((t, target_name(t, questions)) for t in targets_for(questions))]
    blocks: list[Block] = [
        section(
            f"What each column of your sheet for *{escape(program.name)}* is read as. Change any I got wrong; "
            "you get a new preview, and nothing is stored until you confirm it."
        )
    ]
    for header in columns.headers[:SHOWN_HEADERS]:
        repeated = f"{len(header.columns)} columns with this header. " if len(header.columns) > 1 else ""
        example = f"e.g. “{cut(header.sample, HEADER_LENGTH)}”" if header.sample else "Every cell is blank."
        menu = static_select(FIELD, choices, header.target or IGNORE)
        blocks.append(input_block(f"{COLUMN}{header.columns[0]}", header.label, menu, hint=repeated + example))
    others = columns.headers[SHOWN_HEADERS:]
    if others:
        blocks.append(
            context(
                f"The first {SHOWN_HEADERS} of {len(columns.headers)} headers are shown; the other {len(others)} "
                "are read as the preview says."
            )
        )
    metadata = json.dumps({"program": program.id, "file": file_id, "others": sorted({h.target for h in others} - {""})})
    return modal("Change the columns", IMPORT_COLUMNS_SUBMIT, blocks, submit="Preview again", private_metadata=metadata)


@dataclass(frozen=True)
class ColumnsForm:
    program_id: int
    file_id: str
    choices: Choices


def clash_problem(target: str, earlier: str) -> str:
    """Why a second header can't be read as a person's identity or manager (`earlier` names the first)."""
    return f"{earlier} is already read as {target_name(target, ())}, which comes from one column only."


def read_columns_form(view: dict[str, Any]) -> tuple[ColumnsForm, dict[str, str]]:
    """The admin's choice for each header shown, and what is wrong with them, by menu: a person's email (or ID,
    handle, name, manager) read from two headers, or nothing left that says who a row is."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        metadata = {}
    program = metadata.get("program")
    others = [str(target) for target in metadata.get("others", [])]
    labels = {b.get("block_id"): b["label"]["text"] for b in view.get("blocks", []) if b.get("type") == "input"}
    chosen: list[tuple[str, str]] = []
    for block_id, entry in view.get("state", {}).get("values", {}).items():
        if block_id.startswith(COLUMN) and block_id.removeprefix(COLUMN).isdigit():
            value = str(((entry.get(FIELD) or {}).get("selected_option") or {}).get("value") or IGNORE)
            chosen.append((block_id, "" if value == IGNORE else value))
    chosen.sort(key=lambda pair: int(pair[0].removeprefix(COLUMN)))
    form = ColumnsForm(
        program if isinstance(program, int) else 0,
        str(metadata.get("file") or ""),
        {int(block_id.removeprefix(COLUMN)): target for block_id, target in chosen},
    )
    targets = [*others, *(target for _, target in chosen)]
    errors: dict[str, str] = {}
    # Both menus of a clash say so (which one the admin just changed is not known), each naming the other.
    for position, earlier in clashes(targets).items():
        block_id, target = chosen[position - len(others)]
        if earlier < len(others):
            errors[block_id] = clash_problem(target, f"A column after the first {SHOWN_HEADERS}")
            continue
        first = chosen[earlier - len(others)][0]
        errors[block_id] = clash_problem(target, f"“{labels.get(first, '')}”")
        errors.setdefault(first, clash_problem(target, f"“{labels.get(block_id, '')}”"))
    if chosen and not identifies(targets):
        errors[chosen[0][0]] = NO_IDENTITY
    return form, errors


def applied_message(program: str, added: int, updated: int, unchanged: int, invited: bool) -> Message:
    asked = (
        "Each new person got a DM to confirm or edit what was imported; they are matched once they confirm."
        if invited
        else "They are enrolled; each new person got a DM saying so, with a button to edit."
    )
    text = (
        f"*{escape(program)}*: {added} added, {updated} updated, {unchanged} unchanged. "
        f"{asked if added else 'Nobody new to ask.'}"
    )
    return said(text)


def cancelled_message() -> Message:
    text = "Import cancelled. Nothing was stored or sent."
    return said(text)


def refused_message(reason: str, columns_value: str = "") -> Message:
    """Why the sheet can't be imported; with `columns_value` (what a preview's buttons carry), a button to say which
    columns are which."""
    text = f"I couldn't read that sheet: {escape(reason)} Nothing was stored."
    if not columns_value:
        return said(text)
    change = button("Change the columns", IMPORT_COLUMNS, value=columns_value, style="primary")
    return Message(text=text, blocks=[section(text), actions(change)])


def no_file_error() -> str:
    return "Attach the sheet as a CSV or XLSX file."


def invitation_message(program: ProgramView, person_id: int, values: dict[str, Any]) -> Message:
    """The consent DM: what the admins imported, who sees it, and confirm / edit / not for me."""
    role = ROLE_LABELS[values["role"]] if isinstance(values.get("role"), Role) else "take part"
    topics = values.get("expertise") or values.get("goals") or []
    about = f"\n*Topics:* {escape(', '.join(topics))}" if topics else ""
    capacity = f"\n*Mentees at once:* {values['capacity']}" if values.get("capacity") else ""
    if int(values.get("mentors_wanted") or 1) > 1:
        capacity += f"\n*Mentors you'd like:* {values['mentors_wanted']}"
    preferred = values.get("preferred") or []
    if preferred:
        capacity += "\n*You'd like to be matched with:* " + ", ".join(f"<@{user}>" for user in preferred)
    enrolled = program.enrolment is Enrolment.ADMIN
    lead = (
        f"The admins of *{escape(program.name)}* enrolled you from their sign-up sheet."
        if enrolled
        else f"The admins of *{escape(program.name)}* added you from their sign-up sheet. Is this right?"
    )
    blocks: list[Block] = [section(f"{lead}\n*Role:* {role}{about}{capacity}")]
    choices = [button("Edit first", JOIN_OPEN, value=str(program.id))]
    if not enrolled:
        choices.insert(0, button("Yes, that's me", INVITATION_CONFIRM, value=str(person_id), style="primary"))
        choices.append(button("Not for me", INVITATION_DECLINE, value=str(person_id)))
    blocks.append(actions(*choices))
    blocks.append(
        context(
            "Only you and this program's admins see what the sheet said. "
            + (
                "You're matched from now on; pause any time with `/mentor leave`."
                if enrolled
                else "Nobody is matched with you until you confirm."
            )
        )
    )
    return Message(text=f"{program.name}: is this right?", blocks=blocks)


def invitation_confirmed_message(program: str) -> Message:
    text = f"Thanks! You're in *{escape(program)}*. Mentees can run `/mentor find`; mentors will hear from them here."
    return said(text)


def invitation_declined_message(program: str) -> Message:
    text = f"Understood: you're not in *{escape(program)}*, and what the sheet said about you is removed."
    return said(text)


def invitation_closed_message() -> Message:
    text = "You've already answered this one. `/mentor status` shows where you are."
    return said(text)
