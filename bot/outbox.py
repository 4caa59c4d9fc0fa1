"""The outbox: messages written in the same transaction as the change they announce, delivered afterwards.

A row is claimed for a short lease before it is sent, so several processes never send it twice; a process
that dies mid-send leaves the lease to expire and the next tick sends the row again.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.dm_channels import known_dm_channel, open_and_remember
from bot.installations import NotInstalled
from bot.pacing import PATIENCE, SOON, Call, Pace, SharedPace
from bot.slack import without_rate_limit_waits
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
MAX_ATTEMPTS = 6
# Errors no retry can fix: the person or channel is gone, or the workspace revoked or removed the app.
FINAL_ERRORS = frozenset(
    {"channel_not_found", "user_not_found", "invalid_auth", "account_inactive", "token_revoked", UNINSTALLED}
)
BATCH = 100
# The longest pause between rounds of rows waiting for their turn.
MAX_PAUSE = 2.0
# How long a message put back for its turn waits before a pass may take it again.
PASS = timedelta(seconds=1)


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


def interleave(rows: list[OutboxMessage], first: int = 0) -> list[OutboxMessage]:
    """Round-robin over conversations, so one busy conversation never holds up the others.

    `first` rotates where the round starts: processes delivering at once start at different conversations
    instead of queueing behind each other at the same one.
    """
    by_conversation: dict[str, list[OutboxMessage]] = {}
    for row in rows:
        by_conversation.setdefault(str(row.channel_id or row.user_id), []).append(row)
    keys = list(by_conversation)
    start = first % len(keys) if keys else 0
    queues = {key: by_conversation[key] for key in keys[start:] + keys[:start]}
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


def _conversation(session: Session, row: OutboxMessage) -> str | None:
    """Where the row goes: its channel, or the person's DM as last opened (None while it was never opened)."""
    if row.channel_id:
        return row.channel_id
    return known_dm_channel(session, row.team_id, str(row.user_id))


def _send(client: WebClient, row: OutboxMessage, channel: str) -> None:
    if row.update_ts:
        client.chat_update(channel=channel, ts=row.update_ts, text=row.text, blocks=row.blocks)
    else:
        client.chat_postMessage(channel=channel, text=row.text, blocks=row.blocks)


def _retry_after(error: SlackApiError) -> float | None:
    """Seconds Slack asked to wait, for a 429; None for any other error."""
    if error.response.status_code != 429:
        return None
    headers = error.response.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after") or 1
    return float(value[0] if isinstance(value, list) else value)


def _error_code(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error"))
    if isinstance(error, NotInstalled):
        return UNINSTALLED
    return str(error)


class _Turn(Exception):
    """This row's turn is far off (its workspace, conversation or method is busy or held): it waits for a pass."""


def _deliver_one(
    db: Database, pace: Pace, client: WebClient, row: OutboxMessage, channel: str | None, patience: float
) -> None:
    """Open the DM if it was never opened, then post or edit, each at its own pace."""
    if channel is None:
        if not pace.take(Call(row.team_id, "conversations.open"), patience):
            raise _Turn
        channel = open_and_remember(db, client, row.team_id, str(row.user_id))
    call = Call(row.team_id, "chat.update" if row.update_ts else "chat.postMessage", channel)
    if not pace.take(call, patience):
        raise _Turn
    try:
        _send(client, row, channel)
    except SlackApiError as error:
        wait = _retry_after(error)
        if wait is not None:
            pace.hold(call, wait)
        raise


def _record_failure(db: Database, row_id: int, attempts: int, detail: str, now: datetime, retry: bool) -> bool:
    """Put the row back for a later try, or give up on it. Whether it was given up."""
    give_up = not retry and (attempts >= MAX_ATTEMPTS or detail in FINAL_ERRORS)
    with db.unit_of_work() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(
                claimed_until=None,
                last_error=detail[:500],
                failed_at=now if give_up else None,
                # A busy or rate-limited turn is no failure of the message: it goes on the next pass.
                attempts=attempts - 1 if retry else attempts,
                send_after=now + (PASS if retry else timedelta(minutes=2**attempts)),
            )
        )
    return give_up


def _claimed_batch(db: Database, now: datetime) -> list[tuple[OutboxMessage, str | None]]:
    with db.unit_of_work() as session:
        rows = interleave(_claim(session, now, BATCH), first=os.getpid())
        batch = [(row, _conversation(session, row)) for row in rows]
        # The lease must reach the database before the rows leave the session, or nothing is claimed.
        session.flush()
        session.expunge_all()
    return batch


def deliver(db: Database, client_for: Callable[[str], WebClient], now: datetime, pace: Pace | None = None) -> Delivery:
    """Send every due message at Slack's pace (shared by all processes); a 429 or a busy turn holds up only its
    own workspace, conversation or method. Failures back off exponentially and give up after MAX_ATTEMPTS."""
    report = Delivery()
    pace = pace or SharedPace(db)
    clients: dict[str, WebClient] = {}

    def attempt(row: OutboxMessage, channel: str | None, patience: float, last_try: bool) -> bool:
        """Send the row; False when its turn is not soon and this is not its last try in this pass."""
        try:
            if row.team_id not in clients:
                clients[row.team_id] = without_rate_limit_waits(client_for(row.team_id))
            _deliver_one(db, pace, clients[row.team_id], row, channel, patience)
        except _Turn:
            if not last_try:
                return False
            _record_failure(db, row.id, row.attempts, "waiting for its turn", now, retry=True)
            report.retried += 1
            return True
        except (SlackApiError, OSError, NotInstalled) as error:
            limited = isinstance(error, SlackApiError) and _retry_after(error) is not None
            detail = "rate limited" if limited else _error_code(error)
            log.warning("outbox %s attempt %s failed: %s", row.id, row.attempts, detail)
            if _record_failure(db, row.id, row.attempts, detail, now, retry=limited):
                report.failed += 1
            else:
                report.retried += 1
            return True
        with db.unit_of_work() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(sent_at=now))
        report.sent += 1
        return True

    while batch := _claimed_batch(db, now):
        # A row whose turn is not soon (a conversation another process just wrote to, a method at its tier) is
        # tried again after the others, round after round, so no wait for one pushes back the workspace's pace.
        waiting, pause = batch, SOON
        give_up_at = time.monotonic() + PATIENCE
        while waiting:
            last_try = time.monotonic() > give_up_at
            still = [(row, channel) for row, channel in waiting if not attempt(row, channel, SOON, last_try)]
            # Nothing was ready: wait a little longer each round (a held workspace can be seconds away).
            pause = min(2 * pause, MAX_PAUSE) if len(still) == len(waiting) else SOON
            if still:
                time.sleep(pause)
            waiting = still
    return report
