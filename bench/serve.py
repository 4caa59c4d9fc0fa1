"""Serving benchmark: what a person waits for, the ack and the answer, from the real app against a bare Bolt app.

The real app is `mentorbot serve --http` in its own process, with its worker process, on a SQLite database of
10,000 mentors (many topics, time zones and levels), 2,000 mentees who run `/mentor find` with many topics, and
open requests that mentors really accept (each accept pairs them, opens the pair's group DM, posts the intro and
the first meeting times, and redraws both App Homes). The bare app, in another process, is Bolt on the same
server with the same settings (waitress with as many threads, the same 32 pre-started listener threads, a frozen
start-up heap, signature checks) and answers inline after its ack: a find with one `response_url` answer, an
accept with the same Slack calls an accept makes. Both talk to one fake Slack, here with the client, whose
arrival times give each request's end-to-end time: from the moment it was due to be sent to its answer at Slack.

Load comes two ways: bursts (a number of people at once, each sending again when answered) and open-loop
offered rates (requests sent on a schedule, whatever the answers do; a request is timed from when it was due,
so a late sender counts against the app). Each run measures everything for both apps, alternating which goes
first; the table shows the median over the runs with the spread (min–max), never the best run.
Run: `.venv/bin/python bench/serve.py` (`--runs N`, default 3; `--quick` for a short form; `--workers N` for
MENTORBOT_WORKERS; `--database-url URL` for an empty PostgreSQL database instead of a new SQLite file).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy import insert, select

from bot.app import LISTENER_THREADS, started_pool
from bot.heap import freeze_startup_heap
from bot.settings import Settings
from bot.slack import make_client
from handlers.http import wsgi_app
from sandbox.fake_slack import Call, FakeSlack
from sandbox.slack_user import Reply, SlackUserAgent
from storage.migrate import upgrade
from storage.models import MatchRequest, Person

SECRET = "bench-secret"
TOKEN = "xoxb-bench"
MENTORS = 10_000
FINDERS = 2_000
# `mentorbot serve`'s default --threads: both apps are served with it.
THREADS = 16
TOPICS = [
    "python", "sql", "public speaking", "design", "sales", "leading a team", "ml", "writing", "rust", "hiring",
    "negotiation", "product", "career growth", "kubernetes", "security", "data engineering",
]  # fmt: skip
FINDER_IDS = [f"UF{i:05d}" for i in range(FINDERS)]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London", "America/Los_Angeles", "UTC"]
LEVELS = (1, 8, 32, 64)
RATES = (10, 50, 100, 200, 300)
BUSY = "I'm busy"
E2E_LIMIT_MS = 1_000.0
ACK_RATIO_TARGET = 1.2
E2E_RATIO_TARGET = 3.0
E2E_AT_100_TARGET_MS = 300.0
# Open-loop senders: enough threads that a slow ack never delays the next request's sending.
SENDERS = 256


def seed(database_url: str, accepts: int) -> list[tuple[str, int]]:
    """The people and `accepts` open requests (each to a mentor with a free slot); returns (mentor, request ID)."""
    from bot.programs import default_program
    from storage.db import Database

    now = datetime.now(UTC)
    db = Database(database_url)
    common: dict[str, Any] = {
        "team_id": "T0001",
        "learning_style": "discussion",
        "meeting_channel": "video",
        "cadence": "weekly",
        "languages": ["english"],
        "do_not_match": [],
        "status": "active",
        "created_at": now,
        "updated_at": now,
        "display_name": "",
        "active_mentees": 0,
    }
    mentors = [
        {
            **common,
            "slack_user_id": f"UM{i:06d}",
            "role": "mentor",
            "capacity": 2,
            "seniority": 3 + i % 3,
            "expertise": [TOPICS[i % 16], TOPICS[(i * 7 + 3) % 16], TOPICS[(i * 5 + 1) % 16]],
            "goals": [],
            "timezone": ZONES[i % len(ZONES)],
            "work_start_minute": 480 + 30 * (i % 4),
            "work_end_minute": 960 + 30 * (i % 4),
            "department": f"dept{i % 12}",
        }
        for i in range(MENTORS)
    ]
    mentees = [
        {
            **common,
            "slack_user_id": user_id,
            "role": "mentee",
            "capacity": 0,
            "seniority": 1 + i % 2,
            "expertise": [],
            "goals": [TOPICS[i % 16], TOPICS[(i * 3 + 5) % 16]],
            "timezone": ZONES[i % len(ZONES)],
            "work_start_minute": 540,
            "work_end_minute": 1020,
            "department": f"dept{i % 9}",
        }
        for i, user_id in enumerate([*FINDER_IDS, *(f"UR{i:06d}" for i in range(accepts))])
    ]
    with db.unit_of_work() as session:
        program_id = default_program(session, "T0001", now).id
    with db.engine.begin() as connection:
        connection.execute(insert(Person), [{**row, "program_id": program_id} for row in mentors + mentees])
        ids = dict(connection.execute(select(Person.slack_user_id, Person.id)).all())
        requests = [
            {
                "team_id": "T0001",
                "program_id": program_id,
                "mentee_id": ids[f"UR{i:06d}"],
                "mentor_id": ids[f"UM{i % MENTORS:06d}"],
                "message": "I'd love help preparing my first conference talk, from the outline to the delivery.",
                "cadence": "biweekly",
                "topic": "",
                "score": 0.7,
                "reasons": [],
                "status": "open",
                "created_at": now,
                "remind_at": now + timedelta(days=2),
                "expires_at": now + timedelta(days=30),
            }
            for i in range(accepts)
        ]
        connection.execute(insert(MatchRequest), requests)
        opened = connection.execute(select(MatchRequest.id, MatchRequest.mentor_id).order_by(MatchRequest.id))
        by_id = {person_id: user_id for user_id, person_id in ids.items()}
        pending = [(by_id[mentor_id], request_id) for request_id, mentor_id in opened]
    db.dispose()
    return pending


def bare_app(api_url: str) -> App:
    """Bolt with the real app's settings, answering inline: what the real app's answers cost without its work."""
    app = App(
        name="bare",
        signing_secret=SECRET,
        client=make_client(api_url, TOKEN, 10),
        listener_executor=started_pool(LISTENER_THREADS, "bare-listener"),
    )

    def command(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="ok")

    def accept(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user_id = str(body["user"]["id"])
        channel = str(client.conversations_open(users=f"{user_id},UBARE")["channel"]["id"])
        client.chat_postMessage(channel=channel, text="intro")
        client.chat_postMessage(channel=channel, text="times")
        for person in (user_id, "UBARE"):
            client.views_publish(user_id=person, view={"type": "home", "blocks": []})
        respond(text="ok", replace_original=True)

    app.command("/mentor")(command)
    app.action("find.accept")(accept)
    return app


def serve_bare(port: int, api_url: str) -> None:
    import waitress

    app = wsgi_app(bare_app(api_url), lambda: True)
    freeze_startup_heap()
    waitress.serve(app, host="127.0.0.1", port=port, threads=THREADS, ident="mentorbot")


def app_env(database_url: str, api_url: str, workers: int, root: str) -> dict[str, str]:
    """The settings `mentorbot serve` runs with against the benchmark's database and fake Slack."""
    return {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "SCHEDULER": "off",
        "MENTORBOT_WORKERS": str(workers),
        "PYTHONPATH": root,
    }


