"""A peer circle of five through signed HTTP and `mentorbot tick --now`: intro, an agreement everyone confirms (and a
change that reopens it), three check-ins with the facilitator rotating and one absence, a consented shout-out,
a member leaving quietly, a place offered to someone waiting, and the private final evaluations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from icalendar import Calendar
from sqlalchemy import select

from sandbox.fake_slack import Call
from storage.models import Circle, CircleEvaluation, CircleStatus
from tests.conftest import BOT_TOKEN, Running, run_mentorbot
from tests.steps import MENTEE_PROFILE, button_value, buttons
from tests.test_circle_rounds import admin_command, click, intros
from tests.test_first_meeting import hours_of_user
from tests.test_programs import create_program, join_program

FIVE = ["UANA", "UBEN", "UCAT", "UDAN", "UEVE"]
EUROPE = ["Europe/Paris", "Europe/Berlin", "Europe/London", "Europe/Lisbon", "Europe/Madrid"]
WINS = "C0WINS"


def tick(app: Running, tmp_path: Path, when: datetime) -> str:
    result = run_mentorbot(
        ["tick", "--now", when.isoformat()],
        {
            "DATABASE_URL": app.services.settings.database_url,
            "SLACK_API_URL": app.slack.base_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "MENTORBOT_ADMINS": "UADMIN",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    app.clock.set(when)
    return result.stdout


def circle(app: Running) -> Circle:
    with app.services.db.reading() as session:
        found = session.scalars(select(Circle).order_by(Circle.id.desc())).first()
        assert found is not None
        session.expunge(found)
        return found


def posted_in(app: Running, channel: str, phrase: str, count: int = 1) -> list[Call]:
    def found(calls: list[Call]) -> list[Call]:
        return [
            c
            for c in calls
            if c.method == "chat.postMessage" and c.args.get("channel") == channel and phrase in c.text()
        ]

    return found(app.slack.wait_until(f"{phrase!r} in {channel}", lambda calls: len(found(calls)) >= count))


def said_where(app: Running, phrase: str) -> str:
    """The conversation a message saying `phrase` was posted in, once it has been."""
    calls = app.slack.wait_until(
        phrase, lambda calls: any(phrase in c.text() for c in calls if c.method == "chat.postMessage")
    )
    return str(next(c for c in calls if c.method == "chat.postMessage" and phrase in c.text()).args["channel"])


def posted_in_since(app: Running, channel: str, mark: int) -> list[Call]:
    """Proposals posted in `channel` before `mark`: the next one is the one after them."""
    return [c for c in app.slack.calls[:mark] if c.args.get("channel") == channel and "Confirmed by 1 of 5" in c.text()]


def dm_saying(app: Running, user: str, phrase: str, count: int = 1) -> Call:
    """The `count`th DM to `user` saying `phrase`, once it has arrived."""
    return posted_in(app, f"D{user}", phrase, count)[count - 1]


def opened_form(app: Running, user: str, action_id: str, value: str, channel: str) -> dict[str, Any]:
    before = len(app.slack.calls_to("views.open"))
    app.user.click(user, action_id, value=value, channel=channel)
    view: dict[str, Any] = app.slack.wait_for("views.open", before + 1)[-1].args["view"]
    return view


def in_channel_click(app: Running, user: str, action_id: str, value: str, channel: str) -> Call:
    mark = app.slack.mark()
    app.user.click(user, action_id, value=value, channel=channel)
    return app.slack.wait_for("response_url", since=mark)[-1]


def started_circle(app: Running, zones: list[str] | None = None) -> str:
    """Five peers (in `zones`, else where the fake workspace has them) in one circle, with Fay yet to join."""
    for user, zone in zip(FIVE, zones or [], strict=False):
        app.slack.add_user(user, user[1:].title(), zone)
    app.slack.add_user("UFAY", "Fay", "Europe/Paris")
    create_program(app, "Speaking circle", template="circle", channel=WINS)
    for user in FIVE:
        join_program(app, user, "speaking-circle", MENTEE_PROFILE)
    preview = admin_command(app, "UADMIN")
    assert "1 circle of 5 people, 0 not placed" in preview.text(), preview.text()
    click(app, "UADMIN", "circles.publish", button_value(preview, "circles.publish"))
    channel = str(intros(app, 1)[0].args["channel"])
    posted_in(app, channel, "How will you work together?")
    return channel


def agree(app: Running, channel: str, proposer: str, minutes: str, others: list[str]) -> str:
    circle_id = str(circle(app).id)
    form = opened_form(app, proposer, "group.agreement.open", circle_id, channel)
    assert "a change asks everyone again" in str(form)
    refused = app.user.submit(proposer, form, {"cadence": "weekly", "meeting_minutes": "7", "focus": "x"})
    assert refused.json()["response_action"] == "errors" and "meeting_minutes" in refused.json()["errors"]
    mark = app.slack.mark()
    reply = app.user.submit(
        proposer, form, {"cadence": "weekly", "meeting_minutes": minutes, "focus": "Practise giving talks"}
    )
    assert reply.status == 200 and reply.body == "", reply.body
    proposal = posted_in(app, channel, "Confirmed by 1 of 5", count=len(posted_in_since(app, channel, mark)) + 1)
    assert f"proposed by <@{proposer}>" in proposal[-1].text() and f"{minutes} minutes" in proposal[-1].text()
    value = button_value(proposal[-1], "group.agreement.confirm")
    answer = ""
    for user in others:
        answer = in_channel_click(app, user, "group.agreement.confirm", value, channel).text()
    return answer


def test_a_circle_of_five_lives_through_agreement_checkins_shoutout_leaving_and_its_end(
    app: Running, tmp_path: Path
) -> None:
    channel = started_circle(app, EUROPE)
    first = circle(app)
    assert first.status is CircleStatus.ACTIVE and first.ends_at is not None

    confirmed = agree(app, channel, "UANA", "60", FIVE[1:])
    assert "Agreed by all five of you" in confirmed, confirmed
    assert circle(app).next_checkin_at is not None
    offer = posted_in(app, channel, "Three times you can all make")[-1]
    picks = [b for b in buttons(offer.args["blocks"]) if b["action_id"] == "group.time.pick"]
    assert len(picks) == 3 and "Europe/Paris" in offer.text()
    start = datetime.fromisoformat(picks[1]["value"].partition("|")[2])
    for user in FIVE:
        hours = hours_of_user(app, user)
        assert hours.contains(start) and hours.contains(start + timedelta(minutes=59)), user
    files = len(app.slack.files_shared_in(channel))
    chosen = in_channel_click(app, "UCAT", "group.time.pick", picks[1]["value"], channel).text()
    assert "<@UCAT> picked" in chosen
    app.slack.wait_until("the invite", lambda _: len(app.slack.files_shared_in(channel)) > files)
    name, data = app.slack.files_shared_in(channel)[-1]
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    assert name.endswith(".ics") and event.decoded("dtstart").astimezone(UTC) == start
    assert event.get("rrule")["FREQ"] == ["WEEKLY"] and str(event.get("uid")) == f"circle-{first.id}@mentorbot"
    second = in_channel_click(app, "UDAN", "group.time.pick", picks[0]["value"], channel).text()
    assert "Someone picked a time" in second, "the first pick wins"
    checkin_at = circle(app).next_checkin_at
    assert checkin_at is not None and checkin_at >= start + timedelta(minutes=60), "the check-in follows the meeting"
    assert all(hours_of_user(app, user).contains(checkin_at) for user in FIVE)
    changed = agree(app, channel, "UBEN", "45", ["UANA", "UCAT", "UDAN", "UEVE"])
    assert "Agreed by all five of you" in changed and "45 minutes" in changed

    goal_form = opened_form(app, "UBEN", "group.goal.open", str(first.id), channel)
    goal = {
        "whose": "group",
        "title": "Each of us gives one talk",
        "outcome": "Five talks given, with feedback on each",
        "first_action": "Pick our topics next time",
    }
    past = app.user.submit("UBEN", goal_form, {**goal, "due_on": "2026-11-01"})
    assert "due_on" in past.json()["errors"], "a goal's date is in the future"
    assert app.user.submit("UBEN", goal_form, {**goal, "due_on": "2027-02-01"}).body == ""
    group_goal = posted_in(app, channel, "<@UBEN> set a goal for the circle")[-1]
    own = {**goal, "whose": "mine", "title": "Speak at the March meetup", "due_on": "2027-03-01"}
    assert app.user.submit("UCAT", opened_form(app, "UCAT", "group.goal.open", str(first.id), channel), own).body == ""
    own_goal = posted_in(app, channel, "<@UCAT> set a goal of their own")[-1]
    app.user.click("UANA", "group.goal.done", value=button_value(own_goal, "group.goal.done"), channel=channel)
    dm_saying(app, "UANA", "belongs to someone else")

    facilitators = []
    for number in (1, 2, 3):
        due = circle(app).next_checkin_at
        assert due is not None
        tick(app, tmp_path, due)
        checkin = posted_in(app, channel, f"Check-in after meeting {number}")[-1]
        facilitators.append(checkin.text())
        value = button_value(checkin, "group.checkin.there")
        for user in FIVE[:4]:
            in_channel_click(app, user, "group.checkin.there", value, channel)
        absent = in_channel_click(app, "UEVE", "group.checkin.missed", value, channel).text()
        assert "*Missed it*: <@UEVE>" in absent and "Not answered yet" not in absent
    assert "<@UANA> facilitated this one" in facilitators[0] and "<@UBEN>'s turn" in facilitators[0]
    assert "<@UBEN> facilitated this one" in facilitators[1] and "<@UCAT>'s turn" in facilitators[1]
    assert "<@UCAT> facilitated this one" in facilitators[2] and "<@UDAN>'s turn" in facilitators[2]
    assert circle(app).at_risk_since is None, "one absent member is not a group at risk"
    assert (
        "The group: Each of us gives one talk" in facilitators[0] and "<@UCAT>: Speak at the March" in facilitators[0]
    )
    done = in_channel_click(app, "UDAN", "group.goal.done", button_value(group_goal, "group.goal.done"), channel)
    assert "Done: Each of us gives one talk. Well done, everyone!" in done.text() and "Celebrate it" in done.text()

    form = opened_form(app, "UANA", "group.shoutout.open", str(first.id), channel)
    assert f"<#{WINS}>" in str(form) and "after each of them says yes" in str(form)
    too_long = app.user.submit("UANA", form, {"shoutout": "x" * 301})
    assert too_long.json()["response_action"] == "errors"
    app.user.submit("UANA", form, {"shoutout": "Three meetings, three talks given!"})
    asked = posted_in(app, channel, "would like to celebrate")[-1].text()
    assert "asked each of you privately" in asked and "<@UBEN>" not in asked, "the group never sees who answered"
    for user in FIVE[1:]:
        ask = dm_saying(app, user, "would like to share this")
        assert "Only you see your answer" in ask.text()
        if user != "UEVE":
            said_yes = in_channel_click(
                app, user, "group.shoutout.yes", button_value(ask, "group.shoutout.yes"), f"D{user}"
            )
            assert "Thank you" in said_yes.text()
    assert not [c for c in app.slack.calls if c.args.get("channel") == WINS], "nothing posted before everyone said yes"
    last_ask = dm_saying(app, "UEVE", "would like to share this")
    in_channel_click(app, "UEVE", "group.shoutout.yes", button_value(last_ask, "group.shoutout.yes"), "DUEVE")
    assert "Everyone said yes" in posted_in(app, channel, "Everyone said yes")[-1].text()
    shared = posted_in(app, WINS, "celebrates")[-1].text()
    assert "Three meetings, three talks given!" in shared and all(f"<@{u}>" in shared for u in FIVE)

    join_program(app, "UFAY", "speaking-circle", MENTEE_PROFILE)
    late = dm_saying(app, "UFAY", "place is free")
    assert "Join this circle" in str(late.args) and "<@UANA>" in late.text()
    passed = in_channel_click(app, "UFAY", "group.offer.pass", button_value(late, "group.offer.pass"), "DUFAY")
    assert "You stay on the list" in passed.text()
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin report speaking-circle")
    report = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "*1* active group with *5* members" in report and "Attendance at meetings: 80%" in report, report
    assert "active pairs" not in report
    leaving = app.user.command("UEVE", "leave speaking-circle")
    assert "leave.confirm" in leaving.body
    in_channel_click(app, "UEVE", "leave.confirm", str(first.program_id), "DUEVE")
    without_eve = said_where(app, "<@UEVE> has left the circle")
    assert without_eve not in (channel, "DUEVE"), "the others carry on in a group DM without her"
    left = posted_in(app, without_eve, "<@UEVE> has left the circle")[-1].text()
    assert "goes on here with four of you" in left and "offered the free place" in left
    assert "moved to a new group DM" in posted_in(app, channel, "moved to a new group DM")[-1].text()
    assert dm_saying(app, "UEVE", "You've left your circle")
    assert dm_saying(app, "UEVE", "your time in the circle")
    assert "Practise" not in left and "missed" not in left.lower(), "the others hear only that they left"
    offer = dm_saying(app, "UFAY", "place is free", count=2)
    assert "<@UANA>" in offer.text() and "<@UEVE>" not in offer.text()
    taken = in_channel_click(app, "UFAY", "group.offer.join", button_value(offer, "group.offer.join"), "DUFAY")
    assert "You're in" in taken.text()
    moved = circle(app).channel_id
    assert moved and moved not in (channel, without_eve)
    welcome = posted_in(app, moved, "Welcome <@UFAY>")[-1].text()
    assert all(f"<@{u}>" in welcome for u in ["UANA", "UBEN", "UCAT", "UDAN", "UFAY"])
    assert "How you work together" in welcome and "45 minutes" in welcome

    ends = circle(app).ends_at
    assert ends is not None
    tick(app, tmp_path, ends)
    posted_in(app, moved, "reached the end of its time")
    invite = dm_saying(app, "UANA", "has ended. Two private questions")
    assert dm_saying(app, "UBEN", "is 30 days in"), "the program's evaluation days come to groups too"
    assert circle(app).status is CircleStatus.ENDED
    form = opened_form(app, "UANA", "group.evaluation.open", button_value(invite, "group.evaluation.open"), "DUANA")
    assert "Nobody in the circle sees this" in str(form) and "at its end" in str(form)
    missing = app.user.submit("UANA", form, {"progress": "4"})
    assert missing.json()["response_action"] == "errors" and "rating" in missing.json()["errors"]
    sent = app.user.submit("UANA", form, {"rating": "5", "progress": "4", "comment": "Loved it"})
    assert sent.status == 200 and sent.body == ""
    assert not [c for c in app.slack.messages_to("DUADMIN") if "shared their evaluation" in c.text()]
    ben = dm_saying(app, "UBEN", "has ended. Two private questions")
    ben_form = opened_form(app, "UBEN", "group.evaluation.open", button_value(ben, "group.evaluation.open"), "DUBEN")
    app.user.submit("UBEN", ben_form, {"rating": "4", "progress": "3", "comment": "More structure", "share": ["share"]})
    shared_with_admin = dm_saying(app, "UADMIN", "<@UBEN> shared their evaluation").text()
    assert "More structure" in shared_with_admin and "Useful*: 4 of 5" in shared_with_admin
    assert "with your name" in dm_saying(app, "UBEN", "Thank you, that helps").text()
    again = app.user.submit("UANA", form, {"rating": "1", "progress": "1"})
    assert again.json()["response_action"] == "errors", "one final evaluation per member"
    with app.services.db.reading() as session:
        stored = [(e.milestone, e.rating, e.progress, e.shared) for e in session.scalars(select(CircleEvaluation))]
    assert stored == [("final", 5, 4, False), ("final", 4, 3, True)]
    assert not any("Loved it" in c.text() for c in app.slack.calls if c.method == "chat.postMessage")


def test_a_circle_whose_hours_never_all_meet_is_told_so_and_offered_the_fairest_time(app: Running) -> None:
    channel = started_circle(app)
    agree(app, channel, "UANA", "60", FIVE[1:])
    offer = posted_in(app, channel, "never all overlap")[-1]
    text = offer.text()
    assert "asks least of whoever it stretches most" in text and "Asia/Tokyo" in text and "America/Los_Angeles" in text
    assert "inside everyone's working hours" not in text
    assert [b["action_id"] for b in buttons(offer.args["blocks"])].count("group.time.pick") == 1


def test_a_group_is_at_risk_only_when_attendance_drops_and_its_admins_hear_of_it(app: Running, tmp_path: Path) -> None:
    channel = started_circle(app, EUROPE)
    agree(app, channel, "UANA", "60", FIVE[1:])
    posted_in(app, channel, "Three times you can all make")
    for number in (1, 2):
        due = circle(app).next_checkin_at
        assert due is not None
        tick(app, tmp_path, due)
        value = button_value(posted_in(app, channel, f"Check-in after meeting {number}")[-1], "group.checkin.there")
        in_channel_click(app, "UANA", "group.checkin.there", value, channel)
        in_channel_click(app, "UBEN", "group.checkin.missed", value, channel)
        in_channel_click(app, "UCAT", "group.checkin.missed", value, channel)
    assert circle(app).at_risk_since is None, "nothing is judged before the check-ins are in"
    due = circle(app).next_checkin_at
    assert due is not None
    tick(app, tmp_path, due)
    third = posted_in(app, channel, "Check-in after meeting 3")[-1]
    assert "Fewer of you have made it" in third.text() and "group.time.new" in str(third.args["blocks"])
    assert circle(app).at_risk_since is not None
    alert = dm_saying(app, "UADMIN", "may need a hand")
    assert "attendance has dropped" in alert.text() and all(f"<@{u}>" in alert.text() for u in FIVE)
    fresh = in_channel_click(app, "UDAN", "group.time.new", str(circle(app).id), channel)
    assert "Three times you can all make" in fresh.text()


def test_status_shows_the_group_and_whose_turn_thanks_reach_everyone_and_leaving_is_one_click(app: Running) -> None:
    channel = started_circle(app, EUROPE)
    status = app.user.command("UANA", "status").body
    assert "Peer circle" in status and "Your turn to facilitate" in status and "No agreement yet" in status
    assert "group.leave" in status and "<@UBEN>" in status

    mark = app.slack.mark()
    app.user.command("UANA", "thanks group thanks")
    assert "Add a few words" in app.slack.wait_for("response_url", since=mark)[-1].text()
    mark = app.slack.mark()
    app.user.command("UANA", "thanks group for <!channel> a great first session")
    assert "Posted in your circle's group DM" in app.slack.wait_for("response_url", since=mark)[-1].text()
    thanked = posted_in(app, channel, "<@UANA> thanks everyone")[-1].text()
    assert "&lt;!channel&gt;" in thanked and "<!channel>" not in thanked, "user text is escaped"

    app.user.click("UBEN", "group.leave", value=str(circle(app).id), channel="DUBEN")
    without_ben = said_where(app, "<@UBEN> has left the circle")
    assert "goes on here with four of you" in posted_in(app, without_ben, "<@UBEN> has left the circle")[-1].text()
    assert "still a member of Speaking circle" in dm_saying(app, "UBEN", "Done. You're still a member").text()
    assert "Peer circle" not in app.user.command("UBEN", "status").body
    assert "Peer circle" in app.user.command("UCAT", "status").body


def test_an_offered_place_nobody_answers_is_passed_on_after_three_days(app: Running, tmp_path: Path) -> None:
    started_circle(app, EUROPE)
    join_program(app, "UFAY", "speaking-circle", MENTEE_PROFILE)
    offer = dm_saying(app, "UFAY", "place is free")
    tick(app, tmp_path, app.clock.now() + timedelta(days=3, minutes=1))
    assert "stay on the list" in dm_saying(app, "UFAY", "I didn't hear back").text()
    late = in_channel_click(app, "UFAY", "group.offer.join", button_value(offer, "group.offer.join"), "DUFAY")
    assert "just been taken or the group has ended" in late.text()
    assert circle(app).status is CircleStatus.ACTIVE, "five members are more than a circle's minimum"


def test_a_member_confirms_from_app_home_and_an_older_proposals_button_is_refused(app: Running) -> None:
    channel = started_circle(app, EUROPE)
    agree(app, channel, "UANA", "60", ["UBEN"])
    first_value = button_value(posted_in(app, channel, "Confirmed by 1 of 5")[-1], "group.agreement.confirm")
    agree(app, channel, "UBEN", "45", [])
    stale = in_channel_click(app, "UCAT", "group.agreement.confirm", first_value, channel).text()
    assert "replaced by a newer one" in stale
    home = app.user.command("UCAT", "status").body
    assert "Agreement proposed, waiting for" in home and "45 minutes" in home and "I agree" in home
    value = button_value(posted_in(app, channel, "Confirmed by 1 of 5")[-1], "group.agreement.confirm")
    mark = app.slack.mark()
    app.user.click("UCAT", "group.agreement.confirm", value=value, view={"id": "VHOME", "type": "home"})
    app.slack.wait_for("views.publish", since=mark)
    assert "<@UCAT>" not in app.user.command("UDAN", "status").body.split("waiting for")[-1].split("\n")[0]
