"""What a group or circle reads in its group DM, and what each member reads alone: agreement, check-ins with
attendance, whose turn it is, leaving, places offered, shout-outs that wait for everyone's yes, the end."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.agreements import MEETING_MINUTES
from bot.group_goals import GroupGoal
from bot.group_life import COMMENT_LIMIT, FOCUS_LIMIT, SHOUTOUT_LIMIT, CheckInView, GroupView, OfferView, ShoutoutView
from bot.group_meetings import GroupOffer, GroupTime, PickedTime
from bot.text import escape
from bot.views.blocks import (
    Block,
    Message,
    actions,
    button,
    confirm_dialog,
    context,
    input_block,
    modal,
    option,
    said,
    section,
    slack_date,
    static_select,
    text_input,
)
from bot.views.join import CADENCE_LABELS
from bot.views.meetings import MEETING_GOOGLE, MEETING_OUTLOOK, link_button
from storage.vocabulary import AgreementState, Cadence, ShoutoutState

GROUP_AGREEMENT_OPEN = "group.agreement.open"
GROUP_AGREEMENT_SUBMIT = "group.agreement.submit"
GROUP_AGREEMENT_CONFIRM = "group.agreement.confirm"
GROUP_THERE = "group.checkin.there"
GROUP_MISSED = "group.checkin.missed"
GROUP_SHOUTOUT_OPEN = "group.shoutout.open"
GROUP_SHOUTOUT_SUBMIT = "group.shoutout.submit"
GROUP_SHOUTOUT_YES = "group.shoutout.yes"
GROUP_SHOUTOUT_NO = "group.shoutout.no"
GROUP_LEAVE = "group.leave"
GROUP_GOAL_OPEN = "group.goal.open"
GROUP_GOAL_SUBMIT = "group.goal.submit"
GROUP_GOAL_DONE = "group.goal.done"
WHOSE = "whose"
GROUP_THANKS_OPEN = "group.thanks.open"
GROUP_THANKS_SUBMIT = "group.thanks.submit"
THANKS = "thanks"
THANKS_LIMIT = 1000
GROUP_WORDS = ("group", "circle", "everyone")
THANKS_TOO_SHORT = "Add a few words about what you're thankful for."
GROUP_OFFER_JOIN = "group.offer.join"
GROUP_OFFER_PASS = "group.offer.pass"
GROUP_TIME_PICK = "group.time.pick"
GROUP_TIME_OTHERS = "group.time.others"
GROUP_TIME_NEW = "group.time.new"
GROUP_TIME_OURSELVES = "group.time.ourselves"
GROUP_INVITE_FILENAME = "group-meetings.ics"
GROUP_EVALUATION_OPEN = "group.evaluation.open"
GROUP_EVALUATION_SUBMIT = "group.evaluation.submit"
CADENCE, MINUTES, FOCUS, SHOUTOUT, RATING, PROGRESS, COMMENT, SHARE = (
    "cadence",
    "meeting_minutes",
    "focus",
    "shoutout",
    "rating",
    "progress",
    "comment",
    "share",
)
NOT_YOUR_GROUP = "You're not a member of this group, so I can't save this."
GROUP_ENDED = "This group has ended, so there's nothing to change."
SHOUTOUT_TOO_LONG = f"Please keep it to {SHOUTOUT_LIMIT} characters, so it reads well in a channel."
SHOUTOUT_EMPTY = "Say what you're celebrating."
ALREADY_EVALUATED = "You've already sent your evaluation of this group. Thank you!"
SCALE = [("1", "1 · not at all"), ("2", "2"), ("3", "3 · somewhat"), ("4", "4"), ("5", "5 · very much")]


def _mentions(users: Sequence[str]) -> str:
    return ", ".join(f"<@{u}>" for u in users) or "nobody"


def _kind(group: GroupView) -> str:
    return "circle" if group.is_circle else "group"


def _count(n: int) -> str:
    return {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}.get(n, str(n))


def agreement_value(group: GroupView) -> str:
    """What an *I agree* button carries: the group and the proposal it confirms."""
    return f"{group.id}|{group.agreement_version}"


def read_agreement_value(raw: str) -> tuple[int, int]:
    circle, _, version = raw.partition("|")
    return (int(circle), int(version)) if circle.isdigit() and version.isdigit() else (0, -1)


def agreement_prompt(group: GroupView) -> Message:
    text = (
        f"*How will you work together?* One of you proposes how often you meet, for how long and what this "
        f"{_kind(group)} is for; everyone confirms it here, and check-ins follow each meeting from then on."
    )
    return Message(
        text="How will you work together?",
        blocks=[
            section(text),
            actions(button("Propose our agreement", GROUP_AGREEMENT_OPEN, value=str(group.id), style="primary")),
        ],
    )


def agreement_modal(group: GroupView) -> Block:
    minutes = [(str(m), f"{m} minutes") for m in MEETING_MINUTES]
    cadence = group.cadence or Cadence.BIWEEKLY
    return modal(
        "Group agreement",
        GROUP_AGREEMENT_SUBMIT,
        [
            section(f"Everyone in the {_kind(group)} sees this and confirms it; a change asks everyone again."),
            input_block(
                CADENCE, "We'll meet", static_select("value", [(str(k), v) for k, v in CADENCE_LABELS.items()], cadence)
            ),
            input_block(MINUTES, "For about", static_select("value", minutes, str(group.meeting_minutes or 60))),
            input_block(
                FOCUS,
                "What this group is for",
                text_input("value", group.focus, multiline=True, max_length=FOCUS_LIMIT),
                optional=True,
                hint="A line or two, e.g. 'practise giving talks and review each other's slides'.",
            ),
        ],
        submit="Propose",
        private_metadata=str(group.id),
    )


def read_agreement_form(state: dict[str, Any]) -> tuple[str, int | None, str]:
    def value(block: str) -> Any:
        element = state.get(block, {}).get("value", {})
        return (
            (element.get("selected_option") or {}).get("value")
            if "selected_option" in element
            else element.get("value")
        )

    minutes = value(MINUTES)
    return str(value(CADENCE) or ""), int(minutes) if str(minutes or "").isdigit() else None, str(value(FOCUS) or "")


def rhythm_of(group: GroupView) -> str:
    return CADENCE_LABELS.get(group.cadence or Cadence.BIWEEKLY, "").lower()


def _terms(group: GroupView) -> str:
    cadence = CADENCE_LABELS.get(group.cadence or Cadence.BIWEEKLY, "")
    line = f"{cadence}, for about {group.meeting_minutes or 60} minutes."
    if group.focus:
        line += f"\n*Focus*: {escape(group.focus)}"
    return line


def agreement_message(group: GroupView) -> Message:
    by = f", proposed by <@{group.agreement_by}>" if group.agreement_by else ""
    blocks: list[Block] = [section(f"*Your {_kind(group)}'s agreement*{by}\n{_terms(group)}")]
    if group.agreement_status == AgreementState.CONFIRMED:
        after = (
            f" Your meetings: {slack_date(group.next_meeting_at, with_time=True)} and then {rhythm_of(group)}."
            if group.next_meeting_at and group.time_picked
            else " Pick a meeting time below; I'll check in with you all after each meeting."
        )
        text = f"Agreed by all {_count(len(group.members))} of you.{after}"
        blocks += [
            section(text),
            actions(
                button("Set a goal", GROUP_GOAL_OPEN, value=str(group.id), style="primary"),
                button("Suggest a change", GROUP_AGREEMENT_OPEN, value=str(group.id)),
            ),
        ]
        return Message(text=text, blocks=blocks)
    waiting = group.waiting_for
    text = (
        f"Confirmed by {len(group.members) - len(waiting)} of {len(group.members)}; waiting for {_mentions(waiting)}."
    )
    blocks += [
        section(text),
        actions(
            button("I agree", GROUP_AGREEMENT_CONFIRM, value=agreement_value(group), style="primary"),
            button("Suggest a change", GROUP_AGREEMENT_OPEN, value=str(group.id)),
        ),
    ]
    return Message(text=f"Your {_kind(group)}'s agreement: {text}", blocks=blocks)


def _lead_line(checkin: CheckInView) -> str:
    group = checkin.group
    if not group.is_circle:
        return f"<@{group.mentor}> leads your meetings."
    facilitated = f"<@{checkin.facilitator}> facilitated this one. " if checkin.facilitator else ""
    nxt = f"Next time it's <@{group.facilitator}>'s turn to facilitate." if group.facilitator else ""
    return facilitated + nxt


def _goal_line(goal: GroupGoal) -> str:
    whose = "The group" if goal.owner is None else f"<@{goal.owner}>"
    return f"• {whose}: {escape(goal.title)} (by {goal.due_on:%d %b})"


def group_checkin_message(checkin: CheckInView, goals: Sequence[GroupGoal] = ()) -> Message:
    group = checkin.group
    text = f"Check-in after meeting {checkin.number}: were you there?"
    lines = [f"*There*: {_mentions(checkin.there)}"] if checkin.there else []
    if checkin.missed:
        lines.append(f"*Missed it*: {_mentions(checkin.missed)}")
    if checkin.unanswered:
        lines.append(f"*Not answered yet*: {_mentions(checkin.unanswered)}")
    if goals:
        lines.append("*Goals you're working on*\n" + "\n".join(_goal_line(g) for g in goals[:10]))
    blocks: list[Block] = [
        section(f"*{text}*\n{_lead_line(checkin)}"),
        section("\n".join(lines) or "No answers yet."),
        actions(
            button("I was there", GROUP_THERE, value=str(checkin.id), style="primary"),
            button("I missed this one", GROUP_MISSED, value=str(checkin.id)),
            button("Celebrate something", GROUP_SHOUTOUT_OPEN, value=str(group.id)),
        ),
        context(
            f"For the next meeting: {escape(checkin.question)} Attendance is seen by the {_kind(group)}; its "
            "admins hear only if it drops."
        ),
    ]
    if checkin.newly_at_risk:
        blocks[1:1] = [
            section(
                "Fewer of you have made it to the last meetings. That happens; does your slot still suit everyone? "
                "I can find times you can all make."
            ),
            actions(button("Find a new time", GROUP_TIME_NEW, value=str(group.id))),
        ]
    if group.next_checkin_at is not None:
        blocks.append(context(f"Next check-in {slack_date(group.next_checkin_at)}."))
    return Message(text=text, blocks=blocks)


def left_group_message(
    group: GroupView, user_id: str, ended: bool, offered: bool, mentor_left: bool = False
) -> Message:
    kind = _kind(group)
    if mentor_left:
        text = (
            f"<@{user_id}>, your mentor, has stepped away, so this group comes to a close here. That's no one's "
            "fault. You'll each be offered a place in another group or placed in the next round, and you'll find a "
            "short private evaluation in your DM with me."
        )
    elif ended:
        text = (
            f"<@{user_id}> has left the {kind}. With too few members to go on, this {kind} comes to a close "
            "here. That's no one's fault, and thank you all for the meetings you had. Each of you will find a "
            "short private evaluation in your DM with me."
        )
    elif offered:
        text = (
            f"<@{user_id}> has left the {kind}. It goes on here with {_count(len(group.members))} of you, and I've "
            "offered the free place to someone who is waiting; if they join, I'll open a new group DM with everyone."
        )
    else:
        text = f"<@{user_id}> has left the {kind}. It goes on here with {_count(len(group.members))} of you."
    return said(text)


def moved_message(group: GroupView) -> Message:
    """The line left in a group's old DM when its members changed and it moved to a new one."""
    return said(f"This {_kind(group)} has moved to a new group DM with its current members; see you there.")


