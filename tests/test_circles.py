"""Peer circles and mentoring groups (pure): sizes, everyone placed or told why, every hard rule kept, and the
former within 2% of the exact optimum (the exact solver's own proof, checked against a second formulation)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cadence import WorkingHours
from bot.circles import (
    Formation,
    HourWindow,
    Member,
    Mentor,
    QuestionRule,
    Unplaced,
    answers_block,
    circle_sentence,
    exact_circles,
    form_circles,
    form_groups,
    group_score,
    weekly_hours,
)

BERLIN = weekly_hours(WorkingHours("Europe/Berlin", 9 * 60, 17 * 60))
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "America/Los_Angeles"]
TOPICS = ["public speaking", "python", "leading a team", "design", "sql"]
OFFICE = [QuestionRule("office", "must_match")]


def person(
    member_id: int,
    topics: frozenset[str] = frozenset(),
    hours: frozenset[int] = BERLIN,
    answers: dict[str, str | frozenset[str]] | None = None,
    avoid: frozenset[int] = frozenset(),
    past_partners: frozenset[int] = frozenset(),
) -> Member:
    """Someone working 9 to 5 in Berlin unless told otherwise."""
    return Member(member_id, topics, hours, "", answers or {}, avoid, past_partners)


def sizes(formation: Formation) -> list[int]:
    return sorted(len(c.members) for c in formation.circles)


def reasons(formation: Formation) -> dict[int, Unplaced]:
    return dict(formation.unplaced)


def assert_rules_kept(formation: Formation, members: Sequence[Member], rules: Sequence[QuestionRule]) -> None:
    """Each person once (in a circle or told why); nobody with someone they avoid, a past partner (unless repeats
    were allowed, then listed) or a different must-match answer."""
    by_id = {m.member_id: m for m in members}
    seen = [i for c in formation.circles for i in c.members] + [i for i, _ in formation.unplaced]
    assert sorted(seen) == sorted(by_id)
    for circle in formation.circles:
        group = [by_id[i] for i in circle.members]
        for k, a in enumerate(group):
            for b in group[k + 1 :]:
                assert b.member_id not in a.avoid and a.member_id not in b.avoid
                met = b.member_id in a.past_partners or a.member_id in b.past_partners
                assert not met or (formation.repeats_allowed and (a.member_id, b.member_id) in circle.repeats)
                assert not answers_block(rules, a, b)


def test_seven_people_in_circles_of_three_to_six_meet_as_a_three_and_a_four() -> None:
    formation = form_circles([person(i) for i in range(7)], 3, 6)
    assert sizes(formation) == [3, 4]
    assert formation.unplaced == ()


def test_two_people_are_both_told_there_are_too_few_for_a_circle() -> None:
    formation = form_circles([person(1), person(2)], 3, 6)
    assert formation.circles == ()
    assert reasons(formation) == {1: Unplaced.TOO_FEW, 2: Unplaced.TOO_FEW}


def test_thirteen_people_in_circles_of_four_to_six_make_the_fewest_circles_that_hold_them() -> None:
    assert sizes(form_circles([person(i) for i in range(13)], 4, 6)) == [4, 4, 5]


def test_when_the_sizes_cannot_hold_everyone_the_fewest_sit_out_and_are_told_so() -> None:
    formation = form_circles([person(i) for i in range(7)], 4, 5)
    assert sizes(formation) == [5]
    assert list(reasons(formation).values()) == [Unplaced.SIZES, Unplaced.SIZES]


def test_an_avoid_list_keeps_two_people_apart_whichever_of_them_wrote_it() -> None:
    members = [person(0, avoid=frozenset({1})), *(person(i) for i in range(1, 8))]
    members[5] = person(5, avoid=frozenset({6}))
    formation = form_circles(members, 4, 4)
    together = {frozenset(c.members) for c in formation.circles}
    assert formation.unplaced == ()
    assert not any({0, 1} <= group or {5, 6} <= group for group in together)


def test_someone_who_avoids_everyone_is_left_out_and_told_why() -> None:
    members = [person(0, avoid=frozenset(range(1, 8))), *(person(i) for i in range(1, 8))]
    formation = form_circles(members, 3, 4)
    assert reasons(formation) == {0: Unplaced.AVOIDED}
    assert sorted(i for c in formation.circles for i in c.members) == list(range(1, 8))


def test_a_must_match_question_splits_the_cohort_and_says_why_for_those_left() -> None:
    members = [person(i, answers={"office": "Berlin" if i < 6 else "London"}) for i in range(10)]
    members += [person(10), person(11, answers={"office": "Paris"})]
    formation = form_circles(members, 3, 4, OFFICE)
    assert_rules_kept(formation, members, OFFICE)
    assert sizes(formation) == [3, 3, 4]
    assert reasons(formation) == {10: Unplaced.UNANSWERED, 11: Unplaced.TOO_FEW_ALIKE}


def test_past_partners_never_meet_again_unless_the_caller_allows_repeats() -> None:
    members = [person(i, past_partners=frozenset(range(6)) - {i}) for i in range(6)]
    strict = form_circles(members, 3, 3)
    assert strict.circles == () and strict.repeats_needed
    assert set(reasons(strict).values()) == {Unplaced.NO_GROUP}
    relaxed = form_circles(members, 3, 3, allow_repeats=True)
    assert sizes(relaxed) == [3, 3] and relaxed.unplaced == ()
    assert len(relaxed.repeats) == 6
    assert not relaxed.repeats_needed


def form_round(members: Sequence[Member], smallest: int, largest: int, seed: int) -> Formation:
    """A round as a program runs it: no repeats; if that leaves someone out because of past partners, the
    formation says so, and the round is formed again with repeats allowed, each one listed."""
    strict = form_circles(members, smallest, largest, seed=seed)
    assert_rules_kept(strict, members, ())
    assert strict.repeats == ()
    if not strict.unplaced:
        return strict
    assert strict.repeats_needed
    assert set(reasons(strict).values()) <= {Unplaced.MET_BEFORE, Unplaced.RULES, Unplaced.NO_GROUP}
    relaxed = form_circles(members, smallest, largest, seed=seed, allow_repeats=True)
    assert relaxed.unplaced == () and relaxed.repeats_allowed
    assert_rules_kept(relaxed, members, ())
    return relaxed


def test_sixteen_people_in_circles_of_four_are_told_when_no_new_partner_is_left() -> None:
    """Three new partners a round and fifteen others: six rounds must repeat someone, the second never has to."""
    members = [person(i, topics=frozenset({TOPICS[i % 3]})) for i in range(16)]
    repeats = []
    for round_number in range(6):
        formation = form_round(members, 4, 4, seed=round_number)
        repeats.append(len(formation.repeats))
        members = with_partners(members, formation)
    assert repeats[:2] == [0, 0]
    assert sum(repeats) >= 24  # at least three repeated partners each


def test_fifty_people_over_twelve_rounds_meet_nobody_twice_while_new_partners_are_left() -> None:
    members = cohort(50, seed=3)
    repeats = []
    for round_number in range(12):
        formation = form_round(members, 3, 4, seed=round_number)
        repeats.append(len(formation.repeats))
        members = with_partners(members, formation)
    assert repeats[:10] == [0] * 10, repeats
    assert sum(repeats) <= 4, repeats


def with_partners(members: Sequence[Member], formation: Formation) -> list[Member]:
    circle_of = {i: c.members for c in formation.circles for i in c.members}
    return [
        replace(m, past_partners=m.past_partners | (frozenset(circle_of.get(m.member_id, ())) - {m.member_id}))
        for m in members
    ]


def cohort(people: int, seed: int) -> list[Member]:
    rng = random.Random(seed)
    members = []
    for i in range(people):
        start = rng.choice([8, 9, 10]) * 60
        members.append(
            Member(
                i,
                topics=frozenset(rng.sample(TOPICS, rng.randint(1, 2))),
                hours=weekly_hours(WorkingHours(rng.choice(ZONES[:2]), start, start + 8 * 60)),
                department=rng.choice(["eng", "sales", ""]),
            )
        )
    return members


@st.composite
def small_cohort(draw: st.DrawFn) -> tuple[list[Member], list[QuestionRule], tuple[int, int]]:
    people = draw(st.integers(8, 14))
    bounds = draw(st.sampled_from([(3, 4), (3, 5), (4, 6)]))
    rules = [QuestionRule("level", draw(st.sampled_from(["same", "different"])), 0.5)]
    offices = draw(st.booleans())
    if offices:
        rules.append(QuestionRule("office", "must_match"))
    members = []
    for i in range(people):
        start = draw(st.integers(7, 11)) * 60
        answers: dict[str, str | frozenset[str]] = {"level": draw(st.sampled_from(["junior", "senior"]))}
        if offices:
            answers["office"] = draw(st.sampled_from(["Berlin", "Berlin", "London"]))
        others = st.lists(st.integers(0, people - 1), max_size=2)
        members.append(
            Member(
                i,
                topics=frozenset(draw(st.lists(st.sampled_from(TOPICS), min_size=1, max_size=3))),
                hours=weekly_hours(WorkingHours(draw(st.sampled_from(ZONES)), start, start + 8 * 60)),
                department=draw(st.sampled_from(["eng", "sales", "design", ""])),
                answers=answers,
                avoid=frozenset(draw(others)[:1]) - {i},
                past_partners=frozenset(draw(others)) - {i},
            )
        )
    return members, rules, bounds


@settings(max_examples=12, deadline=None)
@given(small_cohort(), st.integers(0, 3))
def test_the_former_reaches_098_of_the_exact_optimum_and_keeps_every_rule(
    case: tuple[list[Member], list[QuestionRule], tuple[int, int]], seed: int
) -> None:
    members, rules, (smallest, largest) = case
    ours = form_circles(members, smallest, largest, rules, seed=seed)
    best = exact_circles(members, smallest, largest, rules, seed=seed)
    assert best.bound is not None and abs(best.bound - best.objective) < 1e-6  # proven optimal
    for formation in (ours, best):
        assert_rules_kept(formation, members, rules)
        assert all(smallest <= len(c.members) <= largest for c in formation.circles)
    assert ours.placed == best.placed
    assert ours.objective >= 0.98 * best.objective - 1e-9
    by_id = {m.member_id: m for m in members}
    assert abs(ours.objective - sum(group_score([by_id[i] for i in c.members], rules) for c in ours.circles)) < 1e-6


@settings(max_examples=4, deadline=None)
@given(st.integers(6, 8), st.integers(0, 1000))
def test_the_two_exact_formulations_agree(people: int, seed: int) -> None:
    members = cohort(people, seed)
    columns = exact_circles(members, 3, 4)
    assignment = exact_circles(members, 3, 4, method="assignment")
    assert abs(columns.objective - assignment.objective) < 1e-6
    assert columns.bound == columns.objective and assignment.bound == assignment.objective


def test_the_same_seed_forms_the_same_circles() -> None:
    members = cohort(30, seed=1)
    assert form_circles(members, 4, 6, seed=5) == form_circles(members, 4, 6, seed=5)


def test_weekly_hours_are_utc_hours_of_a_working_week_in_the_persons_zone() -> None:
    assert sorted(BERLIN)[:9] == [8, 9, 10, 11, 12, 13, 14, 15, 32]  # Monday 09:00–17:00 Berlin is 08:00–16:00 UTC
    assert len(BERLIN) == 40
    # Kolkata is UTC+5:30: only the whole UTC hours inside 09:00–17:00 count.
    assert sorted(weekly_hours(WorkingHours("Asia/Kolkata", 9 * 60, 17 * 60)))[:7] == [4, 5, 6, 7, 8, 9, 10]
    # Monday 09:00 in Sydney is Sunday 22:00 UTC: the week wraps.
    assert {166, 167, 0} <= weekly_hours(WorkingHours("Australia/Sydney", 9 * 60, 17 * 60))


def test_members_read_the_topics_they_all_share_and_an_hour_that_suits_everyone() -> None:
    tuesday = frozenset({39})
    members = [person(i, topics=frozenset({"public speaking", f"own {i}"}), hours=tuesday | {i}) for i in range(4)]
    (circle,) = form_circles(members, 4, 4).circles
    assert circle.common_topics == ("public speaking",)
    assert circle.common_windows == (HourWindow(39, 1),)
    assert (
        circle_sentence(circle)
        == "All four of you want to grow in public speaking. Tuesday 15:00–16:00 UTC suits everyone."
    )
    assert HourWindow(167, 2).describe() == "Sunday 23:00–Monday 01:00 UTC"


def test_mentoring_groups_fill_each_mentor_up_to_their_capacity_and_leave_the_rest_spare() -> None:
    python, design = frozenset({"python"}), frozenset({"design"})
    mentors = [
        Mentor(person(100, topics=design), capacity=3),
        Mentor(person(101, topics=python), capacity=4),
        Mentor(person(102, topics=python), capacity=1),
    ]
    mentees = [person(i, topics=python if i % 2 else design) for i in range(7)]
    formation = form_groups(mentors, mentees, 2, 5)
    groups = {c.mentor: set(c.members) - {c.mentor} for c in formation.circles}
    assert set(groups) == {100, 101} and formation.spare_mentors == (102,) and formation.unplaced == ()
    assert {1, 3, 5} < groups[101] and len(groups[101]) == 4  # every python mentee with the python mentor
    assert len(groups[100]) == 3 and all(i % 2 == 0 for i in groups[100])
    by_id = {m.member_id: m for m in [*mentees, *(mentor.member for mentor in mentors)]}
    reference = sum(
        group_score([by_id[i] for i in c.members], mentor=by_id[c.mentor]) for c in formation.circles if c.mentor
    )
    assert abs(formation.objective - reference) < 1e-9  # the mentor's pairs count twice (mentor_fit)


def test_mentees_without_a_mentor_who_can_lead_a_group_are_told_why() -> None:
    mentees = [person(i) for i in range(5)]
    small = form_groups([Mentor(person(100), capacity=1)], mentees, 2, 5)
    assert set(reasons(small).values()) == {Unplaced.NO_MENTOR}
    alone = form_groups([Mentor(person(100), capacity=4)], mentees[:1], 2, 5)
    assert reasons(alone) == {0: Unplaced.TOO_FEW}
    full = form_groups([Mentor(person(100), capacity=3)], mentees, 2, 5)
    assert sizes(full) == [4] and list(reasons(full).values()) == [Unplaced.SIZES, Unplaced.SIZES]


def test_a_mentee_and_mentor_who_avoid_each_other_are_never_in_one_group() -> None:
    mentors = [Mentor(person(100, avoid=frozenset({0})), capacity=3), Mentor(person(101), capacity=3)]
    formation = form_groups(mentors, [person(i) for i in range(6)], 2, 3)
    assert_rules_kept(formation, [m.member for m in mentors] + [person(i) for i in range(6)], ())
    assert formation.unplaced == ()
