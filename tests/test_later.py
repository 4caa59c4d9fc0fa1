"""Work nobody waits for runs once the jobs leave time: coalesced by key, oldest first, never lost at a stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from bot.later import Later


def noting(ran: list[str], what: str, done: threading.Event | None = None) -> Callable[[], None]:
    def work() -> None:
        ran.append(what)
        if done is not None:
            done.set()

    return work


def failing() -> None:
    raise RuntimeError("the redraw failed")


def test_work_waits_for_the_running_job_then_runs_once_per_key_in_the_order_first_asked() -> None:
    later = Later(patience=60)
    ran: list[str] = []
    done = threading.Event()
    with later.running():
        later.add("home:ana", noting(ran, "ana, first change"))
        later.add("home:ben", noting(ran, "ben", done))
        later.add("home:ana", noting(ran, "ana, second change"))
        time.sleep(0.3)
        assert ran == [], "nothing runs beside a job that is running"
    assert done.wait(10)
    assert ran == ["ana, second change", "ben"]
    later.stop()


def test_work_runs_beside_a_long_job_once_it_has_waited_its_patience() -> None:
    later = Later(patience=0.2)
    done = threading.Event()
    with later.running():
        later.add("home:ana", done.set)
        assert done.wait(10), "the work ran although the job was still running"
    later.stop()


def test_stopping_runs_everything_still_waiting_even_beside_a_job() -> None:
    later = Later(patience=60)
    ran: list[str] = []
    with later.running():
        for person in ("ana", "ben", "cat"):
            later.add(f"home:{person}", noting(ran, person))
        later.stop()
    assert ran == ["ana", "ben", "cat"]


def test_work_that_fails_is_logged_and_the_next_still_runs(caplog: pytest.LogCaptureFixture) -> None:
    later = Later(patience=60)
    done = threading.Event()
    later.add("home:ana", failing)
    later.add("home:ben", done.set)
    assert done.wait(10)
    later.stop()
    assert "work after the answers failed" in caplog.text and "the redraw failed" in caplog.text


def test_work_added_after_the_stop_runs_at_once_instead_of_being_lost() -> None:
    later = Later(patience=60)
    later.stop()
    ran: list[str] = []
    later.add("home:ana", noting(ran, "ana"))
    assert ran == ["ana"]


def test_work_discarded_before_it_ran_never_runs_and_the_rest_still_does() -> None:
    later = Later(patience=60)
    ran: list[str] = []
    with later.running():
        later.add("home:ana", noting(ran, "ana"))
        later.add("home:ben", noting(ran, "ben"))
        later.discard("home:ana")
        later.discard("home:cat")
    later.stop()
    assert ran == ["ben"]
