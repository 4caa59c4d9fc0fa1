"""Slack delivers some requests more than once (event retries, double clicks): handle each only once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete
from sqlalchemy.orm import Session

from storage.dialects import InsertOrIgnore
from storage.models import Delivery

KEEP_FOR = timedelta(days=1)
# Where the serving process leaves a delivery whose duplicate check happens after the ack (see `Pending`).
PENDING = "mentorbot_pending_delivery"
# Built once per dialect, not per request. RETURNING, not rowcount: after ON CONFLICT DO NOTHING only the
# returned row says whether it was inserted.
_RECORD = InsertOrIgnore(Delivery, ["key"], returning=Delivery.key)


def delivery_key(body: dict[str, Any]) -> str | None:
    """What identifies one delivery: the event's ID, or the trigger ID of one human action."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}" if trigger else None


def first_time(connection: Connection, key: str, team_id: str, now: datetime) -> bool:
    """Record the delivery; False when it was recorded before (a retry or a duplicate).

    Every request passes here before its ack, so this is one Core statement, without an ORM session.
    """
    row = {"key": key[:160], "team_id": team_id, "received_at": now}
    inserted = connection.execute(_RECORD.on(connection), row).scalar_one_or_none()
    return inserted is not None


@dataclass(frozen=True)
class Pending:
    """A delivery not yet recorded: its work runs after the ack, and is dropped there if it is a duplicate.

    A request whose ack is empty whatever happens (`/mentor find`, Accept) needs no database write before its
    ack: the job records the delivery first, in the worker, and a duplicate's job stops there.
    """

    key: str
    team_id: str


def prune(session: Session, now: datetime) -> None:
    session.execute(delete(Delivery).where(Delivery.received_at < now - KEEP_FOR))
