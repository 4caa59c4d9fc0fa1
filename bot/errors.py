"""Domain errors that handlers turn into friendly answers."""

from __future__ import annotations

from datetime import datetime


class MentorbotError(Exception):
    """Base of every rule the bot refuses to break."""


class NotJoined(MentorbotError):
    """The person has no profile in this workspace's program yet."""


class NotAMentee(MentorbotError):
    """The person joined as a mentor only, so there is nobody to find for them."""


class Paused(MentorbotError):
    """The person paused their participation."""


class AlreadyPaired(MentorbotError):
    def __init__(self, partner_user_id: str) -> None:
        super().__init__(partner_user_id)
        self.partner_user_id = partner_user_id


class OpenRequestExists(MentorbotError):
    def __init__(self, request_id: int, mentor_user_id: str, expires_at: datetime) -> None:
        super().__init__(mentor_user_id)
        self.request_id = request_id
        self.mentor_user_id = mentor_user_id
        self.expires_at = expires_at


class MentorUnavailable(MentorbotError):
    """The mentor paused, left, or may not be matched with this mentee any more."""


class NoCapacity(MentorbotError):
    """Every mentee slot of the mentor is taken."""


class RequestClosed(MentorbotError):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class NotYours(MentorbotError):
    """Someone acted on a request, pair or round that is not theirs (a crafted payload, or a forwarded one)."""
