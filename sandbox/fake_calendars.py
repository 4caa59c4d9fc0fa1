"""Local stand-ins for Google (OAuth 2.0, Calendar `freebusy.query`) and Microsoft (identity platform v2.0, Graph
`getSchedule`) on 127.0.0.1, speaking their documented shapes; busy times are configured, every call is recorded."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.client import HTTPResponse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode, urlparse
from urllib.request import HTTPRedirectHandler, Request, build_opener

from sandbox.loopback import serve_on_loopback, stop_server

GOOGLE_AUTHORIZE = "/o/oauth2/v2/auth"
GOOGLE_TOKEN = "/token"
GOOGLE_FREEBUSY = "/calendar/v3/freeBusy"
GRAPH_SCHEDULE = "/v1.0/me/calendar/getSchedule"
GOOGLE_SCOPE = "https://www.googleapis.com/auth/calendar.freebusy"
MICROSOFT_SCOPES = {"Calendars.ReadBasic", "offline_access"}


@dataclass(frozen=True)
class CalendarCall:
    method: str
    path: str
    # The form or JSON body (a GET's query), and the bearer token sent, if any.
    args: dict[str, Any]
    token: str = ""


@dataclass
class _Grant:
    provider: str
    account: str
    redirect_uri: str


@dataclass
class _Token:
    provider: str
    account: str
    expires_at: datetime


@dataclass
class FakeCalendars:
    """Start with `start()`; `settings(public_url)` points Mentorbot here; `set_busy` says when someone is busy."""

    client_id: str = "fake-calendar-client"
    client_secret: str = "fake-calendar-secret"
    tenant: str = "common"
    # Seconds an access token works; 0 hands out tokens that have expired already (to see them refreshed).
    token_lifetime: int = 3600
    # Who signs in on the provider's page next (the fake has no login form).
    account: str = "ana@example.com"
    calls: list[CalendarCall] = field(default_factory=list)
    busy: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    # Path → (HTTP status, how many more calls fail) for injected failures.
    failures: dict[str, list[int]] = field(default_factory=dict)
    _grants: dict[str, _Grant] = field(default_factory=dict)
    _tokens: dict[str, _Token] = field(default_factory=dict)
    _refresh: dict[str, _Grant] = field(default_factory=dict)
    _ids: Any = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # --- lifecycle ---
    def start(self) -> FakeCalendars:
        self._server = serve_on_loopback(self._handle, self._handle)
        return self

    def stop(self) -> None:
        stop_server(self._server)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def settings(self, public_url: str, google: bool = True, microsoft: bool = True) -> dict[str, Any]:
        """`Settings` fields that connect Mentorbot to this fake (to `dataclasses.replace` into its settings)."""
        base = self.base_url
        found: dict[str, Any] = {"public_url": public_url, "calendar_timeout": 2.0}
        if google:
            found |= {
                "google_client_id": self.client_id,
                "google_client_secret": self.client_secret,
                "google_oauth_url": base.rstrip("/") + GOOGLE_AUTHORIZE,
                "google_token_url": base.rstrip("/") + GOOGLE_TOKEN,
                "google_api_url": base,
            }
        if microsoft:
            found |= {
                "microsoft_client_id": self.client_id,
                "microsoft_client_secret": self.client_secret,
                "microsoft_tenant": self.tenant,
                "microsoft_login_url": base,
                "microsoft_graph_url": base,
            }
        return found

    # --- what a test configures and reads ---
    def set_busy(self, account: str, intervals: Sequence[tuple[datetime, datetime]]) -> None:
        with self._lock:
            self.busy[account] = list(intervals)

    def fail(self, path: str, status: int = 500, times: int = 1_000_000) -> None:
        with self._lock:
            self.failures[path] = [status, times]

    def calls_to(self, path: str) -> list[CalendarCall]:
        with self._lock:
            return [call for call in self.calls if call.path == path]

    def grants(self, grant_type: str) -> list[CalendarCall]:
        """Calls to either token endpoint with this `grant_type`."""
        with self._lock:
            return [c for c in self.calls if c.path.endswith("token") and c.args.get("grant_type") == grant_type]

    def issued_access_tokens(self) -> list[str]:
        with self._lock:
            return list(self._tokens)

    # --- serving ---
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(request.path)
        path = parsed.path
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode() if length else ""
        if request.command == "GET":
            args: dict[str, Any] = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        elif "json" in (request.headers.get("Content-Type") or ""):
            args = json.loads(raw or "{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw).items()}
        auth = request.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        with self._lock:
            self.calls.append(CalendarCall(request.command, path, args, token))
            failure = self.failures.get(path)
            if failure and failure[1] > 0:
                failure[1] -= 1
                self._json(request, failure[0], {"error": {"code": failure[0], "message": "injected failure"}})
                return
        ms_prefix = f"/{self.tenant}/oauth2/v2.0/"
        if request.command == "GET" and path == GOOGLE_AUTHORIZE:
            self._authorize(request, "google", args)
        elif request.command == "GET" and path == ms_prefix + "authorize":
            self._authorize(request, "microsoft", args)
        elif request.command == "POST" and path == GOOGLE_TOKEN:
            self._token(request, "google", args)
        elif request.command == "POST" and path == ms_prefix + "token":
            self._token(request, "microsoft", args)
        elif request.command == "POST" and path == GOOGLE_FREEBUSY:
            self._freebusy(request, token, args)
        elif request.command == "POST" and path == GRAPH_SCHEDULE:
            self._schedule(request, token, args)
        else:
            self._json(request, 404, {"error": "not_found"})

    def _authorize(self, request: BaseHTTPRequestHandler, provider: str, args: dict[str, Any]) -> None:
        """The provider's consent page, already agreed to: back to `redirect_uri` with a code and the state."""
        scopes = set(str(args.get("scope") or "").split())
        wanted = {GOOGLE_SCOPE} if provider == "google" else MICROSOFT_SCOPES
        if args.get("client_id") != self.client_id or args.get("response_type") != "code" or not wanted <= scopes:
            self._json(request, 400, {"error": "invalid_request"})
            return
        code = f"code-{provider}-{next(self._ids)}"
        with self._lock:
            self._grants[code] = _Grant(provider, self.account, str(args.get("redirect_uri")))
        back = f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args.get('state', '')})}"
        request.send_response(302)
        request.send_header("Location", back)
        request.send_header("Content-Length", "0")
        request.end_headers()

    def _token(self, request: BaseHTTPRequestHandler, provider: str, args: dict[str, Any]) -> None:
        if args.get("client_id") != self.client_id or args.get("client_secret") != self.client_secret:
            self._json(request, 401, {"error": "invalid_client"})
            return
        with self._lock:
            if args.get("grant_type") == "authorization_code":
                grant = self._grants.pop(str(args.get("code")), None)
                if grant is None or grant.provider != provider or grant.redirect_uri != args.get("redirect_uri"):
                    grant = None
                new_refresh = True
            elif args.get("grant_type") == "refresh_token":
                grant = self._refresh.get(str(args.get("refresh_token")))
                grant = grant if grant is not None and grant.provider == provider else None
                # Google keeps its refresh token; Microsoft hands out a new one (the old one keeps working).
                new_refresh = provider == "microsoft"
            else:
                self._json(request, 400, {"error": "unsupported_grant_type"})
                return
            if grant is None:
                self._json(request, 400, {"error": "invalid_grant"})
                return
            access = f"{provider}-access-{next(self._ids)}"
            self._tokens[access] = _Token(
                provider, grant.account, datetime.now(UTC) + timedelta(seconds=self.token_lifetime)
            )
            answer: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": self.token_lifetime}
            if new_refresh:
                refresh = f"{provider}-refresh-{next(self._ids)}"
                self._refresh[refresh] = grant
                answer["refresh_token"] = refresh
        answer["scope"] = GOOGLE_SCOPE if provider == "google" else " ".join(sorted(MICROSOFT_SCOPES))
        if provider == "microsoft":
            answer["ext_expires_in"] = self.token_lifetime
        self._json(request, 200, answer)

    def _account(self, provider: str, token: str) -> str | None:
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None or issued.provider != provider or issued.expires_at <= datetime.now(UTC):
            return None
        return issued.account

    def _busy_between(self, account: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        with self._lock:
            return [(s, e) for s, e in self.busy.get(account, []) if s < end and start < e]

    def _freebusy(self, request: BaseHTTPRequestHandler, token: str, args: dict[str, Any]) -> None:
        account = self._account("google", token)
        if account is None:
            self._json(request, 401, {"error": {"code": 401, "message": "Invalid Credentials"}})
            return
        start, end = _instant(args["timeMin"]), _instant(args["timeMax"])
        calendars = {
            str(item["id"]): {
                "busy": [{"start": _rfc3339(s), "end": _rfc3339(e)} for s, e in self._busy_between(account, start, end)]
            }
            for item in args.get("items") or []
        }
        body = {"kind": "calendar#freeBusy", "timeMin": args["timeMin"], "timeMax": args["timeMax"]}
        self._json(request, 200, {**body, "calendars": calendars})

    def _schedule(self, request: BaseHTTPRequestHandler, token: str, args: dict[str, Any]) -> None:
        if self._account("microsoft", token) is None:
            self._json(request, 401, {"error": {"code": "InvalidAuthenticationToken", "message": "expired"}})
            return
        start = _wall(args["startTime"])
        end = _wall(args["endTime"])
        value = []
        for email in args.get("schedules") or []:
            items = [
                {
                    "isPrivate": False,
                    "status": "busy",
                    "subject": "Busy",
                    "start": {"dateTime": s.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"},
                    "end": {"dateTime": e.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"},
                }
                for s, e in self._busy_between(str(email), start, end)
            ]
            value.append({"scheduleId": email, "availabilityView": "", "scheduleItems": items})
        context = "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)"
        self._json(request, 200, {"@odata.context": context, "value": value})

    @staticmethod
    def _json(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)


def _instant(raw: str) -> datetime:
    return datetime.fromisoformat(raw).astimezone(UTC)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _wall(raw: dict[str, Any]) -> datetime:
    if str(raw.get("timeZone")) != "UTC":
        raise ValueError("the fake reads UTC times only")
    return datetime.fromisoformat(str(raw["dateTime"])).replace(tzinfo=UTC)


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass(frozen=True)
class Page:
    status: int
    location: str
    body: str


def browse(url: str) -> Page:
    """What a browser gets from a GET, without following a redirect (its `location` says where it would go)."""
    opener = build_opener(_NoRedirects)
    try:
        response: HTTPResponse = opener.open(Request(url), timeout=10)
    except HTTPError as error:
        return Page(error.code, error.headers.get("Location") or "", error.read().decode())
    with response:
        return Page(response.status, response.headers.get("Location") or "", response.read().decode())


def sign_in(authorize_url: str) -> Page:
    """Open a sign-in link on the provider (which agrees at once), then follow its redirect back to the app."""
    consent = browse(authorize_url)
    if consent.status != 302:
        return consent
    return browse(consent.location)
