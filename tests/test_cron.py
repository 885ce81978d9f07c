"""`govnews crawl` as cron runs it: exit codes per failure class, the lock, time limits, signals.

Every run here is a real `python -m crawler.cli crawl` subprocess, started from a directory
without `scrapy.cfg` (as cron does), against the mirror server in `tests/server.py`.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.lock import AlreadyRunning, crawl_lock
from crawler.run import crawl_settings, project_settings, spider_names
from crawler.verdict import ExitCode, Thresholds, exit_code, judge
from tests.conftest import DEMO_MIRROR, REPO
from tests.mirror_cases import rows

HOST = "govt.chinadaily.com.cn"
LIST_URL = f"https://{HOST}/news/"
ARTICLE_RE = re.compile(r"/s/\d{6}/\d{2}/WS[0-9a-f]{24}(/[^/]+)?\.html$")
#: A local mirror needs no politeness delays.
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")


def govnews_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", *args]


def govnews_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GOVNEWS_DB", "SCRAPY_SETTINGS_MODULE")}
    return {**env, "PYTHONPATH": str(REPO)}


def govnews(*args: str, cwd: Path, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    """Run the `govnews` command line and wait for it."""
    return subprocess.run(
        govnews_cmd(*args), cwd=cwd, env=govnews_env(), capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


def crawl_args(db: Path, mirror: str, *extra: str) -> list[str]:
    return [
        "crawl", "govt_chinadaily", "--db", str(db), "-s", f"MIRROR_URL={mirror}", *FAST,
        "-a", f"start_url={LIST_URL}", *extra,
    ]  # fmt: skip


def copy_mirror(tmp_path: Path) -> Path:
    """A private copy of the demo mirror (tests change it; the bundled one stays as shipped)."""
    root = tmp_path / "mirror"
    shutil.copytree(DEMO_MIRROR, root)
    return root


def article_files(mirror: Path) -> list[Path]:
    return sorted(p for p in (mirror / HOST).rglob("*.html") if ARTICLE_RE.search(p.as_posix()))


def query(db: Path, sql: str) -> list[tuple]:
    return [tuple(row) for row in rows(db, sql)]


def reason_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one-line reason: the last line on stderr."""
    return result.stderr.strip().splitlines()[-1]


# --- verdicts, without a crawl ---------------------------------------------------------------

THRESHOLDS = Thresholds(max_errors=10, min_site_share=0.8, drift_min_pages=5)
NO_ARTICLES = ExitCode.NO_ARTICLES
GOOD = {"govnews/parsed/site": 9, "govnews/parsed/fallback": 1, "govnews/stored/new": 10}


@pytest.mark.parametrize(
    ("reason", "stats", "code"),
    [
        ("finished", GOOD, ExitCode.OK),
        ("finished", {"govnews/skipped/known": 3}, ExitCode.OK),  # all known: confirmed
        ("finished", {"govnews/stored/unchanged": 1}, ExitCode.OK),
        (None, {}, ExitCode.START_FAILED),
        ("finished", {**GOOD, "log_count/ERROR": 11}, ExitCode.ERRORS),
        ("finished", {**GOOD, "log_count/ERROR": 10}, ExitCode.OK),  # "above" the threshold
        ("closespider_errorcount", GOOD, ExitCode.ERRORS),
        ("memusage_exceeded", GOOD, ExitCode.ERRORS),
        (
            "finished",
            {"govnews/pages/list": 2, "govnews/requests/article": 7},
            ExitCode.NO_ARTICLES,
        ),
        ("finished", {"govnews/pages/list": 2}, ExitCode.NO_ARTICLES),
        ("finished", {**GOOD, "govnews/parsed/fallback": 3}, ExitCode.LAYOUT_DRIFT),  # 9/12
        # Failed parses count against the site parser too.
        ("finished", {**GOOD, "govnews/dropped/parse_error": 5}, ExitCode.LAYOUT_DRIFT),
        # Too few pages for a trend.
        ("finished", {"govnews/parsed/fallback": 4, "govnews/stored/new": 4}, ExitCode.OK),
        ("closespider_timeout", GOOD, ExitCode.STOPPED),
        ("shutdown", {}, ExitCode.STOPPED),  # cut short: no "no articles" alarm
        ("closespider_timeout", {"govnews/parsed/fallback": 5}, ExitCode.LAYOUT_DRIFT),
    ],
)
def test_judge(reason, stats, code) -> None:
    verdict = judge("s", reason, stats, THRESHOLDS)
    assert verdict.code is code
    assert bool(verdict.reason) is (code is not ExitCode.OK)
    assert "\n" not in verdict.reason


