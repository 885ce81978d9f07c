"""SQLitePipeline: batches, stats, the crawls row, store errors; in-process and in a real run."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Spider, signals
from scrapy.utils.test import get_crawler

from crawler.items import Article, Image
from pipelines.store import BATCHES_IN_FLIGHT, SQLitePipeline
from storage import db as storage_db
from storage.db import connect
from storage.queries import search
from storage.writer import ArticleWriter

REPO = Path(__file__).resolve().parents[1]


class ItemsSpider(Spider):
    name = "items_spider"


def article(n: int, **fields) -> Article:
    values = {
        "url": f"https://www.example.gov/news/{n}.html",
        "headline": f"Headline {n}",
        "body": f"Paragraph one of {n}.\n\nParagraph two.",
        "content_hash": f"hash-{n}",
        "images": [Image(src=f"https://www.example.gov/img/{n}.jpg")],
    }
    values.update(fields)
    return Article(**values)


@pytest.fixture
def crawler(tmp_path: Path):
    crawler = get_crawler(
        ItemsSpider, {"GOVNEWS_DB": str(tmp_path / "news.db"), "GOVNEWS_BATCH_SIZE": 2}
    )
    crawler.spider = crawler._create_spider()
    crawler.stats.open_spider()
    return crawler


@pytest.fixture
def run():
    """Run a coroutine on one asyncio loop per test, the loop a crawl's reactor runs on."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


async def close(crawler, pipeline: SQLitePipeline, reason: str = "finished") -> None:
    """What the engine does at the end: pipelines' close_spider, then the spider_closed signal."""
    await pipeline.close_spider()
    await crawler.signals.send_catch_log_async(
        signals.spider_closed, spider=crawler.spider, reason=reason
    )


def test_pipeline_writes_batches_stats_and_crawl_row(tmp_path: Path, crawler, run) -> None:
    pipeline = SQLitePipeline.from_crawler(crawler)
    assert (pipeline.path, pipeline.batch_size) == (str(tmp_path / "news.db"), 2)
    run(pipeline.open_spider())
    reader = connect(tmp_path / "news.db", readonly=True)
    assert run(pipeline.process_item(article(1))) == article(1, spider="items_spider")
    run(pipeline.drain())
    assert reader["articles"].count == 0  # buffered
    run(pipeline.process_item(article(2)))
    run(pipeline.drain())
    assert reader["articles"].count == 2  # one batch written
    dict_item = {"url": article(3).url, "body": "Dict item.", "images": [{"src": "https://x/3"}]}
    run(pipeline.process_item(dict_item))
    assert dict_item["spider"] == "items_spider"
    run(pipeline.process_item(article(1)))
    crawler.stats.set_value("response_received_count", 5)
    crawler.stats.inc_value("govnews/dropped/no_body")
    run(close(crawler, pipeline, reason="shutdown"))

    rows = list(reader["articles"].rows_where(order_by="id"))
    assert [r["url"] for r in rows] == [article(n).url for n in (1, 2, 3)]
    assert {r["spider"] for r in rows} == {"items_spider"}
    assert {r["crawl_id"] for r in rows} == {1}
    assert reader["images"].count == 3
    stats = crawler.stats.get_stats()
    assert (
        stats["govnews/stored/new"],
        stats["govnews/stored/updated"],
        stats["govnews/stored/unchanged"],
    ) == (3, 0, 1)
    (crawl,) = reader["crawls"].rows
    assert crawl["spider"] == "items_spider"
    assert crawl["finish_reason"] == "shutdown"
    assert crawl["finished_at"] >= crawl["started_at"]
    assert (crawl["pages_fetched"], crawl["articles_new"], crawl["articles_unchanged"]) == (5, 3, 1)
    assert crawl["articles_dropped"] == 1
    assert json.loads(crawl["stats"])["govnews/dropped/no_body"] == 1
    assert pipeline.db is None  # connection closed


