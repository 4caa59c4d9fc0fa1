"""Circles benchmark: the former against the exact optimum on small cohorts, against the greedy and random baselines
on 1,000 people (measured in the same run), and repeated pairings over twelve rounds of 50 people.

Two cohort families: realistic (topics from a skewed distribution, time zones in three regions, departments,
two program questions, a few avoid lists) and adversarial (everyone alike, one in ten of the others on each avoid
list). Run: `.venv/bin/python bench/circles.py` (seeded; `--quick` for a smoke run).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.cadence import WorkingHours
from bot.circles import (
    Formation,
    Member,
    QuestionRule,
    exact_circles,
    form_circles,
    greedy_circles,
    random_circles,
    weekly_hours,
)

REGIONS: list[tuple[float, list[str]]] = [
    (0.45, ["Europe/Berlin", "Europe/London", "Europe/Madrid", "Europe/Warsaw"]),
    (0.35, ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo"]),
    (0.20, ["Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney"]),
]
TOPICS = [f"topic {k}" for k in range(36)] + ["public speaking", "python", "leading a team", "career growth"]
DEPARTMENTS = ["engineering", "sales", "support", "marketing", "design", "finance", "people", "legal"]
INTERESTS = ["books", "running", "music", "cooking", "games", "travel", "film", "art", "climbing", "chess"]
RULES = [QuestionRule("level", "different", 0.5), QuestionRule("interests", "overlap", 1.0)]
Former = Callable[..., Formation]
Family = Callable[[int, int], list[Member]]


def skewed(rng: random.Random, items: Sequence[str]) -> str:
    """One item, the k-th from the end as likely as 1 / k (Zipf): the last items listed are the most popular."""
    return rng.choices(items, [1 / (len(items) - k) for k in range(len(items))])[0]


def zipf(rng: random.Random, items: Sequence[str], count: int) -> frozenset[str]:
    chosen: set[str] = set()
    while len(chosen) < count:
        chosen.add(skewed(rng, items))
    return frozenset(chosen)


def realistic(seed: int, people: int) -> list[Member]:
    rng = random.Random(seed)
    members = []
    for i in range(people):
        zones = rng.choices([zones for _, zones in REGIONS], [share for share, _ in REGIONS])[0]
        start = rng.choice([7, 8, 8, 9, 9, 9, 10, 11]) * 60
        avoid = frozenset(rng.sample(range(people), rng.randint(1, 3))) if rng.random() < 0.03 else frozenset()
        members.append(
            Member(
                member_id=i,
                topics=zipf(rng, TOPICS, rng.randint(1, 4)),
                hours=weekly_hours(WorkingHours(rng.choice(zones), start, start + 8 * 60)),
                department=skewed(rng, DEPARTMENTS),
                answers={"level": rng.choice(["junior", "mid", "senior"]), "interests": zipf(rng, INTERESTS, 2)},
                avoid=avoid - {i},
            )
        )
    return members


def alike(seed: int, people: int) -> list[Member]:
    """Everyone wants the same, works the same hours in the same department; only the avoid lists differ."""
    rng = random.Random(seed)
    hours = weekly_hours(WorkingHours("Europe/Berlin", 9 * 60, 17 * 60))
    return [
        Member(
            member_id=i,
            topics=frozenset({"public speaking", "python"}),
            hours=hours,
            department="engineering",
            answers={"level": "mid", "interests": frozenset({"books"})},
            avoid=frozenset(j for j in range(people) if j != i and rng.random() < 0.1),
        )
        for i in range(people)
    ]


FAMILIES: list[tuple[str, Family]] = [("realistic", realistic), ("adversarial", alike)]


def spread(values: Sequence[float], digits: int = 3) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def common_hour_share(formation: Formation) -> float:
    return sum(bool(c.common_windows) for c in formation.circles) / max(1, len(formation.circles))


def small_cohorts(sizes: Sequence[int], seeds: int) -> None:
    print(
        "\n(a) heuristic / exact optimum, circles of 4–6, over seeds\n"
        "| family | people | ratio min | ratio median | optimal | placed equal | former | exact (proven) |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    for name, family in FAMILIES:
        for people in sizes:
            ratios, former_times, exact_times, optimal, equal, proven = [], [], [], 0, 0, 0
            for seed in range(seeds):
                members = family(1000 * people + seed, people)
                started = time.perf_counter()
                ours = form_circles(members, 4, 6, RULES, seed=seed)
                former_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                best = exact_circles(members, 4, 6, RULES, seed=seed)
                exact_times.append(time.perf_counter() - started)
                ratios.append(ours.objective / best.objective if best.objective else 1.0)
                optimal += ours.objective >= best.objective - 1e-6
                equal += ours.placed == best.placed
                proven += best.bound is not None and abs(best.bound - best.objective) < 1e-6
            print(
                f"| {name} | {people} | {min(ratios):.4f} | {statistics.median(ratios):.4f} | {optimal}/{seeds} | "
                f"{equal}/{seeds} | {statistics.median(former_times):.2f} s | "
                f"{statistics.median(exact_times):.2f} s ({proven}/{seeds}) |",
                flush=True,
            )


def large_cohort(people: int, runs: int) -> None:
    print(
        f"\n(b) {people:,} people into circles of 4–6, {runs} runs (seeds), baselines in the same runs\n"
        "| family | former time | ÷ greedy | ÷ random | common hour: former | greedy | random | unplaced |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    for name, family in FAMILIES:
        times, to_greedy, to_random, unplaced = [], [], [], []
        shares: dict[str, list[float]] = {"f": [], "g": [], "r": []}
        for seed in range(runs):
            members = family(seed, people)
            started = time.perf_counter()
            ours = form_circles(members, 4, 6, RULES, seed=seed)
            times.append(time.perf_counter() - started)
            greedy = greedy_circles(members, 4, 6, RULES, seed=seed)
            shuffled = random_circles(members, 4, 6, RULES, seed=seed)
            to_greedy.append(ours.objective / greedy.objective)
            to_random.append(ours.objective / shuffled.objective)
            for key, formation in (("f", ours), ("g", greedy), ("r", shuffled)):
                shares[key].append(common_hour_share(formation))
            unplaced.append(f"{len(ours.unplaced)}/{len(greedy.unplaced)}/{len(shuffled.unplaced)}")
        print(
            f"| {name} | {spread(times, 2)} s | {spread(to_greedy)} | {spread(to_random)} | "
            f"{spread(shares['f'], 2)} | {spread(shares['g'], 2)} | {spread(shares['r'], 2)} | {', '.join(unplaced)} |",
            flush=True,
        )


def rounds(people: int, count: int, sizes: tuple[int, int]) -> None:
    """Each round's circles become everyone's past partners; repeats allowed only when no formation avoids them."""
    print(
        f"\n(c) {people} people × {count} rounds, circles of {sizes[0]}–{sizes[1]}: repeated pairings per round "
        "(repeats allowed, each one penalised above any gain)\n"
        "| method | per round | total | first repeat |\n|---|---|---|---|"
    )
    for label, former in (("former", form_circles), ("greedy", greedy_circles), ("random", random_circles)):
        members = realistic(7, people)
        per_round = []
        for number in range(count):
            formation = former(members, *sizes, RULES, seed=number, allow_repeats=True)
            per_round.append(len(formation.repeats))
            members = with_partners(members, formation)
        first = next((k + 1 for k, r in enumerate(per_round) if r), "none")
        print(f"| {label} | {' '.join(map(str, per_round))} | {sum(per_round)} | round {first} |", flush=True)


def with_partners(members: list[Member], formation: Formation) -> list[Member]:
    circle_of = {i: c.members for c in formation.circles for i in c.members}
    return [
        replace(m, past_partners=m.past_partners | (frozenset(circle_of.get(m.member_id, ())) - {m.member_id}))
        for m in members
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer seeds and people, for a smoke run")
    args = parser.parse_args()
    started = time.perf_counter()
    small_cohorts([24, 40] if args.quick else [24, 32, 40], 2 if args.quick else 5)
    large_cohort(200 if args.quick else 1000, 1 if args.quick else 3)
    rounds(50, 12, (3, 4))
    rounds(50, 12, (4, 6))
    total = time.perf_counter() - started
    print(f"\ntargets: ratio ≥ 0.98 on small cohorts; 1,000 people well under 10 s. Total {total:.0f} s")


if __name__ == "__main__":
    main()
