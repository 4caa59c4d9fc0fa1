"""Soak: does the serving process (or a worker) keep growing under a steady, realistic load?

`mentorbot serve --http` runs on the benchmark's database (10,000 mentors, people finding, open requests; see
`bench/serve.py`) with tracemalloc on, and gets an open-loop mix at a steady rate: `/mentor find` with many people
and topics, clicks that open the request form, and mentors accepting real requests. After a warm-up, the
resident memory of each process (the server, the forkserver, each worker) is sampled against the requests
served, and its slope per 10,000 requests printed; the server's tracemalloc snapshots at the end of the warm-up
and at the end show where Python memory grew. Run: `.venv/bin/python bench/soak.py` (3 minutes; `--minutes 30`
for the long form, `--rate N` requests a second).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import logging
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from bench.serve import FINDER_IDS, SECRET, THREADS, TOPICS, app_env, free_port, seed, server
from bot.app import started_pool
from sandbox.fake_slack import FakeSlack
from sandbox.processes import process_tree
from sandbox.slack_user import SlackUserAgent
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Person

# Of every 20 requests: 14 finds, 4 clicks on a mentor's Request button, 2 accepts.
MIX = ("find",) * 14 + ("click",) * 4 + ("accept",) * 2
WARM_UP = 0.2
SAMPLE_SECONDS = 5.0
SNAPSHOT_FRAMES = 1
TOP_SITES = 12


def serve_traced(folder: str, argv: list[str]) -> None:
    """`mentorbot serve` with tracemalloc on; SIGUSR1 writes a snapshot into `folder` (1.snapshot, 2.snapshot…)."""
    from bot.cli import main

    tracemalloc.start(SNAPSHOT_FRAMES)
    taken = [0]

    def dump(_signal: int, _frame: object) -> None:
        taken[0] += 1
        tracemalloc.take_snapshot().dump(str(Path(folder) / f"{taken[0]}.snapshot"))
        (Path(folder) / f"{taken[0]}.done").touch()

    signal.signal(signal.SIGUSR1, dump)
    sys.exit(main(argv))


def snapshot(pid: int, folder: Path, number: int) -> tracemalloc.Snapshot:
    os.kill(pid, signal.SIGUSR1)
    done = folder / f"{number}.done"
    deadline = time.monotonic() + 120
    while not done.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the server wrote no tracemalloc snapshot")
        time.sleep(0.2)
    return tracemalloc.Snapshot.load(str(folder / f"{number}.snapshot"))


def rss_mb(pid: int) -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return float("nan")
    return sum(int(line.split()[1]) for line in lines if line.startswith("VmRSS:")) / 1024


def processes(server_pid: int) -> dict[str, int]:
    """The server and its descendants, named: the forkserver, the workers it started, multiprocessing's tracker."""
    named = {"server": server_pid}
    parents: dict[int, int] = {}
    for pid in process_tree(server_pid) - {server_pid}:
        try:
            parents[pid] = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if parents[pid] == server_pid and b"forkserver" in command:
            named["forkserver"] = pid
        elif parents[pid] == server_pid:
            named["resource tracker" if b"resource_tracker" in command else f"child {pid}"] = pid
    workers = sorted(pid for pid, parent in parents.items() if parent == named.get("forkserver"))
    named.update({f"worker {number}": pid for number, pid in enumerate(workers, start=1)})
    return named


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares MB per 10,000 requests."""
    if len(points) < 2:
        return float("nan")
    xs, ys = [x for x, _ in points], [y for _, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return 10_000 * sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else float("nan")


class Load:
    """The open-loop mix, sent at `rate` a second by a pool of senders; counts what was sent and answered."""

    def __init__(self, agent: SlackUserAgent, mentor_ids: list[int], requests: list[tuple[str, int]]) -> None:
        self.agent = agent
        self.mentor_ids = mentor_ids
        self.requests = requests
        self.sent = 0
        self.failed = 0
        self._lock = threading.Lock()
        self._numbers = itertools.count()

    def one(self, number: int) -> None:
        kind = MIX[number % len(MIX)]
        if kind == "find":
            topic = TOPICS[(number * 7) % len(TOPICS)] if number % 3 else ""
            reply = self.agent.command(FINDER_IDS[number % len(FINDER_IDS)], f"find {topic}".strip())
        elif kind == "click":
            mentor = self.mentor_ids[number % len(self.mentor_ids)]
            value = json.dumps({"mentor": mentor, "topic": TOPICS[number % len(TOPICS)]})
            reply = self.agent.click(FINDER_IDS[number % len(FINDER_IDS)], "find.request", value=value)
        else:
            mentor_user, request_id = self.requests.pop()
            reply = self.agent.click(mentor_user, "find.accept", value=str(request_id), channel=f"D{mentor_user}")
        with self._lock:
            self.sent += 1
            self.failed += reply.status != 200

    def run(self, rate: float, seconds: float, every: float, sample: Callable[[], None]) -> None:
        """Send for `seconds`, each request when due whatever the answers do; `sample()` every `every` seconds."""
        with started_pool(64, "soak-sender") as senders:
            start = sampled = time.perf_counter()
            for sent in itertools.count():
                due = start + sent / rate
                if due >= start + seconds:
                    break
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                senders.submit(self.one, next(self._numbers))
                if time.perf_counter() - sampled >= every:
                    sample()
                    sampled = time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=40.0, help="requests a second, open loop")
    parser.add_argument("--workers", type=int, default=1, help="MENTORBOT_WORKERS")
    parser.add_argument("--traced-serve", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.traced_serve:
        serve_traced(args.traced_serve[0], args.traced_serve[1:])
        return
    seconds = args.minutes * 60
    accepts = int(seconds * args.rate * MIX.count("accept") / len(MIX)) + 100
    slack = FakeSlack(team_id="T0001", check_blocks=False).start()
    root = str(Path(__file__).resolve().parent.parent)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'soak.db'}"
        upgrade(url)
        requests = seed(url, accepts)
        db = Database(url)
        with db.reading() as session:
            mentor_ids = list(session.scalars(select(Person.id).where(Person.slack_user_id.like("UM%"))))
        db.dispose()
        port = free_port()
        env = app_env(url, slack.base_url, args.workers, root)
        serve = ["serve", "--http", "--host", "127.0.0.1", "--port", str(port), "--threads", str(THREADS)]
        command = [sys.executable, str(Path(__file__).resolve()), "--traced-serve", folder, *serve]
        with server(command, port, env, folder) as process:
            load = Load(SlackUserAgent(f"http://127.0.0.1:{port}/slack/events", SECRET, slack), mentor_ids, requests)
            samples: dict[str, list[tuple[int, float]]] = {}
            answered = [0]
            busy = [0]

            def sample() -> None:
                for name, pid in processes(process.pid).items():
                    samples.setdefault(name, []).append((load.sent, rss_mb(pid)))
                for call in slack.forget():
                    if call.method == "response_url":
                        answered[0] += 1
                        busy[0] += "I'm busy" in call.text()

            gc.freeze()
            print(
                f"{os.cpu_count()} CPUs; {args.rate:.0f} requests a second for {args.minutes:g} minutes "
                f"(finds {MIX.count('find')}, request-form clicks {MIX.count('click')}, accepts "
                f"{MIX.count('accept')} in every {len(MIX)}); server with tracemalloc ({SNAPSHOT_FRAMES} frame)",
                flush=True,
            )
            load.run(args.rate, seconds * WARM_UP, SAMPLE_SECONDS, sample)
            warmed_up = load.sent
            first = snapshot(process.pid, Path(folder), 1)
            samples.clear()
            sample()
            load.run(args.rate, seconds * (1 - WARM_UP), SAMPLE_SECONDS, sample)
            time.sleep(2)
            sample()
            last = snapshot(process.pid, Path(folder), 2)
        print(
            f"{load.sent:,} requests ({warmed_up:,} in the warm-up), {load.failed} not acknowledged with 200, "
            f"{answered[0]:,} answers at response_url, {busy[0]} of them 'busy'"
        )
        print(f"{'process':<12}{'after warm-up':>15}{'at the end':>12}{'MB per 10,000 requests':>25}")
        for name, points in samples.items():
            print(f"{name:<12}{points[0][1]:>12.1f} MB{points[-1][1]:>9.1f} MB{slope(points):>+25.2f}")
        print("tracemalloc, server, largest growth between the snapshots (end of warm-up → end):")
        ignored = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib*")]
        growth = last.filter_traces(ignored).compare_to(first.filter_traces(ignored), "lineno")
        for stat in growth[:TOP_SITES]:
            frame = stat.traceback[0]
            print(
                f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  "
                f"{frame.filename.removeprefix(root + '/')}:{frame.lineno}"
            )
    slack.stop()


if __name__ == "__main__":
    main()
