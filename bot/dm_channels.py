"""Each person's DM channel with the bot, opened once and kept, so the messages after the first need no
`conversations.open` (Slack's Tier 3, about 50 a minute per workspace): the outbox and direct replies alike.
Group DMs (a pair's, a circle's) are opened at that method's pace, shared by every process (`bot.pacing`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.deliveries import first_time
from bot.installations import NotInstalled
from bot.pacing import Call, Pace, SharedPace
from bot.slack import open_dm, post
from bot.views.blocks import Message
from storage.db import Database
from storage.dialects import InsertOrIgnore
from storage.models import DirectChannel

log = logging.getLogger(__name__)
T = TypeVar("T")
_NEW_DM = InsertOrIgnore(DirectChannel, ["team_id", "user_id"])
# How long a bulk opener (a round's group DMs) waits for its turn: a burst of 10, then about 50 a minute.
BULK_PATIENCE = 600.0


def known_dm_channel(session: Session, team_id: str, user_id: str) -> str | None:
    """The person's DM channel as last opened; None while it was never opened."""
    known = session.get(DirectChannel, (team_id, user_id))
    return known.channel_id if known is not None else None


def remember_dm_channel(session: Session, team_id: str, user_id: str, channel_id: str) -> None:
    session.execute(_NEW_DM.on(session).values(team_id=team_id, user_id=user_id, channel_id=channel_id))


def open_and_remember(db: Database, client: WebClient, team_id: str, user_id: str) -> str:
    """Open the person's DM (`conversations.open`) and keep its channel for every later message."""
    channel = open_dm(client, [user_id])
    with db.unit_of_work() as session:
        remember_dm_channel(session, team_id, user_id, channel)
    return channel


def dm_channel(db: Database, client: WebClient, team_id: str, user_id: str) -> str:
    """The person's DM channel: as kept, else opened now and kept."""
    with db.reading() as session:
        known = known_dm_channel(session, team_id, user_id)
    return known or open_and_remember(db, client, team_id, user_id)


def send_dm(db: Database, client: WebClient, team_id: str, user_id: str, message: Message) -> tuple[str, str]:
    """Post a message in the person's DM with the bot; returns the channel and the message's ts."""
    channel = dm_channel(db, client, team_id, user_id)
    return channel, post(client, channel, message)


def upload_to_dm(
    db: Database, client: WebClient, team_id: str, user_id: str, filename: str, data: bytes, title: str, comment: str
) -> None:
    """Share a file privately in the person's DM with the bot."""
    client.files_upload_v2(
        channel=dm_channel(db, client, team_id, user_id),
        file=data,
        filename=filename,
        title=title,
        initial_comment=comment,
    )


def open_group_dm(
    db: Database, client: WebClient, team_id: str, user_ids: list[str], *, bulk: bool = False, pace: Pace | None = None
) -> str:
    """Open a group DM at Slack's pace for new conversations (`pace`: the one in the database, shared by every
    process). One a person is waiting on (an accept, a newcomer's welcome) goes at once and counts against the
    pace; one of many (a round's groups) waits for its turn."""
    pace, call = pace or SharedPace(db), Call(team_id, "conversations.open")
    if not bulk:
        pace.spend(call)
    elif not pace.take(call, BULK_PATIENCE):
        log.warning("conversations.open is held for over %d s; opening a group DM anyway", BULK_PATIENCE)
    return open_dm(client, user_ids)


def open_late(
    db: Database,
    client_for: Callable[[str], WebClient],
    now: datetime,
    waiting: Iterable[tuple[str, str, T]],
    start: Callable[[WebClient, T], bool],
) -> int:
    """Start each late group DM of `waiting` (its key, its workspace, what `start` opens it for) that this process
    claims in this minute: one process a minute each, so replicas' schedulers never post its intro twice. How many
    started; one that fails waits for a later minute."""
    started = 0
    for key, team_id, item in waiting:
        with db.transaction() as connection:
            if not first_time(connection, f"{key}:{now:%Y-%m-%dT%H:%M}", team_id, now):
                continue
        try:
            started += start(client_for(team_id), item)
        except (NotInstalled, SlackApiError, OSError) as error:
            log.warning("could not open the late group DM %s: %s", key, error)
    return started
