"""Worker processes: a job runs at the time it was asked for, a dead worker is replaced, and stopping is bounded."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from bot import offload
from bot.clock import FixedClock
from bot.offload import Offload
from bot.services import Services
from bot.settings import Settings
from sandbox.processes import process_tree
from storage.db import Database
from tests.conftest import START


def leave_a_mark(services: Services, path: str) -> None:
    """A job: write the time it runs at, as its services' clock reads it."""
    Path(path).write_text(services.clock.now().isoformat())


def mark_after(_services: Services, seconds: float, path: str) -> None:
    """A long job: sleep, then leave a mark that it finished."""
    time.sleep(seconds)
    Path(path).write_text("done")


def mark_later(services: Services, path: str) -> None:
    """A job that leaves its mark to the worker's later lane, as an App Home redraw is, and ends at once."""
    assert services.later is not None
    services.later.add(f"mark:{path}", partial(Path(path).write_text, services.clock.now().isoformat()))


def malloc_arenas_after_threads_allocate(path: str, threads: int = 8) -> int:
    """Let `threads` threads allocate at once, then count this process's malloc arenas (glibc's `malloc_info`)."""
    together = threading.Barrier(threads)

    def allocate() -> None:
        blocks = [bytearray(20_000) for _ in range(20)]
        together.wait()
        blocks.clear()

    started = [threading.Thread(target=allocate) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    libc = ctypes.CDLL(None)
    libc.fopen.restype = ctypes.c_void_p
    report = ctypes.c_void_p(libc.fopen(path.encode(), b"w"))
    libc.malloc_info(0, report)
    libc.fclose(report)
    return Path(path).read_text().count("<heap nr=")


def count_malloc_arenas(_services: Services, path: str) -> None:
    """A job: write how many malloc arenas the worker has once eight threads allocated at once."""
    count = malloc_arenas_after_threads_allocate(path + ".xml")
    Path(path).write_text(str(count))


def workers() -> set[int]:
    return {pid for pid in process_tree(os.getpid()) if pid != os.getpid() and os.getpriority(os.PRIO_PROCESS, pid) > 0}


def wait_for_file(path: Path) -> str:
    deadline = time.monotonic() + 20
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, f"no worker wrote {path.name}"
        time.sleep(0.05)
    return path.read_text()


@pytest.fixture
def pool(settings: Settings) -> Iterator[Offload]:
    services = Services(settings=settings, db=Database(settings.database_url), clock=FixedClock(START))
    workers_before = workers()
    running = Offload(services, 1)
    running.start()
    yield running
    running.close()
    services.db.dispose()
    assert workers() <= workers_before, "a worker outlived close()"


def test_a_job_runs_in_a_worker_at_the_time_it_was_asked_for(pool: Offload, tmp_path: Path) -> None:
    pool.submit(leave_a_mark, str(tmp_path / "mark"))
    assert wait_for_file(tmp_path / "mark") == START.isoformat()


def test_a_worker_that_dies_is_replaced_on_the_next_job(pool: Offload, tmp_path: Path) -> None:
    (dead,) = workers()
    os.kill(dead, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while dead in process_tree(os.getpid()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pool.submit(leave_a_mark, str(tmp_path / "after"))
    assert wait_for_file(tmp_path / "after") == START.isoformat()
    assert workers() and dead not in workers()


def test_stopping_does_not_wait_forever_for_a_backlog(
    pool: Offload, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(offload, "STOP_TIMEOUT_SECONDS", 1)
    for number in range(3):
        pool.submit(mark_after, 60, str(tmp_path / f"done-{number}"))
    pool.close()
    assert "stopping the workers with jobs still queued" in caplog.text
    assert not workers()
    assert not list(tmp_path.glob("done-*")), "the stop cut the backlog short instead of waiting for it"


def test_what_a_job_leaves_for_later_is_done_once_the_workers_have_stopped(pool: Offload, tmp_path: Path) -> None:
    marks = [tmp_path / f"later-{number}" for number in range(3)]
    for mark in marks:
        pool.submit(mark_later, str(mark))
    pool.close()
    assert [mark.read_text() for mark in marks] == [START.isoformat()] * 3


@pytest.mark.skipif(not hasattr(ctypes.CDLL(None), "malloc_info"), reason="glibc's malloc arenas")
def test_a_worker_keeps_to_two_malloc_arenas_however_many_threads_allocate(pool: Offload, tmp_path: Path) -> None:
    """Each arena keeps the memory it once held, so a worker with an arena per thread grew under a steady load."""
    count = "from tests.test_offload import malloc_arenas_after_threads_allocate as count; print(count(%r))"
    unlimited = subprocess.run(
        [sys.executable, "-c", count % str(tmp_path / "plain.xml")],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
        env={k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"},
    )
    assert int(unlimited.stdout) > 2, "a plain process gives its threads more arenas"
    pool.submit(count_malloc_arenas, str(tmp_path / "arenas"))
    assert int(wait_for_file(tmp_path / "arenas")) <= 2
