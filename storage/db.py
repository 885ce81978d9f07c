"""Open a govnews SQLite file: WAL, busy timeout, foreign keys, migrations.

Every connection is our own ``sqlite3`` connection wrapped in a ``sqlite_utils.Database``,
because ``Database(path)`` takes no timeout. The connection runs in autocommit mode
(``isolation_level=None``) so the driver never opens a deferred transaction behind our back:
every multi-statement write goes through :func:`transaction`, which starts with
``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from storage.migrations import migrations

DEFAULT_PATH = "govnews.db"
#: Seconds a connection waits for another writer before "database is locked".
BUSY_TIMEOUT = 30.0
#: WAL pages (4 KiB each) a commit lets pile up before it copies them into the file (SQLite's
#: default: 1,000). Each checkpoint ends in an fsync, and a crawl's commits come every few
#: hundred milliseconds: at 10,000 pages, 50,000 synthetic articles were written 27 % faster
#: without the search index and 9 % faster with it (alternating into two files). The ``-wal``
#: file grows to about 40 MB (more behind a long reader) and is reused at that size.
WAL_CHECKPOINT_PAGES = 10_000
#: A failure of the database itself (locked past the busy timeout, disk full, read-only file)
#: rather than of the data written; callers outside storage catch it without importing sqlite3.
OperationalError = sqlite3.OperationalError


def connect(path: str | Path = DEFAULT_PATH, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open (creating and migrating if needed) the database at ``path``.

    :param path: the SQLite file; created when missing unless ``readonly``.
    :param readonly: open with ``mode=ro`` for readers: no migrations, no writes, and the
      crawl is never blocked by it (WAL readers work on a snapshot).
    """
    if readonly:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA foreign_keys = ON")
        return db
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, isolation_level=None)
    db = sqlite_utils.Database(conn)
    _enable_wal(db)
    # In WAL mode NORMAL is durable except for the last commits on power loss; much faster.
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
    db.execute("PRAGMA foreign_keys = ON")
    migrate(db)
    return db


def _enable_wal(db: sqlite_utils.Database) -> None:
    """Switch the file to WAL, which is persistent in it: readers and the writer stop blocking
    each other.

    Two connections switching a new file at the same moment deadlock, and SQLite then fails
    one of them at once rather than after the busy timeout: that one tries again.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run the block as one write transaction started with ``BEGIN IMMEDIATE``.

    A deferred ``BEGIN`` takes the write lock only at the first write; if another process
    committed in between, SQLite fails at once with "database is locked" without waiting for
    the busy timeout. ``IMMEDIATE`` takes the lock up front, so a second writer just waits.
    sqlite-utils methods called inside nest as savepoints.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.commit()
    except BaseException:
        # Also when COMMIT itself fails: never leave the connection inside a transaction.
        db.rollback()
        raise


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending schema migrations; return their names (empty when up to date)."""
    if not migrations.pending(db):
        return []
    with transaction(db):
        # Re-read under the write lock: another process may have migrated meanwhile.
        names = [m.name for m in migrations.pending(db)]
        migrations.apply(db)
        # Mirror the version where generic tools look for it (`PRAGMA user_version`).
        db.execute(f"PRAGMA user_version = {len(migrations.applied(db))}")
    return names


def schema_version(db: sqlite_utils.Database) -> int:
    """Number of migrations applied to ``db`` (0 for an empty file)."""
    return len(migrations.applied(db))


def utcnow() -> str:
    """Current UTC time as ISO 8601 text, the format of every timestamp govnews writes."""
    return datetime.now(UTC).isoformat(timespec="seconds")
