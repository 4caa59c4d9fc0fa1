"""Several programs in one workspace: created from templates, joined by name, matched on their own questions,
run as cohorts on the clock, cloned, and kept apart (one program's admin sees nothing of another's)."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import select

from sandbox.fake_slack import Call
from storage.models import CohortStage, Pair, PairStatus, Person, Program
from tests.conftest import START, Running
from tests.steps import MENTEE_PROFILE, MENTOR_PROFILE, button_value, buttons, tick_at, wait_until_stored

BUDDIES_QUESTIONS = "\n".join(
    [
        "Which office are you in? | Berlin, London | must match",
        "What do you enjoy? | Hiking, Chess, Music | overlap | multiple",
    ]
)


def open_new_program_form(app: Running, admin: str = "UADMIN") -> dict[str, Any]:
    before = len(app.slack.calls_to("views.open"))
    assert app.user.command(admin, "admin program new").status == 200
    view: dict[str, Any] = app.slack.wait_for("views.open", before + 1)[-1].args["view"]
    return view


def create_program(app: Running, name: str, admin: str = "UADMIN", **values: Any) -> str:
    """Create a program through the form; returns the DM that confirms it."""
    dm = app.slack.dm_channel(admin)
    before = len(app.slack.messages_to(dm))
    reply = app.user.submit(admin, open_new_program_form(app, admin), {"template": "buddy", "name": name, **values})
    assert reply.status == 200 and reply.body == "", reply.body
    return app.slack.wait_for_message(dm, before + 1)[-1].text()


def join_program(app: Running, user_id: str, program: str, profile: dict[str, Any], **answers: Any) -> dict[str, Any]:
    """`/mentor join <program>`, fill the form (profile and the program's questions), and return the form."""
    before = len(app.slack.calls_to("views.open"))
    app.user.command(user_id, f"join {program}")
    view: dict[str, Any] = app.slack.wait_for("views.open", before + 1)[-1].args["view"]
    dm = app.slack.dm_channel(user_id)
    sent = len(app.slack.messages_to(dm))
    mark = app.slack.mark()
    reply = app.user.submit(user_id, view, {**profile, **{f"q:{k}": v for k, v in answers.items()}})
    assert reply.status == 200 and reply.body == "", reply.body
    app.slack.wait_for_message(dm, sent + 1)
    # The join ends by redrawing their App Home: wait for it, so nothing it sends races what the test does next.
    app.slack.wait_for("views.publish", since=mark)
    return view


def program_named(app: Running, slug: str) -> int:
    with app.services.db.reading() as session:
        return int(session.scalars(select(Program.id).where(Program.slug == slug)).one())


def test_an_admin_creates_a_program_from_a_template_and_people_join_it_by_name(app: Running) -> None:
    form = open_new_program_form(app)
    assert form["title"]["text"] == "New program"
    assert "seen only by them and this program's admins" in str(form["blocks"])

    confirmation = create_program(app, "New-hire buddies", questions=BUDDIES_QUESTIONS)
    assert "*New-hire buddies* is ready (1:1 mentoring)" in confirmation
    assert "`/mentor join new-hire-buddies`" in confirmation and "Which office are you in?" in confirmation
    with app.services.db.reading() as session:
        buddies = session.scalars(select(Program).where(Program.slug == "new-hire-buddies")).one()
        assert (buddies.default_cadence, buddies.length_months, buddies.admins) == ("weekly", 3, ["UADMIN"])
        assert [q["rule"] for q in buddies.questions] == ["must_match", "overlap"]
        buddies_id = buddies.id

    # Two programs are open now (the workspace's first one, and the buddies): plain `/mentor join` asks which.
    mark = app.slack.mark()
    app.user.command("UANA", "join")
    asked = app.slack.wait_for("response_url", since=mark)[-1]
    assert "Which program would you like to join?" in asked.text()
    assert [b["text"]["text"] for b in buttons(asked.args["blocks"])] == ["Join Mentoring", "Join New-hire buddies"]

    view = join_program(app, "UANA", "buddies", MENTEE_PROFILE, q1="Berlin", q2=[{"value": "Chess"}])
    assert view["title"]["text"] == "Join New-hire buddies"
    assert "Your answers are seen only by you and this program's admins." in str(view["blocks"])
    with app.services.db.reading() as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == "UANA")).one()
        assert person.program_id == buddies_id and person.answers == {"q1": "Berlin", "q2": ["Chess"]}