def test_a_batch_is_written_once_its_first_article_has_waited(crawler, monkeypatch, run) -> None:
    """A slow crawl: the batch is far from full, but its articles land within seconds."""
    clock = iter([100.0, 101.0, 102.5, 103.0])
    # The pipeline's clock alone (asyncio's loop reads time.monotonic too).
    monkeypatch.setattr("pipelines.store.time", SimpleNamespace(monotonic=lambda: next(clock)))
    crawler.settings.frozen = False
    crawler.settings.set("GOVNEWS_BATCH_SIZE", 500)
    crawler.settings.set("GOVNEWS_BATCH_SECONDS", 2)
    pipeline = SQLitePipeline.from_crawler(crawler)
    run(pipeline.open_spider())
    reader = connect(pipeline.path, readonly=True)
    run(pipeline.process_item(article(1)))  # t=100: the batch starts
    run(pipeline.process_item(article(2)))  # t=101
    run(pipeline.drain())
    assert reader["articles"].count == 0
    run(pipeline.process_item(article(3)))  # t=102.5: the first has waited 2.5 s
    run(pipeline.drain())
    assert reader["articles"].count == 3
    run(pipeline.process_item(article(4)))  # t=103: a new batch starts
    run(pipeline.drain())
    assert reader["articles"].count == 3
    run(close(crawler, pipeline))
    assert reader["articles"].count == 4


def held_writes(monkeypatch) -> tuple[threading.Event, list[str]]:
    """Every batch write waits until the event is set; the list gets each writer's thread."""
    release = threading.Event()
    written_by: list[str] = []
    real_write = ArticleWriter.write

    def held_write(self, articles, crawl_id=None):
        written_by.append(threading.current_thread().name)
        assert release.wait(10)
        return real_write(self, articles, crawl_id)

    monkeypatch.setattr(ArticleWriter, "write", held_write)
    return release, written_by


def test_batches_are_written_off_the_loop_in_order_and_hold_up_items_when_behind(
    crawler, monkeypatch, run
) -> None:
    """The loop goes on while a thread of its own writes; once BATCHES_IN_FLIGHT batches wait
    for it, the item that fills one more waits too; batches are counted as they were written."""
    release, written_by = held_writes(monkeypatch)
    pipeline = SQLitePipeline.from_crawler(crawler)  # batches of 2
    run(pipeline.open_spider())

    async def scenario() -> None:
        for n in range(2 * BATCHES_IN_FLIGHT):  # handed over; the first is being written
            await pipeline.process_item(article(n))
        assert crawler.stats.get_value("govnews/stored/new") is None

        async def one_more_batch() -> None:
            for n in range(2 * BATCHES_IN_FLIGHT, 2 * BATCHES_IN_FLIGHT + 2):
                await pipeline.process_item(article(n))

        held_up = asyncio.ensure_future(one_more_batch())
        await asyncio.sleep(0.2)
        assert not held_up.done()
        release.set()
        await held_up
        await pipeline.drain()

    run(scenario())
    assert crawler.stats.get_value("govnews/stored/new") == 2 * BATCHES_IN_FLIGHT + 2
    assert len(written_by) == BATCHES_IN_FLIGHT + 1
    assert set(written_by) != {threading.current_thread().name}
    assert len(set(written_by)) == 1  # one thread holds the connection
    run(close(crawler, pipeline))
    reader = connect(pipeline.path, readonly=True)
    assert [r["url"] for r in reader["articles"].rows_where(order_by="id")] == [
        article(n).url for n in range(2 * BATCHES_IN_FLIGHT + 2)
    ]


def test_items_of_many_responses_at_once_wait_while_the_thread_is_behind(
    crawler, monkeypatch, run
) -> None:
    """Scrapy runs each response's items in a task of their own: however many arrive, no more
    than BATCHES_IN_FLIGHT batches (and one buffer) are held while the writes are slow."""
    release, _ = held_writes(monkeypatch)
    peak: list[int] = []
    pipeline = SQLitePipeline.from_crawler(crawler)  # batches of 2
    run(pipeline.open_spider())

    async def scenario() -> None:
        tasks = [asyncio.ensure_future(pipeline.process_item(article(n))) for n in range(30)]
        await asyncio.sleep(0.2)
        peak.append(len(pipeline._in_flight))
        peak.append(sum(t.done() for t in tasks))
        release.set()
        await asyncio.gather(*tasks)
        await pipeline.drain()

    run(scenario())
    in_flight, items_through = peak
    assert in_flight == BATCHES_IN_FLIGHT
    assert items_through == 2 * BATCHES_IN_FLIGHT  # the rest wait their turn
    assert crawler.stats.get_value("govnews/stored/new") == 30
    run(close(crawler, pipeline))


