"""The ticking loop: one APScheduler interval job; all due work lives in our own tables, not in APScheduler."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.services import Services
from bot.slack import make_client
from scheduler.tick import run_tick

log = logging.getLogger(__name__)


def _add_tick(scheduler: BaseScheduler, services: Services) -> None:
    settings = services.settings
    client = make_client(settings.slack_api_url, settings.slack_bot_token, settings.slack_api_timeout)

    def tick() -> None:
        try:
            run_tick(services, lambda _team: client, services.clock.now())
        except Exception:
            log.exception("scheduler tick failed; the next tick retries")

    # coalesce: after a pause, run one catch-up tick, not one per missed interval.
    scheduler.add_job(
        tick,
        "interval",
        seconds=settings.tick_seconds,
        id="mentorbot-tick",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=settings.tick_seconds * 5,
    )


def start_in_background(services: Services) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_tick(scheduler, services)
    scheduler.start()
    return scheduler


def run_forever(services: Services) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    _add_tick(scheduler, services)
    log.info("scheduler ticking every %d s", services.settings.tick_seconds)
    scheduler.start()
