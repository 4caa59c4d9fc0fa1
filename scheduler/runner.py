"""The ticking loop: one APScheduler interval job; all due work lives in our own tables, not in APScheduler."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.installations import Tokens
from bot.services import Services
from scheduler.tick import run_tick

log = logging.getLogger(__name__)


def _add_tick(scheduler: BaseScheduler, services: Services, tokens: Tokens) -> None:
    settings = services.settings

    def tick() -> None:
        try:
            run_tick(services, tokens.resolver(), services.clock.now())
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


def start_in_background(services: Services, tokens: Tokens) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_tick(scheduler, services, tokens)
    scheduler.start()
    return scheduler


def run_forever(services: Services, tokens: Tokens) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    _add_tick(scheduler, services, tokens)
    log.info("scheduler ticking every %d s", services.settings.tick_seconds)
    scheduler.start()
