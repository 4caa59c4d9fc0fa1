"""The outbox: messages written in the same transaction as the change they announce, delivered afterwards.

A row is claimed for a short lease before it is sent, so several processes never send it twice; a process
that dies mid-send leaves the lease to expire and the next tick sends the row again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.installations import NotInstalled
from bot.slack import open_dm
from bot.text import cut
from bot.views.blocks import MESSAGE_BLOCKS_LIMIT, MESSAGE_TEXT_LIMIT, Message
from bot.workspaces import UNINSTALLED, installed
from storage.db import Database
from storage.dialects import InsertOrIgnore, claimed
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
# One message per dedupe key, however often the same due work is found.
_QUEUE = InsertOrIgnore(OutboxMessage, ["dedupe_key"])
# Messages a second across a workspace; Slack's chat.postMessage allows about one a second per conversation.
DEFAULT_RATE = 20.0
MAX_ATTEMPTS = 6
# Errors no retry can fix: the person or channel is gone, or the workspace revoked or removed the app.
FINAL_ERRORS = frozenset(
    {"channel_not_found", "user_not_found", "invalid_auth", "account_inactive", "token_revoked", UNINSTALLED}
)
BATCH = 100


def enqueue(
    session: Session,
    team_id: str,
    key: str,
    message: Message,
    now: datetime,
    *,
    user_id: str | None = None,
    channel_id: str | None = None,
    update_ts: str | None = None,
) -> None:
    """Queue a DM (`user_id`), a channel post (`channel_id`) or an edit (`channel_id` + `update_ts`), once per key."""
    if user_id is None and channel_id is None:
        raise ValueError("a message needs a user or a channel")
    session.execute(
        _QUEUE.on(session).values(
            team_id=team_id,
            dedupe_key=key[:160],
            user_id=user_id,
            channel_id=channel_id,
            update_ts=update_ts,
            text=cut(message.text, MESSAGE_TEXT_LIMIT),
            blocks=message.blocks[:MESSAGE_BLOCKS_LIMIT],
            send_after=now,
            attempts=0,
            last_error="",
            created_at=now,
        )
    )


class Pacer:
    """Keeps to Slack's pace: one message a second per conversation and a workspace-wide rate."""

    def __init__(
        self,
        per_second: float,
        per_channel_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._gap = 1.0 / per_second
        self._per_channel = per_channel_interval
        self._clock, self._sleep = clock, sleep
        self._next_in_team: dict[str, float] = {}
        self._next_in_channel: dict[tuple[str, str], float] = {}

    def wait(self, team_id: str, channel: str) -> None:
        """Sleep until a message to `channel` in `team_id` keeps within both limits, then count it as sent."""
        ready = max(self._next_in_team.get(team_id, 0.0), self._next_in_channel.get((team_id, channel), 0.0))
        pause = ready - self._clock()
        if pause > 0:
            self._sleep(pause)
        sent = self._clock()
        self._next_in_team[team_id] = sent + self._gap
        self._next_in_channel[(team_id, channel)] = sent + self._per_channel


def interleave(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Round-robin over conversations, so one busy conversation never holds up the others."""
    queues: dict[str, list[OutboxMessage]] = {}
    for row in rows:
        queues.setdefault(str(row.channel_id or row.user_id), []).append(row)
    ordered: list[OutboxMessage] = []
    while queues:
        for key in list(queues):
            ordered.append(queues[key].pop(0))
            if not queues[key]:
                del queues[key]
    return ordered


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _claim(session: Session, now: datetime, limit: int) -> list[OutboxMessage]:
    due = (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.send_after <= now,
            installed(OutboxMessage.team_id),
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    rows = list(session.scalars(claimed(session, due)))
    for row in rows:
        row.claimed_until = now + LEASE
        row.attempts += 1
    return rows


def _send(client: WebClient, row: OutboxMessage) -> None:
    channel = row.channel_id or open_dm(client, [str(row.user_id)])
    if row.update_ts:
        client.chat_update(channel=channel, ts=row.update_ts, text=row.text, blocks=row.blocks)
    else:
        client.chat_postMessage(channel=channel, text=row.text, blocks=row.blocks)


def _error_code(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error"))
    if isinstance(error, NotInstalled):
        return UNINSTALLED
    return str(error)


def deliver(
    db: Database, client_for: Callable[[str], WebClient], now: datetime, pacer: Pacer | None = None
) -> Delivery:
    """Send every due message at Slack's pace; failures back off exponentially and give up after MAX_ATTEMPTS."""
    report = Delivery()
    pacer = pacer or Pacer(per_second=DEFAULT_RATE)
    while True:
        with db.unit_of_work() as session:
            claimed = interleave(_claim(session, now, BATCH))
            batch = [(row.id, row.team_id, row.attempts, row) for row in claimed]
            # The lease must reach the database before the rows leave the session, or nothing is claimed.
            session.flush()
            session.expunge_all()
        if not batch:
            return report
        for row_id, team_id, attempts, row in batch:
            pacer.wait(team_id, str(row.channel_id or row.user_id))
            try:
                _send(client_for(team_id), row)
            except (SlackApiError, OSError, NotInstalled) as error:
                detail = _error_code(error)
                give_up = attempts >= MAX_ATTEMPTS or detail in FINAL_ERRORS
                log.warning("outbox %s attempt %s failed: %s", row_id, attempts, detail)
                with db.unit_of_work() as session:
                    session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id == row_id)
                        .values(
                            claimed_until=None,
                            last_error=str(detail)[:500],
                            failed_at=now if give_up else None,
                            send_after=now + timedelta(minutes=2**attempts),
                        )
                    )
                if give_up:
                    report.failed += 1
                else:
                    report.retried += 1
                continue
            with db.unit_of_work() as session:
                session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(sent_at=now))
            report.sent += 1
