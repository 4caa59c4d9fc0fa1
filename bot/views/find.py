"""Finding a mentor: the ranked list (with the mentoring groups that have room), the request modal, the mentor's DM
and every answer to it, and the answer to joining a group."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.errors import (
    AlreadyPaired,
    InvalidInput,
    KindTaken,
    MentorbotError,
    MentorUnavailable,
    NoCapacity,
    NotAMentee,
    OpenRequestExists,
    Paused,
    ProgramClosed,
    RequestAlreadyOpen,
)
from bot.matching import Match
from bot.open_groups import OpenGroup
from bot.programs import ProgramView
from bot.requests import MAX_REQUEST_LENGTH, RequestView
from bot.text import cut, escape
from bot.views.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    divider,
    input_block,
    modal,
    program_note,
    said,
    section,
    slack_date,
    static_select,
    text_input,
)
from bot.views.join import CADENCE_LABELS, JOIN_OPEN
from storage.vocabulary import Cadence

FIND_REQUEST = "find.request"
FIND_JOIN_GROUP = "find.join_group"
PROGRAM_CLOSED = "This program has closed, so nobody new is matched in it. /mentor join shows the programs open now."
FIND_IN_PROGRAM = "find.in_program"
REQUEST_SUBMIT = "find.request_submit"
REQUEST_ACCEPT = "find.accept"
REQUEST_DECLINE = "find.decline"
DECLINE_SUBMIT = "find.decline_submit"
REQUEST_WITHDRAW = "find.withdraw"
MESSAGE, CADENCE, NOTE = "message", "cadence", "note"
CADENCE_MISSING = "Pick how often you'd like to meet; you can agree on the details together later."
MENTOR_LOST = "This form lost track of its mentor. Close it and run /mentor find again."
ALREADY_WAITING = "You already have a request waiting for an answer."
DECLINE_NOT_YOURS = "That request isn't addressed to you."


def reason_lines(reasons: Sequence[str]) -> str:
    """Reasons as bullet lines; they quote people's own topics, so they are escaped like any user text."""
    return "\n".join(f"• {escape(r)}" for r in reasons)


def _percent(value: float) -> str:
    return f"{round(value * 100)}% fit"


def _match_section(match: Match, topic: str) -> Block:
    reasons = reason_lines(match.reasons)
    missing = "\n".join(f"– {escape(line)}" for line in match.missing)
    repeat = "\n_You've worked together before; nobody else fits right now._" if match.repeat else ""
    weak = " · _a weak fit_" if match.weak else ""
    value = json.dumps({"mentor": match.mentor.person_id, "topic": topic})
    return section(
        f"*<@{match.mentor.user_id}>* · {_percent(match.score)}{weak}\n{reasons}"
        + (f"\n*Missing*\n{missing}" if missing else "")
        + repeat,
        accessory=button("Request", FIND_REQUEST, value=value, style="primary" if not match.weak else None),
    )


def _group_section(group: OpenGroup) -> Block:
    places = f"{group.free_places} place{'s' if group.free_places != 1 else ''} free"
    mentees = ", ".join(f"<@{user}>" for user in group.mentee_user_ids)
    reasons = [f"With {mentees}"] if mentees else []
    if group.shared_topics:
        *others, last = [escape(t) for t in group.shared_topics]
        reasons.append(f"You share {', '.join(others) + ' and ' if others else ''}{last} with this group")
    reasons.append(
        f"{group.common_hour} suits everyone, you included"
        if group.common_hour
        else "No weekly hour suits everyone yet"
    )
    return section(
        f"*<@{group.mentor_user_id}>'s mentoring group* · {places}\n" + "\n".join(f"• {r}" for r in reasons),
        accessory=button("Join this group", FIND_JOIN_GROUP, value=str(group.id), style="primary"),
    )


def program_closed_for_finding() -> Message:
    return Message(text=PROGRAM_CLOSED, blocks=[section(PROGRAM_CLOSED)])


def which_program_to_search(programs: Sequence[ProgramView], topic: str) -> Message:
    """In several programs: where to look, one button each (the topic goes along)."""
    blocks: list[Block] = [section("You're in several programs. Where should I look for a mentor?")]
    blocks.append(
        actions(
            *[
                button(f"In {p.name}"[:75], FIND_IN_PROGRAM, value=f"{p.id}|{cut(topic.strip(), 80)}")
                for p in programs[:5]
            ]
        )
    )
    return Message(text="Where should I look for a mentor?", blocks=blocks)


def read_find_in(value: str) -> tuple[int, str]:
    program, _, topic = value.partition("|")
    return (int(program) if program.isdigit() else 0), topic


