"""What `/mentor admin` says besides its round views (`views/rounds.py`) and its report (`views/report.py`): the
anonymity threshold, the files it shares, and its answers to a settled round or someone else's match."""

from __future__ import annotations

from dataclasses import dataclass

from bot.views.blocks import Message


@dataclass(frozen=True)
class PrivateFile:
    """A file shared with the admin alone, in their DM with the bot."""

    name: str
    title: str

    @property
    def comment(self) -> str:
        return f"{self.title}: only you can see this file here."

    def shared_message(self) -> Message:
        return Message(text=f"{self.title} is in your DM with me.")


CHART_FILE = PrivateFile("mentoring-program.png", "Mentoring program over time")
EXPORT_FILE = PrivateFile("mentoring-pairs.csv", "Mentoring pairs (no free text)")


def threshold_usage_message() -> Message:
    return Message(text="Give a whole number, e.g. `/mentor admin threshold 5`. It never goes below 3.")


def threshold_set_message(value: int) -> Message:
    return Message(text=f"Reports now hide any figure from fewer than {value} people.")


def nothing_to_chart_message() -> Message:
    return Message(text="Nothing to chart yet: the chart starts with the program's first pair.")


def round_settled_message() -> Message:
    return Message(text="This round was already published or discarded.")


def match_not_yours_message() -> Message:
    return Message(text="That match isn't yours, so I've left it alone.")
