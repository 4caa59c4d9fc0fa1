"""A workspace's lifecycle: installed, uninstalled (pairs paused, nothing due runs), installed again (resumed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.models import OutboxMessage, Pair, PairStatus, Program

UNINSTALLED = "app_uninstalled"


def installed(team_column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """A filter for due work: rows of workspaces that have the app installed (or never told us otherwise)."""
    return team_column.not_in(select(Program.team_id).where(Program.uninstalled_at.is_not(None)))


def _programs(session: Session, team_id: str) -> list[Program]:
    return list(session.scalars(select(Program).where(Program.team_id == team_id).order_by(Program.id)))


def suspend(session: Session, team_id: str, now: datetime) -> int:
    """The app left the workspace: pause its active pairs and drop unsent messages. Returns the pairs paused.

    Nothing is deleted: if the workspace installs the app again, `resume` picks up where it stopped.
    """
    programs = _programs(session, team_id)
    if any(p.uninstalled_at is not None for p in programs):
        return 0
    for program in programs:
        program.uninstalled_at = now
    paused = session.execute(
        update(Pair)
        .where(Pair.team_id == team_id, Pair.status == PairStatus.ACTIVE, Pair.paused_at.is_(None))
        .values(paused_at=now)
    )
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.team_id == team_id, OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
        .values(failed_at=now, last_error=UNINSTALLED, claimed_until=None)
    )
    return int(paused.rowcount)  # type: ignore[attr-defined]


def resume(session: Session, team_id: str, installer: str | None, now: datetime) -> int:
    """The app is installed (again): the installer runs the first program, and pairs the uninstall paused go on.

    Pairs that people paused themselves before the uninstall stay paused. Returns the pairs resumed.
    """
    programs = _programs(session, team_id)
    if not programs:
        return 0
    program = programs[0]
    if installer and installer not in program.admins:
        program.admins = [*program.admins, installer]
    uninstalled_at = program.uninstalled_at
    if uninstalled_at is None:
        return 0
    resumed = session.execute(
        update(Pair)
        .where(Pair.team_id == team_id, Pair.status == PairStatus.ACTIVE, Pair.paused_at == uninstalled_at)
        .values(paused_at=None)
    )
    for each in programs:
        each.uninstalled_at = None
    return int(resumed.rowcount)  # type: ignore[attr-defined]