def test_store_error_costs_only_the_bad_article(tmp_path: Path, crawler, caplog, run) -> None:
    crawler.settings.frozen = False
    crawler.settings.set("GOVNEWS_BATCH_SIZE", 3)
    pipeline = SQLitePipeline.from_crawler(crawler)
    run(pipeline.open_spider())
    broken = article(2, images=[Image(src=None)])  # violates images.src NOT NULL
    with caplog.at_level(logging.ERROR, logger="pipelines.store"):
        for item in (article(1), broken, article(3), "not an article"):
            run(pipeline.process_item(item))
        run(close(crawler, pipeline))
    db = connect(tmp_path / "news.db", readonly=True)
    assert [r["url"] for r in db["articles"].rows] == [article(1).url, article(3).url]
    stats = crawler.stats.get_stats()
    assert stats["govnews/dropped/store_error"] == 2
    assert stats["govnews/stored/new"] == 2
    assert any(broken.url in record.getMessage() for record in caplog.records)
    (crawl,) = db["crawls"].rows
    assert (crawl["articles_new"], crawl["articles_dropped"]) == (2, 2)


def test_database_failure_gives_up_the_batch_at_once(
    tmp_path: Path, crawler, monkeypatch, caplog, run
) -> None:
    """Locked past the busy timeout: the batch is counted lost without a wait per article."""
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT", 0.3)
    crawler.settings.frozen = False
    crawler.settings.set("GOVNEWS_BATCH_SIZE", 4)
    pipeline = SQLitePipeline.from_crawler(crawler)
    run(pipeline.open_spider())
    other = connect(tmp_path / "news.db")
    other.execute("begin immediate")  # e.g. someone running VACUUM
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="pipelines.store"):
        for n in range(4):
            run(pipeline.process_item(article(n)))
        run(pipeline.drain())
    assert time.monotonic() - started < 2.0  # one wait, not one per article
    assert crawler.stats.get_value("govnews/dropped/store_error") == 4
    assert sum("Not stored: " in r.getMessage() for r in caplog.records) == 4
    other.execute("commit")
    for n in range(4, 8):
        run(pipeline.process_item(article(n)))  # the crawl goes on
    run(close(crawler, pipeline))
    db = connect(tmp_path / "news.db", readonly=True)
    assert [r["url"] for r in db["articles"].rows] == [article(n).url for n in range(4, 8)]
    (crawl,) = db["crawls"].rows
    assert (crawl["articles_new"], crawl["articles_dropped"]) == (4, 4)


def test_a_deferred_search_index_is_built_when_the_spider_closes(
    tmp_path: Path, crawler, caplog, run
) -> None:
    crawler.settings.frozen = False
    crawler.settings.set("GOVNEWS_DEFER_SEARCH_INDEX", "True")  # as -s gives it
    pipeline = SQLitePipeline.from_crawler(crawler)
    run(pipeline.open_spider())
    for n in range(5):
        run(pipeline.process_item(article(n)))
    run(pipeline.drain())
    reader = connect(tmp_path / "news.db", readonly=True)
    assert reader["articles"].count == 4 and reader["images"].count == 4  # two batches
    assert search(reader, "headline") == []  # stored, not searchable yet
    with caplog.at_level(logging.INFO, logger="pipelines.store"):
        run(close(crawler, pipeline))
    found = sorted(result["url"] for result in search(reader, "headline"))
    assert found == [article(n).url for n in range(5)]
    assert "Indexed 5 articles for search" in caplog.text
    (crawl,) = reader["crawls"].rows
    assert crawl["articles_new"] == 5


