"""The workspace's members as an import looks them up: paged from `users.list` at its tier, with progress."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.imports.directory import Directory, DirectoryEntry

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
