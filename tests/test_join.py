"""Joining: the profile modal, its inline validation, the confirmation DM, and editing later."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.cadence import WorkingHours
from storage.models import Cadence, Person, PersonStatus, Role
from tests.conftest import Running
from tests.steps import MENTEE_PROFILE, MENTOR_PROFILE, find, join, open_join_modal, submit_profile


def stored(app: Running, user_id: str) -> Person | None:
    with app.services.db.unit_of_work() as session:
        return session.scalars(select(Person).where(Person.slack_user_id == user_id)).one_or_none()


def test_join_opens_an_empty_profile_modal(app: Running) -> None:
    view = open_join_modal(app, "UANA")
    assert view["callback_id"] == "join.submit"
    block_ids = {b.get("block_id") for b in view["blocks"]}
    assert {
        "role",
        "expertise",
        "goals",
        "seniority",
        "capacity",
        "work_start",
        "work_end",
        "cadence",
        "meeting_channel",
        "learning_style",
        "languages",
        "department",
        "do_not_match",
    } <= block_ids


def test_mentor_joins_and_gets_a_confirmation_dm(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)

    person = stored(app, "UBEN")
    assert person is not None
    assert person.role is Role.MENTOR
    assert person.expertise == ["public speaking", "python", "leading a team"]
    assert person.capacity == 2
    assert person.timezone == "America/New_York"
    assert person.team_id == app.slack.team_id
    assert person.work_start_minute == 9 * 60 and person.work_end_minute == 17 * 60
    dm = app.slack.messages_to("DUBEN")[-1].text()
    assert "Welcome to Mentoring!" in dm
    assert "public speaking, python, leading a team" in dm
    assert "America/New_York" in dm


def test_mentee_join_points_to_find(app: Running) -> None:
    join(app, "UANA", MENTEE_PROFILE)
    person = stored(app, "UANA")
    assert person is not None and person.goals == ["public speaking", "python"] and person.capacity == 0
    assert "/mentor find" in app.slack.messages_to("DUANA")[-1].text()


def test_mentor_without_expertise_or_capacity_is_refused_inline(app: Running) -> None:
    reply = submit_profile(app, "UBEN", {**MENTOR_PROFILE, "expertise": " , ", "capacity": "0"})
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"expertise", "capacity"}
    assert "at least one topic" in body["errors"]["expertise"]
    assert stored(app, "UBEN") is None
    assert app.slack.calls_to("chat.postMessage") == []


def test_mentee_without_goals_and_a_day_with_no_hours_is_refused_inline(app: Running) -> None:
    reply = submit_profile(app, "UANA", {**MENTEE_PROFILE, "goals": "", "work_start": "09:00", "work_end": "09:00"})
    errors = reply.json()["errors"]
    assert set(errors) == {"goals", "work_end"}
    assert "another time than it starts" in errors["work_end"]


def test_a_night_shift_that_crosses_midnight_is_a_working_day_for_matching_and_check_ins(app: Running) -> None:
    night = {"work_start": "22:00", "work_end": "06:00"}
    join(app, "UBEN", MENTOR_PROFILE, **night)
    join(app, "UANA", MENTEE_PROFILE, **night)
    found = find(app, "UANA").text()
    assert "<@UBEN>" in found and "h of shared working hours" in found, "Berlin and New York nights overlap"
    with app.services.db.reading() as session:
        ben = session.scalars(select(Person).where(Person.slack_user_id == "UBEN")).one()
        assert (ben.work_start_minute, ben.work_end_minute) == (22 * 60, 6 * 60)
        hours = WorkingHours(ben.timezone, ben.work_start_minute, ben.work_end_minute)
    friday_night = datetime(2026, 12, 4, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    saturday_night = datetime(2026, 12, 5, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert hours.contains(friday_night) and hours.contains(friday_night + timedelta(hours=5))
    assert not hours.contains(saturday_night), "a night belongs to the weekday it starts on"


def test_missing_choices_and_too_many_topics_are_refused(app: Running) -> None:
    too_many = ", ".join(f"topic {i}" for i in range(11))
    reply = submit_profile(app, "UBEN", {"role": "mentor", "expertise": too_many, "capacity": "11"})
    errors = reply.json()["errors"]
    assert {
        "expertise",
        "capacity",
        "seniority",
        "work_start",
        "work_end",
        "cadence",
        "meeting_channel",
        "learning_style",
    } <= set(errors)
    assert "10 topics or fewer" in errors["expertise"]


def test_crafted_values_outside_the_choices_are_refused(app: Running) -> None:
    reply = submit_profile(
        app, "UBEN", {**MENTOR_PROFILE, "role": "overlord", "seniority": "99", "work_start": "25:99"}
    )
    assert set(reply.json()["errors"]) == {"role", "seniority", "work_start"}


def test_join_again_prefills_the_modal_and_updates_the_profile(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)
    view = open_join_modal(app, "UBEN")
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id["expertise"]["element"]["initial_value"] == "public speaking, python, leading a team"
    assert by_id["role"]["element"]["initial_option"]["value"] == "mentor"
    assert by_id["capacity"]["element"]["initial_value"] == "2"
    assert by_id["work_start"]["element"]["initial_time"] == "09:00"

    reply = app.user.submit("UBEN", view, {**MENTOR_PROFILE, "capacity": "3", "cadence": "monthly"})
    assert reply.status == 200 and reply.body == ""
    app.slack.wait_for_message("DUBEN", 2)
    person = stored(app, "UBEN")
    assert person is not None and person.capacity == 3 and person.cadence is Cadence.MONTHLY
    assert "Your profile is updated" in app.slack.messages_to("DUBEN")[-1].text()


def test_do_not_match_list_is_stored_but_never_shown(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE, do_not_match=["UCAT", "UBEN"])
    person = stored(app, "UBEN")
    assert person is not None and person.do_not_match == ["UCAT"]
    assert "UCAT" not in app.slack.messages_to("DUBEN")[-1].text()


def test_user_text_in_profile_is_escaped_in_the_dm(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE, expertise="<!channel> ping, <@UANA>")
    dm = app.slack.messages_to("DUBEN")[-1]
    assert "<!channel>" not in dm.text() and "<@UANA>" not in dm.text()
    assert "&lt;!channel&gt; ping" in dm.text()


def test_unknown_slack_user_falls_back_to_utc(app: Running) -> None:
    join(app, "UZED", MENTEE_PROFILE)
    person = stored(app, "UZED")
    assert person is not None and person.timezone == "UTC" and person.status is PersonStatus.ACTIVE


def test_deactivated_and_bot_accounts_are_refused_in_the_form(app: Running) -> None:
    app.slack.add_user("UGONE", "Gone", "UTC")
    app.slack.users["UGONE"]["deleted"] = True
    app.slack.add_user("UAPP", "Some app", "UTC")
    app.slack.users["UAPP"]["is_bot"] = True
    for user_id, reason in (("UGONE", "deactivated"), ("UAPP", "an app's account")):
        reply = submit_profile(app, user_id, MENTEE_PROFILE)
        assert reply.json()["response_action"] == "errors"
        assert reason in reply.json()["errors"]["role"]
        assert stored(app, user_id) is None
