"""Heavy work after an ack runs in worker processes, so it never holds up another request's ack.

Acks and everything else in the serving process share one interpreter lock. Ranking thousands of mentors takes
milliseconds of CPU per `/mentor find`; under load, acks queued behind it. Workers are separate processes at a
lower CPU priority, each with its own database connections and mentor pools: when the machine is busy, acks
come first and the answers follow a moment later through the request's `response_url`.

A job is a module-level function whose first parameter is the `Services` it runs with; its other arguments are
plain values (they cross a process boundary). A job runs at the time of the request that asked for it: its
services' clock reads the time the serving process read when it handed the job over.

The queue is bounded (`MENTORBOT_QUEUE_LIMIT`): when the workers already have that many jobs waiting, a new one
is refused at once (`Busy`), so its handler can tell the person to try again instead of answering late.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from multiprocessing.context import ForkServerProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec

from sqlalchemy.engine import make_url

from bot.deliveries import Pending, first_time
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
P = ParamSpec("P")
Job = Callable[Concatenate["Services", P], None]
# Workers yield the CPU to the serving process when both want it (0 is normal priority, 19 the lowest).
WORKER_NICENESS = 10
# How long `start` waits for a worker to be ready.
START_TIMEOUT_SECONDS = 60
# How long `close` lets the workers finish their queued jobs: within the 30 s a stop request usually allows.
STOP_TIMEOUT_SECONDS = 20
# A job as it crosses to a worker: the function, the time it was asked for and its arguments; None means stop.
Parcel = tuple[Callable[..., None], datetime, tuple[Any, ...]] | None


class Busy(Exception):
    """The workers have as many jobs waiting as they may: this one was not taken, and nothing of it ran."""


def _work(settings: Settings, level: int, server_pid: int, jobs: Queue[Parcel], ready: Event) -> None:
    """A worker process: run jobs from `jobs` on `worker_threads` threads, until each is told to stop."""
    from bot.clock import SystemClock
    from bot.heap import freeze_startup_heap, limit_malloc_arenas
    from bot.later import Later
    from bot.services import Services
    from storage.db import Database

    limit_malloc_arenas()
    os.nice(WORKER_NICENESS)
    threading.Thread(target=_exit_after, args=(server_pid,), name="mentorbot-watchdog", daemon=True).start()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s[worker]: %(message)s")
    later = Later()
    services = Services(settings=settings, db=Database(settings.database_url), clock=SystemClock(), later=later)
    freeze_startup_heap()
    runners = [
        threading.Thread(target=_run_jobs, args=(services, jobs), name=f"mentorbot-job-{number}")
        for number in range(settings.worker_threads)
    ]
    for runner in runners:
        runner.start()
    ready.set()
    for runner in runners:
        runner.join()
    later.stop()
    services.db.dispose()


def _run_jobs(services: Services, jobs: Queue[Parcel]) -> None:
    """One of a worker's job threads: a job that waits (on Slack's pace for new conversations, say) holds up only
    its own thread, not the finds queued behind it."""
    from bot.clock import FixedClock

    assert services.later is not None
    while (parcel := jobs.get()) is not None:
        job, at, args = parcel
        try:
            with services.later.running():
                job(replace(services, clock=FixedClock(at)), *args)
        except Exception:
            log.exception("work after an ack failed")


def _exit_after(server_pid: int) -> None:
    """End this worker when the serving process is gone (killed, say), instead of lingering without it."""
    while True:
        time.sleep(1)
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            os._exit(0)


def _shared_database(url: str) -> bool:
    """Other processes can open this database (an in-memory SQLite database lives in one process only)."""
    parsed = make_url(url)
    return parsed.get_backend_name() != "sqlite" or parsed.database not in {None, "", ":memory:"}


class Offload:
    """Runs jobs in `processes` worker processes (started on first use), or on the calling thread when 0.

    A job is handed over as a parcel on a queue that all workers read; nothing comes back (a job answers Slack
    itself and logs its own failure), so the serving thread only appends it: the queue's own thread pickles
    it and writes it to the workers' pipe, and a slow worker never blocks an ack. A full queue (`queue_limit` jobs
    waiting) refuses the job with `Busy` rather than making the serving thread wait.
    """

    def __init__(self, services: Services, processes: int, preload: tuple[str, ...] = ()) -> None:
        self._services = services
        # Modules the forkserver imports once, so each worker starts with them (the modules that define jobs).
        self._preload = [__name__, *preload]
        self._processes = processes if _shared_database(services.settings.database_url) else 0
        self._limit = services.settings.queue_limit
        self._workers: list[ForkServerProcess] = []
        self._jobs: Queue[Parcel] | None = None
        self._starting = threading.Lock()

    def submit(self, job: Job[P], *args: P.args, **kwargs: P.kwargs) -> None:
        if self._processes == 0:
            job(self._services, *args, **kwargs)
            return
        assert not kwargs, "a job's arguments cross to the worker by position"
        try:
            self._queue().put((job, self._services.clock.now(), args), block=False)
        except queue.Full:
            raise Busy from None

    def start(self) -> None:
        """Start the workers now rather than on the first job, so the first person to ask doesn't wait for it."""
        if self._processes:
            self._queue()

    def _queue(self) -> Queue[Parcel]:
        with self._starting:
            if self._jobs is None or not all(worker.is_alive() for worker in self._workers):
                self._replace_workers()
            assert self._jobs is not None
            return self._jobs

    def _replace_workers(self) -> None:
        if self._workers:
            # A worker that died may have held the queue's read lock, so every worker starts afresh, on a new
            # queue; the jobs still queued for the old ones are lost.
            log.warning("a worker process died; starting new ones")
            self._stop_workers()
        # forkserver: workers start from a clean process, not a fork of this one with its threads and locks.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(self._preload)
        self._jobs = context.Queue(maxsize=self._limit)
        settings, level = self._services.settings, logging.getLogger().getEffectiveLevel()
        readiness = []
        self._workers = []
        for number in range(self._processes):
            ready = context.Event()
            worker = context.Process(
                target=_work,
                args=(settings, level, os.getpid(), self._jobs, ready),
                name=f"mentorbot-worker-{number}",
                daemon=True,
            )
            worker.start()
            self._workers.append(worker)
            readiness.append(ready)
        for ready in readiness:
            ready.wait(START_TIMEOUT_SECONDS)

    def close(self) -> None:
        """Let the workers finish the jobs already submitted (for up to `STOP_TIMEOUT_SECONDS`), then stop them."""
        with self._starting:
            if self._jobs is None:
                return
            deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
            try:
                for _ in range(len(self._workers) * self._services.settings.worker_threads):
                    # A full queue has room again as soon as a worker takes its next job.
                    self._jobs.put(None, timeout=max(0.0, deadline - time.monotonic()))
            except queue.Full:
                log.warning("the workers took no job for %d s", STOP_TIMEOUT_SECONDS)
            for worker in self._workers:
                worker.join(max(0.0, deadline - time.monotonic()))
            if any(worker.is_alive() for worker in self._workers):
                log.warning("stopping the workers with jobs still queued: those answers won't be sent")
            self._stop_workers()

    def _stop_workers(self) -> None:
        for worker in self._workers:
            if worker.is_alive():
                worker.kill()
            worker.join()
        if self._jobs is not None:
            # What is still queued is dropped: no worker is left to read it, and exiting must not wait to write it.
            self._jobs.cancel_join_thread()
            self._jobs.close()
        self._jobs, self._workers = None, []


def after_ack(services: Services, job: Job[P], *args: P.args, **kwargs: P.kwargs) -> None:
    """Run `job` in the app's workers; where there are none (a worker, the scheduler, a test), right here.

    Raises `Busy`, with nothing handed over, when the workers' queue is full."""
    if services.offload is None:
        job(services, *args, **kwargs)
    else:
        services.offload.submit(job, *args, **kwargs)


def once_after_ack(
    services: Services, delivery: Pending | None, job: Job[P], *args: P.args, **kwargs: P.kwargs
) -> None:
    """`after_ack`, for a delivery whose duplicate check was left to its job: a duplicate's job does nothing."""
    after_ack(services, _first_delivery_only, delivery, job, *args, **kwargs)


def _first_delivery_only(
    services: Services, delivery: Pending | None, job: Job[P], /, *args: P.args, **kwargs: P.kwargs
) -> None:
    if delivery is not None:
        with services.db.transaction() as connection:
            if not first_time(connection, delivery.key, delivery.team_id, services.clock.now()):
                log.info("dropped a second delivery of %s", delivery.key)
                return
    job(services, *args, **kwargs)
