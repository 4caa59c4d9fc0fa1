"""The intro a new pair gets in its group DM: who is who, why they fit, and a first-meeting agenda."""

from __future__ import annotations

from bot.pairs import PairView
from bot.text import escape
from bot.views.agreement import AGREEMENT_OPEN
from bot.views.blocks import Message, actions, button, header, section
from bot.views.celebrate import HELP_OPEN, THANKS_OPEN
from bot.views.find import reason_lines


def intro_message(pair: PairView) -> Message:
    text = f"Meet your mentoring pair: <@{pair.mentor_user_id}> will mentor <@{pair.mentee_user_id}>."
    focus = ", ".join(pair.shared_topics) or "what matters most to the mentee right now"
    agenda = (
        "*A first meeting (30 minutes)*\n"
        "1. Introductions: how you each got where you are (10 min)\n"
        f"2. <@{pair.mentee_user_id}>: what you hope to get out of this, e.g. {escape(focus)} (10 min)\n"
        "3. How you'll work together: how often, where, and what stays between you two (5 min)\n"
        "4. One first goal, and the date of your next meeting (5 min)"
    )
    return Message(
        text=text,
        blocks=[
            header("Meet your mentoring pair"),
            section(text),
            section(f"*Why you were matched*\n{reason_lines(pair.reasons)}"),
            section(agenda),
            section(
                f"Next: <@{pair.mentee_user_id}>, suggest two times for that first meeting this week. "
                "Then agree how you'll work together:"
            ),
            actions(
                button("Set up our agreement", AGREEMENT_OPEN, value=str(pair.id), style="primary"),
                button("Say thanks", THANKS_OPEN, value=str(pair.id)),
                button("I need help", HELP_OPEN, value=str(pair.id)),
            ),
        ],
    )