def bench_settings(database_url: str, api_url: str) -> Settings:
    """The settings of services run in the benchmark's own process against its database and fake Slack."""
    return Settings(
        database_url=database_url,
        slack_bot_token=TOKEN,
        slack_signing_secret="bench",
        slack_api_url=api_url,
        slack_api_timeout=10,
        scheduler_enabled=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(command: list[str], port: int, env: dict[str, str], cwd: str) -> Iterator[subprocess.Popen[bytes]]:
    """A server process, once its `/healthz` answers; stopped at the end. Its log goes to a file in `cwd`."""
    log = Path(cwd) / f"server-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, env={**os.environ, **env}, cwd=cwd, stdout=output, stderr=output)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"{' '.join(command)} did not start:\n{log.read_text()[-2000:]}") from None
            time.sleep(0.1)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


class Side:
    """The Slack a request comes from, for `SlackUserAgent`: it remembers, per thread, the last response_url it
    handed out, so a sender knows which answer is its own."""

    def __init__(self, slack: FakeSlack) -> None:
        self.team_id = slack.team_id
        self._slack = slack
        self._mine = threading.local()

    def response_url(self) -> str:
        url = self._slack.response_url()
        self._mine.url = url
        return url

    def last_url(self) -> str:
        return str(self._mine.url)


@dataclass
class Sample:
    """One turn's requests: when each was due, its ack, and its answer at Slack (ms after it was due)."""

    acks: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    busy: int = 0
    lost: int = 0
    # How late the sender was, at worst, against the schedule (open loop).
    sender_lag: float = 0.0


class Client:
    """Signed requests into one app, each timed from when it was due to its ack and to its answer at Slack.

    `requests` are the open requests its mentors accept, one each (the bare app, which stores nothing, gets
    made-up ones)."""

    def __init__(self, events_url: str, slack: FakeSlack, requests: list[tuple[str, int]] | None) -> None:
        self.slack = slack
        self.side = Side(slack)
        self.agent = SlackUserAgent(events_url, SECRET, self.side)
        self._requests = requests

    def _request(self) -> tuple[str, int]:
        if self._requests is None:
            number = next(_counter)
            return f"UM{number % MENTORS:06d}", number
        return self._requests.pop()

    def one(self, what: str, due: float) -> tuple[str, float]:
        """Send one request; its response_url and its ack time in ms after `due`."""
        if what == "find":
            number = next(_counter)
            topic = TOPICS[(number * 5) % 16] if number % 4 else ""
            reply: Reply = self.agent.command(FINDER_IDS[number % FINDERS], f"find {topic}".strip())
        else:
            mentor, request_id = self._request()
            reply = self.agent.click(mentor, "find.accept", value=str(request_id), channel=f"D{mentor}")
        acked = time.perf_counter()
        assert reply.status == 200, reply.status
        return self.side.last_url(), (acked - due) * 1000

    def answers(self, mark: int, due: dict[str, float], timeout: float = 180.0) -> Sample:
        """Wait for an answer to every request (each has its own response_url), then time them."""
        deadline = time.monotonic() + timeout
        while True:
            first: dict[str, Call] = {}
            for call in self.slack.calls[mark:]:
                if call.method == "response_url" and call.url in due and call.url not in first:
                    first[call.url] = call
            if len(first) == len(due) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        sample = Sample(lost=len(due) - len(first))
        for url, call in first.items():
            sample.answers.append((call.received_at - due[url]) * 1000)
            sample.busy += BUSY in call.text()
        return sample


_counter = iter(range(10**9))


def quiet_heap() -> None:
    """This process's full collections (its heap grows with every call the fake Slack records) paused the client
    and the fake mid-turn and were counted as the app's latency: collect before a turn, not during it."""
    gc.collect()
    gc.disable()


def burst(client: Client, what: str, concurrency: int, total: int) -> Sample:
    """`concurrency` people at once, each sending again as soon as their last request is acknowledged."""
    mark = client.slack.mark()
    due: dict[str, float] = {}
    acks: list[float] = []
    lock = threading.Lock()

    def one(_: int) -> None:
        started = time.perf_counter()
        url, ack = client.one(what, started)
        with lock:
            due[url] = started
            acks.append(ack)

    quiet_heap()
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, range(total)))
        sample = client.answers(mark, due)
    finally:
        gc.enable()
    sample.acks = acks
    return sample


