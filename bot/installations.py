"""Which bot token speaks for a workspace: the one `SLACK_BOT_TOKEN`, or OAuth installs kept encrypted at rest."""

from __future__ import annotations

import copy
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from logging import Logger
from typing import TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.settings import Settings
from bot.slack import make_client
from storage.db import Database
from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES, TokenRotation

log = logging.getLogger(__name__)

# Everything the code calls needs one of these; tests/test_manifest.py checks manifest.yml asks for the same.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    # Reading what people type in their DM with the bot (the `message.im` event); none of it is stored.
    "im:history",
    "im:write",
    "mpim:write",
    "users:read",
    # Attendees' emails for meeting invites (`users.info`); nothing else reads them, and they are not stored.
    "users:read.email",
    "files:write",
    # Reading a sign-up sheet an admin uploads in the import form (`files.info` and its private download).
    "files:read",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Rotating tokens live 12 hours; they are refreshed when less than this is left.
ROTATE_MINUTES_BEFORE_EXPIRY = 120
STATE_EXPIRY_SECONDS = 600
# How long one process may take to rotate a workspace's token before another may try (if it died meanwhile).
ROTATION_LEASE = timedelta(seconds=15)
ROTATION_POLL_SECONDS = 0.05
_TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")

Record = TypeVar("Record", Installation, Bot)


class NotInstalled(Exception):
    """The workspace has no bot token: it never installed the app, or uninstalled it."""


class SealedInstallationStore(InstallationStore):
    """slack_sdk's store with every token Fernet-encrypted on the way in and decrypted on the way out.

    The first key encrypts; every key decrypts, so a new key can be rolled in ahead of the old one.
    """

    def __init__(self, inner: InstallationStore, keys: Sequence[str]) -> None:
        self._inner = inner
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @property
    def logger(self) -> Logger:
        return self._inner.logger

    def save(self, installation: Installation) -> None:
        self._inner.save(self._sealed(installation))

    def save_bot(self, bot: Bot) -> None:
        self._inner.save_bot(self._sealed(bot))

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        found = self._inner.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return None if found is None else self._opened(found)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = self._inner.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, is_enterprise_install=is_enterprise_install
        )
        return None if found is None else self._opened(found)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._inner.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        self._inner.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)

    def _sealed(self, record: Record) -> Record:
        sealed = copy.copy(record)
        for name in _TOKEN_FIELDS:
            value = getattr(sealed, name, None)
            if value:
                setattr(sealed, name, self._fernet.encrypt(value.encode()).decode())
        return sealed

    def _opened(self, record: Record) -> Record | None:
        opened = copy.copy(record)
        for name in _TOKEN_FIELDS:
            value = getattr(opened, name, None)
            if value:
                try:
                    setattr(opened, name, self._fernet.decrypt(value.encode()).decode())
                except InvalidToken:
                    log.error(
                        "the stored tokens of workspace %s can't be decrypted: is MENTORBOT_SECRET_KEY the key they "
                        "were saved with? Keep the old key after the new one while rolling keys",
                        record.team_id,
                    )
                    return None
        return opened


def installation_stores(
    settings: Settings, engine: Engine
) -> tuple[SealedInstallationStore, SQLAlchemyOAuthStateStore]:
    """The installation store (encrypted) and the OAuth state store, on our database and our migrated tables."""
    inner = SQLAlchemyInstallationStore(
        client_id=settings.slack_client_id,
        engine=engine,
        bots_table_name=SLACK_BOTS.name,
        installations_table_name=SLACK_INSTALLATIONS.name,
    )
    states = SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_EXPIRY_SECONDS, engine=engine, table_name=SLACK_OAUTH_STATES.name
    )
    return SealedInstallationStore(inner, settings.secret_keys), states


def _expiring(bot: Bot, minutes_before_expiration: int) -> bool:
    """The same test slack_sdk's rotator makes before it refreshes."""
    expires_at = bot.bot_token_expires_at
    return expires_at is not None and expires_at <= time.time() + minutes_before_expiration * 60


