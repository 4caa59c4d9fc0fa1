"""Celebrate, thank, ask for help, finish well, and the admin report, through signed HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.clock import FixedClock
from bot.report import suppress_counts
from bot.settings import Settings
from bot.views.closing import PAIR_END_OPEN
from sandbox.fake_slack import Call, FakeSlack
from storage.models import Evaluation, HelpRequest, Pair, PairStatus, Person, PersonStatus, Shoutout
from tests.conftest import START, Running, running_app
from tests.steps import button_value, goal_card_stored, home_stopped_offering, paired, tick_at

GROUP = "GANABEN"
CHANNEL = "CPROGRAM"
GOAL: dict[str, Any] = {
    "title": "Give a talk at a meetup",
    "outcome": "A 20-minute talk delivered, with feedback from at least 5 people",
    "due_on": "2027-03-01",
    "milestones": "outline ready",
    "first_action": "list three talk ideas by Friday",
}


@pytest.fixture
def app(settings: Settings, slack: FakeSlack, clock: FixedClock) -> Iterator[Running]:
    with running_app(replace(settings, shoutout_channel=CHANNEL), slack, clock) as running:
        yield running


def in_channel(app: Running) -> list[Call]:
    return [c for c in app.slack.calls if c.method == "chat.postMessage" and c.args.get("channel") == CHANNEL]


def dm_with(app: Running, user: str, phrase: str) -> Call:
    calls = app.slack.wait_until(
        f"{phrase!r} to {user}",
        lambda calls: any(c.args.get("channel") == f"D{user}" and phrase in c.text() for c in calls),
    )
    return [c for c in calls if c.args.get("channel") == f"D{user}" and phrase in c.text()][-1]


def finish_milestone(app: Running, pair_id: int) -> None:
    mark = app.slack.mark()
    app.user.click("UANA", "goal.open", value=str(pair_id), channel=GROUP)
    view = app.slack.wait_for("views.open", since=mark)[-1].args["view"]
    app.user.submit("UANA", view, GOAL)
    card = app.slack.wait_until("card", lambda calls: any("Success looks like" in c.text() for c in calls))
    card_call = [c for c in card if "Success looks like" in c.text()][-1]
    goal_card_stored(app)
    menu = next(
        e
        for b in card_call.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == "goal.milestone"
    )
    app.user.choose("UANA", "goal.milestone", menu["options"][0]["value"], GROUP)


def agree(app: Running, user: str, story: str) -> None:
    question = dm_with(app, user, "May we celebrate it")
    mark = app.slack.mark()
    app.user.click(user, "shoutout.yes", value=button_value(question, "shoutout.yes"))
    modal = app.slack.wait_for("views.open", since=mark)[-1].args["view"]
    assert app.user.submit(user, modal, {"story": story}).body == ""


def test_shoutout_is_posted_escaped_only_when_both_agree(app: Running) -> None:
    pair_id = paired(app)
    finish_milestone(app, pair_id)
    agree(app, "UANA", "Ana nailed her outline <!channel> with Ben's help")
    dm_with(app, "UANA", "if your partner agrees too")
    assert in_channel(app) == []
    agree(app, "UBEN", "Ana nailed her talk outline <!channel> with Ben's help")
    posted = app.slack.wait_until("posted", lambda _: bool(in_channel(app)))
    post = in_channel(app)[-1].text()
    assert "&lt;!channel&gt;" in post and "<!channel>" not in post
    assert "<@UANA> and <@UBEN>" in post
    assert posted


def test_one_no_means_nothing_is_posted_and_the_partner_is_not_told(app: Running) -> None:
    pair_id = paired(app)
    finish_milestone(app, pair_id)
    question = dm_with(app, "UBEN", "May we celebrate it")
    app.user.click("UBEN", "shoutout.no", value=button_value(question, "shoutout.no"))
    dm_with(app, "UBEN", "it stays between you")
    agree(app, "UANA", "Ana finished her outline with Ben")
    told = dm_with(app, "UANA", "Thanks!")
    assert "if your partner agrees" in told.text() and "declin" not in told.text().lower()
    assert in_channel(app) == []
    with app.services.db.unit_of_work() as session:
        assert session.scalars(select(Shoutout.status)).one() == "declined"


def test_thanks_reaches_the_person_and_is_shared_only_by_choice(app: Running) -> None:
    mark = app.slack.mark()
    app.user.command("UANA", "thanks everyone!")
    assert "Mention who you'd like to thank" in app.slack.wait_for("response_url", since=mark)[-1].text()
    mark = app.slack.mark()
    app.user.command("UANA", "thanks <@UANA|ana> me myself")
    assert "only pass thanks on to someone else" in app.slack.wait_for("response_url", since=mark)[-1].text()
    app.user.command("UANA", "thanks <@UBEN|ben> for the honest feedback on my slides <@UCAT>")
    received = dm_with(app, "UBEN", "wants to say thank you")
    assert "honest feedback" in received.text() and "&lt;@UCAT&gt;" in received.text()
    sent = dm_with(app, "UANA", "Kind words go a long way")
    assert in_channel(app) == []
    app.user.click("UANA", "thanks.share", value=button_value(sent, "thanks.share"))
    app.slack.wait_until("shared", lambda _: bool(in_channel(app)))
    assert "<@UANA> thanks <@UBEN>" in in_channel(app)[-1].text()
    mark = app.slack.mark()
    app.user.click("UBEN", "thanks.share", value=button_value(sent, "thanks.share"))
    dm_with(app, "UBEN", "someone else's mentoring")


def test_a_thank_you_is_quoted_once_and_a_too_long_one_comes_back_whole(app: Running) -> None:
    app.user.command("UANA", "thanks <@UBEN|ben> for the feedback\nand for the coffee")
    received = dm_with(app, "UBEN", "wants to say thank you")
    section = received.args["blocks"][0]["text"]["text"]
    assert section.endswith("thank you:\n>for the feedback\n>and for the coffee"), section

    long = "You changed how I prepare talks & meetings. " * 80
    mark = app.slack.mark()
    app.user.command("UANA", f"thanks <@UBEN|ben> {long}")
    answer = app.slack.wait_for("response_url", since=mark)[-1]
    assert f"up to 1,000 characters and yours has {len(long.strip()):,}" in answer.text()
    returned = "".join(b["text"]["text"].removeprefix(">") for b in answer.args["blocks"][2:])
    assert returned == long.strip().replace("&", "&amp;"), "the whole text comes back to be shortened"
    assert len(app.slack.messages_to("DUBEN")) == 1, "nothing was sent"


def test_help_request_reaches_admins_only(app: Running) -> None:
    pair_id = paired(app)
    mark = app.slack.mark()
    app.user.click("UANA", "help.open", value=str(pair_id), channel=GROUP)
    modal = app.slack.wait_for("views.open", since=mark)[-1].args["view"]
    assert "reason" in app.user.submit("UANA", modal, {}).json()["errors"]
    assert app.user.submit("UANA", modal, {"reason": "not_meeting", "details": "He cancels a lot"}).body == ""
    alert = dm_with(app, "UADMIN", "asked for help, confidentially")
    assert "He cancels a lot" in alert.text()
    dm_with(app, "UANA", "only to them")
    assert not [
        c
        for c in app.slack.calls[mark:]
        if c.args.get("channel") in ("DUBEN", GROUP) and ("help" in c.text().lower() or "cancels" in c.text())
    ]
    app.user.click("UBEN", "help.handled", value=button_value(alert, "help.handled"))
    dm_with(app, "UBEN", "someone else's mentoring")
    app.user.click("UADMIN", "help.handled", value=button_value(alert, "help.handled"))
    app.slack.wait_until("handled", lambda calls: any("is handling" in c.text() for c in calls))
    with app.services.db.unit_of_work() as session:
        assert session.scalars(select(HelpRequest.handled_by)).one() == "UADMIN"


def test_ending_keeps_the_reason_private_frees_capacity_and_asks_for_a_final_evaluation(app: Running) -> None:
    pair_id = paired(app)
    mark = app.slack.mark()
    app.user.click("UBEN", "pair.end_open", value=str(pair_id))
    modal = app.slack.wait_for("views.open", since=mark)[-1].args["view"]
    assert app.user.submit("UBEN", modal, {"reason": "schedules"}).body == ""
    to_ana = dm_with(app, "UANA", "Your mentoring pair has ended")
    assert "schedule" not in to_ana.text().lower() and "Become a mentor" in to_ana.text()
    with app.services.db.unit_of_work() as session:
        pair = session.scalars(select(Pair)).one()
        ben = session.scalars(select(Person).where(Person.slack_user_id == "UBEN")).one()
    assert pair.status is PairStatus.ENDED and pair.end_reason == "schedules" and ben.active_mentees == 0
    who_sees = [b["elements"][0]["text"] for b in modal["blocks"] if b["type"] == "context"]
    assert who_sees and "Program admins see only how many pairs ended for each reason" in who_sees[0]
    assert tick_at(app, START + timedelta(minutes=5)).evaluations == 2
    with app.services.db.unit_of_work() as session:
        assert set(session.scalars(select(Evaluation.milestone))) == {"final"}
    app.user.click("UANA", "pair.stay_in_touch", value=button_value(to_ana, "pair.stay_in_touch"))
    app.slack.wait_until("touch", lambda calls: any("once a year" in c.text() for c in calls))
    assert tick_at(app, START + timedelta(days=366)).delivery.sent >= 1
    assert any("been a year" in c.text() for c in app.slack.calls)


def test_pair_ends_when_its_agreed_length_is_over(app: Running) -> None:
    paired(app)
    with app.services.db.unit_of_work() as session:
        session.scalars(select(Pair)).one().ends_at = START + timedelta(days=90)
    assert tick_at(app, START + timedelta(days=90, minutes=1)).closed == 1
    assert "Stay in touch" in dm_with(app, "UBEN", "agreed time together is complete").text()
    assert home_stopped_offering(app, "UANA", PAIR_END_OPEN) and home_stopped_offering(app, "UBEN", PAIR_END_OPEN)


def test_report_hides_small_groups_and_refuses_non_admins(app: Running) -> None:
    paired(app)
    with app.services.db.unit_of_work() as session:
        pair = session.scalars(select(Pair)).one()
        for user, score in (("UANA", 5), ("UBEN", 1)):
            session.add(
                answered_evaluation(pair.team_id, pair.id, user, {"overall": score}, 10, worked="private words")
            )
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin report")
    report = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "*1* active pair" in report and "2 evaluations so far; averages appear from 5." in report
    assert "private words" not in report
    mark = app.slack.mark()
    app.user.command("UANA", "admin report")
    assert "Only program admins" in app.slack.wait_for("response_url", since=mark)[-1].text()


def test_deactivated_slack_users_are_paused(app: Running) -> None:
    paired(app)
    assert app.user.event({"type": "user_change", "user": {"id": "UBEN", "deleted": True}}).status == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with app.services.db.unit_of_work() as session:
            status = session.scalars(select(Person.status).where(Person.slack_user_id == "UBEN")).one()
        if status is PersonStatus.PAUSED:
            return
        time.sleep(0.05)
    raise AssertionError("UBEN was not paused")


def test_admin_chart_and_csv_arrive_in_the_admins_dm_without_free_text(app: Running) -> None:
    paired(app)
    with app.services.db.unit_of_work() as session:
        pair = session.scalars(select(Pair)).one()
        session.add(answered_evaluation(pair.team_id, pair.id, "UANA", {"overall": 5}, 9, worked="secret praise"))
    asked = app.slack.mark()
    app.user.command("UADMIN", "admin chart")
    app.user.command("UADMIN", "admin export")
    files = app.slack.wait_until("files", lambda _: len(app.slack.files_shared_in("DUADMIN")) == 2)
    assert files
    # Each answer says where its file went, after the upload: wait for both before the next command's.
    app.slack.wait_for("response_url", 2, since=asked)
    shared = dict(app.slack.files_shared_in("DUADMIN"))
    assert shared["mentoring-program.png"].startswith(b"\x89PNG")
    table = shared["mentoring-pairs.csv"].decode()
    assert table.splitlines()[0].startswith("pair_id,mentor,mentee,status")
    assert "reason" not in table.splitlines()[0], "no pair's end reason is listed against its people"
    assert "UBEN,UANA,active" in table and "secret praise" not in table
    mark = app.slack.mark()
    app.user.command("UANA", "admin export")
    assert "Only program admins" in app.slack.wait_for("response_url", since=mark)[-1].text()


def answered_evaluation(
    team_id: str, pair_id: int, user_id: str, ratings: dict[str, int], nps: int, worked: str = ""
) -> Evaluation:
    """A day-30 evaluation someone answered (privately), as the form stores it."""
    return Evaluation(
        team_id=team_id,
        pair_id=pair_id,
        user_id=user_id,
        milestone="day30",
        requested_at=START,
        answered_at=START,
        ratings=ratings,
        nps=nps,
        worked=worked,
        change="",
        shared=False,
    )


def test_privacy_page_export_and_delete(app: Running) -> None:
    paired(app)
    page = app.user.command("UANA", "privacy").text()
    assert "What Mentorbot stores about you" in page and "Who sees what" in page
    app.user.click("UANA", "privacy.export")
    app.slack.wait_until("export", lambda _: bool(app.slack.files_shared_in("DUANA")))
    import json

    exported = json.loads(app.slack.files_shared_in("DUANA")[0][1])
    assert exported["profile"]["goals"] == ["public speaking", "python"]
    assert exported["requests_sent"][0]["message"].startswith("I'd love help")
    assert exported["pairs"][0]["role"] == "mentee"

    mark = app.slack.mark()
    app.user.click("UANA", "privacy.delete")
    assert "your data is deleted" in app.slack.wait_for("response_url", since=mark)[-1].text()
    told = dm_with(app, "UBEN", "because they left the program")
    assert told
    with app.services.db.unit_of_work() as session:
        ana = session.scalars(select(Person).where(Person.slack_user_id.like("deleted-%"))).one()
        pair = session.scalars(select(Pair)).one()
        ben = session.scalars(select(Person).where(Person.slack_user_id == "UBEN")).one()
        from storage.models import MatchRequest

        messages = list(session.scalars(select(MatchRequest.message)))
    assert ana.goals == [] and ana.status is PersonStatus.PAUSED
    assert pair.status is PairStatus.ENDED and ben.active_mentees == 0
    assert messages == [""]
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin report")
    assert "*Ended* 1" in app.slack.wait_for("response_url", since=mark)[-1].text()


def test_admins_see_the_report_on_app_home_and_set_the_threshold(app: Running) -> None:
    app.user.event({"type": "app_home_opened", "user": "UADMIN", "tab": "home", "channel": "DUADMIN"})
    home = app.slack.wait_for("views.publish")[-1]
    assert home.args["user_id"] == "UADMIN" and "Program health" in home.text()
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin threshold 1")
    assert "fewer than 3 people" in app.slack.wait_for("response_url", since=mark)[-1].text()
    mark = app.slack.mark()
    app.user.event({"type": "app_home_opened", "user": "UANA", "tab": "home", "channel": "DUANA"})
    assert "Program health" not in app.slack.wait_for("views.publish", since=mark)[-1].text()


def test_the_report_leads_with_headline_figures_and_says_when_averages_appear(app: Running) -> None:
    pair_id = paired(app)
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin report")
    report = app.slack.wait_for("response_url", since=mark)[-1]
    text = report.text()
    assert "*1* active pair · *0* at risk" in text and "met in the last 30 days" in text
    assert "No evaluations yet; averages appear from 5." in text
    assert "hidden" not in text.split("Figures from fewer")[0], "nothing reads as a row of hidden values"
    assert "report.at_risk" not in str(report.args["blocks"])

    with app.services.db.unit_of_work() as session:
        session.execute(update(Pair).where(Pair.id == pair_id).values(at_risk_since=START, missed_checkins=2))
        for n in range(5):
            session.add(answered_evaluation("T0001", pair_id, f"UPERSON{n}", {"overall": 4, "career": 5}, 9))
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin report")
    report = app.slack.wait_for("response_url", since=mark)[-1]
    text = report.text()
    assert "• Worth the time: *4* (day 30 4)" in text and "• Career: *5*" in text
    assert "Would recommend it (NPS): *100*" in text and "Personal support" not in text
    mark = app.slack.mark()
    app.user.click("UADMIN", "report.at_risk", value=button_value(report, "report.at_risk"), channel="DUADMIN")
    listed = app.slack.wait_for_message("DUADMIN")[-1]
    assert "1 mentoring pair may need a hand" in listed.text() and "2 check-ins in a row" in listed.text()


def test_end_reasons_are_counted_only_above_the_threshold_with_their_complement() -> None:
    assert suppress_counts({"schedules": 4, "fit": 1}, 3) == {}
    assert suppress_counts({"schedules": 4, "fit": 3}, 3) == {"schedules": 4, "fit": 3}
    assert suppress_counts({"schedules": 4, "fit": 3, "other": 1}, 3) == {"schedules": 4}
    assert suppress_counts({"schedules": 2}, 3) == {}


def test_admins_see_the_chart_on_app_home_once_there_is_data(app: Running) -> None:
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin chart")
    assert "Nothing to chart yet" in app.slack.wait_for("response_url", since=mark)[-1].text()
    app.user.event({"type": "app_home_opened", "user": "UADMIN", "tab": "home", "channel": "DUADMIN"})
    assert '"image"' not in json.dumps(app.slack.wait_for("views.publish")[-1].args["view"])

    paired(app)
    uploads = len(app.slack.calls_to("files.getUploadURLExternal"))
    for _ in range(2):
        mark = app.slack.mark()
        app.user.event({"type": "app_home_opened", "user": "UADMIN", "tab": "home", "channel": "DUADMIN"})
        home = app.slack.wait_for("views.publish", since=mark)[-1].args["view"]
        [chart] = [b for b in home["blocks"] if b["type"] == "image"]
        assert chart["slack_file"]["id"] in app.slack.upload_names and chart["alt_text"]
    assert len(app.slack.calls_to("files.getUploadURLExternal")) == uploads + 1, "unchanged figures: one upload"
