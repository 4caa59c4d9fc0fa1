"""A click as plain values, so the work it starts can go on in a worker process after the ack."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.dm_channels import send_dm
from bot.settings import Settings
from bot.slack import make_client, respond_at
from bot.views.blocks import Message

if TYPE_CHECKING:
    from bot.services import Services


@dataclass(frozen=True)
class Click:
    """Who clicked which value, and where to answer them."""

    team_id: str
    user_id: str
    value: int
    # Empty for a button in the App Home, which has no message to answer under.
    response_url: str
    message_ts: str
    # The bot token of the click's workspace, as Bolt found it (after any rotation); kept out of logs.
    token: str = field(repr=False)

    @property
    def from_home(self) -> bool:
        """The button was in the person's App Home, which they are looking at as it answers."""
        return not self.response_url

    def client(self, settings: Settings) -> WebClient:
        return make_client(settings.slack_api_url, self.token, settings.slack_api_timeout)

    def answer(self, services: Services, message: Message, replace_original: bool = False) -> None:
        """Tell the person who clicked: under (or in place of) the clicked message; from the App Home, which has
        no message to answer, in their DM."""
        settings = services.settings
        if self.response_url:
            respond_at(self.response_url, message, settings.slack_api_timeout, replace_original)
        else:
            send_dm(services.db, self.client(settings), self.team_id, self.user_id, message)
