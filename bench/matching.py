"""Matching benchmark: ranking one mentee against 10,000 mentors, and a 10,000 × 3,000 program-wide round.

Prints ratios against baselines measured in the same run: the dense optimum (scipy linear_sum_assignment
with one column per capacity slot) on sizes where it is feasible, and a greedy assignment.
Run: `.venv/bin/python bench/matching.py` (seeded; `--quick` for a smaller run).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from bot.matching import Candidate, History, MentorPool, Round, plan_round, topic_set

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


def program(seed: int, mentees: int, mentors: int) -> tuple[list[Candidate], list[Candidate]]:
    rng = random.Random(seed)
    return (
        [person(rng, i, mentor=False) for i in range(mentees)],
        [person(rng, 1_000_000 + i, mentor=True) for i in range(mentors)],
    )


def dense_optimum(mentees: Sequence[Candidate], mentors: Sequence[Candidate]) -> float:
    """Exact optimum over all mentee × slot pairs (no candidate pruning)."""
    pool = MentorPool(mentors)
    slot_owner = np.repeat(np.arange(len(mentors)), [m.free_slots for m in mentors])
    profit = np.zeros((len(mentees), len(slot_owner) + len(mentees)))
    for row, mentee in enumerate(mentees):
        allowed = pool.allowed_mask(mentee, History())
        values = np.where(allowed, pool.scores(mentee), 0.0)
        profit[row, : len(slot_owner)] = values[slot_owner]
    rows, cols = linear_sum_assignment(profit, maximize=True)
    return float(profit[rows, cols].sum())


def greedy(mentees: Sequence[Candidate], mentors: Sequence[Candidate], per_mentee: int = 12) -> float:
    pool = MentorPool(mentors)
    edges = [
        (match.score, row, match.mentor.person_id)
        for row, mentee in enumerate(mentees)
        for match in pool.rank(mentee, History(), limit=per_mentee)
    ]
    free = {m.person_id: m.free_slots for m in mentors}
    taken: set[int] = set()
    total = 0.0
    for value, row, mentor_id in sorted(edges, reverse=True):
        if row not in taken and free[mentor_id] > 0:
            taken.add(row)
            free[mentor_id] -= 1
            total += value
    return total


def timed_round(mentees: Sequence[Candidate], mentors: Sequence[Candidate]) -> tuple[Round, float]:
    started = time.perf_counter()
    planned = plan_round(mentees, mentors, {})
    return planned, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    scale = 10 if args.quick else 1

    mentees, mentors = program(1, 300, 10_000 // scale)
    pool = MentorPool(mentors)
    pool.rank(mentees[0], History())
    samples = []
    for mentee in mentees:
        started = time.perf_counter()
        pool.rank(mentee, History(), limit=5)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[int(len(samples) * 0.99) - 1]
    print(
        f"rank 1 mentee vs {len(mentors):,} mentors: median {statistics.median(samples):.2f} ms, "
        f"p99 {p99:.2f} ms (target p99 ≤ 20 ms)"
    )

    for seed, (n_mentees, n_mentors) in enumerate([(600, 200), (1500, 500)], start=2):
        small_mentees, small_mentors = program(seed, n_mentees // scale, n_mentors // scale)
        planned, _ = timed_round(small_mentees, small_mentors)
        optimum = dense_optimum(small_mentees, small_mentors)
        print(
            f"round {len(small_mentees):,} × {len(small_mentors):,}: total {planned.total_score:.2f}, "
            f"dense optimum {optimum:.2f}, ratio {planned.total_score / optimum:.5f} (target ≥ 0.999); "
            f"greedy ratio {greedy(small_mentees, small_mentors) / optimum:.5f}"
        )

    big_mentees, big_mentors = program(9, 10_000 // scale, 3_000 // scale)
    planned, seconds = timed_round(big_mentees, big_mentors)
    started = time.perf_counter()
    greedy_total = greedy(big_mentees, big_mentors)
    greedy_seconds = time.perf_counter() - started
    print(
        f"round {len(big_mentees):,} × {len(big_mentors):,} (capacities 1–4): {seconds:.2f} s (target ≤ 5 s), "
        f"{len(planned.assignments):,} pairs, total {planned.total_score:.1f}, "
        f"average {planned.average_score:.3f}; greedy {greedy_seconds:.2f} s, total {greedy_total:.1f}, "
        f"optimal/greedy {planned.total_score / greedy_total:.4f}"
    )


if __name__ == "__main__":
    main()
