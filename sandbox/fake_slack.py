"""A local stand-in for the Slack Web API on 127.0.0.1: records every call, checks Block Kit limits, can fail."""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from sandbox.loopback import serve_on_loopback, stop_server

JSON_FIELDS = {"blocks", "view", "attachments", "files"}
MESSAGE_METHODS = {"chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"}
VIEW_METHODS = {"views.open", "views.update", "views.push", "views.publish"}
MESSAGE_BLOCKS_LIMIT = 50
VIEW_BLOCKS_LIMIT = 100
TEXT_LIMIT = 40_000


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    # What this fake answered, and the URL the bot called (a response_url names the interaction it answers).
    answer: dict[str, Any] = field(default_factory=dict)
    url: str = ""
    # When the call arrived (`time.perf_counter()`): benchmarks time an answer from the request that asked for it.
    received_at: float = field(default_factory=time.perf_counter)

    def text(self) -> str:
        """Everything a person would read in this message or view, flattened to one string."""
        return flatten_text(self.args)


@dataclass
class _Grant:
    """An authorization a person gave on Slack's install page, waiting to be exchanged for a token."""

    team_id: str
    team_name: str
    user_id: str
    scope: str
    # Enterprise Grid: the organisation the workspace belongs to, and whether the app was installed org-wide.
    enterprise_id: str | None = None
    org_wide: bool = False


@dataclass
class _Token:
    team_id: str
    team_name: str
    expires_at: float | None
    revoked: bool = False


@dataclass
class _Failure:
    kind: str
    retry_after: int = 1
    delay: float = 0.0


def email_of(name: str) -> str:
    """The email a fake user's profile shows (Slack shares it with the `users:read.email` scope)."""
    return ".".join(name.lower().split()) + "@example.com"


def flatten_text(value: Any) -> str:
    if isinstance(value, dict):
        parts = [value["text"]] if isinstance(value.get("text"), str) else []
        parts += [flatten_text(v) for k, v in value.items() if k != "text" or not isinstance(v, str)]
        return "\n".join(p for p in parts if p)
    if isinstance(value, list):
        return "\n".join(flatten_text(v) for v in value)
    return ""


def block_kit_problems(method: str, args: dict[str, Any]) -> list[str]:
    """Reasons Slack would reject (or silently cut) this payload; empty when it is well formed."""
    problems: list[str] = []
    if method in MESSAGE_METHODS:
        blocks = args.get("blocks") or []
        if not args.get("text") and not blocks and not args.get("delete_original"):
            problems.append("message has neither text nor blocks")
        if len(str(args.get("text") or "")) > TEXT_LIMIT:
            problems.append("text over 40,000 characters")
        if len(blocks) > MESSAGE_BLOCKS_LIMIT:
            problems.append(f"{len(blocks)} blocks in a message")
        for raw in blocks:
            try:
                parsed = Block.parse(raw)
                if parsed is None:
                    problems.append(f"unknown block {raw.get('type')}")
                else:
                    parsed.validate_json()
            except (SlackObjectFormationError, KeyError, TypeError) as error:
                problems.append(f"{raw.get('type')} block: {error}")
    if method in VIEW_METHODS:
        view = args.get("view") or {}
        if len(view.get("blocks", [])) > VIEW_BLOCKS_LIMIT:
            problems.append("over 100 blocks in a view")
        try:
            View(**view).validate_json()
        except (SlackObjectFormationError, TypeError) as error:
            problems.append(f"view: {error}")
    return problems


