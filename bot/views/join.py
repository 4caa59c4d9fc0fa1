"""The profile modal (join / edit), reading its submission, and the confirmation DM."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from bot.profiles import SENIORITY_LEVELS, Profile, ProfileInput, parse_tags
from bot.programs import ProgramView
from bot.questions import MAX_TEXT_ANSWER, Kind, Question, Rule, answer_set, kind_question
from bot.round_plan import Wanted
from bot.text import escape, squash
from bot.views.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    fields,
    input_block,
    modal,
    multi_select,
    number_input,
    said,
    section,
    slack_date,
    static_select,
    text_input,
    timepicker,
    users_select,
)
from storage.vocabulary import Cadence, Enrolment, LearningStyle, MeetingChannel, ProgramFormat, Role

_E = TypeVar("_E", Role, Cadence, MeetingChannel, LearningStyle)

JOIN_OPEN = "join.open"
JOIN_SUBMIT = "join.submit"
FIELD = "value"

ROLE_LABELS = {Role.MENTOR: "Mentor others", Role.MENTEE: "Find a mentor", Role.BOTH: "Both"}
CADENCE_LABELS = {
    Cadence.WEEKLY: "Every week",
    Cadence.BIWEEKLY: "Every 2 weeks",
    Cadence.MONTHLY: "Every month",
}
CHANNEL_LABELS = {
    MeetingChannel.VIDEO: "Video call",
    MeetingChannel.IN_PERSON: "In person",
    MeetingChannel.HUDDLE: "Slack huddle",
}
STYLE_LABELS = {
    LearningStyle.HANDS_ON: "Hands-on: working through real tasks",
    LearningStyle.DISCUSSION: "Talking things through",
    LearningStyle.READING: "Reading and reflecting",
    LearningStyle.OBSERVING: "Watching how others do it",
}

# Block IDs are the profile's field names, so validation errors map straight onto the modal.
ROLE, EXPERTISE, GOALS, SENIORITY, CAPACITY = "role", "expertise", "goals", "seniority", "capacity"
WORK_START, WORK_END, STYLE, CHANNEL, CADENCE = (
    "work_start",
    "work_end",
    "learning_style",
    "meeting_channel",
    "cadence",
)
LANGUAGES, DEPARTMENT, DO_NOT_MATCH = "languages", "department", "do_not_match"


def _choices(labels: dict[Any, str]) -> list[tuple[str, str]]:
    return [(str(key), label) for key, label in labels.items()]


def _role_and_topics(d: ProfileInput | None, in_circles: bool = False) -> list[Block]:
    hint = "In peer circles everyone takes part as a peer; this is for the programs with mentors." if in_circles else ""
    role = static_select(FIELD, _choices(ROLE_LABELS), d.role if d and d.role else None)
    return [
        input_block(ROLE, "I'd like to", role, hint=hint),
        input_block(
            EXPERTISE,
            "Topics I can help with",
            text_input(
                FIELD,
                ", ".join(d.expertise) if d else "",
                max_length=500,
                placeholder="public speaking, python",
            ),
            optional=True,
            hint="Mentors: separate topics with commas.",
        ),
        input_block(
            GOALS,
            "Topics I want to grow in",
            text_input(FIELD, ", ".join(d.goals) if d else "", max_length=500, placeholder="leading a team, ml"),
            optional=True,
            hint="Mentees: separate topics with commas.",
        ),
        input_block(
            SENIORITY,
            "Where I am in my career",
            static_select(FIELD, [(str(k), v) for k, v in SENIORITY_LEVELS.items()], str(d.seniority) if d else None),
        ),
        input_block(
            CAPACITY,
            "How many mentees I can take at once",
            number_input(FIELD, d.capacity if d and d.capacity else None, 0, 10),
            optional=True,
            hint="Mentors only. Most people start with 1 or 2.",
        ),
    ]


def _rhythm_and_style(d: ProfileInput | None) -> list[Block]:
    return [
        input_block(WORK_START, "My working day starts", timepicker(FIELD, d.work_start_minute if d else 9 * 60)),
        input_block(WORK_END, "My working day ends", timepicker(FIELD, d.work_end_minute if d else 17 * 60)),
        input_block(
            CADENCE,
            "I'd like to meet",
            static_select(FIELD, _choices(CADENCE_LABELS), d.cadence if d else None),
        ),
        input_block(
            CHANNEL,
            "I prefer to meet by",
            static_select(FIELD, _choices(CHANNEL_LABELS), d.meeting_channel if d else None),
        ),
        input_block(
            STYLE,
            "I learn best by",
            static_select(FIELD, _choices(STYLE_LABELS), d.learning_style if d else None),
        ),
    ]


def _about_me(d: ProfileInput | None) -> list[Block]:
    return [
        input_block(
            LANGUAGES,
            "Languages I can mentor or be mentored in",
            text_input(FIELD, ", ".join(d.languages) if d else "", max_length=300, placeholder="english, deutsch"),
            optional=True,
        ),
        input_block(
            DEPARTMENT,
            "My department or team",
            text_input(FIELD, d.department if d else "", max_length=80),
            optional=True,
        ),
        input_block(
            DO_NOT_MATCH,
            "Please never match me with",
            users_select(FIELD, d.do_not_match if d else []),
            optional=True,
            hint="Private: nobody else ever sees this list.",
        ),
    ]


QUESTION_BLOCK = "q:"
MENTORS_WANTED = "mentors_wanted"
PROGRAM_GONE = "This program has closed, so nothing was saved. `/mentor join` shows the programs open now."


KIND_HINT = "Mentors: the kind you are; mentees see it when they choose. Mentees may leave it empty."


def _question_block(question: Question, answer: object) -> Block:
    block_id = QUESTION_BLOCK + question.key
    if question.rule is Rule.KIND:
        chosen_kind = next(iter(answer_set(answer)), None)
        select = static_select(FIELD, [(c, c) for c in question.choices], chosen_kind)
        return input_block(block_id, question.text, select, optional=True, hint=KIND_HINT)
    if question.kind is Kind.TEXT:
        initial = answer if isinstance(answer, str) else ""
        return input_block(block_id, question.text, text_input(FIELD, initial, max_length=MAX_TEXT_ANSWER))
    choices = [(c, c) for c in question.choices]
    if question.kind is Kind.MULTIPLE:
        return input_block(block_id, question.text, multi_select(FIELD, choices, sorted(answer_set(answer))))
    chosen = next(iter(answer_set(answer)), None)
    return input_block(block_id, question.text, static_select(FIELD, choices, chosen))


def _mentors_wanted_block(program: ProgramView, profile: Profile | None) -> Block:
    """How many mentors a mentee would like (or one of each kind), in a program that allows several."""
    limit = program.mentors_per_mentee
    question = kind_question(program.questions)
    if question is not None:
        picked = list(profile.mentor_kinds_wanted) if profile else []
        return input_block(
            MENTORS_WANTED,
            "The mentors I'd like",
            {**multi_select(FIELD, [(c, c) for c in question.choices], picked), "max_selected_items": limit},
            optional=True,
            hint=f"Mentees: one mentor of each kind you pick, up to {limit}. Leave empty for one of any kind.",
        )
    count = str(profile.mentors_wanted) if profile else "1"
    return input_block(
        MENTORS_WANTED,
        "How many mentors I'd like",
        static_select(FIELD, [(str(n), str(n)) for n in range(1, limit + 1)], count),
        optional=True,
        hint=f"Mentees only. This program allows up to {limit} at once, each its own pair.",
    )


def read_mentors_wanted(state: dict[str, Any], program: ProgramView) -> tuple[Wanted, dict[str, str]]:
    """The submitted number of mentors wanted or kinds picked, and what is wrong with them by block."""
    limit = max(1, program.mentors_per_mentee)
    if limit == 1:
        return Wanted(), {}
    value = _value(state, MENTORS_WANTED)
    if kind_question(program.questions) is not None:
        kinds = tuple(str(o.get("value")) for o in value.get("selected_options") or [] if isinstance(o, dict))
        if len(kinds) > limit:
            return Wanted(), {MENTORS_WANTED: f"Pick up to {limit} kinds: this program allows {limit} mentors at once."}
        return Wanted(max(1, len(kinds)), kinds), {}
    count = _int(_selected(state, MENTORS_WANTED)) or 1
    return Wanted(min(max(1, count), limit)), {}


def profile_modal(profile: Profile | None, program: ProgramView | None = None, joined: bool = False) -> Block:
    """The profile form for one program: the shared profile, then that program's questions. `joined`: they are
    already a member of this program (the form edits it)."""
    d = profile.details if profile else None
    intro = section(
        "Tell us a little about yourself so we can suggest the right people. "
        "You can change any of this later with `/mentor join`."
    )
    about = [section(f"*{escape(program.name)}*: {escape(program.purpose)}")] if program and program.purpose else []
    in_circles = program is not None and program.format is ProgramFormat.CIRCLE
    blocks = [*about, intro, *_role_and_topics(d, in_circles), *_rhythm_and_style(d), *_about_me(d)]
    answers = profile.answers if profile and joined else {}
    if program and program.mentors_per_mentee > 1:
        blocks.append(_mentors_wanted_block(program, profile if joined else None))
    if program and program.questions:
        blocks.append(section(f"*{escape(program.name)} asks*"))
        blocks += [_question_block(q, answers.get(q.key)) for q in program.questions]
        blocks.append(
            context(
                "Your answers are seen only by you and this program's admins."
                + (" Mentees also see a mentor's kind." if kind_question(program.questions) else "")
                + " A match may mention an answer you share with someone (e.g. “both Berlin”), never one you don't."
            )
        )
    name = program.name if program else "the program"
    title = "Your mentoring profile" if joined else f"Join {name}"
    return modal(title, JOIN_SUBMIT, blocks, submit="Save", private_metadata=str(program.id) if program else "")


def read_answers(state: dict[str, Any], questions: list[Question]) -> dict[str, object]:
    """The program questions' answers from the submitted form, by question key."""
    answers: dict[str, object] = {}
    for question in questions:
        value = _value(state, QUESTION_BLOCK + question.key)
        if question.kind is Kind.TEXT:
            answers[question.key] = squash(str(value.get("value") or ""))
        elif question.kind is Kind.MULTIPLE:
            chosen = value.get("selected_options") or []
            answers[question.key] = [str(o.get("value")) for o in chosen if isinstance(o, dict)]
        else:
            answers[question.key] = (value.get("selected_option") or {}).get("value") or ""
    return answers


