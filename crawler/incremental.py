"""Incremental crawls: article pages already in the database are not fetched again.

State between runs lives in SQLite, not in a ``JOBDIR`` (that is for pausing one job; reused
across runs it would filter the list pages as already seen). List pages and feeds are always
fetched, so new articles are found; a link to an article already stored is dropped as the
spider yields it, before it is scheduled.

With ``GOVNEWS_REFRESH_DAYS = N`` (``govnews crawl --refresh-days N``) stored articles published
in the last N days are fetched again, conditionally: ``If-None-Match`` / ``If-Modified-Since``
from the validators the page was last served with (saved here for every article page). A
``304 Not Modified`` only moves the article's ``last_seen``; a changed page goes through the
pipelines, and the writer updates the row and keeps the previous text in ``article_versions``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.middlewares import count_lost, failure_reason
from storage.db import OperationalError, connect
from storage.queries import known_urls, revalidation_targets
from storage.writer import mark_seen, save_validators

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure


logger = logging.getLogger(__name__)

#: Validators (or 304s) kept in memory before they are written together.
WRITE_EVERY = 1000


class IncrementalMiddleware:
    """Spider middleware: skip links to stored articles, revalidate recent ones.

    It sits outside ``LostPageMiddleware`` (a higher order), so it sees the spider's requests
    first: a skipped link never becomes a request, and a revalidation carries its own errback,
    which takes a 304 as the good news it is and reports any other failure as a lost page.

    Settings: ``GOVNEWS_INCREMENTAL`` (on by default), ``GOVNEWS_REFRESH_DAYS``, ``GOVNEWS_DB``.
    Stats: ``govnews/requests/article`` (article links the spider yielded),
    ``govnews/skipped/known`` (distinct links to stored articles: a story listed on two section
    pages counts once), ``govnews/revalidated`` (conditional requests sent),
    ``govnews/not_modified`` (304s; also counted in ``govnews/stored/unchanged``).

    Validators and 304s are written :data:`WRITE_EVERY` at a time, and at the end of the crawl:
    SQLite has one writer, and a transaction per page in the event loop's thread would wait
    behind every batch the store pipeline's thread writes. A crawl killed meanwhile loses only
    those: a page without validators is fetched unconditionally, and ``last_seen`` of a 304 is
    left where it was.
    """

    def __init__(self, crawler: Crawler, db_path: str, refresh_days: float):
        self.crawler = crawler
        self.db_path = db_path
        self.refresh_days = refresh_days
        self.db: sqlite_utils.Database | None = None
        self.known: set[str] = set()
        self.skipped: set[str] = set()
        #: URL -> (ETag, Last-Modified) of the stored articles to revalidate.
        self.targets: dict[str, tuple[str | None, str | None]] = {}
        #: Not written yet: the validators of article pages fetched, the URLs answered 304.
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.not_modified: list[str] = []
        #: How many of either kind are written at once (more after a failed write).
        self.write_at = WRITE_EVERY

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        settings = crawler.settings
        if not settings.getbool("GOVNEWS_INCREMENTAL"):
            raise NotConfigured
        middleware = cls(crawler, settings["GOVNEWS_DB"], settings.getfloat("GOVNEWS_REFRESH_DAYS"))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        self.db = connect(self.db_path)
        self.known = known_urls(self.db, spider.name)
        if self.refresh_days > 0:
            since = datetime.now(UTC) - timedelta(days=self.refresh_days)
            self.targets = revalidation_targets(self.db, since.date().isoformat(), spider.name)

    def spider_closed(self, spider: Spider) -> None:
        if self.db is not None:
            self.flush()  # what still fails now is lost, logged: the pages themselves are not
            self.db.close()
            self.db = None

    def flush(self) -> None:
        """Write the validators and 304s kept so far, each kind in one transaction.

        When the database fails (locked past the busy timeout, disk full), they are kept for
        the next try, :data:`WRITE_EVERY` pages later or at the end, and the error is logged:
        a page's callback never fails for them.
        """
        assert self.db is not None
        if self.validators:
            try:
                save_validators(self.db, self.validators)
                self.validators = {}
            except OperationalError:
                logger.exception("Saving the validators of %d pages failed", len(self.validators))
        if self.not_modified:
            try:
                mark_seen(self.db, self.not_modified)
                self.not_modified = []
            except OperationalError:
                logger.exception("Moving last_seen of %d articles failed", len(self.not_modified))
        self.write_at = max(len(self.validators), len(self.not_modified)) + WRITE_EVERY

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            if (request := self._filter(item_or_request)) is not None:
                yield request

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for item_or_request in result:
            if (request := self._filter(item_or_request)) is not None:
                yield request

    def process_spider_input(self, response: Response) -> None:
        """Save the validators of every article page (HttpError has let only 2xx through)."""
        if self.db is None or not self._is_article(response.url):
            return
        etag, last_modified = (response.headers.get(h) for h in ("ETag", "Last-Modified"))
        if etag or last_modified:
            self.validators[response.url] = (_text(etag), _text(last_modified))
            if len(self.validators) >= self.write_at:
                self.flush()

    def _filter(self, item_or_request: Any) -> Any:
        """The request to schedule instead of ``item_or_request``; None to skip it."""
        if not isinstance(item_or_request, Request) or not self._is_article(item_or_request.url):
            return item_or_request
        request = item_or_request
        stats = self.crawler.stats
        stats.inc_value("govnews/requests/article")
        # ``known`` holds the URL each article was stored under and its canonical URL.
        if request.url not in self.known:
            return request
        if request.url not in self.targets:
            if request.url not in self.skipped:
                self.skipped.add(request.url)
                stats.inc_value("govnews/skipped/known")
            return None
        stats.inc_value("govnews/revalidated")
        etag, last_modified = self.targets[request.url]
        for name, value in (("If-None-Match", etag), ("If-Modified-Since", last_modified)):
            if value:
                request.headers.setdefault(name, value)
        return request.replace(errback=self.revalidation_failed)

    def revalidation_failed(self, failure: Failure) -> None:
        exc = failure.value
        request: Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        if isinstance(exc, HttpError) and exc.response.status == 304:
            self.crawler.stats.inc_value("govnews/not_modified")
            self.crawler.stats.inc_value("govnews/stored/unchanged")
            self.not_modified.append(request.url)
            if len(self.not_modified) >= self.write_at:
                self.flush()
            return
        count_lost(self.crawler, request, failure_reason(exc), f"{type(exc).__name__}: {exc}")

    def _is_article(self, url: str) -> bool:
        is_article_url = getattr(self.crawler.spider, "is_article_url", None)
        return is_article_url is not None and is_article_url(url)


def _text(header: bytes | None) -> str | None:
    return header.decode("latin-1") if header else None
