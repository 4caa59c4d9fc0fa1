"""Starting groups and repairing them: greedy construction, reshaping into a number of groups, and placing
whoever fits a group with room; who is most constrained and who breaks the most hard rules."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.circles.cohort import Cohort, window_bonus


def constraint_order(hard: np.ndarray, hours: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Most constrained first: the most people they may not join, then the fewest weekly hours; ties by lot."""
    order: np.ndarray = np.lexsort((rng.random(len(hard)), hours, -hard.sum(axis=1)))
    return order


def construct(
    weight: np.ndarray,
    masks: np.ndarray,
    level_weights: np.ndarray,
    groups: list[list[int]],
    order: np.ndarray,
    targets: Sequence[int],
) -> list[list[int]]:
    """Fill one group at a time up to its target size: an empty group starts with the most constrained person
    left (in `order`), then takes whoever adds most to it, until everyone in `order` is placed."""
    free = np.zeros(len(weight), dtype=bool)
    free[order] = True
    for group, target in zip(groups, targets, strict=True):
        if not group:
            group.append(int(order[free[order]][0]))
            free[group[0]] = False
        sums = weight[group].sum(axis=0)
        common = np.bitwise_and.reduce(masks[group], axis=0)
        while len(group) < target:
            size = len(group)
            gain = (
                sums
                + (size + 1) * window_bonus(common & masks, level_weights)
                - size * window_bonus(common, level_weights)
            )
            gain[~free] = -np.inf
            i = int(np.argmax(gain))
            group.append(i)
            free[i] = False
            sums += weight[i]
            common &= masks[i]
    return groups


def balanced(people: int, groups: int) -> list[int]:
    return [people // groups + (1 if g < people % groups else 0) for g in range(groups)]


def most_conflicted(groups: Sequence[Sequence[int]], hard: np.ndarray, movable: np.ndarray) -> int | None:
    """The person breaking the most hard rules in their group (ties: the most rules overall), or None."""
    worst, key = None, (0, 0)
    for group in groups:
        for i in group:
            breaks = int(hard[i, group].sum())
            if movable[i] and breaks and (breaks, int(hard[i].sum())) > key:
                worst, key = i, (breaks, int(hard[i].sum()))
    return worst


def most_constrained(people: Sequence[int], count: int, hard: np.ndarray) -> list[int]:
    """The `count` of `people` with the most hard rules against the others (ties: the lowest rows)."""
    rows = np.asarray(people)
    conflicts = hard[np.ix_(rows, rows)].sum(axis=1)
    return [int(rows[k]) for k in np.argsort(-conflicts, kind="stable")[:count]]


def rebalance(groups: list[list[int]], count: int, weight: np.ndarray, min_size: int, max_size: int) -> list[list[int]]:
    """`groups` reshaped into `count` groups within the size bounds: the smallest groups dissolved into those with
    room, then members moved into groups below the smallest size; each person where they lose least."""
    groups = sorted((g for g in groups if g), key=len, reverse=True)
    pending = [i for group in groups[count:] for i in group]
    groups = groups[:count] + [[] for _ in range(count - len(groups))]
    for i in pending:
        open_groups = [g for g in groups if len(g) < max_size]
        max(open_groups, key=lambda g: weight[i, g].sum()).append(i)
    for group in groups:
        while len(group) < min_size:
            donor = max((g for g in groups if len(g) > min_size), key=len)
            i = max(donor, key=lambda j: weight[j, group].sum() - weight[j, donor].sum())
            donor.remove(i)
            group.append(i)
    return groups


def _group_value(cohort: Cohort, group: Sequence[int], weight: np.ndarray) -> float:
    """A group's value under `weight`: its pairs and every member's hour bonus."""
    rows = np.asarray(group)
    pairs = weight[np.ix_(rows, rows)].sum() / 2
    common = np.bitwise_and.reduce(cohort.masks[rows], axis=0)
    return float(pairs + len(rows) * window_bonus(common, cohort.level_weights))


def insert_left(
    cohort: Cohort, groups: list[list[int]], left: Sequence[int], limits: Sequence[int], max_size: int
) -> list[int]:
    """Place whoever fits a group with room (`limits`: each group's largest size) without breaking a hard rule,
    where they add most; the rest."""
    weight, hard = cohort.weight(max_size), cohort.hard
    still: list[int] = []
    for i in left:
        fits = [g for g, limit in zip(groups, limits, strict=True) if len(g) < limit and not hard[i, g].any()]
        if fits:
            max(fits, key=lambda g: _group_value(cohort, [*g, i], weight) - _group_value(cohort, g, weight)).append(i)
        else:
            still.append(i)
    return still
