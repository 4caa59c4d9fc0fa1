"""What due work is: a feature's claim of what has come due, and the messages that claim decides.

A feature declares its `DueWork` next to its rules (`bot/due/<feature>.py`); the scheduler walks the registry
(`bot.due.REGISTRY`), runs each step in one transaction and writes its nudges to the outbox in that same
transaction, so a claimed item and its messages are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.nudges import Nudge
from bot.pairs import PairView
from bot.requests import RequestView
from bot.views.blocks import Message

# How many due rows one transaction claims.
BATCH = 200


@dataclass
class Step:
    """What one claim did: how many items it handled, the nudges it decided, and whose App Home changed."""

    handled: int = 0
    nudges: list[Nudge] = field(default_factory=list)
    homes: set[tuple[str, str]] = field(default_factory=set)
    # Whether the claim may have left more due (a full batch, or one item taken one at a time).
    more: bool = False


@dataclass(frozen=True)
class Due:
    """What a step may know besides its session: the instant, and the admins every program has."""

    now: datetime
    configured_admins: frozenset[str]


@dataclass(frozen=True)
class DueWork:
    """One kind of due work. `counts_as` names the `TickReport` figure it adds to (empty: none)."""

    name: str
    step: Callable[[Session, Due], Step]
    counts_as: str = ""


def to_pair(team_id: str, key: str, pair: PairView, message: Message) -> list[Nudge]:
    """A message for both people of a pair: in their group DM, or in each one's DM while it has none."""
    if pair.channel_id:
        return [Nudge(team_id, key, message, channel_id=pair.channel_id)]
    return [
        Nudge(team_id, f"{key}:{person}", message, user_id=person)
        for person in (pair.mentee_user_id, pair.mentor_user_id)
    ]


def both(match: PairView | RequestView) -> set[tuple[str, str]]:
    """The two people of a pair or a request, as (workspace, user)."""
    return {(match.team_id, match.mentor_user_id), (match.team_id, match.mentee_user_id)}
