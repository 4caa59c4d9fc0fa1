"""Programs benchmark: `/mentor find`, a round and a tick in a workspace of 20 programs and 10,000 members.

Each program has 500 members (250 mentors with two slots, 250 mentees) and two sign-up questions that count
in matching (an office that must match, shared interests). The baseline, measured in the same run against the
same kind of database, is a workspace with one such program: a ratio near 1 means the other 19 programs cost
nothing. Times are the service calls that build the answer a person sees (the ranked list; the round's
preview), run in this process against a SQLite file; a tick is measured by its SQL statements with nothing due.
Run: `.venv/bin/python bench/programs.py` (`--runs N`, default 5).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

from bot.app import Mentorbot, build
from bot.candidates import MentorPools
from bot.clock import FixedClock
from bot.finding import find_answer
from bot.rounds import preview_round
from bot.settings import Settings
from sandbox.fake_slack import FakeSlack
from scheduler.tick import run_tick
from storage.migrate import upgrade
from storage.models import Person, Program

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TEAM = "T0001"
PER_PROGRAM = 500
TOPICS = ["python", "sql", "public speaking", "design", "sales", "leading a team", "machine learning", "writing"]
OFFICES = ["Berlin", "London", "Remote"]
INTERESTS = ["Hiking", "Chess", "Music", "Cooking"]
QUESTIONS = [
    {"key": "q1", "text": "Office?", "kind": "single", "choices": OFFICES, "rule": "must_match", "weight": 1.0},
    {"key": "q2", "text": "Interests?", "kind": "multiple", "choices": INTERESTS, "rule": "overlap", "weight": 2.0},
]


def seed(mentorbot: Mentorbot, programs: int) -> list[int]:
    """`programs` programs of PER_PROGRAM members each; returns their IDs."""
    ids = []
    with mentorbot.services.db.unit_of_work() as session:
        for n in range(programs):
            program = Program(
                team_id=TEAM,
                name=f"Program {n}",
                slug=f"program-{n}",
                admins=[],
                default_cadence="biweekly",
                anonymity_threshold=5,
                request_expiry_hours=72,
                questions=QUESTIONS,
                created_at=NOW,
            )
            session.add(program)
            session.flush()
            ids.append(program.id)
    rows: list[dict[str, Any]] = []
    for p, program_id in enumerate(ids):
        for i in range(PER_PROGRAM):
            mentor = i % 2 == 0
            rows.append(
                {
                    "team_id": TEAM,
                    "program_id": program_id,
                    "slack_user_id": f"U{p:02d}{i:05d}",
                    "display_name": "",
                    "role": "mentor" if mentor else "mentee",
                    "expertise": [TOPICS[i % 8], TOPICS[(i * 3) % 8]] if mentor else [],
                    "goals": [] if mentor else [TOPICS[i % 8], TOPICS[(i * 5) % 8]],
                    "seniority": 3 + i % 3 if mentor else 1 + i % 2,
                    "capacity": 2 if mentor else 0,
                    "active_mentees": 0,
                    "timezone": ["Europe/Berlin", "America/New_York", "Asia/Kolkata"][i % 3],
                    "work_start_minute": 540,
                    "work_end_minute": 1020,
                    "learning_style": "discussion",
                    "meeting_channel": "video",
                    "cadence": "weekly",
                    "languages": ["english"],
                    "department": ["eng", "sales", "ops"][i % 3],
                    "do_not_match": [],
                    "answers": {"q1": OFFICES[i % 3], "q2": [INTERESTS[i % 4], INTERESTS[(i + 1) % 4]]},
                    "status": "active",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
    with mentorbot.services.db.engine.begin() as connection:
        for first in range(0, len(rows), 2_000):
            connection.execute(insert(Person), rows[first : first + 2_000])
    return ids


@contextmanager
def workspace(folder: Path, name: str, programs: int, slack: FakeSlack) -> Iterator[tuple[Mentorbot, list[int]]]:
    url = f"sqlite:///{folder / name}.db"
    upgrade(url)
    settings = Settings(
        database_url=url,
        slack_bot_token="xoxb-bench",
        slack_signing_secret="s",
        slack_api_url=slack.base_url,
        scheduler_enabled=False,
    )
    mentorbot = build(settings, FixedClock(NOW))
    try:
        yield mentorbot, seed(mentorbot, programs)
    finally:
        mentorbot.close()


def find_ms(mentorbot: Mentorbot, program_ids: list[int], per_program: int) -> tuple[float, float]:
    """Medians in ms of a program's first find (which builds its mentor pool) and of later finds, with the
    mentor pools empty at the start (as after a restart)."""
    services = replace(mentorbot.services, mentor_pools=MentorPools())
    cold: list[float] = []
    warm: list[float] = []
    for n, program_id in enumerate(program_ids):
        for k in range(per_program + 1):
            mentee = f"U{n:02d}{1 + 2 * k:05d}"
            started = time.perf_counter()
            answer = find_answer(services, TEAM, mentee, "", program_id)
            (warm if k else cold).append((time.perf_counter() - started) * 1000)
            assert "fit you best" in answer.text or "mentors" in answer.text, answer.text
    return statistics.median(cold), statistics.median(warm)


def round_ms(mentorbot: Mentorbot, program_id: int) -> float:
    with mentorbot.services.db.unit_of_work() as session:
        started = time.perf_counter()
        preview = preview_round(session, TEAM, program_id, "UADMIN", NOW)
        elapsed = (time.perf_counter() - started) * 1000
        session.rollback()
    assert len(preview.pairs) == PER_PROGRAM // 2, "every mentee of the program is matched"
    return elapsed


def tick_statements(mentorbot: Mentorbot) -> int:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = mentorbot.services.db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        run_tick(mentorbot.services, mentorbot.tokens.resolver(), NOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    slack = FakeSlack(team_id=TEAM).start()
    with (
        tempfile.TemporaryDirectory() as folder,
        workspace(Path(folder), "one", 1, slack) as (single, single_ids),
        workspace(Path(folder), "twenty", 20, slack) as (many, many_ids),
    ):
        # Warm both the same way first (statement caches, imports), so neither pays a first-use cost in a run.
        for mentorbot, ids in ((single, single_ids), (many, many_ids)):
            find_ms(mentorbot, ids[:1], 1)
            round_ms(mentorbot, ids[0])
        results: dict[str, list[float]] = {k: [] for k in ("cold", "warm", "round", "cold1", "warm1", "round1")}
        for _ in range(args.runs):
            cold1, warm1 = find_ms(single, single_ids, 10)
            cold, warm = find_ms(many, many_ids, 1)
            results["cold1"].append(cold1)
            results["warm1"].append(warm1)
            results["cold"].append(cold)
            results["warm"].append(warm)
            results["round1"].append(round_ms(single, single_ids[0]))
            results["round"].append(round_ms(many, many_ids[7]))
        ticks = (tick_statements(single), tick_statements(many))
    slack.stop()
    print(
        f"20 programs × {PER_PROGRAM} members (10,000 in one workspace) vs 1 program of {PER_PROGRAM}, {args.runs} runs"
    )
    for label, key in (
        ("find, first in a program (builds its pool)", "cold"),
        ("find", "warm"),
        ("round preview", "round"),
    ):
        ratios = [m / s for m, s in zip(results[key], results[key + "1"], strict=True)]
        print(f"{label:44} 20 programs: {spread(results[key])} ms · 1 program: {spread(results[key + '1'])} ms")
        print(f"{'':44} ratio per run: {spread(ratios)}")
    print(f"tick with nothing due: {ticks[1]} statements with 20 programs, {ticks[0]} with 1")


if __name__ == "__main__":
    main()
