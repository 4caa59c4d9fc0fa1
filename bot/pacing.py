"""Slack's pace, kept by every process of a deployment together: per workspace, per conversation, per method.

Each kind of call has a slot in the database (`pace_slots`): the moment its next call may go. Taking a turn
locks the slots it needs, moves each one gap on and commits, so HTTP replicas and scheduler processes share one
pace instead of each keeping its own. A slot that is far off (after a 429, or a busy method) is not waited for:
the caller puts that message back and goes on with the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db import Database
from storage.dialects import InsertOrIgnore
from storage.models import PaceSlot

# Messages a second across a workspace; Slack's chat.postMessage allows about one a second per conversation.
DEFAULT_RATE = 20.0
PER_CONVERSATION = 1.0
# Web API methods the outbox calls in bulk, and their tier's calls a second (https://api.slack.com/apis/rate-limits).
METHOD_RATES = {"conversations.open": 50 / 60, "chat.update": 50 / 60}
# Slack's tiers allow short bursts above their rate: this many calls of a method may go at once, then its rate.
METHOD_BURST = 10
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update"})
# How long a send may wait for its turn once the others have gone (a method's tier, a busy conversation); a turn
# further off (Slack said to wait longer, with a 429) is left for the next pass.
PATIENCE = 30.0
# A first try waits no longer than this: a conversation busy for longer (another process just wrote to it) is
# tried again after the others, so one conversation's gap never holds up the workspace's pace.
SOON = 0.25
_NEW_SLOT = InsertOrIgnore(PaceSlot, ["key"])
# Waits shorter than this are rounding, not a turn to wait for.
_INSTANT = 1e-6


@dataclass(frozen=True)
class Call:
    """One call to pace: which workspace, which conversation (for messages), which method."""

    team_id: str
    method: str
    channel: str = ""


class Pace(Protocol):
    def take(self, call: Call, patience: float = PATIENCE) -> bool:
        """Wait for this call's turn and take it; False (nothing taken) when it is more than `patience` off."""
        ...

    def hold(self, call: Call, seconds: float) -> None:
        """Slack said to wait (429 `Retry-After`): no call of this kind goes for `seconds`."""
        ...

    def spend(self, call: Call) -> None:
        """A call that goes now, its turn or not, because a person is waiting on it (an accept's group DM): it
        counts against the pace, so the calls that can wait (the outbox, a round's group DMs) leave it room."""
        ...


def _gaps(call: Call, per_second: float, per_conversation: float) -> dict[str, float]:
    """Each slot this call needs, with the time it moves that slot on."""
    gaps: dict[str, float] = {}
    if call.method in MESSAGE_METHODS:
        gaps[f"{call.team_id}:messages"] = 1.0 / per_second
        if call.channel:
            gaps[f"{call.team_id}:conversation:{call.channel}"] = per_conversation
    if call.method in METHOD_RATES:
        gaps[f"{call.team_id}:method:{call.method}"] = 1.0 / METHOD_RATES[call.method]
    return gaps


def _slack(key: str, gap: float) -> float:
    """How far ahead of now a slot may already be and still let a call go: a method's burst, else nothing."""
    return gap * (METHOD_BURST - 1) if ":method:" in key else 0.0


def _turn(now: float, slots: dict[str, float], gaps: dict[str, float]) -> float:
    """When the call may go: once every slot it needs is free (a method's slot allowing its burst)."""
    return max([now, *(slots.get(key, 0.0) - _slack(key, gap) for key, gap in gaps.items())])


def _moved(ready: float, slots: dict[str, float], gaps: dict[str, float]) -> dict[str, float]:
    """Every slot moved on by its gap from when the call goes (or from where it stood, for a burst)."""
    return {key: max(slots.get(key, 0.0), ready) + gap for key, gap in gaps.items()}


def _locked_slots(session: Session, gaps: dict[str, float]) -> list[PaceSlot]:
    """The call's slots (made if new), locked for this transaction in key order, so two processes taking
    overlapping turns never wait for each other in a circle."""
    session.execute(_NEW_SLOT.on(session), [{"key": key, "next_at": 0.0} for key in gaps])
    query = select(PaceSlot).where(PaceSlot.key.in_(gaps)).order_by(PaceSlot.key).with_for_update()
    return list(session.scalars(query))


class SharedPace:
    """The pace in the database, shared by every process that delivers (the default)."""

    def __init__(
        self,
        db: Database,
        per_second: float = DEFAULT_RATE,
        per_conversation: float = PER_CONVERSATION,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._db = db
        self._per_second, self._per_conversation = per_second, per_conversation
        self._clock, self._sleep = clock, sleep

    def take(self, call: Call, patience: float = PATIENCE) -> bool:
        gaps = _gaps(call, self._per_second, self._per_conversation)
        if not gaps:
            return True
        with self._db.unit_of_work() as session:
            slots = _locked_slots(session, gaps)
            now = self._clock()
            current = {slot.key: slot.next_at for slot in slots}
            ready = _turn(now, current, gaps)
            if ready - now > patience:
                return False
            moved = _moved(ready, current, gaps)
            for slot in slots:
                slot.next_at = moved[slot.key]
        pause = ready - self._clock()
        if pause > _INSTANT:
            self._sleep(pause)
        return True

    def hold(self, call: Call, seconds: float) -> None:
        gaps = _gaps(call, self._per_second, self._per_conversation)
        until = self._clock() + seconds
        with self._db.unit_of_work() as session:
            for slot in _locked_slots(session, gaps):
                slot.next_at = max(slot.next_at, until + _slack(slot.key, gaps[slot.key]))

    def spend(self, call: Call) -> None:
        gaps = _gaps(call, self._per_second, self._per_conversation)
        if not gaps:
            return
        with self._db.unit_of_work() as session:
            slots = _locked_slots(session, gaps)
            moved = _moved(self._clock(), {slot.key: slot.next_at for slot in slots}, gaps)
            for slot in slots:
                slot.next_at = moved[slot.key]


class LocalPace:
    """The same pace kept in this process only: for one process that owns the workspace (the sandbox, tests)."""

    def __init__(
        self,
        per_second: float = DEFAULT_RATE,
        per_conversation: float = PER_CONVERSATION,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._per_second, self._per_conversation = per_second, per_conversation
        self._clock, self._sleep = clock, sleep
        self._next: dict[str, float] = {}

    def take(self, call: Call, patience: float = PATIENCE) -> bool:
        gaps = _gaps(call, self._per_second, self._per_conversation)
        now = self._clock()
        ready = _turn(now, self._next, gaps)
        if ready - now > patience:
            return False
        self._next.update(_moved(ready, self._next, gaps))
        if ready - now > _INSTANT:
            self._sleep(ready - now)
        return True

    def hold(self, call: Call, seconds: float) -> None:
        until = self._clock() + seconds
        for key, gap in _gaps(call, self._per_second, self._per_conversation).items():
            self._next[key] = max(self._next.get(key, 0.0), until + _slack(key, gap))

    def spend(self, call: Call) -> None:
        self._next.update(_moved(self._clock(), self._next, _gaps(call, self._per_second, self._per_conversation)))
