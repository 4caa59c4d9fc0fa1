"""Delivery at Slack's pace, shared by every process: DMs reuse their channel, a 429 holds up only its own kind,
and three processes delivering at once keep to one workspace rate."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.outbox import deliver, enqueue
from bot.slack import make_client
from bot.views.blocks import Message, section
from storage.models import OutboxMessage
from tests.conftest import BOT_TOKEN, START, Running
from tests.steps import ticks_in_processes

MESSAGES = 200


def queue(app: Running, team_id: str, key: str, **where: str) -> None:
    with app.services.db.unit_of_work() as session:
        enqueue(session, team_id, key, Message(key, [section(key)]), START, **where)


def test_a_persons_dm_is_opened_once_and_reused(app: Running) -> None:
    client = make_client(app.slack.base_url, BOT_TOKEN, 5)
    for n in range(3):
        queue(app, "T0001", f"dm:{n}", user_id="UANA")
        assert deliver(app.services.db, lambda _team: client, START).sent == 1
    assert len(app.slack.calls_to("conversations.open")) == 1
    assert len(app.slack.messages_to("DUANA")) == 3


def test_a_429_holds_up_only_its_own_workspace_and_the_message_goes_later(app: Running) -> None:
    client = make_client(app.slack.base_url, BOT_TOKEN, 5)
    queue(app, "T0001", "one", channel_id="C0ONE")
    queue(app, "T0002", "two", channel_id="C0TWO")
    # Slack answers the first message with a 429, whichever workspace it is for.
    app.slack.fail("chat.postMessage", "429", times=1, retry_after=60)
    report = deliver(app.services.db, lambda _team: client, START)
    assert (report.sent, report.retried, report.failed) == (1, 1, 0)
    with app.services.db.reading() as session:
        rows = {row.dedupe_key: row for row in session.scalars(select(OutboxMessage))}
        [held] = [row for row in rows.values() if row.sent_at is None]
        [sent] = [row for row in rows.values() if row.sent_at is not None]
        assert held.team_id != sent.team_id, "the other workspace's message went in the same pass"
        assert held.failed_at is None and held.attempts == 0, "a 429 is no failed attempt"
        assert held.send_after > START, "it waits for a later pass"
        sent_to, sent_text = str(sent.channel_id), sent.dedupe_key
    assert [c.args["text"] for c in app.slack.messages_to(sent_to)] == [sent_text]


def test_three_processes_delivering_at_once_keep_to_one_workspace_rate(app: Running, tmp_path: Path) -> None:
    # Slack allows 30 messages a second here; each process alone would send 20, three together 60.
    app.slack.enforce_rate_limits(per_channel_per_second=1, workspace_per_second=30)
    # Enough that each process claims a batch of its own and all three send at once.
    for n in range(MESSAGES):
        queue(app, app.slack.team_id, f"burst:{n}", channel_id=f"C{n % 40:04d}")
    ticks_in_processes(app, START, tmp_path)
    posted = [c.args["text"] for c in app.slack.calls_to("chat.postMessage")]
    assert sorted(posted) == sorted(f"burst:{n}" for n in range(MESSAGES)), "each message once"
    assert app.slack.attempts.get("rate_limited", 0) == 0, "no 429 at a shared pace under the cap"
