"""Program-wide rounds: the admin's preview, and the messages each matched or unmatched person receives."""

from __future__ import annotations

from collections.abc import Mapping

from bot.pairs import PairView
from bot.round_plan import Unmatched
from bot.rounds import PublishedRound, RoundPreview
from bot.text import escape
from bot.views.blocks import Block, Message, actions, button, context, divider, program_note, said, section
from bot.views.find import reason_lines

ROUND_PUBLISH = "admin.round_publish"
ROUND_DISCARD = "admin.round_discard"
PAIR_CONFIRM = "round.confirm"
PAIR_DECLINE = "round.decline"
PREVIEW_ROWS = 30


def preview_message(preview: RoundPreview) -> Message:
    summary = (
        f"*Matching round preview*: {len(preview.pairs)} pairs, average fit {round(preview.average_score * 100)}%, "
        f"{len(preview.unmatched)} left unmatched."
    )
    blocks: list[Block] = [section(summary)]
    if preview.pairs:
        rows = [
            f"• <@{p.mentee_user_id}> ← <@{p.mentor_user_id}> · {round(p.score * 100)}%"
            for p in preview.pairs[:PREVIEW_ROWS]
        ]
        more = len(preview.pairs) - PREVIEW_ROWS
        blocks.append(section("\n".join(rows) + (f"\n…and {more} more" if more > 0 else "")))
    if preview.unmatched:
        rows = [f"• <@{user}>: {escape(reason)}" for user, reason in preview.unmatched[:PREVIEW_ROWS]]
        blocks += [divider(), section("*Left unmatched*\n" + "\n".join(rows))]
    if preview.short:
        rows = [
            f"• <@{user}> gets {got} of the mentors they want: {escape(reason)}"
            for user, got, reason in preview.short[:PREVIEW_ROWS]
        ]
        blocks += [divider(), section("*Fewer mentors than they want*\n" + "\n".join(rows))]
    if not preview.pairs:
        blocks.append(section("Nobody can be matched right now, so there is nothing to publish."))
        return Message(text=summary, blocks=blocks)
    blocks += [
        actions(
            button("Publish round", ROUND_PUBLISH, value=str(preview.round_id), style="primary"),
            button("Discard", ROUND_DISCARD, value=str(preview.round_id)),
        ),
        context("Publishing asks each pair to confirm in a DM. People left unmatched are told why."),
    ]
    return Message(text=summary, blocks=blocks)


def published_message(published: PublishedRound) -> Message:
    unmatched = len(published.unmatched)
    text = (
        f"Round published: {len(published.pairs)} pairs asked to confirm, "
        f"{unmatched} {'person' if unmatched == 1 else 'people'} told they weren't matched this time."
    )
    if published.short:
        short = len(published.short)
        who = "mentee was" if short == 1 else "mentees were"
        text += f" {short} {who} told why they got fewer mentors than they want."
    if published.skipped:
        text += f" {published.skipped} proposals were skipped because someone paired or paused since the preview."
    return said(text)


def discarded_message() -> Message:
    return Message(text="Round discarded. Nothing was sent.")


def proposal_message(pair: PairView, user_id: str) -> Message:
    partner = pair.mentor_user_id if user_id == pair.mentee_user_id else pair.mentee_user_id
    role = "your mentor" if user_id == pair.mentee_user_id else "your mentee"
    text = f"This round matched you with <@{partner}> as {role}. Would you like to go ahead?"
    return Message(
        text=text,
        blocks=[
            section(text),
            section(f"*Why you fit*\n{reason_lines(pair.reasons)}"),
            actions(
                button("Yes, let's start", PAIR_CONFIRM, value=str(pair.id), style="primary"),
                button("Not this time", PAIR_DECLINE, value=str(pair.id)),
            ),
            context("When you both say yes, I'll open a group DM with a first-meeting agenda."),
            *program_note(pair.program_label),
        ],
    )


