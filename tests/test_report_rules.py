"""Anonymity in reports (pure): small groups are hidden and cannot be recovered from the shown figures."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.report import suppress


def test_small_group_hidden_with_its_complement() -> None:
    shown = suppress({"day30": [4.0] * 6, "day60": [2.0] * 2, "day90": [5.0] * 7}, threshold=5)
    assert shown["day60"] is None
    assert shown["day30"] is None, "hiding day60 alone would let total − day30 − day90 reveal it"
    assert shown["day90"] == 5.0


def test_groups_at_or_above_threshold_are_shown() -> None:
    assert suppress({"a": [3.0] * 5, "b": [4.0] * 5}, threshold=5) == {"a": 3.0, "b": 4.0}


def test_groups_nobody_answered_are_left_out() -> None:
    assert suppress({"a": [3.0] * 5, "b": []}, threshold=5) == {"a": 3.0}


@settings(max_examples=300, deadline=None)
@given(
    sizes=st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), st.integers(0, 12), min_size=1),
    threshold=st.integers(3, 8),
)
def test_hidden_groups_together_always_reach_the_threshold(sizes: dict[str, int], threshold: int) -> None:
    groups = {name: [1.0] * n for name, n in sizes.items()}
    shown = suppress(groups, threshold)
    hidden = [name for name, n in sizes.items() if n and shown[name] is None]
    assert set(shown) == {name for name, n in sizes.items() if n}
    assert all(sizes[name] >= threshold for name in shown if shown[name] is not None)
    assert (
        not hidden
        or sum(sizes[name] for name in hidden) >= threshold
        or len(hidden) == len([n for n in sizes.values() if n])
    )
