"""Mentoring groups: mentees into groups each led by one mentor within their capacity, searched like circles;
mentors who lead no group are spare."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.circles.cohort import Cohort, build_cohort, components, drawn_by_lot
from bot.circles.construction import constraint_order, construct, insert_left, most_conflicted, most_constrained
from bot.circles.formation import formed_circle, met_in_the_way, unplaced_reason
from bot.circles.model import Circle, CircleWeights, Formation, Member, Mentor, QuestionRule, Unplaced
from bot.circles.tabu import TabuSearch


def form_groups(
    mentors: Sequence[Mentor],
    mentees: Sequence[Member],
    min_mentees: int = 2,
    max_mentees: int = 7,
    rules: Sequence[QuestionRule] = (),
    weights: CircleWeights = CircleWeights(),
    *,
    allow_repeats: bool = False,
    seed: int = 0,
    effort: float = 1.0,
) -> Formation:
    """Mentees into mentoring groups, each led by one mentor with min_mentees..min(max_mentees, capacity)
    mentees, in the fewest groups that hold them; mentee–mentor fit counts `mentor_fit` times a mentee pair.
    Mentors who lead no group are `spare_mentors`."""
    if not 1 <= min_mentees <= max_mentees:
        raise ValueError("group sizes need 1 ≤ min_mentees ≤ max_mentees")
    people = [m.member for m in mentors] + list(mentees)
    cohort = build_cohort(people, rules, weights, allow_repeats, mentors=range(len(mentors)))
    # A group's largest size, mentor included, if this person led it.
    limit = np.array([min(m.capacity, max_mentees) + 1 for m in mentors] + [0] * len(mentees))
    circles: list[Circle] = []
    unplaced: list[tuple[int, Unplaced]] = []
    spare: list[int] = []
    blocked = False
    for number, component in enumerate(components(cohort)):
        leads = [int(i) for i in component if i < len(mentors) and limit[i] > min_mentees]
        seekers = [int(i) for i in component if i >= len(mentors)]
        groups, left, lot, idle = _mentoring(cohort, leads, seekers, limit, min_mentees, seed + number, effort)
        spare += [people[i].member_id for i in component if i < len(mentors) and (i not in leads or i in idle)]
        circles += [formed_circle(cohort, g, mentor=True) for g in groups]
        reasons = [
            (i, unplaced_reason(cohort, i, groups) if groups else _no_group(cohort, i, seekers, min_mentees))
            for i in left
        ]
        reasons += [(i, Unplaced.SIZES) for i in lot]
        unplaced += [(people[i].member_id, reason) for i, reason in reasons]
        blocked = blocked or any(met_in_the_way(cohort, i, reason, component) for i, reason in reasons)
    return Formation(tuple(circles), tuple(unplaced), allow_repeats, blocked, spare_mentors=tuple(spare))


def _no_group(cohort: Cohort, i: int, seekers: Sequence[int], min_mentees: int) -> Unplaced:
    """Why a mentee's component formed no group at all."""
    if cohort.unanswered[i]:
        return Unplaced.UNANSWERED
    if len(seekers) < min_mentees:
        return Unplaced.TOO_FEW if len(seekers) == int((~cohort.leads).sum()) else Unplaced.TOO_FEW_ALIKE
    return Unplaced.NO_MENTOR


