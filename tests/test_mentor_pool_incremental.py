"""The mentor pool kept current row by row: after its mentors change (slots taken or released, a profile edited,
a mentor new, paused or full) it scores, rules and ranks exactly as a pool built afresh, in the pure pool,
through the per-program cache on a real database, and in what a mentee finding a mentor reads."""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.candidates import MentorPools, available_mentors
from bot.clock import FixedClock
from bot.matching import DEFAULT_WEIGHTS, Candidate, History, score
from bot.mentor_pool import MentorPool
from bot.pairs import claim_slot, release_slot
from bot.profiles import pause
from bot.programs import default_program
from bot.questions import Kind, Question, Rule
from bot.settings import Settings
from sandbox.fake_slack import Call, FakeSlack
from storage.models import Cadence, LearningStyle, MeetingChannel, Person, PersonStatus, Role
from tests.conftest import START, Running, running_app
from tests.steps import MENTEE_PROFILE, MENTOR_PROFILE, accept_request, find, join
from tests.test_migrations import pool_sums_and_aggregate
from tests.test_programs import create_program, program_named
from tests.test_statement_counts import counted

QUESTIONS = (
    Question("q1", "Office?", Kind.SINGLE, ("Berlin", "London", "Remote"), Rule.MUST_MATCH, 1.0),
    Question("q2", "Team?", Kind.SINGLE, ("eng", "sales", "ops"), Rule.DIFFERENT, 2.0),
    Question("q3", "Enjoy?", Kind.MULTIPLE, ("Hiking", "Chess", "Music", "Cooking"), Rule.OVERLAP, 3.0),
)
WEIGHTS = {**DEFAULT_WEIGHTS, "questions": 0.3, "capacity": 0.4}
TOPICS = ["python", "sql", "public speaking", "design", "sales", "leading a team"]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]
LANGUAGES = ["english", "german", "hindi"]
DEPARTMENTS = ["", "eng", "Sales", "ops"]
MENTEES = [f"UE{n}" for n in range(6)]


def a_mentor(rng: random.Random, person_id: int, rare: str = "") -> Candidate:
    """A mentor with random traits; `rare` adds a topic, a language and a department no other mentor has."""
    capacity = rng.randint(1, 3)
    answers = {
        q.key: frozenset(rng.sample(q.choices, rng.randint(1, 2 if q.kind is Kind.MULTIPLE else 1))) for q in QUESTIONS
    }
    return Candidate(
        person_id=person_id,
        user_id=f"UM{person_id}",
        name=f"Mentor {person_id}",
        seniority=rng.randint(1, 6),
        timezone=rng.choice(ZONES),
        work_start_minute=rng.choice([420, 540, 600]),
        work_end_minute=rng.choice([960, 1020, 1140]),
        expertise=frozenset(rng.sample(TOPICS, rng.randint(0, 3))) | ({f"{rare} topic"} if rare else set()),
        free_slots=rng.randint(0, capacity),
        capacity=capacity,
        languages=frozenset(rng.sample(LANGUAGES, rng.randint(0, 2))) | ({f"{rare} language"} if rare else set()),
        department=f"{rare} dept" if rare else rng.choice(DEPARTMENTS),
        do_not_match=frozenset(rng.sample(MENTEES, rng.randint(0, 1))),
        prefers=frozenset(rng.sample(MENTEES, rng.randint(0, 2))),
        active=rng.random() > 0.1,
        answers=tuple(sorted(answers.items())),
    )


def a_mentee(rng: random.Random, n: int) -> Candidate:
    answers = {q.key: frozenset(rng.sample(q.choices, 1)) for q in QUESTIONS if rng.random() > 0.2}
    return Candidate(
        person_id=1_000 + n,
        user_id=MENTEES[n],
        name=f"Mentee {n}",
        seniority=rng.randint(1, 3),
        timezone=rng.choice(ZONES),
        work_start_minute=540,
        work_end_minute=1020,
        goals=frozenset(rng.sample([*TOPICS, "new 1 topic"], rng.randint(0, 3))),
        languages=frozenset(rng.sample([*LANGUAGES, "new 2 language"], rng.randint(0, 2))),
        department=rng.choice([*DEPARTMENTS, "new 1 dept"]),
        prefers=frozenset(f"UM{rng.randint(1, 40)}" for _ in range(rng.randint(0, 3))),
        answers=tuple(sorted(answers.items())),
    )