def you_left_message(group: GroupView) -> Message:
    return said(
        f"You've left your {_kind(group)} in {escape(group.program)}. The others were told only that you left, "
        "nothing more, and they carry on in a new group DM. A short private evaluation follows, if you'd like to "
        "say how it went."
    )


def offer_message(offer: OfferView) -> Message:
    group = offer.group
    text = f"A place is free in a {_kind(group)} of {escape(group.program)}: would you like it?"
    detail = f"With {_mentions(group.members)}."
    if group.sentence:
        detail += f"\n*Why it was formed*: {escape(group.sentence)}"
    return Message(
        text=text,
        blocks=[
            section(f"*{text}*\n{detail}"),
            actions(
                button(f"Join this {_kind(group)}", GROUP_OFFER_JOIN, value=str(offer.id), style="primary"),
                button("Not now", GROUP_OFFER_PASS, value=str(offer.id)),
            ),
            context(
                "Joining opens a new group DM with everyone in it. 'Not now' keeps you waiting for the next round."
            ),
        ],
    )


def offer_expired_message(group: GroupView) -> Message:
    return said(
        f"I didn't hear back about the place in a {_kind(group)} of {escape(group.program)}, so I've offered it to "
        "someone else. No problem at all: you stay on the list for the next round."
    )


def offer_taken_message(group: GroupView) -> Message:
    return said(f"You're in. I've opened a group DM with your {_kind(group)}: say hello there.")


