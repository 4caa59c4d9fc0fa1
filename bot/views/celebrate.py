"""Shout-outs (asked privately, posted only with both yeses), thank-yous, and confidential help."""

from __future__ import annotations

from typing import Any

from bot.celebrate import HELP_REASONS, MAX_STORY, MAX_THANKS, HelpView, ShoutoutView, ThanksView
from bot.text import escape
from bot.views.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    input_block,
    modal,
    quoted,
    said,
    section,
    static_select,
    text_input,
)

# A section holds 3,000 characters; escaping can make text up to five times longer (`&` → `&amp;`).
RETURNED_PIECE = 500

SHOUTOUT_YES = "shoutout.yes"
SHOUTOUT_NO = "shoutout.no"
SHOUTOUT_SUBMIT = "shoutout.submit"
THANKS_SHARE = "thanks.share"
THANKS_OPEN = "thanks.open"
THANKS_SUBMIT = "thanks.submit"
HELP_OPEN = "help.open"
HELP_SUBMIT = "help.submit"
HELP_HANDLED = "help.handled"
STORY, THANKS_MESSAGE, HELP_REASON = "story", "message", "reason"
STORY_TOO_SHORT = "A few words, please: what was achieved?"
HELP_REASON_MISSING = "Pick what's closest; you can add details below."
HELP_NOT_YOUR_PAIR = "This isn't your pair."


def shoutout_question(shoutout: ShoutoutView, channel: str) -> Message:
    text = (
        f"🎉 “{escape(shoutout.achievement)}” is done! May we celebrate it in <#{channel}>? "
        "I'll only post it if you both say yes."
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            section(f"_{escape(shoutout.story)}_"),
            actions(
                button("Yes, celebrate", SHOUTOUT_YES, value=str(shoutout.id), style="primary"),
                button("Keep it between us", SHOUTOUT_NO, value=str(shoutout.id)),
            ),
            context("Your partner won't learn what you chose."),
        ],
    )


def story_modal(shoutout: ShoutoutView) -> Block:
    return modal(
        "Celebrate",
        SHOUTOUT_SUBMIT,
        [
            section("Edit the one-line story if you like; it's posted as written once you both agree."),
            input_block(STORY, "The story", text_input("value", shoutout.story, max_length=MAX_STORY)),
        ],
        submit="Agree",
        private_metadata=str(shoutout.id),
    )


def read_story(state: dict[str, Any]) -> str:
    return str(((state.get(STORY) or {}).get("value") or {}).get("value") or "")


def already_settled() -> Message:
    return Message(text="This one is already settled. Thank you!")


def shoutout_post(shoutout: ShoutoutView) -> Message:
    pair = shoutout.pair
    text = f"🎉 A milestone from <@{pair.mentee_user_id}> and <@{pair.mentor_user_id}>: {escape(shoutout.story)}"
    return Message(text=text, blocks=[section(text), context("Shared with both people's consent.")])


def consent_recorded(agreed: bool, posted: bool) -> Message:
    if not agreed:
        return Message(text="Understood, it stays between you. Well done all the same!")
    if posted:
        return Message(text="You both agreed, so it's posted. Congratulations!")
    return Message(text="Thanks! I'll post it if your partner agrees too.")


def thanks_dm(thanks: ThanksView) -> Message:
    text = f"💛 <@{thanks.from_user}> wants to say thank you:\n{quoted(escape(thanks.message))}"
    return said(text)


def thanks_sent(thanks: ThanksView, channel: str | None) -> Message:
    text = f"Sent to <@{thanks.to_user}>. Kind words go a long way."
    blocks: list[Block] = [section(text)]
    if channel:
        blocks.append(actions(button("Also share it in the program channel", THANKS_SHARE, value=str(thanks.id))))
    return Message(text=text, blocks=blocks)


def thanks_post(thanks: ThanksView) -> Message:
    text = f"💛 <@{thanks.from_user}> thanks <@{thanks.to_user}>: {escape(thanks.message)}"
    return said(text)


def thanks_problem(problem: str, message: str = "") -> Message:
    """Why a thank-you wasn't sent; a long one comes back whole, so nothing typed is lost."""
    if len(message) <= MAX_THANKS:
        return Message(text=problem)
    blocks = [section(problem), section("What you wrote, to shorten and send again:")]
    # Cut before escaping (an entity is never split) in pieces that stay under a section's limit once escaped.
    pieces = [message[start : start + RETURNED_PIECE] for start in range(0, len(message), RETURNED_PIECE)]
    blocks += [section(quoted(escape(piece))) for piece in pieces]
    return Message(text=problem, blocks=blocks)


def thanks_modal(pair_id: int, partner: str) -> Block:
    return modal(
        "Say thanks",
        THANKS_SUBMIT,
        [
            input_block(
                THANKS_MESSAGE, "What are you thankful for?", text_input("value", multiline=True, max_length=MAX_THANKS)
            )
        ],
        submit="Send",
        private_metadata=f"{pair_id}:{partner}",
    )


def read_thanks(state: dict[str, Any]) -> str:
    return str(((state.get(THANKS_MESSAGE) or {}).get("value") or {}).get("value") or "")


def read_thanks_partner(metadata: str) -> str:
    """The partner the thank-you modal is for ("" when it carries none)."""
    return metadata.partition(":")[2]


def already_shared() -> Message:
    return Message(text="Already shared. Thank you!")


def shared_in_channel() -> Message:
    return Message(text="Shared in the program channel. 💛")


def help_modal(pair_id: int | None) -> Block:
    return modal(
        "Ask for help",
        HELP_SUBMIT,
        [
            section("This goes only to the program admins. Your partner is never told."),
            input_block(HELP_REASON, "What's going on?", static_select("value", list(HELP_REASONS.items()))),
            input_block(
                "details",
                "What would help?",
                text_input("value", multiline=True, max_length=2000),
                optional=True,
            ),
        ],
        submit="Send to admins",
        private_metadata=str(pair_id or ""),
    )


def read_help(state: dict[str, Any]) -> tuple[str | None, str]:
    chosen = ((state.get(HELP_REASON) or {}).get("value") or {}).get("selected_option") or {}
    details = str(((state.get("details") or {}).get("value") or {}).get("value") or "")
    return (str(chosen.get("value")) if chosen else None), details


def read_help_pair(metadata: str) -> int | None:
    """The pair the help modal was opened from (None when opened from anywhere else)."""
    return int(metadata) if metadata.isdecimal() else None


def help_for_admins(request: HelpView) -> Message:
    text = f"<@{request.user_id}> asked for help, confidentially: *{HELP_REASONS[request.reason]}*."
    blocks: list[Block] = [section(text)]
    if request.details:
        blocks.append(section(f">{escape(request.details)}".replace("\n", "\n>")))
    blocks += [
        actions(button("Mark handled", HELP_HANDLED, value=str(request.id))),
        context("Their partner has not been told. Please reach out to them directly."),
    ]
    return Message(text=text, blocks=blocks)


def help_sent() -> Message:
    return Message(text="Your request went to the program admins, and only to them. Someone will reach out soon.")


def help_handled(request: HelpView) -> Message:
    text = f"<@{request.handled_by}> is handling <@{request.user_id}>'s request. Thank you."
    return said(text)
