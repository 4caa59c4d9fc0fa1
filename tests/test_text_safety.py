"""Arbitrary Unicode, mrkdwn control sequences and over-long text at every text input, through signed HTTP:
no crash, no unescaped ping or mention, every payload within Block Kit limits."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Running
from tests.steps import MENTOR_PROFILE, button_value, paired, submit_profile

INJECTIONS = ["<!channel>", "<!here>", "<!everyone>", "<@UHACK>", "<#CHACK>", "<https://evil.example|click>"]
hostile = st.builds(
    lambda head, injection, tail, long: f"{head} {injection} *{tail}* _x_ `y` ~z~ &amp; {'w' * long}",
    st.text(max_size=80),
    st.sampled_from(INJECTIONS),
    st.text(max_size=40),
    st.sampled_from([0, 0, 3000, 6000]),
)
EXAMPLES = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def mrkdwn_texts(value: Any) -> list[str]:
    """What Slack parses for pings and links: mrkdwn objects (plain_text is always shown literally)."""
    if isinstance(value, dict):
        own = [value["text"]] if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str) else []
        return own + [t for v in value.values() for t in mrkdwn_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in mrkdwn_texts(v)]
    return []


def assert_safe(app: Running, since: int) -> None:
    for call in app.slack.calls[since:]:
        parsed = [str(call.args.get("text") or ""), *mrkdwn_texts(call.args)]
        for injection in INJECTIONS:
            assert not any(injection in text for text in parsed), (call.method, injection)
    assert app.slack.violations == []


@EXAMPLES
@given(text=hostile)
def test_profile_find_thanks_and_commands(app: Running, text: str) -> None:
    mark = app.slack.mark()
    flat = text.replace("\n", " ")
    reply = submit_profile(app, "UBEN", {**MENTOR_PROFILE, "expertise": text, "department": flat[:80]})
    assert reply.status == 200
    assert app.user.command("UANA", flat[:2000]).status == 200
    assert app.user.command("UANA", f"find {flat[:500]}").status == 200
    # Over the limit, a thank-you comes back to be shortened; within it, it is delivered. Both stay safe.
    assert app.user.command("UANA", f"thanks <@UBEN|ben> {flat[:3000]}").status == 200
    assert app.user.command("UANA", f"thanks <@UBEN|ben> {flat[:1000]}").status == 200
    app.slack.wait_for("response_url", since=mark)
    app.slack.wait_until(
        "thanks delivered",
        lambda calls: any(
            c.args.get("channel") == "DUBEN" and "wants to say thank you" in c.text() for c in calls[mark:]
        ),
    )
    assert_safe(app, mark)


@EXAMPLES
@given(text=hostile)
def test_goal_agreement_and_comment_text(app: Running, text: str) -> None:
    if not app.slack.calls_to("views.publish"):
        paired(app)
    pair_id = int(
        button_value(next(c for c in app.slack.calls if "Meet your mentoring pair" in c.text()), "agreement.open")
    )
    mark = app.slack.mark()
    app.user.click("UANA", "goal.open", value=str(pair_id))
    goal_view: dict[str, Any] = app.slack.wait_for("views.open", since=mark)[-1].args["view"]
    values = {
        "title": text[:150],
        "outcome": text,
        "due_on": "2027-03-01",
        "milestones": text,
        "first_action": text[:300],
    }
    assert app.user.submit("UANA", goal_view, values).status == 200
    app.user.click("UANA", "agreement.open", value=str(pair_id))
    agreement_view = app.slack.wait_for("views.open", 2, since=mark)[-1].args["view"]
    terms = {
        "cadence": "weekly",
        "meeting_minutes": "45",
        "meeting_channel": "video",
        "focus": text[:500],
        "length_months": "6",
        "confidentiality": "private",
    }
    assert app.user.submit("UANA", agreement_view, terms).status == 200
    app.slack.wait_until("settled", lambda calls: len(calls) > mark, timeout=5)
    assert_safe(app, mark)
