"""The sandbox: the real app, a local Slack stand-in and a simulated clock, playing a mentoring journey."""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO, TypeVar

from sqlalchemy import func, select

from bot.app import Mentorbot, build
from bot.clock import FixedClock
from bot.pacing import LocalPace
from bot.settings import Settings
from bot.slack import make_client
from handlers.http import BackgroundServer
from sandbox.fake_slack import Call, FakeSlack, flatten_text
from sandbox.forms import filled, option_value
from sandbox.render import entered_as_text, label_of, readable, shown_value, wrapped
from sandbox.screens import BOT_NAME, BUTTONS, MENUS, Posted, Screens, Seen
from sandbox.slack_user import Origin, SlackUserAgent
from scheduler.tick import run_tick
from storage.migrate import upgrade
from storage.models import CheckIn, Circle, CircleAttendance, Evaluation, Pair

_Found = TypeVar("_Found")

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TEAM = "T_SANDBOX"
PROGRAM_CHANNEL = "CPROGRAM"
GENERAL = "C0GENERAL"
ADMIN = "UADA"
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
    # How long the bot must stay silent before a step counts as answered (work after an ack is asynchronous),
    # and how long to wait for a first answer to a step that names none it expects.
    quiet: float = 0.2
    patience: float = 0.0
    _muted: bool = False
    _app: Mentorbot | None = None
    _server: BackgroundServer | None = None
    _user: SlackUserAgent | None = None
    _screens: Screens | None = None

    @property
    def user(self) -> SlackUserAgent:
        assert self._user is not None, "start the sandbox first"
        return self._user

    @property
    def app(self) -> Mentorbot:
        assert self._app is not None, "start the sandbox first"
        return self._app

    @property
    def screens(self) -> Screens:
        assert self._screens is not None, "start the sandbox first"
        return self._screens

    def start(self) -> None:
        self.slack.team_id = TEAM
        self.slack.start()
        for person in PEOPLE:
            self.slack.add_user(person.user_id, person.name, person.timezone, is_admin=person.user_id == ADMIN)
            self.names[person.user_id] = person.name
        self.names |= {PROGRAM_CHANNEL: "mentoring", GENERAL: "general"}
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
        self._screens = Screens(self.slack, self._user, self.names)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._app is not None:
            self._app.close()
        self.slack.stop()

    # --- the transcript ---
    def say(self, text: str) -> None:
        """Print `text`, each line wrapped to a phone's width."""
        if not self._muted:
            for line in wrapped(text.split("\n")):
                print(line, file=self.out, flush=True)

    @contextmanager
    def muted(self) -> Iterator[None]:
        """Steps told in one line instead (everyone joining, a round's confirmations): nothing printed."""
        self._muted = True
        try:
            yield
        finally:
            self.show_new()
            self._muted = False

    def show(self, seen: Seen) -> None:
        self.say(f"   {seen.icon} {seen.label}")
        self.say("\n".join(f"      {line}" for line in seen.lines))

    def show_new(self) -> None:
        """Print what the bot did since the last step, in order of arrival, each where people see it."""
        for seen in self.screens.catch_up():
            self.show(seen)

    def act(self, user_id: str, what: str) -> None:
        # What arrived before this step belongs above it.
        self.show_new()
        self.say(f"\n👤 {self.names[user_id]} {what}")

    def settle(self, since: int, expect: str = "", answered: bool = False) -> None:
        """Wait until the bot has answered (with `expect`, when given) and fallen quiet; then print it."""
        if expect:
            self.slack.wait_until(expect, lambda calls: any(expect in c.text() for c in calls[since:]), timeout=15)
        if self._muted:
            return
        first = time.monotonic() + (0 if expect or answered else self.patience)
        while self.slack.mark() == since and time.monotonic() < first:
            time.sleep(0.05)
        count, last_change, deadline = self.slack.mark(), time.monotonic(), time.monotonic() + 10
        while time.monotonic() - last_change < self.quiet and time.monotonic() < deadline:
            time.sleep(0.05)
            if self.slack.mark() != count:
                count, last_change = self.slack.mark(), time.monotonic()
        self.show_new()

    # --- doing things as a person ---
    def command(self, user_id: str, text: str, expect: str = "") -> None:
        """Type `/mentor <text>` in #general."""
        self.act(user_id, f"types /mentor {text}")
        since = self.slack.mark()
        reply = self.user.command(user_id, text, channel=GENERAL)
        if reply.body:
            self.show(self.screens.respond(Origin(user_id, GENERAL), reply.json()))
        self.settle(since, expect, answered=bool(reply.body))

    def write(self, user_id: str, text: str, expect: str = "") -> None:
        """Type a message to the bot in the person's DM with it."""
        channel = self.screens.dm(user_id)
        self.act(user_id, f"writes to {BOT_NAME}: {text}")
        since = self.slack.mark()
        event = {"type": "message", "channel_type": "im", "channel": channel, "user": user_id, "text": text}
        self.user.event({**event, "ts": f"{time.time():.6f}"})
        self.settle(since, expect)

    def waiting(self, find: Callable[[], _Found], timeout: float = 3.0) -> _Found:
        """What `find` looks for on a person's screen, waiting a moment when it is still on its way."""
        deadline = time.monotonic() + timeout
        while True:
            self.show_new()
            try:
                return find()
            except LookupError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def click(self, user_id: str, label: str, expect: str = "", on: Posted | None = None) -> None:
        """Click the button `label` (or with that action_id) on the latest message the person sees that has it, or
        on the message `on`."""
        message, button = self.waiting(lambda: self.screens.control(user_id, label, BUTTONS, on))
        self.act(user_id, f"clicks [{label_of(button)}]")
        since = self.slack.mark()
        self.user.click(
            user_id, str(button["action_id"]), button.get("value"), channel=message.channel, message_ts=message.ts
        )
        self.settle(since, expect)

    def choose(self, user_id: str, menu: str, option: str, expect: str = "") -> None:
        """Pick `option` (its text) from the menu `menu` on the latest message the person sees that has it."""
        message, element = self.waiting(lambda: self.screens.control(user_id, menu, MENUS))
        value = option_value(element, option)
        self.act(user_id, f"picks “{shown_value(element, value, self.names)}” from [{label_of(element)} ▾]")
        since = self.slack.mark()
        self.user.choose(user_id, str(element["action_id"]), value, message.channel, message.ts)
        self.settle(since, expect)

    def fill(self, user_id: str, entries: dict[str, str], expect: str = "") -> bool:
        """Fill in the person's open modal (fields by label or block_id, options by text) and send it; False when
        the modal refused it and stays open with its errors."""
        modal = self.waiting(lambda: self.screens.modal(user_id))
        typed = filled(modal.view, entries, self.screens.person)
        values = {**modal.entered, **typed}
        submit = (modal.view.get("submit") or {}).get("text", "Submit")
        self.act(user_id, f"fills in “{modal.view['title']['text']}” and clicks [{submit}]")
        self.say("\n".join(f"      {line}" for line in entered_as_text(modal.view, typed, self.names)))
        since = self.slack.mark()
        reply = self.user.submit(user_id, modal.view, values)
        errors = reply.json().get("errors") if reply.body else None
        if errors:
            modal.entered, modal.errors = values, dict(errors)
            self.show(self.screens.modal_seen(user_id))
            return False
        self.screens.close_modal(user_id)
        self.settle(since, expect)
        return True

    def look(self, user_id: str, last: int = 5) -> None:
        """Print what the person sees now: their open modal and their last messages."""
        self.show_new()
        messages = [m for m in self.screens.messages if self.screens.sees(user_id, m)]
        shown = min(last, len(messages))
        self.say(f"\n👀 What {self.names[user_id]} sees now: their last {shown} of {len(messages)} messages")
        if user_id in self.screens.modals:
            self.show(self.screens.modal_seen(user_id))
        for message in messages[-last:]:
            self.show(self.screens.seen(message))

    def latest(self, phrase: str, channel: str | None = None) -> Call:
        calls = self.slack.wait_until(
            phrase,
            lambda calls: any(
                phrase in c.text() and (channel is None or c.args.get("channel") == channel) for c in calls
            ),
        )
        return [c for c in calls if phrase in c.text() and (channel is None or c.args.get("channel") == channel)][-1]

    def tick(self, when: datetime) -> None:
        self.show_new()
        self.clock.set(when)
        weeks = (when - START).days / 7
        bar = "▰" * int(weeks) + "▱" * max(0, 6 - int(weeks))
        self.say(f"\n⏱  {when:%a %d %b %H:%M} UTC  {bar} week {weeks:.1f}")
        client = make_client(self.slack.base_url, TOKEN, 10)
        since = self.slack.mark()
        run_tick(self.app.services, lambda _team: client, when, LocalPace(per_second=50, per_conversation=0.05))
        self.settle(since)


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
    circle_attendance: tuple[int, int]  # there, missed: at the circle's first check-in


