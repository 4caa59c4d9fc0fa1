"""The answer to "who fits me?": the ranked mentors (and, in a group-mentoring program, the groups with room), or
why there are none, for every door that asks."""

from __future__ import annotations

from bot.errors import MentorbotError
from bot.open_groups import groups_with_room
from bot.programs import choose, programs_joined
from bot.requests import MAX_TOPIC, find_mentors
from bot.services import Services
from bot.views.blocks import Message
from bot.views.find import (
    blocked_message,
    program_closed_for_finding,
    results_message,
    topic_too_long_message,
    which_program_to_search,
)
from storage.vocabulary import ProgramFormat


def find_answer(services: Services, team_id: str, user_id: str, words: str, program_id: int | None = None) -> Message:
    """The mentors who fit this person best in their program (and the mentoring groups with a free place, in a
    group-mentoring program), or the one step that lets them see some.

    In several programs, the first word may name one (`/mentor find buddies python`); else they are asked which."""
    try:
        with services.db.reading() as session:
            everything = programs_joined(session, team_id, user_id)
            joined = [p for p in everything if not p.closed]
            if (everything and not joined) or (program_id is not None and all(p.id != program_id for p in joined)):
                return program_closed_for_finding()
            choice = choose([p for p in joined if program_id in (None, p.id)], words.split())
            if choice.program is None and len(choice.choices) > 1:
                return which_program_to_search(choice.choices, words)
            topic = " ".join(choice.words) if choice.program is not None else words.strip()
            if len(topic) > MAX_TOPIC:
                return topic_too_long_message(len(topic), MAX_TOPIC)
            chosen = choice.program.id if choice.program is not None else None
            found = find_mentors(session, team_id, user_id, topic, services.mentor_pools, program_id=chosen)
            in_groups = choice.program if choice.program and choice.program.format is ProgramFormat.GROUP else None
            groups = groups_with_room(session, team_id, user_id, in_groups, topic) if in_groups else None
    except MentorbotError as error:
        return blocked_message(error)
    program = choice.program.name if choice.program is not None and len(joined) > 1 else ""
    return results_message(found.matches, topic, program, groups, found.kinds)
