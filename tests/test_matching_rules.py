"""Scoring, hard rules and explanations (pure), and the round's optimality against brute force."""

from __future__ import annotations

import itertools
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching import Candidate, History, allowed, normalise_topic, score, shared_hours, topic_set
from bot.mentor_pool import MentorPool, rank
from bot.round_plan import plan_round

ANA = Candidate(1, "UANA", "Ana", 1, "Europe/Berlin", 9 * 60, 17 * 60, goals=topic_set(["public speaking", "ml"]))
BEN = Candidate(
    2,
    "UBEN",
    "Ben",
    3,
    "Europe/London",
    9 * 60,
    17 * 60,
    expertise=topic_set(["Machine-Learning", "public speaking"]),
    free_slots=1,
    capacity=2,
)
CAT = Candidate(
    3, "UCAT", "Cat", 2, "Asia/Tokyo", 9 * 60, 17 * 60, expertise=topic_set(["python"]), free_slots=1, capacity=1
)


def test_topics_are_normalised_with_synonyms() -> None:
    assert normalise_topic("  Machine-Learning ") == normalise_topic("ML") == "machine learning"
    assert normalise_topic("Public_Speaking") == "public speaking"


def test_shared_hours_cross_time_zones() -> None:
    assert shared_hours(ANA, BEN) == 7.0  # Berlin is one hour ahead of London in January
    assert shared_hours(ANA, CAT) == 0.0  # Tokyo's day ends as Berlin's starts


def test_score_explains_itself() -> None:
    match = score(ANA, BEN)
    assert match.reasons[0] == "both care about *machine learning*, *public speaking*"
    assert "7 h of shared working hours" in match.reasons
    assert any(reason.startswith("2 levels senior: a step ahead") for reason in match.reasons)
    assert match.missing == () and not match.weak
    assert match.score > score(ANA, CAT).score


def test_what_is_missing_is_said_plainly_and_weak_fits_are_marked() -> None:
    weak = score(ANA, CAT)
    assert weak.missing[0] == "no shared topic: they help with *python*"
    assert "no shared working hours: meetings need an early or late slot" in weak.missing
    assert weak.weak and not any("shared" in reason for reason in weak.reasons)


def test_seniority_counts_as_a_plus_only_one_or_two_levels_above() -> None:
    for gap, plus in ((0, False), (1, True), (2, True), (3, False), (4, False)):
        match = score(ANA, replace(BEN, seniority=ANA.seniority + gap))
        seniority = [r for r in (*match.reasons, *match.missing) if "level" in r]
        assert len(seniority) == 1 and (seniority[0] in match.reasons) is plus, (gap, seniority)


def test_never_yourself_paused_full_or_do_not_match() -> None:
    me_as_mentor = replace(ANA, expertise=topic_set(["ml"]), free_slots=1, capacity=1)
    assert rank(ANA, [me_as_mentor], History()) == []
    assert rank(ANA, [replace(BEN, active=False)], History()) == []
    assert rank(replace(ANA, active=False), [BEN], History()) == []
    assert rank(ANA, [replace(BEN, free_slots=0)], History()) == []
    assert rank(replace(ANA, do_not_match=frozenset({"UBEN"})), [BEN], History()) == []
    assert rank(ANA, [replace(BEN, do_not_match=frozenset({"UANA"}))], History()) == []


def test_never_a_mentor_who_declined_them() -> None:
    assert rank(ANA, [BEN], History(declined=frozenset({2}))) == []


def test_never_a_current_partner_and_past_partners_only_as_a_last_resort() -> None:
    assert rank(ANA, [BEN], History(current=frozenset({2}))) == []
    only = rank(ANA, [BEN, CAT], History(past=frozenset({2})))
    assert [m.mentor.user_id for m in only] == ["UCAT"] and not only[0].repeat
    fallback = rank(ANA, [BEN], History(past=frozenset({2})))
    assert [m.mentor.user_id for m in fallback] == ["UBEN"] and fallback[0].repeat


def test_topic_narrows_the_ranking() -> None:
    assert [m.mentor.user_id for m in rank(ANA, [BEN, CAT], History(), topic="Python")] == ["UCAT"]