def join_everyone(sandbox: Sandbox) -> None:
    """Every simulated person types `/mentor join` and sends their profile; told in one line."""
    s = sandbox
    s.say("🌱 Mentorbot sandbox: 12 people, one program, the real app. Everything below went through Slack's doors.")
    with s.muted():
        for person in PEOPLE:
            s.command(person.user_id, "join")
            s.fill(person.user_id, person.profile, expect="Here is what I saved")
    s.say(f"\n👥 {len(PEOPLE)} people joined: 6 mentors and 6 mentees in 9 time zones.")


def second_program(s: Sandbox) -> None:
    """An admin starts a second program beside the first, run as a cohort, and two people join it."""
    s.say("\n🗓️ A second program beside the first: new-hire buddies, run as a cohort with a common start.")
    s.command(ADMIN, "admin program new")
    s.fill(
        ADMIN,
        {
            "template": "New-hire buddy (90 days, weekly)",
            "name": "New-hire buddies",
            "channel": PROGRAM_CHANNEL,
            "questions": "Which office are you in? | Berlin, London, Remote | must match",
            "signup_closes": "2027-01-08",
            "starts": "2027-01-11",
            "ends": "2027-04-12",
        },
        expect="is ready",
    )
    s.tick(s.clock.now() + timedelta(minutes=5))
    s.latest("open for sign-up", PROGRAM_CHANNEL)
    for person, office in (("UHUGO", "Berlin"), ("UCHLOE", "Berlin")):
        s.command(person, "join buddies")
        s.fill(person, {"Which office are you in?": office}, expect="Welcome to New-hire buddies")


