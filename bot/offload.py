"""Heavy work after an ack runs in worker processes, so it never holds up another request's ack.

Acks and everything else in the serving process share one interpreter lock. Ranking thousands of mentors takes
milliseconds of CPU per `/mentor find`; under load, acks queued behind it. Workers are separate processes at a
lower CPU priority, each with its own database connections and mentor pools: when the machine is busy, acks
come first and the answers follow a moment later through the request's `response_url`.

A job is a module-level function whose first parameter is the `Services` it runs with; its other arguments are
plain values (they cross a process boundary), including the time, when it needs one.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Concatenate, ParamSpec

from sqlalchemy.engine import make_url

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
P = ParamSpec("P")
Job = Callable[Concatenate["Services", P], None]
# Workers yield the CPU to the serving process when both want it (0 is normal priority, 19 the lowest).
WORKER_NICENESS = 10
_worker: Services | None = None


def _start_worker(settings: Settings, level: int, server_pid: int) -> None:
    global _worker
    from bot.clock import SystemClock
    from bot.services import Services
    from storage.db import Database

    os.nice(WORKER_NICENESS)
    threading.Thread(target=_exit_after, args=(server_pid,), name="mentorbot-watchdog", daemon=True).start()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s[worker]: %(message)s")
    _worker = Services(settings=settings, db=Database(settings.database_url), clock=SystemClock())


def _exit_after(server_pid: int) -> None:
    """End this worker when the serving process is gone (killed, say), instead of lingering without it."""
    while True:
        time.sleep(1)
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            os._exit(0)


def _run_in_worker(job: Job[P], /, *args: P.args, **kwargs: P.kwargs) -> None:
    assert _worker is not None, "worker started without its services"
    job(_worker, *args, **kwargs)


def _ready() -> None:
    """A job that does nothing: running it means a worker is up."""


def _shared_database(url: str) -> bool:
    """Other processes can open this database (an in-memory SQLite database lives in one process only)."""
    parsed = make_url(url)
    return parsed.get_backend_name() != "sqlite" or parsed.database not in {None, "", ":memory:"}


class Offload:
    """Runs jobs in `processes` worker processes (started on first use), or on the calling thread when 0."""

    def __init__(self, services: Services, processes: int, preload: tuple[str, ...] = ()) -> None:
        self._services = services
        # Modules the forkserver imports once, so each worker starts with them (the modules that define jobs).
        self._preload = [__name__, *preload]
        self._processes = processes if _shared_database(services.settings.database_url) else 0
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, job: Job[P], *args: P.args, **kwargs: P.kwargs) -> None:
        if self._processes == 0:
            job(self._services, *args, **kwargs)
            return
        try:
            future = self._workers().submit(_run_in_worker, job, *args, **kwargs)
        except BrokenProcessPool:
            log.warning("a worker process died; starting new ones")
            self._pool = None
            future = self._workers().submit(_run_in_worker, job, *args, **kwargs)
        future.add_done_callback(_report_failure)

    def start(self) -> None:
        """Start the workers now rather than on the first job, so the first person to ask doesn't wait for it."""
        if self._processes:
            wait([self._workers().submit(_ready) for _ in range(self._processes)])

    def _workers(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: workers start from a clean process, not a fork of this one with its threads and locks.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(self._preload)
            self._pool = ProcessPoolExecutor(
                max_workers=self._processes,
                mp_context=context,
                initializer=_start_worker,
                initargs=(self._services.settings, logging.getLogger().getEffectiveLevel(), os.getpid()),
            )
        return self._pool

    def close(self) -> None:
        """Wait for the jobs already submitted, then stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _report_failure(future: Future[None]) -> None:
    error = future.exception()
    if error is not None:
        log.error("work after an ack failed", exc_info=error)


def after_ack(services: Services, job: Job[P], *args: P.args, **kwargs: P.kwargs) -> None:
    """Run `job` in the app's workers; where there are none (a worker, the scheduler, a test), right here."""
    if services.offload is None:
        job(services, *args, **kwargs)
    else:
        services.offload.submit(job, *args, **kwargs)
