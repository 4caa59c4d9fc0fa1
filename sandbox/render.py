"""Block Kit as plain text for a terminal transcript: sections, fields, context and buttons."""

from __future__ import annotations

import re
from typing import Any

_MENTION = re.compile(r"<@([A-Z0-9_]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([A-Z0-9_]+)(?:\|[^>]*)?>")
_DATE = re.compile(r"<!date\^\d+\^[^|]*\|([^>]*)>")


def readable(text: str, names: dict[str, str]) -> str:
    """Mentions as @names, dates as their fallback, and Slack's escapes undone, as a person would see it."""
    text = _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + names.get(m.group(1), m.group(1)), text)
    text = _DATE.sub(lambda m: m.group(1), text)
    text = text.replace("*", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _element(element: dict[str, Any]) -> str:
    kind = element.get("type")
    label = (element.get("text") or element.get("placeholder") or {}).get("text", "")
    if kind == "button":
        return f"[{label}]"
    if kind in {"static_select", "multi_users_select"}:
        return f"[{label or 'choose'} ▾]"
    return ""


def blocks_as_text(blocks: list[dict[str, Any]], names: dict[str, str]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in {"section", "header"}:
            if block.get("text"):
                lines.append(readable(block["text"]["text"], names))
            for field in block.get("fields", []):
                lines.append("  " + readable(field["text"], names).replace("\n", ": ", 1))
            if block.get("accessory"):
                lines.append("  " + _element(block["accessory"]))
        elif kind == "context":
            lines += ["  " + readable(e.get("text", ""), names) for e in block.get("elements", [])]
        elif kind == "actions":
            lines.append("  " + " ".join(filter(None, (_element(e) for e in block.get("elements", [])))))
        elif kind == "input":
            lines.append(f"  ▸ {block['label']['text']}")
        elif kind == "divider":
            lines.append("  ───")
    split = [part for line in lines for part in line.split("\n")]
    return [line for line in split if line.strip()]