def test_a_person_in_two_programs_is_matched_within_each_and_a_must_match_question_is_a_hard_rule(
    app: Running,
) -> None:
    create_program(app, "Buddies", questions=BUDDIES_QUESTIONS)
    join_program(app, "UBEN", "buddies", MENTOR_PROFILE, q1="London", q2=[{"value": "Chess"}])
    join_program(app, "UCAT", "buddies", MENTOR_PROFILE, q1="Berlin", q2=[{"value": "Hiking"}, {"value": "Chess"}])
    join_program(app, "UDAN", "mentoring", MENTOR_PROFILE)
    join_program(app, "UANA", "buddies", MENTEE_PROFILE, q1="Berlin", q2=[{"value": "Chess"}])
    join_program(app, "UANA", "mentoring", MENTEE_PROFILE)

    mark = app.slack.mark()
    app.user.command("UANA", "find")
    asked = app.slack.wait_for("response_url", since=mark)[-1]
    assert "Where should I look for a mentor?" in asked.text()

    mark = app.slack.mark()
    app.user.command("UANA", "find buddies")
    found = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "in *Buddies*" in found
    assert "<@UCAT>" in found and "both Berlin" in found and "both chose Chess" in found
    assert "<@UBEN>" not in found, "a different office is a hard rule in this program"
    assert "<@UDAN>" not in found, "a mentor of another program"

    mark = app.slack.mark()
    in_mentoring = next(b for b in buttons(asked.args["blocks"]) if b["text"]["text"] == "In Mentoring")
    app.user.click("UANA", "find.in_program", value=in_mentoring["value"])
    in_first = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "<@UDAN>" in in_first and "<@UCAT>" not in in_first

    # The profile is one profile: a new time zone from Slack reaches both memberships.
    app.user.event({"type": "user_change", "user": {"id": "UANA", "tz": "Asia/Tokyo"}})
    wait_until_stored(app, lambda _: _zones(app, "UANA") == {"Asia/Tokyo"})


def _zones(app: Running, user_id: str) -> set[str]:
    with app.services.db.reading() as session:
        return set(session.scalars(select(Person.timezone).where(Person.slack_user_id == user_id)))


def test_bad_program_forms_are_refused_inline_with_the_reason(app: Running) -> None:
    create_program(app, "Buddies")
    form = open_new_program_form(app)
    cases = [
        ({"name": "buddies"}, "name", "already a program called"),
        ({"name": "Leaders", "questions": "Office? | Berlin"}, "questions", "at least two choices"),
        ({"name": "Leaders", "questions": "Office? | Berlin, London | overlap 9"}, "questions", "up to 5"),
        ({"name": "Leaders", "questions": "Office? | Berlin, London | closest"}, "questions", "is not a rule"),
        ({"name": "Leaders", "signup_closes": "2026-11-20", "starts": "2026-12-20"}, "signup_closes", "already"),
        ({"name": "Leaders", "starts": "2027-02-01", "ends": "2027-01-01"}, "ends", "put the dates in order"),
        ({"name": "Leaders", "signup_opens": "2026-12-10"}, "starts", "needs a start day"),
    ]
    for values, field, reason in cases:
        reply = app.user.submit("UADMIN", form, {"template": "buddy", **values})
        assert reply.status == 200
        errors = reply.json()["errors"]
        assert reason in errors[field], (values, errors)
    with app.services.db.reading() as session:
        assert session.scalars(select(Program.slug).order_by(Program.id)).all() == ["mentoring", "buddies"]


