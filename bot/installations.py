"""Which bot token speaks for a workspace: the one `SLACK_BOT_TOKEN`, or OAuth installs kept encrypted at rest."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence
from logging import Logger
from typing import TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.engine import Engine

from bot.settings import Settings
from bot.slack import make_client
from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES

log = logging.getLogger(__name__)

# Everything the code calls needs one of these; tests/test_manifest.py checks manifest.yml asks for the same.
BOT_SCOPES = ("commands", "chat:write", "chat:write.public", "im:write", "mpim:write", "users:read", "files:write")
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Rotating tokens live 12 hours; they are refreshed when less than this is left.
ROTATE_MINUTES_BEFORE_EXPIRY = 120
STATE_EXPIRY_SECONDS = 600
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


class Tokens:
    """Hands out a WebClient speaking as the bot of a given workspace, rotating expiring tokens on the way."""

    def __init__(self, settings: Settings, store: InstallationStore | None) -> None:
        self._settings = settings
        self._store = store
        self._shared = make_client(settings.slack_api_url, settings.slack_bot_token, settings.slack_api_timeout)
        self._rotator = TokenRotator(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            client=make_client(settings.slack_api_url, None, settings.slack_api_timeout),
        )

    def resolver(self) -> Callable[[str], WebClient]:
        """A `client_for(team_id)` for one scheduler pass: each workspace's token is looked up once."""
        clients: dict[str, WebClient] = {}

        def client_for(team_id: str) -> WebClient:
            if team_id not in clients:
                clients[team_id] = self.client_for(team_id)
            return clients[team_id]

        return client_for

    def client_for(self, team_id: str) -> WebClient:
        if self._store is None:
            return self._shared
        bot = self._store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None:
            raise NotInstalled(team_id)
        refreshed = self._rotator.perform_bot_token_rotation(
            bot=bot, minutes_before_expiration=ROTATE_MINUTES_BEFORE_EXPIRY
        )
        if refreshed is not None:
            self._store.save_bot(refreshed)
            bot = refreshed
        settings = self._settings
        return make_client(settings.slack_api_url, bot.bot_token, settings.slack_api_timeout)
