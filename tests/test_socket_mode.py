"""Socket Mode as `mentorbot serve` runs it, against Slack's side of the protocol on 127.0.0.1: every envelope is
acknowledged within a second, also the first one on each new connection after Slack asks for a refresh."""

from __future__ import annotations

import asyncio
import itertools
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from bot.app import build
from bot.clock import FixedClock
from bot.settings import Settings
from bot.socket_mode import SocketMode
from bot.views.celebrate import HELP_OPEN
from sandbox.fake_slack import FakeSlack
from sandbox.slack_user import Reply, SlackUserAgent
from tests.conftest import stop_and_empty

APP_TOKEN = "xapp-1-A0MENTOR-test"
# Slack's limit is 3 s; the bound for this test is 1 s, for every envelope.
ACK_LIMIT = 1.0
# How long to wait for an ack before giving up: past the limit, so a slow ack is reported with its delay.
ACK_WAIT = 10.0
CONNECT_WAIT = 10.0

T = TypeVar("T")


@dataclass(frozen=True)
class Ack:
    """One envelope's acknowledgement as Slack received it."""

    kind: str
    connection: int
    seconds: float
    payload: dict[str, Any] | None


class SocketModeSlack:
    """Slack's end of Socket Mode: `hello` on each connection, envelopes out, their acks timed on the way back."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="socket-mode-slack", daemon=True)
        self._ids = itertools.count(1)
        self._connections: queue.Queue[tuple[int, ServerConnection]] = queue.Queue()
        self._waiting: dict[str, Future[tuple[float, int, dict[str, Any]]]] = {}
        self._current: ServerConnection | None = None
        self._server: Server | None = None
        self.connection = 0
        self.acks: list[Ack] = []
        self.unexpected: list[dict[str, Any]] = []
        self.url = ""

    def start(self) -> SocketModeSlack:
        self._thread.start()

        async def listen() -> Server:
            return await serve(self._talk, "127.0.0.1", 0)

        self._server = self._run(listen())
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/link/?ticket={uuid.uuid4()}"
        return self

    def stop(self) -> None:
        async def close(server: Server) -> None:
            server.close()
            await server.wait_closed()

        if self._server is not None:
            self._run(close(self._server))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=CONNECT_WAIT)
        self._loop.close()

    def wait_for_connection(self) -> int:
        """Block until the app opens a new connection and has been greeted on it; envelopes go there from now on."""
        try:
            self.connection, self._current = self._connections.get(timeout=CONNECT_WAIT)
        except queue.Empty:
            raise AssertionError(f"the app opened no new Socket Mode connection within {CONNECT_WAIT} s") from None
        return self.connection

    def send(self, kind: str, payload: dict[str, Any]) -> Ack:
        """Deliver one envelope on the current connection and wait for its ack."""
        connection = self._current
        assert connection is not None, "no connection yet"
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            **({"retry_attempt": 0, "retry_reason": ""} if kind == "events_api" else {}),
        }
        answered: Future[tuple[float, int, dict[str, Any]]] = Future()
        self._waiting[envelope_id] = answered

        async def deliver() -> float:
            sent = time.monotonic()
            await connection.send(json.dumps(envelope))
            return sent

        sent = self._run(deliver())
        try:
            received, on, message = answered.result(timeout=ACK_WAIT)
        except TimeoutError:
            raise AssertionError(f"no ack for the {kind} envelope within {ACK_WAIT} s") from None
        ack = Ack(kind, on, received - sent, message.get("payload"))
        self.acks.append(ack)
        return ack

    def refresh(self) -> None:
        """Ask for a new connection, as Slack does every few hours; the old one stays open until the app closes it."""
        connection = self._current
        assert connection is not None, "no connection yet"
        message = {"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "applink-test"}}
        self._run(connection.send(json.dumps(message)))

    async def _talk(self, connection: ServerConnection) -> None:
        index = next(self._ids)
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "applink-test", "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A0MENTOR"},
        }
        await connection.send(json.dumps(hello))
        self._connections.put((index, connection))
        try:
            async for raw in connection:
                received = time.monotonic()
                message = json.loads(raw)
                answered = self._waiting.pop(str(message.get("envelope_id")), None)
                if answered is None:
                    self.unexpected.append(message)
                else:
                    answered.set_result((received, index, message))
        except ConnectionClosed:
            return

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=CONNECT_WAIT)


class SocketModeUser(SlackUserAgent):
    """The payloads `SlackUserAgent` builds, delivered as Socket Mode envelopes instead of signed HTTP requests."""

    def __init__(self, side: SocketModeSlack, fake: FakeSlack) -> None:
        # Socket Mode envelopes are not signed; the secret is never used.
        super().__init__("", "unused", fake)
        self.side = side

    def post(
        self,
        body: str,
        content_type: str,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        if content_type == "application/json":
            ack = self.side.send("events_api", json.loads(body))
        else:
            fields = dict(parse_qsl(body, keep_blank_values=True))
            if "payload" in fields:
                ack = self.side.send("interactive", json.loads(fields["payload"]))
            else:
                ack = self.side.send("slash_commands", fields)
        return Reply(200, json.dumps(ack.payload) if ack.payload else "")


@pytest.fixture
def socket_mode(settings: Settings, slack: FakeSlack, clock: FixedClock) -> Iterator[SocketModeUser]:
    """The app connected in Socket Mode through `bot.socket_mode`, as `mentorbot serve` connects it."""
    side = SocketModeSlack().start()
    slack.socket_mode_url = side.url
    mentorbot = build(replace(settings, slack_api_url=slack.base_url, slack_app_token=APP_TOKEN), clock)
    handler = SocketMode(mentorbot.bolt, mentorbot.services.settings.slack_app_token)
    try:
        # `mentorbot serve` calls `start()`: `connect()`, then wait until stopped.
        handler.connect(timeout=CONNECT_WAIT)
        yield SocketModeUser(side, slack)
    finally:
        handler.close()
        side.stop()
        stop_and_empty(mentorbot)


def one_of_each(user: SocketModeUser, person: str, first: str) -> Reply:
    """A `/mentor help`, an App Home opening and a Help click, starting with `first`; returns the help reply."""
    replies: dict[str, Reply] = {}
    senders: dict[str, Callable[[], Reply]] = {
        "slash_commands": lambda: user.command(person, "help"),
        "events_api": lambda: user.event({"type": "app_home_opened", "user": person, "tab": "home", "channel": "D1"}),
        "interactive": lambda: user.click(person, HELP_OPEN, channel=f"D{person}"),
    }
    order = [first, *(kind for kind in senders if kind != first)]
    for kind in order:
        replies[kind] = senders[kind]()
    return replies["slash_commands"]


def test_every_envelope_is_acked_within_a_second_also_right_after_a_refresh(
    socket_mode: SocketModeUser, slack: FakeSlack
) -> None:
    side = socket_mode.side
    connections = [side.wait_for_connection()]
    helps = [one_of_each(socket_mode, "UANA", first="events_api")]
    # Each kind of envelope is once the first one on a new connection.
    for person, kind in [("UBEN", "slash_commands"), ("UCAT", "interactive"), ("UDAN", "events_api")]:
        side.refresh()
        connections.append(side.wait_for_connection())
        helps.append(one_of_each(socket_mode, person, first=kind))
    socket_mode.event({"type": "emoji_changed", "subtype": "add", "name": "mentor"})
    socket_mode.click("UEVE", "nothing.here", channel="DUEVE")

    slow = [ack for ack in side.acks if ack.seconds >= ACK_LIMIT]
    assert slow == [], f"acks past {ACK_LIMIT} s: {slow}"
    assert connections == [1, 2, 3, 4]
    firsts = [next(ack for ack in side.acks if ack.connection == c) for c in connections[1:]]
    assert [ack.kind for ack in firsts] == ["slash_commands", "interactive", "events_api"]
    assert len(side.acks) == 14 and side.unexpected == []
    for reply in helps:
        assert "/mentor join" in reply.text() and "/mentor leave" in reply.text()
    assert all(ack.payload is None for ack in side.acks if ack.kind == "events_api")
    # Every connection came from its own `apps.connections.open`, and the work after each ack was done.
    assert len(slack.calls_to("apps.connections.open")) == 4
    published = slack.wait_for("views.publish", count=4)
    assert {call.args["user_id"] for call in published} == {"UANA", "UBEN", "UCAT", "UDAN"}
    assert len(slack.wait_for("views.open", count=4)) == 4
