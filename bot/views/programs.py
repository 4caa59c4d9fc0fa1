"""Programs for admins: the new-program form, the answers to `/mentor admin program …`, and choosing a program."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from bot.programs import (
    MAX_GROUP_SIZE,
    MAX_MENTORS_PER_MENTEE,
    MIN_GROUP_SIZE,
    TEMPLATES,
    CohortDates,
    ProgramInput,
    ProgramView,
)
from bot.questions import Question, parse_questions
from bot.text import escape
from bot.views.blocks import (
    Block,
    Message,
    actions,
    button,
    channels_select,
    context,
    datepicker,
    input_block,
    modal,
    number_input,
    said,
    section,
    slack_date,
    static_select,
    text_input,
    users_select,
)
from bot.views.join import JOIN_OPEN
from storage.vocabulary import Enrolment

PROGRAM_SUBMIT = "program.submit"
FIELD = "value"
TEMPLATE, NAME, PURPOSE, ENROLMENT, ADMINS, CHANNEL, QUESTIONS, GROUP_SIZE, MENTORS_PER_MENTEE = (
    "template",
    "name",
    "purpose",
    "enrolment",
    "admins",
    "channel",
    "questions",
    "group_size",
    "mentors_per_mentee",
)
SIGNUP_OPENS, SIGNUP_CLOSES, MATCHING, STARTS, ENDS = "signup_opens", "signup_closes", "matching", "starts", "ends"
# Cohort days are kept as 09:00 UTC on the day picked: sign-up opens and pairs start in everyone's morning or
# early afternoon across Europe and Asia, and before the Americas start.
COHORT_HOUR = time(9, tzinfo=UTC)
ENROLMENT_LABELS = {
    Enrolment.OPEN: "Open: anyone can join",
    Enrolment.APPROVAL: "Anyone can ask; an admin approves",
    Enrolment.INVITATION: "Invitation only",
    Enrolment.ADMIN: "Admins enrol people (e.g. from a sheet)",
}
QUESTIONS_HINT = (
    "Optional, up to 8, one per line: question | choices | rule. Rules: same, different, overlap, must match "
    "(a hard rule), with an optional weight up to 5; or kind, for the kind of mentor someone is. "
    "E.g. Which office? | Berlin, London, Remote | must match"
)
MENTOR_COUNT_LABELS = {n: f"Up to {n} mentors" if n > 1 else "1 mentor" for n in range(1, MAX_MENTORS_PER_MENTEE + 1)}


def new_program_modal() -> Block:
    templates = [(t.key, t.label) for t in TEMPLATES.values()]
    dates = [
        (SIGNUP_OPENS, "Sign-up opens"),
        (SIGNUP_CLOSES, "Sign-up closes"),
        (MATCHING, "Matching day"),
        (STARTS, "Pairs start"),
        (ENDS, "Program ends"),
    ]
    blocks = [
        input_block(TEMPLATE, "Start from", static_select(FIELD, templates, "one_to_one")),
        input_block(NAME, "Name", text_input(FIELD, max_length=60, placeholder="New-hire buddies")),
        input_block(
            PURPOSE,
            "Purpose, in one line",
            text_input(FIELD, max_length=150),
            optional=True,
            hint="Shown to people when they choose a program. The template's purpose is used when left empty.",
        ),
        input_block(ENROLMENT, "Who can join", static_select(FIELD, _choices(ENROLMENT_LABELS), Enrolment.OPEN)),
        input_block(
            ADMINS,
            "Program admins",
            users_select(FIELD, []),
            optional=True,
            hint="You are an admin of what you create. Admins manage only this program.",
        ),
        input_block(CHANNEL, "Channel for shout-outs and announcements", channels_select(FIELD), optional=True),
        input_block(
            GROUP_SIZE,
            "Mentees per group (group mentoring)",
            number_input(FIELD, None, MIN_GROUP_SIZE, MAX_GROUP_SIZE),
            optional=True,
            hint=f"{MIN_GROUP_SIZE} to {MAX_GROUP_SIZE}, so a group and its mentor fit one group DM; 4 if left empty.",
        ),
        input_block(
            MENTORS_PER_MENTEE,
            "Mentors per mentee (1:1 mentoring)",
            static_select(FIELD, [(str(n), label) for n, label in MENTOR_COUNT_LABELS.items()], "1"),
            optional=True,
            hint="Each mentee says how many they want. With a question of mentor kinds "
            "(e.g. What kind of mentor are you? | Peer, Senior | kind), they pick one of each kind instead.",
        ),
        input_block(
            QUESTIONS, "Sign-up questions", text_input(FIELD, multiline=True), optional=True, hint=QUESTIONS_HINT
        ),
        section("*Cohort dates* (optional: leave empty for a program that runs all year)"),
    ]
    blocks += [input_block(block, label, datepicker(FIELD), optional=True) for block, label in dates]
    blocks.append(context("People's answers to the sign-up questions are seen only by them and this program's admins."))
    return modal("New program", PROGRAM_SUBMIT, blocks, submit="Create")


def _choices(labels: dict[Any, str]) -> list[tuple[str, str]]:
    return [(str(key), label) for key, label in labels.items()]


def _value(state: dict[str, Any], block: str) -> dict[str, Any]:
    value = state.get(block, {}).get(FIELD, {})
    return value if isinstance(value, dict) else {}


def _day(state: dict[str, Any], block: str) -> datetime | None:
    picked = _value(state, block).get("selected_date")
    try:
        return datetime.combine(date.fromisoformat(str(picked)), COHORT_HOUR) if picked else None
    except ValueError:
        return None


def read_program_form(state: dict[str, Any]) -> tuple[ProgramInput, dict[str, str]]:
    """The submitted form as typed input, and the questions' problem by field (the rest is checked by the
    service)."""
    questions, problem = parse_questions(str(_value(state, QUESTIONS).get("value") or ""))
    users = _value(state, ADMINS).get("selected_users")
    selected = (_value(state, ENROLMENT).get("selected_option") or {}).get("value")
    enrolment = Enrolment(selected) if selected in set(Enrolment) else Enrolment.OPEN
    template = (_value(state, TEMPLATE).get("selected_option") or {}).get("value")
    size = str(_value(state, GROUP_SIZE).get("value") or "").strip()
    mentors = str((_value(state, MENTORS_PER_MENTEE).get("selected_option") or {}).get("value") or "1")
    form = ProgramInput(
        template=str(template or ""),
        name=str(_value(state, NAME).get("value") or ""),
        purpose=str(_value(state, PURPOSE).get("value") or ""),
        enrolment=enrolment,
        admins=[u for u in users if isinstance(u, str)] if isinstance(users, list) else [],
        channel=_value(state, CHANNEL).get("selected_conversation") or None,
        dates=CohortDates(
            _day(state, SIGNUP_OPENS),
            _day(state, SIGNUP_CLOSES),
            _day(state, MATCHING),
            _day(state, STARTS),
            _day(state, ENDS),
        ),
        questions=questions,
        group_size=int(size) if size.isdigit() else None,
        mentors_per_mentee=int(mentors) if mentors.isdigit() else 1,
    )
    problems = {QUESTIONS: problem} if problem else {}
    if size and not size.isdigit():
        problems[GROUP_SIZE] = f"Give the group size as a whole number from {MIN_GROUP_SIZE} to {MAX_GROUP_SIZE}."
    return form, problems


FORMAT_LABELS = {"one_to_one": "1:1 mentoring", "group": "group mentoring", "circle": "peer circles"}


def _dates_line(program: ProgramView) -> str:
    d = program.dates
    parts = [
        (label, when)
        for label, when in (
            ("sign-up opens", d.signup_opens_at),
            ("closes", d.signup_closes_at),
            ("matching", d.matching_at),
            ("starts", d.starts_at),
            ("ends", d.ends_at),
        )
        if when is not None
    ]
    return " · ".join(f"{label} {slack_date(when)}" for label, when in parts)


def _question_line(question: Question) -> str:
    rule = {
        "": "",
        "same": "same answer",
        "different": "different answers",
        "overlap": "shared answers",
        "kind": "the kind of mentor",
    }.get(question.rule.value, "must match")
    return f"• {escape(question.text)}" + (f" _({rule})_" if rule else "")


def created_message(program: ProgramView) -> Message:
    size = f", up to {program.group_size} mentees a group" if program.format == "group" else ""
    if program.format == "one_to_one" and program.mentors_per_mentee > 1:
        size = f", up to {program.mentors_per_mentee} mentors a mentee"
    lines = [
        f"*{escape(program.name)}* is ready ({FORMAT_LABELS[program.format]}{size}). "
        f"People join with `/mentor join {program.slug}`.",
    ]
    if program.cohort:
        lines.append(f"*Cohort:* {_dates_line(program)}. I'll announce sign-up and remind you on matching day.")
    if program.questions:
        lines.append("*Sign-up questions*\n" + "\n".join(_question_line(q) for q in program.questions))
    if program.format != "one_to_one":
        lines.append("Groups and circles are formed by admin rounds; until then, people can already join.")
    lines.append(f"Next: `/mentor admin report {program.slug}` shows how it's going.")
    text = "\n".join(lines)
    return Message(text=f"{program.name} is ready", blocks=[section(text)])


def which_program_message(asked: str, programs: list[ProgramView]) -> Message:
    names = ", ".join(f"`{p.slug}`" for p in programs)
    example = programs[0].slug if programs else "mentoring"
    text = f"Which program? Add its name: `/mentor {asked} {example}`. Yours: {names}."
    return said(text)


def manages_only_message(programs: list[ProgramView]) -> Message:
    names = ", ".join(f"`{p.slug}`" for p in programs)
    text = f"You manage only {names}. Another program's admins or a workspace admin can help with that one."
    return said(text)


def program_help_message() -> Message:
    text = (
        "*Programs*\n• `/mentor admin program new`: create a program from a template\n"
        "• `/mentor admin program list`: every program you manage, at a glance\n"
        "• `/mentor admin program extend <name> <days>`: move a cohort's end later\n"
        "• `/mentor admin program clone <name> <new name>`: the next cohort, same settings\n"
        "• `/mentor admin program close <name>`: end it; pairs end gently with a final evaluation\n"
        "• `/mentor admin program delete <name>`: only a program that never formed a pair"
    )
    return said(text)


def workspace_only_message() -> Message:
    text = "Only workspace admins and Mentorbot's own admins can create programs. A program admin can ask one of them."
    return said(text)


def program_refused_message(reason: str) -> Message:
    return Message(text=reason, blocks=[section(escape(reason))])


def in_use_message(name: str, live: int) -> Message:
    text = (
        f"*{escape(name)}* has {live} live pair{'s' if live != 1 else ''}, so it can't be deleted. "
        f"`/mentor admin program close` ends them gently, each with a final evaluation."
        if live
        else f"*{escape(name)}* formed pairs before, so it is kept for its history. Close it instead."
    )
    return said(text)


def closed_message(name: str, ended: int) -> Message:
    pairs = f"{ended} pair{'s' if ended != 1 else ''}"
    text = f"*{escape(name)}* is closed. {pairs} ended; each person gets a final evaluation."
    return said(text)


def deleted_message(name: str) -> Message:
    text = f"*{escape(name)}* is deleted, with its memberships. Nothing else changed."
    return said(text)


def extended_message(program: ProgramView) -> Message:
    ends = program.dates.ends_at
    text = f"*{escape(program.name)}* now ends {slack_date(ends) if ends else 'later'}; live pairs run until then."
    return said(text)


def program_closed_for_member(program: str) -> Message:
    text = (
        f"*{escape(program)}* has come to an end, and so has your pair in it. Thank you for taking part. "
        "A short final evaluation follows; only you see your answers unless you choose to share them."
    )
    return said(text)


def cloned_message(source: ProgramView, clone: ProgramView) -> Message:
    text = (
        f"*{escape(clone.name)}* is ready: {escape(source.name)}'s settings and questions, with the dates moved on "
        f"({_dates_line(clone)}). I've asked everyone from {escape(source.name)} whether they'd like to continue; "
        "only those who say yes join, and nobody is paired with their earlier partner again."
    )
    return Message(text=f"{clone.name} is ready", blocks=[section(text)])


def continue_invitation(source: ProgramView, clone: ProgramView) -> Message:
    """The consent to carry someone over into the next cohort: their profile comes along only if they join."""
    opens = clone.dates.signup_opens_at or clone.dates.starts_at
    when = f" It starts {slack_date(clone.dates.starts_at)}." if clone.dates.starts_at else ""
    text = (
        f"*{escape(source.name)}* has a next cohort, *{escape(clone.name)}*.{when} Would you like to continue? "
        "Joining takes one click: your profile is filled in, and you'll meet someone new."
    )
    note = f"Sign-up opens {slack_date(opens)}." if opens else "Nothing happens unless you join."
    return Message(
        text=f"Continue in {clone.name}?",
        blocks=[
            section(text),
            actions(button(f"Join {clone.name}"[:75], JOIN_OPEN, value=str(clone.id), style="primary")),
            context(note),
        ],
    )


def program_closed_message(name: str) -> Message:
    text = (
        f"*{escape(name)}* has closed, so nothing new forms in it. Its report and export stay available; "
        "`/mentor admin program clone` starts its next cohort."
    )
    return said(text)