def results_message(
    matches: Sequence[Match],
    topic: str,
    program: str = "",
    groups: Sequence[OpenGroup] | None = None,
    kinds: Sequence[str] = (),
) -> Message:
    """The ranked mentors; in a group-mentoring program (`groups` given) also the groups with a free place; when
    the mentee still wants mentors of some `kinds`, only those, and it says so."""
    about = f" for *{escape(cut(topic, 80))}*" if topic else ""
    about += f" in *{escape(program)}*" if program else ""
    kind = " or ".join(escape(k) for k in kinds)
    if not matches and not groups:
        mentor = f"{kind} mentor" if kind else "mentor"
        nobody = f"No {mentor} with a free slot" if groups is None else "No mentor or mentoring group with room"
        text = (
            f"{nobody} fits you{about} right now. "
            "Try again in a few days, try a broader topic, or ask a program admin about the next matching round."
        )
        return said(text)
    if groups and matches:
        intro = (
            f"Here are the mentoring groups with room and the mentors who fit you best{about}. Join a group, or "
            "ask a mentor and tell them what you hope to learn."
        )
    elif groups:
        intro = f"Here are the mentoring groups with room that fit you best{about}. Joining one takes a click."
    elif kind:
        intro = (
            f"Here are the {kind} mentors who fit you best{about}, the kind you still want. Pick one and tell them "
            "what you hope to learn."
        )
    else:
        intro = f"Here are the mentors who fit you best{about}. Pick one and tell them what you hope to learn."
    blocks: list[Block] = [section(intro)]
    for group in groups or []:
        blocks += [divider(), _group_section(group)]
    for match in matches:
        blocks += [divider(), _match_section(match, topic)]
    if matches:
        blocks.append(
            context("Fit weighs shared topics, career level, overlapping working hours, free time, language and team.")
        )
    return Message(text=intro, blocks=blocks)


def request_modal(mentor_user_id: str, mentor_person_id: int, topic: str, cadence: Cadence | None) -> Block:
    metadata = json.dumps({"mentor": mentor_person_id, "topic": topic})
    choices = [(str(k), v) for k, v in CADENCE_LABELS.items()]
    return modal(
        "Ask for mentoring",
        REQUEST_SUBMIT,
        [
            section(f"Your note goes to <@{mentor_user_id}> with your profile. They can accept or decline."),
            input_block(
                MESSAGE,
                "What would you like to learn from them?",
                text_input(
                    "value",
                    multiline=True,
                    max_length=MAX_REQUEST_LENGTH,
                    placeholder="I'm preparing my first conference talk and would love feedback on…",
                ),
            ),
            input_block(CADENCE, "How often would you like to meet?", static_select("value", choices, cadence)),
        ],
        submit="Send request",
        private_metadata=metadata,
    )


def read_request_form(state: dict[str, Any]) -> tuple[str, Cadence | None]:
    message = ((state.get(MESSAGE) or {}).get("value") or {}).get("value") or ""
    chosen = ((state.get(CADENCE) or {}).get("value") or {}).get("selected_option") or {}
    try:
        cadence = Cadence(str(chosen.get("value"))) if chosen else None
    except ValueError:
        cadence = None
    return str(message), cadence


def request_form_errors(problem: str | None, cadence: Cadence | None, mentor_id: int | None) -> dict[str, str]:
    """The request form's errors by field: `problem` with its message, a missing cadence, a lost mentor."""
    errors: dict[str, str] = {}
    if problem:
        errors[MESSAGE] = problem
    if cadence is None:
        errors[CADENCE] = CADENCE_MISSING
    if mentor_id is None:
        errors[MESSAGE] = MENTOR_LOST
    return errors


def read_metadata(raw: str) -> tuple[int | None, str]:
    try:
        data = json.loads(raw or "{}")
        return int(data["mentor"]), str(data.get("topic") or "")
    except (ValueError, KeyError, TypeError):
        return None, ""


def mentor_request_message(request: RequestView, profile_blocks: Block) -> Message:
    text = f"<@{request.mentee_user_id}> would like you to mentor them."
    reasons = reason_lines(request.reasons)
    return Message(
        text=text,
        blocks=[
            section(f"{text} They'd like to meet {CADENCE_LABELS[request.cadence].lower()}."),
            section(f">{escape(request.message)}".replace("\n", "\n>")),
            profile_blocks,
            section(f"*Why you fit* ({_percent(request.score)})\n{reasons}"),
            *program_note(request.program_label),
            actions(
                button("Accept", REQUEST_ACCEPT, value=str(request.id), style="primary"),
                button("Decline", REQUEST_DECLINE, value=str(request.id)),
            ),
            context(
                f"Please answer by {slack_date(request.expires_at, with_time=True)}. "
                "Declining is fine: they'll see other mentors."
            ),
        ],
    )


