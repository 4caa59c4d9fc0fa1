"""Steps a person takes, built from signed requests, shared by the feature tests."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.installations import Tokens
from sandbox.fake_slack import Call
from sandbox.slack_user import Reply
from scheduler.tick import TickReport, run_tick
from storage.models import Goal, MatchRequest
from tests.conftest import BOT_TOKEN, MENTORBOT, Running

MENTOR_PROFILE: dict[str, Any] = {
    "role": "mentor",
    "expertise": "public speaking, Python, leading a team",
    "seniority": "4",
    "capacity": "2",
    "work_start": "09:00",
    "work_end": "17:00",
    "cadence": "biweekly",
    "meeting_channel": "video",
    "learning_style": "discussion",
}
MENTEE_PROFILE: dict[str, Any] = {
    "role": "mentee",
    "goals": "public speaking, python",
    "seniority": "1",
    "work_start": "08:30",
    "work_end": "16:30",
    "cadence": "weekly",
    "meeting_channel": "huddle",
    "learning_style": "hands_on",
}


def open_join_modal(app: Running, user_id: str) -> dict[str, Any]:
    before = len(app.slack.calls_to("views.open"))
    reply = app.user.command(user_id, "join")
    assert reply.status == 200
    view: dict[str, Any] = app.slack.wait_for("views.open", before + 1)[-1].args["view"]
    return view


def submit_profile(app: Running, user_id: str, values: dict[str, Any]) -> Reply:
    return app.user.submit(user_id, open_join_modal(app, user_id), values)


def join(app: Running, user_id: str, profile: dict[str, Any], **changes: Any) -> None:
    """Join through `/mentor join` and the modal, and wait for the confirmation DM."""
    dm = app.slack.dm_channel(user_id)
    before = len(app.slack.messages_to(dm))
    reply = submit_profile(app, user_id, {**profile, **changes})
    assert reply.status == 200 and reply.body == "", reply.body
    app.slack.wait_for_message(dm, before + 1)


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button in a message or view, whether in an actions block or a section accessory."""
    found = []
    for block in blocks:
        if block.get("type") == "actions":
            found += [e for e in block["elements"] if e.get("type") == "button"]
        accessory = block.get("accessory")
        if accessory and accessory.get("type") == "button":
            found.append(accessory)
    return found


def find(app: Running, user_id: str, topic: str = "") -> Call:
    """Run `/mentor find [topic]` and return the answer posted to the command's response_url."""
    before = len(app.slack.calls_to("response_url"))
    reply = app.user.command(user_id, f"find {topic}".strip())
    assert reply.status == 200
    return app.slack.wait_for("response_url", before + 1)[-1]


def request_mentor(app: Running, mentee: str, mentor: str, message: str, topic: str = "") -> Reply:
    """Pick `mentor` from the mentee's find results and send the request modal with `message`."""
    results = find(app, mentee, topic)
    chosen = [b for b in buttons(results.args["blocks"]) if b["action_id"] == "find.request"]
    mentor_rows = [
        block
        for block in results.args["blocks"]
        if block.get("accessory") in chosen and f"<@{mentor}>" in block["text"]["text"]
    ]
    assert mentor_rows, f"{mentor} is not among {mentee}'s results"
    opened = len(app.slack.calls_to("views.open"))
    app.user.click(mentee, "find.request", value=mentor_rows[0]["accessory"]["value"])
    view = app.slack.wait_for("views.open", opened + 1)[-1].args["view"]
    return app.user.submit(mentee, view, {"message": message, "cadence": "biweekly"})


def request_dms(calls: list[Call], mentor: str) -> list[Call]:
    """The request DMs (they carry Accept / Decline) the mentor received among `calls`."""
    return [
        c
        for c in calls
        if c.method == "chat.postMessage"
        and c.args.get("channel") == f"D{mentor}"
        and any(b["action_id"] == "find.accept" for b in buttons(c.args.get("blocks", [])))
    ]


def mentor_request_dm(app: Running, mentor: str, count: int = 1) -> Call:
    """The `count`-th request DM the mentor received."""
    calls = app.slack.wait_until(f"{count} request DM(s) to {mentor}", lambda c: len(request_dms(c, mentor)) >= count)
    return request_dms(calls, mentor)[count - 1]


def button_value(call: Call, action_id: str) -> str:
    return str(next(b for b in buttons(call.args["blocks"]) if b["action_id"] == action_id)["value"])


