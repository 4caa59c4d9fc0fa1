"""The sandbox: the real app, a local Slack stand-in and a simulated clock, playing a mentoring journey."""

from __future__ import annotations

import json
import secrets
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select

from bot.app import Mentorbot, build
from bot.clock import FixedClock
from bot.outbox import Pacer
from bot.settings import Settings
from bot.slack import make_client
from handlers.http import BackgroundServer
from sandbox.fake_slack import Call, FakeSlack
from sandbox.render import blocks_as_text, readable
from sandbox.slack_user import SlackUserAgent
from scheduler.tick import run_tick
from storage.migrate import upgrade
from storage.models import CheckIn, Evaluation, Pair

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TEAM = "T_SANDBOX"
PROGRAM_CHANNEL = "CPROGRAM"
ADMIN = "UADA"
STATE_FILE = Path(".mentorbot-sandbox.json")
TOKEN = "xoxb-sandbox"


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    timezone: str
    profile: dict[str, Any]


def _mentor(topics: str, seniority: str, capacity: str) -> dict[str, Any]:
    return {
        "role": "mentor",
        "expertise": topics,
        "seniority": seniority,
        "capacity": capacity,
        "work_start": "09:00",
        "work_end": "17:00",
        "cadence": "biweekly",
        "meeting_channel": "video",
        "learning_style": "discussion",
        "languages": "english",
    }


def _mentee(goals: str, cadence: str = "weekly") -> dict[str, Any]:
    return {
        "role": "mentee",
        "goals": goals,
        "seniority": "1",
        "work_start": "09:00",
        "work_end": "17:00",
        "cadence": cadence,
        "meeting_channel": "video",
        "learning_style": "hands_on",
        "languages": "english",
    }


PEOPLE = [
    Member("UADA", "Ada", "UTC", _mentor("career growth, leading a team", "5", "1")),
    Member("UBEN", "Ben", "America/New_York", _mentor("public speaking, python, leading a team", "4", "2")),
    Member("UCHLOE", "Chloe", "Europe/London", _mentor("design, user research", "4", "1")),
    Member("UDEV", "Dev", "Asia/Kolkata", _mentor("machine learning, python, sql", "4", "2")),
    Member("UELENA", "Elena", "Europe/Berlin", _mentor("leadership, career growth", "5", "1")),
    Member("UFARID", "Farid", "Asia/Dubai", _mentor("sales, negotiation", "3", "1")),
    Member("UANA", "Ana", "Europe/Berlin", _mentee("public speaking, python")),
    Member("UHUGO", "Hugo", "Europe/Paris", _mentee("design")),
    Member("UIVY", "Ivy", "Asia/Tokyo", _mentee("ml")),
    Member("UJON", "Jon", "America/Chicago", _mentee("leading a team")),
    Member("UKIM", "Kim", "Asia/Seoul", _mentee("sql, python")),
    Member("ULEO", "Leo", "America/Sao_Paulo", _mentee("sales")),
]


