"""Fixtures: a migrated database (SQLite file, or PostgreSQL from TEST_DATABASE_URL), the fake Slack, the app."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from bot.app import Mentorbot, build
from bot.clock import FixedClock
from bot.services import Services
from bot.settings import Settings, normalise_database_url
from handlers.http import BackgroundServer
from sandbox.fake_slack import FakeSlack
from sandbox.slack_user import SlackUserAgent
from storage.migrate import upgrade
from storage.models import Base

MENTORBOT = str(Path(sys.executable).parent / "mentorbot")
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The suite's database: with TEST_DATABASE_URL, a new PostgreSQL database on that server for each process
    that runs tests (pytest-xdist's workers run at once), dropped at the end; otherwise a new SQLite file. The
    role in TEST_DATABASE_URL needs CREATEDB."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if not configured:
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('db')) / 'mentorbot.db'}"
        upgrade(url)
        yield url
        return
    server = normalise_database_url(configured)
    runner = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = new_database(server, f"mentorbot_suite_{runner}_{os.getpid()}")
    upgrade(url)
    yield url
    drop_database(server, url)


def new_database(server_url: str, name: str) -> str:
    """An empty PostgreSQL database called `name`, made through `server_url` (dropped first if it exists)."""
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, url: str) -> None:
    """Drop the PostgreSQL database of `url` through `server_url`, closing what is still connected to it."""
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_timeout=5,
        admins=frozenset({"UADMIN"}),
        scheduler_enabled=False,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    for user_id, name, tz in [
        ("UANA", "Ana", "Europe/Berlin"),
        ("UBEN", "Ben", "America/New_York"),
        ("UCAT", "Cat", "Asia/Tokyo"),
        ("UDAN", "Dan", "Europe/London"),
        ("UEVE", "Eve", "America/Los_Angeles"),
        ("UADMIN", "Ada Admin", "UTC"),
    ]:
        fake.add_user(user_id, name, tz)
    yield fake
    fake.stop()
    assert fake.violations == [], "the bot sent payloads Slack would reject"


@dataclass
class Running:
    """The app served over HTTP, the fake Slack it talks to, and the services behind it."""

    user: SlackUserAgent
    slack: FakeSlack
    services: Services
    clock: FixedClock

    def finish_work(self) -> None:
        """Wait until every job handed to the workers has run (the next job starts new workers)."""
        if self.services.offload is not None:
            self.services.offload.close()


@contextmanager
def running_app(settings: Settings, slack: FakeSlack, clock: FixedClock) -> Iterator[Running]:
    """The app built from `settings`, served over HTTP against `slack`; the database is emptied afterwards."""
    mentorbot = build(replace(settings, slack_api_url=slack.base_url), clock)
    server = BackgroundServer(mentorbot.wsgi()).start()
    try:
        yield Running(SlackUserAgent(server.events_url, SIGNING_SECRET, slack), slack, mentorbot.services, clock)
    finally:
        server.stop()
        stop_and_empty(mentorbot)


def stop_and_empty(mentorbot: Mentorbot) -> None:
    """Let the app finish its work, then empty the database for the next test and close the app."""
    mentorbot.executor.shutdown(wait=True)
    # Work still running in a worker would write into the next test's empty database.
    mentorbot.offload.close()
    with mentorbot.services.db.unit_of_work() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
    mentorbot.close()


@pytest.fixture
def app(settings: Settings, slack: FakeSlack, clock: FixedClock) -> Iterator[Running]:
    with running_app(settings, slack, clock) as running:
        yield running


def run_mentorbot(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed `mentorbot` console script, with only the given Mentorbot settings in its environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORBOT_", "DATABASE_URL"))}
    return subprocess.run(
        [MENTORBOT, *args], env={**clean, **env}, cwd=cwd, capture_output=True, text=True, timeout=120
    )