def test_one_programs_admin_can_see_and_change_nothing_of_another(app: Running) -> None:
    create_program(app, "Buddies", admins=["UEVE"])
    join_program(app, "UBEN", "mentoring", MENTOR_PROFILE)
    with app.services.db.reading() as session:
        assert session.scalars(select(Program.admins).where(Program.slug == "buddies")).one() == ["UADMIN", "UEVE"]

    mark = app.slack.mark()
    app.user.command("UEVE", "admin report")
    report = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "Program health · Buddies" in report

    for command in ("admin report mentoring", "admin weights mentoring topics=9", "admin program close mentoring"):
        mark = app.slack.mark()
        app.user.command("UEVE", command)
        answer = app.slack.wait_for("response_url", since=mark)[-1].text()
        assert "You manage only" in answer and "`buddies`" in answer, (command, answer)
    mark = app.slack.mark()
    app.user.command("UEVE", "admin program new")
    assert "Only workspace admins" in app.slack.wait_for("response_url", since=mark)[-1].text()
    with app.services.db.reading() as session:
        mentoring = session.scalars(select(Program).where(Program.slug == "mentoring")).one()
        assert mentoring.closed_at is None and not mentoring.match_weights

    # The workspace's admin sees every program at a glance.
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin report")
    overview = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "Programs at a glance" in overview and "*Mentoring*" in overview and "*Buddies*" in overview
    assert "*1* member" in overview


def test_joining_a_program_that_is_closed_for_sign_up_or_by_invitation_says_what_to_do(app: Running) -> None:
    create_program(app, "Leaders", enrolment="invitation")
    create_program(app, "Spring cohort", signup_opens="2026-12-10", starts="2027-01-04")
    for program, reason in (("leaders", "by invitation only"), ("spring", "opens")):
        mark = app.slack.mark()
        app.user.command("UANA", f"join {program}")
        assert reason in app.slack.wait_for("response_url", since=mark)[-1].text()


def buddies_round_published(app: Running) -> None:
    """Ben mentors and Ana wants a mentor in a new program, Buddies; its admin publishes a round that pairs them."""
    create_program(app, "Buddies")
    join_program(app, "UBEN", "buddies", MENTOR_PROFILE)
    join_program(app, "UANA", "buddies", MENTEE_PROFILE)
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin match buddies")
    preview = app.slack.wait_for("response_url", since=mark)[-1]
    mark = app.slack.mark()
    app.user.click(
        "UADMIN", "admin.round_publish", value=button_value(preview, "admin.round_publish"), channel="DUADMIN"
    )
    # The admin's answer comes after the publish: wait for it, so later steps read their own answers.
    assert "Round published" in app.slack.wait_for("response_url", since=mark)[-1].text()


def test_deleting_a_program_with_live_pairs_is_refused_and_closing_ends_them_gently(app: Running) -> None:
    buddies_round_published(app)
    app.slack.wait_until("pair proposed", lambda _: _pairs(app) == [PairStatus.PROPOSED])

    mark = app.slack.mark()
    app.user.command("UADMIN", "admin program delete buddies")
    assert "has 1 live pair, so it can't be deleted" in app.slack.wait_for("response_url", since=mark)[-1].text()
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin program close buddies")
    assert "1 pair ended" in app.slack.wait_for("response_url", since=mark)[-1].text()
    assert _pairs(app) == [PairStatus.ENDED]
    for person in ("UANA", "UBEN"):
        app.slack.wait_until(f"{person} told", partial(_told_of_end, app, person))


def _told_of_end(app: Running, person: str, calls: list[Call]) -> bool:
    return any("has come to an end" in c.text() for c in app.slack.messages_to(f"D{person}"))


def _pairs(app: Running) -> list[PairStatus]:
    with app.services.db.reading() as session:
        return list(session.scalars(select(Pair.status)))


