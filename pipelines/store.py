"""SQLitePipeline: store articles through ``storage``, in batches, and record the crawl run.

Settings: ``GOVNEWS_DB`` (file, default ``govnews.db``); ``GOVNEWS_BATCH_SIZE`` (articles per
transaction, default 50) and ``GOVNEWS_BATCH_SECONDS`` (default 2): a batch is written once it
holds that many articles, or when an article arrives and the batch's first one has waited that
long. Stats: ``govnews/stored/new|updated|unchanged`` and
``govnews/dropped/store_error``. The ``crawls`` row is opened in ``open_spider`` and closed on
the ``spider_closed`` signal, the first point where Scrapy knows the finish reason.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals

from crawler.items import Article
from storage.db import DEFAULT_PATH, OperationalError, connect
from storage.writer import ArticleWriter, WriteResult, finish_crawl, start_crawl

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: Articles per transaction while pages stream in. Bigger batches cost less CPU per article
#: (about a third less at 500, mostly in the full-text index: FTS5 writes an index segment per
#: statement and merges them later; ``python -m benchmarks.storage --batch N``), but each write
#: pauses the crawl's event loop, about 0.3 ms per article, and a killed crawl re-fetches what
#: its unwritten batch held: 50 keeps both small.
DEFAULT_BATCH_SIZE = 50
#: A slow, polite crawl still lands its articles within seconds, not when 50 have come in.
DEFAULT_BATCH_SECONDS = 2.0


class SQLitePipeline:
    """Buffer articles and write each batch in one transaction."""

    def __init__(
        self,
        crawler: Crawler,
        path: str,
        batch_size: int = DEFAULT_BATCH_SIZE,
        batch_seconds: float = DEFAULT_BATCH_SECONDS,
    ) -> None:
        self.crawler = crawler
        self.path = path
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        #: When the first article of the buffer arrived (``time.monotonic``).
        self.batch_started = 0.0
        self.db: sqlite_utils.Database | None = None
        self.writer: ArticleWriter | None = None
        self.crawl_id: int | None = None
        self.buffer: list[Article] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLitePipeline:
        settings = crawler.settings
        pipeline = cls(
            crawler,
            settings.get("GOVNEWS_DB") or DEFAULT_PATH,
            settings.getint("GOVNEWS_BATCH_SIZE", DEFAULT_BATCH_SIZE),
            settings.getfloat("GOVNEWS_BATCH_SECONDS", DEFAULT_BATCH_SECONDS),
        )
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.db = connect(self.path)
        self.writer = ArticleWriter(self.db)
        self.crawl_id = start_crawl(self.db, self._spider_name)
        logger.info("Storing into %s (crawl %d)", self.path, self.crawl_id)

    def process_item(self, item: Any) -> Any:
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
        now = time.monotonic()
        if not self.buffer:
            self.batch_started = now
        self.buffer.append(article)
        if len(self.buffer) >= self.batch_size or now - self.batch_started >= self.batch_seconds:
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.db is None or self.crawl_id is None:
            return
        try:
            finish_crawl(
                self.db, self.crawl_id, finish_reason=reason, stats=self.crawler.stats.get_stats()
            )
        finally:
            self.db.close()
            self.db = None

    def flush(self) -> None:
        """Write the buffered articles in one transaction.

        If the batch fails because of one bad article, the articles are retried one at a time,
        so it costs only itself. If the database itself fails (locked past the busy timeout,
        disk full, read-only), retrying would fail the same way, each after the busy timeout,
        so the rest is given up at once. Every article not stored is logged with its URL and
        counted; not being stored, it is fetched again by the next incremental crawl.
        """
        batch, self.buffer = self.buffer, []
        if not batch or self.writer is None:
            return
        result = WriteResult()
        try:
            result = self.writer.write(batch, self.crawl_id)
        except OperationalError as error:
            logger.exception("Storing a batch of %d articles failed", len(batch))
            self._not_stored(batch, error)
        except Exception:
            logger.exception(
                "Storing a batch of %d articles failed; retrying one by one", len(batch)
            )
            for n, article in enumerate(batch):
                try:
                    one = self.writer.write([article], self.crawl_id)
                except OperationalError as error:
                    self._not_stored(batch[n:], error)
                    break
                except Exception as error:
                    self._not_stored([article], error)
                    continue
                result.new += one.new
                result.updated += one.updated
                result.unchanged += one.unchanged
        stats = self.crawler.stats
        stats.inc_value("govnews/stored/new", result.new)
        stats.inc_value("govnews/stored/updated", result.updated)
        stats.inc_value("govnews/stored/unchanged", result.unchanged)

    def _not_stored(self, articles: list[Article], error: Exception) -> None:
        for article in articles:
            logger.error("Not stored: %s (%s: %s)", article.url, type(error).__name__, error)
            self.crawler.stats.inc_value("govnews/dropped/store_error")

    @property
    def _spider_name(self) -> str:
        return self.crawler.spider.name
