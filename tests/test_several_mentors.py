"""Several mentors per mentee, through signed HTTP: the program's setting, each mentee's count (or one mentor of
each kind they pick), honoured by `/mentor find`, requests, accepts and admin rounds."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.imports.mapping import propose_mapping
from bot.imports.preview import build_preview
from bot.imports.sheet import read_sheet
from sandbox.fake_slack import Call, email_of
from sandbox.slack_user import Reply
from storage.models import MatchRequest, Pair, PairStatus, Person
from tests.conftest import Running, run_mentorbot
from tests.steps import (
    MENTEE_PROFILE,
    MENTOR_PROFILE,
    button_value,
    buttons,
    homes_redrawn,
    mentor_request_dm,
    request_message_stored,
)
from tests.test_import import import_env
from tests.test_import_sheet import WORKSPACE
from tests.test_programs import create_program, join_program, open_new_program_form

KINDS = "What kind of mentor are you? | Peer, Senior | kind"
ASK = "I'd love help preparing my first conference talk, from outline to delivery."


def find_in(app: Running, user: str, words: str = "duo") -> Call:
    mark = app.slack.mark()
    app.user.command(user, f"find {words}")
    return app.slack.wait_for("response_url", since=mark)[-1]


def listed(results: Call) -> list[str]:
    """The mentors a find answer offers to request, in its order."""
    rows = [b for b in results.args.get("blocks", []) if (b.get("accessory") or {}).get("action_id") == "find.request"]
    return [user for row in rows for user in ("UBEN", "UDAN", "UFAY", "UGUS") if f"<@{user}>" in row["text"]["text"]]


def ask_from(app: Running, mentee: str, results: Call, mentor: str = "") -> Reply:
    """Click Request beside `mentor` (or the first mentor) in a find answer and send the request form."""
    value = next(
        b["accessory"]["value"]
        for b in results.args["blocks"]
        if (b.get("accessory") or {}).get("action_id") == "find.request" and f"<@{mentor}" in b["text"]["text"]
    )
    opened = len(app.slack.calls_to("views.open"))
    app.user.click(mentee, "find.request", value=value)
    view = app.slack.wait_for("views.open", opened + 1)[-1].args["view"]
    return app.user.submit(mentee, view, {"message": ASK, "cadence": "biweekly"})


def ask_and_accept(app: Running, mentee: str, mentor: str, earlier_requests: int = 0) -> None:
    """The mentee picks `mentor` from their find answer in Duo and sends a request; the mentor accepts it."""
    reply = ask_from(app, mentee, find_in(app, mentee), mentor)
    assert reply.status == 200 and reply.body == "", reply.body
    request_id = int(button_value(mentor_request_dm(app, mentor, earlier_requests + 1), "find.accept"))
    request_message_stored(app, request_id)
    mark = app.slack.mark()
    app.user.click(mentor, "find.accept", value=str(request_id), channel=f"D{mentor}")
    app.slack.wait_for("chat.update", since=mark)
    homes_redrawn(app, mark, mentor, mentee)


def publish(app: Running, preview: Call) -> str:
    """The admin publishes the round previewed; returns what they are told."""
    mark = app.slack.mark()
    value = button_value(preview, "admin.round_publish")
    app.user.click("UADMIN", "admin.round_publish", value=value, channel="DUADMIN")
    return app.slack.wait_for("response_url", since=mark)[-1].text()


def home_says(user: str, words: str, calls: list[Call]) -> bool:
    homes = [c for c in calls if c.method == "views.publish" and c.args.get("user_id") == user]
    return bool(homes) and words in json.dumps(homes[-1].args["view"])


def live_mentors(app: Running, mentee: str) -> set[str]:
    with app.services.db.reading() as session:
        mentee_id = session.scalars(select(Person.id).where(Person.slack_user_id == mentee)).all()
        rows = session.scalars(
            select(Person.slack_user_id)
            .join(Pair, Pair.mentor_id == Person.id)
            .where(Pair.mentee_id.in_(mentee_id), Pair.status.in_((PairStatus.ACTIVE, PairStatus.PROPOSED)))
        )
        return set(rows)


def picks(*kinds: str) -> list[dict[str, str]]:
    """A multi-select's chosen options, as Slack sends them."""
    return [{"value": kind} for kind in kinds]


