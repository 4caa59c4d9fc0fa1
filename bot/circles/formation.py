"""Peer circles: everyone of a cohort into circles, component by component, each person left out told why; the
search former, its baselines and the exact solver behind one signature."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from bot.circles.arrange import Arrange, greedy_arrange, random_arrange, search_arrange
from bot.circles.cohort import Cohort, build_cohort, capacity, components, drawn_by_lot, window_bonus
from bot.circles.construction import insert_left
from bot.circles.exact import assignment_arrange, columns_arrange
from bot.circles.hours import common_windows
from bot.circles.model import Circle, CircleWeights, Formation, Member, QuestionRule, Unplaced


def unplaced_reason(cohort: Cohort, i: int, groups: Sequence[Sequence[int]]) -> Unplaced:
    """Why i is in none of `groups` (those of their component): what each group breaks, read off the formation."""
    kinds: set[str] = set()
    for group in groups:
        found = {
            kind
            for kind, rule in (("avoid", cohort.avoid), ("met", cohort.met), ("answers", cohort.mismatch))
            if rule[i, group].any() and not (kind == "met" and cohort.allow_repeats)
        }
        if not found:
            return Unplaced.FULL
        kinds |= found
    if kinds == {"avoid"}:
        return Unplaced.AVOIDED
    if kinds == {"met"}:
        return Unplaced.MET_BEFORE
    if kinds == {"answers"}:
        return Unplaced.ANSWERS
    return Unplaced.RULES if kinds else Unplaced.NO_GROUP


def formed_circle(cohort: Cohort, group: Sequence[int], mentor: bool = False) -> Circle:
    people = [cohort.members[i] for i in group]
    rows = np.asarray(group)
    pairs = float(np.triu(cohort.affinity[np.ix_(rows, rows)], 1).sum())
    common = np.bitwise_and.reduce(cohort.masks[rows], axis=0)
    hours = frozenset.intersection(*(p.hours for p in people))
    repeats = tuple(
        (people[a].member_id, people[b].member_id)
        for a, b in zip(*np.nonzero(np.triu(cohort.met[np.ix_(rows, rows)], 1)), strict=True)
    )
    return Circle(
        members=tuple(p.member_id for p in people),
        score=pairs + len(people) * float(window_bonus(common, cohort.level_weights)),
        common_topics=tuple(sorted(frozenset.intersection(*(p.topics for p in people)))),
        common_windows=common_windows(hours),
        mentor=people[0].member_id if mentor else None,
        repeats=repeats,
    )


def _form(
    members: Sequence[Member],
    min_size: int,
    max_size: int,
    rules: Sequence[QuestionRule],
    weights: CircleWeights,
    allow_repeats: bool,
    seed: int,
    arrange: Arrange,
) -> Formation:
    if not 1 <= min_size <= max_size:
        raise ValueError("group sizes need 1 ≤ min_size ≤ max_size")
    cohort = build_cohort(members, rules, weights, allow_repeats)
    circles: list[Circle] = []
    unplaced: list[tuple[int, Unplaced]] = []
    blocked = False
    for number, component in enumerate(components(cohort)):
        if len(component) < min_size:
            unplaced += [(members[i].member_id, _too_few(cohort, int(i), component)) for i in component]
            continue
        placed, _ = capacity(len(component), min_size, max_size)
        sitting = drawn_by_lot(component, len(component) - placed, seed, 0)
        active = np.array([i for i in component if i not in sitting])
        groups, left = arrange(cohort, active, min_size, max_size, seed + number)
        still = insert_left(cohort, groups, sitting + left, [max_size] * len(groups), max_size)
        circles += [formed_circle(cohort, g) for g in groups]
        reasons = [(i, Unplaced.SIZES if i in sitting else unplaced_reason(cohort, i, groups)) for i in still]
        unplaced += [(members[i].member_id, reason) for i, reason in reasons]
        blocked = blocked or any(met_in_the_way(cohort, i, reason, component) for i, reason in reasons)
    return Formation(tuple(circles), tuple(unplaced), allow_repeats, repeats_needed=blocked)


def met_in_the_way(cohort: Cohort, i: int, reason: Unplaced, component: np.ndarray) -> bool:
    """Past partners are among the rules keeping i out (for NO_GROUP: among those binding their component)."""
    if cohort.allow_repeats:
        return False
    if reason is Unplaced.NO_GROUP:
        return bool(cohort.met[np.ix_(component, component)].any())
    return reason in (Unplaced.MET_BEFORE, Unplaced.RULES)


def _too_few(cohort: Cohort, i: int, component: np.ndarray) -> Unplaced:
    if cohort.unanswered[i]:
        return Unplaced.UNANSWERED
    return Unplaced.TOO_FEW if len(component) == len(cohort.members) else Unplaced.TOO_FEW_ALIKE


def form_circles(
    members: Sequence[Member],
    min_size: int = 3,
    max_size: int = 6,
    rules: Sequence[QuestionRule] = (),
    weights: CircleWeights = CircleWeights(),
    *,
    allow_repeats: bool = False,
    seed: int = 0,
    effort: float = 1.0,
) -> Formation:
    """Everyone into peer circles of min_size..max_size, in the fewest circles that hold them (sizes otherwise
    free within the bounds), maximising the objective (`group_score`) without breaking a hard rule; whoever is
    left out is told why. `allow_repeats` lets past partners meet again when no formation without them is found
    (each one listed in `Formation.repeats`)."""
    arrange = search_arrange(effort)
    return _form(members, min_size, max_size, rules, weights, allow_repeats, seed, arrange)


def greedy_circles(
    members: Sequence[Member],
    min_size: int = 3,
    max_size: int = 6,
    rules: Sequence[QuestionRule] = (),
    weights: CircleWeights = CircleWeights(),
    *,
    allow_repeats: bool = False,
    seed: int = 0,
) -> Formation:
    """Baseline: each circle filled in turn with whoever adds most to it."""
    return _form(members, min_size, max_size, rules, weights, allow_repeats, seed, greedy_arrange)


def random_circles(
    members: Sequence[Member],
    min_size: int = 3,
    max_size: int = 6,
    rules: Sequence[QuestionRule] = (),
    weights: CircleWeights = CircleWeights(),
    *,
    allow_repeats: bool = False,
    seed: int = 0,
) -> Formation:
    """Baseline: a shuffle into circles (as Donut does), keeping only the hard rules."""
    return _form(members, min_size, max_size, rules, weights, allow_repeats, seed, random_arrange)


def exact_circles(
    members: Sequence[Member],
    min_size: int = 3,
    max_size: int = 6,
    rules: Sequence[QuestionRule] = (),
    weights: CircleWeights = CircleWeights(),
    *,
    allow_repeats: bool = False,
    seed: int = 0,
    time_limit: float = 60.0,
    method: Literal["columns", "assignment"] = "columns",
) -> Formation:
    """The same problem as `form_circles` (the same people sitting out by lot) solved exactly, for small cohorts.

    `columns` (about 40 people per component in groups of up to 6): set partitioning over every allowed group,
    proven in seconds. `assignment`: group-assignment binaries x[i, g] and pair-together variables y[i, j, g];
    an independent check, but its LP bound is weak, so it proves only about a dozen people in reasonable time.
    `Formation.bound` is the solver's proof: equal to the objective when every component was proven optimal
    within `time_limit` seconds."""
    proofs: list[tuple[float, bool]] = []
    arrange = (columns_arrange if method == "columns" else assignment_arrange)(time_limit, proofs)
    formation = _form(members, min_size, max_size, rules, weights, allow_repeats, seed, arrange)
    proven = all(p for _, p in proofs)
    bound = formation.objective if proven else sum(b for b, _ in proofs)
    return Formation(formation.circles, formation.unplaced, allow_repeats, formation.repeats_needed, bound=bound)
