"""Making user text safe and short enough for Slack: escaping control characters and cutting to limits."""

from __future__ import annotations

import re

_CONTROL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ANGLES = str.maketrans({"<": "&lt;", ">": "&gt;"})
_SPACE = re.compile(r"\s+")


def escape(text: str) -> str:
    """Escape `&`, `<` and `>` so user text can never ping (`<!channel>`) or link (`<http…>`) anyone."""
    return text.translate(_CONTROL)


# What the bot itself writes in message text: a person (`<@U…>`, with an optional label), a channel, a date.
_OWN_TOKEN = re.compile(r"<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|!date\^[^<>|]*)(?:\|[^<>]*)?>")
_BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def neutralise(text: str) -> str:
    """Text in which only the bot's own tokens stay live: any other `<!channel>`, `<!here>` or `<http…>` is escaped.

    Safe on text that is already escaped (its `&amp;`, `&lt;` and `&gt;` are left alone), so every message can
    pass through it once on its way out, whatever its view did.
    """
    parts, start = [], 0
    for token in _OWN_TOKEN.finditer(text):
        parts += [_BARE_AMPERSAND.sub("&amp;", text[start : token.start()]).translate(_ANGLES), token.group(0)]
        start = token.end()
    parts.append(_BARE_AMPERSAND.sub("&amp;", text[start:]).translate(_ANGLES))
    return "".join(parts)


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
