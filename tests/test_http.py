"""The HTTP door: signatures are checked, stale requests refused, health is reported."""

import json
import time
import urllib.request

from tests.conftest import Running


def test_bad_signature_gets_401(app: Running) -> None:
    reply = app.user.post("command=%2Fmentor&text=help", "application/x-www-form-urlencoded", signature="v0=bad")
    assert reply.status == 401
    assert app.slack.calls_to("chat.postMessage") == []


def test_request_older_than_five_minutes_gets_401(app: Running) -> None:
    reply = app.user.command("UANA", "help", timestamp=int(time.time()) - 6 * 60)
    assert reply.status == 401


def test_healthz_reports_ok(app: Running) -> None:
    port = app.user.events_url.split(":")[2].split("/")[0]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True}


def test_url_verification_challenge_is_answered(app: Running) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "legacy"})
    reply = app.user.post(body, "application/json")
    assert reply.status == 200 and "abc123" in reply.body
