"""WorkerPool: article pages parsed in a worker process, with the crawl's guarantees kept.

Real processes throughout: a crawl script with its own spider (a worker that dies on one page),
and ``scrapy crawl govt_chinadaily`` on the fault server stopped with Ctrl-C (SIGINT to the
whole process group, as a terminal sends it) or killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler import workers
from crawler.parsers import govt_chinadaily
from crawler.parsers import parse_with_fallback as parse_in_process
from crawler.spiders.base import parse_body
from crawler.workers import WorkerDied, WorkerPool, _Worker
from tests.conftest import DEMO_MIRROR, REPO
from tests.faultserver import BULK_ARTICLES, FaultServer, list_url, start_crawl, wait_crawl
from tests.mirror_cases import page_url
from tests.test_reliability_process import (
    SMALL_BATCHES,
    check_complete,
    count_articles,
    wait_for_articles,
)


def test_a_worker_parses_as_the_crawl_process_does() -> None:
    page = next((DEMO_MIRROR / "govt.chinadaily.com.cn" / "s").rglob("*.html"))
    url = page_url(page)
    body = page.read_bytes()
    expected = parse_in_process(body.decode("utf-8"), url, govt_chinadaily.parse_article)
    assert parse_body(body, b"text/html; charset=utf-8", url, govt_chinadaily.parse_article) == (
        expected
    )
    assert expected[1] == "site" and expected[0].headline


CRASH_SCRIPT = """
import json, os, re, sys

from scrapy import Request
from scrapy.crawler import CrawlerProcess

from crawler.items import Article
from crawler.spiders.base import NewsSpider


def parse(html, url):
    if url.endswith("/crash.html"):
        os._exit(1)  # what a segfault in a C extension does to the worker
    if url.endswith("/stop.html"):
        return next(iter([]))  # a parser bug: StopIteration (a future refuses to hold one)
    if url.endswith("/main-pid.html"):
        return Article(url=url, headline=str(os.getpid()), body="Worker process id.")
    return Article(url=url, headline="Headline", body=html)


class Crash(NewsSpider):
    name = "crash"
    article_url_re = re.compile(r"^data:")
    parser = staticmethod(parse)

    async def start(self):
        for url in self.start_urls:  # data: URLs, which NewsSpider.start refuses
            yield Request(url, callback=self.parse_article)


class Collect:
    items = []

    def process_item(self, item):
        Collect.items.append(item)
        return item


urls = [f"data:text/html,page-{n}/ok.html" for n in range(6)]
if int(sys.argv[1]):  # with no worker, the crash would be the crawl's own
    urls[3] = "data:text/html,boom/crash.html"
