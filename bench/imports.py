"""Import benchmark: a 5,000-row messy sign-up sheet previewed against a 20,000-member workspace directory, then
confirmed.

The sheet is generated (seeded): Google-Forms-like headers with a repeated mentor/mentee block, ~15 % of rows
without an email, ~5 % of names with a typo, junk answers, people named in avoid/prefer lists and manager
emails. Prints the end-to-end time (read → map → index → preview → report, median and spread over 3 runs, target
≤ 60 s), peak Python memory (tracemalloc, target < 300 MB) and the process's peak RSS, and, for name matching
alone, the batched directory against naive baselines measured in the same run on a subset and scaled:
rapidfuzz `process.extractOne` per name (WRatio, and the same token_sort scoring, each processed on every call)
and the standard library's difflib.
Then the confirm, on a fresh SQLite database each run (migrated, one program): storing the plan of every ready
row with each new person's consent DM queued in the outbox (`apply_and_ask`, target ≤ 30 s), and the whole job
Confirm starts in a worker (the sheet read and planned again, then stored), each as median, spread and ratio to
the target, and the confirm's peak Python memory.
Run: `.venv/bin/python -m bench.imports` (`--quick` for a smaller run, `--confirms N` runs of the confirm).
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rapidfuzz import fuzz, process, utils
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.importing import plan_import
from bot.imports.directory import Directory, DirectoryEntry, Lookup
from bot.imports.mapping import propose_mapping
from bot.imports.preview import Preview, build_preview, diff, ready_people, report_csv
from bot.imports.sheet import read_sheet
from bot.questions import Kind, Question, Rule
from bot.services import Services
from bot.settings import Settings
from bot.sheet_imports import apply_and_ask
from storage.db import Database
from storage.migrate import upgrade
from storage.models import OutboxMessage, Person, Program

# Space-separated, as a names list is pasted: similar names (Christian/Christiana, Müller/Mueller) on purpose.
FIRST_NAMES = (
    "Ana Ben Carla Christian Christiana Dan Daniel Daniela Eva Frank Grace Hugo Ines Jon John Joanna Karl Lea Leo "
    "Lena Lina Maria Mario Marie Nora Olga Omar Paula Paul Pia Quinn Rosa Rui Sara Sarah Tom Tomas Uma Vera Wei "
    "Xavier Yara Yusuf Zoe José Zoë Ahmed Aisha Chen Priya Raj Anil Sofia Sophie Lukas Lucas Emma Emil Noah Mia "
    "Liam Olivia Ava Elijah Amelia James Harper Ben Mateo Camila Elena Ivan Dmitri Katya Hana Kenji Yuki Minh Linh"
)
LAST_NAMES = (
    "Silva Okafor Buckner Brown Green Wong Garcia Smith Smyth Müller Mueller Schmidt Schmitt Fischer Weber Meyer "
    "Wagner Becker Hoffmann Schulz Koch Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
    "Hartmann Lange Werner Krause Lehmann Köhler Maier Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang "
    "Scholz Möller Weiß Jung Hahn Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann "
    "Franke Albrecht Ludwig Winter Kraus Martin Simon Böhm Schuster Jäger Otto Sommer Groß Seidel Heinrich Brandt "
    "Haas Schreiber Graf Dietrich Ziegler Kuhn Kühn Pohl Engel Horn Busch Bergmann Thomas Voigt Sauer Arnold Wolff "
    "Pfeiffer Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti Costa Nguyen "
    "Tran Le Pham Kim Lee Park Choi Patel Shah Singh Kumar Sharma Gupta Khan Ali Hassan Ibrahim Cohen Levi Novak "
    "Horvat Kowalski Nowak Wiśniewski Dubois Durand Lefebvre Moreau Laurent Girard Bonnet Dupont Lambert Fontaine"
)
PLACES = ["Berlin", "Berlin, Germany", "London", "NYC", "Remote", "Europe/Lisbon", "Munich", "Bangalore", "Tokyo", ""]
ROLES = ["I'd like to mentor", "Mentee", "Both", "mentor & mentee", "Be mentored", "MENTOR", "mentee ", "?"]
CAPACITIES = ["1", "2", "two", "2 mentees", "", "3", "up to 2", "lots"]
TOPICS = ["python", "public speaking", "SQL", "leadership", "negotiation", "design", "ml", "career growth"]
JUNK = ["No", "no ", '"No"', "Np", "n/a", "N/A", "-", "none", "", "", ""]
HEADERS = [
    "Timestamp",
    "Email Address",
    "Full name",
    "Would you like to be a mentor, a mentee or both?",
    "What topics could you help others with? (separate with commas)",
    "How many mentees can you take on?",
    "Anyone you'd rather not be matched with?",
    "What would you like to learn or get better at?",
    "Anyone you'd rather not be matched with?",
    "Which office are you in?",
    "Where are you based?",
    "Manager's email",
    "Anyone you'd especially like to be matched with?",
]
OFFICE = Question("q1", "Which office are you in?", Kind.SINGLE, ("Berlin", "London", "Remote"), Rule.MUST_MATCH)
TEAM = "T0001"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CONFIRM_TARGET = 30.0


def ascii_word(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and c.isalnum()).lower()


def directory_entries(rng: random.Random, size: int) -> list[DirectoryEntry]:
    first_names, last_names = FIRST_NAMES.split(), LAST_NAMES.split()
    names: set[tuple[str, str]] = set()
    while len(names) < size:
        last = rng.choice(last_names) + ("" if rng.random() < 0.7 else "-" + rng.choice(last_names))
        names.add((rng.choice(first_names), last))
    entries = []
    for number, (first, last) in enumerate(sorted(names)):
        roll = rng.random()
        entries.append(
            DirectoryEntry(
                user_id=f"U{number:09d}",
                name=f"{ascii_word(first)}.{ascii_word(last)}{number}",
                real_name=f"{first} {last}",
                display_name=first if rng.random() < 0.6 else f"{first} {last[0]}.",
                email=f"{ascii_word(first)}.{ascii_word(last)}.{number}@example.com",
                deleted=roll < 0.02,
                is_bot=0.02 <= roll < 0.03,
            )
        )
    return entries


def typo(rng: random.Random, name: str) -> str:
    """One slip of the keyboard: a letter dropped, doubled or swapped with the next."""
    at = rng.randrange(1, len(name) - 1)
    slip = rng.choice(("drop", "double", "swap"))
    if slip == "drop":
        return name[:at] + name[at + 1 :]
    if slip == "double":
        return name[:at] + name[at] + name[at:]
    return name[:at] + name[at + 1] + name[at] + name[at + 2 :]


def spoken(rng: random.Random, entry: DirectoryEntry) -> str:
    """How a colleague writes someone's name: with a typo one time in twenty, sometimes lower-cased."""
    name = typo(rng, entry.real_name) if rng.random() < 0.05 else entry.real_name
    return name.lower() if rng.random() < 0.1 else name