def assert_same_as_fresh(pool: MentorPool, rng: random.Random) -> None:
    """`pool` scores, rules and ranks every mentee exactly as a pool built afresh from its mentors, and as `score()`."""
    fresh = MentorPool(sorted(pool.mentors, key=lambda m: m.person_id), QUESTIONS)
    assert pool.mentors == fresh.mentors
    mentees = [a_mentee(rng, n) for n in range(len(MENTEES))]
    ids = [m.person_id for m in pool.mentors]
    for weights in (DEFAULT_WEIGHTS, WEIGHTS):
        for topic in (None, "Python", "new 1 topic", "cooking"):
            assert np.array_equal(pool.score_units(mentees, weights, topic), fresh.score_units(mentees, weights, topic))
    for mentee in mentees:
        row = pool.scores(mentee, WEIGHTS)
        assert list(row) == [score(mentee, m, WEIGHTS, None, QUESTIONS).score for m in pool.mentors]
        history = History(
            current=frozenset(rng.sample(ids, min(1, len(ids)))),
            past=frozenset(rng.sample(ids, min(3, len(ids)))),
            declined=frozenset(rng.sample(ids, min(1, len(ids)))),
        )
        for topic in (None, "sql", "new 1 topic"):
            assert np.array_equal(pool.allowed_mask(mentee, history, topic), fresh.allowed_mask(mentee, history, topic))
            assert pool.rank(mentee, history, WEIGHTS, topic) == fresh.rank(mentee, history, WEIGHTS, topic)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_a_pool_updated_row_by_row_equals_one_built_afresh(seed: int) -> None:
    rng = random.Random(seed)
    mentors = {n: a_mentor(rng, n) for n in range(1, 61, rng.choice([1, 2]))}
    pool = MentorPool(list(mentors.values()), QUESTIONS)
    next_id = 200
    gone: list[int] = []
    for change in range(3):
        ids = sorted(mentors)
        changed: list[Candidate] = []
        for person_id in rng.sample(ids, min(4, len(ids))):
            changed.append(replace(mentors[person_id], free_slots=0))  # capacity used up
        for person_id in rng.sample(ids, min(3, len(ids))):
            mentor = mentors[person_id]
            changed.append(replace(mentor, free_slots=rng.randint(0, mentor.capacity)))  # an accept or an end
        for person_id in rng.sample(ids, min(3, len(ids))):
            changed.append(replace(a_mentor(rng, person_id, rare=f"new {change}"), free_slots=1))  # profile edited
        for person_id in rng.sample(ids, min(2, len(ids))):
            changed.append(replace(mentors[person_id], active=False))  # paused
        changed += [a_mentor(rng, next_id + k) for k in range(rng.randint(0, 3))]  # joined
        next_id += 10
        latest = {m.person_id: m for m in changed}  # a mentor changed twice is given once, as they are now
        removed = set(rng.sample(sorted(set(ids) - latest.keys()), min(3, len(set(ids) - latest.keys()))))
        if gone:
            # A mentor removed earlier comes back, in the middle of the pool (a full mentor's slot is released).
            latest[gone[0]] = a_mentor(rng, gone[0])
        gone = sorted(removed)
        pool = pool.updated(list(latest.values()), removed)
        mentors = {p: m for p, m in mentors.items() if p not in removed} | latest
        assert [m.person_id for m in pool.mentors] == sorted(mentors)
        assert_same_as_fresh(pool, rng)


