"""english.www.gov.cn (english.gov.cn): parser vs the fixture pages, index pages, layout drift,
and a mirror crawl read back from SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.parsers import ParseError, english_gov_cn, parse_with_fallback, parser_for_url
from crawler.spiders.english_gov_cn import EnglishGovCnSpider
from tests.conftest import TEST_MIRROR
from tests.mirror_cases import (
    assert_fields,
    crawl,
    crawl_stats,
    expected_of,
    expected_pages,
    page_html,
    page_url,
    rows,
    stored_article,
)

HOST = "english.www.gov.cn"
ALL_PAGES = expected_pages(HOST)
PAGES = [p for p in ALL_PAGES if expected_of(p)["extractor"] == "english_gov_cn"]

NEWS_INDEX = f"https://{HOST}/news/"
WITH_IMAGES = f"https://{HOST}/news/202512/08/content_WS6936725ec6d0868f4e8f1a23.html"
POLICIES = f"https://{HOST}/policies/latestreleases"
NO_IMAGES = f"{POLICIES}/202512/05/content_WS6932bbd0c6d0868f4e8f1901.html"
POLICY_INDEX = f"{POLICIES}/"
LEGACY = f"https://{HOST}/news/top_news/2016/01/12/content_281475270003521.htm"
DRIFT = f"https://{HOST}/news/202512/04/content_WS6930dbf1c6d0868f4e8f17c5.html"


def mirrored(url: str) -> Path:
    path = TEST_MIRROR / url.removeprefix("https://")
    return path / "index.html" if url.endswith("/") else path


def parse(url: str):
    return english_gov_cn.parse_article(page_html(mirrored(url)), url)


# --- parser -------------------------------------------------------------------------------


def test_fixtures_cover_the_templates():
    assert {page_url(p) for p in PAGES} == {WITH_IMAGES, NO_IMAGES, LEGACY}
    assert expected_of(mirrored(WITH_IMAGES))["images"]
    assert not expected_of(mirrored(NO_IMAGES))["images"]
    assert [page_url(p) for p in ALL_PAGES if p not in PAGES] == [DRIFT]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_parser_matches_expected_fields(page):
    assert_fields(english_gov_cn.parse_article(page_html(page), page_url(page)), expected_of(page))


CHROME = ("Editor:", "Back to the top", "Copyright", "Share - WeChat", "Print", "Updated:",
          "Related", "[Photo")  # fmt: skip


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_chrome_is_not_in_the_body(page):
    body = english_gov_cn.parse_article(page_html(page), page_url(page)).body
    for chrome in CHROME:
        assert chrome not in body


def test_dateline_stays_in_the_body_and_the_editor_line_goes_to_editor():
    article = parse(WITH_IMAGES)
    assert article.body.startswith("BEIJING, Dec. 8 -- Chinese Premier Li Qiang on Monday")
    assert article.editor == "Wang Meng"  # "Editor: Wang Meng", not the <meta name="editor">
    assert article.source == "Xinhua"  # <meta name="source">


def test_updated_line_gives_the_date_and_the_ws_id_the_second():
    article = parse(WITH_IMAGES)
    assert article.date_raw == "Updated: December 8, 2025 14:38"
    assert article.published_at == "2025-12-08T14:38:22+08:00"  # WS6936725e…: 14:38:22 Beijing


def test_figure_and_centred_paragraph_captions():
    images = parse(WITH_IMAGES).images
    assert [i.credit for i in images] == ["Xinhua", "Xinhua"]
    assert images[0].caption.startswith("Chinese Premier Li Qiang presides")
    assert images[1].caption.startswith("Containers are loaded at the Port of Qingdao")
    assert images[1].alt is None  # the alt text is the uploaded file's name


def test_legacy_page_reads_the_12_hour_clock():
    old_host = LEGACY.replace("https://english.www.gov.cn", "http://english.gov.cn")
    article = english_gov_cn.parse_article(page_html(mirrored(LEGACY)), old_host)
    assert article.date_raw == "Updated: Jan 12,2016 9:31 PM"
    assert article.published_at == "2016-01-12T21:31:00+08:00"
    assert (article.source, article.editor, article.section) == ("Xinhua", "Zhang Wei", "Top News")
    assert len(article.paragraphs) == 3  # <div id="sp"><content><p>…: the wrapper is unwrapped


def test_registry_picks_the_parser_for_both_hosts():
    for host in ("english.www.gov.cn", "english.gov.cn"):
        assert parser_for_url(f"http://{host}/news/x.html") is english_gov_cn.parse_article


def test_an_index_page_is_not_an_article():
    with pytest.raises(ParseError):
        parse(NEWS_INDEX)


def test_drifted_layout_is_a_parse_error():
    with pytest.raises(ParseError):
        parse(DRIFT)


def test_drifted_layout_falls_back_to_the_generic_extractor():
    html = page_html(mirrored(DRIFT))
    article, path = parse_with_fallback(html, DRIFT, english_gov_cn.parse_article)
    assert path == "fallback"
    assert_fields(article, expected_of(mirrored(DRIFT)))
    assert "362 million passenger trips" in article.body


# --- spider ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (WITH_IMAGES, "article"),
        (NO_IMAGES, "article"),
        ("http://english.gov.cn/news/top_news/2016/01/12/content_281475270003521.htm", "article"),
        (f"https://{HOST}/archive/statistics/202512/01/content_WS{'6' * 24}.html", "article"),
        ("https://english.www.gov.cn/news/page_2.html", "list"),
        ("https://english.www.gov.cn/policies/latestreleases/page_3.html", "list"),
        ("https://english.www.gov.cn/news/", "other"),  # a menu link on every page: start URL only
        ("https://english.www.gov.cn/about/", "other"),
        ("https://www.gov.cn/zhengce/content/202601/content_7010002.htm", "other"),
    ],
)
def test_url_patterns(url, kind):
    assert EnglishGovCnSpider.is_article_url(url) == (kind == "article")
    assert EnglishGovCnSpider.is_list_url(url) == (kind == "list")


def index_links(url: str, spider: EnglishGovCnSpider | None = None) -> tuple[list[str], list[str]]:
    """The article links and the list links an index page gives the spider."""
    spider = spider or EnglishGovCnSpider()
    page = HtmlResponse(url, body=mirrored(url).read_bytes(), encoding="utf-8")
    links = spider.links(page)
    articles = [u for u in links if spider.is_article_url(u)]
    return articles, [u for u in links if spider.is_list_url(u)]


def test_index_links_resolve_protocol_and_root_relative_hrefs_once():
    # /news/ links WITH_IMAGES protocol-relative, root-relative, and under the next day's path
    # (same WS id): one request.
    assert index_links(NEWS_INDEX) == ([WITH_IMAGES, NO_IMAGES], [NEWS_INDEX + "page_2.html"])
    assert index_links(POLICY_INDEX) == ([NO_IMAGES], [])


def test_a_story_listed_on_two_indexes_is_requested_once():
    spider = EnglishGovCnSpider()
    assert index_links(NEWS_INDEX, spider)[0] == [WITH_IMAGES, NO_IMAGES]
    assert index_links(POLICY_INDEX, spider)[0] == []


# --- crawls through the mirror, read back from SQLite ---------------------------------------


def test_crawl_stores_every_article_once(tmp_path, mirror_server):
    server = mirror_server()
    db = tmp_path / "govnews.db"
    crawl("english_gov_cn", db, server.url, "-a", f"start_url={NEWS_INDEX},{POLICY_INDEX},{LEGACY}")
    fetched = server.fetched()
    assert f"/{HOST}/news/page_2.html" in fetched
    article_paths = [p for p in fetched if "/content_" in p]
    assert len(article_paths) == len(set(article_paths)) == 3  # duplicated links fetched once
    assert sorted(r["url"] for r in rows(db, "select url from articles")) == sorted(
        page_url(p) for p in PAGES
    )
    for page in PAGES:
        stored = stored_article(db, page_url(page))
        assert_fields(stored, expected_of(page))
        assert stored["spider"] == "english_gov_cn"
    (run,) = rows(db, "select * from crawls")
    assert (run["site_parsed"], run["fallback_parsed"]) == (len(PAGES), 0)
    assert not [k for k in crawl_stats(db) if k.startswith(("govnews/dropped", "govnews/failed"))]


def test_crawl_of_a_drifted_page_stores_the_generic_extraction(tmp_path, mirror_server):
    server = mirror_server()
    db = tmp_path / "govnews.db"
    crawl("english_gov_cn", db, server.url, "-a", f"start_url={DRIFT}")
    assert_fields(stored_article(db, DRIFT), expected_of(mirrored(DRIFT)))
    (run,) = rows(db, "select * from crawls")
    assert (run["site_parsed"], run["fallback_parsed"]) == (0, 1)