def mentor(**changes: Any) -> dict[str, Any]:
    return {**MENTOR_PROFILE, "capacity": "1", **changes}


def test_a_mentee_who_wants_two_mentors_finds_and_gets_a_second_and_then_is_told_they_have_both(app: Running) -> None:
    assert "up to 2 mentors a mentee" in create_program(app, "Duo", mentors_per_mentee="2")
    join_program(app, "UBEN", "duo", mentor())
    join_program(app, "UDAN", "duo", mentor())
    form = join_program(app, "UANA", "duo", {**MENTEE_PROFILE, "mentors_wanted": "2"})
    assert "How many mentors I'd like" in str(form["blocks"]) and "up to 2 at once" in str(form["blocks"])
    assert "You asked for 2 mentors: each becomes its own pair." in app.slack.messages_to("DUANA")[-1].text()
    join_program(app, "UCAT", "duo", MENTEE_PROFILE)

    ask_and_accept(app, "UANA", "UBEN")
    app.slack.wait_until("App Home: look for the next mentor", partial(home_says, "UANA", "1 of the 2"))
    second = find_in(app, "UANA")
    assert listed(second) == ["UDAN"], "a current mentor is not offered again, the other one is"
    ask_and_accept(app, "UANA", "UDAN")
    assert live_mentors(app, "UANA") == {"UBEN", "UDAN"}

    done = find_in(app, "UANA").text()
    assert "You have all the mentors you asked for: <@UBEN> and <@UDAN>" in done

    # Cat asked for one: with Ben and Dan full she is told so; once she has one she is told she may ask for more.
    with app.services.db.unit_of_work() as session:
        dan = session.scalars(select(Person).where(Person.slack_user_id == "UDAN")).one()
        dan.capacity = 2
    ask_and_accept(app, "UCAT", "UDAN", earlier_requests=1)
    one = find_in(app, "UCAT")
    assert "the one mentor you asked for. This program allows up to 2" in one.text()
    assert [b["action_id"] for b in buttons(one.args["blocks"])] == ["join.open"]


def test_a_round_gives_each_mentee_one_mentor_of_each_kind_they_picked_and_says_why_when_it_cannot(
    app: Running,
) -> None:
    create_program(app, "Duo", mentors_per_mentee="2", questions=KINDS)
    join_program(app, "UBEN", "duo", mentor(), q1="Senior")
    join_program(app, "UDAN", "duo", mentor(), q1="Senior")
    join_program(app, "UFAY", "duo", mentor(), q1="Peer")
    form = join_program(app, "UANA", "duo", {**MENTEE_PROFILE, "mentors_wanted": picks("Peer", "Senior")}, q1="Peer")
    assert "one mentor of each kind you pick, up to 2" in str(form["blocks"])
    join_program(app, "UCAT", "duo", {**MENTEE_PROFILE, "mentors_wanted": picks("Peer", "Senior")}, q1="Peer")

    mark = app.slack.mark()
    app.user.command("UADMIN", "admin match duo")
    preview = app.slack.wait_for("response_url", since=mark)[-1]
    text = preview.text()
    # Two Seniors and one Peer for two mentees who each want one of each: three pairs, and one mentee short a Peer.
    assert "3 pairs" in text and "Fewer mentors than they want" in text
    assert "told why they got fewer mentors than they want" in publish(app, preview)

    got = {who: live_mentors(app, who) for who in ("UANA", "UCAT")}
    assert sorted(len(m) for m in got.values()) == [1, 2]
    for mentors in got.values():
        assert len(mentors & {"UBEN", "UDAN"}) == 1, "one Senior each, never two"
    short = next(who for who, mentors in got.items() if len(mentors) == 1)
    app.slack.wait_until(
        "the short mentee told",
        lambda calls: any(
            c.args.get("channel") == f"D{short}" and "not yet all you asked for" in c.text() for c in calls
        ),
    )

    # The short mentee's find offers only the kind still missing: a Peer, and Fay is full, so nobody.
    nobody = find_in(app, short)
    assert listed(nobody) == [] and "No Peer mentor with a free slot fits you" in nobody.text()