def test_an_updated_pool_leaves_the_one_in_use_as_it_was() -> None:
    rng = random.Random(3)
    mentors = [a_mentor(rng, n) for n in range(1, 30)]
    pool = MentorPool(mentors, QUESTIONS)
    mentee = a_mentee(rng, 0)
    before = pool.scores(mentee, WEIGHTS).copy()
    pool.updated([a_mentor(rng, 5, rare="new 1"), a_mentor(rng, 99)], [7, 8])
    assert pool.mentors == mentors
    assert np.array_equal(pool.scores(mentee, WEIGHTS), before)
    assert_same_as_fresh(pool, rng)


# Through the per-program cache, on the real database.


@pytest.fixture
def inline(settings: Settings, slack: FakeSlack, clock: FixedClock) -> Iterator[Running]:
    """The app with its heavy work on the serving threads, so finds use this process's mentor pools."""
    with running_app(replace(settings, workers=0), slack, clock) as running:
        yield running


def stored_mentor(session: Session, program_id: int, rng: random.Random, n: int) -> Person:
    traits = a_mentor(rng, n)
    person = Person(
        team_id="T0001",
        program_id=program_id,
        slack_user_id=traits.user_id,
        display_name=traits.name,
        role=Role.MENTOR,
        expertise=sorted(traits.expertise),
        seniority=traits.seniority,
        capacity=traits.capacity,
        active_mentees=traits.capacity - traits.free_slots if n % 5 else 0,
        timezone=traits.timezone,
        work_start_minute=traits.work_start_minute,
        work_end_minute=traits.work_end_minute,
        learning_style=LearningStyle.DISCUSSION,
        meeting_channel=MeetingChannel.VIDEO,
        cadence=Cadence.WEEKLY,
        languages=sorted(traits.languages),
        department=traits.department,
        do_not_match=sorted(traits.do_not_match),
        answers={key: sorted(values) for key, values in traits.answers},
        created_at=START,
        updated_at=START,
    )
    session.add(person)
    return person


def test_the_cached_pool_follows_every_change_and_loads_only_the_mentors_it_has_not_seen(inline: Running) -> None:
    app, rng = inline, random.Random(11)
    pools = MentorPools()
    with app.services.db.unit_of_work() as session:
        program_id = default_program(session, "T0001", START).id
        people = [stored_mentor(session, program_id, rng, n) for n in range(40)]
        session.flush()
        full = next(p.id for p in people if p.active_mentees == p.capacity)
        used_up, accepted = [p.id for p in people if p.active_mentees == 0 and p.capacity >= 2][:2]
        edited, paused = [p for p in people if p.id not in {full, used_up, accepted}][:2]
        edited_id, paused_id, paused_user = edited.id, paused.id, paused.slack_user_id
        first = pools.pool(session, program_id, QUESTIONS)

    def brought_up_to_date() -> tuple[MentorPool, list[str]]:
        with app.services.db.unit_of_work() as session:
            with counted(app) as statements:
                pool = pools.pool(session, program_id, QUESTIONS)
            with counted(app) as again:
                assert pools.pool(session, program_id, QUESTIONS) is pool
            assert len(again) == 1, "the next find reads only the fingerprint, which the pool's now matches"
            fresh = MentorPool(available_mentors(session, program_id), QUESTIONS)
        assert pool.mentors == fresh.mentors
        assert_same_as_fresh(pool, rng)
        return pool, statements

    with app.services.db.unit_of_work() as session:
        while claim_slot(session, used_up):  # capacity used up
            pass
        assert claim_slot(session, accepted)
    pool, statements = brought_up_to_date()
    assert pool.mentor(accepted).free_slots == first.mentor(accepted).free_slots - 1
    assert used_up not in {m.person_id for m in pool.mentors}
    # The fingerprint, then each mentor's slots and profile stamp: slots alone load no profile.
    assert len(statements) == 2 and not any("people.id IN" in s for s in statements), statements

    later = START + timedelta(hours=1)
    with app.services.db.unit_of_work() as session:
        release_slot(session, full)  # a full mentor has room again (a pair ended)
        person = session.get_one(Person, edited_id)
        person.expertise, person.department, person.languages = ["rust", "python"], "Research", ["klingon"]
        person.capacity, person.active_mentees, person.updated_at = 3, 0, later
        pause(session, "T0001", paused_user, later)
        session.flush()
        added = stored_mentor(session, program_id, rng, 40)
        session.flush()
        added_id = added.id
    earlier, (pool, statements) = pool, brought_up_to_date()
    assert pool.mentor(edited_id).expertise == {"rust", "python"} and pool.mentor(edited_id).free_slots == 3
    assert paused_id not in {m.person_id for m in pool.mentors}
    assert [s for s in statements if "people.id IN" in s], "the mentors it has not seen are loaded in one statement"
    unseen = {full, edited_id, added_id}
    assert unseen <= {m.person_id for m in pool.mentors}
    kept = [m for m in earlier.mentors if m.person_id not in {paused_id, edited_id}]
    assert all(pool.mentor(m.person_id) is m for m in kept), "the others keep their rows, not reloaded"
    assert len(statements) == 3, statements

    # The slots alone: the fingerprint, then only the rows written since the pool's version, no profile.
    with app.services.db.unit_of_work() as session:
        assert claim_slot(session, added_id)
    pool, statements = brought_up_to_date()
    assert len(statements) == 2 and "pool_version >" in statements[1], statements
    assert "people.id IN" not in statements[1]


