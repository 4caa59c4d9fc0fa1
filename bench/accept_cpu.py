"""Accept benchmark: the CPU an accept costs its worker before the next job can have it, on 10,000 mentors.

The serving benchmark's people (bench/serve.py) in a SQLite file, with open requests that mentors really accept
(`accept_clicked`: the transaction, the answer, the pair's group DM, the intro and first meeting times, the edit of
the request) against the fake Slack over HTTP. Measured in the same run, alternating which goes first: accepts
that redraw both App Homes on the job's own thread (as every accept did before `bot/later.py`), and accepts that
leave them to the worker's later lane, as a worker does now. Each accept is timed in CPU on the job's own thread
(`time.thread_time`), so what other threads do (the fake Slack, the lane) is not counted against it.
Run: `.venv/bin/python -m bench.accept_cpu` (`--runs N`, default 3; `--accepts N` per run and mode, default 50).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
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

AT_ONCE = "homes on the job's thread"
LATER = "homes in the later lane"


def accepts(services: Services, pending: list[tuple[str, int]], count: int) -> list[float]:
    """Accept `count` of the pending requests one after another; each one's CPU on this thread, in ms."""
    costs = []
    for _ in range(count):
        mentor, request_id = pending.pop()
        click = Click(team_id="T0001", user_id=mentor, value=request_id, response_url="", message_ts="", token=TOKEN)
        started = time.thread_time()
        if services.later is None:
            accept_clicked(services, click)
        else:
            with services.later.running():
                accept_clicked(services, click)
        costs.append((time.thread_time() - started) * 1000)
    if services.later is not None:
        services.later.stop()
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--accepts", type=int, default=50)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = f"sqlite:///{Path(folder) / 'accepts.db'}"
    upgrade(url)
    warm_up = 5
    pending = seed(url, args.accepts * args.runs * 2 + warm_up)
    slack = FakeSlack().start()
    settings = bench_settings(url, slack.base_url)
    db = Database(url)
    accepts(Services(settings=settings, db=db, clock=SystemClock()), pending, warm_up)
    medians: dict[str, list[float]] = {AT_ONCE: [], LATER: []}
    p90s: dict[str, list[float]] = {AT_ONCE: [], LATER: []}
    for run in range(args.runs):
        for mode in (AT_ONCE, LATER) if run % 2 == 0 else (LATER, AT_ONCE):
            later = Later() if mode == LATER else None
            costs = sorted(
                accepts(Services(settings=settings, db=db, clock=SystemClock(), later=later), pending, args.accepts)
            )
            medians[mode].append(statistics.median(costs))
            p90s[mode].append(costs[int(len(costs) * 0.9)])
    slack.stop()
    db.dispose()
    print(f"{args.accepts} accepts per run and mode, {args.runs} runs; CPU ms on the job's thread (min–max of runs)")
    for mode in (AT_ONCE, LATER):
        print(
            f"{mode:>28}: median {statistics.median(medians[mode]):.1f} ({min(medians[mode]):.1f}–"
            f"{max(medians[mode]):.1f}), p90 {statistics.median(p90s[mode]):.1f} ({min(p90s[mode]):.1f}–"
            f"{max(p90s[mode]):.1f})"
        )
    ratios = [later / once for later, once in zip(medians[LATER], medians[AT_ONCE], strict=True)]
    print(f"ratio later / at once, per run: {', '.join(f'{r:.2f}' for r in ratios)}")


if __name__ == "__main__":
    main()
