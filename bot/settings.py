"""Settings from the environment and a `.env` file, validated once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet
from dotenv import dotenv_values
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///mentorbot.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
# Jobs waiting for the workers at once: about 0.7 s of `/mentor find` for one worker on a small machine.
DEFAULT_QUEUE_LIMIT = 100
# Calendar providers' documented endpoints; tests point them at fakes on 127.0.0.1.
DEFAULT_GOOGLE_API_URL = "https://www.googleapis.com/"
DEFAULT_GOOGLE_OAUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
DEFAULT_GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
DEFAULT_MICROSOFT_GRAPH_URL = "https://graph.microsoft.com/"
DEFAULT_MICROSOFT_LOGIN_URL = "https://login.microsoftonline.com/"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line a person can act on."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_client_id: str = ""
    slack_client_secret: str = ""
    # Fernet keys for tokens at rest: the first encrypts, all decrypt (so a new key can be rolled in).
    secret_keys: tuple[str, ...] = ()
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_api_timeout: float = 10.0
    admins: frozenset[str] = field(default_factory=frozenset)
    shoutout_channel: str = ""
    scheduler_enabled: bool = True
    tick_seconds: int = 60
    # Processes that rank mentors after `/mentor find` is acknowledged; 0 ranks on the serving threads.
    workers: int = 1
    # Jobs each worker runs at once: one waiting on Slack (its pace for new conversations) holds up no other.
    worker_threads: int = 4
    # Jobs that may wait for the workers at once; beyond it, people are told the bot is busy instead of waiting.
    queue_limit: int = DEFAULT_QUEUE_LIMIT
    # Calendars people may connect (off unless a provider's client is set), and where their OAuth comes back to.
    public_url: str = ""
    google_client_id: str = ""
    google_client_secret: str = ""
    google_api_url: str = DEFAULT_GOOGLE_API_URL
    google_oauth_url: str = DEFAULT_GOOGLE_OAUTH_URL
    google_token_url: str = DEFAULT_GOOGLE_TOKEN_URL
    microsoft_client_id: str = ""
    microsoft_client_secret: str = ""
    microsoft_tenant: str = "common"
    microsoft_graph_url: str = DEFAULT_MICROSOFT_GRAPH_URL
    microsoft_login_url: str = DEFAULT_MICROSOFT_LOGIN_URL
    calendar_timeout: float = 5.0

    @property
    def oauth(self) -> bool:
        """Many workspaces install the app through OAuth; each one's bot token lives in the database."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def google_calendar(self) -> bool:
        """People may connect Google Calendar, so proposals avoid their busy times."""
        return bool(self.google_client_id and self.google_client_secret)

    @property
    def microsoft_calendar(self) -> bool:
        """People may connect Microsoft 365 (Outlook) calendars."""
        return bool(self.microsoft_client_id and self.microsoft_client_secret)

    def missing_for_http(self) -> list[str]:
        """Names of the settings HTTP mode still needs."""
        needed = (
            (("SLACK_SIGNING_SECRET", self.slack_signing_secret), ("MENTORBOT_SECRET_KEY", self.secret_keys))
            if self.oauth
            else (("SLACK_BOT_TOKEN", self.slack_bot_token), ("SLACK_SIGNING_SECRET", self.slack_signing_secret))
        )
        return [name for name, value in needed if not value]

    def missing_for_scheduler(self) -> list[str]:
        """Names of the settings the scheduler needs to speak for a workspace."""
        if self.oauth:
            return [] if self.secret_keys else ["MENTORBOT_SECRET_KEY"]
        return [] if self.slack_bot_token else ["SLACK_BOT_TOKEN"]

    def missing_for_socket_mode(self) -> list[str]:
        """Names of the settings Socket Mode still needs."""
        return [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", self.slack_bot_token),
                ("SLACK_APP_TOKEN", self.slack_app_token),
            )
            if not value
        ]


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Read settings; the process environment wins over the `.env` file."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str, default: str = "") -> str:
        return values.get(name, default).strip() or default

    client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
    if bool(client_id) != bool(client_secret):
        raise SettingsError("set both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth installs, or neither")
    secret_keys = _secret_keys(get("MENTORBOT_SECRET_KEY"))
    google = _pair("GOOGLE_CLIENT_ID", get("GOOGLE_CLIENT_ID"), "GOOGLE_CLIENT_SECRET", get("GOOGLE_CLIENT_SECRET"))
    microsoft = _pair(
        "MICROSOFT_CLIENT_ID", get("MICROSOFT_CLIENT_ID"), "MICROSOFT_CLIENT_SECRET", get("MICROSOFT_CLIENT_SECRET")
    )
    public_url = get("MENTORBOT_PUBLIC_URL")
    if public_url:
        public_url = _url("MENTORBOT_PUBLIC_URL", public_url).rstrip("/")
    if any(google + microsoft):
        if not secret_keys:
            raise SettingsError("calendar tokens are encrypted at rest: set MENTORBOT_SECRET_KEY to connect calendars")
        if not public_url:
            raise SettingsError(
                "set MENTORBOT_PUBLIC_URL (e.g. https://mentorbot.example.com) so calendar sign-ins can come back"
            )
    return Settings(
        database_url=normalise_database_url(get("DATABASE_URL", DEFAULT_DATABASE_URL)),
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_client_id=client_id,
        slack_client_secret=client_secret,
        secret_keys=secret_keys,
        slack_api_url=_api_url(get("SLACK_API_URL", DEFAULT_SLACK_API_URL)),
        slack_api_timeout=_positive_float("SLACK_API_TIMEOUT", get("SLACK_API_TIMEOUT", "10")),
        admins=_admins(get("MENTORBOT_ADMINS")),
        shoutout_channel=_channel(get("MENTORBOT_SHOUTOUT_CHANNEL")),
        scheduler_enabled=get("SCHEDULER", "on").lower() not in {"off", "0", "false", "no"},
        tick_seconds=int(_positive_float("MENTORBOT_TICK_SECONDS", get("MENTORBOT_TICK_SECONDS", "60"))),
        workers=_count("MENTORBOT_WORKERS", get("MENTORBOT_WORKERS", "1")),
        worker_threads=_positive_count("MENTORBOT_WORKER_THREADS", get("MENTORBOT_WORKER_THREADS", "4")),
        queue_limit=_positive_count("MENTORBOT_QUEUE_LIMIT", get("MENTORBOT_QUEUE_LIMIT", str(DEFAULT_QUEUE_LIMIT))),
        public_url=public_url,
        google_client_id=google[0],
        google_client_secret=google[1],
        google_api_url=_base_url("GOOGLE_API_URL", get("GOOGLE_API_URL", DEFAULT_GOOGLE_API_URL)),
        google_oauth_url=_url("GOOGLE_OAUTH_URL", get("GOOGLE_OAUTH_URL", DEFAULT_GOOGLE_OAUTH_URL)),
        google_token_url=_url("GOOGLE_TOKEN_URL", get("GOOGLE_TOKEN_URL", DEFAULT_GOOGLE_TOKEN_URL)),
        microsoft_client_id=microsoft[0],
        microsoft_client_secret=microsoft[1],
        microsoft_tenant=get("MICROSOFT_TENANT", "common"),
        microsoft_graph_url=_base_url("MICROSOFT_GRAPH_URL", get("MICROSOFT_GRAPH_URL", DEFAULT_MICROSOFT_GRAPH_URL)),
        microsoft_login_url=_base_url("MICROSOFT_LOGIN_URL", get("MICROSOFT_LOGIN_URL", DEFAULT_MICROSOFT_LOGIN_URL)),
        calendar_timeout=_positive_float("CALENDAR_TIMEOUT", get("CALENDAR_TIMEOUT", "5")),
    )