def request_sent_message(request: RequestView) -> Message:
    text = (
        f"Your request is on its way to <@{request.mentor_user_id}>. They have until "
        f"{slack_date(request.expires_at, with_time=True)} "
        "to answer, and I'll tell you the moment they do."
    )
    return Message(
        text=text,
        blocks=[section(text), actions(button("Withdraw request", REQUEST_WITHDRAW, value=str(request.id)))],
    )


def mentor_accepted_update(request: RequestView) -> Message:
    text = (
        f"You accepted <@{request.mentee_user_id}>. I'm opening a group DM for you two, with a first agenda and "
        "times you can both make."
    )
    return said(text)


def mentor_declined_update(request: RequestView) -> Message:
    text = f"You declined <@{request.mentee_user_id}>'s request. Thanks for answering; I'll suggest other mentors."
    return said(text)


def no_capacity_message(capacity_hint: str) -> Message:
    text = (
        "All your mentee slots are taken, so I couldn't start this pair. "
        f"{capacity_hint} The request stays open until it expires, so you can still accept or decline."
    )
    return Message(text=text, blocks=[section(text), actions(button("Edit my capacity", JOIN_OPEN))])


def decline_modal(request_id: int, mentee_user_id: str) -> Block:
    return modal(
        "Decline request",
        DECLINE_SUBMIT,
        [
            section(f"I'll let <@{mentee_user_id}> know kindly and suggest other mentors."),
            input_block(
                NOTE,
                "A note for them (optional)",
                text_input("value", multiline=True, max_length=500, placeholder="I'm on leave until March, sorry!"),
                optional=True,
                hint="Shared with them as you write it. Leave it empty to send only the kind default.",
            ),
        ],
        submit="Decline",
        private_metadata=str(request_id),
    )


def read_note(state: dict[str, Any]) -> str:
    return str(((state.get(NOTE) or {}).get("value") or {}).get("value") or "")


def declined_for_mentee(request: RequestView, next_matches: Sequence[Match]) -> Message:
    text = f"<@{request.mentor_user_id}> can't take on a new mentee right now. That's about their time, not about you."
    blocks: list[Block] = [section(text)]
    if request.decline_note:
        blocks.append(section(f"Their note:\n>{escape(request.decline_note)}".replace("\n", "\n>")))
    follow_up = results_message(next_matches, request.topic)
    return Message(text=text, blocks=[*blocks, divider(), *follow_up.blocks])


def reminder_message(request: RequestView) -> Message:
    text = (
        f"A gentle reminder: <@{request.mentee_user_id}> asked for mentoring and is waiting for your answer. "
        f"The request closes {slack_date(request.expires_at, with_time=True)}."
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            actions(
                button("Accept", REQUEST_ACCEPT, value=str(request.id), style="primary"),
                button("Decline", REQUEST_DECLINE, value=str(request.id)),
            ),
        ],
    )


def expired_for_mentee(request: RequestView) -> Message:
    text = (
        f"<@{request.mentor_user_id}> didn't get to your request in time, so I've closed it. "
        "You're free to ask someone else; run `/mentor find` to see who fits."
    )
    return said(text)


def expired_for_mentor(request: RequestView) -> Message:
    text = f"<@{request.mentee_user_id}>'s request expired without an answer. No action needed."
    return said(text)


def expired_for_admins(request: RequestView, expired_total: int) -> Message:
    text = (
        f"A mentoring request to <@{request.mentor_user_id}> expired unanswered "
        f"({expired_total} so far for them). They may need a nudge, or a lower capacity."
    )
    return said(text)


def closed_request_message(status: str) -> Message:
    labels = {
        "accepted": "already accepted",
        "declined": "already declined",
        "expired": "closed because it expired",
        "withdrawn": "withdrawn by the mentee",
        "paired": "closed: they've found the mentor they were looking for",
        "active": "already confirmed by you both",
        "ended": "already ended",
        "published": "already published",
        "discarded": "already discarded",
    }
    text = f"This request was {labels.get(status, 'closed')}, so there's nothing more to do."
    return said(text)


def request_not_yours() -> Message:
    return Message(text="That request isn't addressed to you, so I've left it alone.")


def withdrawn_message() -> Message:
    text = "Your request is withdrawn. Run `/mentor find` whenever you're ready to ask someone."
    return said(text)


def withdrawn_for_mentor(request: RequestView) -> Message:
    text = f"<@{request.mentee_user_id}> withdrew their request. Nothing to do."
    return said(text)


