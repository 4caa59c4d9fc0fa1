"""Two workspaces on one database: nothing of one is visible or reachable from the other."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from sandbox.fake_slack import FakeSlack
from sandbox.slack_user import SlackUserAgent
from storage.models import MatchRequest, Pair, Person
from tests.conftest import SIGNING_SECRET, Running
from tests.steps import MENTEE_PROFILE, MENTOR_PROFILE, button_value, join, mentor_request_dm, request_mentor


@dataclass
class OtherWorkspace:
    fake: FakeSlack
    team_id: str = "T0002"

    def response_url(self) -> str:
        return self.fake.response_url()


def test_profiles_matches_reports_and_payloads_stay_in_their_workspace(app: Running) -> None:
    other = SlackUserAgent(app.user.events_url, SIGNING_SECRET, OtherWorkspace(app.slack))
    join(app, "UBEN", MENTOR_PROFILE)
    join(app, "UANA", MENTEE_PROFILE)
    request_mentor(app, "UANA", "UBEN", "Please help me prepare my first conference talk this spring.")
    dm = mentor_request_dm(app, "UBEN")

    mark = app.slack.mark()
    other.command("UZOE", "join")
    view = app.slack.wait_for("views.open", since=mark)[-1].args["view"]
    assert other.submit("UZOE", view, {**MENTEE_PROFILE, "goals": "public speaking"}).body == ""
    app.slack.wait_for_message("DUZOE")

    mark = app.slack.mark()
    other.command("UZOE", "find")
    found = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "<@UBEN>" not in found and "No mentor with a free slot" in found

    mark = app.slack.mark()
    other.click("UZOE", "find.accept", value=button_value(dm, "find.accept"))
    assert "isn't addressed to you" in app.slack.wait_for("response_url", since=mark)[-1].text()

    mark = app.slack.mark()
    other.command("UOTHERADMIN", "admin report")
    assert "Only program admins" in app.slack.wait_for("response_url", since=mark)[-1].text()
    mark = app.slack.mark()
    app.user.command("UADMIN", "admin report")
    first = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "*Requests* 1: 0 accepted" in first

    with app.services.db.unit_of_work() as session:
        teams = {p.slack_user_id: p.team_id for p in session.scalars(select(Person))}
        assert teams == {"UBEN": "T0001", "UANA": "T0001", "UZOE": "T0002"}
        assert {r.team_id for r in session.scalars(select(MatchRequest))} == {"T0001"}
        assert session.scalars(select(Pair)).all() == []