# Five people whose working days overlap, from London to Dubai: their circle has hours in common.
CIRCLE = ("UANA", "UHUGO", "UCHLOE", "UELENA", "UFARID")


def latest_circle(s: Sandbox) -> Circle:
    with s.app.services.db.reading() as session:
        found = session.scalars(select(Circle).order_by(Circle.id.desc())).first()
        assert found is not None, "a round formed a circle"
        session.expunge(found)
        return found


def peer_circle(s: Sandbox) -> None:
    """An admin starts a peer-circle program, five people join and a round forms their circle: it agrees how to
    work, picks a weekly time and, after its first meeting, says who was there."""
    s.say("\n🔵 A third program: a speaking circle, peers who grow together with a facilitator who rotates.")
    with s.muted():
        s.command(ADMIN, "admin program new")
    s.fill(
        ADMIN,
        {"template": "Peer circles (3–6 peers, rotating facilitator)", "name": "Speaking circle"},
        expect="is ready",
    )
    s.command("UANA", "join speaking-circle")
    s.fill("UANA", {}, expect="Welcome to Speaking circle")
    with s.muted():
        for person in CIRCLE[1:]:
            s.command(person, "join speaking-circle")
            s.fill(person, {}, expect="Welcome to Speaking circle")
    s.say("\n👥 Hugo, Chloe, Elena and Farid join too: five people whose working days overlap, London to Dubai.")
    s.command(ADMIN, "admin match speaking-circle", expect="1 circle of 5 people")
    s.click(ADMIN, "Publish round", expect="How will you work together?")

    s.click("UANA", "Propose our agreement")
    s.fill(
        "UANA",
        {"cadence": "weekly", "meeting_minutes": "60", "focus": "Practise short talks and give honest feedback"},
        expect="Confirmed by 1 of 5",
    )
    s.click("UHUGO", "I agree")
    with s.muted():
        for person in ("UCHLOE", "UELENA"):
            s.click(person, "I agree", expect="Confirmed by")
    s.say("\n👥 Chloe and Elena agree too; Farid is the last.")
    s.click("UFARID", "I agree", expect="Three times you can all make")
    channel = str(latest_circle(s).channel_id)
    s.click("UCHLOE", "Pick #1", expect="picked")
    s.slack.wait_until("the invite", lambda _: bool(s.slack.files_shared_in(channel)))
    s.show_new()
    s.say(
        f"\n📅 The circle meets every week at that time: the invite for the whole series "
        f"({s.slack.files_shared_in(channel)[-1][0]}, with Google and Outlook links) is in their group DM."
    )

    checkin = latest_circle(s).next_checkin_at
    assert checkin is not None, "a check-in follows the first meeting"
    s.tick(checkin)
    s.click("UANA", "I was there")
    with s.muted():
        for person in ("UHUGO", "UCHLOE", "UELENA"):
            s.click(person, "I was there", expect="Check-in after meeting 1")
    s.say("\n👥 Hugo, Chloe and Elena were there too.")
    s.click("UFARID", "I missed this one")