def sheet_bytes(rng: random.Random, entries: list[DirectoryEntry], rows: int) -> bytes:
    active = [e for e in entries if not (e.deleted or e.is_bot)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for index, entry in enumerate(rng.sample(active, rows)):
        email = "" if rng.random() < 0.15 else rng.choice((entry.email, entry.email.upper(), entry.email + " "))
        role = rng.choice(ROLES)
        mentor_block = "mentee" not in role.lower() or "&" in role
        avoid = rng.choice(JUNK) if rng.random() < 0.75 else spoken(rng, rng.choice(active))
        prefer = rng.choice(JUNK) if rng.random() < 0.8 else "; ".join(spoken(rng, p) for p in rng.sample(active, 2))
        writer.writerow(
            [
                f"2024/03/01 09:{index % 60:02d}:00",
                email,
                spoken(rng, entry) + ("  " if rng.random() < 0.1 else ""),
                role,
                ", ".join(rng.sample(TOPICS, 3)) if mentor_block else "",
                rng.choice(CAPACITIES) if mentor_block else "",
                avoid if mentor_block else "",
                "" if mentor_block else ";".join(rng.sample(TOPICS, 2)),
                "" if mentor_block else avoid,
                rng.choice(("Berlin", "london", "Remote", "")),
                rng.choice(PLACES),
                rng.choice(active).email if rng.random() < 0.6 else "",
                prefer,
            ]
        )
    return out.getvalue().encode()


@dataclass(frozen=True)
class Run:
    seconds: float
    preview: Preview


def import_once(data: bytes, entries: list[DirectoryEntry]) -> Run:
    started = time.perf_counter()
    sheet = read_sheet(data)
    mapping = propose_mapping(sheet, [OFFICE])
    directory = Directory(entries)
    preview = build_preview(sheet, mapping, directory, [OFFICE])
    report_csv(preview)
    assert diff(ready_people(preview), preview) == []
    return Run(time.perf_counter() - started, preview)


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Confirm:
    plan_seconds: float
    apply_seconds: float
    added: int


def fresh_services(folder: Path, name: str) -> Services:
    """Services on a new SQLite file, migrated, holding one program (asking OFFICE) and nobody in it."""
    url = f"sqlite:///{folder / name}.db"
    upgrade(url)
    settings = Settings(database_url=url, slack_bot_token="xoxb-bench", slack_signing_secret="s", workers=0)
    services = Services(settings=settings, db=Database(url), clock=FixedClock(NOW))
    with services.db.unit_of_work() as session:
        session.add(
            Program(
                team_id=TEAM,
                name="Bench buddies",
                slug="bench-buddies",
                admins=[],
                default_cadence="biweekly",
                anonymity_threshold=5,
                request_expiry_hours=72,
                questions=[OFFICE.stored()],
                created_at=NOW,
            )
        )
    return services


def confirm_once(folder: Path, name: str, data: bytes, entries: list[DirectoryEntry]) -> Confirm:
    """What Confirm does in a worker, timed in its two parts: plan the sheet again, then store it and queue the DMs."""
    services = fresh_services(folder, name)
    try:
        started = time.perf_counter()
        with services.db.reading() as session:
            program_id = session.scalars(select(Program.id)).one()
            plan = plan_import(session, TEAM, program_id, read_sheet(data), Directory(entries), {})
        planned = time.perf_counter()
        invited = apply_and_ask(services, TEAM, plan)
        applied = time.perf_counter()
        with services.db.reading() as session:
            people = session.scalar(select(func.count()).select_from(Person))
            queued = session.scalar(select(func.count()).select_from(OutboxMessage))
        assert len(invited) == len(plan.added) == people == queued, (len(invited), people, queued)
        return Confirm(planned - started, applied - planned, len(invited))
    finally:
        services.db.dispose()


def ratio_line(what: str, seconds: list[float], target: float) -> str:
    ordered = sorted(seconds)
    median = statistics.median(ordered)
    return (
        f"{what}: median {median:.2f} s, spread {ordered[0]:.2f}–{ordered[-1]:.2f} s over {len(ordered)} runs; "
        f"{median / target:.3f} × the {target:g} s target"
    )


def confirm_benchmark(data: bytes, entries: list[DirectoryEntry], runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        confirm_once(Path(folder), "warm", data, entries)  # imports and statement caches, paid by no run
        confirms = [confirm_once(Path(folder), f"run{n}", data, entries) for n in range(runs)]
        tracemalloc.start()
        confirm_once(Path(folder), "traced", data, entries)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"confirm: {confirms[0].added:,} people added, each with a consent DM queued, on a fresh SQLite database")
    print("  " + ratio_line("stored + DMs queued (apply_and_ask)", [c.apply_seconds for c in confirms], CONFIRM_TARGET))
    whole = [c.plan_seconds + c.apply_seconds for c in confirms]
    print("  " + ratio_line("the whole Confirm job (planned again, then stored)", whole, CONFIRM_TARGET))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  peak Python memory of one confirm (tracemalloc): {peak / 1024 / 1024:.0f} MB (target < 300 MB); "
        f"peak RSS so far {rss:.0f} MB"
    )


