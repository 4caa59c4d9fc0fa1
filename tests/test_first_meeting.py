"""From match to first meeting, through signed HTTP and the scheduler: times both can make, the pick and its
calendar invite, reschedules, racing picks, the nudge, the check-in about the meeting, and the admin funnel."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.cadence import WorkingHours
from bot.meeting_times import next_working_morning
from bot.report import funnel_of, program_report
from sandbox.fake_slack import Call, FakeSlack
from storage.models import Meeting, MeetingStatus, Pair, Person
from tests.conftest import START, Running
from tests.steps import agreement_settled, button_value, buttons, paired, tick_at, wait_until_stored

GROUP = "GANABEN"


@pytest.fixture(autouse=True)
def more_people(slack: FakeSlack) -> None:
    """Someone in Ana's zone (0 h apart) and someone 12 h from Tokyo."""
    slack.add_user("UFAY", "Fay", "Europe/Berlin")
    slack.add_user("UGIL", "Gil", "America/Sao_Paulo")


def group_of(*users: str) -> str:
    return "G" + "".join(u[-3:] for u in sorted(users))


def offer_in(app: Running, channel: str, count: int = 1) -> Call:
    """The `count`-th meeting offer posted in the channel."""
    app.slack.wait_until(
        "an offer", lambda _: sum(_is_offer(c) for c in app.slack.messages_to(channel)) >= count, timeout=10
    )
    return [c for c in app.slack.messages_to(channel) if _is_offer(c)][count - 1]


def _is_offer(call: Call) -> bool:
    return any(b["action_id"] in ("meeting.pick", "meeting.async") for b in buttons(call.args.get("blocks", [])))


def pick_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in buttons(message.get("blocks", [])) if b["action_id"] == "meeting.pick"]


def meeting_row(app: Running) -> Meeting:
    with app.services.db.unit_of_work() as session:
        return session.scalars(select(Meeting).order_by(Meeting.id.desc())).first()  # type: ignore[return-value]


def hours_of_user(app: Running, user_id: str) -> WorkingHours:
    with app.services.db.unit_of_work() as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == user_id)).one()
        return WorkingHours(person.timezone, person.work_start_minute, person.work_end_minute)


def assert_inside_both_days(app: Running, starts: list[datetime], minutes: int, *users: str) -> None:
    for user in users:
        hours = hours_of_user(app, user)
        for start in starts:
            last_minute = start + timedelta(minutes=minutes - 1)
            assert hours.contains(start) and hours.contains(last_minute), (user, start)


def picked(app: Running, user: str, button: dict[str, Any], channel: str = GROUP) -> Call:
    """Click a pick button and wait for the invite file in the channel; returns the response to the click."""
    mark = app.slack.mark()
    files = len(app.slack.files_shared_in(channel))
    app.user.click(user, "meeting.pick", value=button["value"], channel=channel)
    app.slack.wait_until("the invite", lambda _: len(app.slack.files_shared_in(channel)) > files)
    return app.slack.wait_for("response_url", since=mark)[-1]


def latest_invite(app: Running, channel: str = GROUP) -> Any:
    name, data = app.slack.files_shared_in(channel)[-1]
    assert name.endswith(".ics")
    return Calendar.from_ical(data).walk("VEVENT")[0]


def test_a_pair_six_hours_apart_gets_three_times_inside_both_days_each_in_their_own_zone(app: Running) -> None:
    paired(app)  # Ana (mentee) in Berlin, Ben (mentor) in New York
    offer = offer_in(app, GROUP)
    assert "Three times you can both make" in offer.text()
    assert "Connect a calendar" not in offer.text(), "no calendar button where calendars aren't set up"
    assert "(Europe/Berlin)" in offer.text() and "(America/New_York)" in offer.text()
    labels = [b["text"]["text"] for b in pick_buttons(offer.args)]
    assert len(labels) == 3 and all(label.startswith("Pick ") for label in labels)
    meeting = meeting_row(app)
    assert meeting.status is MeetingStatus.PROPOSED and meeting.minutes == 30
    starts = [datetime.fromisoformat(s) for s in meeting.proposals]
    assert len(starts) == 3 and all(s >= START + timedelta(hours=2) for s in starts)
    assert all(s.weekday() < 5 for s in starts)
    assert_inside_both_days(app, starts, 30, "UANA", "UBEN")
    others = {b["action_id"] for b in buttons(offer.args["blocks"])}
    assert {"meeting.others", "meeting.ourselves"} <= others


