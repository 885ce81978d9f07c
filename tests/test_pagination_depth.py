"""DEPTH_LIMIT: pagination of a list with articles never counts; what the limit cuts is counted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from benchmarks import synthetic
from crawler.middlewares import DepthLimitMiddleware, PaginationTrapMiddleware
from tests.mirror_cases import crawl, crawl_stats, rows

BASE = f"https://{synthetic.HOST}/news/"


class _Site(Spider):
    name = "site"

    def parse_list(self, response: Response) -> None: ...

    def parse_article(self, response: Response) -> None: ...


def through_middlewares(depth: int, articles: list[str], limit: int) -> tuple[list[Any], dict]:
    """The output of list page ``BASE`` at ``depth`` (its ``articles`` and a link to page 2)
    through PaginationTrapMiddleware then DepthLimitMiddleware, as the crawl chains them."""
    crawler = get_crawler(_Site, {"DEPTH_LIMIT": limit})
    crawler.spider = spider = crawler._create_spider()
    crawler.stats.open_spider()
    request = Request(BASE, callback=spider.parse_list, meta={"depth": depth})
    response = HtmlResponse(BASE, request=request, body=b"<html></html>")
    output = [Request(BASE + a, callback=spider.parse_article) for a in articles]
    output.append(Request(BASE + "page_2.html", callback=spider.parse_list))

    async def spider_output() -> AsyncIterator[Any]:
        for r in output:
            yield r

    async def run() -> list[Any]:
        trap = PaginationTrapMiddleware(crawler)
        depth_mw = DepthLimitMiddleware.from_crawler(crawler)
        chained = trap.process_spider_output(response, spider_output())
        return [r async for r in depth_mw.process_spider_output_async(response, chained)]

    return asyncio.run(run()), crawler.stats.get_stats()


def test_the_next_page_of_a_list_with_articles_does_not_add_depth() -> None:
    kept, stats = through_middlewares(depth=3, articles=["a1.html"], limit=3)
    # The article is one level deeper than its list page, and over the limit: cut, counted.
    assert [r.url for r in kept] == [BASE + "page_2.html"]
    assert kept[0].meta["depth"] == 0
    assert stats["govnews/dropped/depth_limit"] == 1
    assert "govnews/failed/depth_limit" not in stats


def test_a_chain_of_list_pages_without_articles_is_still_bounded_and_counted() -> None:
    kept, stats = through_middlewares(depth=3, articles=[], limit=3)
    assert kept == []
    assert stats["govnews/failed/depth_limit"] == 1
    kept, stats = through_middlewares(depth=2, articles=[], limit=3)
    assert [r.meta["depth"] for r in kept] == [3]
    assert not any(key.endswith("depth_limit") for key in stats)


@pytest.mark.slow
def test_a_long_list_is_crawled_whole_whatever_depth_limit(tmp_path: Path, mirror_server) -> None:
    # 12 list pages: each pager links up to ten pages ahead, so page 12 is two list hops
    # from page 1 and its articles three. Stock depth counting cuts them at DEPTH_LIMIT=1.
    start, urls = synthetic.write_mirror(tmp_path / "mirror", 12 * synthetic.PER_LIST)
    server = mirror_server(tmp_path / "mirror")
    db = tmp_path / "govnews.db"
    crawl("govt_chinadaily", db, server.url, "-a", f"start_url={start}", "-s", "DEPTH_LIMIT=1")
    stored = {row["url"] for row in rows(db, "select url from articles")}
    assert stored == set(urls)
    stats = crawl_stats(db)
    assert not any(key.endswith("depth_limit") for key in stats)
    assert stats.get("depth/request_ignored_count") is None