def naive_extract(names: list[str], choices: list[str], scorer: Callable[..., float]) -> None:
    for name in names:
        process.extractOne(name, choices, scorer=scorer, processor=utils.default_process)


def naive_difflib(names: list[str], choices: list[str]) -> None:
    for name in names:
        difflib.get_close_matches(name, choices, n=3, cutoff=0.8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 rows against 4,000 members")
    parser.add_argument("--confirms", type=int, default=5, help="timed runs of the confirm")
    args = parser.parse_args()
    rows, members = (1_000, 4_000) if args.quick else (5_000, 20_000)
    rng = random.Random(20)
    entries = directory_entries(rng, members)
    data = sheet_bytes(rng, entries, rows)
    print(f"sheet: {rows:,} rows, {len(data) / 1024:.0f} KB; directory: {members:,} members")

    runs = [import_once(data, entries) for _ in range(3)]
    times = sorted(run.seconds for run in runs)
    print(
        f"import end to end: median {statistics.median(times):.2f} s, spread {times[0]:.2f}–{times[-1]:.2f} s "
        f"over 3 runs (target ≤ 60 s)"
    )
    print(f"outcome: {runs[0].preview.summary}")

    tracemalloc.start()
    import_once(data, entries)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak Python memory (tracemalloc): {peak / 1024 / 1024:.0f} MB (target < 300 MB); peak RSS {rss:.0f} MB")

    active = [e for e in entries if not (e.deleted or e.is_bot)]
    # Every name with a typo, so that none is found in the exact-name index and all are scored fuzzily.
    names = [typo(rng, e.real_name) for e in rng.sample(active, rows)]
    directory = Directory(entries)
    ours = [timed(lambda: directory.resolve_many([Lookup(name=n) for n in names])) for _ in range(3)]
    real_names = [e.real_name for e in active]
    subset = names[: rows // 10]
    extract = timed(lambda: naive_extract(subset, real_names, fuzz.WRatio)) * len(names) / len(subset)
    same_scorer = timed(lambda: naive_extract(subset, real_names, fuzz.token_sort_ratio)) * len(names) / len(subset)
    few = names[: max(10, rows // 100)]
    stdlib = timed(lambda: naive_difflib(few, real_names)) * len(names) / len(few)
    median = statistics.median(ours)
    print(f"name matching, {len(names):,} names with a typo × {len(active):,} members:")
    print(f"  batched directory (cdist, folded once): median {median:.2f} s, spread {min(ours):.2f}–{max(ours):.2f} s")
    measured = f"{len(subset):,} measured, scaled"
    print(f"  naive extractOne (WRatio) per name, {measured}: {extract:.1f} s ({extract / median:.0f}×)")
    print(
        f"  extractOne with the same scoring (token_sort_ratio) per name, {measured}: {same_scorer:.1f} s "
        f"({same_scorer / median:.0f}×)"
    )
    print(f"  difflib per name, {len(few):,} measured, scaled: {stdlib:.0f} s ({stdlib / median:.0f}×)")

    confirm_benchmark(data, entries, args.confirms)


if __name__ == "__main__":
    main()
