"""Calendars people may connect (Google Calendar, Microsoft 365), so proposed meeting times avoid their busy times.

Off unless a provider's OAuth client is configured; nobody needs a calendar. A person signs in through the provider's
OAuth authorization-code flow (a `state` kept like Slack's: used once, expiring), the tokens are Fernet-encrypted at
rest with MENTORBOT_SECRET_KEY as Slack's are, and refreshed when they expire. Asking a calendar when someone is busy
is best effort: any failure is logged and counts as "no busy times", so a proposal never waits on a calendar for
longer than the timeout, and never fails because of one. Calls are made outside any unit of work, so a slow
provider never holds the database.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk import WebClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.pairs import PairView
from bot.services import Services
from bot.settings import Settings
from bot.slack import user_email
from bot.views.calendars import SignInLink
from storage.models import CalendarConnection, CalendarProvider, CalendarSignIn, Meeting, Pair, Person

log = logging.getLogger(__name__)

GOOGLE_SCOPE = "https://www.googleapis.com/auth/calendar.freebusy"
MICROSOFT_SCOPE = "Calendars.ReadBasic offline_access"
CALLBACK_PATHS = {
    CalendarProvider.GOOGLE: "/calendars/google/callback",
    CalendarProvider.MICROSOFT: "/calendars/microsoft/callback",
}
SIGN_IN_EXPIRY = timedelta(minutes=10)
# An access token with less than this left is refreshed before it is used.
REFRESH_MARGIN = timedelta(minutes=2)
# Ten working days after the first slot (two weekends, the notice and what is left of the first day) fit in here.
WINDOW = timedelta(days=17)
# Graph's free/busy statuses that keep someone from a meeting ("free", "workingElsewhere" and "unknown" don't).
BUSY_STATUSES = {"busy", "oof", "tentative"}
Busy = list[tuple[datetime, datetime]]


class CalendarError(Exception):
    """A provider refused a call, answered something unexpected, or could not be reached."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class SignInExpired(Exception):
    """The sign-in's `state` is unknown, used already, or expired."""


@dataclass(frozen=True)
class Connected:
    team_id: str
    user_id: str
    provider: CalendarProvider


@dataclass(frozen=True)
class _Client:
    """One provider's OAuth client and endpoints, from the settings."""

    provider: CalendarProvider
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    scope: str
    extra: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Connection:
    """A connected calendar as read, its tokens still sealed."""

    id: int
    user_id: str
    provider: CalendarProvider
    email: str
    access_token: str
    refresh_token: str
    expires_at: datetime | None


@dataclass(frozen=True)
class _Tokens:
    access_token: str
    refresh_token: str
    expires_at: datetime | None


def _real_now() -> datetime:
    # Tokens and sign-ins expire in real time, as the provider counts it, not on the app's settable clock.
    return datetime.now(UTC)


def _clients(settings: Settings) -> dict[CalendarProvider, _Client]:
    clients = {}
    if settings.google_calendar:
        clients[CalendarProvider.GOOGLE] = _Client(
            CalendarProvider.GOOGLE,
            settings.google_client_id,
            settings.google_client_secret,
            settings.google_oauth_url,
            settings.google_token_url,
            GOOGLE_SCOPE,
            # A refresh token, and asked for again on every sign-in (Google sends one only on the first otherwise).
            (("access_type", "offline"), ("prompt", "consent")),
        )
    if settings.microsoft_calendar:
        login = f"{settings.microsoft_login_url}{settings.microsoft_tenant}/oauth2/v2.0/"
        clients[CalendarProvider.MICROSOFT] = _Client(
            CalendarProvider.MICROSOFT,
            settings.microsoft_client_id,
            settings.microsoft_client_secret,
            login + "authorize",
            login + "token",
            MICROSOFT_SCOPE,
            (("response_mode", "query"),),
        )
    return clients


def providers(settings: Settings) -> tuple[CalendarProvider, ...]:
    """The calendars people may connect here; empty when calendars are off."""
    return tuple(_clients(settings))


def redirect_uri(settings: Settings, provider: CalendarProvider) -> str:
    return settings.public_url + CALLBACK_PATHS[provider]