def test_the_settings_are_checked_in_the_forms(app: Running) -> None:
    form = open_new_program_form(app)
    reply = app.user.submit("UADMIN", form, {"template": "circle", "name": "Peers", "mentors_per_mentee": "2"})
    assert "Several mentors per mentee is for 1:1 mentoring" in str(reply.json()["errors"]["mentors_per_mentee"])
    reply = app.user.submit(
        "UADMIN", open_new_program_form(app), {"template": "buddy", "name": "Duo", "questions": KINDS + " | multiple"}
    )
    assert "one answer per person" in str(reply.json()["errors"]["questions"])

    create_program(app, "Duo", mentors_per_mentee="2", questions=KINDS.replace("Senior", "Senior, Manager"))
    before = len(app.slack.calls_to("views.open"))
    app.user.command("UANA", "join duo")
    view = app.slack.wait_for("views.open", before + 1)[-1].args["view"]
    picked = {**MENTEE_PROFILE, "mentors_wanted": picks("Peer", "Senior", "Manager"), "q:q1": "Peer"}
    reply = app.user.submit("UANA", view, picked)
    assert "Pick up to 2 kinds" in str(reply.json()["errors"]["mentors_wanted"])
    with app.services.db.reading() as session:
        assert session.scalars(select(Person).where(Person.slack_user_id == "UANA")).all() == [], "nothing stored"


def test_a_sheet_says_how_many_mentors_each_mentee_wants_within_the_programs_limit(
    app: Running, tmp_path: Path
) -> None:
    for user, name in (("UMIA", "Mia"), ("UNOA", "Noa"), ("UOLI", "Oli"), ("UPIA", "Pia")):
        app.slack.add_user(user, name, "Europe/Paris")
    create_program(app, "Duo", mentors_per_mentee="2")
    sheet = tmp_path / "duo.csv"
    sheet.write_text(
        "Email,Name,Role,Topics wanted,How many mentors would you like?\n"
        f"{email_of('Mia')},Mia,Mentee,python,2\n"
        f"{email_of('Noa')},Noa,Mentee,python,one\n"
        f"{email_of('Oli')},Oli,Mentee,python,lots\n"
        f"{email_of('Pia')},Pia,Mentee,python,3\n"
    )
    result = run_mentorbot(["import", str(sheet), "--program", "duo", "--yes"], import_env(app), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "mentors wanted: “lots” is not a number" in result.stdout
    with app.services.db.reading() as session:
        wanted = dict(session.execute(select(Person.slack_user_id, Person.mentors_wanted)).all())
    assert wanted == {"UMIA": 2, "UNOA": 1, "UPIA": 2}, "Oli's row needs attention; Pia gets the program's most"
    calls = app.slack.wait_until("Mia's consent DM", lambda calls: any(c.args.get("channel") == "DUMIA" for c in calls))
    assert "*Mentors you'd like:* 2" in next(c for c in calls if c.args.get("channel") == "DUMIA").text()


def test_a_request_from_an_old_list_for_a_kind_already_filled_is_refused_in_the_form(app: Running) -> None:
    create_program(app, "Duo", mentors_per_mentee="2", questions=KINDS)
    join_program(app, "UBEN", "duo", mentor(), q1="Senior")
    join_program(app, "UDAN", "duo", mentor(), q1="Senior")
    join_program(app, "UFAY", "duo", mentor(), q1="Peer")
    join_program(app, "UANA", "duo", {**MENTEE_PROFILE, "mentors_wanted": picks("Peer", "Senior")}, q1="Peer")
    before = find_in(app, "UANA")
    assert set(listed(before)) == {"UBEN", "UDAN", "UFAY"}
    ask_and_accept(app, "UANA", "UBEN")
    peers = find_in(app, "UANA")
    assert listed(peers) == ["UFAY"] and "the Peer mentors who fit you best" in peers.text(), "the kind still missing"

    # Dan's Request button on the list from before Ben accepted: the form says why not, and nothing is sent.
    reply = ask_from(app, "UANA", before, "UDAN")
    error = str(reply.json()["errors"]["message"])
    assert "This mentor's kind is Senior, and you're now looking for: Peer" in error
    with app.services.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(MatchRequest)) == 1


