"""What every handler and scheduler job is given: settings, the database and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.candidates import MentorPools
from bot.clock import Clock
from bot.settings import Settings
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    mentor_pools: MentorPools = field(default_factory=MentorPools)