def offer_passed_message() -> Message:
    return said("No problem. You stay on the list, and I'll DM you when the next round places you.")


def place_gone_message() -> Message:
    return said(
        "Sorry, that place has just been taken or the group has ended. You stay on the list for the next round."
    )


def welcome_message(group: GroupView, user_id: str) -> Message:
    kind = _kind(group)
    text = (
        f"Welcome <@{user_id}>, the newest member of this {kind} in {escape(group.program)}: "
        f"{_mentions(group.members)}."
    )
    blocks: list[Block] = [section(text)]
    if group.sentence:
        blocks.append(section(f"*Why you're together*\n{escape(group.sentence)}"))
    if group.agreement_status != AgreementState.NONE:
        blocks += [
            section(f"*How you work together*\n{_terms(group)}"),
            actions(
                button("I agree", GROUP_AGREEMENT_CONFIRM, value=agreement_value(group), style="primary"),
                button("Suggest a change", GROUP_AGREEMENT_OPEN, value=str(group.id)),
            ),
        ]
    else:
        blocks.append(
            actions(button("Propose our agreement", GROUP_AGREEMENT_OPEN, value=str(group.id), style="primary"))
        )
    return Message(text=text, blocks=blocks)


def waiting_for_round_message(program: str, kind: str, matching_day: datetime | None, leads: bool = False) -> Message:
    when = f" on {slack_date(matching_day)}" if matching_day else ""
    if leads:
        return said(
            f"Thank you for offering to mentor in {escape(program)}. You'll lead a group from the next round{when}; "
            "I'll DM you as soon as it's formed."
        )
    return said(
        f"Every {kind} in {escape(program)} you could join is full just now, so you'll be placed in the next "
        f"round{when}. I'll DM you as soon as you are."
    )