def test_a_change_the_row_versions_do_not_show_still_reaches_the_pool(inline: Running) -> None:
    """A deleted mentor leaves no row to version; on SQLite a deleted row's version comes again, and a write may
    set the version itself; on PostgreSQL a write may commit after a later one (below). The fingerprint sums
    the mentors' versions, so it still moves, and every mentor's state is read and compared."""
    app, rng = inline, random.Random(12)
    pools = MentorPools()
    with app.services.db.unit_of_work() as session:
        program_id = default_program(session, "T0001", START).id
        people = [stored_mentor(session, program_id, rng, n) for n in (5, 10, 15, 20)]
        session.flush()
        deleted, edited, blocking = people[0].id, people[1].id, people[2].id
        pools.pool(session, program_id, QUESTIONS)
    with app.services.db.unit_of_work() as session:
        session.delete(session.get_one(Person, deleted))
    with app.services.db.unit_of_work() as session:
        pool = pools.pool(session, program_id, QUESTIONS)
        assert [m.person_id for m in pool.mentors] == [p.id for p in people[1:]]
    # A profile edit that writes the row's version too (a restore of saved rows, say).
    later = START + timedelta(hours=1)
    with app.services.db.unit_of_work() as session:
        session.execute(
            update(Person)
            .where(Person.id == edited)
            .values(expertise=["negotiation"], updated_at=later, pool_version=0)
        )
    with app.services.db.unit_of_work() as session:
        with counted(app) as statements:
            pool = pools.pool(session, program_id, QUESTIONS)
        with counted(app) as again:
            assert pools.pool(session, program_id, QUESTIONS) is pool
        assert len(again) == 1
        assert pool.mentor(edited).expertise == {"negotiation"}
        assert pool.mentors == available_mentors(session, program_id)
    assert "pool_version >" in statements[1], statements
    if app.services.db.engine.dialect.name == "sqlite":
        # PostgreSQL's trigger versions every write; SQLite's leaves a write of the version itself alone.
        assert len(statements) == 6, "fingerprint, rows since, fingerprint again, version, every state, the profile"
    # A mentor takes a mentee and someone signs up as a mentee, so the pool reads both rows and has seen the
    # program's highest version: the newcomer's. The newcomer is removed (an admin declined them), then a mentor
    # says whom they must not be matched with. On SQLite that write gets the removed row's version again, no
    # higher than the one the pool has seen, and only the sum of the mentors' versions shows it.
    with app.services.db.unit_of_work() as session:
        assert claim_slot(session, people[3].id)
        newcomer = stored_mentor(session, program_id, rng, 30)
        newcomer.role = Role.MENTEE
        session.flush()
        newcomer_id = newcomer.id
    with app.services.db.unit_of_work() as session:
        pools.pool(session, program_id, QUESTIONS)
        removed_version = session.get_one(Person, newcomer_id).pool_version
        session.delete(session.get_one(Person, newcomer_id))
    with app.services.db.unit_of_work() as session:
        person = session.get_one(Person, blocking)
        person.do_not_match, person.updated_at = ["UANA"], later
    with app.services.db.unit_of_work() as session:
        if app.services.db.engine.dialect.name == "sqlite":
            assert session.get_one(Person, blocking).pool_version == removed_version
        pool = pools.pool(session, program_id, QUESTIONS)
        assert pool.mentor(blocking).do_not_match == {"UANA"}
        assert pool.mentors == available_mentors(session, program_id)


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"), reason="two writers at once: PostgreSQL"
)
def test_on_postgresql_a_write_that_commits_after_a_later_one_still_reaches_the_pool(inline: Running) -> None:
    """An edit takes its version when it writes and shows when it commits: an accept that wrote after it and
    committed first moves the pool's version past it. The edit, once committed, must still reach the pool."""
    app, rng = inline, random.Random(13)
    pools = MentorPools()
    with app.services.db.unit_of_work() as session:
        program_id = default_program(session, "T0001", START).id
        people = [stored_mentor(session, program_id, rng, n) for n in (5, 10, 15)]
        session.flush()
        edited, accepting = people[0].id, people[1].id
        pools.pool(session, program_id, QUESTIONS)
    engine = app.services.db.engine
    with engine.connect() as edit:
        transaction = edit.begin()
        edit.execute(
            update(Person)
            .where(Person.id == edited)
            .values(do_not_match=["UANA"], updated_at=START + timedelta(hours=1))
        )
        with app.services.db.unit_of_work() as session:
            assert claim_slot(session, accepting)
        with app.services.db.unit_of_work() as session:
            assert pools.pool(session, program_id, QUESTIONS).mentor(edited).do_not_match == frozenset()
        transaction.commit()
    with app.services.db.unit_of_work() as session:
        pool = pools.pool(session, program_id, QUESTIONS)
        assert pool.mentor(edited).do_not_match == {"UANA"}
        assert pool.mentors == available_mentors(session, program_id)


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"), reason="writers at once: PostgreSQL"
)
def test_on_postgresql_writers_of_two_programs_in_opposite_orders_all_commit_and_the_sums_stay_exact(
    inline: Running,
) -> None:
    """Each transaction takes a slot in one program and gives one back in the other, half of them in each order, two
    at a time: the sums are written at commit under one lock, so none deadlocks and the sums stay the aggregate."""
    app, rng = inline, random.Random(14)
    create_program(app, "Second")
    with app.services.db.unit_of_work() as session:
        programs = [default_program(session, "T0001", START).id, program_named(app, "second")]
        # Two mentors in each program, so the writers share no row of people, only the programs' sums.
        mentors = [stored_mentor(session, programs[n % 2], rng, n) for n in range(4)]
        for mentor in mentors:
            mentor.capacity, mentor.active_mentees = 1000, 500
        session.flush()
        ids = [mentor.id for mentor in mentors]
    start = threading.Barrier(2)

    def write(claimed: int, released: int) -> None:
        start.wait()
        for _ in range(40):
            with app.services.db.unit_of_work() as session:
                assert claim_slot(session, claimed)
                release_slot(session, released)

    with ThreadPoolExecutor(2) as writers:
        # First program then second, and second then first.
        done = [writers.submit(write, ids[0], ids[1]), writers.submit(write, ids[3], ids[2])]
        for writer in done:
            writer.result()
    with app.services.db.engine.connect() as connection:
        kept, aggregate = pool_sums_and_aggregate(connection)
    assert kept == aggregate and {row[1] for row in kept} == {2}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_cached_pool_follows_a_long_run_of_changes_where_many_mentors_share_a_stamp(
    inline: Running, seed: int
) -> None:
    """Slots taken and released, profiles edited (often at the same minute), mentors paused, back or deleted,
    newcomers: one to three at a time, after which the pool equals the database's mentors and the next find
    reads the fingerprint alone, the database's sums of the pool equal to an aggregate over its mentors."""
    app, rng, now = inline, random.Random(seed), START
    pools = MentorPools()
    with app.services.db.unit_of_work() as session:
        program_id = default_program(session, "T0001", START).id
        ids = [stored_mentor(session, program_id, rng, n) for n in range(12)]
        session.flush()
        people = [p.id for p in ids]
        pools.pool(session, program_id, QUESTIONS)

    def change_something() -> str:
        nonlocal now
        with app.services.db.unit_of_work() as session:
            change = rng.choice(["claim", "release", "edit", "status", "delete", "newcomer"])
            person = session.get(Person, rng.choice(people))
            if change == "newcomer" or person is None:
                # Someone new, a mentor or a mentee (whose removal may hand their version to the next write).
                newcomer = stored_mentor(session, program_id, rng, 100 + len(people))
                newcomer.role = rng.choice([Role.MENTOR, Role.MENTEE])
                session.flush()
                people.append(newcomer.id)
                return "newcomer"
            if change == "claim":
                claim_slot(session, person.id)
            elif change == "release":
                release_slot(session, person.id)
            elif change == "edit":
                # Every edit stamps the profile with the time, which other edits may share (not its own last one).
                if rng.random() < 0.5 or person.updated_at.replace(tzinfo=None) == now.replace(tzinfo=None):
                    now += timedelta(minutes=1)
                person.expertise, person.do_not_match, person.updated_at = [rng.choice(TOPICS)], [], now
            elif change == "status":
                active = person.status is PersonStatus.ACTIVE
                person.status = PersonStatus.PAUSED if active else PersonStatus.ACTIVE
            else:
                session.delete(person)
            return change

    for _ in range(40):
        changes = [change_something() for _ in range(rng.randint(1, 3))]
        with app.services.db.unit_of_work() as session:
            pool = pools.pool(session, program_id, QUESTIONS)
            assert pool.mentors == available_mentors(session, program_id), changes
            with counted(app) as again:
                assert pools.pool(session, program_id, QUESTIONS) is pool
            assert len(again) == 1, changes
            kept, aggregate = pool_sums_and_aggregate(session.connection())
            assert kept == aggregate, "the database's sums of every program's pool are the aggregate's"


