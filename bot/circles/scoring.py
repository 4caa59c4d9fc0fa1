"""The objective (pure): what two people gain from one group, each member's bonus for a common hour, and one
group's score, the reference the formers' matrices agree with."""

from __future__ import annotations

from collections.abc import Sequence

from bot.circles.hours import longest_run
from bot.circles.model import Answer, CircleWeights, Member, QuestionRule


def answer_set(answer: Answer | None) -> frozenset[str]:
    if answer is None:
        return frozenset()
    return frozenset({answer}) if isinstance(answer, str) else answer


def answer_points(rule: QuestionRule, mine: Answer | None, theirs: Answer | None) -> float:
    """The share of the rule's weight two answers earn; unanswered earns nothing (`must_match` earns nothing
    either: it is a hard rule, see `answers_block`)."""
    a, b = answer_set(mine), answer_set(theirs)
    if not a or not b or rule.rule == "must_match":
        return 0.0
    if rule.rule == "same":
        return 1.0 if a == b else 0.0
    if rule.rule == "different":
        return 1.0 if a.isdisjoint(b) else 0.0
    return len(a & b) / len(a | b)


def answers_block(rules: Sequence[QuestionRule], a: Member, b: Member) -> bool:
    """A must-match question they share no answer to (or one of them has not answered)."""
    return any(
        answer_set(a.answers.get(r.question)).isdisjoint(answer_set(b.answers.get(r.question)))
        for r in rules
        if r.rule == "must_match"
    )


def pair_affinity(
    a: Member, b: Member, rules: Sequence[QuestionRule] = (), weights: CircleWeights = CircleWeights()
) -> float:
    """How much two people gain from one group: shared topics, two departments, the program's questions."""
    departments = a.department.strip().lower(), b.department.strip().lower()
    mixed = all(departments) and departments[0] != departments[1]
    return (
        weights.shared_topic * len(a.topics & b.topics)
        + (weights.department_mix if mixed else 0.0)
        + sum(r.weight * answer_points(r, a.answers.get(r.question), b.answers.get(r.question)) for r in rules)
    )


def hour_bonus(hours: frozenset[int], weights: CircleWeights) -> float:
    """Each member's bonus for a group whose common hours are `hours`."""
    run = min(longest_run(hours), weights.window_cap)
    return 0.0 if run == 0 else weights.common_hour + weights.longer_window * (run - 1)


def group_score(
    group: Sequence[Member],
    rules: Sequence[QuestionRule] = (),
    weights: CircleWeights = CircleWeights(),
    mentor: Member | None = None,
) -> float:
    """One group's share of the objective: its pairs' affinity (a mentor's pairs weighted by `mentor_fit`) and
    every member's bonus when one weekly hour suits them all. The reference the formers' matrices agree with."""
    people = ([mentor] if mentor else []) + [m for m in group if m is not mentor]
    total = 0.0
    for k, a in enumerate(people):
        for b in people[k + 1 :]:
            scale = weights.mentor_fit if mentor is not None and a is mentor else 1.0
            total += scale * pair_affinity(a, b, rules, weights)
    common = frozenset.intersection(*(p.hours for p in people)) if people else frozenset()
    return total + len(people) * hour_bonus(common, weights)
