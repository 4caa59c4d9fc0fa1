"""Local search over the groups of one component: moves, swaps, re-splits of two groups, trades with those left
out and handing a mentoring group to a spare mentor, each keeping every group within its sizes."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from bot.circles.cohort import EPS, EVERY_BIT, window_bonus

# Re-splitting two groups tries every division of their people (2^people of them), each group with _PARTNERS others.
_SPLIT_MOST, _PARTNERS = 14, 3


class Search:
    """Groups of one component, improved in place by moving one person, swapping two, re-splitting two groups,
    letting someone left out take a place, or (mentoring groups) handing a group to a spare mentor; every change
    keeps every group's size within its bounds. Indices are rows of `weight`."""

    def __init__(
        self,
        weight: np.ndarray,
        masks: np.ndarray,
        level_weights: np.ndarray,
        groups: Sequence[Sequence[int]],
        bounds: tuple[np.ndarray, np.ndarray],
        rng: np.random.Generator,
        leads: tuple[np.ndarray, list[int]] | None = None,
        outside: Sequence[int] = (),
    ) -> None:
        n = len(weight)
        self.weight, self.masks, self.level_weights, self.rng = weight, masks, level_weights, rng
        self.lo, self.hi = bounds[0].astype(np.int64), bounds[1].astype(np.int64).copy()
        self.group_of = np.full(n, -1, dtype=np.int64)
        for g, group in enumerate(groups):
            self.group_of[list(group)] = g
        self.movable = self.group_of >= 0
        # Mentoring groups: each group's mentor (first member) stays, unless handed over to a spare mentor.
        self.lead_limit = leads[0] if leads else np.zeros(n, dtype=np.int64)
        self.spare = list(leads[1]) if leads else []
        # People left out for the hard rules, who may still take someone's place (`trade`).
        self.outside = list(outside)
        self.anchor = np.array([group[0] if leads else -1 for group in groups], dtype=np.int64)
        self.movable[self.anchor[self.anchor >= 0]] = False
        self.size = np.bincount(self.group_of[self.group_of >= 0], minlength=len(groups))
        placed = np.flatnonzero(self.group_of >= 0)
        membership = np.zeros((len(groups), n))
        membership[self.group_of[placed], placed] = 1.0
        self.sums = membership @ weight  # sums[g, i]: i's affinity to everyone in group g
        self.common = np.empty((len(groups), *masks.shape[1:]), dtype=np.uint64)
        self.without = np.full(masks.shape, EVERY_BIT)  # each person's group's common windows without them
        self.value = np.zeros(len(groups))
        for g in range(len(groups)):
            self._refresh(g)
        self.own = self._own_sums()
        self.total = self.score()

    def members(self, g: int) -> np.ndarray:
        return np.flatnonzero(self.group_of == g)

    def groups(self) -> list[list[int]]:
        """Every group's members, each mentor first."""
        return [self.groups_of(g) for g in range(len(self.size))]

    def score(self) -> float:
        placed = np.flatnonzero(self.group_of >= 0)
        pairs = self.sums[self.group_of[placed], placed].sum() / 2
        return float(pairs + (self.size * self.value).sum())

    def _own_sums(self) -> np.ndarray:
        own: np.ndarray = self.sums[np.maximum(self.group_of, 0), np.arange(len(self.group_of))]
        return own

    def _refresh(self, g: int) -> None:
        """Group g's common windows, with and without each member (prefix and suffix ANDs)."""
        members = self.members(g)
        if not len(members):
            self.common[g], self.value[g] = EVERY_BIT, 0.0
            return
        masks = self.masks[members]
        every = np.full((1, *masks.shape[1:]), EVERY_BIT)
        before = np.concatenate([every, np.bitwise_and.accumulate(masks, axis=0)[:-1]])
        after = np.concatenate([np.bitwise_and.accumulate(masks[::-1], axis=0)[::-1][1:], every])
        self.without[members] = before & after
        self.common[g] = np.bitwise_and.reduce(masks, axis=0)
        self.value[g] = window_bonus(self.common[g], self.level_weights)

    def _bonus(self, masks: np.ndarray) -> np.ndarray:
        return window_bonus(masks, self.level_weights)

    def best_change(self, i: int) -> tuple[float, str, int]:
        """The best move or swap for person i: (gain, "move" or "swap", the group or the person)."""
        a = int(self.group_of[i])
        size_a, own = self.size[a], self.own[i]
        best: tuple[float, str, int] = (EPS, "", -1)
        if size_a > self.lo[a]:
            leave = (size_a - 1) * float(self._bonus(self.without[i])) - size_a * self.value[a] - own
            join = self.sums[:, i] + (self.size + 1) * self._bonus(self.common & self.masks[i]) - self.size * self.value
            join[(self.size >= self.hi) | (np.arange(len(join)) == a)] = -np.inf
            g = int(np.argmax(join))
            if join[g] + leave > best[0]:
                best = (float(join[g] + leave), "move", g)
        others = self.group_of.clip(min=0)
        swap = (
            self.sums[a] + self.sums[others, i] - 2 * self.weight[i] - own - self.own
            + size_a * (self._bonus(self.without[i] & self.masks) - self.value[a])
            + self.size[others] * (self._bonus(self.without & self.masks[i]) - self.value[others])
        )  # fmt: skip
        swap[~self.movable | (self.group_of == a)] = -np.inf
        j = int(np.argmax(swap))
        if swap[j] > best[0]:
            best = (float(swap[j]), "swap", j)
        return best

    def improve(self, i: int) -> bool:
        """Apply person i's best change if it gains."""
        gain, kind, target = self.best_change(i)
        if kind == "move":
            self.move(i, target, gain)
        elif kind == "swap":
            self.swap(i, target, gain)
        return bool(kind)

    def improve_lead(self, g: int) -> bool:
        """Hand group g to the spare mentor who fits it best, if that gains."""
        if not self.spare:
            return False
        mentor, spare, size = int(self.anchor[g]), np.array(self.spare), self.size[g]
        gain = (
            self.sums[g, spare] - self.weight[mentor, spare] - self.own[mentor]
            + size * (self._bonus(self.without[mentor] & self.masks[spare]) - self.value[g])
        )  # fmt: skip
        gain[self.lead_limit[spare] < size] = -np.inf
        k = int(np.argmax(gain))
        if gain[k] <= EPS:
            return False
        self.lead(g, int(spare[k]), float(gain[k]))
        return True

    def trade(self, u: int) -> bool:
        """Let u, who is left out, take the place of the person whose place gains most, if any does."""
        group = self.group_of.clip(min=0)
        gain = (
            self.sums[group, u] - self.weight[u] - self.own
            + self.size[group] * (self._bonus(self.without & self.masks[u]) - self.value[group])
        )  # fmt: skip
        gain[~self.movable] = -np.inf
        p = int(np.argmax(gain))
        if gain[p] <= EPS:
            return False
        self._trade(u, p, float(gain[p]))
        return True

    def _trade(self, u: int, p: int, gain: float) -> None:
        a = int(self.group_of[p])
        self.sums[a] += self.weight[u] - self.weight[p]
        self.group_of[u], self.group_of[p] = a, -1
        self.movable[u], self.movable[p] = True, False
        self.outside[self.outside.index(u)] = p
        self._changed((a,), gain)

    def trade_outside(self) -> None:
        """Trades and single changes until neither gains: who is left out is chosen by the objective too."""
        traded = bool(self.outside)
        while traded:
            traded = False
            for u in list(self.outside):
                traded = self.trade(u) or traded
            if traded:
                self.single_changes()

    def move(self, i: int, b: int, gain: float) -> None:
        a = int(self.group_of[i])
        self.sums[a] -= self.weight[i]
        self.sums[b] += self.weight[i]
        self.group_of[i] = b
        self.size[a] -= 1
        self.size[b] += 1
        self._changed((a, b), gain)

    def swap(self, i: int, j: int, gain: float) -> None:
        a, b = int(self.group_of[i]), int(self.group_of[j])
        change = self.weight[j] - self.weight[i]
        self.sums[a] += change
        self.sums[b] -= change
        self.group_of[i], self.group_of[j] = b, a
        self._changed((a, b), gain)

    def lead(self, g: int, mentor: int, gain: float) -> None:
        previous = int(self.anchor[g])
        self.sums[g] += self.weight[mentor] - self.weight[previous]
        self.group_of[previous], self.group_of[mentor] = -1, g
        self.anchor[g], self.hi[g] = mentor, self.lead_limit[mentor]
        self.spare[self.spare.index(mentor)] = previous
        self._changed((g,), gain)

    def regroup(self, people: np.ndarray, groups: np.ndarray) -> None:
        """Put each of `people` in the matching group of `groups`."""
        touched = tuple(int(g) for g in np.union1d(self.group_of[people], groups))
        before = self.score_of(touched)
        self.group_of[people] = groups
        for g in touched:
            self.sums[g] = self.weight[self.members(g)].sum(axis=0)
            self.size[g] = len(self.members(g))
        self._changed(touched, 0.0)
        self.total += self.score_of(touched) - before

    def score_of(self, groups: Sequence[int]) -> float:
        """The groups' share of the objective."""
        return float(sum(self.own[self.members(g)].sum() / 2 + self.size[g] * self.value[g] for g in groups))

    def _changed(self, groups: tuple[int, ...], gain: float) -> None:
        for g in groups:
            self._refresh(g)
        self.own = self._own_sums()
        self.total += gain

    def resplit(self, a: int, b: int) -> bool:
        """Divide the people of groups a and b between them in the best way the bounds allow (each mentor keeps
        their group), if that gains: every exchange between two groups at once."""
        people = np.flatnonzero(((self.group_of == a) | (self.group_of == b)) & self.movable)
        if not 0 < len(people) <= _SPLIT_MOST:
            return False
        inside, size_a = _subsets(len(people))
        weight = self.weight[np.ix_(people, people)]
        # Pairs inside subset s, ½ sᵀWs, and inside its complement, ½ 1ᵀW1 − sᵀW1 + ½ sᵀWs.
        half = np.einsum("ij,ij->i", inside @ weight, inside) / 2
        pairs = 2 * half - inside @ weight.sum(axis=1) + weight.sum() / 2
        size_b = len(people) - size_a
        ands = _subset_ands(self.masks[people])
        common_a, common_b = ands, ands[::-1]  # subset s's complement is subset 2^m − 1 − s
        if self.anchor[a] >= 0:
            pairs += inside @ self.weight[people, self.anchor[a]]
            size_a, common_a = size_a + 1, common_a & self.masks[self.anchor[a]]
        if self.anchor[b] >= 0:
            pairs += (1.0 - inside) @ self.weight[people, self.anchor[b]]
            size_b, common_b = size_b + 1, common_b & self.masks[self.anchor[b]]
        value = pairs + size_a * self._bonus(common_a) + size_b * self._bonus(common_b)
        fits = (size_a >= self.lo[a]) & (size_a <= self.hi[a]) & (size_b >= self.lo[b]) & (size_b <= self.hi[b])
        value[~fits] = -np.inf
        current = int(((self.group_of[people] == a) << np.arange(len(people))).sum())
        best = int(np.argmax(value))
        if value[best] - value[current] <= EPS:
            return False
        self.regroup(people, np.where(inside[best] > 0, a, b))
        return True

    def partners(self, g: int, count: int) -> np.ndarray:
        """`count` other groups worth searching together with g: those whose members and g's like each other
        most or could share g's common hour, and one drawn at random."""
        others = np.delete(np.arange(len(self.size)), g)
        if len(others) <= count:
            return others
        liking = self.sums[:, self.members(g)].sum(axis=1)
        fits = ((self.masks[:, 0] & self.common[g, 0]) != 0).any(axis=-1) & (self.group_of >= 0)
        closeness = liking + self.level_weights[0] * np.bincount(self.group_of[fits], minlength=len(self.size))
        closeness[g] = -np.inf
        closest = np.argpartition(-closeness, count - 1)[: count - 1]
        rest = np.setdiff1d(others, closest)
        chosen: np.ndarray = np.append(closest, self.rng.choice(rest))
        return chosen

    def single_changes(self) -> None:
        """Passes over everyone (and every mentor's group) until no single change gains."""
        improved = True
        while improved:
            improved = False
            for i in self.rng.permutation(np.flatnonzero(self.movable)):
                improved = self.improve(int(i)) or improved
            for g in np.flatnonzero(self.anchor >= 0):
                improved = self.improve_lead(int(g)) or improved

    def descend(self) -> None:
        """Single changes, then re-splits of each group with its partners, until neither gains."""
        improved = True
        while improved:
            self.single_changes()
            improved = False
            tried: set[tuple[int, int]] = set()
            for a in self.rng.permutation(len(self.size)):
                for b in self.partners(int(a), _PARTNERS):
                    pair = (min(int(a), int(b)), max(int(a), int(b)))
                    if pair not in tried:
                        tried.add(pair)
                        improved = self.resplit(*pair) or improved

    def groups_of(self, g: int) -> list[int]:
        """Group g's members, its mentor first."""
        mentor = [int(self.anchor[g])] if self.anchor[g] >= 0 else []
        return mentor + [int(i) for i in self.members(g) if i != self.anchor[g]]


@lru_cache(maxsize=32)
def _subsets(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Row s: 1.0 for each of `count` people in subset s (bit t of s is person t); and each subset's size."""
    bits = ((np.arange(2**count)[:, None] >> np.arange(count)) & 1).astype(float)
    return bits, bits.sum(axis=1).astype(np.int64)


def _subset_ands(masks: np.ndarray) -> np.ndarray:
    """Row s: the AND of the masks of the people in subset s (every bit for the empty subset)."""
    table = np.empty((2 ** len(masks), *masks.shape[1:]), dtype=np.uint64)
    table[0] = EVERY_BIT
    for t, mask in enumerate(masks):
        table[2**t : 2 ** (t + 1)] = table[: 2**t] & mask
    return table
