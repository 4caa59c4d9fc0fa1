"""What each simulated person's Slack shows, rebuilt from the calls the bot made: the messages in their DMs, group
DMs and channels, the replies only they see, and the modal open for them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from sandbox.fake_slack import Call, FakeSlack
from sandbox.forms import initial_values
from sandbox.render import control_as_text, label_of, message_as_text, modal_as_text
from sandbox.slack_user import Origin, SlackUserAgent

BOT_NAME = "Mentorbot"
BUTTONS = frozenset({"button"})
MENUS = frozenset({"static_select"})


@dataclass
class Posted:
    """A message as it stands in its conversation now."""

    channel: str
    ts: str
    content: dict[str, Any]
    # The one person who sees it, for a reply Slack shows as "Only visible to you".
    only_for: str = ""
    updated: bool = False


@dataclass
class OpenModal:
    user_id: str
    view: dict[str, Any]
    entered: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    """Something a person notices, labelled as Slack shows it: where it is, and what it says."""

    icon: str
    label: str
    lines: list[str]


class Screens:
    """Take in the fake Slack's calls with `catch_up()`; then ask who sees what."""

    def __init__(self, slack: FakeSlack, agent: SlackUserAgent, names: dict[str, str]) -> None:
        self._slack = slack
        self._agent = agent
        self.names = names
        self.messages: list[Posted] = []
        self.members: dict[str, list[str]] = {}
        self.modals: dict[str, OpenModal] = {}
        self._taken = 0
        self._ephemeral = itertools.count(1)

    def person(self, who: str) -> str:
        """The user ID of `who`: an ID (UKIM) or a name (Kim), in any case."""
        for user_id, name in self.names.items():
            if user_id.startswith("U") and who.casefold() in {user_id.casefold(), name.casefold()}:
                return user_id
        people = ", ".join(f"{name} ({uid})" for uid, name in self.names.items() if uid.startswith("U"))
        raise LookupError(f"There is nobody called “{who}” here. People: {people}")

    # --- taking in what the bot did ---
    def catch_up(self) -> list[Seen]:
        """What people noticed since the last catch-up, in order of arrival."""
        calls = self._slack.calls[self._taken : self._slack.mark()]
        self._taken += len(calls)
        return [seen for call in calls if (seen := self._take(call)) is not None]

    def _take(self, call: Call) -> Seen | None:
        if call.method == "conversations.open":
            self.members[str(call.answer["channel"]["id"])] = str(call.args.get("users", "")).split(",")
        elif call.method == "chat.postMessage":
            return self._post(Posted(str(call.args["channel"]), str(call.answer["ts"]), call.args))
        elif call.method == "chat.update":
            return self._replace(str(call.args["channel"]), str(call.args["ts"]), call.args)
        elif call.method == "response_url":
            return self.respond(self._agent.origins[call.url], call.args)
        elif call.method == "views.open":
            user_id = self._agent.origins[str(call.args["trigger_id"])].user_id
            view = dict(call.args["view"])
            self.modals[user_id] = OpenModal(user_id, view, initial_values(view))
            return self.modal_seen(user_id)
        elif call.method == "files.completeUploadExternal":
            channel = str(call.args.get("channel_id"))
            titles = ", ".join(f"“{f.get('title')}”" for f in call.args.get("files") or [])
            comment = [str(call.args["initial_comment"])] if call.args.get("initial_comment") else []
            return Seen("📎", f"{self._where(channel, '')} · file {titles}", comment)
        return None

    def respond(self, origin: Origin, body: dict[str, Any]) -> Seen:
        """An answer to what a person did (through its response_url, or in the HTTP response to a slash command):
        in place of the clicked message, or a new one that only they see unless it is `in_channel`."""
        if body.get("replace_original"):
            return self._replace(origin.channel, origin.message_ts, body)
        only_for = "" if body.get("response_type") == "in_channel" else origin.user_id
        # Slack gives a reply only one person sees a ts of its own; the bot never learns it.
        ts = f"ephemeral.{next(self._ephemeral)}"
        return self._post(Posted(origin.channel, ts, body, only_for))

    def _post(self, message: Posted) -> Seen:
        self.messages.append(message)
        return self.seen(message)

    def _replace(self, channel: str, ts: str, content: dict[str, Any]) -> Seen:
        for message in self.messages:
            if (message.channel, message.ts) == (channel, ts):
                message.content, message.updated = content, True
                return self.seen(message)
        return self._post(Posted(channel, ts, content, updated=True))

    def dm(self, user_id: str) -> str:
        """The person's DM with the bot, where they can also type to it."""
        channel = self._slack.dm_channel(user_id)
        self.members.setdefault(channel, [user_id])
        return channel

    def modal(self, user_id: str) -> OpenModal:
        if user_id not in self.modals:
            raise LookupError(f"{self.names.get(user_id, user_id)} has no modal open; click a button that opens one.")
        return self.modals[user_id]

    def close_modal(self, user_id: str) -> None:
        self.modals.pop(user_id, None)

    # --- what it looks like ---
    def _where(self, channel: str, only_for: str) -> str:
        members = self.members.get(channel, [])
        dm_of = members[0] if channel.startswith("D") and members else ""
        if dm_of:
            place = f"DM from {BOT_NAME}"
        elif channel.startswith("G"):
            place = f"group DM “{', '.join([*(self.names.get(m, m) for m in members), BOT_NAME])}”"
        else:
            place = f"#{self.names.get(channel, channel)}"
        viewer = self.names.get(only_for or dm_of, only_for or dm_of)
        return " · ".join(filter(None, (viewer, place, "Only visible to you" if only_for else "")))

    def seen(self, message: Posted) -> Seen:
        label = self._where(message.channel, message.only_for) + (" (updated)" if message.updated else "")
        return Seen("🤖", label, message_as_text(message.content, self.names))

    def modal_seen(self, user_id: str) -> Seen:
        modal = self.modals[user_id]
        title = f"{self.names.get(user_id, user_id)} · modal “{modal.view['title']['text']}”"
        return Seen("🪟", title, modal_as_text(modal.view, modal.entered, modal.errors, self.names))

    # --- what a person can act on ---
    def sees(self, user_id: str, message: Posted) -> bool:
        if message.only_for:
            return message.only_for == user_id
        members = self.members.get(message.channel)
        return members is None or user_id in members

    def control(
        self, user_id: str, wanted: str, kinds: frozenset[str], on: Posted | None = None
    ) -> tuple[Posted, dict[str, Any]]:
        """The button (or menu) labelled `wanted`, or with that action_id, on the latest message the person sees
        that has one (or on the message `on`)."""
        key = wanted.strip().casefold()
        labels: list[str] = []
        looked_at = [m for m in self.messages if on is None or (m.channel, m.ts) == (on.channel, on.ts)]
        for message in reversed(looked_at):
            if not self.sees(user_id, message):
                continue
            for element in _controls(message.content.get("blocks") or []):
                if element.get("type") not in kinds:
                    continue
                if key in {label_of(element).casefold(), str(element.get("action_id")).casefold()}:
                    return message, element
                labels.append(control_as_text(element))
        what = "button" if kinds == BUTTONS else "menu"
        choices = " ".join(dict.fromkeys(labels)) or "none"
        raise LookupError(f"{self.names.get(user_id, user_id)} sees no {what} “{wanted}”. They see: {choices}")


def _controls(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The buttons and menus of a message, in reading order."""
    found: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("type") == "actions":
            found += block.get("elements", [])
        elif block.get("accessory"):
            found.append(block["accessory"])
    return found