# What a mentee reads.


def mentor_section(answer: Call, mentor: str) -> str:
    """The text of the mentor's entry in a find's answer."""
    texts = [str(block.get("text", {}).get("text", "")) for block in answer.args["blocks"]]
    return next(text for text in texts if f"<@{mentor}>" in text)


def test_a_find_after_an_accept_or_an_edit_shows_the_mentor_as_they_are_now(inline: Running) -> None:
    app = inline
    join(app, "UBEN", MENTOR_PROFILE)
    join(app, "UDAN", MENTOR_PROFILE, expertise="python, sql", seniority="3")
    for mentee in ("UANA", "UCAT", "UEVE"):
        join(app, mentee, MENTEE_PROFILE)
    assert "2 free slots" in mentor_section(find(app, "UCAT"), "UBEN")

    accept_request(app, "UBEN", "UANA")
    assert "1 free slot" in mentor_section(find(app, "UCAT"), "UBEN")

    app.clock.set(START + timedelta(hours=1))
    join(app, "UDAN", MENTOR_PROFILE, expertise="python, sql, negotiation", seniority="3")
    assert "<@UDAN>" in find(app, "UCAT", "negotiation").text()

    accept_request(app, "UBEN", "UEVE")
    answer = find(app, "UCAT")
    assert "<@UBEN>" not in answer.text() and "<@UDAN>" in answer.text()
