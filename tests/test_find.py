"""Finding a mentor through signed HTTP: ranking with reasons, requests, accept, decline, withdraw, races."""

from __future__ import annotations

import threading

from sqlalchemy import select

from storage.models import MatchRequest, Pair, PairStatus, Person, RequestStatus
from tests.conftest import Running
from tests.steps import (
    MENTEE_PROFILE,
    MENTOR_PROFILE,
    button_value,
    buttons,
    find,
    join,
    mentor_request_dm,
    request_mentor,
    request_message_stored,
    wait_until_stored,
)

REQUEST = "I'm giving my first conference talk in March and would love feedback on structure and nerves."


def program(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE, capacity="1")
    join(app, "UDAN", MENTOR_PROFILE, expertise="python, sql", seniority="3")
    join(app, "UANA", MENTEE_PROFILE)


def stored_pairs(app: Running) -> list[Pair]:
    with app.services.db.unit_of_work() as session:
        return list(session.scalars(select(Pair)))


def test_find_ranks_mentors_and_explains_why(app: Running) -> None:
    program(app)
    answer = find(app, "UANA")
    text = answer.text()
    assert text.index("<@UBEN>") < text.index("<@UDAN>")
    assert "both care about *public speaking*, *python*" in text
    assert "3 levels senior: a big jump" in text and "h of shared working hours" in text
    assert "*Missing*" in text, "a jump of 3 levels is said as what is missing, not as a plus"
    assert len([b for b in buttons(answer.args["blocks"]) if b["action_id"] == "find.request"]) == 2


def test_topic_narrows_the_list(app: Running) -> None:
    program(app)
    text = find(app, "UANA", "SQL").text()
    assert "<@UDAN>" in text and "<@UBEN>" not in text
    assert "No mentor with a free slot fits you for *cooking*" in find(app, "UANA", "cooking").text()
    too_long = find(app, "UANA", "public speaking " * 8).text()
    assert "up to 80 characters and yours has 127" in too_long, too_long


def test_request_accept_opens_a_group_dm_with_the_intro(app: Running) -> None:
    program(app)
    assert request_mentor(app, "UANA", "UBEN", REQUEST).body == ""
    dm = mentor_request_dm(app, "UBEN")
    assert "<@UANA> would like you to mentor them" in dm.text()
    assert "first conference talk" in dm.text() and "Why you fit" in dm.text()
    assert "on its way to <@UBEN>" in app.slack.wait_for_message("DUANA", 2)[-1].text()

    mark = app.slack.mark()
    app.user.click("UBEN", "find.accept", value=button_value(dm, "find.accept"), channel="DUBEN")
    group = app.slack.wait_for_message("GANABEN")[0]
    intro = group.text()
    assert "<@UBEN> will mentor <@UANA>" in intro
    assert "Why you were matched" in intro and "A first meeting" in intro
    assert "accepted <@UANA>" in app.slack.wait_for("response_url", since=mark)[-1].text()

    pairs = stored_pairs(app)
    assert len(pairs) == 1 and pairs[0].status is PairStatus.ACTIVE and pairs[0].channel_id == "GANABEN"
    with app.services.db.unit_of_work() as session:
        ben = session.scalars(select(Person).where(Person.slack_user_id == "UBEN")).one()
        request = session.scalars(select(MatchRequest)).one()
    assert ben.active_mentees == 1
    assert request.status is RequestStatus.ACCEPTED and request.responded_at is not None

    assert "already paired with <@UBEN>" in find(app, "UANA").text()


def test_thin_request_is_refused_inline(app: Running) -> None:
    program(app)
    reply = request_mentor(app, "UANA", "UBEN", "help pls")
    assert reply.json()["response_action"] == "errors"
    assert "Tell your mentor a little more" in reply.json()["errors"]["message"]
    with app.services.db.unit_of_work() as session:
        assert session.scalars(select(MatchRequest)).all() == []


def test_one_open_request_at_a_time_and_withdraw(app: Running) -> None:
    program(app)
    request_mentor(app, "UANA", "UBEN", REQUEST)
    request_message_stored(app, int(button_value(mentor_request_dm(app, "UBEN"), "find.accept")))
    waiting = find(app, "UANA")
    assert "Your request to <@UBEN> is waiting for an answer" in waiting.text()
    app.user.click("UANA", "find.withdraw", value=button_value(waiting, "find.withdraw"))
    app.slack.wait_until(
        "withdrawn", lambda calls: any("withdrawn" in c.text() for c in calls if c.method == "response_url")
    )
    assert "<@UBEN>" in find(app, "UANA").text()
    app.slack.wait_until(
        "mentor told", lambda calls: any(c.method == "chat.update" and "withdrew" in c.text() for c in calls)
    )


def test_decline_tells_the_mentee_kindly_with_the_note_and_other_mentors(app: Running) -> None:
    program(app)
    request_mentor(app, "UANA", "UBEN", REQUEST)
    dm = mentor_request_dm(app, "UBEN")
    mark = app.slack.mark()
    app.user.click("UBEN", "find.decline", value=button_value(dm, "find.decline"), channel="DUBEN")
    modal = app.slack.wait_for("views.open", since=mark)[-1].args["view"]
    assert modal["callback_id"] == "find.decline_submit"
    assert app.user.submit("UBEN", modal, {"note": "On leave until <!channel> March"}).body == ""
    told = app.slack.wait_until(
        "mentee told",
        lambda calls: any(
            c.method == "chat.postMessage" and c.args.get("channel") == "DUANA" and "can't take on" in c.text()
            for c in calls
        ),
    )
    text = [c for c in told if c.args.get("channel") == "DUANA"][-1].text()
    assert "not about you" in text and "On leave until &lt;!channel&gt; March" in text
    assert "<@UDAN>" in text and "<@UBEN>" not in text.split("not about you")[-1]
    assert "<@UBEN>" not in find(app, "UANA").text()


