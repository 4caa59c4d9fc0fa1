"""Signed requests as Slack sends them: slash commands, button clicks, modal submissions and events."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from sandbox.fake_slack import flatten_text


@dataclass(frozen=True)
class Reply:
    status: int
    body: str

    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body)) if self.body else {}

    def text(self) -> str:
        return flatten_text(self.json())


def fill_state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` as Slack builds it from what a person entered into the opened modal's inputs."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind, action_id = element["type"], element["action_id"]
        given = values.get(block["block_id"])
        if kind in {"static_select", "radio_buttons"}:
            entry: dict[str, Any] = {"selected_option": {"value": given} if given is not None else None}
        elif kind == "timepicker":
            entry = {"selected_time": given}
        elif kind == "datepicker":
            entry = {"selected_date": given}
        elif kind == "conversations_select":
            entry = {"selected_conversation": given}
        elif kind == "file_input":
            entry = {"files": [{"id": file_id} for file_id in given or []]}
        elif kind in {"multi_users_select", "multi_static_select"}:
            entry = {"selected_users" if kind == "multi_users_select" else "selected_options": given or []}
        elif kind == "checkboxes":
            entry = {"selected_options": [{"value": v} for v in given or []]}
        else:
            entry = {"value": None if given is None else str(given)}
        state[block["block_id"]] = {action_id: {"type": kind, **entry}}
    return state


@dataclass(frozen=True)
class Origin:
    """Where a person acted, as Slack remembers it for the response_url and trigger_id it hands the app."""

    user_id: str
    # Empty for an action in a modal or the App Home.
    channel: str = ""
    # The message whose button was clicked; empty for a slash command.
    message_ts: str = ""


class SlackSide(Protocol):
    """What a request needs from the Slack it pretends to come from: the workspace and response URLs."""

    team_id: str

    def response_url(self) -> str: ...


class SlackUserAgent:
    """Plays Slack's side of the events endpoint: builds payloads, signs them and posts them over HTTP."""

    def __init__(self, events_url: str, signing_secret: str, fake: SlackSide, enterprise_id: str | None = None) -> None:
        self.events_url = events_url
        self.fake = fake
        # Set for a workspace of an Enterprise Grid organisation: Slack then names the organisation in every request.
        self.enterprise_id = enterprise_id
        self._signer = SignatureVerifier(signing_secret)
        self._ids = itertools.count(1)
        self.last: tuple[str, str] = ("", "")
        # Keyed by each response_url and trigger_id handed out, so a reply can be shown where Slack shows it.
        self.origins: dict[str, Origin] = {}

    @property
    def team_id(self) -> str:
        return self.fake.team_id

    def post(
        self,
        body: str,
        content_type: str,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        self.last = (body, content_type)
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signed = signature or str(self._signer.generate_signature(timestamp=stamp, body=body))
        request = urllib.request.Request(
            self.events_url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signed,
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode())

    def resend(self, retry: int = 0) -> Reply:
        """Deliver the last request again, as Slack does when it retries (with X-Slack-Retry-Num)."""
        body, content_type = self.last
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(body, content_type, headers=headers)

    def _form(self, fields: dict[str, str], **kwargs: Any) -> Reply:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **kwargs)

    def _remember(self, origin: Origin, response_url: str = "") -> str:
        """A new trigger_id, remembered (with the response_url, when there is one) as coming from `origin`."""
        trigger_id = f"trigger.{uuid.uuid4().hex}"
        self.origins[trigger_id] = origin
        if response_url:
            self.origins[response_url] = origin
        return trigger_id

    def command(self, user_id: str, text: str = "", channel: str = "C0GENERAL", **kwargs: Any) -> Reply:
        response_url = self.fake.response_url()
        trigger_id = self._remember(Origin(user_id, channel), response_url)
        return self._form(
            {
                "token": "legacy",
                "team_id": self.team_id,
                "team_domain": "fake",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user_id,
                "user_name": user_id.lower(),
                "command": "/mentor",
                "text": text,
                "api_app_id": "A0MENTOR",
                "response_url": response_url,
                "trigger_id": trigger_id,
                **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
            },
            **kwargs,
        )

    def _interaction(self, payload: dict[str, Any]) -> Reply:
        if self.enterprise_id:
            payload = {**payload, "enterprise": {"id": self.enterprise_id, "name": "Grid"}}
        return self._form({"payload": json.dumps(payload)})

    def click(
        self,
        user_id: str,
        action_id: str,
        value: str | None = None,
        view: dict[str, Any] | None = None,
        channel: str | None = None,
        message_ts: str | None = None,
    ) -> Reply:
        action: dict[str, Any] = {"type": "button", "action_id": action_id, "block_id": "b", "action_ts": "1.1"}
        if value is not None:
            action["value"] = value
        return self._block_actions(user_id, action, view, channel, message_ts)

    def choose(self, user_id: str, action_id: str, value: str, channel: str, message_ts: str | None = None) -> Reply:
        """Pick the option whose value is `value` from a select menu in a message in `channel`."""
        action = {
            "type": "static_select",
            "action_id": action_id,
            "block_id": "b",
            "selected_option": {"value": value},
            "action_ts": "1.1",
        }
        return self._block_actions(user_id, action, None, channel, message_ts)

    def _block_actions(
        self,
        user_id: str,
        action: dict[str, Any],
        view: dict[str, Any] | None,
        channel: str | None,
        message_ts: str | None,
    ) -> Reply:
        """An action in the App Home or a modal (`view`), or else in a message in `channel`."""
        response_url = "" if view is not None else self.fake.response_url()
        origin = Origin(user_id) if view is not None else Origin(user_id, channel or "D0", message_ts or "1.1")
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_id.lower(), "team_id": self.team_id},
            "team": {"id": self.team_id, "domain": "fake"},
            "api_app_id": "A0MENTOR",
            "trigger_id": self._remember(origin, response_url),
            "actions": [action],
        }
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id", "V0")}
        else:
            payload["response_url"] = response_url
            payload["container"] = {"type": "message", "channel_id": channel or "D0", "message_ts": message_ts or "1.1"}
            payload["channel"] = {"id": channel or "D0"}
            payload["message"] = {"ts": message_ts or "1.1", "text": ""}
        return self._interaction(payload)

    def submit(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> Reply:
        """Submit a modal the bot opened, with `values` keyed by the input blocks' block_id."""
        submitted = {**view, "state": {"values": fill_state(view, values)}, "team_id": self.team_id}
        return self._interaction(
            {
                "type": "view_submission",
                "user": {"id": user_id, "username": user_id.lower(), "team_id": self.team_id},
                "team": {"id": self.team_id, "domain": "fake"},
                "api_app_id": "A0MENTOR",
                "trigger_id": self._remember(Origin(user_id)),
                "view": submitted,
            }
        )

    def event(self, event: dict[str, Any], event_id: str | None = None, **kwargs: Any) -> Reply:
        body = {
            "token": "legacy",
            "team_id": self.team_id,
            "api_app_id": "A0MENTOR",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {"enterprise_id": self.enterprise_id, "team_id": self.team_id, "user_id": "UBOT", "is_bot": True}
            ],
            "event": event,
        }
        if self.enterprise_id:
            body["enterprise_id"] = self.enterprise_id
        return self.post(json.dumps(body), "application/json", **kwargs)
