"""The program of a workspace: created on first contact, with settings its admins control."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.dialects import InsertOrIgnore
from storage.models import Cadence, Program

_NEW_PROGRAM = InsertOrIgnore(Program, ["team_id"])


def ensure_program(session: Session, team_id: str, now: datetime) -> Program:
    """The workspace's program, created with defaults if it does not exist (safe under concurrent joins)."""
    program = session.scalars(select(Program).where(Program.team_id == team_id)).one_or_none()
    if program is not None:
        return program
    session.execute(
        _NEW_PROGRAM.on(session).values(
            team_id=team_id,
            admins=[],
            default_cadence=Cadence.BIWEEKLY,
            anonymity_threshold=5,
            request_expiry_hours=72,
            created_at=now,
        )
    )
    return session.scalars(select(Program).where(Program.team_id == team_id)).one()


def program_admins(session: Session, team_id: str, configured: frozenset[str]) -> list[str]:
    """Everyone who gets program alerts: MENTORBOT_ADMINS plus the admins the program itself names."""
    program = session.scalars(select(Program).where(Program.team_id == team_id)).one_or_none()
    named = list(program.admins) if program is not None else []
    return sorted(set(configured) | set(named))


def is_program_admin(
    session: Session, team_id: str, user_id: str, configured: frozenset[str], workspace_admin: bool
) -> bool:
    """Admins are MENTORBOT_ADMINS, the program's named admins, and Slack workspace admins or owners."""
    return workspace_admin or user_id in program_admins(session, team_id, configured)


def set_match_weights(session: Session, team_id: str, changes: dict[str, float], now: datetime) -> dict[str, float]:
    """Store new weights for some matching factors; the others keep their value."""
    program = ensure_program(session, team_id, now)
    program.match_weights = {**(program.match_weights or {}), **changes}
    return dict(program.match_weights)


def set_anonymity_threshold(session: Session, team_id: str, threshold: int, now: datetime) -> int:
    """Reports hide groups smaller than this; it never goes below 3."""
    program = ensure_program(session, team_id, now)
    program.anonymity_threshold = max(3, threshold)
    return program.anonymity_threshold