def group_ended_message(group: GroupView, completed: bool) -> Message:
    kind = _kind(group)
    if completed:
        text = (
            f"This {kind} has reached the end of its time in {escape(group.program)}. Thank you all for showing up "
            "for each other. You're welcome to stay in touch here; I'll stop the check-ins."
        )
    else:
        text = f"This {kind} has ended. Thank you all for the time you gave it."
    return said(text)


def evaluation_value(circle_id: int, milestone: str) -> str:
    return f"{circle_id}|{milestone}"


def read_evaluation_value(raw: str) -> tuple[int, str]:
    circle, _, milestone = raw.partition("|")
    return (int(circle), milestone or "final") if circle.isdigit() else (0, "")


def _milestone(milestone: str) -> str:
    return "at its end" if milestone == "final" else f"at day {milestone.removeprefix('day')}"


def evaluation_invitation(group: GroupView, milestone: str, left: bool = False) -> Message:
    if left:
        text = f"Two private questions on your time in the {_kind(group)} in {escape(group.program)}, a minute at most?"
    elif milestone == "final":
        text = f"Your {_kind(group)} in {escape(group.program)} has ended. Two private questions, a minute at most?"
    else:
        text = (
            f"Your {_kind(group)} in {escape(group.program)} is {milestone.removeprefix('day')} days in. "
            "Two private questions on how it's going, a minute at most?"
        )
    value = evaluation_value(group.id, milestone)
    return Message(
        text=text,
        blocks=[
            section(text),
            actions(button("Share my view", GROUP_EVALUATION_OPEN, value=value, style="primary")),
            context("Only you see your answers unless you choose to share them with the program admins."),
        ],
    )