def test_a_pair_in_one_zone_and_three_other_times(app: Running) -> None:
    paired(app, mentor="UFAY", mentee="UANA")
    channel = group_of("UFAY", "UANA")
    offer = offer_in(app, channel)
    first = [datetime.fromisoformat(s) for s in meeting_row(app).proposals]
    assert_inside_both_days(app, first, 30, "UANA", "UFAY")
    assert offer.text().count("(Europe/Berlin)") == 3, "one line per zone: both share one"
    mark = app.slack.mark()
    meeting_id = meeting_row(app).id
    app.user.click("UFAY", "meeting.others", value=str(meeting_id), channel=channel)
    again = app.slack.wait_for("response_url", since=mark)[-1]
    second = [datetime.fromisoformat(s) for s in meeting_row(app).proposals]
    assert len(pick_buttons(again.args)) == 3 and not set(first) & set(second)
    assert_inside_both_days(app, second, 30, "UANA", "UFAY")


def test_a_pair_twelve_hours_apart_is_told_plainly_and_offered_a_compromise_or_async(app: Running) -> None:
    paired(app, mentor="UGIL", mentee="UCAT")  # Tokyo and São Paulo
    channel = group_of("UGIL", "UCAT")
    offer = offer_in(app, channel)
    assert "never overlap" in offer.text()
    assert [b["text"]["text"] for b in pick_buttons(offer.args)] == ["Pick this time"]
    assert any(b["action_id"] == "meeting.async" for b in buttons(offer.args["blocks"]))
    assert "early" in offer.text() or "late" in offer.text()
    mark = app.slack.mark()
    app.user.click("UCAT", "meeting.async", value=str(meeting_row(app).id), channel=channel)
    assert "Async it is" in app.slack.wait_for("response_url", since=mark)[-1].text()
    assert meeting_row(app).status is MeetingStatus.CANCELLED and meeting_row(app).nudge_at is None


def test_a_pick_posts_an_ics_invite_with_calendar_links_and_anchors_the_next_checkin(app: Running) -> None:
    paired(app)
    offer = offer_in(app, GROUP)
    chosen = pick_buttons(offer.args)[1]
    answer = picked(app, "UANA", chosen)
    assert "<@UANA> picked a time" in answer.text()
    meeting = meeting_row(app)
    assert meeting.status is MeetingStatus.SCHEDULED and meeting.picked_by == "UANA" and meeting.nudge_at is None
    assert meeting.start is not None and meeting.end == meeting.start + timedelta(minutes=30)

    event = latest_invite(app)
    assert str(event["UID"]) == meeting.uid
    assert int(event["SEQUENCE"]) == 0
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == meeting.start and end == meeting.end
    assert str(start.tzinfo) == "America/New_York", "the organiser's (the mentor's) zone"
    assert str(event["SUMMARY"]) == "Mentoring: Ana & Ben"
    assert str(event["ORGANIZER"]) == "mailto:ben@example.com"
    assert sorted(str(a) for a in event["ATTENDEE"]) == ["mailto:ana@example.com", "mailto:ben@example.com"]

    app.slack.wait_until(
        "the invite's message", lambda _: any("Your meeting is set" in c.text() for c in app.slack.messages_to(GROUP))
    )
    invite = next(c for c in app.slack.messages_to(GROUP) if "Your meeting is set" in c.text())
    urls = {b["action_id"]: b.get("url", "") for b in buttons(invite.args["blocks"])}
    assert urls["meeting.google"].startswith("https://calendar.google.com/")
    assert urls["meeting.outlook"].startswith("https://outlook.office.com/")
    assert "meeting.reschedule" in urls and "meeting.series" not in urls, "the series comes with an agreement"

    with app.services.db.unit_of_work() as session:
        pair = session.scalars(select(Pair)).one()
    assert pair.next_checkin_at == next_working_morning(meeting.end, hours_of_user(app, "UANA"))


