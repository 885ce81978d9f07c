"""LogFormatter: Scrapy's, minus the per-page DEBUG lines that ``LOG_LEVEL`` hides anyway.

Scrapy sets its own loggers to DEBUG and leaves it to the root handler to drop what is below
``LOG_LEVEL``, so the "Crawled (200) <GET ...>" line of every response and the "Scraped from"
line of every item were built (message arguments, referer, flags) and turned into log records
only to be thrown away: ~60 µs per article page of the event loop's time, ~2 % of it, at the
default ``INFO`` (the crawl benchmark's py-spy). Returning ``None`` is Scrapy's documented way
for a log formatter to skip a line.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.logformatter import LogFormatterResult
    from twisted.python.failure import Failure


class LevelLogFormatter(LogFormatter):
    """Skips the ``crawled`` and ``scraped`` lines when ``LOG_LEVEL`` is above DEBUG (or
    ``LOG_ENABLED`` is off); every other line is Scrapy's."""

    def __init__(self, level: int = logging.DEBUG) -> None:
        self.level = level

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LevelLogFormatter:
        settings = crawler.settings
        if not settings.getbool("LOG_ENABLED", True):
            return cls(logging.CRITICAL + 1)
        level = settings.get("LOG_LEVEL") or logging.DEBUG
        if isinstance(level, str):  # an unknown name: Scrapy's handler refuses it first
            level = logging.getLevelNamesMapping().get(level.upper(), logging.DEBUG)
        return cls(level)

    def crawled(
        self, request: Request, response: Response, spider: Spider
    ) -> LogFormatterResult | None:
        if self.level > logging.DEBUG:
            return None
        return super().crawled(request, response, spider)

    def scraped(
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult | None:
        if self.level > logging.DEBUG:
            return None
        return super().scraped(item, response, spider)