def test_a_deferred_index_that_fails_leaves_the_articles_to_the_next_writer(
    tmp_path: Path, crawler, monkeypatch, caplog, run
) -> None:
    crawler.settings.frozen = False
    crawler.settings.set("GOVNEWS_DEFER_SEARCH_INDEX", True)
    pipeline = SQLitePipeline.from_crawler(crawler)
    run(pipeline.open_spider())
    for n in range(3):
        run(pipeline.process_item(article(n)))
    with monkeypatch.context() as patch:
        patch.setattr(ArticleWriter, "index_missing", lambda self: 1 / 0)
        with caplog.at_level(logging.ERROR, logger="pipelines.store"):
            run(close(crawler, pipeline))
    assert "Indexing the crawl's articles for search failed" in caplog.text
    reader = connect(tmp_path / "news.db", readonly=True)
    assert reader["articles"].count == 3
    assert reader["crawls"].get(1)["finish_reason"] == "finished"
    assert search(reader, "headline") == []
    ArticleWriter(connect(tmp_path / "news.db"))  # the next crawl's writer
    assert len(search(reader, "headline")) == 3


SCRIPT = """
import sys

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess

from crawler.items import Article, Image


class Demo(Spider):
    name = "demo"

    async def start(self):
        # data: URLs are real downloads through the engine, without a server.
        for n in range(int(sys.argv[2])):
            yield Request(f"data:text/plain,{n}", cb_kwargs={"n": n})

    def parse(self, response, n):
        yield Article(
            url=f"https://www.example.gov/news/{n}.html",
            headline=f"Headline {n}",
            body=sys.argv[3] + f" {n}",
            content_hash=sys.argv[3] + str(n),
            images=[Image(src=f"https://www.example.gov/img/{n}.jpg")],
        )


process = CrawlerProcess({
    "ITEM_PIPELINES": {"pipelines.store.SQLitePipeline": 300},
    "GOVNEWS_DB": sys.argv[1],
    "GOVNEWS_BATCH_SIZE": 4,
    "CLOSESPIDER_ITEMCOUNT": int(sys.argv[4]),
    **({"TWISTED_REACTOR": sys.argv[5]} if len(sys.argv) > 5 else {}),
    "CONCURRENT_REQUESTS": 1,
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
    "LOG_LEVEL": "INFO",
})
process.crawl(Demo)
process.start()
"""


def run_crawl(tmp_path: Path, items: int, body: str, itemcount: int = 0, *reactor: str) -> None:
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    db_path = str(tmp_path / "news.db")
    args = [sys.executable, str(script), db_path, str(items), body, str(itemcount), *reactor]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "Deprecat" not in done.stderr, done.stderr  # methods without the spider argument


def test_real_crawl_records_runs_and_finish_reasons(tmp_path: Path) -> None:
    run_crawl(tmp_path, 10, "first")
    run_crawl(tmp_path, 10, "first")
    run_crawl(tmp_path, 10, "edited", itemcount=6)
    db = connect(tmp_path / "news.db", readonly=True)
    crawls = list(db["crawls"].rows_where(order_by="id"))
    assert [c["finish_reason"] for c in crawls] == ["finished", "finished", "closespider_itemcount"]
    counts = [(c["articles_new"], c["articles_updated"], c["articles_unchanged"]) for c in crawls]
    assert counts[:2] == [(10, 0, 0), (0, 0, 10)]
    # CLOSESPIDER_ITEMCOUNT closes after 6 items; items already in flight are still stored.
    assert counts[2][0] == counts[2][2] == 0
    assert 6 <= counts[2][1] < 10
    assert crawls[0]["pages_fetched"] == 10
    assert db["article_versions"].count == crawls[2]["articles_updated"]
    assert db["articles"].count == 10
    assert db["images"].count == 10
    assert json.loads(crawls[0]["stats"])["item_scraped_count"] == 10
    assert all(c["finished_at"] >= c["started_at"] for c in crawls)


def test_without_the_asyncio_reactor_batches_are_written_in_the_loops_thread(tmp_path: Path):
    run_crawl(tmp_path, 10, "first", 0, "twisted.internet.epollreactor.EPollReactor")
    db = connect(tmp_path / "news.db", readonly=True)
    (crawl,) = db["crawls"].rows
    assert (crawl["finish_reason"], crawl["articles_new"]) == ("finished", 10)
    assert (db["articles"].count, db["images"].count) == (10, 10)