urls.append("data:text/html,bug/stop.html")
urls.append("data:text/html,pid/main-pid.html")
process = CrawlerProcess({
    "ITEM_PIPELINES": {"__main__.Collect": 100},
    "GOVNEWS_WORKERS": int(sys.argv[1]),
    "CONCURRENT_REQUESTS": 4,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "INFO",
})
crawler = process.create_crawler(Crash)
Crash.start_urls = urls
process.crawl(crawler)
process.start()
stats = crawler.stats.get_stats()
print(json.dumps({
    "main": os.getpid(),
    "worker": [int(i.headline) for i in Collect.items if i.url.endswith("main-pid.html")],
    "bodies": sorted(i.body for i in Collect.items if not i.url.endswith("main-pid.html")),
    "site": stats.get("govnews/parsed/site"),
    "crash": stats.get("govnews/dropped/parser_crash"),
}))
"""


def run_crash_script(tmp_path: Path, workers: int) -> dict:
    script = tmp_path / "crash.py"
    script.write_text(textwrap.dedent(CRASH_SCRIPT))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(script), str(workers)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_a_dead_worker_costs_only_its_page(tmp_path: Path) -> None:
    result = run_crash_script(tmp_path, workers=1)
    # The page that kills its worker twice is counted, and so is the one whose parser raises
    # StopIteration, as in-process; every other page, including those in flight when the
    # worker died, is parsed by the replacement.
    assert result["crash"] == 2
    assert result["site"] == 6
    assert result["bodies"] == [f"page-{n}/ok.html" for n in (0, 1, 2, 4, 5)]
    # Parsed in another process.
    assert result["worker"] and result["worker"][0] != result["main"]


def test_zero_workers_parses_in_the_crawl_process(tmp_path: Path) -> None:
    result = run_crash_script(tmp_path, workers=0)
    assert result["worker"] == [result["main"]]
    assert (result["site"], result["crash"]) == (7, 1)  # the StopIteration page


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(c) for c in (task / "children").read_text().split())
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_gone(pids: set[int], timeout: float = 10) -> set[int]:
    deadline = time.monotonic() + timeout
    while (left := {p for p in pids if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")


@contextlib.contextmanager
def crawl_with_workers(tmp_path: Path) -> Iterator[tuple[FaultServer, subprocess.Popen, set[int]]]:
    """``scrapy crawl`` started as a terminal starts it, once it has stored some articles: the
    server, the crawl and its worker processes."""
    db, log = tmp_path / "govnews.db", tmp_path / "crawl.log"
    with FaultServer(tmp_path / "access.log") as server:
        proc = start_crawl(server, db, [list_url("bulk")], *SMALL_BATCHES, log=log, own_group=True)
        wait_for_articles(db, 5)
        workers = children(proc.pid)
        assert workers, "no parse worker"
        yield server, proc, workers


@pytest.mark.slow
def test_ctrl_c_to_the_process_group_stops_gracefully(tmp_path: Path) -> None:
    db, log = tmp_path / "govnews.db", tmp_path / "crawl.log"
    with crawl_with_workers(tmp_path) as (_, proc, workers):
        os.killpg(proc.pid, signal.SIGINT)  # the worker gets it too
        stopped = wait_crawl(proc, db, log, 60)
    assert stopped.returncode == 0, stopped.log[-3000:]
    assert "Received SIGINT, shutting down gracefully" in stopped.log
    assert "Traceback" not in stopped.log, stopped.log[-3000:]
    # Everything scraped was parsed by the worker that ignored the SIGINT, and stored.
    stats = stopped.stats
    assert stats["finish_reason"] == "shutdown"
    assert stats["item_scraped_count"] == count_articles(db)
    assert "govnews/dropped/parser_crash" not in stats
    assert wait_gone(workers) == set()


@pytest.mark.slow
def test_kill_9_leaves_no_worker_behind(tmp_path: Path) -> None:
    db = tmp_path / "govnews.db"
    with crawl_with_workers(tmp_path) as (server, proc, workers):
        proc.kill()
        proc.wait()
        assert wait_gone(workers) == set(), "orphan parse worker"
        assert count_articles(db) < BULK_ARTICLES, "the kill did not land mid-crawl"
        rerun = start_crawl(
            server, db, [list_url("bulk")], *SMALL_BATCHES, log=tmp_path / "rerun.log",
            own_group=True,
        )  # fmt: skip
        assert rerun.wait(120) == 0
    check_complete(db)


def start_fails(error: type[OSError]) -> set[str]:
    """Start a worker, which must fail with ``error``; the descriptors it left open."""

    async def start() -> None:
        with pytest.raises(error):
            _Worker.start()

    before = set(os.listdir("/proc/self/fd"))
    asyncio.run(start())
    return set(os.listdir("/proc/self/fd")) - before


def test_a_failed_fork_leaves_no_pipe_open(monkeypatch) -> None:
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")  # EAGAIN: out of processes

    monkeypatch.setattr(os, "fork", no_fork)
    assert start_fails(BlockingIOError) == set()


def test_a_pipe_that_cannot_be_made_leaves_no_pipe_open(monkeypatch) -> None:
    real_pipe, made = os.pipe, []

    def second_pipe_fails() -> tuple[int, int]:
        if made:
            raise OSError(24, "Too many open files")  # EMFILE
        made.append(real_pipe())
        return made[-1]

    monkeypatch.setattr(os, "pipe", second_pipe_fails)
    assert start_fails(OSError) == set()
    assert made


def _echo_or_die(value: str, padding: bytes) -> str:
    if value == "die":
        os._exit(1)
    return value


def test_calls_never_sent_to_a_dead_worker_go_to_its_replacement(monkeypatch, caplog) -> None:
    """Only the calls the worker had are suspects, each run again alone: not those queued."""
    monkeypatch.setattr(workers, "_PIPE_SIZE", 4096)  # room for one 8 KB call at a time

    async def scenario() -> list:
        pool = WorkerPool(1)
        pool.open()
        padding = b"x" * 8192
        try:
            return await asyncio.gather(
                pool.run(_echo_or_die, "die", padding),
                *(pool.run(_echo_or_die, f"ok{n}", padding) for n in range(4)),
                return_exceptions=True,
            )
        finally:
            await pool.close()

    with caplog.at_level(logging.WARNING, logger="crawler.workers"):
        results = asyncio.run(scenario())
    assert isinstance(results[0], WorkerDied)
    assert results[1:] == ["ok0", "ok1", "ok2", "ok3"]
    assert caplog.text.count("again alone") == 1
