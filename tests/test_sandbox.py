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


def step(transcript: str, heading: str) -> str:
    """What the transcript shows under one step: from its heading to the next step or tick."""
    start = transcript.index(heading)
    ends = [transcript.find(mark, start + len(heading)) for mark in ("\n👤 ", "\n⏱ ", "\n👥 ", "\n✅ ")]
    return transcript[start : min(end for end in ends if end != -1)]


def test_the_scripted_journey_reaches_every_step_and_shows_every_message_whole(tmp_path: Path) -> None:
    transcript = io.StringIO()
    with started(f"sqlite:///{tmp_path / 'sandbox.db'}", transcript) as sandbox:
        outcome = play(sandbox)
        assert sandbox.slack.violations == []
    text = transcript.getvalue()
    unwrapped = " ".join(text.split())
    assert outcome.pair_active and outcome.agreement_set and outcome.active_pairs == 6
    assert outcome.checkins_met >= 2 and outcome.evaluations_answered == 2 and outcome.thanks_received
    assert "Ana finished her talk outline" in outcome.shoutout_posted
    assert "Program health" in outcome.report and "hidden" in outcome.report
    assert outcome.circle_attendance == (4, 1)
    for heading in (
        "types /mentor find",
        "clicks [Accept]",
        "Meet your mentoring pair",
        "working agreement is set",
        "Time for a check-in",
        "May we celebrate it",
        "wants to say thank you",
        "Two minutes, completely private",
        "Matching round preview",
        "Welcome to your peer circle",
        "Agreed by all five of you",
        "Three times you can all make",
        "Check-in after meeting 1",
        "Journey complete",
    ):
        assert heading in unwrapped, heading
    assert "⏱" in text and "▰" in text

    # Every message whole, in order, labelled where Slack shows it, at a phone's width.
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    # No message is printed as an empty arrow: every label has its message under it.
    for at, line in enumerate(lines):
        if line.startswith(("   🤖 ", "   🪟 ")):
            assert lines[at + 1].startswith("      ") and lines[at + 1].strip(), line

    found = step(text, "👤 Ana types /mentor find")
    assert "Ana · #general · Only visible to you" in found and "mentors who fit you best" in found
    assert "mentors who fit you best" not in step(text, "👤 Ana clicks [Request]")
    assert "Ana · modal “Ask for mentoring”" in step(text, "👤 Ana clicks [Request]")

    sent = step(text, "👤 Ana fills in “Ask for mentoring”")
    assert "   🤖 Ben · DM from Mentorbot\n      @Ana would like you to mentor them" in sent
    assert "[Accept] [Decline]" in sent and "Please answer by" in sent
    assert "Ana · DM from Mentorbot" in sent and "[Withdraw request]" in sent

    accepted = step(text, "👤 Ben clicks [Accept]")
    assert "   🤖 group DM “Ben, Ana, Mentorbot”\n      Meet your mentoring pair" in accepted
    assert "[Set up our agreement]" in accepted
    assert "   🤖 Ben · DM from Mentorbot (updated)\n      You accepted @Ana" in accepted

    met = step(text, "👤 Ana clicks [We met]")
    assert "   🤖 group DM “Ben, Ana, Mentorbot” (updated)\n" in met and "Only visible to you" not in met
    assert "   🤖 #mentoring\n      🎉 A milestone from @Ana and @Ben" in text
    assert "Ada · #general · Only visible to you (updated)\n      Round published" in text

    # The peer circle: formed by a round, it agrees how to work, picks a weekly time, and checks in after meeting 1.
    circle = text[text.index("🔵 A third program") :]
    group_dm = "   🤖 group DM “Ana, Hugo, Chloe, Elena, Farid, Mentorbot”"
    published = step(circle, "👤 Ada clicks [Publish round]")
    assert f"{group_dm}\n      Welcome to your peer circle in Speaking circle" in published
    assert "How will you work together?" in published and "[Propose our agreement]" in published
    proposing = step(circle, "👤 Ana clicks [Propose our agreement]")
    assert "Ana · modal “Group agreement”" in proposing and "▸ For about: 60 minutes" in proposing
    proposed = step(circle, "👤 Ana fills in “Group agreement”")
    assert "Confirmed by 1 of 5; waiting for @Hugo, @Chloe, @Elena, @Farid." in proposed
    agreed = " ".join(step(circle, "👤 Farid clicks [I agree]").split())
    assert "Agreed by all five of you" in agreed and "Three times you can all make (60 minutes)" in agreed
    assert "(Asia/Dubai)" in agreed and "[Pick #1]" in agreed
    picked = step(circle, "👤 Chloe clicks [Pick #1]")
    assert "@Chloe picked" in picked and "(group-meetings.ics," in picked
    assert f"{group_dm.replace('🤖', '📎')} · file" in picked
    checkin = " ".join(step(circle, "⏱ ").split())
    assert "Check-in after meeting 1: were you there?" in checkin
    assert "@Ana facilitated this one. Next time it's @Hugo's turn to facilitate." in checkin
    missed = step(circle, "👤 Farid clicks [I missed this one]")
    assert "There: @Ana, @Hugo, @Chloe, @Elena\n      Missed it: @Farid" in missed
    assert "Not answered yet" not in missed