def test_a_cohort_runs_its_whole_calendar_and_its_clone_never_repeats_a_pair(app: Running) -> None:
    dates = {
        "signup_opens": "2026-12-02",
        "signup_closes": "2026-12-09",
        "matching": "2026-12-10",
        "starts": "2026-12-14",
        "ends": "2027-03-15",
    }
    create_program(app, "Winter cohort", channel="CPROGRAM", **dates)
    cohort = program_named(app, "winter-cohort")
    assert "Sign-up for *Winter cohort* opens" in _join_refusal(app, "winter")

    day = START.replace(hour=9)
    tick_at(app, day + timedelta(days=1, minutes=1))
    opened = app.slack.messages_to("CPROGRAM")[-1]
    assert "*Winter cohort* is open for sign-up until" in opened.text() and "Join Winter cohort" in opened.text()
    join_program(app, "UBEN", "winter", MENTOR_PROFILE)
    join_program(app, "UANA", "winter", MENTEE_PROFILE)

    tick_at(app, day + timedelta(days=7, minutes=1))
    assert "Last call" in app.slack.messages_to("CPROGRAM")[-1].text()
    tick_at(app, day + timedelta(days=8, minutes=1))
    assert "has closed with 2 people" in app.slack.messages_to("CPROGRAM")[-1].text()
    assert "Sign-up for *Winter cohort* has closed" in _join_refusal(app, "winter", "UCAT")

    tick_at(app, day + timedelta(days=9, minutes=1))
    matching = app.slack.messages_to("DUADMIN")[-1]
    assert "Today is matching day for *Winter cohort*" in matching.text() and "1 pairs" in matching.text()
    app.user.click(
        "UADMIN", "admin.round_publish", value=button_value(matching, "admin.round_publish"), channel="DUADMIN"
    )
    app.slack.wait_until("pair proposed", lambda _: _pairs(app) == [PairStatus.PROPOSED])
    for person in ("UANA", "UBEN"):
        app.slack.wait_until(f"proposal to {person}", partial(_proposed_to, app, person))
        confirm = _proposal(app, person)
        assert confirm is not None
        app.user.click(person, "round.confirm", value=button_value(confirm, "round.confirm"), channel=f"D{person}")
    app.slack.wait_until("pair active", lambda _: _pairs(app) == [PairStatus.ACTIVE])

    tick_at(app, day + timedelta(days=13, minutes=1))
    assert "starts today with 1 pair" in app.slack.messages_to("CPROGRAM")[-1].text()
    with app.services.db.reading() as session:
        pair = session.scalars(select(Pair)).one()
        assert pair.started_at == day + timedelta(days=13)
        assert pair.next_evaluation_at == day + timedelta(days=13 + 45)

    report = tick_at(app, day + timedelta(days=13 + 45, hours=1))
    assert report.evaluations == 2, "the mid-point evaluation, one for each person"
    tick_at(app, day + timedelta(days=104, minutes=1))
    assert "has come to an end: 1 pair met" in app.slack.messages_to("CPROGRAM")[-1].text()
    for person in ("UANA", "UBEN"):
        endings = [c.text() for c in app.slack.messages_to(f"D{person}") if "time together is complete" in c.text()]
        assert len(endings) == 1 and "Stay in touch" in endings[0]
    with app.services.db.reading() as session:
        program = session.get_one(Program, cohort)
        assert program.cohort_stage is CohortStage.ENDED and program.closed_at is not None
    assert _pairs(app) == [PairStatus.ENDED]

    mark = app.slack.mark()
    app.user.command("UADMIN", "admin program clone winter Spring cohort")
    assert "*Spring cohort* is ready" in app.slack.wait_for("response_url", since=mark)[-1].text()
    spring = program_named(app, "spring-cohort")
    for person, profile in (("UANA", MENTEE_PROFILE), ("UBEN", MENTOR_PROFILE)):
        app.slack.wait_until(f"{person} asked to continue", partial(_invited, app, person))
        ask = next(c for c in app.slack.messages_to(f"D{person}") if "Would you like to continue?" in c.text())
        forms = len(app.slack.calls_to("views.open"))
        app.user.click(person, "join.open", value=button_value(ask, "join.open"), channel=f"D{person}")
        view = app.slack.wait_for("views.open", forms + 1)[-1].args["view"]
        assert app.user.submit(person, view, profile).body == "", "the last cohort's people may continue early"
    assert "opens" in _join_refusal(app, "spring", "UDAN"), "newcomers wait for sign-up to open"
    tick_at(app, day + timedelta(days=105, minutes=1))
    assert "*Spring cohort* is open for sign-up" in app.slack.messages_to("CPROGRAM")[-1].text()
    join_program(app, "UDAN", "spring", MENTOR_PROFILE)
    with app.services.db.reading() as session:
        assert len(session.scalars(select(Person).where(Person.program_id == spring)).all()) == 3
    mark = app.slack.mark()
    app.user.command("UANA", "find spring")
    found = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "<@UDAN>" in found and "<@UBEN>" not in found, "the earlier cohort's partner is not offered again"


