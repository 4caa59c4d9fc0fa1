"""People type to the bot: a few words act directly, anything else gets the next steps, nothing typed is kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import Base
from tests.conftest import Running
from tests.steps import MENTEE_PROFILE, MENTOR_PROFILE, buttons, join, wait_until_stored


def typed(app: Running, user_id: str, words: str, **extra: Any) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": app.slack.dm_channel(user_id),
        "user": user_id,
        "text": words,
        "ts": "1700000000.000100",
        **extra,
    }
    assert app.user.event(event).status == 200


def everything_stored(app: Running) -> str:
    with app.services.db.reading() as session:
        return "\n".join(
            repr(row) for table in Base.metadata.sorted_tables for row in session.execute(select(table)).all()
        )


def test_a_question_typed_to_the_bot_gets_the_next_steps_and_is_not_kept(app: Running) -> None:
    typed(app, "UANA", "Hi, can you tell me how this works? My secret plan is xyzzy")
    [answer] = app.slack.wait_for_message("DUANA")
    assert "I don't keep it" in answer.text()
    assert [b["text"]["text"] for b in buttons(answer.args["blocks"])] == ["Join the program"]
    assert "xyzzy" not in everything_stored(app)


def test_typed_find_status_and_help_act_directly(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)
    join(app, "UANA", MENTEE_PROFILE)
    before = len(app.slack.messages_to("DUANA"))

    typed(app, "UANA", "find public speaking")
    found = app.slack.wait_for_message("DUANA", before + 1)[-1]
    assert "<@UBEN>" in found.text() and "find.request" in str(found.args["blocks"])

    typed(app, "UANA", "Status")
    assert "at a glance" in app.slack.wait_for_message("DUANA", before + 2)[-1].args["text"]

    typed(app, "UANA", "help!")
    assert "/mentor find" in app.slack.wait_for_message("DUANA", before + 3)[-1].text()

    typed(app, "UANA", "thanks")
    reply = app.slack.wait_for_message("DUANA", before + 4)[-1]
    assert {b["action_id"] for b in buttons(reply.args["blocks"])} >= {"messages.find", "messages.status"}
    mark = app.slack.mark()
    app.user.click("UANA", "messages.find", channel="DUANA")
    after_click = app.slack.wait_until(
        "the ranked list",
        lambda calls: any(c.method == "chat.postMessage" and "<@UBEN>" in c.text() for c in calls[mark:]),
    )
    assert after_click


def test_the_bots_own_posts_edits_and_thread_replies_get_no_answer(app: Running) -> None:
    typed(app, "UANA", "posted by the bot", bot_id="BBOT")
    typed(app, "UANA", "edited", subtype="message_changed")
    typed(app, "UANA", "in a thread", thread_ts="1699999999.000100")
    typed(app, "UANA", "help")
    [answer] = app.slack.wait_for_message("DUANA")
    assert "/mentor find" in answer.text()
    wait_until_stored(app, lambda _: True)
    assert len(app.slack.messages_to("DUANA")) == 1
