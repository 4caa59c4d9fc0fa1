"""Exact formations of small cohorts, to measure the formers: set partitioning over every allowed group (column
generation, then an integer program), and a group-assignment integer program as an independent check."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array, csr_array, hstack, identity

from bot.circles.arrange import Arrange, search_arrange
from bot.circles.cohort import EPS, Cohort, window_bonus

# Exact formations: every allowed group is a column (about 40 people in groups of up to 6, at most).
_MOST_COLUMNS = 6_000_000
_FIRST_COLUMNS, _ADDED_COLUMNS = 200, 300


class _Program:
    """An integer program's variables, rows and gains, gathered as sparse triples for `scipy.optimize.milp`."""

    def __init__(self) -> None:
        self.count = 0
        self.integral: list[np.ndarray] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.values: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.gains: list[tuple[np.ndarray, np.ndarray]] = []

    def variables(self, shape: tuple[int, ...], integral: bool) -> np.ndarray:
        """Fresh variables in [0, 1], as an array of their columns."""
        size = int(np.prod(shape))
        columns = np.arange(self.count, self.count + size).reshape(shape)
        self.count += size
        self.integral.append(np.full(size, 1 if integral else 0))
        return columns

    def row(self, terms: Iterable[tuple[int, float]], low: float, high: float) -> None:
        number = len(self.lower)
        for column, value in terms:
            self.rows.append(number)
            self.cols.append(int(column))
            self.values.append(value)
        self.lower.append(low)
        self.upper.append(high)

    def gain(self, columns: np.ndarray, values: np.ndarray | float) -> None:
        self.gains.append((columns.ravel(), np.broadcast_to(values, columns.shape).ravel()))

    def objective(self) -> np.ndarray:
        gain = np.zeros(self.count)
        for columns, values in self.gains:
            gain[columns] += values
        return gain

    def solve(self, gain: np.ndarray, time_limit: float, zero: Sequence[int]) -> tuple[np.ndarray, float, bool]:
        """Maximise gain · v with the columns `zero` fixed at 0: the solution, the solver's upper bound, and
        whether it is proven optimal."""
        upper = np.ones(self.count)
        upper[list(zero)] = 0.0
        matrix = coo_array((self.values, (self.rows, self.cols)), shape=(len(self.lower), self.count)).tocsr()
        result = milp(
            -gain,
            integrality=np.concatenate(self.integral),
            bounds=Bounds(np.zeros(self.count), upper),
            constraints=LinearConstraint(matrix, self.lower, self.upper),
            options={"time_limit": time_limit, "mip_rel_gap": 1e-7},
        )
        if result.x is None:
            raise RuntimeError(f"the integer program found no formation in time: {result.message}")
        bound = -result.mip_dual_bound if result.get("mip_dual_bound") is not None else -result.fun
        return np.asarray(result.x), float(bound), result.status == 0


