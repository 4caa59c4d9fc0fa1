"""Group mentoring through signed HTTP: the program's group size, a round of mentoring groups (one mentor and their
mentees, each group in its own group DM), the people it could not place told why, and `/mentor find` offering a
group with room to a mentee who joined late."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from sandbox.fake_slack import Call
from storage.models import Circle, CircleMember, CircleStatus, Person, Program
from tests.conftest import Running
from tests.steps import MENTEE_PROFILE, MENTOR_PROFILE, button_value, buttons, find
from tests.test_circle_rounds import admin_command, click, told_why
from tests.test_programs import create_program, join_program, open_new_program_form

# Everyone in one time zone, so the hour that suits a group is known: Monday 09:00–16:00 UTC (London in winter).
MENTORS = ["UMIA", "UNED", "UOLA"]
MENTEES = ["UPAM", "UQUI", "URAY", "USAL", "UTOM", "UVAL", "UWES"]
LATE = ["UXAN", "UYVO"]
GROUP = "admin match speaking-group"
INTRO = "Welcome to your mentoring group"


def group_program(app: Running, mentors: dict[str, int], mentees: list[str], group_size: int = 3) -> None:
    """A group-mentoring program of `group_size` mentees a group; each mentor joins with their capacity."""
    for user in [*MENTORS, *MENTEES, *LATE]:
        app.slack.add_user(user, user[1:].capitalize(), "Europe/London")
    create_program(app, "Speaking group", template="group", group_size=str(group_size))
    for user, capacity in mentors.items():
        join_program(app, user, "speaking-group", {**MENTOR_PROFILE, "capacity": str(capacity)})
    for user in mentees:
        join_program(app, user, "speaking-group", MENTEE_PROFILE)


@dataclass(frozen=True)
class StoredGroup:
    mentor: str | None
    members: set[str]
    channel_id: str | None
    window_minute: int | None
    sentence: str


def stored_groups(app: Running) -> list[StoredGroup]:
    with app.services.db.reading() as session:
        users = {person: user for person, user in session.execute(select(Person.id, Person.slack_user_id))}
        groups = []
        for circle in session.scalars(select(Circle).where(Circle.status == CircleStatus.ACTIVE).order_by(Circle.id)):
            members = session.scalars(
                select(CircleMember.person_id).where(
                    CircleMember.circle_id == circle.id, CircleMember.left_at.is_(None)
                )
            )
            mentor = users[circle.mentor_id] if circle.mentor_id is not None else None
            groups.append(
                StoredGroup(
                    mentor, {users[m] for m in members}, circle.channel_id, circle.window_minute, circle.sentence
                )
            )
        return groups


def group_intros(app: Running, count: int) -> list[Call]:
    def found(calls: list[Call]) -> list[Call]:
        return [
            c
            for c in calls
            if c.method == "chat.postMessage" and str(c.args.get("channel", "")).startswith("G") and INTRO in c.text()
        ]

    return found(app.slack.wait_until(f"{count} group intros", lambda calls: len(found(calls)) >= count))


def test_an_admin_sets_the_group_size_and_sizes_outside_two_to_seven_are_refused_with_the_reason(
    app: Running,
) -> None:
    form = open_new_program_form(app)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"template": "group", "group_size": "8"}, "2 to 7 mentees"),
        ({"template": "group", "group_size": "1"}, "fewer is a pair"),
        ({"template": "group", "group_size": "three"}, "whole number"),
        ({"template": "circle", "group_size": "4"}, "group mentoring only"),
    ]
    for values, reason in cases:
        reply = app.user.submit("UADMIN", form, {"name": "Leaders", **values})
        assert reply.status == 200
        assert reason in reply.json()["errors"]["group_size"], (values, reply.json())
    with app.services.db.reading() as session:
        assert session.scalars(select(Program.slug).order_by(Program.id)).all() == ["mentoring"]

    confirmation = create_program(app, "Leaders", template="group", group_size="6")
    assert "(group mentoring, up to 6 mentees a group)" in confirmation
    with app.services.db.reading() as session:
        assert session.scalars(select(Program.group_size).where(Program.slug == "leaders")).one() == 6
    listed = admin_command(app, "UADMIN", "admin program list").text()
    assert "group mentoring of up to 6 mentees" in listed, listed


def test_a_round_forms_mentoring_groups_each_in_a_group_dm_with_its_mentor_and_tells_the_unplaced_why(
    app: Running,
) -> None:
    # Two mentors with room for three hold six of the seven mentees; the third mentor has room for one only.
    group_program(app, {"UMIA": 3, "UNED": 3, "UOLA": 1}, MENTEES)
    preview = admin_command(app, "UADMIN", GROUP)
    text = preview.text()
    assert "Group mentoring round preview" in text and "2 groups of 8 people, 2 not placed" in text, text
    assert "<@UMIA> mentors" in text and "<@UNED> mentors" in text
    assert "All three of you want to grow in public speaking and python, and your mentor offers them." in text
    assert "Monday 09:00–16:00 UTC suits everyone" in text
    assert "<@UOLA>: their capacity is below the smallest group" in text
    sat_out = [user for user in MENTEES if f"<@{user}>: the group sizes cannot hold everyone" in text]
    assert len(sat_out) == 1, text
    assert stored_groups(app) == [], "a preview changes nothing"

    published = click(app, "UADMIN", "circles.publish", button_value(preview, "circles.publish"))
    assert "Group mentoring round published: 2 groups started, 2 people told why" in published.text()
    posted = group_intros(app, 2)
    groups = stored_groups(app)
    assert sorted(str(g.mentor) for g in groups) == ["UMIA", "UNED"]
    for group in groups:
        assert group.mentor in group.members and len(group.members) == 4, group
        assert group.window_minute == 9 * 60, "Monday 09:00 UTC, in minutes since Monday 00:00 UTC"
        intro = next(c for c in posted if c.args["channel"] == group.channel_id)
        assert f"<@{group.mentor}> is your mentor" in intro.text()
        assert group.sentence in intro.text() and all(f"<@{user}>" in intro.text() for user in group.members)
    placed = set().union(*(g.members for g in groups))
    assert placed == {"UMIA", "UNED", *MENTEES} - set(sat_out)

    app.slack.wait_until("the mentee who sat out told why", told_why(sat_out[0]))
    app.slack.wait_until("the mentor without room told why", told_why("UOLA"))
    mentor_note = next(m for m in app.slack.messages_to("DUOLA") if "didn't place you" in m.text())
    assert "room for fewer mentees than the smallest group" in mentor_note.text()


def test_a_round_with_too_few_people_for_one_group_is_refused_with_the_reason_and_both_are_told(
    app: Running,
) -> None:
    group_program(app, {"UMIA": 3}, ["UPAM"])
    preview = admin_command(app, "UADMIN", GROUP)
    text = preview.text()
    assert "0 groups of 0 people, 2 not placed" in text
    assert "Too few people to form a group: a group needs one mentor with room for at least 2 mentees" in text
    assert "<@UPAM>: too few people signed up" in text and "<@UMIA>: too few mentees are waiting" in text

    published = click(app, "UADMIN", "circles.publish", button_value(preview, "circles.publish"))
    assert "0 groups started, 2 people told why" in published.text()
    for user in ("UPAM", "UMIA"):
        app.slack.wait_until(f"{user} told", told_why(user))
    assert stored_groups(app) == []


def test_find_offers_a_late_mentee_the_group_with_room_and_a_full_group_says_so(app: Running) -> None:
    group_program(app, {"UMIA": 3}, ["UPAM", "UQUI"])
    preview = admin_command(app, "UADMIN", GROUP)
    click(app, "UADMIN", "circles.publish", button_value(preview, "circles.publish"))
    group_intros(app, 1)
    for user in LATE:
        join_program(app, user, "speaking-group", MENTEE_PROFILE)

    results = find(app, "UXAN")
    text = results.text()
    assert "*<@UMIA>'s mentoring group* · 1 place free" in text, text
    assert "With <@UPAM>, <@UQUI>" in text and "You share public speaking and python with this group" in text
    assert "Monday 09:00–16:00 UTC suits everyone, you included" in text
    join = button_value(results, "find.join_group")
    assert any(b["action_id"] == "find.request" for b in buttons(results.args["blocks"])), "mentors are shown too"

    assert "You're in" in click(app, "UXAN", "find.join_group", join).text()
    (group,) = stored_groups(app)
    assert group.members == {"UMIA", "UPAM", "UQUI", "UXAN"}

    assert "find.join_group" not in str(find(app, "UYVO").args["blocks"]), "a full group is not offered"
    assert "just filled up" in click(app, "UYVO", "find.join_group", join).text()
    assert stored_groups(app)[0].members == {"UMIA", "UPAM", "UQUI", "UXAN"}