@dataclass
class Sandbox:
    """The running sandbox. Use `started()`; every step goes through signed HTTP into the real app."""

    database_url: str
    out: TextIO = sys.stdout
    slack: FakeSlack = field(default_factory=FakeSlack)
    clock: FixedClock = field(default_factory=lambda: FixedClock(START))
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    names: dict[str, str] = field(default_factory=dict)
    _seen: int = 0
    _app: Mentorbot | None = None
    _server: BackgroundServer | None = None
    _user: SlackUserAgent | None = None

    @property
    def user(self) -> SlackUserAgent:
        assert self._user is not None, "start the sandbox first"
        return self._user

    @property
    def app(self) -> Mentorbot:
        assert self._app is not None, "start the sandbox first"
        return self._app

    def start(self) -> None:
        self.slack.team_id = TEAM
        self.slack.start()
        for person in PEOPLE:
            self.slack.add_user(person.user_id, person.name, person.timezone, is_admin=person.user_id == ADMIN)
            self.names[person.user_id] = person.name
        self.names[PROGRAM_CHANNEL] = "mentoring"
        upgrade(self.database_url)
        settings = Settings(
            database_url=self.database_url,
            slack_bot_token=TOKEN,
            slack_signing_secret=self.secret,
            slack_api_url=self.slack.base_url,
            admins=frozenset({ADMIN}),
            shoutout_channel=PROGRAM_CHANNEL,
            scheduler_enabled=False,
        )
        self._app = build(settings, self.clock)
        self._server = BackgroundServer(self._app.wsgi()).start()
        self._user = SlackUserAgent(self._server.events_url, self.secret, self.slack)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._app is not None:
            self._app.close()
        self.slack.stop()

    # --- the transcript ---
    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def _where(self, call: Call) -> str:
        channel = str(call.args.get("channel") or call.args.get("channel_id") or "")
        if call.method == "response_url":
            return "(only visible to you)"
        if channel.startswith("D"):
            return f"DM to {self.names.get(channel[1:], channel)}"
        if channel.startswith("G"):
            return "group DM"
        return f"#{self.names.get(channel, channel)}"

    def show_new(self, settle: float = 0.3) -> list[Call]:
        """Print what the bot sent since the last step, as people would read it."""
        time.sleep(settle)
        new = self.slack.calls[self._seen :]
        self._seen = len(self.slack.calls)
        for call in new:
            if call.method in {"chat.postMessage", "chat.update", "response_url"}:
                lines = blocks_as_text(call.args.get("blocks") or [], self.names) or [
                    readable(str(call.args.get("text") or ""), self.names)
                ]
                verb = "updated" if call.method == "chat.update" else "→"
                self.say(f"   🤖 {verb} {self._where(call)}")
                for line in lines[:14]:
                    self.say(f"      {line}")
            elif call.method == "views.open":
                self.say(f"   🪟 opened “{call.args['view']['title']['text']}”")
            elif call.method == "files.completeUploadExternal":
                self.say(f"   📎 shared a file in {self._where(call)}")
        return new

    def act(self, user_id: str, what: str) -> None:
        self.say(f"\n👤 {self.names[user_id]} {what}")

    # --- doing things as a person ---
    def command(self, user_id: str, text: str) -> None:
        self.act(user_id, f"types /mentor {text}")
        reply = self.user.command(user_id, text)
        if reply.body:
            lines = blocks_as_text(reply.json().get("blocks") or [], self.names)
            self.say("   🤖 → (only visible to you)")
            for line in lines[:14]:
                self.say(f"      {line}")
        self.show_new()

    def modal(self, user_id: str, values: dict[str, Any], since: int) -> dict[str, Any]:
        view = self.slack.wait_for("views.open", since=since)[-1].args["view"]
        reply = self.user.submit(user_id, view, values)
        if reply.body:
            raise RuntimeError(f"the modal refused the input: {reply.body}")
        return dict(view)

    def click(self, user_id: str, label: str, action_id: str, value: str | None = None, channel: str = "") -> int:
        self.act(user_id, f"clicks [{label}]")
        mark = self.slack.mark()
        self.user.click(user_id, action_id, value=value, channel=channel or None)
        return mark

    def latest(self, phrase: str, channel: str | None = None) -> Call:
        calls = self.slack.wait_until(
            phrase,
            lambda calls: any(
                phrase in c.text() and (channel is None or c.args.get("channel") == channel) for c in calls
            ),
        )
        return [c for c in calls if phrase in c.text() and (channel is None or c.args.get("channel") == channel)][-1]

    def value_of(self, call: Call, action_id: str) -> str:
        for block in call.args.get("blocks") or []:
            elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
            for element in elements:
                if element.get("action_id") == action_id:
                    return str(element.get("value"))
        raise LookupError(action_id)

    def tick(self, when: datetime) -> None:
        self.clock.set(when)
        weeks = (when - START).days / 7
        bar = "▰" * int(weeks) + "▱" * max(0, 6 - int(weeks))
        self.say(f"\n⏱  {when:%a %d %b %H:%M} UTC  {bar} week {weeks:.1f}")
        client = make_client(self.slack.base_url, TOKEN, 10)
        run_tick(self.app.services, lambda _team: client, when, Pacer(per_second=50, per_channel_interval=0.05))
        self.show_new()


@dataclass(frozen=True)
class JourneyOutcome:
    pair_active: bool
    active_pairs: int
    agreement_set: bool
    checkins_met: int
    shoutout_posted: str
    thanks_received: bool
    evaluations_answered: int
    report: str


