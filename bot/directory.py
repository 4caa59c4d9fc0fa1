"""The workspace's members as an import looks them up: paged from `users.list` at its tier (with progress) the
first time, then kept in the database and current through `team_join` and `user_change`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from bot.imports.directory import Directory, DirectoryEntry
from storage.models import DirectoryMember

log = logging.getLogger(__name__)
# `users.list` is a Tier 2 method: about 20 calls a minute. Pages are asked for no faster than that, so a large
# workspace's directory fills as fast as Slack allows without a single 429 (and a 429 is still waited out).
USERS_LIST_PER_MINUTE = 20
PAGE_SIZE = 200


def entry_of(member: dict[str, Any]) -> DirectoryEntry:
    profile = member.get("profile") or {}
    return DirectoryEntry(
        user_id=str(member.get("id") or ""),
        name=str(member.get("name") or ""),
        real_name=str(profile.get("real_name") or member.get("real_name") or ""),
        display_name=str(profile.get("display_name") or ""),
        email=str(profile.get("email") or ""),
        deleted=bool(member.get("deleted")),
        is_bot=bool(member.get("is_bot") or member.get("is_app_user")) and member.get("id") != "USLACKBOT",
    )


def fetch_directory(
    client: WebClient,
    progress: Callable[[int], None] | None = None,
    per_minute: int = USERS_LIST_PER_MINUTE,
    sleep: Callable[[float], None] = time.sleep,
) -> Directory:
    """Every member of the workspace, page by page at the method's tier; `progress(count)` after each page."""
    entries: list[DirectoryEntry] = []
    cursor = ""
    gap = 60.0 / per_minute
    last = 0.0
    while True:
        wait = last + gap - time.monotonic()
        if last and wait > 0:
            sleep(wait)
        last = time.monotonic()
        try:
            page = client.users_list(limit=PAGE_SIZE, cursor=cursor or None)
        except SlackApiError as error:
            log.warning("users.list failed after %d members: %s", len(entries), error.response.get("error"))
            raise
        entries += [entry_of(member) for member in page.get("members") or []]
        if progress is not None:
            progress(len(entries))
        cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return Directory(entries)


def _row(team_id: str, entry: DirectoryEntry, now: datetime) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "user_id": entry.user_id,
        "name": entry.name[:120],
        "real_name": entry.real_name[:120],
        "display_name": entry.display_name[:120],
        "email": entry.email[:320],
        "deleted": entry.deleted,
        "is_bot": entry.is_bot,
        "updated_at": now,
    }


def keep_member(session: Session, team_id: str, member: dict[str, Any], now: datetime) -> None:
    """A member joined or changed (`team_join`, `user_change`): the stored directory follows."""
    entry = entry_of(member)
    filled = session.scalar(select(DirectoryMember.user_id).where(DirectoryMember.team_id == team_id).limit(1))
    if not entry.user_id or filled is None:
        return  # never filled: the first import reads everyone, and a partial directory would miss people
    stored = session.get(DirectoryMember, (team_id, entry.user_id))
    if stored is None:
        session.add(DirectoryMember(**_row(team_id, entry, now)))
        return
    for key, value in _row(team_id, entry, now).items():
        setattr(stored, key, value)


def store_directory(session: Session, team_id: str, directory: Directory, now: datetime) -> None:
    """Replace the workspace's stored directory with a fresh one."""
    session.execute(delete(DirectoryMember).where(DirectoryMember.team_id == team_id))
    rows = [_row(team_id, entry, now) for entry in directory.entries()]
    for first in range(0, len(rows), 1_000):
        session.execute(insert(DirectoryMember), rows[first : first + 1_000])


def stored_directory(session: Session, team_id: str) -> Directory | None:
    """The directory kept for the workspace, or None when it was never filled."""
    members = session.scalars(select(DirectoryMember).where(DirectoryMember.team_id == team_id)).all()
    if not members:
        return None
    return Directory(
        DirectoryEntry(m.user_id, m.name, m.real_name, m.display_name, m.email, m.deleted, m.is_bot) for m in members
    )
