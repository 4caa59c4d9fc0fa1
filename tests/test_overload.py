"""When the workers have as much waiting as they may: the person is told at once that the bot is busy, and
nothing of what they asked for is lost or done by half."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.services import Services
from bot.settings import Settings
from sandbox.fake_slack import FakeSlack
from storage.models import MatchRequest, Pair, RequestStatus
from tests.conftest import Running, running_app
from tests.steps import MENTEE_PROFILE, MENTOR_PROFILE, button_value, find, join, mentor_request_dm, request_mentor
from tests.test_import import SHEET, upload
from tests.test_programs import create_program

BUSY = "I'm busy with a lot of requests right now"


def hold_the_worker(_services: Services, started: str, released: str) -> None:
    """A job that keeps its worker busy until the test lets it go (or a minute passes, so nothing hangs)."""
    Path(started).write_text("started")
    deadline = time.monotonic() + 60
    while not Path(released).exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def leave_a_mark(_services: Services, path: str) -> None:
    Path(path).write_text("ran")


def wait_for_file(path: Path) -> None:
    deadline = time.monotonic() + 20
    while not path.exists():
        assert time.monotonic() < deadline, f"no worker wrote {path.name}"
        time.sleep(0.02)


@pytest.fixture
def small_queue(settings: Settings, slack: FakeSlack, clock: FixedClock) -> Iterator[Running]:
    """The app with one worker running one job at a time, and room for one waiting job."""
    with running_app(replace(settings, workers=1, worker_threads=1, queue_limit=1), slack, clock) as running:
        yield running


def fill_the_queue(app: Running, folder: Path) -> Path:
    """Keep the worker on one job and put one more in the queue's only place; returns the file that lets them go."""
    offload = app.services.offload
    assert offload is not None
    started, released = folder / "started", folder / "released"
    offload.submit(hold_the_worker, str(started), str(released))
    wait_for_file(started)
    offload.submit(leave_a_mark, str(folder / "waiting job"))
    return released


def pairs_and_open_requests(app: Running) -> tuple[int, int]:
    with app.services.db.reading() as session:
        pairs = session.scalar(select(func.count()).select_from(Pair)) or 0
        open_requests = session.scalar(
            select(func.count()).select_from(MatchRequest).where(MatchRequest.status == RequestStatus.OPEN)
        )
    return pairs, open_requests or 0


def test_a_full_queue_says_busy_at_once_and_loses_nothing(small_queue: Running, tmp_path: Path) -> None:
    app = small_queue
    join(app, "UBEN", MENTOR_PROFILE)
    join(app, "UANA", MENTEE_PROFILE)
    request_mentor(app, "UANA", "UBEN", "I'd love help preparing my first conference talk, from outline to delivery.")
    request = mentor_request_dm(app, "UBEN")
    released = fill_the_queue(app, tmp_path)

    busy_find = find(app, "UANA")
    assert BUSY in busy_find.text() and "try again in a minute" in busy_find.text()
    mark = app.slack.mark()
    app.user.click("UBEN", "find.accept", value=button_value(request, "find.accept"), channel="DUBEN")
    busy_accept = app.slack.wait_for("response_url", since=mark)[-1]
    assert BUSY in busy_accept.text()
    assert busy_accept.args["replace_original"] is False, "the request keeps its Accept button for the next try"
    assert pairs_and_open_requests(app) == (0, 1), "a refused accept changes nothing"

    released.write_text("go")
    app.finish_work()
    assert (tmp_path / "waiting job").read_text() == "ran", "the job that was already waiting still ran"
    answers = {call.url for call in app.slack.calls_to("response_url")}
    assert busy_find.url in answers and busy_accept.url in answers
    late = [c for c in app.slack.calls_to("response_url") if c.url in {busy_find.url, busy_accept.url}]
    assert len(late) == 2, "a request told it was busy gets no late answer as well"
    group_dms = [c for c in app.slack.calls_to("conversations.open") if "," in str(c.args.get("users"))]
    assert group_dms == [], "no group DM was opened for the refused accept"

    mark = app.slack.mark()
    app.user.click("UBEN", "find.accept", value=button_value(request, "find.accept"), channel="DUBEN")
    assert "accepted <@UANA>" in app.slack.wait_for("response_url", since=mark)[-1].text()
    assert pairs_and_open_requests(app) == (1, 0), "the same click, tried again, pairs them"


def test_changing_the_columns_while_the_workers_are_full_says_so_in_the_modal(
    small_queue: Running, tmp_path: Path
) -> None:
    app = small_queue
    create_program(app, "Buddies")
    preview = upload(app, SHEET)
    released = fill_the_queue(app, tmp_path)
    mark = app.slack.mark()
    app.user.click("UADMIN", "import.columns", button_value(preview, "import.columns"), channel="DUADMIN")
    notice = app.slack.wait_for("views.update", since=mark)[-1].args["view"]
    assert BUSY in json.dumps(notice) and "Reading your sheet" not in json.dumps(notice)
    assert notice["close"]["text"] == "Close" and "submit" not in notice
    released.write_text("go")


def test_a_job_that_waits_on_slack_holds_up_no_find(
    settings: Settings, slack: FakeSlack, clock: FixedClock, tmp_path: Path
) -> None:
    with running_app(replace(settings, workers=1, worker_threads=2), slack, clock) as app:
        join(app, "UBEN", MENTOR_PROFILE)
        join(app, "UANA", MENTEE_PROFILE)
        offload = app.services.offload
        assert offload is not None
        started, released = tmp_path / "started", tmp_path / "released"
        offload.submit(hold_the_worker, str(started), str(released))
        wait_for_file(started)
        answer = find(app, "UANA")
        assert "<@UBEN>" in answer.text() and not started.with_name("released").exists(), "answered while held"
        released.write_text("go")