def evaluation_modal(group: GroupView, milestone: str, threshold: int) -> Block:
    return modal(
        "Private evaluation",
        GROUP_EVALUATION_SUBMIT,
        [
            section(
                f"How your {_kind(group)} went {_milestone(milestone)}. Nobody in the {_kind(group)} sees this. "
                f"Admins see only averages over {threshold} or more people, unless you tick the box below."
            ),
            input_block(RATING, f"How useful was this {_kind(group)} for you?", static_select("value", SCALE)),
            input_block(PROGRESS, "How far did you get with what you came for?", static_select("value", SCALE)),
            input_block(
                COMMENT,
                "Anything you'd like to add?",
                text_input("value", multiline=True, max_length=COMMENT_LIMIT),
                optional=True,
            ),
            input_block(
                SHARE,
                "Sharing",
                {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [option("Share my answers, with my name, with the program admins", "share")],
                },
                optional=True,
            ),
        ],
        submit="Send",
        private_metadata=evaluation_value(group.id, milestone),
    )


def read_evaluation_form(state: dict[str, Any]) -> tuple[int | None, int | None, str, bool]:
    def selected(block: str) -> int | None:
        value = str((state.get(block, {}).get("value", {}).get("selected_option") or {}).get("value") or "")
        return int(value) if value.isdigit() else None

    comment = str(state.get(COMMENT, {}).get("value", {}).get("value") or "")
    shared = bool(state.get(SHARE, {}).get("value", {}).get("selected_options"))
    return selected(RATING), selected(PROGRESS), comment, shared


def evaluation_thanks(shared: bool) -> Message:
    tail = " I've shared it, with your name, with the program's admins." if shared else " It stays private."
    return said("Thank you, that helps the next groups." + tail)


def shoutout_modal(group: GroupView, channel: str | None) -> Block:
    where = f"<#{channel}>" if channel else "the program's channel"
    return modal(
        "Celebrate",
        GROUP_SHOUTOUT_SUBMIT,
        [
            section(
                f"What would you like to celebrate in {where}? It names everyone in the {_kind(group)}, so it's "
                "posted only after each of them says yes."
            ),
            input_block(SHOUTOUT, "What we did", text_input("value", multiline=True, max_length=SHOUTOUT_LIMIT)),
        ],
        submit="Ask the group",
        private_metadata=str(group.id),
    )


def read_shoutout_form(state: dict[str, Any]) -> str:
    return str(state.get(SHOUTOUT, {}).get("value", {}).get("value") or "")


def shoutout_asked_message(shoutout: ShoutoutView, channel: str) -> Message:
    """In the group DM: what was proposed, and that each person named is asked alone (nobody sees the answers)."""
    text = f"<@{shoutout.proposed_by}> would like to celebrate this {_kind(shoutout.group)} in <#{channel}>"
    return Message(
        text=text,
        blocks=[
            section(f"{text}:\n{quoted_text(shoutout.text)}"),
            context(
                "I've asked each of you privately. It's posted only if everyone says yes; nobody sees who said what."
            ),
        ],
    )


def shoutout_ask_message(shoutout: ShoutoutView, channel: str) -> Message:
    """In one member's DM: may it be posted, naming them with the rest of the group?"""
    text = (
        f"<@{shoutout.proposed_by}> would like to share this in <#{channel}>, naming everyone in your "
        f"{_kind(shoutout.group)} in {escape(shoutout.group.program)}"
    )
    return Message(
        text=text,
        blocks=[
            section(f"{text}:\n{quoted_text(shoutout.text)}"),
            actions(
                button("Yes, share it", GROUP_SHOUTOUT_YES, value=str(shoutout.id), style="primary"),
                button("Keep it in the group", GROUP_SHOUTOUT_NO, value=str(shoutout.id)),
            ),
            context("Only you see your answer. It's posted only if everyone named says yes."),
        ],
    )


def shoutout_answered_message(yes: bool) -> Message:
    """Their DM after they answered."""
    if yes:
        return said("Thank you. It's posted once everyone named has said yes; I'll tell the group when it is.")
    return said("Understood: it stays inside the group. Nobody is told who chose that.")


def shoutout_outcome_message(shoutout: ShoutoutView, channel: str | None) -> Message:
    """In the group DM, once everyone answered: shared, or kept inside the group (never whose choice it was)."""
    if shoutout.status == ShoutoutState.POSTED and channel:
        return said(f"Everyone said yes, so it's shared in <#{channel}>: {quoted_text(shoutout.text)}")
    return said("This one stays inside the group. Nobody is told who chose that.")