def test_weights_change_the_order() -> None:
    near_but_off_topic = replace(CAT, timezone="Europe/Berlin")
    default = rank(ANA, [BEN, near_but_off_topic], History())
    hours_only = rank(ANA, [BEN, near_but_off_topic], History(), weights={"hours": 1.0, "seniority": 1.0})
    assert default[0].mentor.user_id == "UBEN"
    assert {m.score for m in hours_only} and hours_only[0].score >= hours_only[1].score


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata"]
TOPICS = ["python", "ml", "public speaking", "leadership", "design", "sql"]


@st.composite
def people(draw: st.DrawFn, first_id: int, mentors: bool) -> list[Candidate]:
    count = draw(st.integers(1, 5))
    result = []
    for i in range(count):
        start = draw(st.integers(0, 20)) * 60
        result.append(
            Candidate(
                person_id=first_id + i,
                user_id=f"U{first_id + i}",
                name=f"P{first_id + i}",
                seniority=draw(st.integers(1, 6)),
                timezone=draw(st.sampled_from(ZONES)),
                work_start_minute=start,
                work_end_minute=start + draw(st.integers(1, 10)) * 60,
                expertise=topic_set(draw(st.lists(st.sampled_from(TOPICS), max_size=3))) if mentors else frozenset(),
                goals=topic_set(draw(st.lists(st.sampled_from(TOPICS), min_size=1, max_size=3))),
                free_slots=draw(st.integers(0, 3)) if mentors else 0,
                capacity=3 if mentors else 0,
                languages=frozenset(draw(st.lists(st.sampled_from(["en", "de"]), max_size=2))),
                department=draw(st.sampled_from(["", "sales", "eng"])),
            )
        )
    return result


@settings(max_examples=60, deadline=None)
@given(mentees=people(100, mentors=False), mentors=people(200, mentors=True))
def test_pool_scores_equal_the_reference_score(mentees: list[Candidate], mentors: list[Candidate]) -> None:
    pool = MentorPool(mentors)
    history = History(current=frozenset({mentors[0].person_id}))
    for mentee in mentees:
        vector = pool.scores(mentee)
        mask = pool.allowed_mask(mentee, history)
        for i, mentor in enumerate(mentors):
            assert abs(vector[i] - score(mentee, mentor).score) < 1e-4
            assert mask[i] == allowed(mentee, mentor, history)


def brute_force_best_total(mentees: list[Candidate], mentors: list[Candidate]) -> float:
    slots = [m for m in mentors for _ in range(m.free_slots)]
    best = 0.0
    options = [None, *range(len(slots))]
    for choice in itertools.product(options, repeat=len(mentees)):
        used = [c for c in choice if c is not None]
        if len(used) != len(set(used)):
            continue
        total = 0.0
        for mentee, slot in zip(mentees, choice, strict=True):
            if slot is not None:
                total += score(mentee, slots[slot]).score
        best = max(best, total)
    return best


@settings(max_examples=40, deadline=None)
@given(mentees=people(100, mentors=False), mentors=people(200, mentors=True))
def test_round_equals_the_brute_force_optimum(mentees: list[Candidate], mentors: list[Candidate]) -> None:
    mentors = [replace(m, free_slots=min(m.free_slots, 2)) for m in mentors[:3]]
    mentees = mentees[:4]
    planned = plan_round(mentees, mentors, {})
    assert abs(planned.total_score - brute_force_best_total(mentees, mentors)) < 1e-6
    per_mentor: dict[int, int] = {}
    for assignment in planned.assignments:
        per_mentor[assignment.match.mentor.person_id] = per_mentor.get(assignment.match.mentor.person_id, 0) + 1
    assert all(per_mentor[m.person_id] <= m.free_slots for m in mentors if m.person_id in per_mentor)
    assert len(planned.assignments) + len(planned.unmatched) == len(mentees)


def test_pool_scores_round_exactly_as_score_even_where_numpy_would_tip_a_half() -> None:
    # Unrounded, this fit is 0.44375 minus an ulp: Python's round gives 0.4437, numpy's scaled rint 0.4438.
    weights = {"topics": 0.4, "capacity": 0.15, "hours": 0.25}
    mentee = replace(ANA, timezone="UTC", goals=topic_set(["python", "sql", "ml"]))
    mentor = replace(BEN, seniority=4, timezone="UTC", work_end_minute=600, expertise=topic_set(["ml", "python"]))
    mentor = replace(mentor, free_slots=1, capacity=30)
    assert score(mentee, mentor, weights).score == 0.4437
    assert MentorPool([mentor]).scores(mentee, weights)[0] == 0.4437
