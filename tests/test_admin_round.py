"""Program-wide rounds through signed HTTP: admins only, preview, publish, confirm or decline."""

from __future__ import annotations

from sqlalchemy import select

from sandbox.fake_slack import Call
from storage.models import Pair, PairStatus, Person
from tests.conftest import Running
from tests.steps import MENTEE_PROFILE, MENTOR_PROFILE, button_value, find, join


def program(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE, capacity="1")
    join(app, "UDAN", MENTOR_PROFILE, capacity="1", expertise="python, leading a team")
    join(app, "UANA", MENTEE_PROFILE)
    join(app, "UCAT", MENTEE_PROFILE, goals="python")
    join(app, "UEVE", MENTEE_PROFILE, goals="leading a team", do_not_match=["UBEN", "UDAN"])


def admin_command(app: Running, user: str, text: str = "admin match") -> Call:
    mark = app.slack.mark()
    app.user.command(user, text)
    return app.slack.wait_for("response_url", since=mark)[-1]


def proposal_for(app: Running, user: str) -> Call:
    calls = app.slack.wait_until(
        f"proposal for {user}",
        lambda calls: any(
            c.method == "chat.postMessage"
            and c.args.get("channel") == f"D{user}"
            and "This round matched you" in c.text()
            for c in calls
        ),
    )
    return [c for c in calls if c.args.get("channel") == f"D{user}" and "This round matched you" in c.text()][-1]


def pairs(app: Running) -> list[Pair]:
    with app.services.db.unit_of_work() as session:
        return list(session.scalars(select(Pair).order_by(Pair.id)))


def test_non_admin_is_refused(app: Running) -> None:
    program(app)
    assert "Only program admins" in admin_command(app, "UANA").text()
    assert pairs(app) == []


def test_workspace_admin_from_slack_may_run_a_round(app: Running) -> None:
    app.slack.add_user("UOWNER", "Olu", is_admin=True)
    program(app)
    assert "Matching round preview" in admin_command(app, "UOWNER").text()


def test_admin_previews_publishes_and_pairs_confirm(app: Running) -> None:
    program(app)
    preview = admin_command(app, "UADMIN")
    text = preview.text()
    assert "2 pairs" in text and "1 left unmatched" in text
    assert "<@UEVE>: no mentor with a free slot is allowed for them" in text
    assert pairs(app) == [], "a preview changes nothing"

    mark = app.slack.mark()
    app.user.click("UADMIN", "admin.round_publish", value=button_value(preview, "admin.round_publish"))
    assert "Round published: 2 pairs" in app.slack.wait_for("response_url", since=mark)[-1].text()
    ana, ben = proposal_for(app, "UANA"), proposal_for(app, "UBEN")
    assert "<@UBEN> as your mentor" in ana.text() and "<@UANA> as your mentee" in ben.text()
    app.slack.wait_until(
        "unmatched told",
        lambda calls: any(c.args.get("channel") == "DUEVE" and "didn't find you a mentor" in c.text() for c in calls),
    )
    assert {p.status for p in pairs(app)} == {PairStatus.PROPOSED}
    with app.services.db.unit_of_work() as session:
        assert all(p.active_mentees == 1 for p in session.scalars(select(Person).where(Person.capacity > 0)))

    mark = app.slack.mark()
    app.user.click("UANA", "round.confirm", value=button_value(ana, "round.confirm"))
    assert "as soon as <@UBEN> says yes" in app.slack.wait_for("response_url", since=mark)[-1].text()
    app.user.click("UBEN", "round.confirm", value=button_value(ben, "round.confirm"))
    intro = app.slack.wait_for_message("GANABEN")[0]
    assert "<@UBEN> will mentor <@UANA>" in intro.text()
    assert pairs(app)[0].status is PairStatus.ACTIVE

    cat = proposal_for(app, "UCAT")
    app.user.click("UCAT", "round.decline", value=button_value(cat, "round.decline"))
    app.slack.wait_until(
        "partner told",
        lambda calls: any(c.args.get("channel") == "DUDAN" and "won't go ahead" in c.text() for c in calls),
    )
    with app.services.db.unit_of_work() as session:
        dan = session.scalars(select(Person).where(Person.slack_user_id == "UDAN")).one()
    assert dan.active_mentees == 0
    assert pairs(app)[1].status is PairStatus.DECLINED


def test_someone_outside_the_pair_cannot_confirm_it(app: Running) -> None:
    program(app)
    preview = admin_command(app, "UADMIN")
    app.user.click("UADMIN", "admin.round_publish", value=button_value(preview, "admin.round_publish"))
    ana = proposal_for(app, "UANA")
    mark = app.slack.mark()
    app.user.click("UCAT", "round.confirm", value=button_value(ana, "round.confirm"))
    assert "isn't yours" in app.slack.wait_for("response_url", since=mark)[-1].text()
    assert not pairs(app)[0].mentee_confirmed


def test_publishing_twice_sends_nothing_twice(app: Running) -> None:
    program(app)
    preview = admin_command(app, "UADMIN")
    value = button_value(preview, "admin.round_publish")
    app.user.click("UADMIN", "admin.round_publish", value=value)
    proposal_for(app, "UANA")
    mark = app.slack.mark()
    app.user.click("UADMIN", "admin.round_publish", value=value)
    assert "already published" in app.slack.wait_for("response_url", since=mark)[-1].text()
    assert len(pairs(app)) == 2


def test_admin_sets_matching_weights_and_they_change_the_ranking(app: Running) -> None:
    program(app)
    shown = admin_command(app, "UADMIN", "admin weights").text()
    assert "`topics` = 0.4" in shown
    changed = admin_command(app, "UADMIN", "admin weights topics=0 seniority=0 hours=0 capacity=0 language=1").text()
    assert "`topics` = 0 (0%)" in changed and "`language` = 1 (95%)" in changed
    # Nobody named languages, so each mentor now scores the neutral 0.5 language fit over a total weight of 1.05.
    assert find(app, "UANA").text().count("48% fit") == 2
    assert "I don't know the factor “luck”" in admin_command(app, "UADMIN", "admin weights luck=1").text()
    assert "needs a number" in admin_command(app, "UADMIN", "admin weights hours=lots").text()
    assert "Only program admins" in admin_command(app, "UANA", "admin weights topics=1").text()


def test_a_refusal_names_what_was_asked(app: Running) -> None:
    for asked, named in (
        ("admin report", "see the program's health report"),
        ("admin export", "export the program's pairs"),
        ("admin match", "run matching rounds"),
    ):
        answer = admin_command(app, "UANA", asked).text()
        assert f"Only program admins can {named}." in answer, answer


def test_typed_pings_in_admin_commands_are_escaped_in_the_notification_text_too(app: Running) -> None:
    answer = admin_command(app, "UADMIN", "admin weights <!channel> topics=<!here>")
    assert "<!channel>" not in answer.args["text"] and "<!here>" not in answer.args["text"]
    assert "&lt;!channel&gt;" in answer.args["text"]
