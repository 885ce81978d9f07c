"""SQLitePipeline: store articles through ``storage``, in batches, and record the crawl run.

Settings: ``GOVNEWS_DB`` (file, default ``govnews.db``); ``GOVNEWS_BATCH_SIZE`` (articles per
transaction, default 50) and ``GOVNEWS_BATCH_SECONDS`` (default 2): a batch is written once it
holds that many articles, or when an article arrives and the batch's first one has waited that
long; ``GOVNEWS_DEFER_SEARCH_INDEX`` (default off): batches store articles and images only,
and the crawl's articles are indexed for search in bulk once its last batch is written (a bulk
import's choice: search lags the crawl, which stores faster). Stats:
``govnews/stored/new|updated|unchanged`` and
``govnews/dropped/store_error``. The ``crawls`` row is opened in ``open_spider`` and closed on
the ``spider_closed`` signal, the first point where Scrapy knows the finish reason.

Batches are written by a thread of the pipeline's own, which holds the connection: sqlite3
lets go of the GIL while SQLite works, so the full-text index is built on the other core while
the event loop goes on downloading (a batch of 50 took it ~15 ms). At most
:data:`BATCHES_IN_FLIGHT` batches wait for that thread; while they do, every item waits before
it joins the buffer (Scrapy runs each response's items in a task of their own, so holding up
only the item that fills a batch would let batches pile up), and Scrapy's scraper slot then
holds up the downloads. What a write did is counted and logged back in the loop's thread, in
batch order, where Scrapy's stats and log counters live. With a reactor other than asyncio's,
batches are written in the loop's thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.utils.asyncio import is_asyncio_available

from crawler.items import Article
from storage.db import DEFAULT_PATH, OperationalError, connect
from storage.writer import ArticleWriter, WriteResult, finish_crawl, start_crawl

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: Articles per transaction while pages stream in. Bigger batches cost less CPU per article
#: (about a third less at 500, mostly in the full-text index: FTS5 writes an index segment per
#: statement and merges them later; ``python -m benchmarks.storage --batch N``), but a killed
#: crawl re-fetches what its unwritten batches held: 50 keeps that small.
DEFAULT_BATCH_SIZE = 50
#: A slow, polite crawl still lands its articles within seconds, not when 50 have come in.
DEFAULT_BATCH_SECONDS = 2.0
#: Batches handed to the writing thread and not yet written: one being written, one waiting.
BATCHES_IN_FLIGHT = 2


@dataclass
class _Stored:
    """What writing one batch did, reported back to the loop's thread."""

    size: int
    result: WriteResult = field(default_factory=WriteResult)
    #: Why the batch as a whole failed (logged with its traceback), and whether its articles
    #: were then retried one by one.
    failure: BaseException | None = None
    retried: bool = False
    not_stored: list[tuple[Article, BaseException]] = field(default_factory=list)


