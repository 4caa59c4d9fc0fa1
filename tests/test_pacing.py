"""The outbox keeps to Slack's pace: one message a second per conversation, and a workspace rate."""

from bot.outbox import Pacer, interleave
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
    pacer = Pacer(per_second=4, clock=t.clock, sleep=t.sleep)
    for channel in ["C1", "C2", "C3", "C4", "C1"]:
        pacer.wait("T1", channel)
    assert t.slept == [0.25, 0.25, 0.25, 0.25]
    pacer.wait("T2", "C1")
    assert len(t.slept) == 4, "another workspace has its own limits"


def test_interleave_round_robins_conversations() -> None:
    rows = [OutboxMessage(id=i, channel_id=c) for i, c in enumerate(["A", "A", "A", "B", "C", "C"])]
    assert [r.channel_id for r in interleave(rows)] == ["A", "B", "C", "A", "C", "A"]
