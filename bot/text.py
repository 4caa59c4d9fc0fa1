"""Making user text safe and short enough for Slack: escaping control characters and cutting to limits."""

from __future__ import annotations

import re

_CONTROL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_SPACE = re.compile(r"\s+")


def escape(text: str) -> str:
    """Escape `&`, `<` and `>` so user text can never ping (`<!channel>`) or link (`<http…>`) anyone."""
    return text.translate(_CONTROL)


def cut(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def squash(text: str) -> str:
    """Collapse runs of white space and trim, as for a tag or a one-line title."""
    return _SPACE.sub(" ", text).strip()


_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def parse_mention(token: str) -> str | None:
    """The user ID in an escaped mention such as `<@U123|ana>`, as `/mentor` delivers it (should_escape)."""
    found = _MENTION.match(token.strip())
    return found.group(1) if found else None


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def drop_control_characters(value: object) -> object:
    """Strings without control characters (NUL breaks PostgreSQL text), recursively through dicts and lists."""
    if isinstance(value, str):
        return _CONTROL_CHARACTERS.sub("", value)
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = drop_control_characters(item)
        return value
    if isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = drop_control_characters(item)
        return value
    return value