def _mentoring(
    cohort: Cohort,
    leads: list[int],
    seekers: list[int],
    limit: np.ndarray,
    min_mentees: int,
    seed: int,
    effort: float,
) -> tuple[list[list[int]], list[int], list[int], list[int]]:
    """(groups, each mentor first; mentees left out for the rules; mentees who sit out by lot; mentors left idle)
    for one component, searched like circles: while a hard rule is still broken, the mentee breaking the most is
    left out and the rest are searched again (those left out may trade back in)."""
    rng = np.random.default_rng(seed)
    max_size = int(limit.max(initial=1))
    weight_all, hard = cohort.weight(max_size), cohort.hard
    by_room = sorted(leads, key=lambda m: (-limit[m], m))
    placed_people, out, lot = list(seekers), list[int](), list[int]()
    while True:
        placed, count = _mentee_capacity(len(placed_people), [int(limit[m]) - 1 for m in by_room], min_mentees)
        if count == 0:
            return [], out + placed_people, lot, leads
        if placed < len(placed_people):
            # The mentors' room sits out a few by lot; later, after someone is left out for the rules, those the
            # room then cannot hold are left out too, and may trade back in.
            if out:
                extra = most_constrained(placed_people, len(placed_people) - placed, hard)
                out += extra
            else:
                extra = drawn_by_lot(np.array(placed_people), len(placed_people) - placed, seed, 1)
                lot += extra
            placed_people = [i for i in placed_people if i not in extra]
        mentors = (by_room[:count], by_room[count:])
        search, rows = _mentoring_search(
            cohort, weight_all, mentors, (placed_people, out), limit, (placed, min_mentees), rng
        )
        search.search(effort)
        groups = [[int(rows[i]) for i in g] for g in search.groups()]
        out = [int(rows[i]) for i in search.outside]
        worst = most_conflicted(groups, hard, ~cohort.leads)
        if worst is None:
            limits = [int(limit[g[0]]) for g in groups]
            still = insert_left(cohort, groups, out + lot, limits, max_size)
            idle = [int(rows[i]) for i in search.spare]
            return groups, [i for i in still if i in out], [i for i in still if i in lot], idle
        placed_people = [i for g in groups for i in g[1:] if i != worst]
        out.append(worst)


def _mentoring_search(
    cohort: Cohort,
    weight_all: np.ndarray,
    mentors: tuple[list[int], list[int]],
    mentees: tuple[list[int], list[int]],
    limit: np.ndarray,
    sizes: tuple[int, int],
    rng: np.random.Generator,
) -> tuple[TabuSearch, np.ndarray]:
    """A search over the chosen mentors' groups (seeded by the most constrained mentees), able to hand a group to
    an idle mentor and to trade those left out back in; and the cohort row of each of its people."""
    (chosen, idle), (placed_people, out) = mentors, mentees
    placed, min_mentees = sizes
    rows = np.array(chosen + idle + placed_people + out)
    weight, masks = weight_all[np.ix_(rows, rows)], cohort.masks[rows]
    first = len(chosen) + len(idle)
    inside = np.array(placed_people, dtype=np.int64)
    order = first + constraint_order(cohort.hard[np.ix_(inside, inside)], cohort.starts[inside, 0].sum(axis=1), rng)
    targets = _mentee_targets(placed, [int(limit[m]) - 1 for m in chosen], min_mentees)
    start = construct(
        weight, masks, cohort.level_weights, [[g] for g in range(len(chosen))], order, [t + 1 for t in targets]
    )
    lead_limit = limit[rows]
    bounds = (np.full(len(chosen), min_mentees + 1), lead_limit[: len(chosen)])
    leads = (lead_limit, list(range(len(chosen), first)))
    outside = list(range(first + len(placed_people), len(rows)))
    return TabuSearch(weight, masks, cohort.level_weights, start, bounds, rng, leads, outside), rows


def _mentee_capacity(mentees: int, rooms: Sequence[int], min_mentees: int) -> tuple[int, int]:
    """(placed, groups): the most mentees the mentors with most room (`rooms`, largest first) can take, in the
    fewest groups."""
    for placed in range(mentees, min_mentees - 1, -1):
        for count in range(1, len(rooms) + 1):
            if count * min_mentees <= placed <= sum(rooms[:count]):
                return placed, count
    return 0, 0


def _mentee_targets(placed: int, rooms: Sequence[int], min_mentees: int) -> list[int]:
    """Group sizes as even as the mentors' room allows, summing to `placed`."""
    targets = [min_mentees] * len(rooms)
    for _ in range(placed - min_mentees * len(rooms)):
        open_groups = [g for g in range(len(rooms)) if targets[g] < rooms[g]]
        targets[min(open_groups, key=lambda g: (targets[g], g))] += 1
    return targets
