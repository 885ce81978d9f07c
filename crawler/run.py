"""Run govnews spiders from Python, as ``scrapy crawl`` does, and report how each run ended.

:func:`crawl` is the primitive (any settings, no lock); :func:`scheduled_crawl` is what
``govnews crawl`` and cron use: one locked, bounded run against one database, judged by
:mod:`crawler.verdict`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.extensions.logcount import LogCount
from scrapy.settings import Settings
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.log import failure_to_exc_info
from scrapy.utils.project import get_project_settings
from twisted.python.failure import Failure

from crawler.lock import crawl_lock
from crawler.verdict import Thresholds, Verdict, judge
from storage.db import connect
from storage.writer import finish_crawl, start_crawl

logger = logging.getLogger(__name__)


@dataclass
class CrawlResult:
    """How one spider's run ended."""

    spider: str
    #: ``None`` when the spider never started.
    finish_reason: str | None
    stats: dict[str, Any]
    verdict: Verdict


class UnknownSpider(KeyError):
    """A spider name the project does not have."""


class SpiderLogCount(LogCount):
    """``log_count/<LEVEL>`` of this spider only, when several spiders share the process.

    Scrapy's ``LogCount`` counts every record of the process for every crawler, so in
    ``govnews crawl`` (all spiders in one process) one site that is down would put its errors
    on every spider's verdict and ``crawls.errors``. Records that name their spider or crawler
    (Scrapy's own do) count for that one only; records that name neither could come from any
    spider and count for all, as before.
    """

    def spider_opened(self, spider: Spider) -> None:
        super().spider_opened(spider)
        assert self.handler is not None
        self.handler.addFilter(self._is_mine)

    def _is_mine(self, record: logging.LogRecord) -> bool:
        crawler = getattr(record, "crawler", None)
        spider = getattr(record, "spider", None)
        if crawler is None and spider is None:
            return True
        return crawler is self.crawler or spider is self.crawler.spider


def project_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The project's settings, found without a ``scrapy.cfg`` in the working directory too."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    settings.setdict(dict(overrides or {}), priority="cmdline")
    return settings


def spider_names() -> list[str]:
    """Every spider of the project, sorted."""
    return sorted(get_spider_loader(project_settings()).list())


def crawl(
    spiders: Sequence[str],
    *,
    settings: Mapping[str, Any] | None = None,
    spider_args: Mapping[str, str] | None = None,
) -> list[CrawlResult]:
    """Run ``spiders`` in one process, one after the other's start, until all have closed.

    Blocks (it runs the Twisted reactor), so call it once per process. A spider that fails to
    start does not stop the others; its result has ``finish_reason=None``.
    """
    unknown = sorted(set(spiders) - set(spider_names()))
    if unknown:
        raise UnknownSpider(f"unknown spider(s): {', '.join(unknown)}")
    process = CrawlerProcess(project_settings(settings))
    crawlers: list[Crawler] = []
    for name in spiders:
        crawler = process.create_crawler(name)
        crawlers.append(crawler)
        started = process.crawl(crawler, **dict(spider_args or {}))
        started.addErrback(_log_start_failure, name)
    process.start()
    results = []
    for name, crawler in zip(spiders, crawlers, strict=True):
        stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
        reason = stats.get("finish_reason")
        verdict = judge(name, reason, stats, Thresholds.from_settings(crawler.settings))
        results.append(CrawlResult(name, reason, stats, verdict))
    return results


def _log_start_failure(failure: Failure, spider: str) -> None:
    # Into the run's log (LOG_FILE) rather than a traceback on stderr when Twisted collects
    # the unhandled failure at exit, after the one-line reason.
    logger.error("%s failed to start", spider, exc_info=failure_to_exc_info(failure))


def crawl_settings(
    db: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    max_minutes: float | None = None,
    refresh_days: float | None = None,
    log_file: str | Path | None = None,
) -> dict[str, Any]:
    """Settings of a scheduled run: ``overrides`` (``-s``), then the explicit options.

    ``--max-minutes`` is ``CLOSESPIDER_TIMEOUT``: the spider closes the way it does at the end
    of a crawl (items in flight are stored, the ``crawls`` row is finished), which is what one
    SIGINT does too; a second SIGINT would skip that.
    """
    settings = dict(overrides or {})
    settings["GOVNEWS_DB"] = str(db)
    if max_minutes is not None:
        settings["CLOSESPIDER_TIMEOUT"] = max_minutes * 60
    if refresh_days is not None:
        settings["GOVNEWS_REFRESH_DAYS"] = refresh_days
    if log_file is not None:
        settings["LOG_FILE"] = str(log_file)
    return settings


def scheduled_crawl(
    spiders: Sequence[str],
    db: str | Path,
    *,
    settings: Mapping[str, Any] | None = None,
    spider_args: Mapping[str, str] | None = None,
    max_minutes: float | None = None,
    refresh_days: float | None = None,
    log_file: str | Path | None = None,
) -> list[CrawlResult]:
    """One run for a scheduler: ``spiders`` (all when empty) into ``db``, under its lock.

    :raises crawler.lock.AlreadyRunning: another run holds the lock of ``db``.
    :raises UnknownSpider: a name in ``spiders`` is not a spider of the project.
    """
    effective = crawl_settings(
        db, settings, max_minutes=max_minutes, refresh_days=refresh_days, log_file=log_file
    )
    # The lock first: a refused run exits at once, before loading any spider.
    with crawl_lock(db):
        results = crawl(
            list(spiders) or spider_names(), settings=effective, spider_args=spider_args
        )
        record_start_failures(db, results)
    return results


def record_start_failures(db: str | Path, results: Sequence[CrawlResult]) -> None:
    """A ``crawls`` row (``finish_reason = 'start_failed'``) for each spider that never started.

    The store pipeline writes the row of every run that starts; without this, a spider that
    fails before (a component that does not load) would leave no trace in the table.
    """
    failed = [r for r in results if r.finish_reason is None]
    if not failed:
        return
    try:
        database = connect(db)
    except Exception:  # the database may be the very reason the spiders failed
        logger.warning("Could not record the failed start in %s", db, exc_info=True)
        return
    try:
        for result in failed:
            crawl_id = start_crawl(database, result.spider)
            finish_crawl(database, crawl_id, finish_reason="start_failed", stats=result.stats)
    finally:
        database.close()