def test_several_spiders_exit_with_the_most_severe_verdict() -> None:
    verdicts = [
        judge("a", "finished", GOOD, THRESHOLDS),
        judge("b", "closespider_timeout", GOOD, THRESHOLDS),
        judge("c", "finished", {"govnews/pages/list": 1}, THRESHOLDS),
    ]
    assert exit_code(verdicts) is ExitCode.NO_ARTICLES
    assert exit_code(verdicts[:2]) is ExitCode.STOPPED
    assert exit_code(verdicts[:1]) is exit_code([]) is ExitCode.OK
    assert len(set(ExitCode)) == len(ExitCode)  # one code per class


# --- settings ---------------------------------------------------------------------------------


def test_effective_settings_have_no_listeners_and_keep_the_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a `govnews crawl` process runs with: consoles off, options where Scrapy reads them."""
    # project_settings() sets it as the command does; undone after the test.
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    overrides = {"CLOSESPIDER_TIMEOUT": "5", "LOG_LEVEL": "DEBUG"}
    settings = project_settings(
        crawl_settings(
            tmp_path / "x.db", overrides, max_minutes=2.5, refresh_days=3, log_file="x.log"
        )
    )
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getfloat("CLOSESPIDER_TIMEOUT") == 150  # the option wins over -s
    assert settings["LOG_LEVEL"] == "DEBUG"
    assert settings["LOG_FILE"] == "x.log"
    assert settings["GOVNEWS_DB"] == str(tmp_path / "x.db")
    assert settings.getfloat("GOVNEWS_REFRESH_DAYS") == 3
    assert settings.getbool("GOVNEWS_INCREMENTAL") is True
    assert Thresholds.from_settings(settings) == Thresholds(10, 0.8, 5)


def test_errors_are_counted_per_spider_when_spiders_share_the_process() -> None:
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from crawler.run import SpiderLogCount

    counters = []
    for name in ("a", "b"):
        crawler = get_crawler(type(name, (Spider,), {"name": name}), {"LOG_LEVEL": "INFO"})
        crawler.spider = crawler.spidercls.from_crawler(crawler)
        counter = SpiderLogCount.from_crawler(crawler)
        counter.spider_opened(crawler.spider)
        counters.append(counter)
    log = logging.getLogger("test_cron")
    a, b = (c.crawler for c in counters)
    try:
        log.error("a's site is down", extra={"spider": a.spider})
        log.error("a's site is down", extra={"crawler": a})
        log.error("nobody knows whose")
        log.warning("b's warning", extra={"spider": b.spider})
    finally:
        for counter in counters:
            counter.spider_closed(counter.crawler.spider, "finished")
    assert a.stats.get_value("log_count/ERROR") == 3
    assert a.stats.get_value("log_count/WARNING") is None
    assert b.stats.get_value("log_count/ERROR") == 1
    assert b.stats.get_value("log_count/WARNING") == 1


# --- the lock --------------------------------------------------------------------------------


def test_lock_is_exclusive_and_released_on_exit(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    with crawl_lock(db) as path:
        assert path == tmp_path / "x.db.lock"
        assert f"pid {os.getpid()}" in path.read_text()
        # flock conflicts between two open file descriptions, even in one process.
        with pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"), crawl_lock(db):
            pass
    with crawl_lock(db):
        pass


def test_lock_of_a_killed_process_does_not_block(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    code = (
        "from crawler.lock import crawl_lock\n"
        f"with crawl_lock({str(db)!r}):\n print(1, flush=True)\n input()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], env=govnews_env(), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline() == "1\n"
    with pytest.raises(AlreadyRunning), crawl_lock(db):
        pass
    holder.kill()  # SIGKILL: no cleanup code runs
    holder.wait()
    with crawl_lock(db):
        pass


def test_two_concurrent_crawls_one_exits_with_the_lock_code(tmp_path: Path, mirror_server) -> None:
    server = mirror_server(DEMO_MIRROR)
    db = tmp_path / "govnews.db"
    # A delay makes the first run last several seconds.
    first = subprocess.Popen(
        govnews_cmd(*crawl_args(db, server.url, "-s", "DOWNLOAD_DELAY=1")),
        cwd=tmp_path, env=govnews_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lock = tmp_path / "govnews.db.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text()):
        assert time.monotonic() < deadline and first.poll() is None, "first run never locked"
        time.sleep(0.05)
    started = time.monotonic()
    second = govnews(*crawl_args(db, server.url), cwd=tmp_path)
    assert time.monotonic() - started < 20  # at once, not after the first run
    assert first.poll() is None, "the first run should still be running"
    assert second.returncode == ExitCode.LOCKED, second.stderr
    assert reason_line(second).startswith("govnews crawl: another govnews crawl is running")
    assert f"pid {first.pid}" in reason_line(second)
    _, err = first.communicate(timeout=120)
    assert first.returncode == ExitCode.OK, err[-3000:]
    # The refused run touched nothing: one run recorded, every article once, file sound.
    assert query(db, "select finish_reason from crawls") == [("finished",)]
    assert query(db, "select count(*) from articles") == [(len(article_files(DEMO_MIRROR)),)]
    assert query(db, "pragma integrity_check") == [("ok",)]


# --- exit codes of real runs -----------------------------------------------------------------


def test_good_run_exits_0_and_records_the_counts(tmp_path: Path, mirror_server) -> None:
    server = mirror_server(DEMO_MIRROR)
    db = tmp_path / "govnews.db"
    log = tmp_path / "logs" / "crawl.log"
    log.parent.mkdir()
    args = crawl_args(db, server.url, "--log-file", str(log), "--max-minutes", "10")
    result = govnews(*args, cwd=tmp_path)
    assert result.returncode == ExitCode.OK, result.stderr[-3000:]
    assert result.stderr == "" and result.stdout == ""  # cron mails nothing on success
    text = log.read_text()
    assert "Spider closed (finished)" in text
    # The run's effective extensions: the time limit is on, no console listens.
    enabled = text.split("Enabled extensions:")[1].split("]")[0]
    assert "CloseSpider" in enabled and "CoreStats" in enabled
    assert "Telnet" not in enabled and "RemoteControl" not in enabled
    n = len(article_files(DEMO_MIRROR))
    ((spider, reason, fetched, new, site, fallback, errors, dropped),) = query(
        db,
        "select spider, finish_reason, pages_fetched, articles_new, site_parsed,"
        " fallback_parsed, errors, articles_dropped from crawls",
    )
    assert (spider, reason, new, site, fallback, errors, dropped) == (
        "govt_chinadaily", "finished", n, n, 0, 0, 0,
    )  # fmt: skip
    assert fetched > n  # robots.txt, list pages and articles


def test_every_spider_in_one_process_then_again_incrementally(
    tmp_path: Path, mirror_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cron run: `govnews crawl` with no names, over the test mirrors of every site."""
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")  # for spider_names()
    server = mirror_server()  # tests/mirror over the demo mirror
    db = tmp_path / "govnews.db"
    args = ("crawl", "--db", str(db), "-s", f"MIRROR_URL={server.url}", *FAST)
    first = govnews(*args, cwd=tmp_path)
    assert first.returncode == ExitCode.OK, first.stderr[-3000:]
    runs = query(db, "select spider, finish_reason, articles_new, errors from crawls order by id")
    assert [spider for spider, *_ in runs] == spider_names()
    assert all(reason == "finished" and new > 0 and errors == 0 for _, reason, new, errors in runs)
    stored = query(db, "select count(*) from articles")

    second = govnews(*args, cwd=tmp_path)
    assert second.returncode == ExitCode.OK, second.stderr[-3000:]
    again = query(db, f"select articles_new from crawls where id > {len(runs)}")
    assert again == [(0,)] * len(runs)
    assert query(db, "select count(*) from articles") == stored


