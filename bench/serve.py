"""Serving benchmark: ack latency of the real app against a bare Bolt app, at rising concurrency.

The real app serves `/mentor find` (ranking 10,000 mentors after the ack) and a button click from a database
holding 10,000 mentors; the bare app's handler only acks and responds. Both run under the same production
server (waitress) against the same fake Slack. Prints p50/p99 ack latency and throughput per concurrency,
the p99 ratio, and resident memory before and after 20,000 requests (after a 2,000-request warm-up).
Run: `.venv/bin/python bench/serve.py`.
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlalchemy import insert

from bot.app import build
from bot.clock import FixedClock
from bot.settings import Settings
from bot.slack import make_client
from handlers.http import BackgroundServer, wsgi_app
from sandbox.fake_slack import FakeSlack
from sandbox.slack_user import Reply, SlackUserAgent
from storage.migrate import upgrade
from storage.models import Person

SECRET = "bench-secret"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEVELS = (1, 8, 32, 64)


def seed(database_url: str, mentors: int) -> None:
    from storage.db import Database

    db = Database(database_url)
    common: dict[str, Any] = {
        "team_id": "T0001",
        "goals": [],
        "timezone": "Europe/Berlin",
        "work_start_minute": 540,
        "work_end_minute": 1020,
        "learning_style": "discussion",
        "meeting_channel": "video",
        "cadence": "weekly",
        "languages": ["english"],
        "department": "",
        "do_not_match": [],
        "status": "active",
        "created_at": NOW,
        "updated_at": NOW,
        "display_name": "",
        "role": "mentor",
        "capacity": 2,
        "active_mentees": 0,
    }
    topics = ["python", "sql", "public speaking", "design", "sales", "leading a team", "ml", "writing"]
    rows = [
        {
            **common,
            "slack_user_id": f"UM{i:06d}",
            "seniority": 3 + i % 3,
            "expertise": [topics[i % 8], topics[(i * 3) % 8]],
        }
        for i in range(mentors)
    ]
    rows.append(
        {
            **common,
            "slack_user_id": "UMENTEE",
            "role": "mentee",
            "capacity": 0,
            "seniority": 1,
            "expertise": [],
            "goals": ["python", "public speaking"],
        }
    )
    with db.engine.begin() as connection:
        connection.execute(insert(Person), rows)
    db.dispose()


def bare_app(slack: FakeSlack) -> App:
    app = App(signing_secret=SECRET, client=make_client(slack.base_url, "xoxb-bench", 10))

    def command(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="ok")

    def click(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="ok")

    app.command("/mentor")(command)
    app.action("find.accept")(click)
    return app


def drive(send: Callable[[], Reply], concurrency: int, total: int) -> tuple[list[float], float]:
    def one(_: int) -> float:
        started = time.perf_counter()
        reply = send()
        assert reply.status == 200, reply.status
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        latencies = list(pool.map(one, range(total)))
    return latencies, total / (time.perf_counter() - started)


def sender(agent: SlackUserAgent, what: str) -> Callable[[], Reply]:
    def find() -> Reply:
        return agent.command("UMENTEE", "find python")

    def click() -> Reply:
        return agent.click("UM000001", "find.accept", value="999999")

    return find if what == "find" else click


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    per_level = 40 if args.quick else 160
    memory_requests = 2_000 if args.quick else 20_000
    slack = FakeSlack(team_id="T0001", check_blocks=False).start()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'serve.db'}"
        upgrade(url)
        seed(url, 10_000)
        settings = Settings(
            database_url=url,
            slack_bot_token="xoxb-bench",
            slack_signing_secret=SECRET,
            slack_api_url=slack.base_url,
            scheduler_enabled=False,
        )
        mentorbot = build(settings, FixedClock(NOW))
        real = BackgroundServer(mentorbot.wsgi(), threads=16).start()
        bare = BackgroundServer(wsgi_app(bare_app(slack), lambda: True), threads=16).start()
        agents = {
            name: SlackUserAgent(server.events_url, SECRET, slack) for name, server in (("real", real), ("bare", bare))
        }
        print(
            f"{'what':<8}{'conc':>6}{'real p50':>10}{'real p99':>10}{'bare p50':>10}{'bare p99':>10}"
            f"{'p99 ratio':>11}{'real req/s':>12}{'bare req/s':>12}"
        )
        worst = 0.0
        for what in ("find", "click"):
            for level in LEVELS:
                results = {name: drive(sender(agent, what), level, per_level) for name, agent in agents.items()}
                (real_lat, real_rate), (bare_lat, bare_rate) = results["real"], results["bare"]
                worst = max(worst, max(real_lat))
                print(
                    f"{what:<8}{level:>6}{p(real_lat, 0.5):>10.1f}{p(real_lat, 0.99):>10.1f}{p(bare_lat, 0.5):>10.1f}"
                    f"{p(bare_lat, 0.99):>10.1f}{p(real_lat, 0.99) / p(bare_lat, 0.99):>11.2f}{real_rate:>12.0f}"
                    f"{bare_rate:>12.0f}"
                )
        print(f"slowest ack of the real app: {worst:.0f} ms (Slack's limit: 3,000 ms)")
        agent = agents["real"]
        started = rss_mb()
        # Warm-up: the first requests fill caches and each thread's allocator arena; a leak shows after that.
        warm_up = memory_requests // 10
        drive(lambda: agent.command("UMENTEE", "help"), 16, warm_up)
        before = rss_mb()
        drive(lambda: agent.command("UMENTEE", "help"), 16, memory_requests)
        after = rss_mb()
        print(
            f"resident memory: {started:.0f} MB, {before:.0f} MB after a {warm_up:,}-request warm-up, {after:.0f} MB "
            f"after {memory_requests:,} more ({100 * (after - before) / before:+.1f} %; target within ±10 %)"
        )
        real.stop()
        bare.stop()
        mentorbot.close()
    slack.stop()


if __name__ == "__main__":
    main()