class FakeSlack:
    """Start with `start()`; point `SLACK_API_URL` at `base_url`; read `calls`; inject failures with `fail`."""

    def __init__(self, team_id: str = "T0001", check_blocks: bool = True) -> None:
        self.team_id = team_id
        # Benchmarks turn the Block Kit check off: it runs in their process and would be charged to the app.
        self.check_blocks = check_blocks
        self.users: dict[str, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.attempts: dict[str, int] = {}
        self.violations: list[str] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._changed = threading.Condition()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._per_channel_interval = 0.0
        self._workspace_interval = 0.0
        self._last_post: dict[str, float] = {}
        self._post_times: list[float] = []
        self.uploads: dict[str, bytes] = {}
        self.upload_names: dict[str, str] = {}
        # Files people shared with the app (e.g. a sign-up sheet in a form's file input): id → (name, bytes).
        self.files: dict[str, tuple[str, bytes]] = {}
        # `users.list` is Tier 2 (20+ a minute): None lets every call through, a number answers 429 beyond it.
        self.users_list_per_minute: int | None = None
        self._users_list_times: list[float] = []
        # Socket Mode: what `apps.connections.open` answers, a WebSocket URL that a test serves.
        self.socket_mode_url = ""
        # OAuth: off until `enable_oauth`; then every call must carry a token this fake issued.
        self._client: tuple[str, str] | None = None
        self.token_lifetime: int | None = None
        self._grants: dict[str, _Grant] = {}
        self._tokens: dict[str, _Token] = {}
        self._refresh_tokens: dict[str, _Token] = {}

    # --- set-up ---
    def add_user(self, user_id: str, name: str, tz: str = "UTC", is_admin: bool = False) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name.lower(),
            "real_name": name,
            "tz": tz,
            "is_admin": is_admin,
            "is_bot": False,
            "deleted": False,
            "profile": {"display_name": name, "real_name": name, "email": email_of(name)},
        }

    def add_file(self, name: str, data: bytes) -> str:
        """A file a person uploaded; the app reads it with `files.info` and its private download URL."""
        file_id = f"F{next(self._ids):06d}"
        with self._changed:
            self.files[file_id] = (name, data)
        return file_id

    def fail(self, method: str, kind: str, times: int = 1, retry_after: int = 1, delay: float = 0.0) -> None:
        """Make the next `times` calls of `method` answer 429 (`ratelimited`), 500 or a slow `timeout`."""
        with self._changed:
            self._failures.setdefault(method, []).extend(_Failure(kind, retry_after, delay) for _ in range(times))

    def enable_oauth(self, client_id: str, client_secret: str, token_lifetime: int | None = None) -> None:
        """Act as Slack for an app distributed by OAuth: `oauth.v2.access` issues tokens, and from now on every
        Web API call must use an issued, unexpired, unrevoked token. `token_lifetime` turns on token rotation."""
        self._client = (client_id, client_secret)
        self.token_lifetime = token_lifetime

    def authorize_install(
        self,
        team_id: str,
        team_name: str,
        user_id: str,
        scope: str,
        enterprise_id: str | None = None,
        org_wide: bool = False,
    ) -> str:
        """Someone clicked "Allow" on the install page: the code Slack hands to the app's redirect URL.

        `enterprise_id` makes it a workspace of an Enterprise Grid organisation; `org_wide` installs the app for
        the whole organisation (Slack then sends no team)."""
        code = f"code-{team_id}-{next(self._ids)}"
        with self._changed:
            self._grants[code] = _Grant(team_id, team_name, user_id, scope, enterprise_id, org_wide)
        return code

    def revoke(self, team_id: str) -> None:
        """The workspace removed the app: its tokens stop working."""
        with self._changed:
            for token in self._tokens.values():
                if token.team_id == team_id:
                    token.revoked = True

    def live_tokens(self, team_id: str) -> list[str]:
        now = time.time()
        return [
            value
            for value, token in self._tokens.items()
            if token.team_id == team_id and not token.revoked and (token.expires_at is None or token.expires_at > now)
        ]

    def enforce_rate_limits(self, per_channel_per_second: float, workspace_per_second: float) -> None:
        """Answer 429 with Retry-After, as Slack does, when messages come faster than these rates."""
        self._per_channel_interval = 1.0 / per_channel_per_second
        self._workspace_interval = 1.0 / workspace_per_second

    def _rate_limited(self, method: str, args: dict[str, Any]) -> bool:
        if method != "chat.postMessage" or not self._workspace_interval:
            return False
        now = time.monotonic()
        channel = str(args.get("channel"))
        with self._changed:
            recent = [t for t in self._post_times if now - t < 1.0]
            # Slack's limits are over a window; allow the workspace rate within any one-second window.
            too_fast_here = now - self._last_post.get(channel, -1e9) < self._per_channel_interval * 0.95
            too_fast_overall = len(recent) >= round(1.0 / self._workspace_interval)
            if too_fast_here or too_fast_overall:
                return True
            self._last_post[channel] = now
            self._post_times = [*recent, now]
            return False

    # --- lifecycle ---
    def start(self) -> FakeSlack:
        self._server = serve_on_loopback(self._get, self._handle)
        return self

    def stop(self) -> None:
        stop_server(self._server)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{next(self._ids)}"

    # --- reading what the bot did ---
    def calls_to(self, method: str) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def wait_until(self, what: str, predicate: Callable[[list[Call]], bool], timeout: float = 10.0) -> list[Call]:
        """Block until `predicate(calls)` holds (work after an ack is asynchronous); returns the calls."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.calls):
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"timed out waiting for {what}; calls so far: {seen}")
                self._changed.wait(left)
            return list(self.calls)

    def forget(self) -> list[Call]:
        """Drop the calls recorded so far and return them: a long soak keeps only what it has not read yet."""
        with self._changed:
            calls, self.calls = self.calls, []
            return calls

    def mark(self) -> int:
        """A point in the call log; pass it as `since` to wait only for what comes after it."""
        with self._changed:
            return len(self.calls)

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0, since: int = 0) -> list[Call]:
        """Block until at least `count` calls of `method` were recorded after `since`; returns those calls."""
        calls = self.wait_until(
            f"{count} × {method}", lambda calls: sum(c.method == method for c in calls[since:]) >= count, timeout
        )
        return [c for c in calls[since:] if c.method == method]

    def wait_for_message(self, channel: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until `channel` has received at least `count` posted messages; returns them."""
        self.wait_until(f"{count} message(s) in {channel}", lambda _: len(self.messages_to(channel)) >= count, timeout)
        return self.messages_to(channel)

    def messages_to(self, channel: str) -> list[Call]:
        return [c for c in self.calls if c.method == "chat.postMessage" and c.args.get("channel") == channel]

    def files_shared_in(self, channel: str) -> list[tuple[str, bytes]]:
        """(filename, bytes) of every file completed into `channel`."""
        with self._changed:
            return [
                (self.upload_names.get(f["id"], ""), self.uploads.get(f["id"], b""))
                for c in self.calls
                if c.method == "files.completeUploadExternal" and c.args.get("channel_id") == channel
                for f in c.args.get("files") or []
            ]

    def dm_channel(self, user_id: str) -> str:
        return f"D{user_id}"

    # --- serving ---
    def _list_calls(self, request: BaseHTTPRequestHandler) -> None:
        """The call log as JSON (`/__calls?since=N`), so another process can follow what the bot sent."""
        since = int(parse_qs(urlparse(request.path).query).get("since", ["0"])[0])
        with self._changed:
            calls = [{"method": c.method, "args": c.args} for c in self.calls[since:]]
            total = len(self.calls)
        self._reply(request, 200, {"ok": True, "total": total, "calls": calls})

    def _get(self, request: BaseHTTPRequestHandler) -> None:
        if request.path.startswith("/__calls"):
            self._list_calls(request)
        else:
            self._handle(request)

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        data = request.rfile.read(length) if length else b""
        arrived = time.perf_counter()
        if url.path.startswith("/files/"):
            self._download(request, url.path.removeprefix("/files/"))
            return
        if url.path.startswith("/upload/"):
            with self._changed:
                self.uploads[url.path.removeprefix("/upload/")] = data
            body = b"OK"
            request.send_response(200)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
            return
        raw = data.decode()
        if url.path.startswith("/respond/"):
            method = "response_url"
            args: dict[str, Any] = json.loads(raw or "{}")
        elif url.path.startswith("/api/"):
            method = url.path.removeprefix("/api/")
            args = self._arguments(request.headers.get("Content-Type", ""), raw, url.query)
        else:
            self._reply(request, 404, {"ok": False, "error": "not_found"})
            return
        with self._changed:
            self.attempts[method] = self.attempts.get(method, 0) + 1
            queue = self._failures.get(method) or []
            failure = queue.pop(0) if queue else None
        if failure is not None:
            if failure.kind == "429":
                self._reply(
                    request, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(failure.retry_after)}
                )
                return
            if failure.kind == "500":
                self._reply(request, 500, {"ok": False, "error": "internal_error"})
                return
            time.sleep(failure.delay)
        if method == "users.list" and self._users_list_over_tier():
            self._reply(request, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "3"})
            return
        if self._rate_limited(method, args):
            with self._changed:
                self.attempts["rate_limited"] = self.attempts.get("rate_limited", 0) + 1
            self._reply(request, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
            return
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.get("token")
        if method == "oauth.v2.access":
            self._reply(request, 200, self._oauth_access(auth, args))
            return
        refused = self._token_problem(method, token)
        if refused:
            self._reply(request, 200, {"ok": False, "error": refused})
            return
        problems = block_kit_problems(method, args) if self.check_blocks else []
        if problems:
            with self._changed:
                self.violations.extend(f"{method}: {p}" for p in problems)
            self._reply(request, 200, {"ok": False, "error": "invalid_blocks", "problems": problems})
            return
        answer = self._answer(method, args, token)
        with self._changed:
            self.calls.append(Call(method, args, token, answer, f"http://127.0.0.1:{self.port}{request.path}", arrived))
            self._changed.notify_all()
        self._reply(request, 200, answer)

    @staticmethod
    def _arguments(content_type: str, raw: str, query: str) -> dict[str, Any]:
        if content_type.startswith("application/json"):
            args: dict[str, Any] = json.loads(raw or "{}")
        else:
            pairs = parse_qs(raw, keep_blank_values=True) | parse_qs(query, keep_blank_values=True)
            args = {k: v[0] for k, v in pairs.items()}
        for name in JSON_FIELDS & args.keys():
            if isinstance(args[name], str):
                args[name] = json.loads(args[name])
        return args

    def _token_problem(self, method: str, token: str | None) -> str:
        if self._client is None or method == "response_url":
            return ""
        with self._changed:
            issued = self._tokens.get(token or "")
            if issued is None:
                return "not_authed" if not token else "invalid_auth"
            if issued.revoked:
                return "token_revoked"
            if issued.expires_at is not None and issued.expires_at <= time.time():
                return "token_expired"
        return ""

    def _issue(self, team_id: str, team_name: str) -> dict[str, Any]:
        """A bot token (and, with rotation, a refresh token and its lifetime) for the workspace."""
        n = next(self._ids)
        rotating = self.token_lifetime is not None
        value = f"xoxe.xoxb-{team_id}-{n}" if rotating else f"xoxb-{team_id}-{n}"
        expires_at = time.time() + self.token_lifetime if self.token_lifetime is not None else None
        token = _Token(team_id, team_name, expires_at)
        self._tokens[value] = token
        issued: dict[str, Any] = {"token_type": "bot", "access_token": value, "bot_user_id": "UBOT"}
        if self.token_lifetime is not None:
            refresh = f"xoxe-1-{team_id}-{n}"
            self._refresh_tokens[refresh] = token
            issued |= {"refresh_token": refresh, "expires_in": self.token_lifetime}
        return issued

    def _oauth_access(self, auth: str, args: dict[str, Any]) -> dict[str, Any]:
        if auth.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        else:
            client_id, client_secret = str(args.get("client_id")), str(args.get("client_secret"))
        with self._changed:
            self.calls.append(Call("oauth.v2.access", dict(args), None))
            self._changed.notify_all()
            if self._client != (client_id, client_secret):
                return {"ok": False, "error": "invalid_client_id"}
            if args.get("grant_type") == "refresh_token":
                previous = self._refresh_tokens.pop(str(args.get("refresh_token")), None)
                if previous is None or previous.revoked:
                    return {"ok": False, "error": "invalid_refresh_token"}
                issued = self._issue(previous.team_id, previous.team_name)
                return {"ok": True, "app_id": "A0MENTOR", "team": {"id": previous.team_id}, **issued}
            grant = self._grants.pop(str(args.get("code")), None)
            if grant is None:
                return {"ok": False, "error": "invalid_code"}
            return {
                "ok": True,
                "app_id": "A0MENTOR",
                "authed_user": {"id": grant.user_id},
                "scope": grant.scope,
                "team": None if grant.org_wide else {"id": grant.team_id, "name": grant.team_name},
                "enterprise": {"id": grant.enterprise_id, "name": "Grid"} if grant.enterprise_id else None,
                "is_enterprise_install": grant.org_wide,
                **self._issue(grant.team_id, grant.team_name),
            }

    def _download(self, request: BaseHTTPRequestHandler, file_id: str) -> None:
        """A file's private download: only with a bot token in the Authorization header, as Slack requires."""
        found = self.files.get(file_id)
        auth = request.headers.get("Authorization", "")
        if found is None or not auth.startswith("Bearer xox"):
            request.send_response(404 if found is None else 403)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        body = found[1]
        request.send_response(200)
        request.send_header("Content-Type", "application/octet-stream")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _users_page(self, args: dict[str, Any]) -> dict[str, Any]:
        members = sorted(self.users.values(), key=lambda u: str(u["id"]))
        start = int(str(args.get("cursor") or "0") or 0)
        limit = max(1, min(1000, int(str(args.get("limit") or 200))))
        page = members[start : start + limit]
        following = str(start + limit) if start + limit < len(members) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": following}}

    def _users_list_over_tier(self) -> bool:
        if self.users_list_per_minute is None:
            return False
        now = time.monotonic()
        with self._changed:
            self._users_list_times = [t for t in self._users_list_times if now - t < 60]
            if len(self._users_list_times) >= self.users_list_per_minute:
                return True
            self._users_list_times.append(now)
        return False

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method == "auth.test":
            issued = self._tokens.get(token or "")
            return {
                "ok": True,
                "url": "https://fake.slack/",
                "team": issued.team_name if issued else "Fake",
                "team_id": issued.team_id if issued else self.team_id,
                "user": "mentorbot",
                "user_id": "UBOT",
                "bot_id": "BBOT",
            }
        if method == "users.info":
            user_id = str(args.get("user"))
            if user_id not in self.users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": self.users[user_id]}
        if method == "users.list":
            return self._users_page(args)
        if method == "files.info":
            file_id = str(args.get("file"))
            if file_id not in self.files:
                return {"ok": False, "error": "file_not_found"}
            name, data = self.files[file_id]
            download = f"http://127.0.0.1:{self.port}/files/{file_id}"
            return {
                "ok": True,
                "file": {"id": file_id, "name": name, "size": len(data), "url_private_download": download},
            }
        if method == "conversations.open":
            users = sorted(str(args.get("users", "")).split(","))
            channel = f"D{users[0]}" if len(users) == 1 else "G" + "".join(u[-3:] for u in users)
            return {"ok": True, "channel": {"id": channel}}
        if method in {"chat.postMessage", "chat.update"}:
            ts = args.get("ts") or f"{1_700_000_000 + next(self._ids)}.000100"
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": {"text": args.get("text")}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{1_700_000_000 + next(self._ids)}.000200"}
        if method in VIEW_METHODS:
            return {"ok": True, "view": {"id": f"V{next(self._ids):06d}", **(args.get("view") or {})}}
        if method == "response_url":
            return {"ok": True}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):06d}"
            with self._changed:
                self.upload_names[file_id] = str(args.get("filename"))
            return {"ok": True, "file_id": file_id, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}
        if method == "apps.connections.open" and self.socket_mode_url:
            return {"ok": True, "url": self.socket_mode_url}
        if method == "files.completeUploadExternal":
            files = args.get("files") or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        with self._changed:
            self.violations.append(f"unknown method {method}")
        return {"ok": False, "error": "unknown_method"}

    @staticmethod
    def _reply(
        request: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        try:
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up waiting (a simulated timeout); nothing to deliver