def test_unknown_spider_exits_start_failed(tmp_path: Path) -> None:
    result = govnews("crawl", "no_such_site", "--db", str(tmp_path / "x.db"), cwd=tmp_path)
    assert result.returncode == ExitCode.START_FAILED
    assert reason_line(result) == "govnews crawl: unknown spider(s): no_such_site"
    assert not (tmp_path / "x.db").exists()


def test_unusable_database_or_log_path_exits_start_failed(tmp_path: Path) -> None:
    db = tmp_path / "no" / "such" / "dir" / "govnews.db"
    result = govnews("crawl", "govt_chinadaily", "--db", str(db), cwd=tmp_path)
    assert result.returncode == ExitCode.START_FAILED
    assert reason_line(result).startswith("govnews crawl: cannot start: [Errno 2] ")
    assert str(db) in reason_line(result)
    log = tmp_path / "no" / "crawl.log"
    result = govnews("crawl", "--db", str(tmp_path / "x.db"), "--log-file", str(log), cwd=tmp_path)
    assert result.returncode == ExitCode.START_FAILED
    assert reason_line(result).endswith(f"No such file or directory: '{log}'")


def test_list_and_usage_errors(tmp_path: Path) -> None:
    listed = govnews("crawl", "--list", cwd=tmp_path)
    assert listed.returncode == 0
    assert "govt_chinadaily" in listed.stdout.split()
    both = govnews("crawl", "govt_chinadaily", "--all", cwd=tmp_path)
    assert both.returncode == 2 and "SPIDER... or --all" in both.stderr
    db_setting = govnews("crawl", "-s", "GOVNEWS_DB=x.db", cwd=tmp_path)
    assert db_setting.returncode == 2 and "--db" in db_setting.stderr
    assert not list(tmp_path.iterdir())  # nothing created