def normalise_database_url(raw: str) -> str:
    """Accept the usual spellings of SQLite and PostgreSQL URLs and pin PostgreSQL to psycopg 3."""
    try:
        url: URL = make_url(raw)
    except ArgumentError:
        raise SettingsError(
            f"DATABASE_URL {raw!r} is not a database URL; use sqlite:///mentorbot.db "
            "or postgresql://user:password@host:5432/dbname"
        ) from None
    backend = url.get_backend_name()
    if backend in {"postgres", "postgresql"}:
        if not url.host and not url.query.get("host"):
            raise SettingsError(f"DATABASE_URL {raw!r} names no PostgreSQL host")
        url = url.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise SettingsError(f"DATABASE_URL uses {backend!r}; Mentorbot supports sqlite and postgresql")
    return url.render_as_string(hide_password=False)


def _api_url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise SettingsError(f"SLACK_API_URL {raw!r} must start with http:// or https://")
    # WebClient joins method names with urljoin, which drops a last path segment without a slash.
    return raw if raw.endswith("/") else raw + "/"


def _url(name: str, raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise SettingsError(f"{name} {raw!r} must start with http:// or https://")
    return raw


def _base_url(name: str, raw: str) -> str:
    """A base URL that paths are appended to: with its trailing slash."""
    url = _url(name, raw)
    return url if url.endswith("/") else url + "/"


def _pair(id_name: str, client_id: str, secret_name: str, secret: str) -> tuple[str, str]:
    if bool(client_id) != bool(secret):
        raise SettingsError(f"set both {id_name} and {secret_name} to connect calendars, or neither")
    return client_id, secret


def _csv(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _secret_keys(raw: str) -> tuple[str, ...]:
    keys = tuple(_csv(raw))
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise SettingsError(
                "MENTORBOT_SECRET_KEY must be Fernet keys separated by commas; make one with: python -c "
                '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
            ) from None
    return keys


def _admins(raw: str) -> frozenset[str]:
    ids = _csv(raw)
    bad = [i for i in ids if not _USER_ID.match(i)]
    if bad:
        raise SettingsError(
            f"MENTORBOT_ADMINS has {', '.join(repr(b) for b in bad)}: use Slack user IDs such as U012ABCDEF, "
            "separated by commas"
        )
    return frozenset(ids)


def _channel(raw: str) -> str:
    if raw and not _CHANNEL_ID.match(raw):
        raise SettingsError(f"MENTORBOT_SHOUTOUT_CHANNEL {raw!r} must be a channel ID such as C012ABCDEF")
    return raw


def _count(name: str, raw: str) -> int:
    if not raw.isdigit():
        raise SettingsError(f"{name} {raw!r} must be a whole number, 0 or more")
    return int(raw)


def _positive_count(name: str, raw: str) -> int:
    if not raw.isdigit() or int(raw) == 0:
        raise SettingsError(f"{name} {raw!r} must be a whole number, 1 or more")
    return int(raw)


def _positive_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} {raw!r} must be a number of seconds") from None
    if value <= 0:
        raise SettingsError(f"{name} must be greater than 0")
    return value