def _proposed_to(app: Running, person: str, calls: list[Call]) -> bool:
    return _proposal(app, person) is not None


def _proposal(app: Running, person: str) -> Call | None:
    return next((c for c in reversed(app.slack.messages_to(f"D{person}")) if "round.confirm" in str(c.args)), None)


def _invited(app: Running, person: str, calls: list[Call]) -> bool:
    return any("Would you like to continue?" in c.text() for c in app.slack.messages_to(f"D{person}"))


def _join_refusal(app: Running, program: str, user_id: str = "UANA") -> str:
    mark = app.slack.mark()
    app.user.command(user_id, f"join {program}")
    return app.slack.wait_for("response_url", since=mark)[-1].text()


def test_leaving_one_program_leaves_the_others_as_they_are(app: Running) -> None:
    create_program(app, "Buddies")
    join_program(app, "UANA", "buddies", MENTEE_PROFILE)
    join_program(app, "UANA", "mentoring", MENTEE_PROFILE)
    mark = app.slack.mark()
    reply = app.user.command("UANA", "leave")
    assert "Which program would you like to pause?" in reply.body
    reply = app.user.command("UANA", "leave buddies")
    assert "in *Buddies*?" in reply.body and "Your other programs go on" in reply.body
    app.user.click("UANA", "leave.confirm", value=str(program_named(app, "buddies")), channel="DUANA")
    assert "You're paused in *Buddies*" in app.slack.wait_for("response_url", since=mark)[-1].text()
    with app.services.db.reading() as session:
        statuses = dict(
            session.execute(select(Program.slug, Person.status).join(Person, Person.program_id == Program.id)).all()
        )
    assert statuses == {"buddies": "paused", "mentoring": "active"}


def test_a_program_whose_admins_approve_members_matches_nobody_until_they_do(app: Running) -> None:
    create_program(app, "Leaders", enrolment="approval", admins=["UEVE"])
    join_program(app, "UBEN", "leaders", MENTOR_PROFILE)
    assert "The admins of *Leaders* welcome each new member" in app.slack.messages_to("DUBEN")[-1].text()
    ask = app.slack.wait_for_message("DUEVE")[-1]
    assert "<@UBEN> asked to join *Leaders* to mentor others" in ask.text()
    with app.services.db.reading() as session:
        assert session.scalars(select(Person.status).where(Person.slack_user_id == "UBEN")).one() == "pending"

    mark = app.slack.mark()
    app.user.click("UDAN", "join.approve", value=button_value(ask, "join.approve"), channel="DUDAN")
    assert "Only program admins can welcome new members" in app.slack.wait_for("response_url", since=mark)[-1].text()
    mark = app.slack.mark()
    app.user.click("UEVE", "join.approve", value=button_value(ask, "join.approve"), channel="DUEVE")
    assert "<@UBEN> is in" in app.slack.wait_for("response_url", since=mark)[-1].text()
    app.slack.wait_until(
        "told", lambda _: bool(told := app.slack.messages_to("DUBEN")) and "You're in *Leaders*" in told[-1].text()
    )
    mark = app.slack.mark()
    app.user.click("UADMIN", "join.decline", value=button_value(ask, "join.approve"), channel="DUADMIN")
    assert "already answered" in app.slack.wait_for("response_url", since=mark)[-1].text()
    with app.services.db.reading() as session:
        assert session.scalars(select(Person.status).where(Person.slack_user_id == "UBEN")).one() == "active"


