"""The `mentorbot` console script: settings errors, migrations, and `serve --http` through real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.fake_slack import FakeSlack
from sandbox.processes import process_tree
from sandbox.slack_user import SlackUserAgent
from tests.conftest import BOT_TOKEN, MENTORBOT, SIGNING_SECRET, run_mentorbot


def test_serve_without_tokens_explains_what_is_missing(tmp_path: Path) -> None:
    result = run_mentorbot(["serve"], {}, tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set" in result.stderr
    assert "manifest.yml" in result.stderr and "SLACK_APP_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_oauth_mode_needs_a_key_for_the_tokens_it_stores(tmp_path: Path) -> None:
    env = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    for args in (["serve", "--http"], ["tick"]):
        result = run_mentorbot(args, env, tmp_path)
        assert result.returncode == 2
        assert "MENTORBOT_SECRET_KEY is not set" in result.stderr and "SLACK_BOT_TOKEN" not in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://u@h/db"}, "supports sqlite and postgresql"),
        ({"MENTORBOT_ADMINS": "ana"}, "MENTORBOT_ADMINS"),
        ({"DATABASE_URL": "postgresql://u@127.0.0.1:1/none"}, "can't use the database at"),
    ],
)
def test_invalid_settings_fail_in_one_line(tmp_path: Path, env: dict[str, str], message: str) -> None:
    result = run_mentorbot(["db", "upgrade"], env, tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_db_upgrade_creates_the_default_sqlite_file(tmp_path: Path) -> None:
    result = run_mentorbot(["db", "upgrade"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mentorbot.db").exists()
    assert run_mentorbot(["db", "upgrade"], {}, tmp_path).returncode == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Served:
    process: subprocess.Popen[str]
    user: SlackUserAgent


@pytest.fixture
def served(tmp_path: Path, database_url: str, slack: FakeSlack) -> Iterator[Served]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORBOT_"))}
    env |= {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url.rstrip("/"),
        "DATABASE_URL": database_url,
        "SCHEDULER": "off",
    }
    process = subprocess.Popen(
        [MENTORBOT, "serve", "--http", "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                assert response.status == 200
                break
        except OSError:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
    yield Served(process, SlackUserAgent(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, slack))
    process.terminate()
    process.wait(timeout=10)


def test_serve_http_answers_signed_help_and_join_and_refuses_bad_signatures(served: Served, slack: FakeSlack) -> None:
    user = served.user
    assert "/mentor join" in user.command("UANA", "help").text()
    assert user.command("UANA", "join").status == 200
    assert slack.wait_for("views.open")[-1].args["view"]["callback_id"] == "join.submit"
    assert slack.calls_to("views.open")[-1].token == BOT_TOKEN
    assert user.command("UANA", "help", signature="v0=forged").status == 401


def test_serve_ranks_in_a_lower_priority_worker_and_stops_it_on_sigterm(served: Served, slack: FakeSlack) -> None:
    """`serve` starts its worker before taking requests; a stop request ends the server and its workers."""
    server = served.process.pid
    workers = {pid for pid in process_tree(server) - {server} if os.getpriority(os.PRIO_PROCESS, pid) > 0}
    assert workers, "no worker process at a lower CPU priority"
    assert served.user.command("UANA", "find python").status == 200
    answer = slack.wait_for("response_url")[-1]
    assert "Join the program first" in answer.text()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=20) == 0
    deadline = time.monotonic() + 10
    while process_tree(server) & workers:
        assert time.monotonic() < deadline, "a worker outlived the server"
        time.sleep(0.1)
