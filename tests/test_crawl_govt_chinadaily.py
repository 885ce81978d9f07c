"""End to end: `scrapy crawl govt_chinadaily` against the bundled mirror, DB read back."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import mirror_cases
from tests.conftest import DEMO_MIRROR
from tests.mirror_cases import rows

HOST = "govt.chinadaily.com.cn"
SEED_URL = (
    "https://govt.chinadaily.com.cn/s/202212/21/WS63a2b8cf498e1f3c5a1f3b8c/"
    "guangzhou-award-promotes-multilateral-cooperation-among-global-cities.html"
)
HEADLINE = "Guangzhou Award promotes multilateral cooperation among global cities"
ARTICLE_PATH = re.compile(r"/s/\d{6}/\d{2}/WS[0-9a-f]{24}(/[^/]+)?\.html$")


def mirrored_articles() -> set[str]:
    """Article paths in the demo mirror (what a complete crawl must store)."""
    root = DEMO_MIRROR / HOST
    return {
        "/" + p.relative_to(root).as_posix()
        for p in root.rglob("*.html")
        if ARTICLE_PATH.search("/" + p.relative_to(root).as_posix())
    }


def crawl(db: Path, mirror: str, *extra: str) -> str:
    start = f"start_url=https://{HOST}/news/"
    return mirror_cases.crawl("govt_chinadaily", db, mirror, "-a", start, *extra)


@pytest.fixture
def crawled(tmp_path, mirror_server):
    server = mirror_server(DEMO_MIRROR)
    db = tmp_path / "govnews.db"
    result = crawl(db, server.url)
    return db, server, result


def test_crawl_stores_every_mirrored_article_under_its_real_url(crawled):
    db, _, _ = crawled
    urls = {r["url"] for r in rows(db, "select url from articles")}
    expected = mirrored_articles()
    assert len(expected) >= 3
    assert {re.sub(r"^https?://[^/]+", "", u) for u in urls} == expected
    assert all(re.match(rf"^https?://{re.escape(HOST)}/", u) for u in urls)
    assert not any("127.0.0.1" in u for u in urls)
    assert SEED_URL in urls


def test_seed_article_and_its_images_read_back(crawled):
    db, _, _ = crawled
    (seed,) = rows(db, f"select * from articles where url = '{SEED_URL}'")
    assert seed["headline"] == HEADLINE
    assert seed["section"] == "News and Policies"
    assert seed["published_at"] == "2022-12-21T15:42:07+08:00"
    assert seed["source"] == "eguangzhou.gov.cn"
    assert seed["spider"] == "govt_chinadaily"
    assert seed["lang"] == "en"
    assert seed["extractor"] == "govt_chinadaily"
    assert seed["crawl_id"] is not None
    body = seed["body"]
    assert len(body.split("\n\n")) == 7
    assert body.startswith("In the past 10 years, the Guangzhou Award event")
    for chrome in ("Print", "Share - WeChat", "Copyright", "ICP", "[Photo/"):
        assert chrome not in body
    images = rows(db, f"select * from images where article_id = {seed['id']} order by position")
    assert [i["position"] for i in images] == [0, 1, 2]
    assert all(i["src"].startswith(f"https://{HOST}/") for i in images)
    assert images[0]["alt"].endswith("Guangzhou municipal government.")
    assert images[0]["credit"] == "Southern Metropolis Daily"
    assert images[2]["alt_lang"] == "zh"
    assert images[2]["caption_lang"] == "en"


def test_crawl_stays_on_site_and_records_the_run(crawled):
    db, server, _ = crawled
    fetched = server.fetched()
    assert fetched, "the crawl fetched nothing from the mirror"
    assert all(path.startswith(f"/{HOST}/") for path in fetched), fetched
    (run,) = rows(db, "select * from crawls")
    assert run["spider"] == "govt_chinadaily"
    assert run["finish_reason"] == "finished"
    assert run["articles_new"] == len(mirrored_articles())
    assert run["finished_at"] >= run["started_at"]


def test_second_crawl_adds_no_duplicates(crawled):
    db, server, _ = crawled
    before = {r["url"]: r["first_seen"] for r in rows(db, "select url, first_seen from articles")}
    images_before = rows(db, "select count(*) from images")[0][0]
    crawl(db, server.url)
    after = {r["url"]: r["first_seen"] for r in rows(db, "select url, first_seen from articles")}
    assert after == before
    assert rows(db, "select count(*) from images")[0][0] == images_before
    assert len(rows(db, "select id from crawls")) == 2


def test_any_static_file_server_can_serve_the_mirror(tmp_path):
    """MIRROR_URL needs nothing of ours on the server side: plain `python -m http.server`."""
    cmd = [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"]
    server = subprocess.Popen(cmd, cwd=DEMO_MIRROR, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = re.search(r"port (\d+)", server.stdout.readline()).group(1)
        db = tmp_path / "govnews.db"
        crawl(db, f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    urls = {r["url"] for r in rows(db, "select url from articles")}
    assert {re.sub(r"^https?://[^/]+", "", u) for u in urls} == mirrored_articles()


def test_scrapys_per_page_debug_lines_are_written_at_debug(crawled, tmp_path):
    # LevelLogFormatter skips them only where no handler would write them (crawler/logformatter.py)
    _, server, info_log = crawled
    debug_log = crawl(tmp_path / "debug.db", server.url, "-L", "DEBUG")
    assert re.search(r"DEBUG: Crawled \(200\) <GET https://govt\.chinadaily\.com\.cn/", debug_log)
    assert f"DEBUG: Scraped from <200 {SEED_URL}>" in debug_log
    assert "Crawled (200)" not in info_log
