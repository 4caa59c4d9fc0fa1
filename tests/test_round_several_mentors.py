"""A round where mentees want several mentors (a number, or one of each kind) is the true optimum on every cohort,
proven by its duals, gives nobody the same mentor twice, and tells each mentee left short the truth.

The yardstick is independent of the round's solver: scipy's `milp` with every arc binary over every allowed pair
(the reference `score()` and `allowed()`, the kinds read off the answers here), or a hand-built case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from bot import round_plan
from bot.matching import DEFAULT_WEIGHTS, Candidate, History, allowed, score, topic_set
from bot.round_plan import Round, Unmatched, Wanted, plan_round
from tests.test_round_exactness import FAMILIES, Cohort, cohorts, may_match, medium_cohort, within_the_rules

KIND = "kind"
# "expert" is wanted now and then though no mentor is one; a mentor answering both peer and senior is a peer.
KINDS = ["peer", "senior", "expert"]
KIND_ANSWERS: list[frozenset[str]] = [frozenset(), frozenset({"peer"}), frozenset({"senior"}), frozenset(KINDS[:2])]


@dataclass(frozen=True)
class Wanting:
    """A cohort whose mentees want several mentors, by number or by kind."""

    cohort: Cohort
    wants: dict[int, Wanted]
    kind_question: str

    def plan(self) -> Round:
        c = self.cohort
        return plan_round(
            c.mentees, c.mentors, c.histories, c.weights, wants=self.wants, kind_question=self.kind_question
        )

    def kind_of(self, mentor: Candidate) -> str:
        """Their alphabetically first answer to the question of kinds ("" for none)."""
        answers = sorted(dict(mentor.answers).get(self.kind_question, ())) if self.kind_question else []
        return answers[0] if answers else ""

    def want(self, mentee: Candidate) -> Wanted:
        return self.wants.get(mentee.person_id, Wanted())

    def fills(self, want: Wanted, mentor: Candidate, theirs: Sequence[Candidate] = ()) -> bool:
        """`mentor` fills what is left of `want` once the mentee has `theirs`."""
        if not want.kinds:
            return True
        return self.kind_of(mentor) in set(want.kinds) - {self.kind_of(m) for m in theirs}


@st.composite
def wanting(draw: st.DrawFn, by_kind: bool) -> Wanting:
    cohort = draw(cohorts())
    mentors = cohort.mentors
    if by_kind:
        mentors = [replace(m, answers=((KIND, draw(st.sampled_from(KIND_ANSWERS))),)) for m in mentors]
    wants: dict[int, Wanted] = {}
    for mentee in cohort.mentees:
        if by_kind and draw(st.integers(0, 4)):
            kinds = tuple(draw(st.lists(st.sampled_from(KINDS), min_size=1, unique=True)))
            wants[mentee.person_id] = Wanted(draw(st.integers(1, 3)), kinds)  # the count is ignored
        elif draw(st.integers(0, 4)):
            wants[mentee.person_id] = Wanted(draw(st.integers(1, 3)))
    return Wanting(replace(cohort, mentors=mentors), wants, KIND if by_kind else "")


def exact_total(case: Wanting) -> float:
    """The optimum by scipy's MILP: a binary per allowed pair, a row per mentee (or per mentee and kind they want)
    with what they want, a row per mentor with their free slots."""
    mentees, mentors = case.cohort.mentees, case.cohort.mentors
    fits: list[float] = []
    rows: list[int] = []
    columns: list[int] = []
    places: dict[tuple[int, str], int] = {}
    demand: list[int] = []
    for i, mentee in enumerate(mentees):
        want = case.want(mentee)
        rules = may_match(mentee, mentors, case.cohort.histories.get(mentee.person_id, History()))
        for j, mentor in enumerate(mentors):
            if rules[j] and case.fills(want, mentor):
                place = (i, case.kind_of(mentor) if want.kinds else "")
                if place not in places:
                    places[place] = len(demand)
                    demand.append(1 if want.kinds else want.count)
                rows += [places[place], j]
                columns += [len(fits), len(fits)]
                fits.append(score(mentee, mentor, case.cohort.weights).score)
    if not fits:
        return 0.0
    matrix = np.zeros((len(demand) + len(mentors), len(fits)))
    matrix[np.array(rows) + np.tile([0, len(demand)], len(fits)), columns] = 1
    limits = np.array(demand + [max(0, m.free_slots) for m in mentors], dtype=np.float64)
    result = milp(
        -np.array(fits),
        constraints=LinearConstraint(matrix, -np.inf, limits),
        integrality=np.ones(len(fits)),
        bounds=Bounds(0, 1),
    )
    assert result.status == 0, result.message
    return float(np.array(fits) @ np.rint(result.x))


def true_reason(case: Wanting, mentee: Candidate, theirs: Sequence[Candidate], room: Counter[int]) -> Unmatched:
    """Why the mentee got no more mentors, judged over those who could fill what is left of their want."""
    mentors, want = case.cohort.mentors, case.want(mentee)
    history = case.cohort.histories.get(mentee.person_id, History())
    could_fill = [case.fills(want, m, theirs) for m in mentors]
    usable = [m.active and m.free_slots > 0 for m in mentors]
    hard = [allowed(mentee, m, history) for m in mentors]
    others = [fill and m not in theirs for fill, m in zip(could_fill, mentors, strict=True)]
    rules = may_match(mentee, mentors, history)
    has_room = [room[m.person_id] > 0 for m in mentors]
    if not mentee.active:
        return Unmatched.PAUSED
    if not any(u and f for u, f in zip(usable, could_fill, strict=True)):
        return Unmatched.NO_FREE_SLOTS_OF_KIND if any(usable) else Unmatched.NO_FREE_SLOTS
    if not any(h and f for h, f in zip(hard, could_fill, strict=True)):
        return Unmatched.NOT_ALLOWED_OF_KIND if any(hard) else Unmatched.NOT_ALLOWED
    if not any(h and o for h, o in zip(hard, others, strict=True)):
        return Unmatched.ALREADY_THEIRS
    if any(r and o and f for r, o, f in zip(rules, others, has_room, strict=True)):
        return Unmatched.NO_FIT
    if any(h and o and f for h, o, f in zip(hard, others, has_room, strict=True)):
        return Unmatched.ONLY_PAST_PARTNERS_FREE
    return Unmatched.FILLED


def check_round(planned: Round, case: Wanting) -> None:
    """Optimal (against the MILP, and by its own dual bound), within every rule, want and kind, and truthful."""
    mentees, mentors, histories = case.cohort.mentees, case.cohort.mentors, case.cohort.histories
    assert abs(planned.total_score - exact_total(case)) < 1e-6
    assert abs(planned.bound - planned.total_score) < 1e-6
    pairs = [(a.mentee.person_id, a.match.mentor.person_id) for a in planned.assignments]
    assert len(set(pairs)) == len(pairs), "nobody gets the same mentor twice"
    room = within_the_rules(planned, mentors, histories)
    assert all(a.match.score > 0 for a in planned.assignments), "a 0% pair is never proposed"
    unmatched = {m.person_id: reason for m, reason in planned.unmatched}
    short = {m.person_id: (got, reason) for m, got, reason in planned.short}
    assert len(unmatched) == len(planned.unmatched) and len(short) == len(planned.short)
    for mentee in mentees:
        want = case.want(mentee)
        theirs = [a.match.mentor for a in planned.assignments if a.mentee.person_id == mentee.person_id]
        if want.kinds:
            kinds = [case.kind_of(m) for m in theirs]
            assert set(kinds) <= set(want.kinds) and len(set(kinds)) == len(kinds), (want, kinds)
        assert len(theirs) <= (len(want.kinds) or want.count)
        if not theirs:
            reason = unmatched.pop(mentee.person_id)
        elif len(theirs) < (len(want.kinds) or want.count):
            got, reason = short.pop(mentee.person_id)
            assert got == len(theirs)
        else:
            continue
        assert reason == true_reason(case, mentee, theirs, room), (mentee.person_id, reason)
    assert not unmatched and not short, "only mentees who got fewer than they want are listed, each once"


@settings(max_examples=200, deadline=None)
@given(case=wanting(by_kind=False))
def test_mentees_wanting_one_to_three_mentors_get_the_exact_optimum_on_every_cohort_family(case: Wanting) -> None:
    planned = case.plan()
    check_round(planned, case)
    assert case.plan() == planned, "deterministic"


@settings(max_examples=200, deadline=None)
@given(case=wanting(by_kind=True))
def test_mentees_wanting_one_mentor_of_each_kind_get_the_exact_optimum_and_only_those_kinds(case: Wanting) -> None:
    check_round(case.plan(), case)


@settings(max_examples=100, deadline=None)
@given(case=st.one_of(wanting(by_kind=False), wanting(by_kind=True)))
def test_pricing_reaches_the_optimum_for_several_mentors_from_the_poorest_first_guess(case: Wanting) -> None:
    """One arc per want and per slot at each pricing: the duals still lead to the optimum."""
    with patch.multiple(round_plan, _ADDED_PER_WANT=1, _PER_SLOT=1):
        check_round(case.plan(), case)


@settings(max_examples=60, deadline=None)
@given(cohort=cohorts())
def test_one_mentor_each_scores_the_same_through_the_several_mentors_solver(cohort: Cohort) -> None:
    """A paused mentee who wants two mentors sends the round through the flow solver (they can have none):
    everyone else still gets today's one-to-one optimum."""
    paused = replace(cohort.mentees[0], person_id=99, user_id="U99", active=False)
    case = Wanting(replace(cohort, mentees=[*cohort.mentees, paused]), {99: Wanted(2)}, "")
    through_flow = case.plan()
    check_round(through_flow, case)
    one_each = plan_round(cohort.mentees, cohort.mentors, cohort.histories, cohort.weights)
    assert abs(through_flow.total_score - one_each.total_score) < 1e-6