def quoted_text(text: str) -> str:
    return "> " + escape(text).replace("\n", "\n> ")


def shoutout_post(shoutout: ShoutoutView) -> Message:
    group = shoutout.group
    text = f"A {_kind(group)} of {escape(group.program)} celebrates: {_mentions(shoutout.named)}"
    return Message(text=text, blocks=[section(f"{text}\n{quoted_text(shoutout.text)}")])


def settled_message() -> Message:
    return said("That's already settled, so there's nothing more to do here.")


def pick_value(circle_id: int, start: datetime) -> str:
    return f"{circle_id}|{start.isoformat()}"


def read_pick_value(raw: str) -> tuple[int, datetime | None]:
    circle, _, start = raw.partition("|")
    try:
        return int(circle), datetime.fromisoformat(start)
    except ValueError:
        return 0, None


def _times(n: int) -> str:
    return "One time" if n == 1 else f"{_count(n).capitalize()} times"


def _time_block(group: GroupView, offered: GroupTime, label: str) -> Block:
    return section(
        "\n".join(offered.labels), accessory=button(label, GROUP_TIME_PICK, value=pick_value(group.id, offered.start))
    )


def group_times_message(offer: GroupOffer) -> Message:
    """Up to three times every member can make, each in everyone's own zone; the first pick becomes the slot."""
    group = offer.group
    rhythm = CADENCE_LABELS.get(group.cadence or Cadence.BIWEEKLY, "").lower()
    if offer.times:
        text = f"{_times(len(offer.times))} you can all make ({offer.minutes} minutes)"
        blocks: list[Block] = [section(f"*{text}*: the one you pick becomes your slot, {rhythm}.")]
        blocks += [_time_block(group, t, f"Pick #{n}") for n, t in enumerate(offer.times, start=1)]
    elif offer.compromise is not None:
        text = "Your working hours never all overlap"
        blocks = [
            section(f"*{text}* on a weekday. This is the time that asks least of whoever it stretches most:"),
            _time_block(group, offer.compromise, "Pick this time"),
        ]
    else:
        text = "I couldn't find a time in the next two weeks that suits everyone"
        blocks = [section(f"*{text}*. Agree one here, and I'll check in after each meeting on your rhythm.")]
        return Message(text=text, blocks=blocks)
    blocks += [
        actions(
            button("Three other times", GROUP_TIME_OTHERS, value=str(group.id)),
            button("We'll sort it ourselves", GROUP_TIME_OURSELVES, value=str(group.id)),
        ),
    ]
    if offer.times:
        blocks.append(
            context("Times are inside everyone's working hours, on weekdays. First pick wins; I'll send an invite.")
        )
    return Message(text=text, blocks=blocks)


def group_time_picked_message(picked: PickedTime, by: str) -> Message:
    rhythm = CADENCE_LABELS.get(picked.cadence, "").lower()
    text = (
        f"<@{by}> picked {slack_date(picked.start, with_time=True)}: your {_kind(picked.group)} meets then, "
        f"{rhythm}. The invite for the whole series follows; I'll check in after each meeting."
    )
    return said(text)


def group_time_taken_message(status: str) -> Message:
    if status == "picked":
        return said("Someone picked a time a moment ago, so that one stands. You'll find it in the invite here.")
    return said("That time is no longer on offer. Pick from the latest times here, or ask for three others.")


def group_sort_ourselves_message() -> Message:
    return said("Sounds good. Agree a time here, and I'll check in after each meeting on your rhythm.")


def group_invite_title(group: GroupView) -> str:
    """The event's title (plain text: the calendar library escapes it)."""
    return f"{'Peer circle' if group.is_circle else 'Mentoring group'}: {group.program}"


def group_invite_description(group: GroupView) -> str:
    focus = f"Focus: {group.focus}\n\n" if group.focus else ""
    return f"{focus}Set up by Mentorbot in your Slack group DM."


def group_invite_comment(picked: PickedTime) -> str:
    """What the shared .ics file says as it arrives."""
    return f"Your {_kind(picked.group)}'s meetings are in this invite: the whole series, on your rhythm."


