"""Unanswered requests: one reminder, then expiry, driven by `mentorbot tick --now` (time travel)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from storage.models import MatchRequest, OutboxMessage, RequestStatus
from tests.conftest import BOT_TOKEN, START, Running, run_mentorbot
from tests.steps import (
    MENTEE_PROFILE,
    MENTOR_PROFILE,
    button_value,
    home_stopped_offering,
    join,
    mentor_request_dm,
    request_mentor,
)

REQUEST = "Could you help me get better at presenting to executives? I freeze up in big meetings."


def tick(app: Running, tmp_path: Path, after: timedelta) -> str:
    result = run_mentorbot(
        ["tick", "--now", (START + after).isoformat()],
        {
            "DATABASE_URL": app.services.settings.database_url,
            "SLACK_API_URL": app.slack.base_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "MENTORBOT_ADMINS": "UADMIN",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def requested(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)
    join(app, "UANA", MENTEE_PROFILE)
    request_mentor(app, "UANA", "UBEN", REQUEST)
    mentor_request_dm(app, "UBEN")
    # The request's last DM, to the mentee: sent only after everything else is stored.
    app.slack.wait_until("the mentee told", lambda _: dms(app, "UANA", "Your request is on its way") == 1)


def dms(app: Running, user: str, phrase: str) -> int:
    return sum(phrase in c.text() for c in app.slack.messages_to(f"D{user}"))


def test_reminder_once_then_expiry_tells_everyone(app: Running, tmp_path: Path) -> None:
    requested(app)
    assert "reminders 0, expired requests 0" in tick(app, tmp_path, timedelta(hours=47))

    assert "reminders 1" in tick(app, tmp_path, timedelta(hours=48, minutes=5))
    assert "reminders 0" in tick(app, tmp_path, timedelta(hours=48, minutes=10))
    assert dms(app, "UBEN", "gentle reminder") == 1

    out = tick(app, tmp_path, timedelta(hours=72, minutes=1))
    assert "expired requests 1" in out and "messages sent 3" in out
    assert dms(app, "UANA", "didn't get to your request in time") == 1
    assert dms(app, "UADMIN", "expired unanswered (1 so far for them)") == 1
    assert any(c.method == "chat.update" and "expired without an answer" in c.text() for c in app.slack.calls)
    # Both App Homes are redrawn, so neither still offers Accept or Withdraw for the closed request.
    assert home_stopped_offering(app, "UBEN", "find.accept")
    assert home_stopped_offering(app, "UANA", "find.withdraw")
    assert "expired requests 0, fit checks 0, check-ins 0, evaluations 0, at risk 0, closed 0; messages sent 0" in tick(
        app, tmp_path, timedelta(hours=80)
    )
    with app.services.db.unit_of_work() as session:
        request = session.scalars(select(MatchRequest)).one()
    assert request.status is RequestStatus.EXPIRED and request.responded_at is None


def test_accepting_an_expired_request_explains_it_closed(app: Running, tmp_path: Path) -> None:
    requested(app)
    tick(app, tmp_path, timedelta(hours=73))
    dm = mentor_request_dm(app, "UBEN")
    mark = app.slack.mark()
    app.user.click("UBEN", "find.accept", value=button_value(dm, "find.accept"))
    assert "closed because it expired" in app.slack.wait_for("response_url", since=mark)[-1].text()


def test_delivery_survives_rate_limits_and_server_errors(app: Running, tmp_path: Path) -> None:
    requested(app)
    app.slack.fail("chat.postMessage", "429", retry_after=1)
    # A 429 is no failure: the message waits for a later pass instead of stalling the others (sent by the end).
    assert "failed 0" in tick(app, tmp_path, timedelta(hours=49))
    # One DM is opened in this tick, the admin's (the mentee's channel is kept from her earlier DMs): the outbox's
    # try and its client's two retries all fail.
    app.slack.fail("conversations.open", "500", times=3)
    out = tick(app, tmp_path, timedelta(hours=73))
    assert "retrying" in out and "messages sent" in out
    assert "retrying 0" not in out
    later = tick(app, tmp_path, timedelta(hours=74))
    assert "retrying 0, failed 0" in later
    assert dms(app, "UANA", "didn't get to your request in time") == 1
    assert dms(app, "UADMIN", "expired unanswered") == 1
    with app.services.db.unit_of_work() as session:
        assert all(m.sent_at is not None for m in session.scalars(select(OutboxMessage)))
