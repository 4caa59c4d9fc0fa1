"""SMART goals: the goal modal, the goal card in the pair's group DM, progress and comment modals."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.goals import GoalInput, GoalView
from bot.text import cut, escape
from bot.views.blocks import (
    Block,
    Message,
    actions,
    button,
    confirm_dialog,
    context,
    input_block,
    modal,
    number_input,
    option,
    said,
    section,
    text_input,
)

GOAL_OPEN = "goal.open"
GOAL_SUBMIT = "goal.submit"
GOAL_EDIT = "goal.edit"
GOAL_MILESTONE = "goal.milestone"
GOAL_PROGRESS = "goal.progress"
GOAL_PROGRESS_SUBMIT = "goal.progress_submit"
GOAL_COMMENT = "goal.comment"
GOAL_COMMENT_SUBMIT = "goal.comment_submit"
GOAL_COMPLETE = "goal.complete"
TITLE, PERCENT, COMMENT = "title", "percent", "comment"
NOT_YOURS = "This goal belongs to another pair, so I can't change it."
PERCENT_RANGE = "Enter a whole number from 0 to 100."
COMMENT_MISSING = "Write a few words for your partner."


def progress_bar(percent: int) -> str:
    filled = round(percent / 10)
    return "▰" * filled + "▱" * (10 - filled) + f" {percent}%"


def goal_modal(pair_id: int, last_day: date, goal: GoalView | None = None) -> Block:
    milestones = "\n".join(
        f"{m.due_on.isoformat()}: {m.title}" if m.due_on else m.title
        for m in (goal.milestones if goal else [])
        if not m.done
    )
    due: Block = {"type": "datepicker", "action_id": "value"}
    if goal:
        due["initial_date"] = goal.due_on.isoformat()
    return modal(
        "Edit goal" if goal else "New goal",
        GOAL_SUBMIT,
        [
            section(
                f"Specific, measurable, with a date. It can change later as your needs change. "
                f"Pick a due date by {last_day:%d %b %Y}."
            ),
            input_block(
                TITLE,
                "Goal",
                text_input(
                    "value", goal.title if goal else "", max_length=150, placeholder="Give a talk at a local meetup"
                ),
            ),
            input_block(
                "outcome",
                "What does success look like?",
                text_input(
                    "value",
                    goal.outcome if goal else "",
                    multiline=True,
                    max_length=1000,
                    placeholder="A 20-minute talk delivered, with feedback from at least 5 people",
                ),
            ),
            input_block("due_on", "Due date", due),
            input_block(
                "milestones",
                "Milestones (one per line)",
                text_input(
                    "value",
                    milestones,
                    multiline=True,
                    max_length=2000,
                    placeholder="2026-12-15: outline ready\nrehearsal with a friend",
                ),
                optional=True,
                hint="Start a line with a date (YYYY-MM-DD) to give that milestone a deadline.",
            ),
            input_block(
                "first_action",
                "First small step",
                text_input("value", goal.first_action if goal else "", max_length=300),
            ),
        ],
        submit="Save goal",
        private_metadata=json.dumps({"pair": pair_id, "goal": goal.id if goal else None}),
    )


def _text(state: dict[str, Any], block_id: str) -> str:
    return str(((state.get(block_id) or {}).get("value") or {}).get("value") or "")


def read_goal_form(state: dict[str, Any]) -> GoalInput:
    raw = ((state.get("due_on") or {}).get("value") or {}).get("selected_date")
    try:
        due_on = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        due_on = None
    return GoalInput(
        title=_text(state, TITLE),
        outcome=_text(state, "outcome"),
        due_on=due_on,
        milestones=_text(state, "milestones"),
        first_action=_text(state, "first_action"),
    )


def read_goal_metadata(raw: str) -> tuple[int | None, int | None]:
    try:
        data = json.loads(raw or "{}")
        return int(data["pair"]), (int(data["goal"]) if data.get("goal") is not None else None)
    except (ValueError, KeyError, TypeError):
        return None, None


def read_milestone_choice(raw: str) -> tuple[int, int]:
    """The goal and the milestone chosen in the card's milestone menu; 0 for a part that is not a number."""
    goal, _, milestone = raw.partition(":")
    return int(goal) if goal.isdecimal() else 0, int(milestone) if milestone.isdecimal() else 0