def test_a_mentor_both_requested_and_proposed_by_a_round_becomes_one_pair_and_the_request_closes(
    app: Running,
) -> None:
    create_program(app, "Duo", mentors_per_mentee="2")
    join_program(app, "UBEN", "duo", mentor(capacity="2"))
    join_program(app, "UANA", "duo", {**MENTEE_PROFILE, "mentors_wanted": "2"})
    # The admin previews a round that proposes Ben to Ana; meanwhile Ana asks Ben herself.
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin match duo")
    preview = app.slack.wait_for("response_url", since=mark)[-1]
    assert "1 pairs" in preview.text()
    assert ask_from(app, "UANA", find_in(app, "UANA")).body == ""
    request_id = int(button_value(mentor_request_dm(app, "UBEN"), "find.accept"))
    request_message_stored(app, request_id)

    assert "Round published: 1 pairs" in publish(app, preview)
    mark = app.slack.mark()
    app.user.click("UBEN", "find.accept", value=str(request_id), channel="DUBEN")
    answer = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "found the mentor they were looking for" in answer
    with app.services.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Pair)) == 1, "never the same two people twice"
        closed = session.get_one(MatchRequest, request_id)
        assert (closed.status, closed.remind_at) == ("withdrawn", None), "no reminder or expiry follows"
        assert session.scalars(select(Person.active_mentees).where(Person.slack_user_id == "UBEN")).one() == 1


def test_a_question_of_mentor_kinds_needs_several_mentors_per_mentee(app: Running) -> None:
    form = {"template": "buddy", "name": "Duo", "questions": KINDS}
    reply = app.user.submit("UADMIN", open_new_program_form(app), form)
    assert "for a program with several mentors per mentee" in str(reply.json()["errors"]["questions"])


def test_a_round_fills_the_places_left_beside_an_open_request_and_never_proposes_its_mentor(app: Running) -> None:
    create_program(app, "Duo", mentors_per_mentee="2")
    join_program(app, "UBEN", "duo", mentor())
    join_program(app, "UDAN", "duo", mentor())
    join_program(app, "UANA", "duo", {**MENTEE_PROFILE, "mentors_wanted": "2"})
    assert ask_from(app, "UANA", find_in(app, "UANA"), "UBEN").body == ""
    mentor_request_dm(app, "UBEN")

    mark = app.slack.mark()
    app.user.command("UADMIN", "admin match duo")
    preview = app.slack.wait_for("response_url", since=mark)[-1]
    assert "1 pairs" in preview.text() and "<@UANA> ← <@UDAN>" in preview.text(), "Ben is kept for her request"


def test_a_sheet_asking_for_more_mentors_than_the_program_allows_is_told_in_the_preview() -> None:
    sheet = read_sheet(b"Email,Role,How many mentors would you like?\nana.silva@example.com,Mentee,3\n")
    preview = build_preview(sheet, propose_mapping(sheet), WORKSPACE, most_mentors=2)
    ana = preview.rows[0]
    assert ana.became["mentors_wanted"] == 2
    assert ana.reasons == ["asked for 3 mentors; this program gives each mentee up to 2"]


def test_a_mentee_who_asks_for_fewer_mentors_while_a_request_is_open_closes_it_at_the_accept(app: Running) -> None:
    create_program(app, "Duo", mentors_per_mentee="2")
    join_program(app, "UBEN", "duo", mentor())
    join_program(app, "UDAN", "duo", mentor())
    join_program(app, "UANA", "duo", {**MENTEE_PROFILE, "mentors_wanted": "2"})
    ask_and_accept(app, "UANA", "UBEN")
    assert ask_from(app, "UANA", find_in(app, "UANA"), "UDAN").body == ""
    request_id = int(button_value(mentor_request_dm(app, "UDAN"), "find.accept"))
    request_message_stored(app, request_id)
    join_program(app, "UANA", "duo", {**MENTEE_PROFILE, "mentors_wanted": "1"})

    mark = app.slack.mark()
    app.user.click("UDAN", "find.accept", value=str(request_id), channel="DUDAN")
    assert "found the mentor they were looking for" in app.slack.wait_for("response_url", since=mark)[-1].text()
    assert live_mentors(app, "UANA") == {"UBEN"}
    with app.services.db.reading() as session:
        assert session.get_one(MatchRequest, request_id).status == "withdrawn"
