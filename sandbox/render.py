"""Messages and modals as plain text for a terminal transcript, whole and wrapped to a phone's width."""

from __future__ import annotations

import re
import textwrap
from typing import Any

WIDTH = 80

_MENTION = re.compile(r"<@([A-Z0-9_]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([A-Z0-9_]+)(?:\|[^>]*)?>")
_DATE = re.compile(r"<!date\^\d+\^[^|]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
_ITALIC = re.compile(r"(?<!\w)_([^_\n]+)_(?!\w)")
# What a wrapped line's continuation lines are indented under: a bullet, a checkbox, a field, a number or a quote.
_HANGING = re.compile(r"^(\s*)(• |– |☐ |☑ |▸ |\d+\. |│ )?")
_MENUS = {"static_select", "multi_users_select"}


def readable(text: str, names: dict[str, str]) -> str:
    """Mentions as @names, dates and links as their labels, mrkdwn marks and Slack's escapes undone."""
    text = _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + names.get(m.group(1), m.group(1)), text)
    text = _DATE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _ITALIC.sub(r"\1", text.replace("*", ""))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _mrkdwn(text: str, names: dict[str, str], indent: str = "") -> list[str]:
    """A mrkdwn text line by line; a line starting with `>` is a quote, shown with a bar as Slack does."""
    return [
        indent + ("│ " + readable(raw[1:], names) if raw.startswith(">") else readable(raw, names))
        for raw in text.split("\n")
    ]


def label_of(element: dict[str, Any]) -> str:
    """What a button or menu says on it: its text, the chosen option, or the menu's placeholder."""
    chosen = element.get("initial_option") or {}
    shown = element.get("text") or chosen.get("text") or element.get("placeholder") or {}
    return str(shown.get("text", ""))


def control_as_text(element: dict[str, Any]) -> str:
    """A button as `[Label]`, a menu as `[Label ▾]`."""
    kind = element.get("type")
    if kind == "button":
        return f"[{label_of(element)}]"
    if kind in _MENUS:
        return f"[{label_of(element) or 'choose'} ▾]"
    return f"[{kind}]"


def blocks_as_text(blocks: list[dict[str, Any]], names: dict[str, str]) -> list[str]:
    """Every block of a message or modal, one line per line of text, controls shown as `[Label]`."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in {"section", "header"}:
            if block.get("text"):
                lines += _mrkdwn(block["text"]["text"], names)
            for field in block.get("fields", []):
                lines += _mrkdwn(field["text"].replace("\n", ": ", 1), names, "  ")
            if block.get("accessory"):
                lines.append("  " + control_as_text(block["accessory"]))
        elif kind == "context":
            for element in block.get("elements", []):
                lines += _mrkdwn(str(element.get("text", "")), names, "  ")
        elif kind == "actions":
            lines.append("  " + " ".join(control_as_text(e) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("  ───")
    return [line for line in lines if line.strip()]


def message_as_text(message: dict[str, Any], names: dict[str, str]) -> list[str]:
    """A message as Slack shows it: its blocks, or its text when it has none."""
    return blocks_as_text(message.get("blocks") or [], names) or _mrkdwn(str(message.get("text") or ""), names)


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    """The options of a menu or a checkbox group."""
    return list(element.get("options") or [])


def shown_value(element: dict[str, Any], value: Any, names: dict[str, str]) -> str:
    """A field's entered value as the person sees it in the modal (option texts, people's names)."""
    kind = element.get("type")
    if value in (None, "", []):
        return {"datepicker": "(YYYY-MM-DD)", "timepicker": "(HH:MM)", "multi_users_select": "(names)"}.get(
            str(kind), "(empty)"
        )
    texts = {str(o["value"]): str(o["text"]["text"]) for o in options_of(element)}
    if kind == "multi_users_select":
        return ", ".join(names.get(user, user) for user in value)
    if kind == "checkboxes":
        return ", ".join(texts.get(v, v) for v in value)
    return texts.get(str(value), str(value))


def modal_as_text(
    view: dict[str, Any], entered: dict[str, Any], errors: dict[str, str], names: dict[str, str]
) -> list[str]:
    """A modal with every field: its label, what is entered, the choices, hints and errors."""
    lines: list[str] = []
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            lines += blocks_as_text([block], names)
            continue
        element = block["element"]
        optional = " (optional)" if block.get("optional") else ""
        value = shown_value(element, entered.get(block["block_id"]), names)
        lines += _field(f"{block['label']['text']}{optional}", value)
        choices = [str(o["text"]["text"]) for o in options_of(element)]
        if choices:
            lines.append("    choose from: " + " · ".join(choices))
        if block.get("hint"):
            lines.append(f"    {block['hint']['text']}")
        if block["block_id"] in errors:
            lines.append(f"    ⚠ {errors[block['block_id']]}")
    buttons = [view.get(key, {}).get("text") for key in ("submit", "close")]
    return [*lines, "  " + " ".join(f"[{b}]" for b in buttons if b)]


def _field(label: str, value: str) -> list[str]:
    """A field and its value; the lines of a multi-line value each under the label."""
    first, *more = value.split("\n")
    return [f"▸ {label}: {first}", *(f"  {line}" for line in more)]


def entered_as_text(view: dict[str, Any], values: dict[str, Any], names: dict[str, str]) -> list[str]:
    """The fields a person filled in, each with what they entered, in the modal's order."""
    return [
        line
        for block in view.get("blocks", [])
        if block.get("type") == "input" and block["block_id"] in values
        for line in _field(block["label"]["text"], shown_value(block["element"], values[block["block_id"]], names))
    ]


def wrapped(lines: list[str], width: int = WIDTH) -> list[str]:
    """Lines wrapped to `width`, a continuation lined up under its indent and its bullet, number or quote bar."""
    out: list[str] = []
    for line in lines:
        match = _HANGING.match(line)
        lead, marker = (match.group(1), match.group(2) or "") if match else ("", "")
        hang = marker if marker == "│ " else " " * len(marker)
        out += textwrap.wrap(
            line,
            width=width,
            subsequent_indent=lead + hang,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [""]
    return out