def group_invite_message(picked: PickedTime, google: str, outlook: str) -> Message:
    text = "Or add the series straight to your calendar:"
    return Message(
        text=text,
        blocks=[
            section(text),
            actions(
                link_button("Add to Google Calendar", MEETING_GOOGLE, google),
                link_button("Outlook", MEETING_OUTLOOK, outlook),
            ),
        ],
    )


def admins_groups_at_risk(groups: Sequence[GroupView]) -> Message:
    """For a program's admins: groups whose attendance has dropped (counts of who came, nothing anyone wrote)."""
    rows = "\n".join(f"• {escape(g.program)}: {_mentions(g.members)}" for g in groups)
    text = f"{len(groups)} {'group' if len(groups) == 1 else 'groups'} may need a hand: attendance has dropped"
    return Message(
        text=text,
        blocks=[
            section(f"*{text}*\n{rows}"),
            context("I've asked each group whether its meeting time still suits everyone. A short hello helps too."),
        ],
    )


def group_blocks(group: GroupView, user_id: str) -> list[Block]:
    """A group on its member's App Home and in `/mentor status`: who, how they work, whose turn, what's next."""
    kind = "Peer circle" if group.is_circle else "Mentoring group"
    others = [m for m in group.members if m != user_id]
    lines = [f"*{kind}* · {escape(group.program)}", f"With {_mentions(others)}"]
    if group.agreement_status == AgreementState.CONFIRMED:
        lines.append(_terms(group))
    elif group.agreement_status == AgreementState.PROPOSED:
        lines.append(f"Agreement proposed, waiting for {_mentions(group.waiting_for)}\n{_terms(group)}")
    else:
        lines.append("No agreement yet: propose how you'll work together.")
    if group.facilitator == user_id and group.is_circle:
        lines.append("*Your turn to facilitate* the next meeting.")
    if group.next_checkin_at is not None:
        lines.append(f"Next check-in {slack_date(group.next_checkin_at)}")
    leave = button(
        f"Leave this {_kind(group)}",
        GROUP_LEAVE,
        value=str(group.id),
        confirm=confirm_dialog(
            f"Leave the {_kind(group)}?",
            "The others hear only that you left. Your place may be offered to someone waiting.",
            "Leave",
            "Stay",
        ),
    )
    if group.agreement_status == AgreementState.NONE:
        first = button("Propose our agreement", GROUP_AGREEMENT_OPEN, value=str(group.id), style="primary")
    elif user_id in group.waiting_for:
        first = button("I agree", GROUP_AGREEMENT_CONFIRM, value=agreement_value(group), style="primary")
    else:
        first = button("Set a goal", GROUP_GOAL_OPEN, value=str(group.id))
    return [
        section("\n".join(lines)),
        actions(first, button("Thank the group", GROUP_THANKS_OPEN, value=str(group.id)), leave),
    ]


def thanks_modal(group: GroupView) -> Block:
    return modal(
        "Thank the group",
        GROUP_THANKS_SUBMIT,
        [
            section(f"Your thanks is posted in your {_kind(group)}'s group DM, for everyone in it to read."),
            input_block(
                THANKS, "What you're thankful for", text_input("value", multiline=True, max_length=THANKS_LIMIT)
            ),
        ],
        submit="Send",
        private_metadata=str(group.id),
    )


def read_thanks_form(state: dict[str, Any]) -> str:
    return str(state.get(THANKS, {}).get("value", {}).get("value") or "").strip()


def group_thanks_post(user_id: str, text: str) -> Message:
    line = f"<@{user_id}> thanks everyone:"
    return Message(text=f"{line} {escape(text)}", blocks=[section(f"{line}\n{quoted_text(text)}")])


def group_thanked_message(group: GroupView) -> Message:
    return said(f"Posted in your {_kind(group)}'s group DM. Kind words go a long way.")


def group_thanks_problem(groups: int) -> Message:
    if groups == 0:
        return said("You're not in a group or circle just now. To thank one person: `/mentor thanks @name for …`.")
    if groups > 1:
        return said(
            "You're in several groups, so use the *Thank the group* button on your App Home for the one you mean."
        )
    return said("Add a few words about what you're thankful for, e.g. `/mentor thanks group for a great session`.")


