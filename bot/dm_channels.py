"""Each person's DM channel with the bot, opened once and kept, so the messages after the first need no
`conversations.open` (Slack's Tier 3, about 50 a minute per workspace): the outbox and direct replies alike."""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.slack import open_dm, post
from bot.views.blocks import Message
from storage.db import Database
from storage.dialects import InsertOrIgnore
from storage.models import DirectChannel

_NEW_DM = InsertOrIgnore(DirectChannel, ["team_id", "user_id"])


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
