"""Filling in a modal as a person does: fields found by their label, options by their text, people by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.render import options_of


class FormError(ValueError):
    """What a person typed does not fit the modal: no such field, or no such option."""


def _inputs(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [block for block in view.get("blocks", []) if block.get("type") == "input"]


def initial_values(view: dict[str, Any]) -> dict[str, Any]:
    """What the modal's fields hold when it opens, keyed by block_id as `fill_state` takes them."""
    values: dict[str, Any] = {}
    for block in _inputs(view):
        element = block["element"]
        kind = element["type"]
        if kind == "static_select":
            value = (element.get("initial_option") or {}).get("value")
        elif kind in {"timepicker", "datepicker"}:
            value = element.get("initial_time" if kind == "timepicker" else "initial_date")
        elif kind == "multi_users_select":
            value = element.get("initial_users")
        elif kind == "checkboxes":
            value = [option["value"] for option in element.get("initial_options") or []]
        else:
            value = element.get("initial_value")
        if value:
            values[block["block_id"]] = value
    return values


def _field(view: dict[str, Any], name: str) -> dict[str, Any]:
    """The input block called `name`: its label (or the start of it, when only one label starts so) or block_id."""
    wanted = name.strip().casefold()
    blocks = _inputs(view)
    exact = [b for b in blocks if wanted in {b["block_id"].casefold(), b["label"]["text"].casefold()}]
    starting = [b for b in blocks if b["label"]["text"].casefold().startswith(wanted)]
    if exact or len(starting) == 1:
        return (exact or starting)[0]
    labels = "; ".join(b["label"]["text"] for b in blocks)
    raise FormError(f"“{view['title']['text']}” has no field “{name}”. Its fields: {labels}")


def option_value(element: dict[str, Any], wanted: str) -> str:
    """The value of the option whose value or text is `wanted` (any case)."""
    options = options_of(element)
    key = wanted.strip().casefold()
    for field in ("value", "text"):
        for option in options:
            shown = option["value"] if field == "value" else option["text"]["text"]
            if str(shown).casefold() == key:
                return str(option["value"])
    raise FormError(f"“{wanted}” is not a choice. Choose from: " + " · ".join(o["text"]["text"] for o in options))


def _entry(element: dict[str, Any], raw: str, person: Callable[[str], str]) -> Any:
    """`raw` as the field takes it: an option's value for its text, user IDs for names, checkbox values."""
    kind = element["type"]
    if kind == "static_select":
        return option_value(element, raw)
    if kind == "multi_users_select":
        return [person(name) for name in raw.split(",") if name.strip()]
    if kind == "multi_static_select":
        return [{"value": option_value(element, part)} for part in raw.split(",") if part.strip()]
    if kind == "checkboxes":
        if not raw.strip():
            return []
        try:
            return [option_value(element, raw)]
        except FormError:
            return [option_value(element, part) for part in raw.split(",")]
    return raw


def filled(view: dict[str, Any], entries: dict[str, str], person: Callable[[str], str]) -> dict[str, Any]:
    """What a person typed (`{"Field label": "value"}`), keyed by block_id as `fill_state` takes it."""
    values: dict[str, Any] = {}
    for name, raw in entries.items():
        block = _field(view, name)
        values[block["block_id"]] = _entry(block["element"], raw, person)
    return values