def group_goal_modal(group: GroupView, last_day: date) -> Block:
    due: Block = {"type": "datepicker", "action_id": "value"}
    return modal(
        "New goal",
        GROUP_GOAL_SUBMIT,
        [
            section(
                f"Specific, measurable, with a date by {last_day:%d %b %Y}. Everyone in the {_kind(group)} sees it, "
                "and the check-ins list it until it's done."
            ),
            input_block(
                WHOSE,
                "Whose goal is it?",
                {
                    "type": "radio_buttons",
                    "action_id": "value",
                    "options": [option(f"The whole {_kind(group)}'s", "group"), option("Mine", "mine")],
                    "initial_option": option(f"The whole {_kind(group)}'s", "group"),
                },
            ),
            input_block("title", "Goal", text_input("value", max_length=150, placeholder="Each of us gives one talk")),
            input_block(
                "outcome",
                "What does success look like?",
                text_input("value", multiline=True, max_length=1000, placeholder="Five talks, with feedback on each"),
            ),
            input_block("due_on", "Due date", due),
            input_block(
                "first_action",
                "A first small step",
                text_input("value", max_length=500, placeholder="Pick our topics at the next meeting"),
            ),
        ],
        submit="Set goal",
        private_metadata=str(group.id),
    )


def read_whose(state: dict[str, Any]) -> bool:
    """Whether the goal is the member's own (else the group's)."""
    return (state.get(WHOSE, {}).get("value", {}).get("selected_option") or {}).get("value") == "mine"


def group_goal_message(goal: GroupGoal, by: str) -> Message:
    whose = f"a goal for the {_kind(goal.group)}" if goal.owner is None else "a goal of their own"
    text = f"<@{by}> set {whose}: {escape(goal.title)}"
    detail = (
        f"*Success looks like*: {escape(goal.outcome)}\n*By* {goal.due_on:%d %b %Y} · "
        f"*First step*: {escape(goal.first_action)}"
    )
    return Message(
        text=text,
        blocks=[
            section(f"*{text}*\n{detail}"),
            actions(button("Mark done", GROUP_GOAL_DONE, value=str(goal.id))),
        ],
    )


def group_goal_done_message(goal: GroupGoal, by: str) -> Message:
    text = f"Done: {escape(goal.title)}. Well done, " + ("everyone!" if goal.owner is None else f"<@{goal.owner}>!")
    return Message(
        text=text,
        blocks=[
            section(f"*{text}*\nMarked done by <@{by}>."),
            actions(button("Celebrate it", GROUP_SHOUTOUT_OPEN, value=str(goal.group.id))),
        ],
    )


def shared_evaluation_message(
    group: GroupView, user_id: str, milestone: str, answers: tuple[int, int, str, bool]
) -> Message:
    """For the program's admins, only because the member chose to share it: their evaluation, with their name."""
    rating, progress, comment, _ = answers
    text = (
        f"<@{user_id}> shared their evaluation of their {_kind(group)} in {escape(group.program)} "
        f"({_milestone(milestone)})"
    )
    lines = [f"*Useful*: {rating} of 5 · *Progress*: {progress} of 5"]
    if comment.strip():
        lines.append(quoted_text(comment.strip()))
    return Message(
        text=text,
        blocks=[
            section(f"*{text}*\n" + "\n".join(lines)),
            context("They chose to share this with the program's admins. The rest of the group doesn't see it."),
        ],
    )


def agreement_replaced_message() -> Message:
    return said("That proposal was replaced by a newer one. Confirm the latest one, just below it.")


def group_not_moved_message(group: GroupView) -> Message:
    return said(
        f"You're in the {_kind(group)}, but Slack wouldn't open the new group DM just now. I'll keep trying; "
        "meanwhile, `/mentor status` shows who is in it."
    )


def you_left_the_group_message(group: GroupView) -> Message:
    """After leaving one group from App Home: the program membership stays."""
    return said(
        f"Done. You're still a member of {escape(group.program)}, so a later round may place you in a new "
        f"{_kind(group)}; `/mentor leave {escape(group.program)}` pauses the program instead."
    )
