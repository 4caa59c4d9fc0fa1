"""App Home shows the person's profile, or a welcome with a Join button."""

from tests.conftest import Running
from tests.steps import MENTOR_PROFILE, join


def test_home_for_a_newcomer_offers_to_join(app: Running) -> None:
    assert app.user.event({"type": "app_home_opened", "user": "UANA", "tab": "home", "channel": "DUANA"}).status == 200
    view = app.slack.wait_for("views.publish")[-1]
    assert view.args["user_id"] == "UANA"
    assert "Join the program" in view.text()
    assert any(
        e.get("action_id") == "join.open"
        for b in view.args["view"]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    )


def test_home_shows_the_profile_after_joining(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)
    home = app.slack.wait_for("views.publish")[-1]
    assert "leading a team" in home.text() and "Edit profile" in home.text()


def test_home_button_opens_the_profile_modal(app: Running) -> None:
    app.user.click("UANA", "join.open", view={"id": "VHOME", "type": "home"})
    assert app.slack.wait_for("views.open")[-1].args["view"]["callback_id"] == "join.submit"