def _sealer(settings: Settings) -> MultiFernet:
    """The same keys as Slack's tokens: the first encrypts, every one decrypts (so keys can be rolled)."""
    return MultiFernet([Fernet(key) for key in settings.secret_keys])


def _seal(sealer: MultiFernet, token: str) -> str:
    return sealer.encrypt(token.encode()).decode() if token else ""


def _open(sealer: MultiFernet, sealed: str) -> str:
    return sealer.decrypt(sealed.encode()).decode() if sealed else ""


# --- signing in ---


def sign_in_links(session: Session, settings: Settings, team_id: str, user_id: str) -> list[SignInLink]:
    """One private link per configured provider, each with its own `state` (used once, for ten minutes)."""
    now = _real_now()
    session.execute(delete(CalendarSignIn).where(CalendarSignIn.expires_at <= now))
    links = []
    for provider, client in _clients(settings).items():
        state = secrets.token_urlsafe(32)
        session.add(
            CalendarSignIn(
                state=state, team_id=team_id, user_id=user_id, provider=provider, expires_at=now + SIGN_IN_EXPIRY
            )
        )
        query = {
            "client_id": client.client_id,
            "redirect_uri": redirect_uri(settings, provider),
            "response_type": "code",
            "scope": client.scope,
            "state": state,
            **dict(client.extra),
        }
        links.append(SignInLink(str(provider), f"{client.authorize_url}?{urlencode(query)}"))
    return links


def connected_provider(session: Session, team_id: str, user_id: str) -> CalendarProvider | None:
    return session.scalar(
        select(CalendarConnection.provider).where(
            CalendarConnection.team_id == team_id, CalendarConnection.user_id == user_id
        )
    )


def _take_sign_in(session: Session, provider: CalendarProvider, state: str) -> CalendarSignIn:
    sign_in = session.get(CalendarSignIn, state, with_for_update=True) if state else None
    if sign_in is None or sign_in.provider is not provider:
        raise SignInExpired(provider)
    session.delete(sign_in)
    if sign_in.expires_at <= _real_now():
        raise SignInExpired(provider)
    return sign_in


def connect(
    services: Services, client_for: Callable[[str], WebClient], provider: CalendarProvider, state: str, code: str
) -> Connected:
    """The provider sent the person back with a code: exchange it for tokens and keep them, encrypted.

    Raises `SignInExpired` for a state that is not (or no longer) good, `CalendarError` when the exchange fails.
    """
    settings = services.settings
    client = _clients(settings).get(provider)
    if client is None:
        raise SignInExpired(provider)
    with services.db.unit_of_work() as session:
        sign_in = _take_sign_in(session, provider, state)
        team_id, user_id = sign_in.team_id, sign_in.user_id
    if not code:
        raise CalendarError("no code")
    tokens = _grant(
        client,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri(settings, provider)},
        settings.calendar_timeout,
    )
    # Graph's getSchedule asks for a mailbox by address; the one Slack has for the person is their work address.
    email = user_email(client_for(team_id), user_id)
    sealer, now = _sealer(settings), _real_now()
    with services.db.unit_of_work() as session:
        session.execute(
            delete(CalendarConnection).where(
                CalendarConnection.team_id == team_id, CalendarConnection.user_id == user_id
            )
        )
        session.add(
            CalendarConnection(
                team_id=team_id,
                user_id=user_id,
                provider=provider,
                email=email,
                access_token=_seal(sealer, tokens.access_token),
                refresh_token=_seal(sealer, tokens.refresh_token),
                expires_at=tokens.expires_at,
                connected_at=now,
                updated_at=now,
            )
        )
    log.info("%s connected %s in workspace %s", user_id, provider, team_id)
    return Connected(team_id, user_id, provider)


def disconnect(session: Session, team_id: str, user_id: str) -> CalendarProvider | None:
    """Delete the person's calendar tokens; the provider they had connected, or None when there was none."""
    provider = connected_provider(session, team_id, user_id)
    session.execute(
        delete(CalendarConnection).where(CalendarConnection.team_id == team_id, CalendarConnection.user_id == user_id)
    )
    return provider


# --- busy times ---


def busy_for_pair(services: Services, pair: PairView, now: datetime) -> Busy:
    """When the pair's connected members are busy over the ten working days times are proposed in."""
    return busy_times(services, pair.team_id, (pair.mentee_user_id, pair.mentor_user_id), now, now + WINDOW)


