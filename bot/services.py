"""What every handler and scheduler job is given: settings, the database, the clock and, with OAuth, installs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from slack_sdk.oauth.installation_store import InstallationStore

from bot.candidates import MentorPools
from bot.charts import ChartFiles
from bot.clock import Clock
from bot.later import Later
from bot.settings import Settings
from storage.db import Database


class WorkQueue(Protocol):
    """Where work goes that continues after an ack: the app's worker processes (`bot.offload.Offload`)."""

    def submit(self, job: Callable[..., None], *args: Any) -> None: ...

    def close(self) -> None: ...


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    mentor_pools: MentorPools = field(default_factory=MentorPools)
    charts: ChartFiles = field(default_factory=ChartFiles)
    # Each workspace's bot token, when the app is installed through OAuth (None with one SLACK_BOT_TOKEN).
    installations: InstallationStore | None = None
    # Worker processes for heavy work after an ack (None: such work runs on the calling thread).
    offload: WorkQueue | None = None
    # In a worker: work nobody waits for, run when its jobs leave time (None: such work runs at once).
    later: Later | None = None