def play(sandbox: Sandbox) -> JourneyOutcome:
    """The scripted journey of one pair, from joining to the admin report, eight simulated weeks long."""
    s = sandbox
    s.say("🌱 Mentorbot sandbox: 12 people, one program, the real app. Everything below went through Slack's doors.")
    for person in PEOPLE:
        mark = s.slack.mark()
        s.user.command(person.user_id, "join")
        s.modal(person.user_id, person.profile, mark)
        s.latest("Here is what I saved", f"D{person.user_id}")
    s._seen = len(s.slack.calls)
    s.say(f"\n👥 {len(PEOPLE)} people joined: 6 mentors and 6 mentees in 9 time zones.")

    s.command("UANA", "find")
    results = s.latest("mentors who fit you best")
    mark = s.click("UANA", "Request", "find.request", s.value_of(results, "find.request"))
    s.modal(
        "UANA",
        {
            "message": "I'm giving my first conference talk in March: help with structure and nerves?",
            "cadence": "weekly",
        },
        mark,
    )
    request = s.latest("would like you to mentor them", "DUBEN")
    s.show_new()

    s.click("UBEN", "Accept", "find.accept", s.value_of(request, "find.accept"), "DUBEN")
    intro = s.latest("Meet your mentoring pair")
    group = str(intro.args["channel"])
    s.names[group[1:]] = "Ana & Ben"
    s.show_new()
    pair_id = s.value_of(intro, "agreement.open")

    mark = s.click("UANA", "Set up our agreement", "agreement.open", pair_id)
    s.modal(
        "UANA",
        {
            "cadence": "weekly",
            "meeting_minutes": "45",
            "meeting_channel": "video",
            "focus": "talk structure, stage nerves, feedback",
            "length_months": "3",
            "confidentiality": "private",
        },
        mark,
    )
    proposal = s.latest("proposed your working agreement", "DUBEN")
    s.show_new()
    s.click("UBEN", "Confirm", "agreement.confirm", s.value_of(proposal, "agreement.confirm"))
    s.latest("working agreement is set")
    s.show_new()

    mark = s.click("UANA", "Add a goal", "goal.open", pair_id)
    s.modal(
        "UANA",
        {
            "title": "Give a talk at a local meetup",
            "outcome": "A 20-minute talk delivered, with feedback from at least 5 people",
            "due_on": "2027-02-20",
            "milestones": "2026-12-20: outline ready\nrehearsal with a friend",
            "first_action": "list three talk ideas by Friday",
        },
        mark,
    )
    card = s.latest("Success looks like")
    s.show_new()

    week1 = START + timedelta(days=7)
    s.tick(week1)
    s.tick(week1.replace(hour=14, minute=30))
    checkin = s.latest("Time for a check-in")
    for who in ("UANA", "UBEN"):
        mark = s.click(who, "We met", "checkin.met", s.value_of(checkin, "checkin.met"), group)
        s.modal(who, {"note": "Outline is taking shape"}, mark)
        s.show_new()

    week2 = week1 + timedelta(days=7)
    s.tick(week2.replace(hour=14, minute=30))
    second = [c for c in s.slack.calls if "Time for a check-in" in c.text()][-1]
    mark = s.click("UANA", "We met", "checkin.met", s.value_of(second, "checkin.met"), group)
    s.modal("UANA", {"note": "Rehearsed the opening"}, mark)
    s.show_new()

    menu = next(
        e
        for b in card.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == "goal.milestone"
    )
    s.act("UANA", "marks the milestone “outline ready” done")
    s.user.choose("UANA", "goal.milestone", menu["options"][0]["value"], group)
    for who in ("UANA", "UBEN"):
        question = s.latest("May we celebrate it", f"D{who}")
        s.show_new()
        mark = s.click(who, "Yes, celebrate", "shoutout.yes", s.value_of(question, "shoutout.yes"))
        s.modal(who, {"story": "Ana finished her talk outline, with Ben as her mentor"}, mark)
    s.latest("A milestone from", PROGRAM_CHANNEL)
    s.show_new()

    s.command("UANA", "thanks <@UBEN|ben> for the honest, kind feedback on my outline")

    day30 = START + timedelta(days=30)
    s.tick(day30)
    answers = {
        "career": "4",
        "support": "5",
        "role_model": "4",
        "progress": "4",
        "overall": "5",
        "nps": "9",
        "worked": "Clear, kind feedback",
    }
    for who in ("UANA", "UBEN"):
        invite = s.latest("Two minutes, completely private", f"D{who}")
        mark = s.click(who, "Share my view", "evaluation.open", s.value_of(invite, "evaluation.open"))
        s.modal(who, answers, mark)
        s.show_new()

    s.command(ADMIN, "admin match")
    preview = s.latest("Matching round preview")
    mark = s.click(ADMIN, "Publish round", "admin.round_publish", s.value_of(preview, "admin.round_publish"))
    s.slack.wait_until("published", lambda calls: any("Round published" in c.text() for c in calls[mark:]))
    with s.app.services.db.unit_of_work() as session:
        proposed = session.scalar(select(func.count()).select_from(Pair).where(Pair.status == "proposed")) or 0
    s.slack.wait_until(
        "proposals", lambda calls: sum("This round matched you" in c.text() for c in calls) >= 2 * proposed
    )
    s.show_new()
    proposals = [c for c in s.slack.calls if "This round matched you" in c.text()]
    s.say(f"\n👥 Everyone matched in the round says yes ({len(proposals)} people).")
    for proposal in proposals:
        s.user.click(str(proposal.args["channel"])[1:], "round.confirm", value=s.value_of(proposal, "round.confirm"))
    s.slack.wait_until(
        "pairs started",
        lambda calls: sum("Meet your mentoring pair" in c.text() for c in calls) >= 1 + len(proposals) // 2,
    )
    s._seen = len(s.slack.calls)

    s.command(ADMIN, "admin report")
    report = s.latest("Program health")
    with s.app.services.db.unit_of_work() as session:
        active = session.scalar(select(func.count()).select_from(Pair).where(Pair.status == "active")) or 0
        met = session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.status == "met")) or 0
        answered = (
            session.scalar(select(func.count()).select_from(Evaluation).where(Evaluation.answered_at.is_not(None))) or 0
        )
    posted = [c for c in s.slack.calls if c.args.get("channel") == PROGRAM_CHANNEL]
    s.say(
        "\n✅ Journey complete: a pair formed, agreed how to work, set a goal, met twice, celebrated and said "
        f"thanks; a matching round paired the others. {active} pairs are active."
    )
    return JourneyOutcome(
        pair_active=active >= 1,
        active_pairs=int(active),
        agreement_set=any("working agreement is set" in c.text() for c in s.slack.calls),
        checkins_met=int(met),
        shoutout_posted=posted[0].text() if posted else "",
        thanks_received=any(
            c.args.get("channel") == "DUBEN" and "wants to say thank you" in c.text() for c in s.slack.calls
        ),
        evaluations_answered=int(answered),
        report=readable(report.text(), s.names),
    )