def busy_for_meeting(services: Services, team_id: str, meeting_id: int, now: datetime) -> Busy:
    """`busy_for_pair` for the pair a meeting belongs to (nothing when it is not in this workspace)."""
    if not providers(services.settings):
        return []
    with services.db.reading() as session:
        mentee = select(Person.slack_user_id).where(Person.id == Pair.mentee_id).scalar_subquery()
        mentor = select(Person.slack_user_id).where(Person.id == Pair.mentor_id).scalar_subquery()
        row = session.execute(
            select(mentee, mentor)
            .select_from(Meeting)
            .join(Pair, Pair.id == Meeting.pair_id)
            .where(Meeting.id == meeting_id, Meeting.team_id == team_id)
        ).first()
    return [] if row is None else busy_times(services, team_id, tuple(row), now, now + WINDOW)


def busy_times(services: Services, team_id: str, user_ids: Sequence[str], start: datetime, end: datetime) -> Busy:
    """Every busy interval of these people's connected calendars between `start` and `end` (UTC, unmerged).

    Nobody connected, calendars off, or a calendar failing: that person simply has no busy times.
    """
    settings = services.settings
    if not providers(settings):
        return []
    with services.db.reading() as session:
        connections = [
            _Connection(c.id, c.user_id, c.provider, c.email, c.access_token, c.refresh_token, c.expires_at)
            for c in session.scalars(
                select(CalendarConnection).where(
                    CalendarConnection.team_id == team_id, CalendarConnection.user_id.in_(list(user_ids))
                )
            )
        ]
    if not connections:
        return []
    with ThreadPoolExecutor(max_workers=len(connections), thread_name_prefix="mentorbot-calendar") as pool:
        found = pool.map(lambda c: _busy_of(services, c, start, end), connections)
        return [interval for intervals in found for interval in intervals]


def _busy_of(services: Services, connection: _Connection, start: datetime, end: datetime) -> Busy:
    settings = services.settings
    client = _clients(settings).get(connection.provider)
    if client is None:
        return []
    try:
        sealer = _sealer(settings)
        tokens = _Tokens(
            _open(sealer, connection.access_token), _open(sealer, connection.refresh_token), connection.expires_at
        )
        if tokens.expires_at is not None and tokens.expires_at <= _real_now() + REFRESH_MARGIN:
            tokens = _refresh(services, client, connection, tokens)
        try:
            return _ask(settings, connection, tokens.access_token, start, end)
        except CalendarError as error:
            if error.status != 401 or not tokens.refresh_token:
                raise
            # Revoked or expired early: one refresh, one more try.
            tokens = _refresh(services, client, connection, tokens)
            return _ask(settings, connection, tokens.access_token, start, end)
    except (CalendarError, InvalidToken, OSError, ValueError, KeyError, TypeError) as error:
        log.warning(
            "busy times of %s's %s calendar unavailable, proposing without them: %s",
            connection.user_id,
            connection.provider,
            error if not isinstance(error, InvalidToken) else "its tokens can't be decrypted with MENTORBOT_SECRET_KEY",
        )
        return []


