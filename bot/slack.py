"""The bot's only door to Slack: a WebClient with retries, and the few calls every feature shares."""

from __future__ import annotations

import logging
import urllib.request
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.views.blocks import Block, Message

log = logging.getLogger(__name__)


def _retries() -> list[RetryHandler]:
    """Wait out 429 `Retry-After`; retry 5xx answers and dropped connections."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def make_client(base_url: str, token: str | None, timeout: float) -> WebClient:
    return WebClient(token=token or None, base_url=base_url, timeout=int(max(1, timeout)), retry_handlers=_retries())


def without_rate_limit_waits(client: WebClient) -> WebClient:
    """The same client, but a 429 comes back at once instead of being waited out inside the call: the outbox
    holds up only that workspace, conversation or method, and goes on with the others."""
    retries = [handler for handler in client.retry_handlers if not isinstance(handler, RateLimitErrorRetryHandler)]
    return WebClient(token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=retries)


def respond_at(response_url: str, message: Message, timeout: float, replace_original: bool = False) -> None:
    """Answer a slash command or click through its `response_url` (only the person who acted sees it).

    `replace_original` puts the answer in place of the message whose button was clicked.
    """
    client = WebhookClient(response_url, timeout=int(max(1, timeout)), retry_handlers=_retries())
    answer = client.send_dict({**message.as_kwargs(), "replace_original": replace_original})
    if answer.status_code != 200:
        log.warning("response_url refused the answer: %s %s", answer.status_code, answer.body)


@dataclass(frozen=True)
class SlackUser:
    user_id: str
    display_name: str
    timezone: str
    is_workspace_admin: bool
    # A deactivated account, or an app's bot user: neither can take part in mentoring.
    is_deleted: bool = False
    is_bot: bool = False


def user_info(client: WebClient, user_id: str, fallback_timezone: str = "UTC") -> SlackUser:
    """Name, time zone and admin flag from `users.info`; a failed lookup keeps the fallback time zone."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
        return SlackUser(user_id, "", fallback_timezone, False)
    except OSError as error:
        log.warning("users.info unreachable for %s: %s", user_id, error)
        return SlackUser(user_id, "", fallback_timezone, False)
    profile = user.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name") or ""
    return SlackUser(
        user_id=user_id,
        display_name=str(name),
        timezone=str(user.get("tz") or fallback_timezone),
        is_workspace_admin=bool(user.get("is_admin") or user.get("is_owner")),
        is_deleted=bool(user.get("deleted")),
        is_bot=bool(user.get("is_bot") or user.get("is_app_user")) and user_id != "USLACKBOT",
    )


def open_dm(client: WebClient, user_ids: list[str]) -> str:
    """The channel ID of the DM (one person) or group DM (several) with the bot."""
    return str(client.conversations_open(users=",".join(user_ids))["channel"]["id"])


def post(client: WebClient, channel: str, message: Message) -> str:
    return str(client.chat_postMessage(channel=channel, **message.as_kwargs())["ts"])


def edit(client: WebClient, channel: str, ts: str, message: Message) -> None:
    client.chat_update(channel=channel, ts=ts, **message.as_kwargs())


def publish_home(client: WebClient, user_id: str, view: Block) -> None:
    client.views_publish(user_id=user_id, view=view)


def upload_private(client: WebClient, filename: str, data: bytes, title: str) -> str:
    """Upload a file shared in no channel (only the app has it, e.g. for an image block); returns its ID."""
    answer = client.files_upload_v2(file=data, filename=filename, title=title)
    files = answer.get("files") or [answer.get("file") or {}]
    return str(files[0].get("id") or "")


def user_email(client: WebClient, user_id: str) -> str:
    """The person's email from `users.info` (scope `users:read.email`); "" when Slack doesn't share one."""
    try:
        profile = client.users_info(user=user_id)["user"].get("profile") or {}
    except SlackApiError as error:
        log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
        return ""
    except OSError as error:
        log.warning("users.info unreachable for %s: %s", user_id, error)
        return ""
    email = str(profile.get("email") or "").strip()
    return email if "@" in email and not any(char.isspace() for char in email) else ""


def upload_to_channel(client: WebClient, channel: str, filename: str, data: bytes, title: str, comment: str) -> None:
    """Share a file in a channel the bot is in (a pair's group DM)."""
    client.files_upload_v2(channel=channel, file=data, filename=filename, title=title, initial_comment=comment)


def download_file(client: WebClient, file_id: str, max_bytes: int) -> tuple[str, bytes]:
    """A file a person shared with the app (`files.info`, then its private download with the bot token): its name
    and bytes. More than `max_bytes` raises ValueError, before the rest is read."""
    info = client.files_info(file=file_id)["file"]
    if int(info.get("size") or 0) > max_bytes:
        raise ValueError(f"the file is over {max_bytes // 1_000_000} MB")
    request = urllib.request.Request(
        str(info.get("url_private_download") or info.get("url_private")),
        headers={"Authorization": f"Bearer {client.token}"},
    )
    with urllib.request.urlopen(request, timeout=client.timeout) as answer:
        data = answer.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"the file is over {max_bytes // 1_000_000} MB")
    return str(info.get("name") or file_id), data
