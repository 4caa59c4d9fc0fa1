"""Matching benchmark: ranking one mentee against 10,000 mentors, program-wide rounds on five cohort families, and
rounds where each mentee wants several mentors.

Each round is compared with an independent exact solver run on the same cohort in the same run: scipy's dense
`linear_sum_assignment` over every mentee × free slot (scores from `MentorPool.scores_block`, the hard rules
from `allowed_mask`), which shares nothing with the round's solver. Prints the ratio of totals (target ≥ 0.9999
on every family), the round's time (target ≤ 5 s at 10,000 × 3,000) and the exact solver's time.
With several mentors per mentee (2 each, or a peer and a senior each, at 2,000 × 600) the yardstick is the whole
LP over every allowed pair at once (`exact_several`), and the round's time is the median of several runs.
Run: `.venv/bin/python bench/matching.py` (seeded; `--quick` for a smaller run).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
from scipy.optimize import linear_sum_assignment, linprog
from scipy.sparse import csr_array

from bot.matching import Candidate, History, topic_set
from bot.mentor_pool import MentorPool
from bot.round_plan import Wanted, plan_round

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Africa/Lagos",
]
TOPICS = [f"topic {i}" for i in range(60)] + ["python", "ml", "public speaking", "leading a team", "sql"]
DEPARTMENTS = ["", "sales", "engineering", "design", "finance", "support", "marketing"]
Cohort = tuple[list[Candidate], list[Candidate]]


def person(rng: random.Random, person_id: int, mentor: bool) -> Candidate:
    start = rng.choice([7, 8, 9, 10]) * 60
    return Candidate(
        person_id=person_id,
        user_id=f"U{person_id:07d}",
        name=f"Person {person_id}",
        seniority=rng.randint(3, 6) if mentor else rng.randint(1, 3),
        timezone=rng.choice(ZONES),
        work_start_minute=start,
        work_end_minute=start + 8 * 60,
        expertise=topic_set(rng.sample(TOPICS, rng.randint(2, 6))) if mentor else frozenset(),
        goals=frozenset() if mentor else topic_set(rng.sample(TOPICS, rng.randint(1, 3))),
        free_slots=(capacity := rng.randint(1, 4)) if mentor else 0,
        capacity=capacity if mentor else 0,
        languages=frozenset(rng.sample(["english", "german", "spanish", "hindi"], rng.randint(0, 2))),
        department=rng.choice(DEPARTMENTS),
    )


def program(seed: int, mentees: int, mentors: int) -> Cohort:
    rng = random.Random(seed)
    return (
        [person(rng, i, mentor=False) for i in range(mentees)],
        [person(rng, 1_000_000 + i, mentor=True) for i in range(mentors)],
    )


def popular_topic(seed: int, mentees: int, mentors: int) -> Cohort:
    """80 % of mentees want python alone; one mentor in five teaches it."""
    rng = random.Random(seed)
    people, teachers = program(seed, mentees, mentors)
    python = topic_set(["python"])
    wanting = [replace(m, goals=python) if rng.random() < 0.8 else m for m in people]
    return wanting, [
        replace(m, expertise=m.expertise | python if j < mentors // 5 else m.expertise - python)
        for j, m in enumerate(teachers)
    ]


def identical_mentees(seed: int, mentees: int, mentors: int) -> Cohort:
    people, teachers = program(seed, 1, mentors)
    return [replace(people[0], person_id=i, user_id=f"U{i:07d}") for i in range(mentees)], teachers


def tight_capacity(seed: int, mentees: int, mentors: int) -> Cohort:
    """About one free slot per mentee (capacities 1–3), so every slot is contested."""
    rng = random.Random(seed)
    people, teachers = program(seed, mentees, mentors)
    return people, [replace(m, free_slots=(c := rng.randint(1, 3)), capacity=c) for m in teachers]


def one_time_zone(seed: int, mentees: int, mentors: int) -> Cohort:
    """Everyone in UTC, 9 to 5: working hours never separate anyone, so fits tie far more often."""
    people, teachers = program(seed, mentees, mentors)
    return [in_utc(m) for m in people], [in_utc(m) for m in teachers]


def in_utc(person: Candidate) -> Candidate:
    return replace(person, timezone="UTC", work_start_minute=540, work_end_minute=1020)


KIND = "kind"
SEVERAL_RUNS = 5
# (row name, each mentee's want): a number of mentors of any kind, or one of each kind.
SEVERAL_WANTS = [("2 mentors each", Wanted(2)), ("a peer and a senior each", Wanted(kinds=("peer", "senior")))]
FAMILIES: list[tuple[str, Callable[[int, int, int], Cohort], int, int]] = [
    ("uniform", program, 10_000, 3_000),
    ("popular topic", popular_topic, 5_000, 1_500),
    ("identical mentees", identical_mentees, 5_000, 1_500),
    ("tight capacity", tight_capacity, 4_000, 2_000),
    ("one time zone", one_time_zone, 5_000, 1_500),
]


def exact_optimum(mentees: Sequence[Candidate], mentors: Sequence[Candidate]) -> float:
    """The optimum over all mentee × free-slot pairs, with a forbidden pair worth 0: every slot (or every mentee,
    whichever is fewer) is assigned, and a pair worth 0 is the same as leaving both apart."""
    pool = MentorPool(mentors)
    slot_owner = np.repeat(np.arange(len(mentors)), [m.free_slots for m in mentors])
    profit = np.empty((len(mentees), len(slot_owner)))
    for first in range(0, len(mentees), 512):
        block = mentees[first : first + 512]
        allowed = np.array([pool.allowed_mask(mentee, History()) for mentee in block])
        profit[first : first + len(block)] = np.where(allowed, pool.scores_block(block), 0.0)[:, slot_owner]
    rows, cols = linear_sum_assignment(profit, maximize=True)
    return float(profit[rows, cols].sum())


def with_kinds(mentors: Sequence[Candidate]) -> list[Candidate]:
    """Mentors at level 5 or above are senior mentors, the others peers (the answer to the question of kinds)."""
    return [replace(m, answers=((KIND, frozenset({"senior" if m.seniority >= 5 else "peer"})),)) for m in mentors]


def exact_several(mentees: Sequence[Candidate], mentors: Sequence[Candidate], want: Wanted) -> float:
    """The optimum over every allowed pair at once: the whole LP (a row per mentee, or per mentee and kind, with
    what they want; a row per mentor with its free slots; each pair 0..1) by HiGHS' dual simplex, without the
    round's pricing or duals. Its matrix is a network's, so the vertex it stops at is integral (checked)."""
    pool = MentorPool(mentors)
    senior = np.array(["senior" in m.answer_map.get(KIND, ()) for m in mentors], dtype=np.int64)
    pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for first in range(0, len(mentees), 512):
        block = mentees[first : first + 512]
        allowed = np.array([pool.allowed_mask(mentee, History()) for mentee in block])
        scores = pool.scores_block(block)
        rows, columns = np.nonzero(allowed & (scores > 0))
        pairs.append((first + rows, columns, scores[rows, columns]))
    mentee, mentor, fit = (np.concatenate(part) for part in zip(*pairs, strict=True))
    places = 2 * len(mentees) if want.kinds else len(mentees)
    place = 2 * mentee + senior[mentor] if want.kinds else mentee
    arcs = np.arange(len(fit))
    matrix = csr_array(
        (np.ones(2 * len(fit)), (np.concatenate([place, places + mentor]), np.concatenate([arcs, arcs]))),
        shape=(places + len(mentors), len(fit)),
    )
    limits = np.concatenate([np.full(places, 1 if want.kinds else want.count), [m.free_slots for m in mentors]])
    result = linprog(-fit, A_ub=matrix, b_ub=limits, bounds=(0, 1), method="highs-ds")
    taken = np.rint(result.x)
    assert result.status == 0 and np.abs(result.x - taken).max() < 1e-6, result.message
    return float(fit @ taken)


def several_row(name: str, mentees: Sequence[Candidate], mentors: Sequence[Candidate], want: Wanted) -> str:
    wants = {m.person_id: want for m in mentees}
    samples = []
    for _ in range(SEVERAL_RUNS):
        started = time.perf_counter()
        planned = plan_round(mentees, mentors, {}, wants=wants, kind_question=KIND)
        samples.append(time.perf_counter() - started)
    started = time.perf_counter()
    optimum = exact_several(mentees, mentors, want)
    exact_seconds = time.perf_counter() - started
    proven = "yes" if abs(planned.bound - planned.total_score) < 1e-6 else "NO"
    return (
        f"| {name} | {len(mentees):,} × {len(mentors):,} | {planned.total_score / optimum:.6f} | "
        f"{statistics.median(samples):.2f} s | {min(samples):.2f}–{max(samples):.2f} s | {exact_seconds:.1f} s | "
        f"{proven} | {len(planned.assignments):,} | {len(planned.short):,} | {len(planned.unmatched):,} |"
    )


def rank_latency(mentors: int) -> None:
    mentees, pool_mentors = program(1, 300, mentors)
    pool = MentorPool(pool_mentors)
    pool.rank(mentees[0], History())
    samples = []
    for mentee in mentees:
        started = time.perf_counter()
        pool.rank(mentee, History(), limit=5)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[int(len(samples) * 0.99) - 1]
    print(
        f"rank 1 mentee vs {mentors:,} mentors: median {statistics.median(samples):.2f} ms, "
        f"p99 {p99:.2f} ms (target p99 ≤ 20 ms)"
    )


def round_row(name: str, mentees: Sequence[Candidate], mentors: Sequence[Candidate]) -> str:
    started = time.perf_counter()
    planned = plan_round(mentees, mentors, {})
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    optimum = exact_optimum(mentees, mentors)
    exact_seconds = time.perf_counter() - started
    free = sum(m.free_slots for m in mentors) - len(planned.assignments)
    proven = "yes" if abs(planned.bound - planned.total_score) < 1e-6 else "NO"
    return (
        f"| {name} | {len(mentees):,} × {len(mentors):,} | {planned.total_score / optimum:.6f} | {seconds:.2f} s | "
        f"{exact_seconds:.1f} s | {exact_seconds / seconds:.1f}× | {proven} | {len(planned.unmatched):,} | {free:,} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="sizes ÷ 10, for a smoke run")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    rank_latency(10_000 // scale)
    print(
        "\n| cohort | mentees × mentors | ratio to exact | round | exact solver | exact/round | proven by duals "
        "| unmatched | slots left |\n|---|---|---|---|---|---|---|---|---|"
    )
    for seed, (name, build, n_mentees, n_mentors) in enumerate(FAMILIES, start=9):
        mentees, mentors = build(seed, n_mentees // scale, n_mentors // scale)
        print(round_row(name, mentees, mentors), flush=True)
    print("targets: ratio ≥ 0.9999 on every cohort; 10,000 × 3,000 in ≤ 5 s")
    print(
        f"\nSeveral mentors per mentee (capacities 1–4; the round's median of {SEVERAL_RUNS} runs):\n"
        "| each mentee wants | mentees × mentors | ratio to exact | round (median) | round (min–max) | exact LP "
        "| proven by duals | pairs | short | unmatched |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    mentees, mentors = program(21, 2_000 // scale, 600 // scale)
    for name, want in SEVERAL_WANTS:
        print(several_row(name, mentees, with_kinds(mentors), want), flush=True)
    print("targets: ratio 1 (exact) on both; 2,000 × 600 in ≤ 5 s")


if __name__ == "__main__":
    main()