def goal_card(goal: GoalView) -> Message:
    done = goal.status == "completed"
    title = f"{'✅' if done else '🎯'} *{escape(goal.title)}*"
    lines = [
        title,
        f"*Success looks like:* {escape(goal.outcome)}",
        f"*Due:* {goal.due_on:%d %b %Y} · *Progress:* {progress_bar(goal.progress)}",
    ]
    if goal.milestones:
        marks = [
            f"{'☑' if m.done else '☐'} {escape(m.title)}" + (f" (by {m.due_on:%d %b})" if m.due_on else "")
            for m in goal.milestones
        ]
        lines.append("*Milestones*\n" + "\n".join(marks))
    lines.append(f"*First step:* {escape(goal.first_action)}")
    blocks: list[Block] = [section("\n".join(lines))]
    if goal.comments:
        recent = "\n".join(f"<@{actor}>: {escape(cut(text, 300))}" for actor, text in goal.comments[-3:])
        blocks.append(section(f"*Comments*\n{recent}"))
    if not done:
        elements: list[Block] = []
        open_milestones = [m for m in goal.milestones if not m.done]
        if open_milestones:
            elements.append(
                {
                    "type": "static_select",
                    "action_id": GOAL_MILESTONE,
                    "placeholder": {"type": "plain_text", "text": "Mark a milestone done"},
                    "options": [option(m.title, f"{goal.id}:{m.id}") for m in open_milestones[:100]],
                }
            )
        elements += [
            button("Update progress", GOAL_PROGRESS, value=str(goal.id)),
            button("Comment", GOAL_COMMENT, value=str(goal.id)),
            button("Edit", GOAL_EDIT, value=str(goal.id)),
            button(
                "Completed!",
                GOAL_COMPLETE,
                value=str(goal.id),
                style="primary",
                confirm=confirm_dialog(
                    "Goal completed?", "Mark this goal as done for both of you?", "Yes, done", "Not yet"
                ),
            ),
        ]
        blocks.append(actions(*elements))
    blocks.append(context(f"Goal of <@{goal.pair.mentee_user_id}> with <@{goal.pair.mentor_user_id}>."))
    return Message(text=f"Goal: {escape(goal.title)}", blocks=blocks)


def progress_modal(goal: GoalView) -> Block:
    return modal(
        "Update progress",
        GOAL_PROGRESS_SUBMIT,
        [
            section(f"How far along is *{escape(goal.title)}*?"),
            input_block(PERCENT, "Progress (percent)", number_input("value", goal.progress, 0, 100)),
        ],
        submit="Save",
        private_metadata=str(goal.id),
    )


def comment_modal(goal: GoalView) -> Block:
    return modal(
        "Comment on goal",
        GOAL_COMMENT_SUBMIT,
        [
            section(f"A note on *{escape(goal.title)}*, shown on the goal card for you both."),
            input_block(COMMENT, "Comment", text_input("value", multiline=True, max_length=1000)),
        ],
        submit="Post",
        private_metadata=str(goal.id),
    )


def read_percent(state: dict[str, Any]) -> int | None:
    raw = _text(state, PERCENT)
    return int(raw) if raw.isdigit() else None


def read_comment(state: dict[str, Any]) -> str:
    return _text(state, COMMENT)


def milestone_done_message(goal: GoalView, milestone: str, user_id: str) -> Message:
    text = f"<@{user_id}> finished a milestone of *{escape(goal.title)}*: {escape(milestone)}. Nice work!"
    return said(text)


def goal_completed_message(goal: GoalView) -> Message:
    text = f"🎉 *{escape(goal.title)}* is done. Well done, both of you! What's next?"
    return Message(
        text=text,
        blocks=[section(text), actions(button("Add another goal", GOAL_OPEN, value=str(goal.pair.id)))],
    )
