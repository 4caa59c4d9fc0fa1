"""Accepts on a worker's job threads at once, with two malloc arenas (what a worker keeps to) against glibc's default.

The serving benchmark's people (bench/serve.py) in a SQLite file, with open requests that mentors really accept
(`accept_clicked`, with the worker's later lane) against the fake Slack over HTTP. Each run is a process of its
own, since glibc reads `MALLOC_ARENA_MAX` at start: five threads accept `--accepts` requests between them, as a
worker's five job threads would in a burst, and the run reports accepts a second of wall time. Runs go in pairs,
two arenas and sixteen (glibc's default limit on two cores), alternating which goes first; each pair's ratio is
printed, so a machine that slows down or warms up during the benchmark weighs on both sides.
Run: `.venv/bin/python -m bench.accept_threads` (`--pairs N`, default 4; `--accepts N` per run, default 300).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.serve import TOKEN, bench_settings, seed
from bot.clicks import Click
from bot.clock import SystemClock
from bot.later import Later
from bot.requesting import accept_clicked
from bot.services import Services
from sandbox.fake_slack import FakeSlack
from storage.db import Database
from storage.migrate import upgrade

THREADS = 5
ARENAS = (2, 16)
WARM_UP = 10


def run(url: str, pending: list[tuple[str, int]]) -> float:
    """Accept these requests on `THREADS` threads at once (after a few one by one); accepts a second."""
    slack = FakeSlack().start()
    settings = bench_settings(url, slack.base_url)
    later = Later()
    services = Services(settings=settings, db=Database(url), clock=SystemClock(), later=later)
    lock = threading.Lock()

    def accept(mentor: str, request_id: int) -> None:
        """The mentor's Accept in the request's DM, as a worker's job runs it."""
        with later.running():
            accept_clicked(services, Click("T0001", mentor, request_id, slack.response_url(), "", TOKEN))

    def accept_until_none_left() -> None:
        while True:
            with lock:
                if not pending:
                    return
                mentor, request_id = pending.pop()
            accept(mentor, request_id)

    warm, pending[:] = pending[:WARM_UP], pending[WARM_UP:]
    for mentor, request_id in warm:
        accept(mentor, request_id)
    count = len(pending)
    started = time.perf_counter()
    threads = [threading.Thread(target=accept_until_none_left) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rate = count / (time.perf_counter() - started)
    later.stop()
    services.db.dispose()
    slack.stop()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--accepts", type=int, default=300)
    parser.add_argument("--run", nargs=2, metavar=("URL", "REQUESTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        pending = [(mentor, request_id) for mentor, request_id in json.loads(Path(args.run[1]).read_text())]
        print(json.dumps(run(args.run[0], pending)))
        return
    folder = tempfile.mkdtemp()
    url = f"sqlite:///{Path(folder) / 'accepts.db'}"
    upgrade(url)
    each = args.accepts + WARM_UP
    pending = seed(url, each * args.pairs * len(ARENAS))
    rates: dict[int, list[float]] = {arenas: [] for arenas in ARENAS}
    for pair in range(args.pairs):
        for arenas in ARENAS if pair % 2 == 0 else ARENAS[::-1]:
            requests = Path(folder) / "requests.json"
            requests.write_text(json.dumps([pending.pop() for _ in range(each)]))
            child = subprocess.run(
                [sys.executable, "-m", "bench.accept_threads", "--run", url, str(requests)],
                env={**os.environ, "MALLOC_ARENA_MAX": str(arenas)},
                capture_output=True,
                text=True,
                check=True,
            )
            rates[arenas].append(float(child.stdout.strip().splitlines()[-1]))
    print(f"{args.accepts} accepts per run on {THREADS} threads at once, {args.pairs} pairs of runs")
    for arenas, values in rates.items():
        print(
            f"{arenas:>3} malloc arenas: median {statistics.median(values):.1f} accepts a second "
            f"({min(values):.1f}–{max(values):.1f})"
        )
    ratios = [two / many for two, many in zip(rates[ARENAS[0]], rates[ARENAS[1]], strict=True)]
    print(f"{ARENAS[0]} ÷ {ARENAS[1]} arenas, per pair: {', '.join(f'{r:.2f}' for r in ratios)}")


if __name__ == "__main__":
    main()