def test_reschedule_keeps_the_uid_and_raises_the_sequence(app: Running) -> None:
    paired(app)
    picked(app, "UANA", pick_buttons(offer_in(app, GROUP).args)[0])
    first = meeting_row(app)
    mark = app.slack.mark()
    app.user.click("UBEN", "meeting.reschedule", value=str(first.id), channel=GROUP)
    offer = app.slack.wait_for("response_url", since=mark)[-1]
    assert "New times" in offer.text()
    fresh = pick_buttons(offer.args)
    assert len(fresh) == 3
    picked(app, "UBEN", fresh[2])
    moved = meeting_row(app)
    assert moved.id == first.id and moved.uid == first.uid and moved.sequence == 1 and moved.start != first.start
    event = latest_invite(app)
    assert str(event["UID"]) == first.uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == moved.start
    app.slack.wait_until(
        "the moved meeting", lambda _: any("Your meeting moved" in c.text() for c in app.slack.messages_to(GROUP))
    )


def test_two_people_picking_different_times_at_once_one_wins_and_the_other_is_told(app: Running) -> None:
    paired(app)
    first, second = pick_buttons(offer_in(app, GROUP).args)[:2]
    mark = app.slack.mark()
    clicks = [
        threading.Thread(
            target=app.user.click, args=(user, "meeting.pick"), kwargs={"value": b["value"], "channel": GROUP}
        )
        for user, b in (("UANA", first), ("UBEN", second))
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    answers = app.slack.wait_for("response_url", 2, since=mark)
    app.slack.wait_until("the invite", lambda _: len(app.slack.files_shared_in(GROUP)) == 1)
    meeting = meeting_row(app)
    winner = meeting.picked_by
    told = [a for a in answers if "already picked" in a.text()]
    assert len(told) == 1 and f"<@{winner}> already picked" in told[0].text()
    assert len(app.slack.files_shared_in(GROUP)) == 1, "one invite"
    assert meeting.sequence == 0


def test_a_pick_after_the_time_has_passed_is_refused_kindly_with_fresh_times(app: Running) -> None:
    paired(app)
    offer = offer_in(app, GROUP)
    earliest = min(datetime.fromisoformat(s) for s in meeting_row(app).proposals)
    button = next(b for b in pick_buttons(offer.args) if b["value"].endswith(str(int(earliest.timestamp()))))
    app.clock.set(earliest + timedelta(minutes=5))
    mark = app.slack.mark()
    app.user.click("UANA", "meeting.pick", value=button["value"], channel=GROUP)
    answer = app.slack.wait_for("response_url", since=mark)[-1]
    assert "That time has passed" in answer.text() and len(pick_buttons(answer.args)) >= 1
    meeting = meeting_row(app)
    assert meeting.status is MeetingStatus.PROPOSED
    assert all(datetime.fromisoformat(s) > earliest for s in meeting.proposals)
    assert app.slack.files_shared_in(GROUP) == []


def test_no_time_picked_after_three_days_gets_one_gentle_nudge_to_the_mentee(app: Running) -> None:
    paired(app)
    offer_in(app, GROUP)
    tick_at(app, START + timedelta(days=2, hours=23))
    assert not [c for c in app.slack.messages_to("DUANA") if "Found a time" in c.text()]
    tick_at(app, START + timedelta(days=3, hours=1))
    nudges = [c for c in app.slack.messages_to("DUANA") if "Found a time with <@UBEN>" in c.text()]
    assert len(nudges) == 1
    assert not [c for c in app.slack.messages_to("DUBEN") if "Found a time" in c.text()]
    tick_at(app, START + timedelta(days=4, hours=1))
    assert len([c for c in app.slack.messages_to("DUANA") if "Found a time" in c.text()]) == 1, "only one"

    # After the nudge, the program's admins see the pair among those that have not met.
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin report")
    report = app.slack.wait_for("response_url", since=mark)[-1]
    assert "*1* pair has not set a first meeting after the nudge." in report.text()
    app.user.click("UADMIN", "report.not_met", value=button_value(report, "report.not_met"), channel="DUADMIN")
    listed = app.slack.wait_for_message("DUADMIN")[-1]
    assert "1 pair has not met yet" in listed.text() and "<@UANA> with <@UBEN>" in listed.text()


def test_the_checkin_after_the_meeting_asks_about_it_and_we_met_marks_it_held(app: Running) -> None:
    paired(app)
    picked(app, "UANA", pick_buttons(offer_in(app, GROUP).args)[0])
    meeting = meeting_row(app)
    assert meeting.start is not None
    for _ in range(5):
        with app.services.db.unit_of_work() as session:
            due = session.scalars(select(Pair.next_checkin_at)).one()
        assert due is not None
        tick_at(app, due)
        asked = [c for c in app.slack.messages_to(GROUP) if "meeting go" in c.text()]
        if asked:
            break
    day = meeting.start.astimezone(hours_of_user(app, "UANA").zone()).strftime("%A")
    assert f"How did {day}'s meeting go" in asked[0].text()
    checkin = next(b for b in buttons(asked[0].args["blocks"]) if b["action_id"] == "checkin.met")
    mark = app.slack.mark()
    app.user.click("UBEN", "checkin.met", value=checkin["value"], channel=GROUP)
    app.slack.wait_for("views.open", since=mark)
    wait_until_stored(app, lambda session: session.scalars(select(Meeting.status)).one() is MeetingStatus.HELD)


def test_the_funnel_counts_steps_with_median_days_and_hides_small_numbers() -> None:
    day = timedelta(days=1)
    intros = {pair: START for pair in range(1, 7)}
    scheduled = {pair: START + day for pair in range(1, 6)}
    held = {1: START + 3 * day, 2: START + 5 * day, 3: START + 9 * day, 4: START + 20 * day}
    goals = {1: START + 4 * day, 2: START + 6 * day}
    funnel = funnel_of([intros, scheduled, held, goals, {}], START + 30 * day, threshold=3)
    assert [s.pairs for s in funnel.steps] == [6, 5, 4, None, None]
    assert funnel.steps[1].median_days == 1 and funnel.steps[2].median_days == 6
    assert funnel.steps[3].median_days is None, "from two pairs only"
    assert funnel.met_within_14_days == 0.5  # 3 of the 6 introduced more than 14 days ago
    so_far = {1: START + 3 * day, 2: START + 5 * day}
    young = funnel_of([intros, scheduled, so_far, {}, {}], START + 5 * day, threshold=3)
    assert young.met_within_14_days is None, "only two pairs could have met within 14 days yet"


def test_the_admin_report_shows_the_funnel_once_enough_pairs_took_each_step(app: Running) -> None:
    pairs = (("UBEN", "UANA"), ("UFAY", "UDAN"), ("UEVE", "UCAT"))
    for mentor, mentee in pairs:
        paired(app, mentor=mentor, mentee=mentee)
        picked(app, mentee, pick_buttons(offer_in(app, group_of(mentor, mentee)).args)[0], group_of(mentor, mentee))
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin report")
    report = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "From intro to first meeting" in report
    assert "Intros: fewer than 5" in report and "First meeting set: fewer than 5" in report, "the default threshold"
    with app.services.db.unit_of_work() as session:
        program_id = session.scalars(select(Pair.program_id)).first()
        assert program_id is not None
        funnel = program_report(session, program_id, START, configured_threshold=3).funnel
    assert funnel is not None and [s.pairs for s in funnel.steps] == [3, 3, None, None, None]
    assert funnel.steps[1].median_days == 0, "each picked a time straight after the intro"


def test_the_agreements_video_link_goes_into_the_invite_and_a_bad_one_is_refused_in_the_form(app: Running) -> None:
    from tests.test_relationship import TERMS, open_modal, proposal_to

    pair_id = paired(app)
    view = open_modal(app, "UANA", "agreement.open", str(pair_id))
    refused = app.user.submit("UANA", view, {**TERMS, "video_link": "javascript:alert(1)"})
    assert "https://" in refused.json()["errors"]["video_link"]
    link = "https://meet.example.com/ana-ben"
    assert app.user.submit("UANA", view, {**TERMS, "video_link": link}).body == ""
    proposal = proposal_to(app, "UBEN")
    mark = app.slack.mark()
    app.user.click("UBEN", "agreement.confirm", value=button_value(proposal, "agreement.confirm"))
    agreement_settled(app, mark)
    latest = [c for c in app.slack.messages_to(GROUP) if _is_offer(c)][-1]
    picked(app, "UANA", pick_buttons(latest.args)[0])
    event = latest_invite(app)
    assert str(event.get("URL")) == link or link in str(event.get("LOCATION"))
