"""Domain errors that handlers turn into friendly answers."""


class MentorbotError(Exception):
    """Base of every rule the bot refuses to break."""


class NotJoined(MentorbotError):
    """The person has no profile in this workspace's program yet."""
