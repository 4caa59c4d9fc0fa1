"""Small builders for Block Kit elements that respect Slack's documented length limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.text import cut, escape, neutralise

Block = dict[str, Any]

SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
OPTION_TEXT_LIMIT = 75
VALUE_LIMIT = 2000
MODAL_TITLE_LIMIT = 24
MESSAGE_TEXT_LIMIT = 3000
MESSAGE_BLOCKS_LIMIT = 50
MODAL_BLOCKS_LIMIT = 100
PRIVATE_METADATA_LIMIT = 3000
INPUT_LABEL_LIMIT = 2000
INPUT_HINT_LIMIT = 2000


@dataclass(frozen=True)
class Message:
    """A message as the bot posts it: notification text plus blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        """What Slack's message methods take; the notification text is neutralised here, once for every view."""
        return {"text": cut(neutralise(self.text), MESSAGE_TEXT_LIMIT), "blocks": self.blocks[:MESSAGE_BLOCKS_LIMIT]}


def said(text: str) -> Message:
    """A message that is one paragraph of mrkdwn, with the same words as its notification text."""
    return Message(text=text, blocks=[section(text)])


def slack_date(moment: datetime, with_time: bool = False) -> str:
    """A date (and time) Slack renders in the reader's own time zone, with a UTC fallback."""
    if with_time:
        return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}}|{moment:%Y-%m-%d}>"


def quoted(text: str) -> str:
    """Text shown as a mrkdwn block quote: every line opens with one `>` (the text is escaped already)."""
    return "\n".join(f">{line}" for line in text.splitlines() or [""])


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": cut(text, SECTION_TEXT_LIMIT)}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_LIMIT)}


def section(text: str, accessory: Block | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id
    return block


def fields(*texts: str) -> Block:
    return {"type": "section", "fields": [mrkdwn(cut(t, 2000)) for t in texts[:10]]}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def image(file_id: str, alt_text: str, title: str = "") -> Block:
    """An image the app uploaded to Slack (`slack_file`), so it needs no public URL."""
    block: Block = {"type": "image", "slack_file": {"id": file_id}, "alt_text": cut(alt_text, 2000)}
    if title:
        block["title"] = plain(title, 2000)
    return block


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str = "",
    style: str | None = None,
    confirm: Block | None = None,
) -> Block:
    element: Block = {"type": "button", "text": plain(text, BUTTON_TEXT_LIMIT), "action_id": action_id}
    if value:
        element["value"] = cut(value, VALUE_LIMIT)
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, text: str, yes: str, no: str) -> Block:
    return {
        "title": plain(title, 100),
        "text": plain(text, 300),
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
    }


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:25])}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> Block:
    return {"text": plain(text, OPTION_TEXT_LIMIT), "value": value}


def static_select(action_id: str, choices: list[tuple[str, str]], initial: str | None = None) -> Block:
    options = [option(label, value) for value, label in choices]
    element: Block = {"type": "static_select", "action_id": action_id, "options": options}
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def text_input(
    action_id: str,
    initial: str = "",
    multiline: bool = False,
    max_length: int = 3000,
    placeholder: str = "",
) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline}
    if initial:
        element["initial_value"] = cut(initial, max_length)
    element["max_length"] = max_length
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def number_input(action_id: str, initial: int | None, minimum: int, maximum: int) -> Block:
    element: Block = {
        "type": "number_input",
        "action_id": action_id,
        "is_decimal_allowed": False,
        "min_value": str(minimum),
        "max_value": str(maximum),
    }
    if initial is not None:
        element["initial_value"] = str(initial)
    return element


def timepicker(action_id: str, initial_minute: int | None) -> Block:
    element: Block = {"type": "timepicker", "action_id": action_id}
    if initial_minute is not None:
        element["initial_time"] = f"{initial_minute // 60:02d}:{initial_minute % 60:02d}"
    return element


def users_select(action_id: str, initial: list[str]) -> Block:
    element: Block = {"type": "multi_users_select", "action_id": action_id, "max_selected_items": 20}
    if initial:
        element["initial_users"] = initial[:20]
    return element


def input_block(block_id: str, label: str, element: Block, optional: bool = False, hint: str = "") -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, INPUT_LABEL_LIMIT),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, INPUT_HINT_LIMIT)
    return block


def modal(
    title: str,
    callback_id: str,
    blocks: list[Block],
    submit: str | None = None,
    close: str = "Cancel",
    private_metadata: str = "",
) -> Block:
    view: Block = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_LIMIT),
        "close": plain(close, MODAL_TITLE_LIMIT),
        "blocks": blocks[:MODAL_BLOCKS_LIMIT],
    }
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE_LIMIT)
    if private_metadata:
        view["private_metadata"] = private_metadata[:PRIVATE_METADATA_LIMIT]
    return view


def home(blocks: list[Block]) -> Block:
    return {"type": "home", "blocks": blocks[:MODAL_BLOCKS_LIMIT]}


def datepicker(action_id: str, initial: date | None = None) -> Block:
    element: Block = {"type": "datepicker", "action_id": action_id}
    if initial is not None:
        element["initial_date"] = initial.isoformat()
    return element


def channels_select(action_id: str, initial: str | None = None) -> Block:
    element: Block = {"type": "conversations_select", "action_id": action_id, "filter": {"include": ["public"]}}
    if initial:
        element["initial_conversation"] = initial
    return element


def multi_select(action_id: str, choices: list[tuple[str, str]], initial: list[str]) -> Block:
    options = [option(label, value) for value, label in choices]
    element: Block = {"type": "multi_static_select", "action_id": action_id, "options": options}
    chosen = [o for o in options if o["value"] in initial]
    if chosen:
        element["initial_options"] = chosen
    return element


def program_note(program: str) -> list[Block]:
    """Which program a message is about, for people in several (empty when the workspace runs one)."""
    return [context(f"Program: *{escape(program)}*")] if program else []