def offered_count(rate: float, seconds: float, at_least: int) -> int:
    """How many requests an offered rate sends: `seconds` of them, and never fewer than `at_least`, so a p99 is not
    merely the slowest of a few."""
    return max(at_least, round(rate * seconds))


def offered(client: Client, what: str, rate: float, count: int, senders: ThreadPoolExecutor) -> Sample:
    """`count` requests at `rate` a second, each sent when due whatever the answers do (open loop)."""
    mark = client.slack.mark()
    due: dict[str, float] = {}
    acks: list[float] = []
    lag = [0.0]
    lock = threading.Lock()

    def one(when: float) -> None:
        lag[0] = max(lag[0], (time.perf_counter() - when) * 1000)
        url, ack = client.one(what, when)
        with lock:
            due[url] = when
            acks.append(ack)

    quiet_heap()
    try:
        start = time.perf_counter() + 0.05
        futures: list[Future[None]] = []
        for number in range(count):
            when = start + number / rate
            pause = when - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            futures.append(senders.submit(one, when))
        wait(futures)
        for future in futures:
            future.result()
        sample = client.answers(mark, due)
    finally:
        gc.enable()
    sample.acks, sample.sender_lag = acks, lag[0]
    return sample


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


@dataclass(frozen=True)
class Figures:
    """One turn's figures for one app."""

    ack50: float
    ack99: float
    e2e50: float
    e2e99: float
    busy: int
    lost: int
    lag: float

    @staticmethod
    def of(sample: Sample) -> Figures:
        return Figures(
            p(sample.acks, 0.5),
            p(sample.acks, 0.99),
            p(sample.answers, 0.5),
            p(sample.answers, 0.99),
            sample.busy,
            sample.lost,
            sample.sender_lag,
        )


