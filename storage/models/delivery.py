"""Getting messages out exactly once: the outbox, delivered requests, token leases and slack_sdk's tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class OutboxMessage(Base):
    """A message to deliver, written in the same transaction as the state change it announces."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "send_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # Unique per logical message, so writing the same nudge twice is impossible.
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    user_id: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    update_ts: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    blocks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    send_after: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class Delivery(Base):
    """A Slack delivery already handled (event_id, or the trigger_id of a command, click or submission)."""

    __tablename__ = "deliveries"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(index=True)


class TokenRotation(Base):
    """A lease on rotating one workspace's bot token: one process at a time, until the lease runs out."""

    __tablename__ = "token_rotations"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime]


def _slack_sdk_tables() -> tuple[Table, Table, Table]:
    """The tables slack_sdk's installation and OAuth state stores query, declared here so our migrations own them.

    Token columns are widened to TEXT: they hold Fernet ciphertext, which is longer than the token.
    """
    installations = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
    bots = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
    for table in (installations, bots):
        for column in table.c:
            if column.name.endswith("token"):
                column.type = Text()
    states = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")
    return installations, bots, states


SLACK_INSTALLATIONS, SLACK_BOTS, SLACK_OAUTH_STATES = _slack_sdk_tables()


class PaceSlot(Base):
    """When the next call of one kind may go to Slack (a workspace's messages, a conversation, a Web API method),
    shared by every process of a deployment; real time, in seconds since the epoch."""

    __tablename__ = "pace_slots"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)


class DirectChannel(Base):
    """A person's DM channel with the bot, kept once opened, so a message needs no `conversations.open`."""

    __tablename__ = "dm_channels"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