def test_cohorts_that_share_the_same_top_mentors_still_get_the_optimum_with_two_mentors_each() -> None:
    for seed, family in enumerate(FAMILIES):
        mentees, mentors = medium_cohort(family, seed)
        mentors = [replace(m, answers=((KIND, frozenset({KINDS[j % 2]})),)) for j, m in enumerate(mentors)]
        wants = {m.person_id: Wanted(kinds=tuple(KINDS[:2])) if m.person_id % 2 else Wanted(2) for m in mentees}
        case = Wanting(Cohort(family, mentees, mentors, {}, DEFAULT_WEIGHTS), wants, KIND)
        check_round(case.plan(), case)


ANA = Candidate(1, "UANA", "Ana", 1, "UTC", 540, 1020, goals=topic_set(["python"]))
PEER = Candidate(10, "UPEER", "Peer", 2, "UTC", 540, 1020, expertise=topic_set(["python"]), free_slots=3, capacity=3)


def test_a_mentee_never_gets_the_same_mentor_twice_and_is_told_why_not_more() -> None:
    planned = plan_round([ANA], [PEER], {}, wants={1: Wanted(2)})
    assert [a.match.mentor.user_id for a in planned.assignments] == ["UPEER"]
    assert planned.short == [(ANA, 1, Unmatched.ALREADY_THEIRS)] and planned.unmatched == []


