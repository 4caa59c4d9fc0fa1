"""Importing a sign-up sheet from Slack or the command line: read the file, look everyone up, preview, apply.

These are the workflows around `bot.importing` (which holds the rules): they reach Slack for the file, the
workspace's members and the DMs, and are jobs a worker runs after the ack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clicks import Click
from bot.directory import fetch_directory, store_directory, stored_directory
from bot.dm_channels import send_dm, upload_to_dm
from bot.importing import ImportPlan, Invited, apply_import, plan_import, sheet_columns
from bot.imports.directory import Directory
from bot.imports.mapping import Choices
from bot.imports.preview import Unidentified, report_csv
from bot.imports.sheet import MAX_BYTES, Sheet, SheetRefused, read_sheet
from bot.outbox import deliver, enqueue
from bot.programs import program_in, view_of_program
from bot.services import Services
from bot.slack import download_file
from bot.views.blocks import Block, Message
from bot.views.imports import (
    applied_message,
    columns_modal,
    columns_refused_modal,
    import_value,
    invitation_message,
    preview_message,
    refused_message,
)
from storage.models import Enrolment

log = logging.getLogger(__name__)
PROGRESS_EVERY = 1_000
T = TypeVar("T")


def workspace_directory(
    services: Services, team_id: str, client: WebClient, tell: WebClient | None = None, user_id: str = ""
) -> Directory:
    """Everyone in the workspace: the directory the app keeps, or, the first time, paged from `users.list` at
    its tier (a large workspace's admin hears how far it got) and kept from then on."""
    with services.db.reading() as session:
        stored = stored_directory(session, team_id)
    if stored is not None:
        return stored
    said = {"at": 0}

    def progress(count: int) -> None:
        if tell is not None and count - said["at"] >= PROGRESS_EVERY:
            said["at"] = count
            send_dm(services.db, tell, team_id, user_id, _progress(count))

    directory = fetch_directory(client, progress)
    with services.db.unit_of_work() as session:
        store_directory(session, team_id, directory, services.clock.now())
    return directory


def _progress(count: int) -> Message:
    return Message(text=f"Looking people up in Slack: {count:,} members read so far…")


def _read_upload(
    services: Services, click: Click, file_id: str, use: Callable[[Sheet], T]
) -> tuple[T | None, SheetRefused | None]:
    """What `use` makes of the sheet an admin uploaded, or why it can't be read."""
    client = click.client(services.settings)
    try:
        _, data = download_file(client, file_id, MAX_BYTES)
        return use(read_sheet(data)), None
    except SheetRefused as refused:
        return None, refused
    except ValueError as too_big:
        return None, SheetRefused(f"{too_big}.")
    except SlackApiError as error:
        log.warning("import: Slack refused %s", error.response.get("error"))
        return None, SheetRefused("Slack wouldn't hand me the file or the member list; try uploading it again.")


def plan_from_slack(
    services: Services, click: Click, file_id: str, choices: Choices
) -> tuple[ImportPlan | None, SheetRefused | None]:
    """The plan for the file an admin uploaded, its columns read with their choices, or why it can't be read."""

    def plan(sheet: Sheet) -> ImportPlan:
        client = click.client(services.settings)
        directory = workspace_directory(services, click.team_id, client, client, click.user_id)
        with services.db.reading() as session:
            return plan_import(session, click.team_id, click.value, sheet, directory, choices)

    return _read_upload(services, click, file_id, plan)


def preview_uploaded(services: Services, click: Click, file_id: str, choices: Choices) -> None:
    """A worker's job after the form (or after the admin changed the columns): the report file and the preview with
    its Confirm button, in the admin's DM."""
    plan, refused = plan_from_slack(services, click, file_id, choices)
    client = click.client(services.settings)
    if plan is None:
        # A sheet read but with no column found that says who a row is may only need the admin to say which.
        change = import_value(click.value, file_id, choices) if isinstance(refused, Unidentified) else ""
        send_dm(services.db, client, click.team_id, click.user_id, refused_message(str(refused), change))
        return
    upload_to_dm(
        services.db,
        client,
        click.team_id,
        click.user_id,
        f"{plan.program.slug}-import-report.csv",
        report_csv(plan.preview),
        f"{plan.program.name}: import report",
        "What each row of your sheet was read as, what it becomes, and why a row needs attention.",
    )
    send_dm(services.db, client, click.team_id, click.user_id, preview_message(plan, file_id))


def show_columns(services: Services, click: Click, file_id: str, choices: Choices, view_id: str) -> None:
    """A worker's job after Change the columns: the form with a menu per header, in place of the one that said it
    was reading the sheet."""

    def columns(sheet: Sheet) -> Block:
        with services.db.reading() as session:
            program, read = sheet_columns(session, click.team_id, click.value, sheet, choices)
        return columns_modal(program, read, file_id)

    form, refused = _read_upload(services, click, file_id, columns)
    click.client(services.settings).views_update(view_id=view_id, view=form or columns_refused_modal(str(refused)))


def confirm_uploaded(services: Services, click: Click, file_id: str, choices: Choices) -> None:
    """A worker's job after Confirm: the same plan again (the sheet is read afresh with the choices the preview
    showed), stored, and everyone asked."""
    plan, refused = plan_from_slack(services, click, file_id, choices)
    if plan is None:
        click.answer(services, refused_message(str(refused)), replace_original=True)
        return
    invited = apply_and_ask(services, click.team_id, plan)
    click.answer(services, _applied(plan, invited), replace_original=True)
    deliver(services.db, lambda _team: click.client(services.settings), services.clock.now())


def apply_and_ask(services: Services, team_id: str, plan: ImportPlan) -> list[Invited]:
    """Store the plan and queue each new person's consent DM in the same transaction."""
    now = services.clock.now()
    with services.db.unit_of_work() as session:
        invited = apply_import(session, team_id, plan, now)
        program = view_of_program(program_in(session, team_id, plan.program.id))
        values = {p.user_id: p.values for p in plan.people}
        for person in invited:
            message = invitation_message(program, person.person_id, values[person.user_id])
            key = f"program:{program.id}:imported:{person.person_id}"
            enqueue(session, team_id, key, message, now, user_id=person.user_id)
    return invited


def _applied(plan: ImportPlan, invited: list[Invited]) -> Message:
    asked = plan.program.enrolment is not Enrolment.ADMIN
    return applied_message(plan.program.name, len(invited), len(plan.updated), plan.unchanged, asked)