def test_make_run_without_tokens_plays_the_sandbox(tmp_path: Path) -> None:
    result = run_mentorbot(["run"], {}, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "No Slack app configured (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET not set)" in result.stderr
    assert "Journey complete" in result.stdout and "Traceback" not in result.stderr
    assert "manifest.yml" in result.stderr and "SLACK_SIGNING_SECRET" in result.stderr


def test_a_person_plays_request_and_accept_from_another_terminal_in_any_folder(tmp_path: Path) -> None:
    runtime, here, elsewhere = tmp_path / "run", tmp_path / "here", tmp_path / "elsewhere"
    for folder in (runtime, here, elsewhere):
        folder.mkdir()
    where = {"XDG_RUNTIME_DIR": str(runtime)}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORBOT_", "DATABASE_URL"))}
    process = subprocess.Popen(
        [MENTORBOT, "sandbox", "--no-journey"],
        cwd=here,
        env=env | where,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def act(*words: str) -> subprocess.CompletedProcess[str]:
        return run_mentorbot(["sandbox", *words], where, elsewhere)

    state = runtime / "mentorbot-sandbox.json"
    try:
        deadline = time.monotonic() + 60
        while not state.exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        found = act("say", "UKIM", "/mentor find")
        assert found.returncode == 0, found.stderr
        assert "👤 Kim types /mentor find\n   🤖 Kim · #general · Only visible to you\n" in found.stdout
        assert "@Dev · " in found.stdout and "[Request]" in found.stdout

        opened = act("click", "UKIM", "Request")
        assert "   🪟 Kim · modal “Ask for mentoring”" in opened.stdout
        assert "▸ What would you like to learn from them?: (empty)" in opened.stdout
        refused = act("fill", "kim", "How often=daily")
        assert refused.returncode == 2 and "Every 2 weeks" in refused.stdout

        sent = act("fill", "Kim", "What would you like to learn=Better SQL, please", "How often=every 2 weeks")
        assert sent.returncode == 0, sent.stdout
        assert "   🤖 Dev · DM from Mentorbot\n      @Kim would like you to mentor them" in sent.stdout
        assert "│ Better SQL, please" in sent.stdout and "[Accept] [Decline]" in sent.stdout

        accepted = act("click", "Dev", "Accept")
        assert "   🤖 group DM “Dev, Kim, Mentorbot”\n      Meet your mentoring pair" in accepted.stdout
        assert "[Set up our agreement]" in accepted.stdout
        assert "   🤖 Dev · DM from Mentorbot (updated)\n      You accepted @Kim" in accepted.stdout

        status = act("say", "UKIM", "status")
        assert "👤 Kim writes to Mentorbot: status\n   🤖 Kim · DM from Mentorbot\n" in status.stdout
        assert "@Dev mentors you" in status.stdout
        seen = act("show", "UKIM")
        assert "👀 What Kim sees now" in seen.stdout and "Meet your mentoring pair" in seen.stdout
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=60) == 0
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert not state.exists()
    gone = act("say", "UKIM", "/mentor find")
    assert gone.returncode == 2 and "No sandbox is running" in gone.stdout