def answer_errors(problems: dict[str, str]) -> dict[str, str]:
    """Question problems by the form's block IDs."""
    return {QUESTION_BLOCK + key: problem for key, problem in problems.items()}


def _value(state: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = state.get(block_id)
    if not isinstance(block, dict):
        return {}
    element = block.get(FIELD)
    return element if isinstance(element, dict) else {}


def _selected(state: dict[str, Any], block_id: str) -> str | None:
    chosen = _value(state, block_id).get("selected_option")
    if isinstance(chosen, dict) and isinstance(chosen.get("value"), str):
        return str(chosen["value"])
    return None


def _text(state: dict[str, Any], block_id: str) -> str:
    value = _value(state, block_id).get("value")
    return value if isinstance(value, str) else ""


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _minute(state: dict[str, Any], block_id: str) -> int | None:
    raw = _value(state, block_id).get("selected_time")
    if not isinstance(raw, str) or len(raw) != 5 or raw[2] != ":":
        return None
    hours, minutes = _int(raw[:2]), _int(raw[3:])
    if hours is None or minutes is None or not (0 <= hours < 24 and 0 <= minutes < 60):
        return None
    return hours * 60 + minutes


def _enum_value(kind: type[_E], raw: str | None) -> _E | None:
    try:
        return kind(raw) if raw is not None else None
    except ValueError:
        return None


def read_profile_form(state: dict[str, Any]) -> ProfileInput:
    """The submitted modal's `state.values` as typed input; unreadable fields become None."""
    users = _value(state, DO_NOT_MATCH).get("selected_users")
    return ProfileInput(
        role=_enum_value(Role, _selected(state, ROLE)),
        expertise=parse_tags(_text(state, EXPERTISE)),
        goals=parse_tags(_text(state, GOALS)),
        seniority=_int(_selected(state, SENIORITY)),
        capacity=_int(_text(state, CAPACITY) or None),
        work_start_minute=_minute(state, WORK_START),
        work_end_minute=_minute(state, WORK_END),
        learning_style=_enum_value(LearningStyle, _selected(state, STYLE)),
        meeting_channel=_enum_value(MeetingChannel, _selected(state, CHANNEL)),
        cadence=_enum_value(Cadence, _selected(state, CADENCE)),
        languages=parse_tags(_text(state, LANGUAGES)),
        department=_text(state, DEPARTMENT),
        do_not_match=[u for u in users if isinstance(u, str)] if isinstance(users, list) else [],
    )


def _clock(minute: int | None) -> str:
    return "—" if minute is None else f"{minute // 60:02d}:{minute % 60:02d}"


def profile_fields(profile: Profile) -> Block:
    """The profile as a two-column summary; the do-not-match list is never shown."""
    d = profile.details
    role = ROLE_LABELS[d.role] if d.role else "—"
    items = [f"*Role*\n{role}", f"*Level*\n{SENIORITY_LEVELS.get(d.seniority or 0, '—')}"]
    if d.role and d.role.mentors:
        items.append(f"*Can help with*\n{escape(', '.join(d.expertise))}")
        items.append(f"*Mentee slots*\n{d.capacity}")
    if d.role and d.role.seeks_mentor:
        items.append(f"*Wants to grow in*\n{escape(', '.join(d.goals))}")
    items.append(
        f"*Working hours*\n{_clock(d.work_start_minute)}–{_clock(d.work_end_minute)} ({escape(profile.timezone)})"
    )
    if d.cadence:
        items.append(f"*Meets*\n{CADENCE_LABELS[d.cadence]}")
    if d.meeting_channel:
        items.append(f"*Prefers*\n{CHANNEL_LABELS[d.meeting_channel]}")
    return fields(*items)


def _mentors_asked(profile: Profile) -> str:
    """What the mentee asked for, said back to them only (mentors never see it)."""
    if profile.mentor_kinds_wanted:
        kinds = " and one ".join(escape(k) for k in profile.mentor_kinds_wanted)
        return f" You asked for one {kinds} mentor: each becomes its own pair."
    if profile.mentors_wanted > 1:
        return f" You asked for {profile.mentors_wanted} mentors: each becomes its own pair."
    return ""


def saved_message(
    profile: Profile, created: bool, program: str = "", program_format: ProgramFormat = ProgramFormat.ONE_TO_ONE
) -> Message:
    d = profile.details
    if created:
        intro = f"Welcome to {escape(program) if program else 'the mentoring program'}! Here is what I saved:"
    else:
        intro = "Your profile is updated. Here is what I saved:"
    if program_format is ProgramFormat.CIRCLE:
        next_step = "Next: the admins form circles in a round, and I'll DM you the moment you're in one."
    elif program_format is ProgramFormat.GROUP and d.role and d.role.seeks_mentor:
        next_step = "Next: run `/mentor find` to see mentoring groups with room, or wait for the next round."
    elif d.role and d.role.seeks_mentor:
        next_step = "Next: run `/mentor find` to see mentors who fit your goals." + _mentors_asked(profile)
    else:
        next_step = "Next: mentees who fit will send you a request here; you choose whether to accept."
    return Message(
        text=f"{intro} {next_step}",
        blocks=[
            section(intro),
            profile_fields(profile),
            section(next_step),
            actions(button("Edit profile", JOIN_OPEN, value=str(profile.program_id))),
            context("Only you can see your do-not-match list. Pause any time with `/mentor leave`."),
        ],
    )


def account_refused(is_bot: bool) -> str:
    """Why Slack's own record of this account keeps it out of the program (shown on the profile form)."""
    if is_bot:
        return "This is an app's account, and mentoring is for people, so I haven't saved a profile for it."
    return "Slack says this account is deactivated, so I haven't saved a profile. A workspace admin can restore it."


def choose_program_message(programs: list[ProgramView]) -> Message:
    """Several programs are open: which one to join (or edit), each with its purpose and one button."""
    blocks: list[Block] = [section("Which program would you like to join?")]
    for program in programs:
        purpose = f"\n{escape(program.purpose)}" if program.purpose else ""
        blocks.append(section(f"*{escape(program.name)}*{purpose}"))
        blocks.append(actions(button(f"Join {program.name}"[:75], JOIN_OPEN, value=str(program.id))))
    blocks.append(context("You can be in several programs; each keeps its own pairs. Your profile is shared."))
    return Message(text="Which program would you like to join?", blocks=blocks)


def cannot_join_message(program: ProgramView, now: datetime) -> Message:
    """Why they can't join this program now, and what to do instead."""
    admins = ", ".join(f"<@{a}>" for a in program.admins[:3]) or "a program admin"
    opens = program.dates.signup_opens_at
    if program.closed:
        text = f"*{escape(program.name)}* has closed. `/mentor join` shows the programs open now."
    elif opens is not None and now < opens:
        text = (
            f"Sign-up for *{escape(program.name)}* opens {slack_date(opens)}. I'll announce it in the program channel."
        )
    elif program.enrolment in (Enrolment.INVITATION, Enrolment.ADMIN):
        text = f"*{escape(program.name)}* is by invitation only. If you'd like to take part, ask {admins}."
    else:
        text = (
            f"Sign-up for *{escape(program.name)}* has closed. Ask {admins} about the next cohort, "
            "or `/mentor join` for the programs open now."
        )
    return said(text)


MEMBER_APPROVE = "join.approve"
MEMBER_DECLINE = "join.decline"


def waiting_for_approval_message(program: str) -> Message:
    text = (
        f"Thanks! The admins of *{escape(program)}* welcome each new member themselves. I'll tell you here as soon as "
        "they have; until then nobody is matched with you."
    )
    return said(text)


def approval_request(profile: Profile, program: ProgramView, person_id: int) -> Message:
    """For the program's admins: someone asked to join, what they said, and the two answers to give."""
    d = profile.details
    role = ROLE_LABELS[d.role].lower() if d.role else "take part"
    topics = d.expertise if d.role and d.role.mentors else d.goals
    about = f" ({escape(', '.join(topics[:5]))})" if topics else ""
    text = f"<@{profile.user_id}> asked to join *{escape(program.name)}* to {role}{about}."
    return Message(
        text=f"{profile.user_id} asked to join {program.name}",
        blocks=[
            section(text),
            actions(
                button("Approve", MEMBER_APPROVE, value=str(person_id), style="primary"),
                button("Not this time", MEMBER_DECLINE, value=str(person_id)),
            ),
            context("They are told only whether they're in, never by whom."),
        ],
    )


def approved_message(program: str) -> Message:
    text = f"You're in *{escape(program)}*! Mentors can find you now; mentees can run `/mentor find` to see who fits."
    return said(text)


def not_approved_message(program: str) -> Message:
    text = (
        f"*{escape(program)}* couldn't take you in this time. Nothing of what you entered for it is kept; "
        "`/mentor join` shows the programs open to you."
    )
    return said(text)


def decided_message(user_id: str, approved: bool) -> Message:
    text = f"<@{user_id}> is {'in' if approved else 'not in this time; they have been told kindly'}."
    return said(text)


def already_decided_message() -> Message:
    text = "Another admin has already answered this request."
    return said(text)


def nothing_open_message() -> Message:
    text = "No program is open for sign-up right now. Its admins will announce the next one in its channel."
    return said(text)
