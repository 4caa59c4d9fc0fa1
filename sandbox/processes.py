"""The processes below a process, read from /proc: for tests and benchmarks of the worker processes."""

from __future__ import annotations

from pathlib import Path


def process_tree(pid: int) -> set[int]:
    """`pid` and all processes below it."""
    parents: dict[int, set[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(parent, set()).add(int(entry.name))
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        tree.add(current)
        todo.extend(parents.get(current, ()))
    return tree
