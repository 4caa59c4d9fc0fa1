"""Tabu search on top of the local search: over everyone in a small component, over windows of a few related
groups in a large one."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from bot.circles.cohort import EPS
from bot.circles.search import Search

# Tabu search: over everyone up to _TABU_MOST movable people (each step weighs every pair); above that, after a
# descent, over windows of _WINDOW related groups around the weakest _WINDOW_SHARE of groups. A search stops
# after its patience in steps without a new best, or after _TABU_STEPS. Measured with bench/circles.py and
# 1,000 people: the descent is on average within 0.02% of the exact re-split of six related groups, and these
# windows add 0.3% for 1.3 s (windows at every group: 0.2% for 3.8 s).
_TABU_MOST, _TABU_PATIENCE, _TABU_STEPS = 80, 1000, 6000
_WINDOW, _WINDOW_PATIENCE, _WINDOW_SHARE = 6, 150, 0.2


class TabuSearch(Search):
    """A `Search` that also escapes local optima: tabu search, over everyone or over windows of related groups."""

    def tabu(self, patience: int, most: int) -> None:
        """Tabu search: take the best move, swap or trade of all, even a losing one, while a person may not return
        for a while to the group they left (unless that beats the best found); stop after `patience` steps
        without a new best (or `most` steps), and keep the best. Every step weighs every pair: small cohorts only."""
        n, count = len(self.group_of), len(self.size)
        until = np.zeros((n, count), dtype=np.int64)  # the step until which i may not rejoin group g
        movable = int(self.movable.sum()) + len(self.outside)
        tenure = (max(1, movable // 10), max(3, movable // 4) + 3)  # drawn anew each step
        best, best_groups, idle = self.total, self.group_of.copy(), 0
        for step in range(1, most + 1):
            gain, change = self._best_step(step, until, best)
            if change is None:
                break
            kind, i, target = change
            leaving = target if kind == "trade" else i
            until[leaving, self.group_of[leaving]] = step + int(self.rng.integers(*tenure))
            if kind == "swap":
                until[target, self.group_of[target]] = until[i, self.group_of[i]]
                self.swap(i, target, gain)
            elif kind == "move":
                self.move(i, target, gain)
            else:
                self._trade(i, target, gain)
            if self.total > best + EPS:
                best, best_groups, idle = self.total, self.group_of.copy(), 0
            else:
                idle += 1
                if idle >= patience:
                    break
        self._rebuild(best_groups)

    def _rebuild(self, group_of: np.ndarray) -> None:
        """Every group, and who is left out, as in `group_of` (-1: left out, or a spare mentor)."""
        outside = [u for u in (*self.outside, *np.flatnonzero(self.movable)) if group_of[u] < 0]
        inside = [u for u in self.outside if group_of[u] >= 0]
        self.group_of = group_of.copy()
        self.movable[inside] = True
        self.movable[outside] = False
        self.outside = [int(u) for u in outside]
        placed = np.flatnonzero(self.group_of >= 0)
        membership = np.zeros((len(self.size), len(self.group_of)))
        membership[self.group_of[placed], placed] = 1.0
        self.sums = membership @ self.weight
        self.size = np.bincount(self.group_of[placed], minlength=len(self.size))
        for g in range(len(self.size)):
            self._refresh(g)
        self.own = self._own_sums()
        self.total = self.score()

    def _best_step(self, step: int, until: np.ndarray, best: float) -> tuple[float, tuple[str, int, int] | None]:
        """The best move, swap or trade not forbidden at this step (or forbidden but beating `best`), and its gain:
        ("swap", i, j), ("move", i, group) or ("trade", left out, person whose place they take)."""
        n, count = len(self.group_of), len(self.size)
        group = self.group_of.clip(min=0)
        around = self.sums[group]  # around[j, i]: i's affinity to j's group
        bonus = self._bonus(self.without[:, None] & self.masks[None, :])  # [i, j]: j in i's place
        stay = self.size[group][:, None] * (bonus - self.value[group][:, None])
        swap = around.T + around - 2 * self.weight - self.own[:, None] - self.own[None, :] + stay + stay.T
        # Each pair once (i < j), both movable, in two groups.
        swap[~(self.movable[:, None] & self.movable[None, :]) | (group[:, None] == group[None, :])] = -np.inf
        swap[_lower_triangle(n)] = -np.inf
        left = until[:, group] > step  # [i, j]: i may not join j's group yet
        leave = (self.size[group] - 1) * self._bonus(self.without) - self.size[group] * self.value[group] - self.own
        join = (
            self.sums.T
            + (self.size + 1) * self._bonus(self.common[None] & self.masks[:, None])
            - self.size * self.value
        )
        move = join + leave[:, None]
        stuck = ~self.movable | (self.size[group] <= self.lo[group])
        move[stuck[:, None] | (self.size >= self.hi)[None, :] | (group[:, None] == np.arange(count))] = -np.inf
        out = np.array(self.outside, dtype=np.int64)
        # trade[k, p]: the k-th person left out takes p's place.
        trade = (around.T - self.weight - self.own[None, :])[out] + stay[:, out].T
        trade[:, ~self.movable] = -np.inf
        steps = (
            (swap, "swap", left | left.T),
            (move, "move", until > step),
            (trade, "trade", left[out]),
        )
        # A forbidden step is taken only if it beats the best found; if every step is forbidden, the best of them.
        allowed = [(np.where(banned & (self.total + g <= best + EPS), -np.inf, g), kind) for g, kind, banned in steps]
        chosen = self._best_of(allowed, out)
        return chosen if chosen[1] is not None else self._best_of([(g, kind) for g, kind, _ in steps], out)

    def _best_of(
        self, steps: list[tuple[np.ndarray, str]], out: np.ndarray
    ) -> tuple[float, tuple[str, int, int] | None]:
        best: tuple[float, tuple[str, int, int] | None] = (0.0, None)
        for gains, kind in steps:
            if not gains.size:
                continue
            top = gains.max()
            if top == -np.inf or (best[1] is not None and top <= best[0]):
                continue
            # Ties go to one of the tied steps at random, so equal steps do not always favour the lowest index.
            ties = np.flatnonzero(gains >= top - EPS)
            first, second = divmod(int(ties[self.rng.integers(len(ties))]), gains.shape[1])
            best = (float(top), (kind, int(out[first]) if kind == "trade" else first, second))
        return best

    def window(self, a: int, patience: int) -> None:
        """Tabu search over group a and its partners alone; kept if it gains."""
        groups = np.append(a, self.partners(a, _WINDOW - 1))
        people = np.flatnonzero(np.isin(self.group_of, groups))
        position = {int(p): k for k, p in enumerate(people)}
        local = [[position[i] for i in self.groups_of(int(g))] for g in groups]
        leads = (self.lead_limit[people], list[int]()) if (self.anchor[groups] >= 0).any() else None
        window = TabuSearch(
            self.weight[np.ix_(people, people)], self.masks[people], self.level_weights, local,
            (self.lo[groups], self.hi[groups]), self.rng, leads,
        )  # fmt: skip
        before = window.total
        window.tabu(patience, _TABU_STEPS)
        if window.total > before + EPS:
            self.regroup(people, groups[window.group_of])

    def search(self, effort: float) -> None:
        """Small cohorts: tabu search over everyone. Large ones: descent, then tabu search over windows of a few
        related groups around the weakest groups (a fifth of them at effort 1). Then trades with those left out."""
        if self.movable.sum() <= _TABU_MOST:
            self.single_changes()
            self.tabu(max(1, round(_TABU_PATIENCE * effort)), _TABU_STEPS)
            self.single_changes()
        else:
            self.descend()
            per_member = [self.score_of([g]) / max(1, self.size[g]) for g in range(len(self.size))]
            for a in np.argsort(per_member)[: round(len(self.size) * _WINDOW_SHARE * effort)]:
                self.window(int(a), _WINDOW_PATIENCE)
            self.descend()
        self.trade_outside()


@lru_cache(maxsize=8)
def _lower_triangle(count: int) -> np.ndarray:
    lower: np.ndarray = np.tri(count, dtype=bool)
    return lower