class SQLitePipeline:
    """Buffer articles and write each batch in one transaction, off the event loop."""

    def __init__(
        self,
        crawler: Crawler,
        path: str,
        batch_size: int = DEFAULT_BATCH_SIZE,
        batch_seconds: float = DEFAULT_BATCH_SECONDS,
        defer_search_index: bool = False,
    ) -> None:
        self.crawler = crawler
        self.path = path
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.defer_search_index = defer_search_index
        #: When the first article of the buffer arrived (``time.monotonic``).
        self.batch_started = 0.0
        self.db: sqlite_utils.Database | None = None
        self.writer: ArticleWriter | None = None
        self.crawl_id: int | None = None
        self.buffer: list[Article] = []
        #: The one thread that uses ``db`` (``None``: the loop's own thread does).
        self._thread: ThreadPoolExecutor | None = None
        self._in_flight: deque[asyncio.Future[_Stored]] = deque()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLitePipeline:
        settings = crawler.settings
        pipeline = cls(
            crawler,
            settings.get("GOVNEWS_DB") or DEFAULT_PATH,
            settings.getint("GOVNEWS_BATCH_SIZE", DEFAULT_BATCH_SIZE),
            settings.getfloat("GOVNEWS_BATCH_SECONDS", DEFAULT_BATCH_SECONDS),
            settings.getbool("GOVNEWS_DEFER_SEARCH_INDEX"),
        )
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    async def open_spider(self) -> None:
        if is_asyncio_available():
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="govnews-store")
            # Waited for, not awaited: spiders opening in one process number their crawls
            # in the order they open, and the database is ready before the first item.
            self._thread.submit(self._open).result()
        else:
            self._open()
        logger.info("Storing into %s (crawl %d)", self.path, self.crawl_id)

    def _open(self) -> None:
        self.db = connect(self.path)
        self.writer = ArticleWriter(self.db, index_search=not self.defer_search_index)
        self.crawl_id = start_crawl(self.db, self._spider_name)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, Article):
            # What every spider here yields: no ItemAdapter (it inspects the dataclass's
            # fields each time: a tenth of this pipeline's time).
            item.spider = self._spider_name
            article = item
        else:
            try:
                adapter = ItemAdapter(item)
                adapter["spider"] = self._spider_name
                article = Article.from_dict(adapter.asdict())
            except (TypeError, KeyError):
                logger.exception("Not an article, not stored: %r", item)
                self.crawler.stats.inc_value("govnews/dropped/store_error")
                return item
        while len(self._in_flight) >= BATCHES_IN_FLIGHT:
            await self._settle_oldest()
        now = time.monotonic()
        if not self.buffer:
            self.batch_started = now
        self.buffer.append(article)
        if len(self.buffer) >= self.batch_size or now - self.batch_started >= self.batch_seconds:
            self.flush()
        return item

    async def close_spider(self) -> None:
        self.flush()
        await self.drain()
        if self.defer_search_index and self.writer is not None:
            started = time.monotonic()
            try:
                indexed = await self._call(self.writer.index_missing)
            except Exception:
                # Stored all the same: the next writer to open this database indexes them.
                logger.exception("Indexing the crawl's articles for search failed")
            else:
                seconds = time.monotonic() - started
                logger.info("Indexed %d articles for search in %.1f s", indexed, seconds)

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        try:
            if self.crawl_id is not None:
                # Read here, in the loop's thread: the stats are final once the spider closed.
                stats = dict(self.crawler.stats.get_stats())
                await self._call(self._finish, reason, stats)
        finally:
            if self._thread is not None:
                self._thread.shutdown()
                self._thread = None

    def _finish(self, reason: str, stats: dict[str, Any]) -> None:
        assert self.db is not None and self.crawl_id is not None
        try:
            finish_crawl(self.db, self.crawl_id, finish_reason=reason, stats=stats)
        finally:
            self.db.close()
            self.db = None

    def flush(self) -> None:
        """Hand the buffered articles to the writing thread as one batch."""
        batch, self.buffer = self.buffer, []
        if not batch or self.writer is None:
            return
        if self._thread is None:
            self._count(self._write(batch))
            return
        self._in_flight.append(asyncio.wrap_future(self._thread.submit(self._write, batch)))

    async def drain(self) -> None:
        """Wait until every batch handed to the writing thread is written and counted."""
        while self._in_flight:
            await self._settle_oldest()

    async def _settle_oldest(self) -> None:
        # The thread writes batches in the order they were handed over; they are counted so,
        # once each, whichever task waited for them.
        oldest = self._in_flight[0]
        stored = await asyncio.shield(oldest)
        if self._in_flight and self._in_flight[0] is oldest:
            self._in_flight.popleft()
            self._count(stored)

    def _write(self, batch: list[Article]) -> _Stored:
        """Write ``batch`` in one transaction (in the writing thread).

        If the batch fails because of one bad article, the articles are retried one at a time,
        so it costs only itself. If the database itself fails (locked past the busy timeout,
        disk full, read-only), retrying would fail the same way, each after the busy timeout,
        so the rest is given up at once. Every article not stored is logged with its URL and
        counted; not being stored, it is fetched again by the next incremental crawl.
        """
        assert self.writer is not None
        stored = _Stored(len(batch))
        try:
            stored.result = self.writer.write(batch, self.crawl_id)
        except OperationalError as error:
            stored.failure = error
            stored.not_stored = [(article, error) for article in batch]
        except Exception as error:
            stored.failure, stored.retried = error, True
            result = stored.result
            for n, article in enumerate(batch):
                try:
                    one = self.writer.write([article], self.crawl_id)
                except OperationalError as error:
                    stored.not_stored += [(rest, error) for rest in batch[n:]]
                    break
                except Exception as error:
                    stored.not_stored.append((article, error))
                    continue
                result.new += one.new
                result.updated += one.updated
                result.unchanged += one.unchanged
        return stored

    def _count(self, stored: _Stored) -> None:
        if stored.failure is not None:
            logger.error(
                "Storing a batch of %d articles failed%s",
                stored.size,
                "; retrying one by one" if stored.retried else "",
                exc_info=stored.failure,
            )
        stats = self.crawler.stats
        for article, error in stored.not_stored:
            logger.error("Not stored: %s (%s: %s)", article.url, type(error).__name__, error)
            stats.inc_value("govnews/dropped/store_error")
        stats.inc_value("govnews/stored/new", stored.result.new)
        stats.inc_value("govnews/stored/updated", stored.result.updated)
        stats.inc_value("govnews/stored/unchanged", stored.result.unchanged)

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in the thread that uses the connection."""
        if self._thread is None:
            return function(*args)
        return await asyncio.wrap_future(self._thread.submit(function, *args))

    @property
    def _spider_name(self) -> str:
        return self.crawler.spider.name
