"""Work nobody is waiting for, done in a worker once its jobs leave it time: an App Home redrawn after a change.

A burst of accepts after a program's announcement should bring each mentor their pair's intro as soon as it can;
redrawing both App Homes costs about as much again and nobody watches it happen. So a worker keeps such work by
key on a thread of its own and runs it while no job is running, or once it has waited `PATIENCE_SECONDS`. The
same key again before it ran replaces it (a person's home changed twice is drawn once, from the database as it
is then) but keeps its place in the line. Stopping runs everything still waiting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)
# How long work waits for the jobs to leave time before it runs anyway, beside them.
PATIENCE_SECONDS = 5.0


class Later:
    """Keyed work for one thread of its own, run while no job is running (`running` marks a job), oldest first."""

    def __init__(self, patience: float = PATIENCE_SECONDS) -> None:
        self._patience = patience
        # Oldest first: a key added again keeps its place and its time, with its newest work.
        self._waiting: dict[str, tuple[float, Callable[[], object]]] = {}
        self._jobs = 0
        self._stopping = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="mentorbot-later", daemon=True)
        self._thread.start()

    def add(self, key: str, work: Callable[[], object]) -> None:
        """Keep `work` for later; once the lane is stopping, it runs here and now instead of being lost."""
        with self._changed:
            if not self._stopping:
                since = self._waiting[key][0] if key in self._waiting else time.monotonic()
                self._waiting[key] = (since, work)
                self._changed.notify_all()
                return
        work()

    def discard(self, key: str) -> None:
        """Forget the work waiting under `key`, if any: it was done another way."""
        with self._changed:
            self._waiting.pop(key, None)

    @contextmanager
    def running(self) -> Iterator[None]:
        """Around a job: what waits here holds back while it runs."""
        with self._changed:
            self._jobs += 1
        try:
            yield
        finally:
            with self._changed:
                self._jobs -= 1
                self._changed.notify_all()

    def stop(self) -> None:
        """Run what is still waiting, then end the thread."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._thread.join()

    def _run(self) -> None:
        while (work := self._next()) is not None:
            try:
                work()
            except Exception:
                log.exception("work after the answers failed")

    def _next(self) -> Callable[[], object] | None:
        with self._changed:
            while True:
                if self._waiting:
                    key, (since, work) = next(iter(self._waiting.items()))
                    waited = time.monotonic() - since
                    if self._jobs == 0 or self._stopping or waited >= self._patience:
                        del self._waiting[key]
                        return work
                    self._changed.wait(self._patience - waited)
                elif self._stopping:
                    return None
                else:
                    self._changed.wait()