def test_two_accepts_racing_for_the_last_slot_make_one_pair(app: Running) -> None:
    program(app)
    join(app, "UCAT", MENTEE_PROFILE)
    request_mentor(app, "UANA", "UBEN", REQUEST)
    request_mentor(app, "UCAT", "UBEN", REQUEST)
    first, second = mentor_request_dm(app, "UBEN", 1), mentor_request_dm(app, "UBEN", 2)
    mark = app.slack.mark()
    clicks = [
        threading.Thread(
            target=app.user.click,
            args=("UBEN", "find.accept", button_value(dm, "find.accept")),
            kwargs={"channel": "DUBEN"},
        )
        for dm in (first, second)
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    answers = app.slack.wait_for("response_url", 2, since=mark)
    assert len([p for p in stored_pairs(app) if p.status is PairStatus.ACTIVE]) == 1
    assert sum("All your mentee slots are taken" in a.text() for a in answers) == 1
    with app.services.db.unit_of_work() as session:
        ben = session.scalars(select(Person).where(Person.slack_user_id == "UBEN")).one()
    assert ben.active_mentees == 1


def test_a_crafted_accept_from_someone_else_is_refused(app: Running) -> None:
    program(app)
    request_mentor(app, "UANA", "UBEN", REQUEST)
    dm = mentor_request_dm(app, "UBEN")
    mark = app.slack.mark()
    app.user.click("UDAN", "find.accept", value=button_value(dm, "find.accept"))
    assert "isn't addressed to you" in app.slack.wait_for("response_url", since=mark)[-1].text()
    assert stored_pairs(app) == []


def test_find_before_joining_or_as_mentor_only_says_what_to_do(app: Running) -> None:
    assert "Join the program first" in find(app, "UEVE").text()
    join(app, "UBEN", MENTOR_PROFILE)
    assert "set your role to *Both*" in find(app, "UBEN").text()


def test_open_requests_show_on_both_app_homes(app: Running) -> None:
    program(app)
    request_mentor(app, "UANA", "UBEN", REQUEST)
    mentor_request_dm(app, "UBEN")

    def latest_home(user: str) -> str:
        homes = [c for c in app.slack.calls if c.method == "views.publish" and c.args["user_id"] == user]
        return homes[-1].text() if homes else ""

    app.slack.wait_until(
        "homes refreshed",
        lambda _: (
            "asked you to mentor them" in latest_home("UBEN")
            and "Your request to <@UBEN> is waiting" in latest_home("UANA")
        ),
    )


def test_accept_from_the_app_home_pairs_them_and_answers_in_the_dm(app: Running) -> None:
    """A button in the App Home has no message to answer under, so the answers go to the mentor's DM."""
    program(app)
    request_mentor(app, "UANA", "UBEN", REQUEST)
    mentor_request_dm(app, "UBEN")
    wait_until_stored(app, lambda session: session.scalar(select(MatchRequest.mentor_message_ts)) is not None)
    ben_homes = app.slack.wait_until(
        "Ben's App Home with the request",
        lambda calls: any(
            c.method == "views.publish"
            and c.args["user_id"] == "UBEN"
            and any(b["action_id"] == "find.accept" for b in buttons(c.args["view"]["blocks"]))
            for c in calls
        ),
    )
    home = next(c for c in reversed(ben_homes) if c.method == "views.publish" and c.args["user_id"] == "UBEN")
    accept = next(b for b in buttons(home.args["view"]["blocks"]) if b["action_id"] == "find.accept")
    in_the_home = {"id": "VHOME", "type": "home"}

    mark, in_dm = app.slack.mark(), len(app.slack.messages_to("DUBEN"))
    assert app.user.click("UBEN", "find.accept", value=accept["value"], view=in_the_home).status == 200
    assert "<@UBEN> will mentor <@UANA>" in app.slack.wait_for_message("GANABEN")[0].text()
    assert "accepted <@UANA>" in app.slack.wait_for_message("DUBEN", in_dm + 1)[-1].text()
    # The request DM Ben got first is brought up to date too, so no stale Accept button is left there.
    assert "accepted <@UANA>" in app.slack.wait_for("chat.update", since=mark)[-1].text()
    assert len(stored_pairs(app)) == 1
    # Ben is looking at his App Home, so it is drawn at once with the pair, and not drawn again later.
    app.finish_work()
    ben_drawn = [c for c in app.slack.calls[mark:] if c.method == "views.publish" and c.args["user_id"] == "UBEN"]
    assert len(ben_drawn) == 1
    assert not any(b["action_id"] == "find.accept" for b in buttons(ben_drawn[0].args["view"]["blocks"]))

    app.user.click("UBEN", "find.accept", value=accept["value"], view=in_the_home)
    assert "already" in app.slack.wait_for_message("DUBEN", in_dm + 2)[-1].text()
    assert len(stored_pairs(app)) == 1
