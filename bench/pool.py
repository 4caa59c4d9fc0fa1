"""Mentor pool benchmark: the first `/mentor find` after an accept or a profile edit, on 10,000 mentors.

One program of 10,000 mentors and 2,000 mentees (bench/serve.py's people) in a SQLite file. A find is the service
call that builds the ranked list a mentee sees (`find_answer`), by a different mentee each time. Measured in the
same run: finds on a current pool; the first find after one mentor's slot is taken (what an accept changes); the
first find after one mentor's profile changes (their Slack time zone, as `user_change` stores it); and the first
find with no pool, which is what every find after any such change cost while a change rebuilt the whole pool.
Run: `.venv/bin/python -m bench.pool` (`--runs N`, default 5; `--changes N` finds after each kind of change per run).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bench.serve import FINDER_IDS, MENTORS, ZONES, seed
from bot.app import Mentorbot, build
from bot.candidates import MentorPools
from bot.clock import FixedClock
from bot.finding import find_answer
from bot.pairs import claim_slot
from bot.profiles import follow_time_zone
from bot.services import Services
from bot.settings import Settings
from sandbox.fake_slack import FakeSlack
from storage.migrate import upgrade
from storage.models import Person

TEAM = "T0001"


class Finds:
    """Finds by one mentee after another, each timed in ms."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.turn = 0

    def ms(self) -> float:
        mentee = FINDER_IDS[self.turn % len(FINDER_IDS)]
        self.turn += 1
        started = time.perf_counter()
        answer = find_answer(self.services, TEAM, mentee, "")
        elapsed = (time.perf_counter() - started) * 1000
        assert "fit you best" in answer.text, answer.text
        return elapsed


def one_run(mentorbot: Mentorbot, changes: int, turn: int) -> dict[str, float]:
    """Medians in ms of each kind of find, with this process's pools empty at the start (as after a restart)."""
    finds = Finds(replace(mentorbot.services, mentor_pools=MentorPools()))
    finds.turn = turn
    db = mentorbot.services.db
    with db.reading() as session:
        mentors = list(session.execute(select(Person.id, Person.slack_user_id).where(Person.role == "mentor")))

    def after(change: Callable[[int], None]) -> float:
        times = []
        for n in range(changes):
            change(n)
            times.append(finds.ms())
        return statistics.median(times)

    def accept(n: int) -> None:
        with db.unit_of_work() as session:
            assert claim_slot(session, mentors[(turn * changes + n) % MENTORS][0])

    def edit(n: int) -> None:
        user_id = mentors[(turn * changes + n * 7 + 1) % MENTORS][1]
        with db.unit_of_work() as session:
            assert follow_time_zone(session, TEAM, user_id, ZONES[(turn + n) % len(ZONES)], datetime.now(UTC))

    cold = finds.ms()
    current = statistics.median(finds.ms() for _ in range(changes))
    return {"rebuilt": cold, "current": current, "after an accept": after(accept), "after a profile edit": after(edit)}


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} (min {min(values):.1f}, max {max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--changes", type=int, default=10)
    args = parser.parse_args()
    slack = FakeSlack(team_id=TEAM).start()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'pool.db'}"
        upgrade(url)
        seed(url, accepts=1)
        settings = Settings(
            database_url=url,
            slack_bot_token="xoxb-bench",
            slack_signing_secret="s",
            slack_api_url=slack.base_url,
            scheduler_enabled=False,
        )
        mentorbot = build(settings, FixedClock(datetime.now(UTC)))
        try:
            one_run(mentorbot, 2, 0)  # warms statement caches and imports, so no run pays a first-use cost
            runs = [one_run(mentorbot, args.changes, turn) for turn in range(1, args.runs + 1)]
        finally:
            mentorbot.close()
            slack.stop()
    print(f"/mentor find on {MENTORS:,} mentors, {args.runs} runs ({args.changes} finds after each kind of change)")
    for kind in runs[0]:
        print(f"{kind:22} {spread([r[kind] for r in runs])} ms")
    for kind in ("after an accept", "after a profile edit"):
        ratios = [r["rebuilt"] / r[kind] for r in runs]
        print(f"rebuilt ÷ {kind:12} per run: {spread(ratios)}")
        ratios = [r[kind] / r["current"] for r in runs]
        print(f"{kind} ÷ current per run: {spread(ratios)}")


if __name__ == "__main__":
    main()
