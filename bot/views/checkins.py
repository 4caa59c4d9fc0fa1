"""Check-in prompts in the pair's group DM, who answered what, and the note / reschedule modals."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.checkins import SNOOZE_WEEKS, CheckInView
from bot.errors import CheckInClosed, DayOutOfRange, MentorbotError
from bot.goals import GoalView
from bot.text import escape
from bot.views.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    input_block,
    modal,
    number_input,
    option,
    section,
    text_input,
)
from bot.views.meetings import weekday_name
from storage.vocabulary import CheckInStatus

CHECKIN_MET = "checkin.met"
CHECKIN_NOT_YET = "checkin.not_yet"
CHECKIN_RESCHEDULE = "checkin.reschedule"
CHECKIN_NOTE_SUBMIT = "checkin.note_submit"
CHECKIN_RESCHEDULE_SUBMIT = "checkin.reschedule_submit"
PAIR_SNOOZE = "pair.snooze"
PAIR_RESUME = "pair.resume"
NOTE, DAY = "note", "day"
PAUSE = "pause"
NOT_YOURS = "This check-in belongs to another pair."
DAY_MISSING = "Pick a day for the next check-in."
PERCENT_RANGE = "0 to 100, please."
LABELS = {
    CheckInStatus.MET.value: "met ✔",
    CheckInStatus.NOT_YET.value: "not yet; I'll ask again in a few days",
    CheckInStatus.RESCHEDULED.value: "rescheduled",
}


def checkin_message(checkin: CheckInView) -> Message:
    pair = checkin.pair
    people = f"<@{pair.mentee_user_id}> and <@{pair.mentor_user_id}>"
    if checkin.meeting_start is not None:
        day = weekday_name(checkin.meeting_start, checkin.meeting_timezone)
        text = f"How did {day}'s meeting go, {people}? Did you meet?"
    else:
        text = f"Time for a check-in, {people}. Did you meet since last time?"
    blocks: list[Block] = [section(text), section(f"*Something to reflect on:* {escape(checkin.question)}")]
    if checkin.answers:
        answered = "\n".join(f"<@{user}>: {LABELS.get(a, a)}" for user, a in checkin.answers.items())
        blocks.append(section(answered))
    if len(checkin.answers) < 2:
        value = str(checkin.id)
        snooze = {
            "type": "static_select",
            "action_id": PAIR_SNOOZE,
            "placeholder": {"type": "plain_text", "text": "Snooze or pause"},
            "options": [option(f"Snooze {w} week{'s' if w > 1 else ''}", f"{pair.id}:{w}") for w in SNOOZE_WEEKS]
            + [option("Pause check-ins", f"{pair.id}:{PAUSE}")],
        }
        blocks.append(
            actions(
                button("We met", CHECKIN_MET, value=value, style="primary"),
                button("Not yet", CHECKIN_NOT_YET, value=value),
                button("Reschedule", CHECKIN_RESCHEDULE, value=value),
                snooze,
            )
        )
    blocks.append(context("Each of you answers once. I only nudge on weekdays inside both your working hours."))
    return Message(text=text, blocks=blocks)


def note_modal(checkin: CheckInView, goals: list[GoalView]) -> Block:
    blocks: list[Block] = [
        section("Glad you met! Anything worth remembering? Both fields are optional."),
        input_block(NOTE, "A short note", text_input("value", multiline=True, max_length=1000), optional=True),
    ]
    for goal in goals[:5]:
        blocks.append(
            input_block(
                _goal_block(goal.id),
                f"Progress on “{goal.title[:60]}” (%)",
                number_input("value", goal.progress, 0, 100),
                optional=True,
            )
        )
    return modal("We met", CHECKIN_NOTE_SUBMIT, blocks, submit="Save", private_metadata=str(checkin.id))


def _goal_block(goal_id: int) -> str:
    return f"goal_{goal_id}"


def read_note_form(state: dict[str, Any]) -> tuple[str, dict[int, int]]:
    note = str(((state.get(NOTE) or {}).get("value") or {}).get("value") or "")
    progress: dict[int, int] = {}
    for block_id, element in state.items():
        if block_id.startswith("goal_"):
            raw = str((element.get("value") or {}).get("value") or "")
            if raw.isdigit():
                progress[int(block_id.removeprefix("goal_"))] = int(raw)
    return note, progress


def note_form_errors(progress: dict[int, int]) -> dict[str, str]:
    """When any goal's progress is out of range, every goal's field asks again."""
    if all(0 <= percent <= 100 for percent in progress.values()):
        return {}
    return {_goal_block(goal_id): PERCENT_RANGE for goal_id in progress}


@dataclass(frozen=True)
class MessageAt:
    """Where the check-in message is, carried through the reschedule modal so it can be updated afterwards."""

    channel: str
    ts: str


def reschedule_modal(checkin: CheckInView, message: MessageAt) -> Block:
    return modal(
        "Reschedule",
        CHECKIN_RESCHEDULE_SUBMIT,
        [
            section("When should I check in next? I'll nudge you both that morning."),
            input_block(DAY, "Next check-in", {"type": "datepicker", "action_id": "value"}),
        ],
        submit="Save",
        private_metadata=json.dumps({"checkin": checkin.id, "channel": message.channel, "ts": message.ts}),
    )


def read_reschedule_metadata(raw: str) -> tuple[int, MessageAt]:
    """The check-in the modal moves (0 when it carries none, which matches nothing) and where its message is."""
    try:
        data = json.loads(raw or "{}")
        return int(data.get("checkin") or 0), MessageAt(str(data.get("channel") or ""), str(data.get("ts") or ""))
    except (ValueError, TypeError, AttributeError):
        return 0, MessageAt("", "")


def reschedule_errors(error: MentorbotError) -> dict[str, str]:
    """Why the check-in can't move to the chosen day, on the day field."""
    if isinstance(error, DayOutOfRange):
        return {DAY: "Pick a day between tomorrow and three months from now."}
    if isinstance(error, CheckInClosed):
        return {DAY: "You've already answered this check-in."}
    return {DAY: NOT_YOURS}


def read_snooze_choice(raw: str) -> tuple[int, int | None]:
    """The pair and the weeks chosen in the snooze menu (None: pause); 0 for a part that is not a number."""
    pair, _, choice = raw.partition(":")
    weeks = None if choice == PAUSE else int(choice) if choice.isdecimal() else 0
    return int(pair) if pair.isdecimal() else 0, weeks


def read_day(state: dict[str, Any]) -> date | None:
    raw = ((state.get(DAY) or {}).get("value") or {}).get("selected_date")
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def already_answered() -> Message:
    return Message(text="You've already answered this check-in. Thanks!")


def snoozed_message(weeks: int) -> Message:
    return Message(text=f"Check-ins are snoozed for {weeks} week{'s' if weeks > 1 else ''}. Enjoy the break.")


def paused_message(pair_id: int) -> Message:
    text = "Check-ins are paused. Resume whenever you're ready; nothing is lost."
    return Message(
        text=text, blocks=[section(text), actions(button("Resume check-ins", PAIR_RESUME, value=str(pair_id)))]
    )


def resumed_message() -> Message:
    return Message(text="Check-ins are back on. I'll nudge you on your usual rhythm.")
