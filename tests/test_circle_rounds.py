"""Peer-circle rounds through signed HTTP: an admin previews circles, publishes them, and each circle meets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from sandbox.fake_slack import Call
from storage.models import Circle, CircleMember, CircleStatus
from tests.conftest import START, Running
from tests.steps import MENTEE_PROFILE, button_value, tick_at
from tests.test_programs import create_program, join_program

PEERS = ["UANA", "UBEN", "UCAT", "UDAN", "UEVE", "UFAY", "UGUS", "UHAL", "UIDA"]
INTRO = "Welcome to your peer circle"


def circle_program(app: Running, members: list[str]) -> None:
    for user, name in [("UFAY", "Fay"), ("UGUS", "Gus"), ("UHAL", "Hal"), ("UIDA", "Ida")]:
        app.slack.add_user(user, name, "Europe/Paris")
    create_program(app, "Speaking circle", template="circle")
    for user in members:
        join_program(app, user, "speaking-circle", MENTEE_PROFILE)


def admin_command(app: Running, user: str, text: str = "admin match speaking-circle") -> Call:
    mark = app.slack.mark()
    app.user.command(user, text)
    return app.slack.wait_for("response_url", since=mark)[-1]


def click(app: Running, user: str, action_id: str, value: str) -> Call:
    mark = app.slack.mark()
    app.user.click(user, action_id, value=value)
    return app.slack.wait_for("response_url", since=mark)[-1]


def intros(app: Running, count: int) -> list[Call]:
    def found(calls: list[Call]) -> list[Call]:
        return [
            c
            for c in calls
            if c.method == "chat.postMessage" and str(c.args.get("channel", "")).startswith("G") and INTRO in c.text()
        ]

    return found(app.slack.wait_until(f"{count} circle intros", lambda calls: len(found(calls)) >= count))


@dataclass(frozen=True)
class StoredCircle:
    status: CircleStatus
    channel_id: str | None
    sentence: str
    members: list[int]


def told_why(user: str) -> Callable[[list[Call]], bool]:
    def told(calls: list[Call]) -> bool:
        return any(
            c.args.get("channel") == f"D{user}" and "didn't place you" in c.text() and "next round" in c.text()
            for c in calls
        )

    return told


def circles(app: Running) -> list[StoredCircle]:
    with app.services.db.reading() as session:
        return [
            StoredCircle(
                c.status,
                c.channel_id,
                c.sentence,
                list(session.scalars(select(CircleMember.person_id).where(CircleMember.circle_id == c.id))),
            )
            for c in session.scalars(select(Circle).order_by(Circle.id))
        ]


def test_admin_previews_and_publishes_two_circles_of_nine_each_with_its_group_dm_and_reasons(app: Running) -> None:
    circle_program(app, PEERS)
    preview = admin_command(app, "UADMIN")
    text = preview.text()
    assert "2 circles of 9 people, 0 not placed" in text, text
    assert "want to grow in" in text and all(f"<@{user}>" in text for user in PEERS)
    assert circles(app) == [], "a preview changes nothing"

    value = button_value(preview, "circles.publish")
    assert "Circle round published: 2 circles started" in click(app, "UADMIN", "circles.publish", value).text()
    posted = intros(app, 2)
    stored = circles(app)
    assert len(stored) == 2 and all(c.status is CircleStatus.ACTIVE and c.channel_id for c in stored)
    sizes = sorted(len(c.members) for c in stored)
    assert all(3 <= size <= 6 for size in sizes) and sum(sizes) == 9, sizes
    for circle in stored:
        intro = next(c for c in posted if c.args["channel"] == circle.channel_id)
        assert circle.sentence in intro.text() and "A first step" in intro.text()
        assert intro.text().count("<@U") >= len(circle.members)
    assert sorted(c.args["channel"] for c in posted) == sorted(str(c.channel_id) for c in stored)

    assert "already published or discarded" in click(app, "UADMIN", "circles.publish", value).text()
    assert len(circles(app)) == 2, "a second click starts nothing"


def test_with_two_members_the_preview_says_too_few_and_publishing_tells_both_why(app: Running) -> None:
    circle_program(app, ["UANA", "UBEN"])
    preview = admin_command(app, "UADMIN")
    text = preview.text()
    assert "0 circles of 0 people, 2 not placed" in text and "Too few people to form a circle" in text
    assert "<@UANA>: too few people" in text and "<@UBEN>: too few people" in text

    published = click(app, "UADMIN", "circles.publish", button_value(preview, "circles.publish"))
    assert "0 circles started, 2 people told why" in published.text()
    for user in ("UANA", "UBEN"):
        app.slack.wait_until(f"{user} told", told_why(user))
    assert circles(app) == []


def test_a_members_publish_click_is_refused_and_changes_nothing(app: Running) -> None:
    circle_program(app, PEERS[:4])
    preview = admin_command(app, "UADMIN")
    assert "1 circle of 4 people" in preview.text()
    value = button_value(preview, "circles.publish")
    assert "Only program admins" in click(app, "UANA", "circles.publish", value).text()
    assert "Only program admins" in admin_command(app, "UANA").text()
    assert circles(app) == []
    assert "Circle round discarded" in click(app, "UADMIN", "circles.discard", value).text()
    assert "already published or discarded" in click(app, "UADMIN", "circles.publish", value).text()


def test_a_circle_whose_group_dm_slack_refuses_gets_it_from_the_scheduler_with_its_intro(app: Running) -> None:
    circle_program(app, PEERS)
    preview = admin_command(app, "UADMIN")
    # Slack fails the first circle's group DM on the first try and on both of the client's retries.
    app.slack.fail("conversations.open", "500", times=3)
    value = button_value(preview, "circles.publish")
    assert "Circle round published: 2 circles started" in click(app, "UADMIN", "circles.publish", value).text()
    intros(app, 1)
    assert sorted(c.channel_id is None for c in circles(app)) == [False, True], "one circle is still without its DM"

    assert tick_at(app, START + timedelta(minutes=1)).conversations == 0, "the publish's own try may still be running"
    assert tick_at(app, START + timedelta(minutes=3)).conversations == 1
    posted = intros(app, 2)
    stored = circles(app)
    assert sorted(c.args["channel"] for c in posted) == sorted(str(c.channel_id) for c in stored)
    for circle in stored:
        intro = next(c for c in posted if c.args["channel"] == circle.channel_id)
        assert circle.sentence in intro.text() and intro.text().count("<@U") >= len(circle.members)
    assert tick_at(app, START + timedelta(minutes=6)).conversations == 0
    assert len(intros(app, 2)) == 2, "each intro is posted once"