# (what, "burst" | "rate", level) → app → one Figures per run.
Results = dict[tuple[str, str, int], dict[str, list[Figures]]]


def run_once(
    clients: dict[str, Client],
    results: Results,
    run: int,
    per_level: int,
    seconds: float,
    senders: ThreadPoolExecutor,
) -> None:
    order = list(clients) if run % 2 == 0 else list(reversed(clients))
    for what in ("find", "accept"):
        # A turn starts with the app's caches warm (a find after an accept rebuilds the mentor pool).
        for name in order:
            burst(clients[name], what, 1, 3)
        for level in LEVELS:
            for name in order:
                sample = burst(clients[name], what, level, per_level)
                results.setdefault((what, "burst", level), {}).setdefault(name, []).append(Figures.of(sample))
        for rate in RATES:
            for name in order:
                sample = offered(clients[name], what, rate, offered_count(rate, seconds, per_level), senders)
                results.setdefault((what, "rate", rate), {}).setdefault(name, []).append(Figures.of(sample))


def spread(values: list[float], digits: int = 0) -> str:
    """The median over the runs, with the lowest and highest."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def report(results: Results, runs: int) -> None:
    print(
        f"{'what':<7}{'load':>9}  {'ack p50 ms':>14}{'ack p99 ms':>18}{'ack p99 ×bare':>19}"
        f"{'answer p50 ms':>19}{'answer p99 ms':>21}{'answer p99 ×bare':>21}{'bare answer p99':>19}{'busy':>14}"
    )
    for (what, kind, level), apps in results.items():
        real, bare = apps["real"], apps["bare"]
        load = f"{level}/s" if kind == "rate" else f"{level} conc"
        print(
            f"{what:<7}{load:>9}  {spread([f.ack50 for f in real]):>14}{spread([f.ack99 for f in real]):>18}"
            f"{spread([r.ack99 / b.ack99 for r, b in zip(real, bare, strict=True)], 2):>19}"
            f"{spread([f.e2e50 for f in real]):>19}{spread([f.e2e99 for f in real]):>21}"
            f"{spread([r.e2e99 / b.e2e99 for r, b in zip(real, bare, strict=True)], 2):>21}"
            f"{spread([f.e2e99 for f in bare]):>19}{spread([float(f.busy) for f in real]):>14}"
        )
    lost = sum(f.lost for apps in results.values() for figures in apps.values() for f in figures)
    lag = max(f.lag for apps in results.values() for figures in apps.values() for f in figures)
    print(f"requests without an answer: {lost}; the open-loop sender was at most {lag:.0f} ms behind its schedule")
    for what in ("find", "accept"):
        highest = []
        for run in range(runs):
            fine = [
                level
                for (kind_what, kind, level), apps in results.items()
                if kind_what == what and kind == "rate" and apps["real"][run].e2e99 < E2E_LIMIT_MS
                and not apps["real"][run].busy
            ]  # fmt: skip
            highest.append(float(max(fine, default=0)))
        print(
            f"{what}: highest offered rate with p99 answer under {E2E_LIMIT_MS:.0f} ms and nobody told the bot is "
            f"busy: {spread(highest)} requests/s (rates tried: {', '.join(map(str, RATES))})"
        )
    verdicts(results)


def verdicts(results: Results) -> None:
    """Each target of the issue, met or not in every run."""
    checks: list[tuple[str, bool]] = []
    for what in ("find", "accept"):
        for rate in (10, 50):
            apps = results[(what, "rate", rate)]
            ratios = [r.e2e99 / b.e2e99 for r, b in zip(apps["real"], apps["bare"], strict=True)]
            checks.append(
                (f"{what} answer p99 ≤ {E2E_RATIO_TARGET:.0f}× bare at {rate}/s (worst {max(ratios):.2f})",
                 max(ratios) <= E2E_RATIO_TARGET)
            )  # fmt: skip
        worst = max(f.e2e99 for f in results[(what, "rate", 100)]["real"])
        checks.append(
            (f"{what} answer p99 under {E2E_AT_100_TARGET_MS:.0f} ms at 100/s (worst {worst:.0f} ms)",
             worst < E2E_AT_100_TARGET_MS)
        )  # fmt: skip
        ack = max(
            r.ack99 / b.ack99
            for (kind_what, _, _), apps in results.items()
            if kind_what == what
            for r, b in zip(apps["real"], apps["bare"], strict=True)
        )
        checks.append((f"{what} ack p99 ≤ {ACK_RATIO_TARGET}× bare at every level (worst {ack:.2f})", ack <= 1.2))
    for label, met in checks:
        print(f"  {'met    ' if met else 'NOT met'}  {label}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer requests per level and shorter rates")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="MENTORBOT_WORKERS for the real app")
    parser.add_argument("--database-url", help="an empty database to seed (default: a new SQLite file)")
    parser.add_argument("--bare", nargs=2, metavar=("PORT", "API_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.bare:
        serve_bare(int(args.bare[0]), args.bare[1])
        return
    per_level, seconds = (80, 2.0) if args.quick else (200, 5.0)
    accepts_per_run = 3 + per_level * len(LEVELS) + sum(offered_count(rate, seconds, per_level) for rate in RATES)
    slack = FakeSlack(team_id="T0001", check_blocks=False).start()
    root = str(Path(__file__).resolve().parent.parent)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'serve.db'}"
        upgrade(url)
        pending = seed(url, accepts_per_run * args.runs)
        real_port, bare_port = free_port(), free_port()
        env = app_env(url, slack.base_url, args.workers, root)
        # The working directory is the empty temporary folder, so no `.env` of a developer's is read.
        real_command = [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1"]
        real_command += ["--port", str(real_port), "--threads", str(THREADS)]
        bare_command = [sys.executable, str(Path(__file__).resolve()), "--bare", str(bare_port), slack.base_url]
        with (
            server(real_command, real_port, env, folder),
            server(bare_command, bare_port, {"PYTHONPATH": root}, folder),
        ):
            clients = {
                "real": Client(f"http://127.0.0.1:{real_port}/slack/events", slack, pending),
                "bare": Client(f"http://127.0.0.1:{bare_port}/slack/events", slack, None),
            }
            print(
                f"{os.cpu_count()} CPUs shared by the client and fake Slack (this process), the real app's server and "
                f"{args.workers} worker, and the bare app; {MENTORS:,} mentors, {FINDERS:,} people finding with "
                f"{len(TOPICS)} topics; {args.runs} runs; bursts of {per_level} requests, offered rates for "
                f"{seconds:.0f} s each (at least {per_level} requests); times in ms from when a request was due"
            )
            results: Results = {}
            with started_pool(SENDERS, "bench-sender") as senders:
                for run in range(args.runs):
                    started = time.monotonic()
                    run_once(clients, results, run, per_level, seconds, senders)
                    print(f"run {run + 1} took {time.monotonic() - started:.0f} s", flush=True)
            report(results, args.runs)
    slack.stop()


if __name__ == "__main__":
    main()
