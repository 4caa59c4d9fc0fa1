"""A round is the true optimum on every cohort, proven by its duals, and tells each unmatched mentee the truth.

The yardstick is independent of the round's solver: scipy's dense `linear_sum_assignment` over every mentee ×
free slot (plus a private "unmatched" column per mentee), with the reference `score()` and `allowed()`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from bot import round_plan
from bot.matching import DEFAULT_WEIGHTS, Candidate, History, allowed, score, topic_set
from bot.mentor_pool import MentorPool
from bot.round_plan import Round, Unmatched, plan_round
from bot.views.rounds import YOUR_REASON, unmatched_message

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata"]
TOPICS = ["python", "ml", "public speaking", "leadership", "design", "sql"]
FAMILIES = ["mixed", "popular topic", "identical mentees", "tight capacity", "one time zone"]
FORBIDDEN = -1e9


def may_match(mentee: Candidate, mentors: Sequence[Candidate], history: History) -> list[bool]:
    """The hard rules by the reference `allowed()`: past partners only when no new mentor is allowed."""
    rules = [allowed(mentee, mentor, history) for mentor in mentors]
    fresh = [ok and mentor.person_id not in history.past for ok, mentor in zip(rules, mentors, strict=True)]
    return fresh if any(fresh) else rules


@dataclass(frozen=True)
class Cohort:
    family: str
    mentees: list[Candidate]
    mentors: list[Candidate]
    histories: dict[int, History]
    weights: Mapping[str, float]


def exact_total(cohort: Cohort) -> float:
    mentees, mentors, histories = cohort.mentees, cohort.mentors, cohort.histories
    slot_owner = [j for j, mentor in enumerate(mentors) for _ in range(max(0, mentor.free_slots))]
    profit = np.full((len(mentees), len(slot_owner) + len(mentees)), FORBIDDEN)
    for row, mentee in enumerate(mentees):
        rules = may_match(mentee, mentors, histories.get(mentee.person_id, History()))
        for col, j in enumerate(slot_owner):
            if rules[j]:
                profit[row, col] = score(mentee, mentors[j], cohort.weights).score
        profit[row, len(slot_owner) + row] = 0.0
    rows, cols = linear_sum_assignment(profit, maximize=True)
    return float(profit[rows, cols].sum())


def person(draw: st.DrawFn, person_id: int, mentor: bool, zone: str | None) -> Candidate:
    start = draw(st.integers(0, 20)) * 60
    return Candidate(
        person_id=person_id,
        user_id=f"U{person_id}",
        name=f"P{person_id}",
        seniority=draw(st.integers(1, 6)),
        timezone=zone or draw(st.sampled_from(ZONES)),
        work_start_minute=540 if zone else start,
        work_end_minute=1020 if zone else start + draw(st.integers(1, 10)) * 60,
        expertise=topic_set(draw(st.lists(st.sampled_from(TOPICS), max_size=3))) if mentor else frozenset(),
        goals=frozenset() if mentor else topic_set(draw(st.lists(st.sampled_from(TOPICS), min_size=1, max_size=3))),
        free_slots=draw(st.integers(0, 3)) if mentor else 0,
        capacity=3 if mentor else 0,
        languages=frozenset(draw(st.lists(st.sampled_from(["en", "de"]), max_size=2))),
        department=draw(st.sampled_from(["", "sales", "eng"])),
        active=draw(st.booleans()) or draw(st.booleans()) or draw(st.booleans()),
    )


@st.composite
def cohorts(draw: st.DrawFn) -> Cohort:
    """A small cohort of one family, with do-not-match lists, paused people, partner histories and weights
    (topics alone make 0% fits common)."""
    family = draw(st.sampled_from(FAMILIES))
    zone = "UTC" if family == "one time zone" else None
    mentors = [person(draw, 200 + j, True, zone) for j in range(draw(st.integers(1, 8)))]
    mentees = [person(draw, 100 + i, False, zone) for i in range(draw(st.integers(1, 12)))]
    if family == "popular topic":
        python = topic_set(["python"])
        mentees = [replace(m, goals=python) if draw(st.integers(0, 4)) else m for m in mentees]
        mentors = [
            replace(m, expertise=m.expertise | python if j == 0 else m.expertise - python)
            for j, m in enumerate(mentors)
        ]
    if family == "identical mentees":
        mentees = [replace(mentees[0], person_id=100 + i, user_id=f"U{100 + i}") for i in range(len(mentees))]
    if family == "tight capacity":
        mentors = [replace(m, free_slots=1, active=True) for m in mentors]
        mentees = mentees[: len(mentors) + 1]
    ids = [m.person_id for m in mentors]
    histories = {
        m.person_id: History(
            current=frozenset(draw(st.lists(st.sampled_from(ids), max_size=1))),
            past=frozenset(draw(st.lists(st.sampled_from(ids), max_size=2))),
            declined=frozenset(draw(st.lists(st.sampled_from(ids), max_size=1))),
        )
        for m in mentees
        if draw(st.booleans())
    }
    blocked = draw(st.lists(st.tuples(st.sampled_from(mentees), st.sampled_from(mentors)), max_size=3))
    for mentee, mentor in blocked:
        mentees = [replace(m, do_not_match=m.do_not_match | {mentor.user_id}) if m == mentee else m for m in mentees]
    weights = draw(st.sampled_from([DEFAULT_WEIGHTS, {"topics": 1.0}, {"hours": 0.5, "language": 0.2}]))
    return Cohort(family, mentees, mentors, histories, weights)


def true_reason(mentee: Candidate, mentors: Sequence[Candidate], history: History, room: Counter[int]) -> Unmatched:
    if not any(m.active and m.free_slots > 0 for m in mentors):
        return Unmatched.NO_FREE_SLOTS if mentee.active else Unmatched.PAUSED
    rules = may_match(mentee, mentors, history)
    if not any(rules):
        return Unmatched.NOT_ALLOWED if mentee.active else Unmatched.PAUSED
    if any(ok and room[m.person_id] > 0 for ok, m in zip(rules, mentors, strict=True)):
        return Unmatched.NO_FIT
    if any(allowed(mentee, m, history) and room[m.person_id] > 0 for m in mentors):
        return Unmatched.ONLY_PAST_PARTNERS_FREE
    return Unmatched.FILLED


def within_the_rules(planned: Round, mentors: Sequence[Candidate], histories: Mapping[int, History]) -> Counter[int]:
    """No mentor over their free slots, every pair allowed by the reference rules, and repeats marked; returns each
    mentor's slots left."""
    load = Counter(a.match.mentor.person_id for a in planned.assignments)
    room = Counter({m.person_id: m.free_slots - load[m.person_id] for m in mentors})
    assert all(room[m.person_id] >= 0 for m in mentors if m.person_id in load)
    by_id = {m.person_id: j for j, m in enumerate(mentors)}
    for assignment in planned.assignments:
        history = histories.get(assignment.mentee.person_id, History())
        assert may_match(assignment.mentee, mentors, history)[by_id[assignment.match.mentor.person_id]]
        assert assignment.match.repeat == (assignment.match.mentor.person_id in history.past)
    return room


