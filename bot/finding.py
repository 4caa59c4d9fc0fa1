"""The answer to "who fits me?": the ranked mentors, or why there are none, for every door that asks."""

from __future__ import annotations

from bot.errors import MentorbotError
from bot.requests import MAX_TOPIC, find_mentors
from bot.services import Services
from bot.views.blocks import Message
from bot.views.find import blocked_message, results_message, topic_too_long_message


def find_answer(services: Services, team_id: str, user_id: str, topic: str) -> Message:
    """The mentors who fit this person best, or the one step that lets them see some."""
    if len(topic) > MAX_TOPIC:
        return topic_too_long_message(len(topic), MAX_TOPIC)
    try:
        with services.db.reading() as session:
            matches = find_mentors(session, team_id, user_id, topic, services.mentor_pools)
    except MentorbotError as error:
        return blocked_message(error)
    return results_message(matches, topic)
