"""Scheduler benchmark: a tick costs O(due), not O(all), and delivery keeps close to Slack's allowed rate.

(a) one tick over 100,000 pairs of which 1,000 are due, against one over 1,000 pairs all due: wall time and
SQL statements of each, and their ratio; (b) 300 messages to 100 conversations through a fake Slack that
answers 429 above 1 message/s per conversation and 30/s per workspace: the achieved fraction of the allowed
rate, 429s seen, and duplicates; (c) three processes delivering one outbox at once, pacing together through the
database, against a fake whose workspace cap is above, then below, the configured rate. Run:
`.venv/bin/python bench/tick.py` (`--quick` for a smaller run).
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

from bot.clock import FixedClock
from bot.outbox import deliver, enqueue
from bot.pacing import LocalPace, SharedPace
from bot.programs import default_program
from bot.services import Services
from bot.settings import Settings
from bot.slack import make_client
from bot.views.blocks import Message, section
from sandbox.fake_slack import FakeSlack
from scheduler.tick import run_tick
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Pair, Person

DUE = datetime(2026, 12, 16, 12, 0, tzinfo=UTC)  # a Wednesday noon
TEAM = "TBENCH"
CHUNK = 5_000


def seed(db: Database, total: int, due: int) -> None:
    """`total` active pairs of two always-working people; the first `due` are due for a check-in."""
    common: dict[str, Any] = {
        "team_id": TEAM,
        "expertise": ["python"],
        "goals": ["python"],
        "seniority": 3,
        "timezone": "UTC",
        "work_start_minute": 0,
        "work_end_minute": 1439,
        "learning_style": "discussion",
        "meeting_channel": "video",
        "cadence": "weekly",
        "languages": [],
        "department": "",
        "do_not_match": [],
        "status": "active",
        "created_at": DUE,
        "updated_at": DUE,
        "display_name": "",
    }
    with db.unit_of_work() as session:
        program_id = default_program(session, TEAM, DUE).id
    common["program_id"] = program_id
    with db.engine.begin() as connection:
        for start in range(0, total, CHUNK):
            stop = min(total, start + CHUNK)
            people = []
            for i in range(start, stop):
                people.append(
                    {
                        **common,
                        "id": 2 * i + 1,
                        "slack_user_id": f"UM{i:06d}",
                        "role": "mentor",
                        "capacity": 1,
                        "active_mentees": 1,
                    }
                )
                people.append(
                    {
                        **common,
                        "id": 2 * i + 2,
                        "slack_user_id": f"UE{i:06d}",
                        "role": "mentee",
                        "capacity": 0,
                        "active_mentees": 0,
                    }
                )
            connection.execute(insert(Person), people)
            far = DUE + timedelta(days=60)
            connection.execute(
                insert(Pair),
                [
                    {
                        "id": i + 1,
                        "team_id": TEAM,
                        "program_id": program_id,
                        "mentor_id": 2 * i + 1,
                        "mentee_id": 2 * i + 2,
                        "status": "active",
                        "source": "request",
                        "score": 0.5,
                        "reasons": [],
                        "mentor_confirmed": True,
                        "mentee_confirmed": True,
                        "channel_id": f"G{i:06d}",
                        "created_at": DUE,
                        "started_at": DUE - timedelta(days=20),
                        "cadence": "weekly",
                        "next_checkin_at": DUE - timedelta(minutes=1) if i < due else DUE + timedelta(days=7),
                        "last_activity_at": DUE,
                        "health_check_at": far,
                        "dormant_at": far,
                        "next_evaluation_at": far,
                        "missed_checkins": 0,
                        "last_question": -1,
                        "low_rating": False,
                        "evaluations_sent": 1,
                        "end_reason": "",
                    }
                    for i in range(start, stop)
                ],
            )


def timed_tick(folder: Path, total: int, due: int, slack: FakeSlack) -> tuple[float, int, int]:
    url = f"sqlite:///{folder / f'tick-{total}.db'}"
    upgrade(url)
    db = Database(url)
    seed(db, total, due)
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    services = Services(Settings(database_url=url, slack_api_url=slack.base_url), db, FixedClock(DUE))
    client = make_client(slack.base_url, "xoxb-bench", 10)
    started = time.perf_counter()
    report = run_tick(services, lambda _t: client, DUE, LocalPace(per_second=1e9, per_conversation=0))
    seconds = time.perf_counter() - started
    db.dispose()
    return seconds, statements, report.checkins


def delivery_rate(folder: Path, conversations: int, per_conversation: int, workspace_rate: float) -> None:
    slack = FakeSlack().start()
    slack.enforce_rate_limits(per_channel_per_second=1, workspace_per_second=workspace_rate)
    url = f"sqlite:///{folder / 'delivery.db'}"
    upgrade(url)
    db = Database(url)
    total = conversations * per_conversation
    with db.unit_of_work() as session:
        for n in range(total):
            channel = f"C{n % conversations:04d}"
            enqueue(
                session, TEAM, f"bench:{n}", Message(f"message {n}", [section(f"message {n}")]), DUE, channel_id=channel
            )
    client = make_client(slack.base_url, "xoxb-bench", 10)
    started = time.perf_counter()
    report = deliver(db, lambda _t: client, DUE, LocalPace(per_second=workspace_rate * 0.97))
    seconds = time.perf_counter() - started
    posted = [(c.args["channel"], c.args["text"]) for c in slack.calls if c.method == "chat.postMessage"]
    allowed = min(workspace_rate, conversations * 1.0)
    achieved = len(posted) / seconds
    print(
        f"delivery: {report.sent} messages to {conversations} conversations in {seconds:.1f} s = "
        f"{achieved:.1f}/s of {allowed:.0f}/s allowed, fraction {achieved / allowed:.3f} (target ≥ 0.9); "
        f"429s {slack.attempts.get('rate_limited', 0)}, duplicates {len(posted) - len(set(posted))}, "
        f"failed {report.failed}"
    )
    slack.stop()
    db.dispose()


def _deliver_in_process(url: str, api_url: str, rate: float, ready: Any) -> None:
    db = Database(url)
    # Timing starts when every process has started and imported the app, as in a running deployment.
    ready.wait()
    deliver(db, lambda _t: make_client(api_url, "xoxb-bench", 10), DUE, SharedPace(db, per_second=rate))
    db.dispose()


def shared_delivery(folder: Path, messages: int, workspace_cap: float, configured: float, processes: int = 3) -> None:
    """`processes` processes deliver one outbox at once, pacing together through the database."""
    slack = FakeSlack().start()
    slack.enforce_rate_limits(per_channel_per_second=1, workspace_per_second=workspace_cap)
    url = f"sqlite:///{folder / f'shared-{workspace_cap:g}.db'}"
    upgrade(url)
    db = Database(url)
    with db.unit_of_work() as session:
        for n in range(messages):
            message = Message(f"message {n}", [section(f"message {n}")])
            enqueue(session, TEAM, f"shared:{n}", message, DUE, channel_id=f"C{n % 100:04d}")
    db.dispose()
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Barrier(processes + 1)
    workers = [
        spawn.Process(target=_deliver_in_process, args=(url, slack.base_url, configured, ready))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    ready.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    posted = [c.args["text"] for c in slack.calls if c.method == "chat.postMessage"]
    allowed = min(configured, workspace_cap)
    achieved = len(posted) / seconds
    print(
        f"shared delivery, {processes} processes, configured {configured:g}/s, Slack's cap {workspace_cap:g}/s: "
        f"{len(posted)} of {messages} sent in {seconds:.1f} s = {achieved:.1f}/s, fraction {achieved / allowed:.3f} "
        f"of {allowed:g}/s (target ≥ 0.9); 429s {slack.attempts.get('rate_limited', 0)}, "
        f"duplicates {len(posted) - len(set(posted))}, left for the next pass {messages - len(posted)}"
    )
    slack.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    big = 10_000 if args.quick else 100_000
    slack = FakeSlack().start()
    with tempfile.TemporaryDirectory() as folder:
        small_s, small_q, small_n = timed_tick(Path(folder), 1_000, 1_000, slack)
        big_s, big_q, big_n = timed_tick(Path(folder), big, 1_000, slack)
        print(f"tick, 1,000 pairs all due: {small_n} check-ins, {small_s:.2f} s, {small_q} SQL statements")
        print(f"tick, {big:,} pairs, 1,000 due: {big_n} check-ins, {big_s:.2f} s, {big_q} SQL statements")
        print(f"ratio big/small: time {big_s / small_s:.2f}, statements {big_q / small_q:.2f} (O(due) means ≈ 1)")
        slack.stop()
        delivery_rate(Path(folder), 100, 3 if not args.quick else 1, 30.0)
        shared_delivery(Path(folder), 150 if args.quick else 600, workspace_cap=30, configured=20)
        shared_delivery(Path(folder), 100 if args.quick else 300, workspace_cap=10, configured=20)


if __name__ == "__main__":
    main()
