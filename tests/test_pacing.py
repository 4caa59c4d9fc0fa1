"""The outbox keeps to Slack's pace: one message a second per conversation, a workspace rate, method tiers."""

from bot.outbox import interleave
from bot.pacing import Call, LocalPace
from storage.models import OutboxMessage


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_one_message_a_second_per_conversation_and_a_workspace_rate() -> None:
    t = FakeTime()
    pace = LocalPace(per_second=4, clock=t.clock, sleep=t.sleep)
    for channel in ["C1", "C2", "C3", "C4", "C1"]:
        assert pace.take(Call("T1", "chat.postMessage", channel))
    assert t.slept == [0.25, 0.25, 0.25, 0.25]
    assert pace.take(Call("T2", "chat.postMessage", "C1"))
    assert len(t.slept) == 4, "another workspace has its own limits"


def test_a_held_method_is_not_waited_for_and_holds_up_nothing_else() -> None:
    t = FakeTime()
    pace = LocalPace(per_second=20, clock=t.clock, sleep=t.sleep)
    pace.hold(Call("T1", "chat.postMessage", "C1"), 60)
    assert not pace.take(Call("T1", "chat.postMessage", "C2")), "the workspace's messages wait out the 429"
    assert pace.take(Call("T2", "chat.postMessage", "C1")), "another workspace goes on"
    assert pace.take(Call("T1", "conversations.open")), "so does another method"
    assert t.slept == []


def test_interleave_round_robins_conversations() -> None:
    rows = [OutboxMessage(id=i, channel_id=c) for i, c in enumerate(["A", "A", "A", "B", "C", "C"])]
    assert [r.channel_id for r in interleave(rows)] == ["A", "B", "C", "A", "C", "A"]


def test_interleave_can_start_at_another_conversation() -> None:
    rows = [OutboxMessage(id=i, channel_id=c) for i, c in enumerate(["A", "A", "B", "C"])]
    assert [r.channel_id for r in interleave(rows, first=1)] == ["B", "C", "A", "A"]


def test_a_method_allows_a_burst_then_keeps_to_its_tier() -> None:
    t = FakeTime()
    pace = LocalPace(per_second=1000, clock=t.clock, sleep=t.sleep)
    for _ in range(10):
        assert pace.take(Call("T1", "conversations.open"))
    assert t.slept == [], "Slack's tiers allow a burst"
    assert pace.take(Call("T1", "conversations.open"))
    assert t.slept == [1.2], "then about 50 a minute"


def test_a_call_a_person_waits_on_goes_at_once_and_what_can_wait_goes_after_it() -> None:
    t = FakeTime()
    pace = LocalPace(clock=t.clock, sleep=t.sleep)
    for _ in range(12):
        pace.spend(Call("T1", "conversations.open"))
    assert t.slept == [], "a person waiting on it never waits for the pace"
    assert pace.take(Call("T1", "conversations.open"))
    assert t.slept == [3.6], "the burst was spent, and two turns past it: the next waits for three"
