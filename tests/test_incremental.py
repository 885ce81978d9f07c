"""Incremental crawls: stored articles are not fetched again; recent ones are revalidated."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.incremental import IncrementalMiddleware
from crawler.items import Article
from crawler.spiders.govt_chinadaily import GovtChinadailySpider
from crawler.verdict import ExitCode
from storage.db import connect
from storage.writer import ArticleWriter
from tests.conftest import DEMO_MIRROR
from tests.test_cron import ARTICLE_RE, HOST, article_files, copy_mirror, crawl_args, govnews, query

#: Wide enough to include the mirror's 2022-2023 articles.
ALL_DAYS = "100000"


def crawl(db: Path, server, *extra: str) -> list[tuple[str, str]]:
    """Run `govnews crawl` against ``server``; return the (path, status) it fetched, in order."""
    before = len(server.fetched())
    result = govnews(*crawl_args(db, server.url, *extra), cwd=db.parent)
    assert result.returncode == ExitCode.OK, result.stderr[-3000:]
    lines = server.access_log.read_text().splitlines()[before:]
    return [(line.split()[1], line.split()[2]) for line in lines]


def last_run(db: Path) -> dict:
    columns = ("articles_new", "articles_updated", "articles_unchanged", "articles_dropped")
    row = query(db, f"select {', '.join(columns)} from crawls order by id desc limit 1")[0]
    return dict(zip(columns, row, strict=True))


def articles_only(fetched: list[tuple[str, str]]) -> list[str]:
    return [path for path, _ in fetched if ARTICLE_RE.search(path)]


def test_second_run_fetches_no_article_page_and_stores_nothing_new(tmp_path, mirror_server):
    server = mirror_server(DEMO_MIRROR)
    db = tmp_path / "govnews.db"
    n = len(article_files(DEMO_MIRROR))
    first = crawl(db, server)
    assert len(articles_only(first)) == n
    rows_before = query(db, "select * from articles order by id")

    second = crawl(db, server)
    assert articles_only(second) == []
    assert (f"/{HOST}/news/", "200") in second  # list pages are fetched every run
    assert last_run(db) == {
        "articles_new": 0, "articles_updated": 0, "articles_unchanged": 0, "articles_dropped": 0,
    }  # fmt: skip
    assert query(db, "select * from articles order by id") == rows_before
    ((stats,),) = query(db, "select stats from crawls where id = 2")
    assert json.loads(stats)["govnews/skipped/known"] == n


def test_refresh_updates_exactly_the_edited_article(tmp_path, mirror_server):
    mirror = copy_mirror(tmp_path)
    # Pages last modified a day ago, so the edit below is surely later (Last-Modified has
    # one-second resolution).
    day_ago = time.time() - 86_400
    for page in mirror.rglob("*"):
        os.utime(page, (day_ago, day_ago))
    server = mirror_server(mirror)
    db = tmp_path / "govnews.db"
    crawl(db, server)
    assert query(db, "select count(*) from page_validators where last_modified is not null") == [
        (len(article_files(mirror)),)
    ]

    edited = article_files(mirror)[0]
    html = edited.read_text()
    edited.write_text(html.replace("</p>", " (Updated.)</p>", 1))
    url = "/" + edited.relative_to(mirror).as_posix()
    ((article_id, old_body, old_last_seen),) = query(
        db, f"select id, body, last_seen from articles where url like '%{url.split('/')[-1]}'"
    )
    time.sleep(1)  # last_seen has one-second resolution
    fetched = crawl(db, server, "--refresh-days", ALL_DAYS)

    # Every stored article was asked for again (conditionally); only the edited one came back.
    assert sorted(articles_only(fetched)) == sorted(
        "/" + p.relative_to(mirror).as_posix() for p in article_files(mirror)
    )
    statuses = {path: status for path, status in fetched if ARTICLE_RE.search(path)}
    assert statuses.pop(url) == "200"
    assert set(statuses.values()) == {"304"}
    assert last_run(db) == {
        "articles_new": 0, "articles_updated": 1, "articles_unchanged": 4, "articles_dropped": 0,
    }  # fmt: skip
    assert query(db, "select article_id, body from article_versions") == [(article_id, old_body)]
    ((new_body,),) = query(db, f"select body from articles where id = {article_id}")
    assert "(Updated.)" in new_body and "(Updated.)" not in old_body
    # Unchanged articles only moved last_seen.
    assert query(db, f"select count(*) from articles where last_seen > '{old_last_seen}'") == [
        (len(article_files(mirror)),)
    ]
    assert query(db, "select count(*) from articles where crawl_id = 1") == [(4,)]


def test_refresh_leaves_articles_older_than_the_window_alone(tmp_path, mirror_server):
    server = mirror_server(DEMO_MIRROR)
    db = tmp_path / "govnews.db"
    crawl(db, server)
    # The mirrored articles are from 2022-2023: none is younger than 30 days.
    assert articles_only(crawl(db, server, "--refresh-days", "30")) == []


def test_incremental_can_be_switched_off(tmp_path, mirror_server):
    server = mirror_server(DEMO_MIRROR)
    db = tmp_path / "govnews.db"
    crawl(db, server)
    again = crawl(db, server, "-s", "GOVNEWS_INCREMENTAL=False")
    assert len(articles_only(again)) == len(article_files(DEMO_MIRROR))
    assert last_run(db)["articles_unchanged"] == len(article_files(DEMO_MIRROR))


# --- the middleware on its own ---------------------------------------------------------------

STORED = f"https://{HOST}/s/202212/21/WS63a2b8cf498e1f3c5a1f3b8c.html"
STORED_CANONICAL = STORED.replace(".html", "/slug.html")
RECENT = f"https://{HOST}/s/202401/05/WS659a1b2c498e1f3c5a1f0001.html"
NEW = f"https://{HOST}/s/202401/06/WS659a1b2c498e1f3c5a1f0002.html"
LIST = f"https://{HOST}/news/page_2.html"
SPIDER = GovtChinadailySpider.name


@pytest.fixture
def middleware(tmp_path: Path):
    db = connect(tmp_path / "govnews.db")
    ArticleWriter(db).write(
        [
            Article(
                url=STORED,
                spider=SPIDER,
                canonical_url=STORED_CANONICAL,
                headline="Old",
                body="b",
                published_at="2022-12-21",
            ),
            Article(url=RECENT, spider=SPIDER, headline="New", body="b", published_at="2099-01-01"),
            # Another spider's articles are not this one's business.
            Article(url=NEW, spider="other", headline="Other", body="b"),
        ]
    )
    db["page_validators"].insert(
        {"url": RECENT, "etag": '"v1"', "last_modified": "Fri, 05 Jan 2024 02:30:00 GMT",
         "fetched_at": "2024-01-05T02:30:00+00:00"}
    )  # fmt: skip
    db.close()
    settings = {
        "GOVNEWS_DB": str(tmp_path / "govnews.db"),
        "GOVNEWS_INCREMENTAL": True,
        "GOVNEWS_REFRESH_DAYS": 7,
    }
    crawler = get_crawler(GovtChinadailySpider, settings)
    crawler.spider = GovtChinadailySpider.from_crawler(crawler)
    mw = IncrementalMiddleware.from_crawler(crawler)
    mw.spider_opened(crawler.spider)
    yield mw
    mw.spider_closed(crawler.spider)


def run_output(mw: IncrementalMiddleware, requests: list[Request]) -> list[Request]:
    async def source():
        for request in requests:
            yield request

    async def collect():
        return [r async for r in mw.process_spider_output(None, source())]

    return asyncio.run(collect())


def test_known_skipped_new_passed_recent_revalidated(middleware):
    spider = middleware.crawler.spider
    urls = (STORED, NEW, LIST, RECENT, STORED_CANONICAL)
    requests = [spider.request_for(url) for url in urls]
    out = run_output(middleware, requests)
    assert [r.url for r in out] == [NEW, LIST, RECENT]
    assert out[0] is requests[1] and out[1] is requests[2]  # untouched
    revalidation = out[2]
    assert revalidation.headers["If-None-Match"] == b'"v1"'
    assert revalidation.headers["If-Modified-Since"] == b"Fri, 05 Jan 2024 02:30:00 GMT"
    assert revalidation.callback == spider.parse_article
    assert revalidation.errback == middleware.revalidation_failed
    stats = middleware.crawler.stats
    assert stats.get_value("govnews/requests/article") == 4  # the list page is not one
    assert stats.get_value("govnews/skipped/known") == 2  # the canonical URL's link too
    assert stats.get_value("govnews/revalidated") == 1


def test_304_only_moves_last_seen_and_other_failures_are_lost_pages(middleware, tmp_path):
    spider = middleware.crawler.spider
    (request,) = run_output(middleware, [spider.request_for(RECENT)])
    db = connect(tmp_path / "govnews.db")
    db.execute("update articles set last_seen = '2000-01-01T00:00:00+00:00'")

    def fail(status: int) -> None:
        failure = Failure(HttpError(Response(RECENT, status=status, request=request)))
        failure.request = request
        middleware.revalidation_failed(failure)

    fail(304)
    assert middleware.not_modified == [RECENT]  # written together, at the latest at the end
    middleware.flush()
    seen = dict(db.execute("select url, last_seen from articles").fetchall())
    assert seen[RECENT] > "2000" and seen[STORED] == "2000-01-01T00:00:00+00:00"
    stats = middleware.crawler.stats
    assert (
        stats.get_value("govnews/not_modified") == stats.get_value("govnews/stored/unchanged") == 1
    )
    fail(500)
    assert stats.get_value("govnews/dropped/http_500") == 1
    assert stats.get_value("govnews/not_modified") == 1


def test_validators_saved_for_article_pages_only(middleware, tmp_path):
    headers = {"ETag": '"abc"', "Last-Modified": "Sat, 06 Jan 2024 00:00:00 GMT"}
    for url in (NEW, LIST):
        middleware.process_spider_input(HtmlResponse(url, body=b"<html></html>", headers=headers))
    middleware.process_spider_input(HtmlResponse(STORED, body=b"<html></html>"))  # none sent
    middleware.spider_closed(middleware.crawler.spider)  # written at the end of the crawl
    db = connect(tmp_path / "govnews.db", readonly=True)
    rows = db.execute("select url, etag, last_modified from page_validators order by url")
    assert rows.fetchall() == [
        (RECENT, '"v1"', "Fri, 05 Jan 2024 02:30:00 GMT"),
        (NEW, '"abc"', "Sat, 06 Jan 2024 00:00:00 GMT"),
    ]


def test_validators_are_written_every_write_every_pages(middleware, tmp_path, monkeypatch):
    """Kept in memory, but not without bound: a long crawl writes them as it goes."""
    monkeypatch.setattr("crawler.incremental.WRITE_EVERY", 2)
    middleware.write_at = 2
    db = connect(tmp_path / "govnews.db", readonly=True)
    before = db["page_validators"].count
    for n in range(3):
        url = NEW.replace("0002.html", f"010{n}.html")
        middleware.process_spider_input(
            HtmlResponse(url, body=b"<html></html>", headers={"ETag": f'"{n}"'})
        )
    assert db["page_validators"].count == before + 2
    assert list(middleware.validators) == [NEW.replace("0002.html", "0102.html")]


def test_validators_the_database_refuses_are_kept_and_the_page_goes_on(
    middleware, tmp_path, monkeypatch, caplog
):
    """Locked past the busy timeout: logged, kept for the next try, never the page's failure."""
    monkeypatch.setattr("crawler.incremental.WRITE_EVERY", 2)
    monkeypatch.setattr("storage.db.BUSY_TIMEOUT", 0.1)
    middleware.db.conn.execute("PRAGMA busy_timeout = 100")
    middleware.write_at = 2
    other = connect(tmp_path / "govnews.db")
    other.execute("begin immediate")
    urls = [NEW.replace("0002.html", f"020{n}.html") for n in range(3)]
    with caplog.at_level(logging.ERROR, logger="crawler.incremental"):
        for url in urls[:2]:
            middleware.process_spider_input(
                HtmlResponse(url, body=b"<html></html>", headers={"ETag": '"x"'})
            )
    assert "Saving the validators of 2 pages failed" in caplog.text
    assert list(middleware.validators) == urls[:2]  # kept
    other.execute("commit")
    middleware.process_spider_input(
        HtmlResponse(urls[2], body=b"<html></html>", headers={"ETag": '"x"'})
    )
    assert list(middleware.validators) == urls  # the next try is WRITE_EVERY pages later
    middleware.spider_closed(middleware.crawler.spider)
    db = connect(tmp_path / "govnews.db", readonly=True)
    assert {row["url"] for row in db["page_validators"].rows} >= set(urls)
