"""manifest.yml is valid for Slack and declares every command, event and scope the code uses."""

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bot.installations import BOT_SCOPES, REDIRECT_PATH

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "tests" / "fixtures" / "slack-app-manifest.schema.json"
SOURCES = [p for folder in ("bot", "handlers", "scheduler") for p in (ROOT / folder).rglob("*.py")]

# The bot scopes each Web API method needs (https://api.slack.com/methods); a method the code starts to use
# must be added here, which makes this test check the manifest for it.
SCOPES_BY_METHOD = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "conversations_open": {"im:write", "mpim:write"},
    "users_info": {"users:read"},
    "users_list": {"users:read", "users:read.email"},
    "files_info": {"files:read"},
    "views_open": set(),
    "views_update": set(),
    "views_push": set(),
    "views_publish": set(),
    "files_upload_v2": {"files:write"},
    "auth_test": set(),
}


def manifest() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "manifest.yml").read_text()))


def source() -> str:
    return "\n".join(p.read_text() for p in SOURCES)


def test_manifest_matches_the_public_schema() -> None:
    jsonschema.validate(manifest(), json.loads(SCHEMA.read_text()))


def test_mentor_command_escapes_mentions() -> None:
    commands = {c["command"]: c for c in manifest()["features"]["slash_commands"]}
    assert commands["/mentor"]["should_escape"] is True


def test_every_command_the_code_handles_is_declared() -> None:
    used = set(re.findall(r'app\.command\("([^"]+)"\)', source()))
    declared = {c["command"] for c in manifest()["features"]["slash_commands"]}
    assert used and used <= declared


# Slack delivers every `message` event as `message`; the app subscribes to the kinds it wants by channel type.
MESSAGE_SUBSCRIPTIONS = {"message": "message.im"}
# The scope each subscription needs besides the event itself (https://api.slack.com/events).
SCOPES_BY_EVENT = {"message.im": {"im:history"}}


def test_every_event_the_code_handles_is_subscribed() -> None:
    used = {MESSAGE_SUBSCRIPTIONS.get(e, e) for e in re.findall(r'app\.event\("([^"]+)"\)', source())}
    declared = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert used and used <= declared
    assert "message.im" in used, "people type to bots: their DMs get an answer"
    needed = set().union(*(SCOPES_BY_EVENT.get(e, set()) for e in declared))
    assert needed <= set(manifest()["oauth_config"]["scopes"]["bot"])


def test_every_scope_the_code_needs_is_requested() -> None:
    called = set(re.findall(r"\.(chat_\w+|conversations_\w+|users_\w+|views_\w+|files_\w+|auth_\w+)\(", source()))
    assert "files_upload_v2" in called
    unknown = called - SCOPES_BY_METHOD.keys()
    assert not unknown, f"add the scopes of {unknown} to SCOPES_BY_METHOD"
    needed = set().union(*(SCOPES_BY_METHOD[m] for m in called)) | {"commands"}
    assert needed <= set(manifest()["oauth_config"]["scopes"]["bot"])


def test_home_tab_is_enabled_because_the_code_publishes_it() -> None:
    assert manifest()["features"]["app_home"]["home_tab_enabled"] is True


def test_oauth_installs_ask_for_the_scopes_the_manifest_declares() -> None:
    assert set(BOT_SCOPES) == set(manifest()["oauth_config"]["scopes"]["bot"])


def test_the_oauth_redirect_url_is_the_path_the_app_serves() -> None:
    urls = manifest()["oauth_config"]["redirect_urls"]
    assert urls and all(url.endswith(REDIRECT_PATH) for url in urls)
