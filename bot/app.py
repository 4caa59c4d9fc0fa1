"""Composition root: settings → database → Bolt app → handlers → HTTP or Socket Mode."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_bolt import App
from sqlalchemy import text

from bot.clock import Clock, SystemClock
from bot.installations import Tokens, bolt_authorize, installation_stores
from bot.offload import Offload
from bot.services import Services
from bot.settings import Settings
from bot.slack import make_client
from handlers import register
from handlers.calendars import pages as calendar_pages
from handlers.http import wsgi_app
from handlers.install import oauth_settings
from storage.db import Database

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

log = logging.getLogger(__name__)

NOT_INSTALLED_MESSAGE = (
    "Mentorbot isn't installed in this workspace right now. A workspace admin can add it again from the app's "
    "install page; everyone's profile and pairs are kept and pick up where they left off."
)


LISTENER_THREADS = 32


def started_pool(size: int, name: str) -> ThreadPoolExecutor:
    """A thread pool whose threads all run already.

    A `ThreadPoolExecutor` starts a thread per submit until it is full, and starting one waits until the new
    thread runs, under a lock that every other submit needs. In the first burst of requests after a start, with
    every thread busy, that held acks up for about 100 ms (`bench/serve.py`, 32 concurrent finds).
    """
    pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix=name)
    everyone = threading.Barrier(size + 1, timeout=30)
    for _ in range(size):
        pool.submit(everyone.wait)
    everyone.wait()
    return pool


@dataclass
class Mentorbot:
    """The running app: its services and the Bolt app whose listeners run on `executor`."""

    services: Services
    bolt: App = field(init=False)
    executor: ThreadPoolExecutor = field(init=False)
    tokens: Tokens = field(init=False)
    offload: Offload = field(init=False)

    def __post_init__(self) -> None:
        settings = self.services.settings
        # Listener work that continues after the ack runs here; owning the pool lets shutdown wait for it.
        self.executor = started_pool(LISTENER_THREADS, "mentorbot-listener")
        if settings.oauth:
            store, states = installation_stores(settings, self.services.db.engine)
            self.services.installations = store
            # Each request's client gets its workspace's token; this one lends its base URL and retry handlers.
            self.bolt = App(
                name="mentorbot",
                signing_secret=settings.slack_signing_secret,
                client=make_client(settings.slack_api_url, None, settings.slack_api_timeout),
                # Bolt takes an `Authorize` object as it is, though its signature names only functions.
                authorize=bolt_authorize(settings, self.services.db, store),  # type: ignore[arg-type]
                installation_store=store,
                installation_store_bot_only=True,
                oauth_settings=oauth_settings(self.services, store, states),
                user_facing_authorize_error_message=NOT_INSTALLED_MESSAGE,
                listener_executor=self.executor,
            )
        else:
            self.bolt = App(
                name="mentorbot",
                signing_secret=settings.slack_signing_secret,
                client=make_client(settings.slack_api_url, settings.slack_bot_token, settings.slack_api_timeout),
                listener_executor=self.executor,
            )
        self.tokens = Tokens(settings, self.services.installations, self.services.db)
        self.offload = self.services.offload = Offload(self.services, settings.workers, preload=("handlers",))
        register(self.bolt, self.services)

    def wsgi(self) -> WSGIApplication:
        return wsgi_app(self.bolt, self.database_is_reachable, calendar_pages(self.services, self.tokens.client_for))

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
        self.offload.close()
        self.services.db.dispose()


def build(settings: Settings, clock: Clock | None = None) -> Mentorbot:
    return Mentorbot(Services(settings=settings, db=Database(settings.database_url), clock=clock or SystemClock()))