class SharedTokenRotator(TokenRotator):
    """slack_sdk's rotator, for many processes on one database (HTTP replicas, workers, schedulers).

    Slack revokes a refresh token once it is used. Two processes refreshing the same expiring token at once
    would leave one of them with a revoked token, and the workspace would stop working for it. Here a process
    first takes a lease on the workspace (a row in `token_rotations`), then refreshes and stores the new token
    before letting go. The others wait for the lease, then use the token it stored. The lease of a process that
    died runs out after `ROTATION_LEASE`. Mentorbot keeps bot tokens only (`bot_only`), so the bot rotation is
    the only one it runs.
    """

    def __init__(
        self, *, db: Database, store: InstallationStore, client_id: str, client_secret: str, client: WebClient
    ) -> None:
        super().__init__(client_id=client_id, client_secret=client_secret, client=client)
        self._db = db
        self._store = store

    def current_bot(self, team_id: str) -> Bot | None:
        """The workspace's bot as stored, with a fresh token (rotated here if it was expiring).

        A request names its workspace and, on Enterprise Grid, its organisation; due work knows only the
        workspace, so the organisation is read from the workspace's stored install before the store is asked.
        """
        bot = self._store.find_bot(enterprise_id=enterprise_of(self._db, team_id), team_id=team_id)
        if bot is None:
            return None
        return self.perform_bot_token_rotation(bot=bot, minutes_before_expiration=ROTATE_MINUTES_BEFORE_EXPIRY) or bot

    def perform_bot_token_rotation(self, *, bot: Bot, minutes_before_expiration: int = 120) -> Bot | None:
        if not _expiring(bot, minutes_before_expiration):
            return None
        with self._lease(str(bot.team_id)):
            current = self._store.find_bot(enterprise_id=bot.enterprise_id, team_id=bot.team_id) or bot
            if not _expiring(current, minutes_before_expiration):
                # Another process rotated it while this one waited.
                return current
            refreshed = super().perform_bot_token_rotation(
                bot=current, minutes_before_expiration=minutes_before_expiration
            )
            if refreshed is not None:
                self._store.save_bot(refreshed)
            return refreshed

    @contextmanager
    def _lease(self, team_id: str) -> Iterator[None]:
        holder = uuid.uuid4().hex
        while not self._take(team_id, holder):
            time.sleep(ROTATION_POLL_SECONDS)
        try:
            yield
        finally:
            with self._db.unit_of_work() as session:
                session.execute(
                    delete(TokenRotation).where(TokenRotation.team_id == team_id, TokenRotation.holder == holder)
                )

    def _take(self, team_id: str, holder: str) -> bool:
        # The lease is about real time (as the token's expiry is), not the app's settable clock.
        now = datetime.now(UTC)
        try:
            with self._db.unit_of_work() as session:
                lease = session.get(TokenRotation, team_id, with_for_update=True)
                if lease is not None and lease.until > now:
                    return False
                if lease is None:
                    session.add(TokenRotation(team_id=team_id, holder=holder, until=now + ROTATION_LEASE))
                else:
                    lease.holder, lease.until = holder, now + ROTATION_LEASE
        except IntegrityError:
            # Another process took the first lease on this workspace at the same moment.
            return False
        return True


def enterprise_of(db: Database, team_id: str) -> str | None:
    """The Enterprise Grid organisation of a workspace's newest install (None outside Grid, or if not installed)."""
    with db.engine.connect() as connection:
        return connection.execute(
            select(SLACK_BOTS.c.enterprise_id)
            .where(SLACK_BOTS.c.team_id == team_id)
            .order_by(SLACK_BOTS.c.installed_at.desc())
            .limit(1)
        ).scalar()


def shared_rotator(settings: Settings, db: Database, store: InstallationStore) -> SharedTokenRotator:
    return SharedTokenRotator(
        db=db,
        store=store,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        client=make_client(settings.slack_api_url, None, settings.slack_api_timeout),
    )


def bolt_authorize(settings: Settings, db: Database, store: InstallationStore) -> InstallationStoreAuthorize:
    """Bolt's own authorize (it finds each request's bot token in the store), rotating through our rotator.

    The app copies the rotation margin onto it from its OAuth settings (`handlers/install.oauth_settings`).
    """
    authorize = InstallationStoreAuthorize(
        logger=logging.getLogger("slack_bolt.authorize"),
        installation_store=store,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        bot_only=True,
    )
    authorize.token_rotator = shared_rotator(settings, db, store)
    return authorize


class Tokens:
    """Hands out a WebClient speaking as the bot of a given workspace, rotating expiring tokens on the way."""

    def __init__(self, settings: Settings, store: InstallationStore | None, db: Database) -> None:
        self._settings = settings
        self._shared = make_client(settings.slack_api_url, settings.slack_bot_token, settings.slack_api_timeout)
        # Many-workspace mode only: single-workspace mode has one token, which never rotates.
        self._rotator = None if store is None else shared_rotator(settings, db, store)

    def only_team(self) -> str:
        """The workspace of the one bot token (SLACK_BOT_TOKEN), as Slack names it; with OAuth there are several,
        so the caller must say which (ValueError)."""
        if self._rotator is not None:
            raise ValueError("several workspaces are installed: say which with --team T…")
        return str(self._shared.auth_test()["team_id"])

    def resolver(self) -> Callable[[str], WebClient]:
        """A `client_for(team_id)` for one scheduler pass: each workspace's token is looked up once."""
        clients: dict[str, WebClient] = {}

        def client_for(team_id: str) -> WebClient:
            if team_id not in clients:
                clients[team_id] = self.client_for(team_id)
            return clients[team_id]

        return client_for

    def client_for(self, team_id: str) -> WebClient:
        if self._rotator is None:
            return self._shared
        bot = self._rotator.current_bot(team_id)
        if bot is None:
            raise NotInstalled(team_id)
        settings = self._settings
        return make_client(settings.slack_api_url, bot.bot_token, settings.slack_api_timeout)
