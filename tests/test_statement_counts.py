"""Hot paths cost a fixed number of SQL statements: a `/mentor find`, an accept, and a tick per due pair.

A change that adds a query per row (per mentor, per pair) makes one of these fail.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.clock import FixedClock
from bot.pacing import PER_CONVERSATION
from bot.settings import Settings
from sandbox.fake_slack import FakeSlack
from storage.models import MatchRequest, Program
from tests.conftest import START, Running, running_app
from tests.steps import (
    MENTEE_PROFILE,
    MENTOR_PROFILE,
    button_value,
    find,
    join,
    mentor_request_dm,
    paired,
    request_mentor,
    tick_at,
    wait_until_stored,
)

MENTORS = ["UM01", "UM02", "UM03", "UM04", "UM05", "UM06", "UM07", "UM08"]


@pytest.fixture
def inline(settings: Settings, slack: FakeSlack, clock: FixedClock) -> Iterator[Running]:
    """The app with its heavy work on the serving threads, so this process sees every statement."""
    for user_id in MENTORS:
        slack.add_user(user_id, user_id, "Europe/Berlin")
    with running_app(replace(settings, workers=0), slack, clock) as running:
        yield running


@contextmanager
def counted(app: Running) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(app.services.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(app.services.db.engine, "before_cursor_execute", count)


def test_a_find_costs_the_same_statements_whatever_the_number_of_mentors(inline: Running) -> None:
    app = inline
    join(app, "UANA", MENTEE_PROFILE)
    costs = []
    for mentors in (MENTORS[:2], MENTORS[2:]):
        for user_id in mentors:
            join(app, user_id, MENTOR_PROFILE)
        find(app, "UANA")  # warms the mentor pool after the joins changed it
        with counted(app) as statements:
            find(app, "UANA")
        costs.append(len(statements))
    assert costs[0] == costs[1], costs
    assert costs[0] <= 9, costs


def test_an_accept_costs_a_fixed_number_of_statements(inline: Running) -> None:
    app = inline
    join(app, "UBEN", MENTOR_PROFILE)
    join(app, "UANA", MENTEE_PROFILE)
    asked = app.slack.mark()
    request_mentor(app, "UANA", "UBEN", "I'd love help preparing my first conference talk, from outline to delivery.")
    dm = mentor_request_dm(app, "UBEN")
    wait_until_stored(app, lambda session: session.scalar(select(MatchRequest.mentor_message_ts)) is not None)
    # The request ends by redrawing both App Homes: let that finish before counting the accept alone.
    app.slack.wait_for("views.publish", 2, since=asked)
    mark = app.slack.mark()
    with counted(app) as statements:
        app.user.click("UBEN", "find.accept", value=button_value(dm, "find.accept"), channel="DUBEN")
        app.slack.wait_for("chat.update", since=mark)
        app.finish_work()
    # Each unit of work the accept runs in also asks once whether the workspace has several programs (so its
    # messages can say which one they are about), and the intro offers first-meeting times (the pair's people,
    # their agreement, the stored offer).
    # Each App Home it redraws also asks once for the person's groups and circles; and the accept locks the
    # mentee's row and reads their program, so that a round publishing at the same moment can't give them one
    # mentor too many. Opening the pair's group DM takes a turn of the pace every process shares (three).
    assert len(statements) <= 58, len(statements)


def test_a_tick_costs_the_same_statements_for_each_due_pair(inline: Running) -> None:
    app = inline
    paired(app, mentor="UM01", mentee="UM02")
    app.clock.set(START + timedelta(days=1))
    for mentor, mentee in (("UM03", "UM04"), ("UM05", "UM06"), ("UM07", "UM08")):
        paired(app, mentor=mentor, mentee=mentee)
    # Everything else that comes due in the first month (fit checks, …) is sent before the counted ticks.
    for day in (1, 20, 29):
        tick_at(app, START + timedelta(days=day, hours=1))
    costs = {}
    for due, day in ((1, 30), (3, 31)):
        # Pacing is by the wall clock: let each conversation's turn from the last messages come round first, so
        # no counted send waits and is tried again (that would count its retries, not its cost).
        time.sleep(PER_CONVERSATION + 0.1)
        with counted(app) as statements:
            report = tick_at(app, START + timedelta(days=day, hours=1))
        assert report.evaluations == 2 * due
        costs[due] = len(statements)
    per_pair = (costs[3] - costs[1]) / 2
    # Per pair: the claim and the two invitations queued, and for each of the two DMs its channel and its
    # turn in the pace shared by all processes; the pair's program and the people's (for the message's label).
    assert per_pair == int(per_pair) and per_pair <= 28, costs


def test_a_tick_costs_the_same_statements_with_one_program_or_twenty(inline: Running) -> None:
    app = inline
    paired(app, mentor="UM01", mentee="UM02")
    quiet = START + timedelta(days=3)
    tick_at(app, quiet)
    with counted(app) as statements:
        tick_at(app, quiet + timedelta(minutes=1))
    one = len(statements)
    with app.services.db.unit_of_work() as session:
        for n in range(19):
            session.add(
                Program(
                    team_id=app.slack.team_id,
                    name=f"Cohort {n}",
                    slug=f"cohort-{n}",
                    admins=[],
                    default_cadence="biweekly",
                    anonymity_threshold=5,
                    request_expiry_hours=72,
                    created_at=START,
                )
            )
    with counted(app) as statements:
        tick_at(app, quiet + timedelta(minutes=2))
    assert len(statements) == one, "a tick's statements depend on what is due, not on how many programs exist"
