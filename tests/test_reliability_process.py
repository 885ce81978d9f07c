"""Process faults: a crawl killed with SIGKILL or stopped with SIGINT loses and duplicates nothing.

The ``bulk`` scenario serves 40 slow-ish articles with one image each; batches of 5 make many
commits, so the kill lands between (or in the middle of) write transactions.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.faultserver import (
    BULK_ARTICLES,
    SCENARIOS,
    FaultServer,
    list_url,
    start_crawl,
    wait_crawl,
)

BULK_URLS = {page.url for page in SCENARIOS["bulk"]}
SMALL_BATCHES = ("-s", "GOVNEWS_BATCH_SIZE=5")

pytestmark = pytest.mark.slow  # three crawls of a few seconds each


def count_articles(db: Path) -> int:
    """Committed articles, as a downstream reader sees them (0 before the schema exists)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("select count(*) from articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # no file or no table yet
        return 0


def wait_for_articles(db: Path, at_least: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while (n := count_articles(db)) < at_least:
        assert time.monotonic() < deadline, f"only {n} articles after {timeout} s"
        time.sleep(0.05)
    return n


def check_consistency(db: Path) -> sqlite3.Connection:
    """The file is sound: integrity ok, foreign keys hold, no image without its article."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert conn.execute("pragma foreign_key_check").fetchall() == []
    orphans = "select count(*) from images where article_id not in (select id from articles)"
    assert conn.execute(orphans).fetchone()[0] == 0
    # Article and images are written in one transaction: never an article without its image.
    bare = "select count(*) from articles where id not in (select article_id from images)"
    assert conn.execute(bare).fetchone()[0] == 0
    return conn


def check_complete(db: Path) -> None:
    """Every bulk article stored exactly once, each with exactly its one image."""
    conn = check_consistency(db)
    try:
        urls = [row["url"] for row in conn.execute("select url from articles")]
        assert len(urls) == len(set(urls)) == BULK_ARTICLES
        assert set(urls) == BULK_URLS
        per_article = "select count(*) from images group by article_id having count(*) != 1"
        assert conn.execute(per_article).fetchall() == []
    finally:
        conn.close()


def test_kill_9_mid_crawl_then_rerun_stores_every_article_once(tmp_path: Path) -> None:
    db = tmp_path / "govnews.db"
    with FaultServer(tmp_path / "access.log") as server:
        first = start_crawl(server, db, [list_url("bulk")], *SMALL_BATCHES, log=tmp_path / "1.log")
        try:
            wait_for_articles(db, 10)
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        conn = check_consistency(db)
        partial = conn.execute("select count(*) from articles").fetchone()[0]
        (killed,) = conn.execute("select finished_at, finish_reason from crawls").fetchall()
        conn.close()
        assert 10 <= partial < BULK_ARTICLES, "the kill did not land mid-crawl"
        assert killed["finished_at"] is None  # the run is visibly unfinished, not "finished"

        rerun = start_crawl(server, db, [list_url("bulk")], *SMALL_BATCHES, log=tmp_path / "2.log")
        result = wait_crawl(rerun, db, tmp_path / "2.log", timeout=120)
    assert result.returncode == 0, result.log[-3000:]
    check_complete(db)


def test_one_sigint_stops_gracefully_and_records_the_run(tmp_path: Path) -> None:
    db = tmp_path / "govnews.db"
    with FaultServer(tmp_path / "access.log") as server:
        proc = start_crawl(server, db, [list_url("bulk")], *SMALL_BATCHES, log=tmp_path / "1.log")
        wait_for_articles(db, 5)
        proc.send_signal(signal.SIGINT)
        stopped = wait_crawl(proc, db, tmp_path / "1.log", timeout=60)
        assert "Received SIGINT, shutting down gracefully" in stopped.log
        (run,) = stopped.query("select * from crawls")
        assert run["finish_reason"] == "shutdown"
        assert run["finished_at"] is not None
        # Everything scraped before the stop was flushed, not left in the batch buffer.
        stored = count_articles(db)
        assert run["articles_new"] == stored < BULK_ARTICLES
        assert stopped.stats["item_scraped_count"] == stored

        rerun = start_crawl(server, db, [list_url("bulk")], *SMALL_BATCHES, log=tmp_path / "2.log")
        result = wait_crawl(rerun, db, tmp_path / "2.log", timeout=120)
    assert result.returncode == 0, result.log[-3000:]
    check_complete(db)