def _refresh(services: Services, client: _Client, connection: _Connection, tokens: _Tokens) -> _Tokens:
    if not tokens.refresh_token:
        raise CalendarError("the access token expired and there is no refresh token")
    fresh = _grant(
        client,
        {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
        services.settings.calendar_timeout,
    )
    # Google keeps the refresh token it gave; Microsoft sends a new one, and the old one keeps working meanwhile,
    # so processes refreshing at once need no lease (unlike Slack's rotation).
    fresh = _Tokens(fresh.access_token, fresh.refresh_token or tokens.refresh_token, fresh.expires_at)
    sealer = _sealer(services.settings)
    with services.db.unit_of_work() as session:
        stored = session.get(CalendarConnection, connection.id)
        if stored is not None:
            stored.access_token = _seal(sealer, fresh.access_token)
            stored.refresh_token = _seal(sealer, fresh.refresh_token)
            stored.expires_at = fresh.expires_at
            stored.updated_at = _real_now()
    return fresh


def _ask(settings: Settings, connection: _Connection, token: str, start: datetime, end: datetime) -> Busy:
    if connection.provider is CalendarProvider.GOOGLE:
        answer = _post_json(
            f"{settings.google_api_url}calendar/v3/freeBusy",
            {"timeMin": _rfc3339(start), "timeMax": _rfc3339(end), "items": [{"id": "primary"}]},
            token,
            settings.calendar_timeout,
        )
        return google_busy(answer)
    if not connection.email:
        raise CalendarError("Slack shares no email address for this person, so Graph can't be asked for a schedule")
    answer = _post_json(
        f"{settings.microsoft_graph_url}v1.0/me/calendar/getSchedule",
        {
            "schedules": [connection.email],
            "startTime": {"dateTime": _graph_time(start), "timeZone": "UTC"},
            "endTime": {"dateTime": _graph_time(end), "timeZone": "UTC"},
            "availabilityViewInterval": 15,
        },
        token,
        settings.calendar_timeout,
        headers={"Prefer": 'outlook.timezone="UTC"'},
    )
    return microsoft_busy(answer)


def google_busy(answer: dict[str, Any]) -> Busy:
    """`freebusy.query`'s answer → intervals: `calendars.{id}.busy[{start, end}]` (RFC 3339)."""
    calendars = answer["calendars"]
    busy: Busy = []
    for calendar in calendars.values():
        if calendar.get("errors"):
            raise CalendarError(f"freeBusy: {calendar['errors']}")
        busy += [(_instant(item["start"]), _instant(item["end"])) for item in calendar.get("busy") or []]
    return busy


def microsoft_busy(answer: dict[str, Any]) -> Busy:
    """`getSchedule`'s answer → intervals: `value[].scheduleItems[{status, start: {dateTime, timeZone}, end}]`."""
    busy: Busy = []
    for schedule in answer["value"]:
        if schedule.get("error"):
            raise CalendarError(f"getSchedule: {schedule['error']}")
        busy += [
            (_graph_instant(item["start"]), _graph_instant(item["end"]))
            for item in schedule.get("scheduleItems") or []
            if str(item.get("status", "busy")).lower() in BUSY_STATUSES
        ]
    return busy


# --- the wire ---


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _graph_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _instant(raw: str) -> datetime:
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError(f"a time without its offset: {raw!r}")
    return moment.astimezone(UTC)


def _graph_instant(raw: dict[str, Any]) -> datetime:
    """Graph's `dateTimeTimeZone`: a wall time and the zone it is in (UTC, as asked; an IANA name is read too)."""
    zone_name = str(raw.get("timeZone") or "UTC")
    try:
        zone = UTC if zone_name.upper() in {"UTC", "Z"} else ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"a time zone Mentorbot can't read: {zone_name!r}") from None
    return datetime.fromisoformat(str(raw["dateTime"])).replace(tzinfo=zone).astimezone(UTC)


def _grant(client: _Client, form: dict[str, str], timeout: float) -> _Tokens:
    """The provider's token endpoint (RFC 6749 §4.1.3 and §6), with the client's credentials in the form."""
    answer = _post(
        client.token_url,
        urlencode({**form, "client_id": client.client_id, "client_secret": client.client_secret}).encode(),
        "application/x-www-form-urlencoded",
        None,
        timeout,
    )
    access = str(answer.get("access_token") or "")
    if not access:
        raise CalendarError(f"no access token from {client.provider}")
    lifetime = answer.get("expires_in")
    expires_at = None if lifetime is None else _real_now() + timedelta(seconds=int(lifetime))
    return _Tokens(access, str(answer.get("refresh_token") or ""), expires_at)


def _post_json(
    url: str, body: dict[str, Any], token: str, timeout: float, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    return _post(url, json.dumps(body).encode(), "application/json", token, timeout, headers)


def _post(
    url: str,
    data: bytes,
    content_type: str,
    token: str | None,
    timeout: float,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    sent = {"Content-Type": content_type, "Accept": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    request = Request(url, data=data, headers=sent, method="POST")
    try:
        with urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read().decode() or "{}")
    except HTTPError as error:
        raise CalendarError(f"{url} answered {error.code}", error.code) from None
    if not isinstance(answer, dict):
        raise CalendarError(f"{url} answered something other than a JSON object")
    return answer