def play(sandbox: Sandbox) -> JourneyOutcome:
    """The scripted journey of one pair, from joining to the admin report, with a cohort program and a peer circle
    beside it."""
    s = sandbox
    join_everyone(s)

    s.command("UANA", "find", expect="mentors who fit you best")
    s.click("UANA", "Request")
    s.fill(
        "UANA",
        {
            "message": "I'm giving my first conference talk in March: help with structure and nerves?",
            "cadence": "weekly",
        },
        expect="would like you to mentor them",
    )

    s.click("UBEN", "Accept", expect="Meet your mentoring pair")
    # The intro offered three times both can make; Ana picks the first, and the invite lands in their group DM.
    s.click("UANA", "meeting.pick", expect="picked a time")
    invites = s.slack.wait_until(
        "the invite", lambda calls: any(c.method == "files.completeUploadExternal" for c in calls)
    )
    s.show_new()
    shared = [c for c in invites if c.method == "files.completeUploadExternal"][-1]
    s.say(
        f"\n📅 The pair's first meeting is set: the invite ({shared.args['files'][0].get('title')}, an .ics file "
        "with Google and Outlook links) is in their group DM."
    )
    s.click("UANA", "Set up our agreement")
    s.fill(
        "UANA",
        {
            "cadence": "weekly",
            "meeting_minutes": "45",
            "meeting_channel": "video",
            "focus": "talk structure, stage nerves, feedback",
            "length_months": "3",
            "confidentiality": "private",
        },
        expect="proposed your working agreement",
    )
    s.click("UBEN", "Confirm", expect="working agreement is set")

    s.click("UANA", "Add a goal")
    s.fill(
        "UANA",
        {
            "title": "Give a talk at a local meetup",
            "outcome": "A 20-minute talk delivered, with feedback from at least 5 people",
            "due_on": "2027-02-20",
            "milestones": "2026-12-20: outline ready\nrehearsal with a friend",
            "first_action": "list three talk ideas by Friday",
        },
        expect="Success looks like",
    )

    week1 = START + timedelta(days=7)
    s.tick(week1)
    s.tick(week1.replace(hour=14, minute=30))
    for who in ("UANA", "UBEN"):
        s.click(who, "We met")
        s.fill(who, {"note": "Outline is taking shape"})

    week2 = week1 + timedelta(days=7)
    s.tick(week2.replace(hour=14, minute=30))
    s.click("UANA", "We met")
    s.fill("UANA", {"note": "Rehearsed the opening"})

    s.choose("UANA", "Mark a milestone done", "outline ready", expect="May we celebrate it")
    for who in ("UANA", "UBEN"):
        s.click(who, "Yes, celebrate")
        s.fill(who, {"story": "Ana finished her talk outline, with Ben as her mentor"})
    s.latest("A milestone from", PROGRAM_CHANNEL)
    s.show_new()

    s.command("UANA", "thanks <@UBEN|ben> for the honest, kind feedback on my outline", expect="wants to say thank")

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
        s.click(who, "Share my view")
        s.fill(who, answers)

    s.command(ADMIN, "admin match", expect="Matching round preview")
    s.click(ADMIN, "Publish round", expect="Round published")
    with s.app.services.db.unit_of_work() as session:
        proposed = session.scalar(select(func.count()).select_from(Pair).where(Pair.status == "proposed")) or 0
    s.slack.wait_until(
        "proposals", lambda calls: sum("This round matched you" in c.text() for c in calls) >= 2 * proposed
    )
    s.show_new()
    asked = [m for m in s.screens.messages if "This round matched you" in flatten_text(m.content)]
    s.say(f"\n👥 Everyone matched in the round says yes ({len(asked)} proposals).")
    with s.muted():
        for proposal in asked:
            s.click(s.screens.members[proposal.channel][0], "Yes, let's start", on=proposal)
        s.slack.wait_until(
            "pairs started",
            lambda calls: sum("Meet your mentoring pair" in c.text() for c in calls) >= 1 + len(asked) // 2,
            timeout=30,
        )

    second_program(s)
    peer_circle(s)
    s.command(ADMIN, "admin report mentoring", expect="Program health")
    report = s.latest("Program health")
    with s.app.services.db.unit_of_work() as session:
        active = session.scalar(select(func.count()).select_from(Pair).where(Pair.status == "active")) or 0
        met = session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.status == "met")) or 0
        answered = (
            session.scalar(select(func.count()).select_from(Evaluation).where(Evaluation.answered_at.is_not(None))) or 0
        )
        attendance = list(session.scalars(select(CircleAttendance.attended)))
    posted = [c for c in s.slack.calls if c.args.get("channel") == PROGRAM_CHANNEL]
    s.command(ADMIN, "admin report", expect="Programs at a glance")
    s.say(
        "\n✅ Journey complete: a pair formed, agreed how to work, set a goal, met twice, celebrated and said "
        f"thanks; a matching round paired the others. {active} pairs are active. A second program, a cohort, "
        "is open for sign-up beside the first, and a peer circle of five has met for the first time."
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
        circle_attendance=(attendance.count(True), attendance.count(False)),
    )


@contextmanager
def started(database_url: str, out: TextIO = sys.stdout) -> Iterator[Sandbox]:
    sandbox = Sandbox(database_url, out)
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()
