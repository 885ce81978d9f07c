"""Run govnews spiders from Python, as ``scrapy crawl`` does, and report how each run ended."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.utils.project import get_project_settings


@dataclass
class CrawlResult:
    """How one spider's run ended."""

    spider: str
    finish_reason: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)


def project_settings(overrides: Mapping[str, Any] | None = None):
    """The project's settings, found without a ``scrapy.cfg`` in the working directory too."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    settings.setdict(dict(overrides or {}), priority="cmdline")
    return settings


def crawl(
    spiders: Sequence[str],
    *,
    settings: Mapping[str, Any] | None = None,
    spider_args: Mapping[str, str] | None = None,
) -> list[CrawlResult]:
    """Run ``spiders`` in one process, one after the other's start, until all have closed.

    Blocks (it runs the Twisted reactor), so call it once per process.
    """
    process = CrawlerProcess(project_settings(settings))
    crawlers: list[Crawler] = []
    for name in spiders:
        crawler = process.create_crawler(name)
        crawlers.append(crawler)
        process.crawl(crawler, **dict(spider_args or {}))
    process.start()
    results = []
    for name, crawler in zip(spiders, crawlers, strict=True):
        stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
        results.append(CrawlResult(name, stats.get("finish_reason"), stats))
    return results