def test_component_that_fails_to_load_exits_start_failed(tmp_path: Path, mirror_server) -> None:
    server = mirror_server(DEMO_MIRROR)
    db = tmp_path / "govnews.db"
    broken = '-s=DOWNLOADER_MIDDLEWARES={"no_such_module.Middleware": 500}'
    result = govnews(*crawl_args(db, server.url, broken), cwd=tmp_path)
    assert result.returncode == ExitCode.START_FAILED, result.stderr[-3000:]
    assert (
        reason_line(result) == "govnews crawl: govt_chinadaily: did not start (see the log for why)"
    )
    assert "no_such_module" in result.stderr
    # Recorded all the same: the crawls table shows every run.
    ((spider, reason, finished),) = query(
        db, "select spider, finish_reason, finished_at from crawls"
    )
    assert (spider, reason) == ("govt_chinadaily", "start_failed") and finished


def test_errors_above_the_threshold(tmp_path: Path) -> None:
    """The site is down: every request fails (connection refused on a closed port)."""
    db = tmp_path / "govnews.db"
    args = crawl_args(db, f"http://127.0.0.1:{free_port()}", "-s", "RETRY_TIMES=0")
    result = govnews(*args, "-s", "GOVNEWS_MAX_ERRORS=1", cwd=tmp_path)
    assert result.returncode == ExitCode.ERRORS, result.stderr[-3000:]
    assert re.fullmatch(
        r"govnews crawl: govt_chinadaily: \d+ errors logged \(GOVNEWS_MAX_ERRORS=1\)",
        reason_line(result),
    )
    # Still recorded, with the errors counted.
    ((reason, errors),) = query(db, "select finish_reason, errors from crawls")
    assert reason == "finished" and errors > 1


def test_no_article_where_list_pages_had_some(tmp_path: Path, mirror_server) -> None:
    mirror = copy_mirror(tmp_path)
    for page in article_files(mirror):
        page.unlink()  # list pages still link to them: every article is a 404
    server = mirror_server(mirror)
    db = tmp_path / "govnews.db"
    result = govnews(*crawl_args(db, server.url), cwd=tmp_path)
    assert result.returncode == ExitCode.NO_ARTICLES, result.stderr[-3000:]
    assert "govt_chinadaily: no article stored or confirmed (" in reason_line(result)
    assert query(db, "select finish_reason, articles_new from crawls") == [("finished", 0)]


