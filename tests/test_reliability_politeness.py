"""Politeness: robots.txt is obeyed, and an endless pagination trap ends by itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler.middlewares import PaginationTrapMiddleware
from tests.faultserver import (
    HOST,
    SCENARIOS,
    CrawlRun,
    FaultServer,
    article_path,
    crawl,
    list_url,
)

POLITENESS = {page.fault: page for page in SCENARIOS["politeness"]}
TRAP = POLITENESS["pagination trap"]


@pytest.fixture(scope="module")
def polite(tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlRun, list[str]]:
    tmp = tmp_path_factory.mktemp("politeness")
    with FaultServer(tmp / "access.log") as server:
        run = crawl(server, tmp, [list_url("politeness"), TRAP.url], timeout=60)
        fetched = server.fetched()
    assert run.returncode == 0, run.log[-3000:]
    return run, fetched


def trap_pages(fetched: list[str]) -> list[str]:
    return [p for p in fetched if p.startswith(f"/{HOST}/news/page_")]


def test_every_politeness_page_is_stored_or_counted(polite: tuple[CrawlRun, list[str]]) -> None:
    run, _ = polite
    assert run.lost(SCENARIOS["politeness"]) == []


def test_robots_txt_disallow_is_honoured(polite: tuple[CrawlRun, list[str]]) -> None:
    run, fetched = polite
    page = POLITENESS["disallowed by robots.txt"]
    assert fetched[0] == f"/{HOST}/robots.txt"
    assert f"/{HOST}{page.path}" not in fetched
    assert run.stats["robotstxt/forbidden"] == 1
    assert f"WARNING: Lost article {page.url} (robots_txt)" in run.log


def test_a_pagination_trap_is_bounded(polite: tuple[CrawlRun, list[str]]) -> None:
    run, fetched = polite
    pages = trap_pages(fetched)
    # Page 2 repeats page 1's articles: its "next" link is the last one followed. Without the
    # trap check, DEPTH_LIMIT (50, see test_settings_security.py) would be the only bound.
    assert pages == [f"/{HOST}/news/page_1.html", f"/{HOST}/news/page_2.html"]
    assert run.stats["govnews/pagination/trap"] == 1
    assert "(pagination trap)" in run.log
    assert run.stats["finish_reason"] == "finished"
    # The trap's own articles are stored, once each.
    trapped = {f"https://{HOST}{article_path(n)}" for n in (503, 504)}
    assert trapped <= run.stored
    assert len(run.query("select id from articles where url in (?, ?)", *trapped)) == 2


@pytest.mark.slow
def test_a_pagination_trap_is_bounded_on_an_incremental_rerun(tmp_path: Path) -> None:
    # The second run skips the stored articles' links: the trap check must still see them.
    with FaultServer(tmp_path / "access.log") as server:
        first = crawl(server, tmp_path, [TRAP.url], timeout=60)
        before = len(trap_pages(server.fetched()))
        second = crawl(server, tmp_path, [TRAP.url], timeout=60)
        pages = trap_pages(server.fetched())[before:]
    assert first.returncode == second.returncode == 0, second.log[-3000:]
    assert second.stats["govnews/skipped/known"] >= 2
    assert pages == [f"/{HOST}/news/page_1.html", f"/{HOST}/news/page_2.html"]


class _Site(Spider):
    name = "site"

    def parse_list(self, response: Response) -> None: ...

    def parse_article(self, response: Response) -> None: ...


async def _collect(results: AsyncIterator[Any]) -> list[Any]:
    return [r async for r in results]


@pytest.mark.parametrize(
    ("articles", "followed"),
    [
        (["a1", "a2"], False),  # the same articles as its parent: a trap
        (["a1", "a3"], True),  # some new: an ordinary next page
        (["a1"], True),  # a section sharing some of its parent's articles
        ([], True),  # a hub of hubs: left to DEPTH_LIMIT
    ],
)
def test_the_trap_check_stops_only_repeated_article_sets(
    articles: list[str], followed: bool
) -> None:
    spider = _Site()
    base = f"https://{HOST}/news/"
    # The parent list page had a1 and a2 (or, for the hub case, no article at all).
    parent = frozenset(base + a for a in ("a1", "a2")) if articles else frozenset()
    meta = {"list_parent": (base, parent)}
    request = Request(base + "page_2.html", callback=spider.parse_list, meta=meta)
    response = HtmlResponse(request.url, request=request, body=b"<html></html>")
    next_page = Request(base + "page_3.html", callback=spider.parse_list)
    output = [Request(base + a, callback=spider.parse_article) for a in articles] + [next_page]

    async def spider_output() -> AsyncIterator[Any]:
        for r in output:
            yield r

    middleware = PaginationTrapMiddleware(get_crawler(_Site))
    kept = asyncio.run(_collect(middleware.process_spider_output(response, spider_output())))
    assert (next_page in kept) is followed
    assert len(kept) == len(output) - (0 if followed else 1)
