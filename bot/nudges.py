"""A message some rule decided to send, kept apart from sending it: due work and group events write them to the
outbox in the transaction that decided them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.outbox import enqueue
from bot.views.blocks import Message


@dataclass(frozen=True)
class Nudge:
    """One message a rule decided to send: a DM (`user_id`), a channel post, or an edit (`update_ts`)."""

    team_id: str
    key: str
    message: Message
    user_id: str | None = None
    channel_id: str | None = None
    update_ts: str | None = None

    def queue(self, session: Session, now: datetime) -> None:
        """Write it to the outbox in this transaction (once per key)."""
        enqueue(
            session,
            self.team_id,
            self.key,
            self.message,
            now,
            user_id=self.user_id,
            channel_id=self.channel_id,
            update_ts=self.update_ts,
        )
