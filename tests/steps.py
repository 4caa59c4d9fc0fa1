"""Steps a person takes, built from signed requests, shared by the feature tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import Running
from tests.fakes.payloads import Reply

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