def test_with_several_programs_every_message_about_a_pair_says_which_program(app: Running) -> None:
    buddies_round_published(app)
    app.slack.wait_until("proposal", partial(_proposed_to, app, "UANA"))
    proposal = _proposal(app, "UANA")
    assert proposal is not None and "Program: *Buddies*" in proposal.text()


def test_deleting_ones_data_forgets_every_program_and_export_lists_each(app: Running) -> None:
    create_program(app, "Buddies", questions=BUDDIES_QUESTIONS)
    join_program(app, "UANA", "buddies", MENTEE_PROFILE, q1="Berlin", q2=[{"value": "Chess"}])
    join_program(app, "UANA", "mentoring", MENTEE_PROFILE)
    app.user.click("UANA", "privacy.export")
    app.slack.wait_until("export", lambda _: bool(app.slack.files_shared_in("DUANA")))
    exported = json.loads(app.slack.files_shared_in("DUANA")[0][1])
    programs = {p["program"]: p for p in exported["programs"]}
    assert set(programs) == {"Buddies", "Mentoring"}
    assert programs["Buddies"]["answers"] == {"q1": "Berlin", "q2": ["Chess"]}, "their own answers are theirs"

    mark = app.slack.mark()
    app.user.click("UANA", "privacy.delete")
    assert "your data is deleted" in app.slack.wait_for("response_url", since=mark)[-1].text()
    with app.services.db.reading() as session:
        left = session.execute(select(Person.slack_user_id, Person.answers, Person.goals)).all()
    assert all(user.startswith("deleted-") and answers == {} and goals == [] for user, answers, goals in left)
    assert len(left) == 2


def test_a_closed_program_forms_nothing_new_and_a_program_with_only_a_preview_can_be_deleted(app: Running) -> None:
    create_program(app, "Buddies")
    join_program(app, "UANA", "buddies", MENTEE_PROFILE)
    create_program(app, "Trial")
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin match trial")
    app.slack.wait_for("response_url", since=mark)
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin program delete trial")
    assert "*Trial* is deleted" in app.slack.wait_for("response_url", since=mark)[-1].text(), "a preview is no history"

    mark = app.slack.mark()
    app.user.command("UADMIN", "admin program close buddies")
    app.slack.wait_for("response_url", since=mark)
    for command in ("admin match buddies", "admin import buddies"):
        mark = app.slack.mark()
        app.user.command("UADMIN", command)
        assert "has closed, so nothing new forms in it" in app.slack.wait_for("response_url", since=mark)[-1].text()
    mark = app.slack.mark()
    app.user.command("UANA", "find buddies")
    assert "This program has closed" in app.slack.wait_for("response_url", since=mark)[-1].text()


def test_a_question_with_only_the_multiple_marker_is_refused_with_its_reason(app: Running) -> None:
    reply = app.user.submit(
        "UADMIN", open_new_program_form(app), {"template": "buddy", "name": "X", "questions": "Q? | multiple"}
    )
    assert "add its choices" in reply.json()["errors"]["questions"]
    questions = "Hobbies? | multiple | Chess, Music | overlap"
    assert "*X* is ready" in create_program(app, "X", questions=questions)
