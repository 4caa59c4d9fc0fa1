"""The relationship in DMs through signed HTTP: agreement, SMART goals, App Home, status, fit check, privacy."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sandbox.fake_slack import Call
from storage.models import (
    Agreement,
    AgreementStatus,
    Cadence,
    FitCheck,
    GoalEvent,
    Milestone,
    Pair,
    PairStatus,
    Person,
)
from tests.conftest import START, Running
from tests.steps import agreement_settled, button_value, goal_card_stored, paired, tick_at

TERMS: dict[str, Any] = {
    "cadence": "biweekly",
    "meeting_minutes": "45",
    "meeting_channel": "video",
    "focus": "talk structure, stage nerves, feedback",
    "length_months": "6",
    "confidentiality": "private",
}
GOAL: dict[str, Any] = {
    "title": "Give a talk at a meetup",
    "outcome": "A 20-minute talk delivered, with feedback from at least 5 people",
    "due_on": "2027-03-01",
    "milestones": "2026-12-20: outline ready\nrehearsal with a friend",
    "first_action": "list three talk ideas by Friday",
}
GROUP = "GANABEN"


def open_modal(app: Running, user: str, action_id: str, value: str) -> dict[str, Any]:
    mark = app.slack.mark()
    app.user.click(user, action_id, value=value, channel=GROUP)
    view: dict[str, Any] = app.slack.wait_for("views.open", since=mark)[-1].args["view"]
    return view


def proposal_to(app: Running, user: str, count: int = 1) -> Call:
    calls = app.slack.wait_until(
        f"proposal to {user}",
        lambda calls: (
            sum(c.args.get("channel") == f"D{user}" and "proposed your working agreement" in c.text() for c in calls)
            >= count
        ),
    )
    return [c for c in calls if c.args.get("channel") == f"D{user}" and "proposed your working agreement" in c.text()][
        -1
    ]


def agreed(app: Running, pair_id: int) -> None:
    view = open_modal(app, "UANA", "agreement.open", str(pair_id))
    assert app.user.submit("UANA", view, TERMS).body == ""
    proposal = proposal_to(app, "UBEN")
    mark = app.slack.mark()
    app.user.click("UBEN", "agreement.confirm", value=button_value(proposal, "agreement.confirm"))
    agreement_settled(app, mark)


def pair_row(app: Running) -> Pair:
    with app.services.db.unit_of_work() as session:
        return session.scalars(select(Pair)).one()


def test_agreement_is_proposed_validated_and_confirmed_by_the_partner(app: Running) -> None:
    pair_id = paired(app)
    view = open_modal(app, "UANA", "agreement.open", str(pair_id))
    assert view["callback_id"] == "agreement.submit"
    errors = app.user.submit("UANA", view, {**TERMS, "focus": "talks", "meeting_channel": None}).json()["errors"]
    assert set(errors) == {"focus", "meeting_channel"}

    assert app.user.submit("UANA", view, TERMS).body == ""
    proposal = proposal_to(app, "UBEN")
    assert "Meet every 2 weeks, about 45 minutes, by video call" in proposal.text()
    assert "What we discuss stays between the two of us." in proposal.text()
    assert pair_row(app).next_checkin_at is None, "nothing is active before the partner confirms"

    mark = app.slack.mark()
    app.user.click("UANA", "agreement.confirm", value=button_value(proposal, "agreement.confirm"))
    assert "waiting for your partner" in app.slack.wait_for("response_url", since=mark)[-1].text()

    app.user.click("UBEN", "agreement.confirm", value=button_value(proposal, "agreement.confirm"))
    posted = app.slack.wait_until(
        "agreement posted",
        lambda calls: any(c.args.get("channel") == GROUP and "working agreement is set" in c.text() for c in calls),
    )
    assert any("Add a goal" in c.text() for c in posted if c.args.get("channel") == GROUP)
    pair = pair_row(app)
    assert pair.next_checkin_at == START + timedelta(days=14)
    assert pair.ends_at == START + timedelta(days=180)


def test_agreement_can_be_changed_later(app: Running) -> None:
    pair_id = paired(app)
    agreed(app, pair_id)
    view = open_modal(app, "UBEN", "agreement.open", str(pair_id))
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id["focus"]["element"]["initial_value"] == TERMS["focus"]
    app.user.submit("UBEN", view, {**TERMS, "cadence": "weekly"})
    proposal = proposal_to(app, "UANA")
    app.user.click("UANA", "agreement.confirm", value=button_value(proposal, "agreement.confirm"))
    app.slack.wait_until(
        "second agreement",
        lambda calls: (
            sum(c.args.get("channel") == GROUP and "working agreement is set" in c.text() for c in calls) == 2
        ),
    )
    with app.services.db.unit_of_work() as session:
        statuses = [(a.cadence, a.status) for a in session.scalars(select(Agreement).order_by(Agreement.id))]
    assert statuses == [(Cadence.BIWEEKLY, AgreementStatus.SUPERSEDED), (Cadence.WEEKLY, AgreementStatus.ACTIVE)]
    assert pair_row(app).next_checkin_at == START + timedelta(days=7)


def goal_card(app: Running) -> Call:
    cards = [c for c in app.slack.calls if c.args.get("channel") == GROUP and "Success looks like" in c.text()]
    return cards[-1]


def test_goal_with_milestones_progress_comments_and_completion(app: Running) -> None:
    pair_id = paired(app)
    agreed(app, pair_id)
    view = open_modal(app, "UANA", "goal.open", str(pair_id))
    errors = app.user.submit(
        "UANA",
        view,
        {
            "title": "Talk",
            "outcome": "",
            "due_on": "2026-11-01",
            "milestones": "2027-06-01: too late",
            "first_action": "",
        },
    ).json()["errors"]
    assert set(errors) == {"title", "outcome", "due_on", "milestones", "first_action"}
    assert "how will you know it is done?" in errors["outcome"]
    assert "in the future" in errors["due_on"]
    late = app.user.submit("UANA", view, {**GOAL, "due_on": "2027-09-01"}).json()["errors"]
    assert "before your mentoring ends" in late["due_on"]
    wrong = app.user.submit("UANA", view, {**GOAL, "milestones": "2027-04-01: after the goal"}).json()["errors"]
    assert "between tomorrow and the goal's due date" in wrong["milestones"]
    long = app.user.submit("UANA", view, {**GOAL, "milestones": "draft " * 40}).json()["errors"]
    assert "keep each under 150 characters" in long["milestones"], "a long milestone is refused, not cut"

    assert app.user.submit("UANA", view, GOAL).body == ""
    app.slack.wait_until(
        "goal card",
        lambda calls: any(c.args.get("channel") == GROUP and "Success looks like" in c.text() for c in calls),
    )
    # The card's message is remembered just after it is posted: a click before that would post a second card.
    goal_card_stored(app)
    card = goal_card(app)
    assert "☐ outline ready (by 20 Dec)" in card.text() and "▱▱▱▱▱▱▱▱▱▱ 0%" in card.text()
    select_menu = next(
        e
        for b in card.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == "goal.milestone"
    )
    first = select_menu["options"][0]["value"]

    mark = app.slack.mark()
    app.user.choose("UBEN", "goal.milestone", first, GROUP)
    updated = app.slack.wait_for("chat.update", since=mark)[-1]
    assert "☑ outline ready" in updated.text() and "50%" in updated.text()
    app.slack.wait_until("milestone post", lambda calls: any("finished a milestone" in c.text() for c in calls))

    goal_id = button_value(card, "goal.progress")
    progress = open_modal(app, "UANA", "goal.progress", goal_id)
    assert "0 to 100" in app.user.submit("UANA", progress, {"percent": "140"}).json()["errors"]["percent"]
    mark = app.slack.mark()
    assert app.user.submit("UANA", progress, {"percent": "75"}).body == ""
    assert "75%" in app.slack.wait_for("chat.update", since=mark)[-1].text()

    note = open_modal(app, "UBEN", "goal.comment", goal_id)
    mark = app.slack.mark()
    app.user.submit("UBEN", note, {"comment": "Great outline! Try opening with a story <!here>"})
    commented = app.slack.wait_for("chat.update", since=mark)[-1].text()
    assert "<@UBEN>: Great outline! Try opening with a story &lt;!here&gt;" in commented

    app.user.click("UANA", "goal.complete", value=goal_id, channel=GROUP)
    app.slack.wait_until("celebration", lambda calls: any("is done. Well done" in c.text() for c in calls))
    with app.services.db.unit_of_work() as session:
        kinds = [e.kind for e in session.scalars(select(GoalEvent).order_by(GoalEvent.id))]
        milestones = list(session.scalars(select(Milestone)))
    assert kinds == ["created", "milestone_done", "progress", "comment", "completed"]
    assert sum(m.done_at is not None for m in milestones) == 1

    home = [c for c in app.slack.calls if c.method == "views.publish" and c.args["user_id"] == "UANA"][-1].text()
    assert "<@UBEN> mentors you" in home and "Give a talk at a meetup" in home and "▰▰▰▰▰▰▰▰▰▰ 100%" in home
    assert "Meet every 2 weeks" in home and "Next check-in" in home
    status = app.user.command("UBEN", "status").text()
    assert "You mentor <@UANA>" in status and "Give a talk at a meetup" in status


def test_editing_a_goal_keeps_its_history(app: Running) -> None:
    pair_id = paired(app)
    view = open_modal(app, "UANA", "goal.open", str(pair_id))
    app.user.submit("UANA", view, GOAL)
    app.slack.wait_until("goal card", lambda calls: any("Success looks like" in c.text() for c in calls))
    goal_card_stored(app)
    edit = open_modal(app, "UANA", "goal.edit", button_value(goal_card(app), "goal.edit"))
    assert {b.get("block_id"): b for b in edit["blocks"]}["title"]["element"]["initial_value"] == GOAL["title"]
    mark = app.slack.mark()
    app.user.submit("UANA", edit, {**GOAL, "title": "Give two talks at meetups"})
    assert "Give two talks at meetups" in app.slack.wait_for("chat.update", since=mark)[-1].text()
    with app.services.db.unit_of_work() as session:
        edited = session.scalars(select(GoalEvent).where(GoalEvent.kind == "edited")).one()
    assert edited.detail.startswith("Give a talk at a meetup")


def test_someone_outside_the_pair_is_refused_and_logged(app: Running, caplog: pytest.LogCaptureFixture) -> None:
    pair_id = paired(app)
    view = open_modal(app, "UANA", "agreement.open", str(pair_id))
    app.user.submit("UANA", view, TERMS)
    proposal = proposal_to(app, "UBEN")
    caplog.set_level(logging.WARNING)
    mark = app.slack.mark()
    app.user.click("UCAT", "agreement.confirm", value=button_value(proposal, "agreement.confirm"))
    app.user.click("UCAT", "goal.open", value=str(pair_id))
    app.user.click("UCAT", "pair.end", value=str(pair_id))
    refusals = app.slack.wait_until(
        "refusals",
        lambda calls: (
            sum(c.args.get("channel") == "DUCAT" and "someone else's mentoring" in c.text() for c in calls[mark:]) == 3
        ),
    )
    assert not [c for c in refusals[mark:] if c.method == "views.open"]
    crafted = app.user.submit("UCAT", view, TERMS)
    assert "isn't your pair" in crafted.json()["errors"]["focus"]
    assert sum("refused: UCAT" in r.getMessage() for r in caplog.records) >= 3
    with app.services.db.unit_of_work() as session:
        assert session.scalars(select(Agreement.status)).all() == [AgreementStatus.PROPOSED]
    assert pair_row(app).status is PairStatus.ACTIVE


def fit_question(app: Running, user: str) -> Call:
    calls = app.slack.wait_until(
        f"fit check for {user}",
        lambda calls: any(
            c.args.get("channel") == f"D{user}" and "How is it going, honestly?" in c.text() for c in calls
        ),
    )
    return [c for c in calls if c.args.get("channel") == f"D{user}" and "How is it going" in c.text()][-1]


def test_fit_check_not_a_good_fit_ends_the_pair_without_exposing_the_answer(app: Running) -> None:
    pair_id = paired(app)
    assert tick_at(app, START + timedelta(days=13)).fit_checks == 0
    assert tick_at(app, START + timedelta(days=14, minutes=1)).fit_checks == 1
    assert tick_at(app, START + timedelta(days=14, minutes=2)).fit_checks == 0
    ana, ben = fit_question(app, "UANA"), fit_question(app, "UBEN")
    assert "<@UBEN>" in ana.text() and "Your partner is never told" in ana.text()

    mark = app.slack.mark()
    app.user.click("UBEN", "fit.good", value=button_value(ben, "fit.good"))
    app.user.click("UANA", "fit.not_good", value=button_value(ana, "fit.not_good"))
    answers = app.slack.wait_for("response_url", 2, since=mark)
    offer = next(a for a in answers if "Would you like to end this pair?" in a.text())
    app.user.click("UANA", "pair.end", value=button_value(offer, "pair.end"))
    told = app.slack.wait_until(
        "partner told", lambda calls: any(c.args.get("channel") == "DUBEN" and "has closed" in c.text() for c in calls)
    )
    note = [c for c in told if c.args.get("channel") == "DUBEN" and "has closed" in c.text()][-1].text()
    assert "not a good fit" not in note.lower() and "fit check" not in note.lower()

    pair = pair_row(app)
    assert pair.id == pair_id and pair.status is PairStatus.ENDED and pair.next_checkin_at is None
    with app.services.db.unit_of_work() as session:
        ben_row = session.scalars(select(Person).where(Person.slack_user_id == "UBEN")).one()
        answers_stored = {f.user_id: f.answer for f in session.scalars(select(FitCheck))}
    assert ben_row.active_mentees == 0
    assert answers_stored == {"UBEN": "good", "UANA": "not_good"}
