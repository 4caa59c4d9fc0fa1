"""A pair's conversation: the group DM both people share, opened with the intro when the pair starts."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.home import refresh_home
from bot.pairs import PairView, set_channel
from bot.services import Services
from bot.slack import open_dm, post
from bot.views.intro import intro_message


def start_conversation(services: Services, client: WebClient, team_id: str, pair: PairView) -> str:
    """Open (or reopen) the pair's group DM, remember it, post the intro, and refresh both App Homes."""
    channel = open_dm(client, [pair.mentor_user_id, pair.mentee_user_id])
    with services.db.unit_of_work() as session:
        set_channel(session, pair.id, channel)
    post(client, channel, intro_message(pair))
    for person in (pair.mentor_user_id, pair.mentee_user_id):
        refresh_home(services, client, team_id, person)
    return channel
