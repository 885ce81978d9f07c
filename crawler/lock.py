"""One crawl at a time per database: an exclusive ``flock`` on ``<db>.lock``.

``flock`` locks belong to the open file, so the kernel drops the lock when the process dies,
however it dies: a run killed with ``kill -9`` or by the OOM killer never blocks the next one,
and there is no stale-PID cleanup to get wrong. The lock file is never deleted: unlinking it
while another process waits on it would let two runs hold "the" lock on two different files.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.db import utcnow


class AlreadyRunning(RuntimeError):
    """Another process holds the database's crawl lock."""

    def __init__(self, lock_path: Path, holder: str):
        self.lock_path = lock_path
        self.holder = holder
        super().__init__(
            f"another govnews crawl is running on this database ({holder or 'holder unknown'});"
            f" lock: {lock_path}"
        )


def lock_path_for(db: str | Path) -> Path:
    """``/data/govnews.db`` -> ``/data/govnews.db.lock``."""
    db = Path(db)
    return db.with_name(db.name + ".lock")


@contextmanager
def crawl_lock(db: str | Path) -> Iterator[Path]:
    """Hold the crawl lock of ``db`` for the block, or raise :class:`AlreadyRunning` at once.

    The lock file records the holder's PID and start time so that the refused run can say who
    is in the way.
    """
    path = lock_path_for(db)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
            raise AlreadyRunning(path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {utcnow()}\n".encode(), 0)
        yield path
    finally:
        # Closing the descriptor releases the lock.
        os.close(fd)