@contextmanager
def started(database_url: str, out: TextIO = sys.stdout) -> Iterator[Sandbox]:
    sandbox = Sandbox(database_url, out)
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def write_state(sandbox: Sandbox) -> None:
    STATE_FILE.write_text(
        json.dumps(
            {
                "events_url": sandbox.user.events_url,
                "secret": sandbox.secret,
                "slack": sandbox.slack.base_url,
                "team": TEAM,
                "names": sandbox.names,
            }
        )
    )


@dataclass
class _RunningSlack:
    """The running sandbox's Slack, seen from another process."""

    team_id: str
    base_url: str

    def response_url(self) -> str:
        return self.base_url.replace("/api/", f"/respond/{secrets.token_hex(4)}")

    def calls_since(self, since: int) -> tuple[int, list[dict[str, Any]]]:
        with urllib.request.urlopen(self.base_url.replace("/api/", f"/__calls?since={since}"), timeout=5) as reply:
            data = json.loads(reply.read())
        return int(data["total"]), list(data["calls"])


def say_as(user_id: str, text: str, out: TextIO = sys.stdout) -> int:
    """Type `/mentor …` as a simulated person in a running `mentorbot sandbox --interactive`."""
    if not STATE_FILE.exists():
        print("No sandbox is running here. Start one with `mentorbot sandbox --interactive`.", file=out)
        return 2
    state = json.loads(STATE_FILE.read_text())
    slack = _RunningSlack(state["team"], state["slack"])
    names: dict[str, str] = state["names"]
    command = text.removeprefix("/mentor").strip()
    before, _ = slack.calls_since(10**9)
    agent = SlackUserAgent(state["events_url"], state["secret"], slack)
    reply = agent.command(user_id, command)
    if reply.status != 200:
        print(f"The sandbox answered {reply.status}.", file=out)
        return 1
    if reply.body:
        print("🤖 → (only visible to you)", file=out)
        for line in blocks_as_text(reply.json().get("blocks") or [], names):
            print(f"   {line}", file=out)
    time.sleep(1.0)
    _, calls = slack.calls_since(before)
    for call in calls:
        if call["method"] in {"chat.postMessage", "chat.update", "response_url"}:
            print("🤖 →", file=out)
            for line in blocks_as_text(call["args"].get("blocks") or [], names):
                print(f"   {line}", file=out)
    return 0
