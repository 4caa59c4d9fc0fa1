"""Arranging the people of one component into groups: the search the formers use, and the greedy and random
baselines the benchmark compares with."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bot.circles.cohort import Cohort, capacity, window_bonus
from bot.circles.construction import balanced, constraint_order, construct, most_conflicted, most_constrained, rebalance
from bot.circles.tabu import TabuSearch

# (the cohort, the people to arrange (global rows), sizes, seed) → (groups, people it could not place)
Arrange = Callable[[Cohort, np.ndarray, int, int, int], tuple[list[list[int]], list[int]]]


def search_arrange(effort: float) -> Arrange:
    def arrange(
        cohort: Cohort, people: np.ndarray, min_size: int, max_size: int, seed: int
    ) -> tuple[list[list[int]], list[int]]:
        """Greedy construction, then tabu search; while a hard rule is still broken, the person breaking the most
        is left out and the rest are searched again from where they were. Those left out (and any the sizes then
        cannot hold) may trade back in, so who stays out is chosen by the objective too."""
        rng = np.random.default_rng(seed)
        weight_all, hard = cohort.weight(max_size), cohort.hard
        placed_people, out = [int(i) for i in people], list[int]()
        groups: list[list[int]] | None = None
        while True:
            placed, count = capacity(len(placed_people), min_size, max_size)
            if count == 0:
                return [], out + placed_people
            if placed < len(placed_people):
                extra = most_constrained(placed_people, len(placed_people) - placed, hard)
                placed_people = [i for i in placed_people if i not in extra]
                out += extra
                groups = [[i for i in g if i not in extra] for g in groups] if groups else None
            rows = np.array(placed_people + out)
            local = {person: row for row, person in enumerate(rows.tolist())}
            weight = weight_all[np.ix_(rows, rows)]
            if groups is None:
                inside = rows[: len(placed_people)]
                order = constraint_order(hard[np.ix_(inside, inside)], cohort.starts[inside, 0].sum(axis=1), rng)
                empty: list[list[int]] = [[] for _ in range(count)]
                start = construct(
                    weight, cohort.masks[rows], cohort.level_weights, empty, order, balanced(placed, count)
                )
            else:
                start = rebalance([[local[i] for i in g] for g in groups], count, weight, min_size, max_size)
            search = TabuSearch(
                weight, cohort.masks[rows], cohort.level_weights, start,
                (np.full(count, min_size), np.full(count, max_size)), rng, outside=[local[i] for i in out],
            )  # fmt: skip
            search.search(effort)
            groups = [[int(rows[i]) for i in g] for g in search.groups()]
            out = [int(rows[i]) for i in search.outside]
            worst = most_conflicted(groups, hard, np.ones(len(hard), dtype=bool))
            if worst is None:
                return groups, out
            groups = [[i for i in g if i != worst] for g in groups]
            placed_people = [i for g in groups for i in g]
            out.append(worst)

    return arrange


def greedy_arrange(
    cohort: Cohort, people: np.ndarray, min_size: int, max_size: int, seed: int
) -> tuple[list[list[int]], list[int]]:
    """Baseline: fill one group at a time from a random first member, always adding whoever gains the group
    most without breaking a hard rule; a group left below the smallest size is given up."""
    rng = np.random.default_rng(seed)
    rows = np.asarray(people)
    weight, hard = cohort.weight(max_size)[np.ix_(rows, rows)], cohort.hard[np.ix_(rows, rows)]
    masks = cohort.masks[rows]
    placed, count = capacity(len(rows), min_size, max_size)
    free = np.ones(len(rows), dtype=bool)
    groups: list[list[int]] = []
    for target in balanced(placed, count):
        group = [int(rng.choice(np.flatnonzero(free)))]
        free[group[0]] = False
        sums, blocked, common = weight[group[0]].copy(), hard[group[0]].copy(), masks[group[0]].copy()
        while len(group) < target:
            size = len(group)
            value = float(window_bonus(common, cohort.level_weights))
            gain = sums + (size + 1) * window_bonus(common & masks, cohort.level_weights) - size * value
            gain[~free | blocked] = -np.inf
            i = int(np.argmax(gain))
            if gain[i] == -np.inf:
                break
            group.append(i)
            free[i] = False
            sums += weight[i]
            blocked |= hard[i]
            common &= masks[i]
        if len(group) < min_size:
            free[group] = True
        else:
            groups.append(group)
    return [[int(rows[i]) for i in g] for g in groups], [int(i) for i in rows[free]]


def random_arrange(
    cohort: Cohort, people: np.ndarray, min_size: int, max_size: int, seed: int
) -> tuple[list[list[int]], list[int]]:
    """Baseline (Donut-style): shuffle, then each person joins the first group with room that breaks no hard rule."""
    rng = np.random.default_rng(seed)
    hard = cohort.hard
    placed, count = capacity(len(people), min_size, max_size)
    room = np.array(balanced(placed, count))
    conflicts = np.zeros((count, len(hard)), dtype=np.int64)  # conflicts[g, i]: rules i would break in group g
    groups: list[list[int]] = [[] for _ in range(count)]
    left: list[int] = []
    for i in rng.permutation(people):
        open_groups = np.flatnonzero((room > 0) & (conflicts[:, i] == 0))
        if not len(open_groups):
            left.append(int(i))
            continue
        g = int(open_groups[0])
        groups[g].append(int(i))
        room[g] -= 1
        conflicts[g] += hard[i]
    kept = [g for g in groups if len(g) >= min_size]
    return kept, left + [i for g in groups if len(g) < min_size for i in g]