def check_round(planned: Round, cohort: Cohort) -> None:
    """Optimal (against the independent solver, and by its own dual bound), within every rule, and truthful."""
    mentees, mentors, histories = cohort.mentees, cohort.mentors, cohort.histories
    assert abs(planned.total_score - exact_total(cohort)) < 1e-6
    assert abs(planned.bound - planned.total_score) < 1e-6
    room = within_the_rules(planned, mentors, histories)
    everyone = [*(a.mentee for a in planned.assignments), *(m for m, _ in planned.unmatched)]
    assert sorted(m.person_id for m in everyone) == sorted(m.person_id for m in mentees)
    for mentee, reason in planned.unmatched:
        history = histories.get(mentee.person_id, History())
        assert reason == true_reason(mentee, mentors, history, room), (mentee.person_id, reason)
        if reason is Unmatched.NO_FIT:
            rules = may_match(mentee, mentors, history)
            free = [m for ok, m in zip(rules, mentors, strict=True) if ok and room[m.person_id] > 0]
            assert all(score(mentee, m, cohort.weights).score == 0 for m in free)


@settings(max_examples=250, deadline=None)
@given(cohort=cohorts())
def test_round_is_the_exact_optimum_and_says_why_on_every_cohort_family(cohort: Cohort) -> None:
    planned = plan_round(cohort.mentees, cohort.mentors, cohort.histories, cohort.weights)
    check_round(planned, cohort)
    assert plan_round(cohort.mentees, cohort.mentors, cohort.histories, cohort.weights) == planned, "deterministic"


@settings(max_examples=150, deadline=None)
@given(cohort=cohorts())
def test_pricing_reaches_the_optimum_from_the_poorest_first_guess(cohort: Cohort) -> None:
    """One arc per mentee and per slot to start, one added per mentee at each pricing: the duals still lead
    the round to the optimum, so its exactness never rests on the first guess being good."""
    with patch.multiple(round_plan, _FIRST_PER_MENTEE=1, _PER_SLOT=1, _ADDED_PER_MENTEE=1, _NEAR_TIGHT=0):
        check_round(plan_round(cohort.mentees, cohort.mentors, cohort.histories, cohort.weights), cohort)


