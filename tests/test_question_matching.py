"""A program's questions in matching: the pool's matrix gives exactly `score()` and `allowed()` for every rule."""

from __future__ import annotations

import random

from bot.matching import DEFAULT_WEIGHTS, Candidate, History, allowed, score
from bot.mentor_pool import MentorPool
from bot.questions import Kind, Question, Rule, parse_questions

QUESTIONS = (
    Question("q1", "Office?", Kind.SINGLE, ("Berlin", "London", "Remote"), Rule.MUST_MATCH, 1.0),
    Question("q2", "Team?", Kind.SINGLE, ("eng", "sales", "ops"), Rule.DIFFERENT, 2.0),
    Question("q3", "Level?", Kind.SINGLE, ("new", "seasoned"), Rule.SAME, 0.5),
    Question("q4", "Enjoy?", Kind.MULTIPLE, ("Hiking", "Chess", "Music", "Cooking"), Rule.OVERLAP, 3.0),
)
WEIGHTS = {**DEFAULT_WEIGHTS, "questions": 0.3}


def person(rng: random.Random, n: int, mentor: bool) -> Candidate:
    answers = {
        q.key: frozenset(rng.sample(q.choices, rng.randint(0, 2 if q.kind is Kind.MULTIPLE else 1)))
        for q in QUESTIONS
        if rng.random() > 0.1
    }
    return Candidate(
        person_id=n,
        user_id=f"U{n}",
        name=f"P{n}",
        seniority=rng.randint(1, 5),
        timezone=rng.choice(["Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
        work_start_minute=540,
        work_end_minute=1020,
        expertise=frozenset({"python", "sql"}) if mentor else frozenset(),
        goals=frozenset() if mentor else frozenset({"python"}),
        free_slots=2 if mentor else 0,
        capacity=2 if mentor else 0,
        answers=tuple(sorted(answers.items())),
    )


def test_the_pool_scores_and_rules_every_question_exactly_as_score_and_allowed_do() -> None:
    rng = random.Random(7)
    mentors = [person(rng, n, mentor=True) for n in range(1, 120)]
    pool = MentorPool(mentors, QUESTIONS)
    for n in range(200, 260):
        mentee = person(rng, n, mentor=False)
        row = pool.scores(mentee, WEIGHTS)
        assert list(row) == [score(mentee, m, WEIGHTS, None, QUESTIONS).score for m in mentors]
        mask = pool.allowed_mask(mentee, History())
        assert list(mask) == [allowed(mentee, m, History(), QUESTIONS) for m in mentors]


def test_reasons_name_the_answers_and_what_is_missing() -> None:
    questions, problem = parse_questions(
        "Office? | Berlin, London | must match\nEnjoy? | Chess, Music | overlap | multiple"
    )
    assert problem == ""
    ana = Candidate(
        1,
        "UANA",
        "Ana",
        1,
        "UTC",
        540,
        1020,
        goals=frozenset({"python"}),
        answers=(("q1", frozenset({"Berlin"})), ("q2", frozenset({"Chess"}))),
    )
    ben = Candidate(
        2,
        "UBEN",
        "Ben",
        3,
        "UTC",
        540,
        1020,
        expertise=frozenset({"python"}),
        free_slots=1,
        capacity=1,
        answers=(("q1", frozenset({"Berlin"})), ("q2", frozenset({"Chess", "Music"}))),
    )
    cat = Candidate(
        3,
        "UCAT",
        "Cat",
        3,
        "UTC",
        540,
        1020,
        expertise=frozenset({"python"}),
        free_slots=1,
        capacity=1,
        answers=(("q1", frozenset({"London"})),),
    )
    match = score(ana, ben, WEIGHTS, None, tuple(questions))
    assert "both Berlin" in match.reasons and "both chose Chess" in match.reasons
    assert not allowed(ana, cat, History(), tuple(questions)), "a different office is a hard rule"
