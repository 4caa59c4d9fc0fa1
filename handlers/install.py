"""Installs, uninstalls and revoked tokens: the OAuth flow's callbacks and the events Slack sends about us."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.dm_channels import send_dm
from bot.installations import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH, ROTATE_MINUTES_BEFORE_EXPIRY
from bot.programs import default_program
from bot.services import Services
from bot.slack import make_client
from bot.views.install import ORG_WIDE_REFUSED, refused_page, welcome_installer
from bot.workspaces import resume, suspend
from handlers.actor import Actor
from handlers.routing import MentorCommand, Routes

log = logging.getLogger(__name__)


def oauth_settings(services: Services, store: InstallationStore, states: OAuthStateStore) -> OAuthSettings:
    """Bolt's OAuth flow at /slack/install and /slack/oauth_redirect, saving into our (encrypted) store."""
    settings = services.settings

    def installed(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        if installation.is_enterprise_install:
            # Every row is kept per workspace and due work finds its workspace's own install: an org-wide install
            # has none, so it is undone here rather than half-working.
            store.delete_all(enterprise_id=installation.enterprise_id, team_id=None)
            log.warning("refused an org-wide install for organisation %s", installation.enterprise_id)
            return BoltResponse(
                status=400,
                headers={"Content-Type": "text/html; charset=utf-8"},
                body=refused_page(ORG_WIDE_REFUSED, INSTALL_PATH),
            )
        team_id = str(installation.team_id or installation.enterprise_id or "")
        with services.db.unit_of_work() as session:
            default_program(session, team_id, services.clock.now())
            resumed = resume(session, team_id, installation.user_id, services.clock.now())
        log.info("installed in workspace %s by %s (%d pairs resumed)", team_id, installation.user_id, resumed)
        client = make_client(settings.slack_api_url, installation.bot_token, settings.slack_api_timeout)
        try:
            send_dm(
                services.db,
                client,
                team_id,
                installation.user_id,
                welcome_installer(installation.team_name or "", resumed),
            )
        except (SlackApiError, OSError) as error:
            log.warning("welcome DM to %s failed: %s", installation.user_id, error)
        return args.default.success(args)

    def failed(args: FailureArgs) -> BoltResponse:
        log.warning("installation failed: %s", args.reason)
        return args.default.failure(args)

    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        installation_store=store,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=ROTATE_MINUTES_BEFORE_EXPIRY,
        state_store=states,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=CallbackOptions(success=installed, failure=failed),
    )


def forget_workspace(context: BoltContext, actor: Actor) -> None:
    """The workspace removed the app: its tokens are deleted and its pairs paused until it is installed again."""
    store = actor.services.installations
    if store is not None:
        store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
    with actor.unit_of_work() as session:
        paused = suspend(session, actor.team_id, actor.now())
    log.info("workspace %s removed the app: tokens deleted, %d pairs paused", actor.team_id, paused)


def forget_tokens(event: dict[str, Any], context: BoltContext, actor: Actor) -> None:
    tokens = event.get("tokens") or {}
    store = actor.services.installations
    if tokens.get("bot"):
        # Without its bot token the app can't act in the workspace: the same as an uninstall.
        forget_workspace(context, actor)
    elif store is not None:
        for user_id in tokens.get("oauth") or []:
            store.delete_installation(enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=user_id)


def register(app: Routes, command: MentorCommand) -> None:
    app.event("app_uninstalled")(forget_workspace)
    app.event("tokens_revoked")(forget_tokens)