def medium_cohort(family: str, seed: int) -> tuple[list[Candidate], list[Candidate]]:
    """The issue's collapsing cohorts at a size the dense yardstick still solves in a moment."""
    rng = np.random.default_rng(seed)
    mentors = [
        Candidate(
            1000 + j,
            f"UM{j}",
            f"Mentor {j}",
            int(rng.integers(3, 7)),
            "UTC" if family == "one time zone" else str(rng.choice(ZONES)),
            540,
            1020,
            expertise=topic_set(rng.choice(TOPICS[1:], 2, replace=False).tolist() + (["python"] if j < 12 else [])),
            free_slots=1 if family == "tight capacity" else int(rng.integers(1, 5)),
            capacity=4,
            department=str(rng.choice(["", "sales", "eng"])),
        )
        for j in range(60)
    ]
    mentees = [
        Candidate(
            i,
            f"UE{i}",
            f"Mentee {i}",
            1 if family == "identical mentees" else int(rng.integers(1, 4)),
            "UTC" if family in ("one time zone", "identical mentees") else str(rng.choice(ZONES)),
            540,
            1020,
            goals=topic_set(
                ["python"]
                if family != "mixed" and (i % 5 or family == "identical mentees")
                else rng.choice(TOPICS, 2).tolist()
            ),
        )
        for i in range(60 if family == "tight capacity" else 200)
    ]
    return mentees, mentors


def test_cohorts_that_share_the_same_top_mentors_still_get_the_optimum() -> None:
    for seed, family in enumerate(FAMILIES):
        mentees, mentors = medium_cohort(family, seed)
        pool = MentorPool(mentors)
        slot_owner = np.repeat(np.arange(len(mentors)), [m.free_slots for m in mentors])
        profit = np.zeros((len(mentees), len(slot_owner) + len(mentees)))
        profit[:, : len(slot_owner)] = pool.scores_block(mentees)[:, slot_owner]
        rows, cols = linear_sum_assignment(profit, maximize=True)
        planned = plan_round(mentees, mentors, {})
        assert abs(planned.total_score - profit[rows, cols].sum()) < 1e-6, family
        assert abs(planned.bound - planned.total_score) < 1e-6, family
        free = sum(m.free_slots for m in mentors) - len(planned.assignments)
        assert free == 0 or not planned.unmatched, f"{family}: people left unmatched while slots stay free"
        assert {reason for _, reason in planned.unmatched} <= {Unmatched.FILLED}, family


def test_an_unmatched_mentee_reads_the_reason_addressed_to_them() -> None:
    for reason in Unmatched:
        assert YOUR_REASON[reason] in unmatched_message(reason).text
        assert "them" not in YOUR_REASON[reason], "the mentee reads about themselves as “you”"
    assert "taken by a closer match" not in " ".join(YOUR_REASON.values())


def test_a_mentee_held_back_from_a_past_partner_is_told_so() -> None:
    ana = Candidate(1, "U1", "Ana", 1, "UTC", 540, 1020, goals=topic_set(["python"]), do_not_match=frozenset({"UOLD"}))
    eve = replace(ana, person_id=2, user_id="U2", name="Eve", seniority=3, do_not_match=frozenset())
    new = Candidate(10, "UNEW", "New", 3, "UTC", 540, 1020, expertise=topic_set(["python"]), free_slots=1, capacity=1)
    old = replace(new, person_id=11, user_id="UOLD")
    planned = plan_round([ana, eve], [new, old], {2: History(past=frozenset({11}))})
    assert [(a.mentee.user_id, a.match.mentor.user_id) for a in planned.assignments] == [("U1", "UNEW")]
    assert planned.unmatched == [(eve, Unmatched.ONLY_PAST_PARTNERS_FREE)]


def test_a_mentee_left_with_only_zero_fits_is_told_so() -> None:
    ana = Candidate(1, "UANA", "Ana", 1, "UTC", 540, 1020, goals=topic_set(["python"]))
    sql = Candidate(10, "USQL", "Sql", 3, "UTC", 540, 1020, expertise=topic_set(["sql"]), free_slots=1, capacity=1)
    planned = plan_round([ana], [sql], {}, {"topics": 1.0})
    assert planned.assignments == [] and planned.unmatched == [(ana, Unmatched.NO_FIT)]
