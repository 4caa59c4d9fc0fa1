"""Group DMs are opened at Slack's pace for new conversations, the one every process shares in the database: an
accept's goes at once and counts against it, a round's many wait for their turns past Slack's burst."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.dm_channels import open_group_dm
from bot.pacing import METHOD_BURST, METHOD_RATES, SharedPace
from bot.slack import make_client
from storage.models import PaceSlot
from tests.conftest import BOT_TOKEN, Running
from tests.steps import MENTEE_PROFILE, MENTOR_PROFILE, accept_request, join
from tests.test_pacing import FakeTime

OPEN = "conversations.open"
GAP = 1 / METHOD_RATES[OPEN]


def open_slot(app: Running) -> float:
    """When the workspace's next `conversations.open` turn is due, as the shared pace keeps it (0: none taken)."""
    with app.services.db.reading() as session:
        slot = session.scalars(select(PaceSlot).where(PaceSlot.key == f"T0001:method:{OPEN}")).one_or_none()
        return slot.next_at if slot is not None else 0.0


def test_an_accepts_group_dm_counts_against_the_pace_the_outbox_keeps_to(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)
    join(app, "UANA", MENTEE_PROFILE)
    before, started = open_slot(app), time.time()
    accept_request(app, "UBEN", "UANA")
    assert open_slot(app) >= max(before, started) + GAP, "the accept's group DM took a turn of the shared pace"


def test_a_rounds_group_dms_wait_their_turns_past_slacks_burst(app: Running) -> None:
    client = make_client(app.slack.base_url, BOT_TOKEN, 5)
    t = FakeTime()
    pace = SharedPace(app.services.db, clock=t.clock, sleep=t.sleep)
    groups = [[f"UA{n:03d}", f"UB{n:03d}", f"UC{n:03d}"] for n in range(METHOD_BURST + 2)]
    channels = [open_group_dm(app.services.db, client, "T0001", users, bulk=True, pace=pace) for users in groups]
    assert len(set(channels)) == len(groups) == len(app.slack.calls_to(OPEN)), "every group got its DM"
    assert t.slept == [round(GAP, 3)] * 2, "past the burst, each waited one turn"
