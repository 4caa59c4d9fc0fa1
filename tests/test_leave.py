"""`/mentor leave` pauses participation after a confirmation; the profile is kept."""

from sqlalchemy import select

from storage.models import Person, PersonStatus
from tests.conftest import Running
from tests.steps import MENTOR_PROFILE, join, open_join_modal


def status(app: Running, user_id: str) -> PersonStatus:
    with app.services.db.unit_of_work() as session:
        return session.scalars(select(Person.status).where(Person.slack_user_id == user_id)).one()


def test_leave_asks_first_and_pauses_on_confirmation(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)
    reply = app.user.command("UBEN", "leave")
    assert "Pause your participation?" in reply.text()
    assert status(app, "UBEN") is PersonStatus.ACTIVE

    app.user.click("UBEN", "leave.confirm")
    answer = app.slack.wait_for("response_url")[-1]
    assert answer.args["replace_original"] is True
    assert "You're paused" in answer.text()
    assert status(app, "UBEN") is PersonStatus.PAUSED
    # The latest App Home drawn says so (none may be drawn yet when the answer arrives).
    app.slack.wait_until(
        "paused home",
        lambda calls: (
            bool(homes := [c for c in calls if c.method == "views.publish"]) and "You're paused" in homes[-1].text()
        ),
    )


def test_keep_me_in_changes_nothing(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)
    app.user.command("UBEN", "leave")
    app.user.click("UBEN", "leave.cancel")
    assert "Glad you're staying" in app.slack.wait_for("response_url")[-1].text()
    assert status(app, "UBEN") is PersonStatus.ACTIVE


def test_leave_before_joining_offers_to_join(app: Running) -> None:
    assert "haven't joined" in app.user.command("UANA", "leave").text()


def test_joining_again_after_leave_reactivates(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)
    app.user.command("UBEN", "leave")
    app.user.click("UBEN", "leave.confirm")
    app.slack.wait_for("response_url")
    view = open_join_modal(app, "UBEN")
    app.user.submit("UBEN", view, MENTOR_PROFILE)
    app.slack.wait_for_message("DUBEN", 2)
    assert status(app, "UBEN") is PersonStatus.ACTIVE