# Each reason as the mentee reads it (the admin's preview shows `Unmatched`'s own wording).
YOUR_REASON: Mapping[str, str] = {
    Unmatched.PAUSED: "you're paused",
    Unmatched.NO_FREE_SLOTS: "no mentor is taking mentees right now: every one is full or paused",
    Unmatched.NOT_ALLOWED: (
        "none of the mentors with a free slot can be matched with you (a do-not-match, a current partner "
        "or a mentor who declined)"
    ),
    Unmatched.FILLED: (
        "every mentor you can be matched with was filled by this round, which found the best total fit for everyone"
    ),
    Unmatched.ONLY_PAST_PARTNERS_FREE: (
        "every new mentor you can be matched with was filled by this round, which found the best total fit for "
        "everyone; a past partner is only matched again when no new mentor fits"
    ),
    Unmatched.NO_FIT: "the mentors who still have a slot don't fit you at all under the program's weights",
    Unmatched.NO_FREE_SLOTS_OF_KIND: (
        "no mentor of the kind you asked for is taking mentees right now: every one is full or paused"
    ),
    Unmatched.NOT_ALLOWED_OF_KIND: (
        "none of the mentors of the kind you asked for with a free slot can be matched with you (a do-not-match, "
        "a current partner or a mentor who declined)"
    ),
    Unmatched.ALREADY_THEIRS: "every mentor you can be matched with is already one of your mentors from this round",
}


def unmatched_message(reason: str) -> Message:
    text = (
        f"This matching round didn't find you a mentor: {escape(YOUR_REASON.get(reason, reason))}. You stay in the "
        "pool for the next round, and `/mentor find` shows anyone who frees up in the meantime."
    )
    return said(text)


def fewer_mentors_message(got: int, reason: str) -> Message:
    mentors = "one mentor" if got == 1 else f"{got} mentors"
    text = (
        f"This matching round found you {mentors}, not yet all you asked for. For the rest: "
        f"{escape(YOUR_REASON.get(reason, reason))}. You stay in the pool for the next round, and `/mentor find` "
        "shows anyone who frees up in the meantime."
    )
    return said(text)


def waiting_for_partner_message(pair: PairView, user_id: str) -> Message:
    partner = pair.mentor_user_id if user_id == pair.mentee_user_id else pair.mentee_user_id
    text = f"Thanks! I'll open your group DM as soon as <@{partner}> says yes too."
    return said(text)


def started_message() -> Message:
    text = "You're both in. I've opened your group DM with a first-meeting agenda."
    return said(text)


def declined_by_you_message() -> Message:
    text = "No problem: this match won't go ahead, and nobody is to blame. You stay in the pool."
    return said(text)


def declined_for_partner_message() -> Message:
    text = (
        "Your proposed match from this round won't go ahead. That happens, and it isn't about you. "
        "You stay in the pool; `/mentor find` shows who is available now."
    )
    return said(text)


# What each admin command or button does, as a refusal names it ("Only program admins can …").
ADMIN_ACTIONS = {
    "match": "run matching rounds",
    "report": "see the program's health report",
    "chart": "see the program's chart",
    "export": "export the program's pairs",
    "weights": "see or change the matching weights",
    "threshold": "change the reports' anonymity threshold",
    "publish": "publish a matching round",
    "discard": "discard a matching round",
    "approve": "welcome new members",
    "program": "create and manage programs",
    "import": "import a program's sign-up sheet",
}


def not_admin_message(asked: str) -> Message:
    """A refusal that names what was asked (`asked` is a key of ADMIN_ACTIONS, or the admin help)."""
    action = ADMIN_ACTIONS.get(asked, "use the admin commands")
    text = f"Only program admins can {action}. If you think you should be one, ask a program admin to add you."
    return said(text)


def admin_help_message() -> Message:
    text = (
        "*Admin commands*\n• `/mentor admin match`: preview a program-wide matching round, then publish it\n"
        "• `/mentor admin report`: program health, as anonymous aggregates\n"
        "• `/mentor admin chart` / `export`: a chart of the program over time, a CSV of pairs (no free text)\n"
        "• `/mentor admin weights [factor=value …]`: show or change how much each matching factor counts\n"
        "• `/mentor admin threshold N`: hide report figures from fewer than N people (at least 3)"
    )
    return said(text)


def weights_message(weights: Mapping[str, float], problem: str = "", program: str = "") -> Message:
    total = sum(weights.values()) or 1.0
    rows = "\n".join(f"• `{name}` = {value:g} ({round(100 * value / total)}%)" for name, value in weights.items())
    text = f"*Matching weights{' for ' + escape(program) if program else ''}*\n{rows}"
    blocks = [section(f"{escape(problem)}\n\n{text}" if problem else text)]
    blocks.append(
        context("Change them with e.g. `/mentor admin weights topics=0.5 hours=0.3`. Only the ratios matter.")
    )
    return Message(text=problem or "Matching weights", blocks=blocks)
