"""Importing a sign-up sheet: the upload form, the preview the admin confirms, and each person's consent DM."""

from __future__ import annotations

from typing import Any

from bot.importing import ImportPlan, PlannedPerson
from bot.imports.preview import Status, row_line
from bot.programs import ProgramView
from bot.text import escape
from bot.views.blocks import Block, Message, actions, button, context, input_block, modal, said, section, static_select
from bot.views.join import JOIN_OPEN, ROLE_LABELS
from storage.vocabulary import Enrolment, Role

IMPORT_SUBMIT = "import.submit"
IMPORT_CONFIRM = "import.confirm"
IMPORT_CANCEL = "import.cancel"
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


def preview_message(plan: ImportPlan, file_id: str) -> Message:
    """What confirming would do: counts first, then the rows to look at, and the one button that does it."""
    preview = plan.preview
    lines = [
        f"*Import into {escape(plan.program.name)}*: {preview.summary}.",
        f"Confirming adds *{len(plan.added)}*, updates *{len(plan.updated)}* and leaves *{plan.unchanged}* "
        "as they are.",
    ]
    if plan.updated:
        lines.append("*What changes*\n" + "\n".join(_change_line(p) for p in plan.updated[:SHOWN_CHANGES]))
    attention = [row for row in preview.rows if row.status is not Status.READY]
    if attention:
        shown = "\n".join(row_line(row) for row in attention[:SHOWN_ROWS])
        more = f"\n…and {len(attention) - SHOWN_ROWS} more in the report." if len(attention) > SHOWN_ROWS else ""
        lines.append(f"*Not imported until fixed*\n{shown}{more}")
    blocks: list[Block] = [section(line) for line in lines]
    if plan.added or plan.updated:
        value = f"{plan.program.id}|{file_id}"
        blocks.append(
            actions(
                button("Confirm import", IMPORT_CONFIRM, value=value, style="primary"),
                button("Cancel", IMPORT_CANCEL, value=value),
            )
        )
    else:
        blocks.append(section("Nothing would change, so there is nothing to confirm."))
    blocks.append(context("Nothing is stored or sent until you confirm. The per-row report (CSV) is in this DM."))
    return Message(text=f"Import preview for {plan.program.name}: {preview.summary}", blocks=blocks)


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


def refused_message(reason: str) -> Message:
    text = f"I couldn't read that sheet: {escape(reason)} Nothing was stored."
    return said(text)


def no_file_error() -> str:
    return "Attach the sheet as a CSV or XLSX file."


def invitation_message(program: ProgramView, person_id: int, values: dict[str, Any]) -> Message:
    """The consent DM: what the admins imported, who sees it, and confirm / edit / not for me."""
    role = ROLE_LABELS[values["role"]] if isinstance(values.get("role"), Role) else "take part"
    topics = values.get("expertise") or values.get("goals") or []
    about = f"\n*Topics:* {escape(', '.join(topics))}" if topics else ""
    capacity = f"\n*Mentees at once:* {values['capacity']}" if values.get("capacity") else ""
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
