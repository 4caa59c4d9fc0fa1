"""Long-running processes keep what they build at start-up, and their memory stays put under a steady load."""

from __future__ import annotations

import ctypes
import gc
import os

# glibc's `mallopt` parameter for the most malloc arenas a process may have, and how many a Mentorbot process has.
_M_ARENA_MAX = -8
MALLOC_ARENAS = 2


def freeze_startup_heap() -> None:
    """Collect once, then leave every object alive now out of later collections.

    Modules, the Bolt app, engines and pools live as long as the process. Without this, the first full
    collections under load scan all of them and pause every thread for 40–70 ms, which lands in the acks of
    the requests in flight. Afterwards a collection scans only what requests create.
    """
    gc.collect()
    gc.freeze()


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Keep this process to `arenas` malloc arenas (glibc), unless `MALLOC_ARENA_MAX` already says how many.

    Call it before the process starts its threads. By default glibc gives threads that allocate at the same time
    arenas of their own, up to eight per core. Each arena keeps the memory it once held: a worker whose job threads
    rebuild a program's mentor pool grew 3 to 11 MB for every 10,000 requests of a steady load, although no Python
    object accumulated (`bench/soak.py`). With two arenas the same load stays flat, and the interpreter lock means
    the threads hardly ever wait for each other to allocate.
    Where there is no glibc `mallopt` (macOS, say) nothing changes. Whether the limit was set.
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return False
    return bool(mallopt(_M_ARENA_MAX, arenas))