def paired(app: Running, mentor: str = "UBEN", mentee: str = "UANA") -> int:
    """Join both, request, accept; returns the new pair's ID (from the intro's agreement button)."""
    join(app, mentor, MENTOR_PROFILE)
    join(app, mentee, MENTEE_PROFILE)
    return int(button_value(accept_request(app, mentor, mentee), "agreement.open"))


def accept_request(app: Running, mentor: str, mentee: str) -> Call:
    """The mentee (both joined) asks the mentor, who accepts; returns the intro in the pair's group DM."""
    earlier = len(request_dms(app.slack.calls_to("chat.postMessage"), mentor))
    asked = app.slack.mark()
    request_mentor(app, mentee, mentor, "I'd love help preparing my first conference talk, from outline to delivery.")
    dm = mentor_request_dm(app, mentor, earlier + 1)
    request_id = int(button_value(dm, "find.accept"))
    # This request's own message, not an earlier pair's: the accept edits it only once it is stored.
    request_message_stored(app, request_id)
    homes_redrawn(app, asked, mentor, mentee)
    mark = app.slack.mark()
    app.user.click(mentor, "find.accept", value=str(request_id), channel=f"D{mentor}")
    channel = "G" + "".join(u[-3:] for u in sorted([mentor, mentee]))
    intro = app.slack.wait_for_message(channel)[0]
    app.slack.wait_for("response_url", since=mark)
    # The accept edits the mentor's original request message, then both App Homes are redrawn once the worker has
    # time: wait for all of it so later steps start clean.
    app.slack.wait_for("chat.update", since=mark)
    homes_redrawn(app, mark, mentor, mentee)
    return intro


def homes_redrawn(app: Running, since: int, *people: str) -> None:
    """Wait until each person's App Home was published after `since` (a worker redraws them after its answers)."""
    app.slack.wait_until(
        f"App Homes of {', '.join(people)}",
        lambda calls: set(people) <= {c.args.get("user_id") for c in calls[since:] if c.method == "views.publish"},
    )


def home_stopped_offering(app: Running, user_id: str, action_id: str) -> bool:
    """The person's App Home offered the button once, and its latest redraw no longer does."""
    homes = [str(call.args["view"]) for call in app.slack.calls_to("views.publish") if call.args["user_id"] == user_id]
    return any(action_id in home for home in homes[:-1]) and action_id not in homes[-1]


def wait_until_stored(app: Running, stored: Callable[[Session], bool], timeout: float = 10.0) -> None:
    """Wait for work the app finishes after its ack to reach the database."""
    deadline = time.monotonic() + timeout
    while True:
        with app.services.db.unit_of_work() as session:
            if stored(session):
                return
        assert time.monotonic() < deadline, "timed out waiting for the database"
        time.sleep(0.02)


def request_message_stored(app: Running, request_id: int) -> None:
    """Wait until the request's DM to its mentor is remembered: the withdraw, accept or decline edits it only then."""
    wait_until_stored(app, lambda session: session.get_one(MatchRequest, request_id).mentor_message_ts is not None)


def goal_card_stored(app: Running) -> None:
    """Wait until the goal card's message is remembered: an edit or milestone before it would post a second card."""
    wait_until_stored(app, lambda session: session.scalar(select(Goal.message_ts)) is not None)


def agreement_settled(app: Running, since: int) -> None:
    """Wait until a confirmed agreement's work is done: posted in the pair's DM, times of the agreed length offered
    when none was picked, and both App Homes redrawn (the last step)."""

    def settled(calls: list[Call]) -> bool:
        posted = [i for i, c in enumerate(calls[since:], since) if "working agreement is set" in c.text()]
        return bool(posted) and sum(c.method == "views.publish" for c in calls[posted[0] :]) >= 2

    app.slack.wait_until("agreement settled", settled)


def tick_at(app: Running, when: datetime) -> TickReport:
    """Travel to `when` (the app's clock too) and run one scheduler pass against the same database and fake Slack."""
    app.clock.set(when)
    return run_tick(
        app.services, Tokens(app.services.settings, app.services.installations, app.services.db).resolver(), when
    )


def ticks_in_processes(app: Running, now: datetime, folder: Path, count: int = 3) -> None:
    """Run `count` `mentorbot tick --now` processes at once against the app's database and fake Slack."""
    env = {
        "DATABASE_URL": app.services.settings.database_url,
        "SLACK_API_URL": app.slack.base_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "PATH": "/usr/bin:/bin",
    }
    processes = [
        subprocess.Popen(
            [MENTORBOT, "tick", "--now", now.isoformat()],
            env=env,
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err for _, err in outputs]