def test_a_mentee_gets_one_mentor_of_each_kind_they_asked_for_and_hears_which_kind_is_missing() -> None:
    peers = [
        replace(PEER, person_id=10 + j, user_id=f"UPEER{j}", answers=((KIND, frozenset({"peer"})),)) for j in (0, 1)
    ]
    # Answering both, a mentor is of the alphabetically first kind: a peer.
    both = replace(PEER, person_id=20, user_id="UBOTH", answers=((KIND, frozenset({"senior", "peer"})),))
    no_kind = replace(PEER, person_id=30, user_id="UNONE")
    planned = plan_round(
        [ANA], [*peers, both, no_kind], {}, wants={1: Wanted(kinds=("peer", "senior"))}, kind_question=KIND
    )
    assert [a.match.mentor in [*peers, both] for a in planned.assignments] == [True], "one peer, never UNONE"
    assert planned.short == [(ANA, 1, Unmatched.NO_FREE_SLOTS_OF_KIND)]
    anyone = plan_round([ANA], [*peers, both, no_kind], {}, wants={1: Wanted(3)}, kind_question=KIND)
    assert len(anyone.assignments) == 3 and anyone.short == []


def test_a_mentee_kept_from_every_mentor_of_a_kind_is_told_so() -> None:
    senior = replace(PEER, person_id=11, user_id="USENIOR", answers=((KIND, frozenset({"senior"})),))
    peer = replace(PEER, answers=((KIND, frozenset({"peer"})),))
    ana = replace(ANA, do_not_match=frozenset({"USENIOR"}))
    planned = plan_round([ana], [peer, senior], {}, wants={1: Wanted(kinds=("senior",))}, kind_question=KIND)
    assert planned.assignments == [] and planned.unmatched == [(ana, Unmatched.NOT_ALLOWED_OF_KIND)]


def test_kinds_are_refused_without_a_question_of_kinds_and_wants_must_be_sensible() -> None:
    with pytest.raises(ValueError, match="no question of kinds"):
        plan_round([ANA], [PEER], {}, wants={1: Wanted(kinds=("peer",))})
    for want in (Wanted(0), Wanted(kinds=("peer", "peer")), Wanted(kinds=("",))):
        with pytest.raises(ValueError):
            plan_round([ANA], [PEER], {}, wants={1: want}, kind_question=KIND)