def blocked_message(error: MentorbotError) -> Message:
    """Why `/mentor find` can't show mentors right now, and the one step that fixes it."""
    if isinstance(error, NotAMentee):
        text = "You joined as a mentor. To find a mentor for yourself too, set your role to *Both*."
        return Message(text=text, blocks=[section(text), actions(button("Edit profile", JOIN_OPEN))])
    if isinstance(error, Paused):
        text = "You're paused at the moment. Come back first, then I'll show you mentors who fit."
        return Message(text=text, blocks=[section(text), actions(button("Come back", JOIN_OPEN, style="primary"))])
    if isinstance(error, AlreadyPaired):
        return already_paired_message(error)
    if isinstance(error, OpenRequestExists):
        text = (
            f"Your request to <@{error.mentor_user_id}> is waiting for an answer until "
            f"{slack_date(error.expires_at, with_time=True)}. "
            "One request at a time keeps things fair for mentors; withdraw it if you'd rather ask someone else."
        )
        return Message(
            text=text,
            blocks=[section(text), actions(button("Withdraw request", REQUEST_WITHDRAW, value=str(error.request_id)))],
        )
    text = "Join the program first: it takes two minutes, then I'll show you mentors who fit."
    return Message(text=text, blocks=[section(text), actions(button("Join the program", JOIN_OPEN, style="primary"))])


def already_paired_message(error: AlreadyPaired) -> Message:
    partners = " and ".join(f"<@{u}>" for u in error.partner_user_ids)
    if len(error.partner_user_ids) > 1:
        text = (
            f"You have all the mentors you asked for: {partners}. Give each of them your time; if one pair "
            "isn't working out, a program admin can help you end it without blame."
        )
        return said(text)
    if error.limit > 1:
        text = (
            f"You're paired with {partners}, the one mentor you asked for. This program allows up to "
            f"{error.limit}: to look for another, say so in your profile, then run `/mentor find` again."
        )
        return Message(text=text, blocks=[section(text), actions(button("Edit profile", JOIN_OPEN))])
    text = (
        f"You're already paired with {partners}. One mentor at a time helps you both focus. "
        "If it isn't working out, a program admin can help you end the pair without blame."
    )
    return said(text)


def kind_taken_text(error: KindTaken) -> str:
    mentor = f"This mentor's kind is {error.kind}" if error.kind else "This mentor has no kind"
    still = " or ".join(error.wanted) or "no more mentors"
    return f"{mentor}, and you're now looking for: {still}. Close this and run /mentor find to see who fits."


def blocked_reason(error: MentorbotError) -> str:
    """The same explanation as plain text, for an inline modal error (which cannot render mentions)."""
    if isinstance(error, RequestAlreadyOpen):
        return ALREADY_WAITING
    if isinstance(error, InvalidInput):
        return " ".join(error.problems.values())
    if isinstance(error, NoCapacity):
        return "Their last slot was just taken. Close this and run /mentor find to see other mentors."
    if isinstance(error, MentorUnavailable):
        return "This mentor isn't available any more. Close this and run /mentor find to see other mentors."
    if isinstance(error, OpenRequestExists):
        return "You already have a request waiting for an answer. Withdraw it first if you'd like to ask someone else."
    if isinstance(error, AlreadyPaired):
        many = "all the mentors you asked for" if len(error.partner_user_ids) > 1 else "a mentor"
        return f"You already have {many}, so this request can't be sent."
    if isinstance(error, KindTaken):
        return kind_taken_text(error)
    if isinstance(error, Paused):
        return "You're paused at the moment. Run /mentor join to come back first."
    if isinstance(error, ProgramClosed):
        return PROGRAM_CLOSED
    return "Join the program first with /mentor join."


def topic_too_long_message(length: int, limit: int) -> Message:
    text = (
        f"A topic can be up to {limit} characters and yours has {length}. Try a few words, "
        "e.g. `/mentor find public speaking`."
    )
    return said(text)


def joined_group_message(moved: bool = True) -> Message:
    if not moved:
        return said(
            "You're in the group, but Slack wouldn't open its new group DM just now; `/mentor status` shows it."
        )
    return said("You're in. I've opened a group DM with your mentor and the group; say hello there.")


def group_not_open_message(status: str) -> Message:
    """Why a click on Join this group added nobody: the group filled up or ended, or they have a group already."""
    if status == "in a group":
        text = "You already have a place in a mentoring group, so I haven't added you to another one."
    else:
        text = (
            "That group has just filled up (or ended), so I couldn't add you. "
            "Run `/mentor find` to see the groups that still have room."
        )
    return said(text)


def group_not_yours_message() -> Message:
    return said("That group isn't in a program you're an active member of, so I've left it alone.")
