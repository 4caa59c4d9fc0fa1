"""Domain errors that handlers turn into friendly answers."""

from __future__ import annotations

from collections.abc import Mapping
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
    """The mentee has every mentor they want (`partner_user_ids`); the program allows up to `limit` at once."""

    def __init__(self, partner_user_ids: tuple[str, ...], limit: int = 1) -> None:
        super().__init__(", ".join(partner_user_ids))
        self.partner_user_ids = partner_user_ids
        self.limit = limit


class KindTaken(MentorbotError):
    """The mentee already has a mentor of this kind, or did not ask for one."""

    def __init__(self, kind: str, wanted: tuple[str, ...]) -> None:
        super().__init__(kind)
        self.kind = kind
        self.wanted = wanted


class OpenRequestExists(MentorbotError):
    def __init__(self, request_id: int, mentor_user_id: str, expires_at: datetime) -> None:
        super().__init__(mentor_user_id)
        self.request_id = request_id
        self.mentor_user_id = mentor_user_id
        self.expires_at = expires_at


class RequestAlreadyOpen(MentorbotError):
    """Another request of the mentee's was stored at the same moment (two submissions racing), so this one wasn't."""


class MentorUnavailable(MentorbotError):
    """The mentor paused, left, or may not be matched with this mentee any more."""


class NoCapacity(MentorbotError):
    """Every mentee slot of the mentor is taken."""


class NotYours(MentorbotError):
    """Someone acted on a request, pair or round that is not theirs (a crafted payload, or a forwarded one)."""


class NoLongerOpen(MentorbotError):
    """What they acted on is already settled; `status` says how (e.g. "answered", "ended", "declined")."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class RequestClosed(NoLongerOpen):
    """The mentor request was answered, withdrawn or expired, or its mentee paired with someone else."""


class PairClosed(NoLongerOpen):
    """The pair is no longer in the state this needs: it ended, or it is no longer a proposal."""


class RoundClosed(NoLongerOpen):
    """The matching round is no longer a draft: it was published or discarded."""


class CheckInClosed(NoLongerOpen):
    """This person already answered the check-in."""


class GoalClosed(NoLongerOpen):
    """The goal is already completed, or the milestone already ticked."""


class AgreementClosed(NoLongerOpen):
    """The proposal was confirmed or replaced already, or it is the confirmer's own ("own_proposal")."""


class AgreementReplaced(NoLongerOpen):
    """A newer proposal replaced the one this button belongs to."""


class EvaluationClosed(NoLongerOpen):
    """The evaluation was already answered."""


class ShoutoutClosed(NoLongerOpen):
    """The shout-out is settled (posted), or this person already answered it."""


class ThanksClosed(NoLongerOpen):
    """The thank-you was already shared in the program channel."""


class MembershipClosed(NoLongerOpen):
    pass


class ProgramClosed(NoLongerOpen):
    """The program (or cohort) has closed: nobody joins, is matched or is imported into it any more."""


class InvalidInput(MentorbotError):
    """What a service was given breaks the rules its form checks; `problems` maps each field to why."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__(sorted(problems))
        self.problems = dict(problems)


class InvalidProfile(InvalidInput):
    """A profile missing a required answer, or with one out of range."""


class InvalidRequest(InvalidInput):
    """A request whose message is too thin or too long for a mentor to decide on."""


class InvalidGoal(InvalidInput):
    """A goal that is not specific, measurable and due within the pair's time."""


class InvalidAgreement(InvalidInput):
    """Working-agreement terms with an answer missing or out of range."""


class InvalidShoutout(InvalidInput):
    """A celebration with no words, too many, or no channel to be posted in."""


class InvalidEvaluation(InvalidInput):
    """An evaluation with a rating missing or out of range."""


class OutOfRange(MentorbotError):
    """A choice outside what the rule allows; the message says what is allowed."""


class DayOutOfRange(OutOfRange):
    """A check-in moved to a day that is not between tomorrow and three months from now."""


class SnoozeOutOfRange(OutOfRange):
    """Check-ins snoozed for a number of weeks the bot doesn't offer."""


class ProgramInUse(MentorbotError):
    """A program that formed pairs can't be deleted (`live` of them still running); it can be closed."""

    def __init__(self, live: int) -> None:
        super().__init__(str(live))
        self.live = live
