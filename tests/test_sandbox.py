"""The sandbox plays the whole journey through the real doors; `make run` without tokens starts it."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import time
from pathlib import Path

from sandbox.journey import play, started
from tests.conftest import MENTORBOT, run_mentorbot


def test_the_scripted_journey_reaches_every_step(tmp_path: Path) -> None:
    transcript = io.StringIO()
    with started(f"sqlite:///{tmp_path / 'sandbox.db'}", transcript) as sandbox:
        outcome = play(sandbox)
        assert sandbox.slack.violations == []
    text = transcript.getvalue()
    assert outcome.pair_active and outcome.agreement_set and outcome.active_pairs == 6
    assert outcome.checkins_met >= 2 and outcome.evaluations_answered == 2 and outcome.thanks_received
    assert "Ana finished her talk outline" in outcome.shoutout_posted
    assert "Program health" in outcome.report and "hidden (too few answers)" in outcome.report
    for step in (
        "types /mentor find",
        "clicks [Accept]",
        "Meet your mentoring pair",
        "working agreement is set",
        "Time for a check-in",
        "May we celebrate it",
        "wants to say thank you",
        "Two minutes, completely private",
        "Matching round preview",
        "Journey complete",
    ):
        assert step in text, step
    assert "⏱" in text and "▰" in text


def test_make_run_without_tokens_plays_the_sandbox(tmp_path: Path) -> None:
    started_at = time.monotonic()
    result = run_mentorbot(["run"], {}, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert time.monotonic() - started_at < 60
    assert "No Slack app configured (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET not set)" in result.stderr
    assert "Journey complete" in result.stdout and "Traceback" not in result.stderr
    assert "manifest.yml" in result.stderr and "SLACK_SIGNING_SECRET" in result.stderr


def test_interactive_sandbox_takes_commands_as_anyone(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORBOT_", "DATABASE_URL"))}
    process = subprocess.Popen(
        [MENTORBOT, "sandbox", "--interactive"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / ".mentorbot-sandbox.json").exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        result = run_mentorbot(["sandbox", "say", "UKIM", "/mentor status"], {}, tmp_path)
        assert result.returncode == 0, result.stderr
        assert "@Dev mentors you" in result.stdout
        found = run_mentorbot(["sandbox", "say", "UANA", "/mentor help"], {}, tmp_path)
        assert "/mentor find" in found.stdout
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=60) == 0
        except subprocess.TimeoutExpired:
            process.kill()
            raise