def test_layout_drift_alarm(tmp_path: Path, mirror_server) -> None:
    """The site renamed its article container: the generic extractor still reads the pages."""
    mirror = copy_mirror(tmp_path)
    for page in article_files(mirror):
        page.write_text(page.read_text().replace('id="Content"', 'id="story-text"'))
    server = mirror_server(mirror)
    db = tmp_path / "govnews.db"
    result = govnews(*crawl_args(db, server.url), cwd=tmp_path)
    assert result.returncode == ExitCode.LAYOUT_DRIFT, result.stderr[-3000:]
    n = len(article_files(mirror))
    assert reason_line(result) == (
        f"govnews crawl: govt_chinadaily: layout drift: the site parser read 0 of {n} article"
        " pages (0%, GOVNEWS_MIN_SITE_SHARE=0.8)"
    )
    # The articles are stored all the same (from the fallback), and the run says how.
    assert query(db, "select articles_new, site_parsed, fallback_parsed from crawls") == [(n, 0, n)]


def test_max_minutes_stops_gracefully_and_records_the_run(tmp_path: Path, mirror_server) -> None:
    server = mirror_server(DEMO_MIRROR)
    db = tmp_path / "govnews.db"
    # One request at a time, a second apart: most of the crawl is still queued after 3 s.
    slow = ("-s", "DOWNLOAD_DELAY=1", "-s", "CONCURRENT_REQUESTS=1")
    started = time.monotonic()
    result = govnews(*crawl_args(db, server.url, *slow, "--max-minutes", "0.05"), cwd=tmp_path)
    assert time.monotonic() - started < 30
    assert result.returncode == ExitCode.STOPPED, result.stderr[-3000:]
    assert reason_line(result) == (
        "govnews crawl: govt_chinadaily: stopped early (closespider_timeout); run recorded"
    )
    ((reason, finished_at, new),) = query(
        db, "select finish_reason, finished_at, articles_new from crawls"
    )
    assert reason == "closespider_timeout" and finished_at
    assert new < len(article_files(DEMO_MIRROR))
    assert query(db, "select count(*) from articles") == [(new,)]


def test_one_sigint_stops_gracefully_and_records_the_run(tmp_path: Path, mirror_server) -> None:
    """What `timeout -s INT` or systemd's stop (SIGTERM, handled alike) does to a run."""
    server = mirror_server(DEMO_MIRROR)
    db = tmp_path / "govnews.db"
    proc = subprocess.Popen(
        govnews_cmd(*crawl_args(db, server.url, "-s", "DOWNLOAD_DELAY=1")),
        cwd=tmp_path, env=govnews_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not server.fetched() or not any(ARTICLE_RE.search(p) for p in server.fetched()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.STOPPED, err[-3000:]
    assert err.strip().splitlines()[-1].endswith("stopped early (shutdown); run recorded")
    ((reason, finished_at),) = query(db, "select finish_reason, finished_at from crawls")
    assert reason == "shutdown" and finished_at


def test_reader_in_a_read_transaction_does_not_block_a_crawl(tmp_path: Path, mirror_server) -> None:
    """A downstream tool holding a `mode=ro` snapshot open for the whole crawl."""
    from storage.db import connect

    server = mirror_server(DEMO_MIRROR)
    db = tmp_path / "govnews.db"
    connect(db).close()  # an existing, empty database
    reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    reader.execute("begin")
    assert reader.execute("select count(*) from articles").fetchone() == (0,)
    result = govnews(*crawl_args(db, server.url), cwd=tmp_path)
    assert result.returncode == ExitCode.OK, result.stderr[-3000:]
    assert "database is locked" not in result.stderr
    # Still the snapshot it began with: no article, half-written or whole.
    assert reader.execute("select count(*) from articles").fetchone() == (0,)
    assert reader.execute("select count(*) from images").fetchone() == (0,)
    reader.execute("commit")
    n = len(article_files(DEMO_MIRROR))
    assert reader.execute("select count(*) from articles").fetchone() == (n,)
    reader.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
