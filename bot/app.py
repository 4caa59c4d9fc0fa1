"""Composition root: settings → database → Bolt app → handlers → HTTP or Socket Mode."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_bolt import App
from sqlalchemy import text

from bot.clock import Clock, SystemClock
from bot.services import Services
from bot.settings import Settings
from bot.slack import make_client
from handlers import register
from handlers.http import wsgi_app
from storage.db import Database

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

log = logging.getLogger(__name__)


@dataclass
class Mentorbot:
    """The running app: its services and the Bolt app whose listeners run on `executor`."""

    services: Services
    bolt: App = field(init=False)
    executor: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        settings = self.services.settings
        # Listener work that continues after the ack runs here; owning the pool lets shutdown wait for it.
        self.executor = ThreadPoolExecutor(max_workers=32, thread_name_prefix="mentorbot-listener")
        self.bolt = App(
            name="mentorbot",
            signing_secret=settings.slack_signing_secret,
            client=make_client(settings.slack_api_url, settings.slack_bot_token, settings.slack_api_timeout),
            listener_executor=self.executor,
        )
        register(self.bolt, self.services)

    def wsgi(self) -> WSGIApplication:
        return wsgi_app(self.bolt, self.database_is_reachable)

    def database_is_reachable(self) -> bool:
        try:
            with self.services.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            log.exception("health check: database unreachable")
            return False
        return True

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.services.db.dispose()


def build(settings: Settings, clock: Clock | None = None) -> Mentorbot:
    return Mentorbot(Services(settings=settings, db=Database(settings.database_url), clock=clock or SystemClock()))