def columns_arrange(time_limit: float, proofs: list[tuple[float, bool]]) -> Arrange:
    def arrange(
        cohort: Cohort, people: np.ndarray, min_size: int, max_size: int, seed: int
    ) -> tuple[list[list[int]], list[int]]:
        """Set partitioning over every allowed group: the most people placed, then the best objective, in
        ceil(placed / max_size) groups. Column generation solves the LP over all groups; a formation it meets is
        optimal, and a group whose reduced cost is below −(LP bound − best formation known) cannot be in a
        better one, so the integer program over the rest is exact. The best formation known comes from the
        heuristic (or the integer program over the groups generated): it only narrows the search, never the proof."""
        n = len(people)
        if sum(math.comb(n, size) for size in range(min_size, max_size + 1)) > _MOST_COLUMNS:
            raise ValueError(f"{n} people in groups of {min_size}–{max_size}: too many groups to enumerate")
        rows = np.ix_(people, people)
        affinity = cohort.affinity[rows].copy()
        if cohort.allow_repeats:
            affinity -= cohort.repeat_penalty(max_size) * cohort.met[rows]
        members, scores = _every_group(
            affinity, cohort.hard[rows], cohort.starts[people], cohort.level_weights, min_size, max_size
        )
        position = {int(p): k for k, p in enumerate(people)}
        found, _ = search_arrange(1.0)(cohort, people, min_size, max_size, seed)
        heuristic = [[position[i] for i in g] for g in found]
        for placed in range(n, min_size - 1, -1):
            count = -(-placed // max_size)
            if count * min_size > placed:
                continue
            relaxed = _column_generation(members, scores, n, count, placed)
            if relaxed is None:
                continue
            bound, reduced, generated = relaxed
            shape = (n, count, placed)
            known = _best_known(heuristic, (members, scores, generated), shape, time_limit, cohort, people, affinity)
            if known is not None and bound - known[1] <= EPS * max(1.0, abs(bound)):
                proofs.append((bound, True))
                return _global(people, known[0]), _left_out(people, known[0])
            floor = -math.inf if known is None else -(bound - known[1]) - EPS
            solved = _partition(members, scores, np.flatnonzero(reduced >= floor), n, count, placed, time_limit)
            if solved is None:
                continue
            chosen, solver_bound, proven = solved
            # Groups left out cannot be in a better formation than the one known, so the solver's bound over the
            # rest is a bound over all; so is the LP's.
            proofs.append((min(bound, solver_bound), proven))
            groups = [[int(i) for i in members[c] if i < n] for c in chosen]
            return _global(people, groups), _left_out(people, groups)
        return [], [int(i) for i in people]

    return arrange


def _global(people: np.ndarray, groups: Sequence[Sequence[int]]) -> list[list[int]]:
    return [[int(people[i]) for i in g] for g in groups]


def _left_out(people: np.ndarray, groups: Sequence[Sequence[int]]) -> list[int]:
    covered = {i for g in groups for i in g}
    return [int(p) for k, p in enumerate(people) if k not in covered]


def _best_known(
    heuristic: list[list[int]],
    columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    shape: tuple[int, int, int],
    time_limit: float,
    cohort: Cohort,
    people: np.ndarray,
    affinity: np.ndarray,
) -> tuple[list[list[int]], float] | None:
    """A formation of `placed` people in `count` groups and its score: the heuristic's if it has that shape,
    else the integer program's over the groups generated so far; None if neither has one."""
    members, scores, generated = columns
    n, count, placed = shape
    if len(heuristic) == count and sum(len(g) for g in heuristic) == placed:
        value = 0.0
        for group in heuristic:
            rows = np.asarray(group)
            common = np.bitwise_and.reduce(cohort.masks[people[rows]], axis=0)
            bonus = float(window_bonus(common, cohort.level_weights))
            value += float(np.triu(affinity[np.ix_(rows, rows)], 1).sum()) + len(rows) * bonus
        return heuristic, value
    solved = _partition(members, scores, generated, n, count, placed, time_limit)
    if solved is None:
        return None
    groups = [[int(i) for i in members[c] if i < n] for c in solved[0]]
    return groups, float(scores[solved[0]].sum())


def _every_group(
    affinity: np.ndarray, hard: np.ndarray, starts: np.ndarray, level_weights: np.ndarray, min_size: int, max_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every group of min_size..max_size breaking no hard rule, as member rows (padded with n) and its score,
    built up one member at a time (each group extended by people after its last member)."""
    n = len(affinity)
    windows = _window_sets(starts, min_size)
    groups = np.arange(n, dtype=np.int64)[:, None]
    pairs = np.zeros(n)
    common = [w.copy() for w in windows]
    found_members, found_scores = [], []
    for size in range(1, max_size + 1):
        if size > 1:
            last = groups[:, -1]
            extensions = n - 1 - last
            parent = np.repeat(np.arange(len(groups)), extensions)
            offset = np.arange(len(parent)) - np.repeat(np.cumsum(extensions) - extensions, extensions)
            newcomer = last[parent] + 1 + offset
            allowed = ~hard[groups[parent], newcomer[:, None]].any(axis=1)
            parent, newcomer = parent[allowed], newcomer[allowed]
            pairs = pairs[parent] + affinity[groups[parent], newcomer[:, None]].sum(axis=1)
            common = [c[parent] & w[newcomer] for c, w in zip(common, windows, strict=True)]
            groups = np.concatenate([groups[parent], newcomer[:, None]], axis=1)
        if size >= min_size:
            bonus = sum(weight * (c != 0).any(axis=1) for weight, c in zip(level_weights, common, strict=True))
            padded = np.full((len(groups), max_size), n, dtype=np.int64)
            padded[:, :size] = groups
            found_members.append(padded)
            found_scores.append(pairs + size * bonus)
    return np.concatenate(found_members), np.concatenate(found_scores)


def _window_sets(starts: np.ndarray, min_size: int) -> list[np.ndarray]:
    """Per level, each person's bit mask over the largest sets of people sharing a window start: a group reaches
    the level exactly when one of those sets holds all of it, i.e. when its members' masks AND to non-zero."""
    windows = []
    for level in range(starts.shape[1]):
        sets = np.unique(starts[:, level, :].T, axis=0)
        sets = sets[sets.sum(axis=1) >= min_size]
        inside = (sets[:, None, :] <= sets[None, :, :]).all(axis=2) & (sets[:, None, :] != sets[None, :, :]).any(axis=2)
        sets = sets[~inside.any(axis=1)]
        bits = np.zeros((starts.shape[0], max(64, -(-len(sets) // 64) * 64)), dtype=bool)
        bits[:, : len(sets)] = sets.T
        windows.append(np.packbits(bits, axis=1, bitorder="little").view(np.uint64))
    return windows


def _master(members: np.ndarray, n: int, count: int, placed: int) -> tuple[csr_array, np.ndarray]:
    """Rows: each person once (in a group or left out), `count` groups, `n − placed` people left out. Columns: the
    groups, then each person's "left out"."""
    groups = len(members)
    inside = members < n
    rows = np.concatenate([members[inside], np.full(groups, n), np.arange(n), np.full(n, n + 1)])
    columns = np.concatenate([np.nonzero(inside)[0], np.arange(groups), groups + np.arange(n), groups + np.arange(n)])
    matrix = coo_array((np.ones(len(rows)), (rows, columns)), shape=(n + 2, groups + n)).tocsr()
    return matrix, np.concatenate([np.ones(n), [count, n - placed]])


def _column_generation(
    members: np.ndarray, scores: np.ndarray, n: int, count: int, placed: int
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """The LP bound over every group, each group's reduced cost at its optimum and the groups generated; None
    when not even the LP can place `placed` people in `count` groups."""
    generated = np.unique(np.argsort(-scores)[:_FIRST_COLUMNS])
    # An artificial column per row keeps every restricted LP feasible; one left in use means infeasible.
    artificial = 10 * (1.0 + float(np.abs(scores).max(initial=0.0))) * max(n, 1)
    while True:
        matrix, demand = _master(members[generated], n, count, placed)
        gain = np.concatenate([scores[generated], np.zeros(n)])
        result = linprog(
            np.concatenate([-gain, np.full(n + 2, artificial)]),
            A_eq=hstack([matrix, identity(n + 2, format="csr")]).tocsr(),
            b_eq=demand,
            bounds=(0, None),
            method="highs",
        )
        if result.status != 0:
            raise RuntimeError(f"the master LP failed: {result.message}")
        prices = -np.asarray(result.eqlin.marginals)
        reduced = scores - np.append(prices[:n], 0.0)[members].sum(axis=1) - prices[n]
        entering = np.argsort(-reduced)[:_ADDED_COLUMNS]
        entering = entering[reduced[entering] > EPS]
        if not len(entering):
            if result.x[-(n + 2) :].sum() > EPS:
                return None
            return float(gain @ result.x[: len(gain)]), reduced, generated
        generated = np.union1d(generated, entering)


def _partition(
    members: np.ndarray,
    scores: np.ndarray,
    candidates: np.ndarray,
    n: int,
    count: int,
    placed: int,
    time_limit: float,
) -> tuple[np.ndarray, float, bool] | None:
    """The best formation using only the `candidates` groups: their indices, the solver's bound and whether it is
    proven optimal; None if they allow no formation."""
    matrix, demand = _master(members[candidates], n, count, placed)
    result = milp(
        -np.concatenate([scores[candidates], np.zeros(n)]),
        integrality=np.ones(len(candidates) + n),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, demand, demand),
        options={"time_limit": time_limit},
    )
    if result.x is None:
        return None
    chosen: np.ndarray = candidates[result.x[: len(candidates)] > 0.5]
    return chosen, -float(result.mip_dual_bound), result.status == 0


def assignment_arrange(time_limit: float, proofs: list[tuple[float, bool]]) -> Arrange:
    def arrange(
        cohort: Cohort, people: np.ndarray, min_size: int, max_size: int, seed: int
    ) -> tuple[list[list[int]], list[int]]:
        """The most people placed, then the best objective, in ceil(placed / max_size) groups: group-assignment
        binaries x[i, g] and pair-together y[i, j, g] ≤ x[i, g], x[j, g], solved in two steps (placed, then
        the objective with that many placed) so the gap tolerance applies to the objective alone."""
        n = len(people)
        count = -(-n // max_size)
        rows = np.ix_(people, people)
        affinity = cohort.affinity[rows].copy()
        if cohort.allow_repeats:
            affinity -= cohort.repeat_penalty(max_size) * cohort.met[rows]
        program = _Program()
        x = program.variables((n, count), integral=True)
        _placement_rows(program, x, cohort.hard[rows], min_size, max_size)
        # Symmetry: person i is in one of the first i + 1 groups (groups are ordered by their first member).
        zero = [int(x[i, g]) for i in range(n) for g in range(i + 1, count)]
        most, _, _ = program.solve(np.where(np.isin(np.arange(program.count), x), 1.0, 0.0), time_limit / 4, zero)
        placed = round(most[x].sum())
        program.row(((int(v), 1.0) for v in x.ravel()), placed, placed)
        _pair_rows(program, x, affinity, cohort.hard[rows], max_size)
        _hour_rows(program, x, cohort.starts[people], cohort.level_weights, min_size)
        solution, bound, proven = program.solve(program.objective(), time_limit, zero)
        proofs.append((bound, proven))
        chosen = solution[x] > 0.5
        groups = [[int(people[i]) for i in np.flatnonzero(chosen[:, g])] for g in range(count)]
        return [g for g in groups if g], [int(people[i]) for i in np.flatnonzero(~chosen.any(axis=1))]

    return arrange


def _placement_rows(program: _Program, x: np.ndarray, hard: np.ndarray, min_size: int, max_size: int) -> None:
    """Each person in at most one group; each used group within the sizes; ceil(placed / max_size) groups used;
    groups used in order, each one's first member after the previous one's; no hard rule broken."""
    n, count = x.shape
    used = program.variables((count,), integral=True)
    for i in range(n):
        program.row(((x[i, g], 1.0) for g in range(count)), 0, 1)
    for g in range(count):
        members = [(x[i, g], 1.0) for i in range(n)]
        program.row([*members, (used[g], -min_size)], 0, math.inf)
        program.row([*members, (used[g], -max_size)], -math.inf, 0)
        if g:
            program.row([(used[g - 1], 1.0), (used[g], -1.0)], 0, math.inf)
            for i in range(g, n):
                program.row([(x[i, g], 1.0), *((x[k, g - 1], -1.0) for k in range(i))], -math.inf, 0)
    program.row([*((v, 1.0) for v in x.ravel()), *((v, -float(max_size)) for v in used)], 1 - max_size, 0)
    for i, j in zip(*np.nonzero(np.triu(hard, 1)), strict=True):
        for g in range(count):
            program.row([(x[i, g], 1.0), (x[j, g], 1.0)], -math.inf, 1)


def _pair_rows(program: _Program, x: np.ndarray, affinity: np.ndarray, hard: np.ndarray, max_size: int) -> None:
    """y[i, j, g] for every allowed pair with an affinity, and the star rows: a member has at most
    max_size − 1 partners in their group (valid for every formation, and far tighter than y ≤ x alone)."""
    count = x.shape[1]
    pairs = [(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(affinity != 0, 1) & ~hard), strict=True)]
    y = program.variables((len(pairs), count), integral=False)
    partners: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for p, (i, j) in enumerate(pairs):
        for g in range(count):
            program.row([(y[p, g], 1.0), (x[i, g], -1.0)], -math.inf, 0)
            program.row([(y[p, g], 1.0), (x[j, g], -1.0)], -math.inf, 0)
            if affinity[i, j] < 0:  # a cost must be paid whenever both are in: y ≥ x_i + x_j − 1
                program.row([(y[p, g], 1.0), (x[i, g], -1.0), (x[j, g], -1.0)], -1, math.inf)
            partners.setdefault((i, g), []).append((y[p, g], 1.0))
            partners.setdefault((j, g), []).append((y[p, g], 1.0))
        program.gain(y[p], affinity[i, j])
    for (i, g), terms in partners.items():
        program.row([*terms, (x[i, g], -(max_size - 1.0))], -math.inf, 0)


def _hour_rows(program: _Program, x: np.ndarray, starts: np.ndarray, level_weights: np.ndarray, min_size: int) -> None:
    """Each member's hour bonus, level by level: w[i, g, k] ≤ x[i, g] and w[i, g, k] ≤ Σ_h z[g, k, h], where
    z[g, k, h] ≤ 1 − x[i, g] for everyone without k + 1 free hours in a row from hour h."""
    count = x.shape[1]
    for k, weight in enumerate(level_weights):
        hours = np.flatnonzero(starts[:, k].sum(axis=0) >= min_size)
        if weight <= 0 or not len(hours):
            continue
        z = program.variables((count, len(hours)), integral=False)
        holders = np.flatnonzero(starts[:, k, hours].any(axis=1))
        w = program.variables((len(holders), count), integral=False)
        for g in range(count):
            for column, hour in enumerate(hours):
                for i in np.flatnonzero(~starts[:, k, hour]):
                    program.row([(z[g, column], 1.0), (x[i, g], 1.0)], -math.inf, 1)
            for row, i in enumerate(holders):
                program.row([(w[row, g], 1.0), (x[i, g], -1.0)], -math.inf, 0)
                program.row([(w[row, g], 1.0), *((z[g, c], -1.0) for c in range(len(hours)))], -math.inf, 0)
        program.gain(w, float(weight))
