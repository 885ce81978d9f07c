"""Politeness: robots.txt is obeyed, and an endless pagination trap ends by itself."""

from __future__ import annotations

import pytest

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
    pages = [p for p in fetched if p.startswith(f"/{HOST}/news/page_")]
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
