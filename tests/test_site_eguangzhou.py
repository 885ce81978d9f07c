"""eguangzhou.gov.cn: parser vs the fixture pages, list pagination, a mirror crawl."""

from __future__ import annotations

import pytest

from crawler.parsers import ParseError, eguangzhou, parser_for_url
from crawler.spiders.eguangzhou import EguangzhouSpider
from tests.mirror_cases import (
    assert_fields,
    crawl,
    expected_of,
    expected_pages,
    page_html,
    page_url,
    rows,
    stored_article,
)

HOST = "www.eguangzhou.gov.cn"
PAGES = expected_pages(HOST)
LATEST = "https://www.eguangzhou.gov.cn/gzlatest/content/post_43210.html"


def test_fixtures_cover_the_templates():
    assert len(PAGES) >= 3
    assert any(expected_of(p)["images"] for p in PAGES)
    assert any(not expected_of(p)["images"] for p in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.parent.name)
def test_parser_matches_expected_fields(page):
    article = eguangzhou.parse_article(page_html(page), page_url(page))
    assert_fields(article, expected_of(page))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.parent.name)
def test_chrome_is_not_in_the_body(page):
    article = eguangzhou.parse_article(page_html(page), page_url(page))
    for chrome in ("Font size", "Print", "Share to", "Editor:", "Related News", "Copyright"):
        assert chrome not in article.body
    assert not any("qr_share" in i.src or "logo" in i.src for i in article.images)


def test_registry_picks_the_parser_for_both_hosts():
    assert parser_for_url(LATEST) is eguangzhou.parse_article
    assert parser_for_url(LATEST.replace("www.", "")) is eguangzhou.parse_article


def test_visible_fields_fill_in_for_missing_metas():
    html = (
        "<html><head><title>Night markets reopen | eGuangzhou</title></head><body>"
        '<div class="info">Time: 2026-02-01 18:00 From: Guangzhou Daily Author: Li Hua</div>'
        '<div id="zoomcon"><p>Night markets reopen across the city.</p></div></body></html>'
    )
    url = "https://www.eguangzhou.gov.cn/gzservice/content/post_43300.html"
    article = eguangzhou.parse_article(html, url)
    assert article.headline == "Night markets reopen"
    assert article.published_at == "2026-02-01T18:00:00+08:00"
    assert article.source == "Guangzhou Daily"
    assert article.byline == "Li Hua"
    assert article.section == "Services"


def test_a_page_without_a_known_body_is_a_parse_error():
    html = "<html><body><h1>Latest</h1><ul><li><a href='x'>x</a></li></ul></body></html>"
    with pytest.raises(ParseError):
        eguangzhou.parse_article(html, "https://www.eguangzhou.gov.cn/gzlatest/")


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (LATEST, "article"),
        ("http://eguangzhou.gov.cn/gzservice/content/post_39343.html", "article"),
        ("https://www.eguangzhou.gov.cn/gzspecialreports/content/post_40986.html", "article"),
        (
            "https://www.eguangzhou.gov.cn/gzspecialreports/139thCantonFair/content/post_42667.html",
            "article",
        ),
        ("https://www.eguangzhou.gov.cn/gzlatest/", "list"),
        ("https://www.eguangzhou.gov.cn/gzlatest/index_2.html", "list"),
        ("https://www.eguangzhou.gov.cn/gzspecialreports/139thCantonFair/", "list"),
        ("https://www.eguangzhou.gov.cn/gzexpatsinguangzhou", None),
        ("https://www.eguangzhou.gov.cn/about/", None),
    ],
)
def test_url_patterns(url, kind):
    assert EguangzhouSpider.is_article_url(url) == (kind == "article")
    assert EguangzhouSpider.is_list_url(url) == (kind == "list")


def test_crawl_follows_pagination_and_stores_every_article(tmp_path, mirror_server):
    server = mirror_server()
    db = tmp_path / "govnews.db"
    crawl("eguangzhou", db, server.url, "-a", "start_url=https://www.eguangzhou.gov.cn/gzlatest/")
    assert "/www.eguangzhou.gov.cn/gzlatest/index_2.html" in server.fetched()
    urls = {r["url"] for r in rows(db, "select url from articles")}
    assert urls == {page_url(p) for p in PAGES}
    for page in PAGES:
        stored = stored_article(db, page_url(page))
        assert_fields(stored, expected_of(page))
        assert stored["spider"] == "eguangzhou"
    (run,) = rows(db, "select * from crawls")
    assert run["site_parsed"] == len(PAGES)
    assert run["fallback_parsed"] == 0
