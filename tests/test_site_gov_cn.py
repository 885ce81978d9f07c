"""www.gov.cn (Chinese): parser vs the fixture pages, JSON feed discovery, a mirror crawl."""

from __future__ import annotations

import pytest

from crawler.parsers import ParseError, gov_cn, parser_for_url
from crawler.spiders.gov_cn import GovCnSpider
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

HOST = "www.gov.cn"
ROOT = TEST_MIRROR / HOST
NEWS = "https://www.gov.cn/yaowen/liebiao/202601/content_7010001.htm"
POLICY = "https://www.gov.cn/zhengce/content/202601/content_7010002.htm"
DEPT = "https://www.gov.cn/zhengce/zhengceku/202601/content_7010003.htm"
FEED_ARTICLES = {NEWS, POLICY, DEPT}


# --- parser -------------------------------------------------------------------------------

PAGES = expected_pages(HOST)


def test_fixtures_cover_the_templates():
    urls = {page_url(p) for p in PAGES}
    assert urls >= FEED_ARTICLES
    assert any(expected_of(p)["images"] for p in PAGES)
    assert any(not expected_of(p)["images"] for p in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_parser_matches_expected_fields(page):
    article = gov_cn.parse_article(page_html(page), page_url(page))
    assert_fields(article, expected_of(page))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_chrome_is_not_in_the_body(page):
    article = gov_cn.parse_article(page_html(page), page_url(page))
    for chrome in ("打印", "字号", "扫一扫", "我要纠错", "责任编辑", "相关稿件", "政策解读", "ICP"):
        assert chrome not in article.body
    assert not any("150.jpg" in i.src or "icon_" in i.src for i in article.images)
    assert "\ufffd" not in article.body


def test_registry_picks_the_gov_cn_parser():
    assert parser_for_url(NEWS) is gov_cn.parse_article
    assert (
        parser_for_url("http://gov.cn/xinwen/2019-01/05/content_5355123.htm")
        is gov_cn.parse_article
    )


def page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("title", "headline"),
    [
        ("国务院关于印发某方案的通知_国务院文件_中国政府网", "国务院关于印发某方案的通知"),
        ("某部门关于某事项的公告_国务院部门文件_中国政府网", "某部门关于某事项的公告"),
        ("某决议__2007年第23号国务院公报_中国政府网", "某决议"),
        ("李强主持召开国务院常务会议_中国政府网", "李强主持召开国务院常务会议"),
    ],
)
def test_title_suffixes_are_removed(title, headline):
    html = page(f"<title>{title}</title>", '<div id="UCAP-CONTENT"><p>正文。</p></div>')
    assert gov_cn.parse_article(html, NEWS).headline == headline


def test_share_title_wins_and_layout_spaces_go():
    html = page(
        "<title>别的标题_中国政府网</title>",
        '<div id="UCAP-CONTENT"><p>正文。</p></div>'
        '<div class="share-title" style="display:none">关于调整2007<br>　年末国债余额的决议</div>',
    )
    assert gov_cn.parse_article(html, NEWS).headline == "关于调整2007年末国债余额的决议"


def test_legacy_pages_title_is_the_headline_when_there_is_no_share_title():
    html = page(
        "<title>旧模板_中国政府网</title>",
        '<div class="pages-title">国务院印发《某某规划》</div>'
        '<div class="pages_content" id="UCAP-CONTENT"><p>正文。</p></div>',
    )
    url = "https://www.gov.cn/xinwen/2019-01/05/content_5355123.htm"
    assert gov_cn.parse_article(html, url).headline == "国务院印发《某某规划》"


def test_tighten_cjk_keeps_spaces_between_latin_words():
    assert gov_cn.tighten_cjk("推进 AI 应用　与 5G 网络") == "推进 AI 应用与5G 网络"
    assert gov_cn.tighten_cjk("  ") is None


@pytest.mark.parametrize(
    "value",
    ["2026-01-05-19:32:41", "2026-01-05 19:32:41"],
)
def test_firstpublishedtime_dash_and_space_forms(value):
    html = page(
        f'<meta name="firstpublishedtime" content="{value}"><title>标题_中国政府网</title>',
        '<div id="UCAP-CONTENT"><p>正文。</p></div>',
    )
    assert gov_cn.parse_article(html, NEWS).published_at == "2026-01-05T19:32:41+08:00"


def test_a_page_without_a_body_container_is_a_parse_error():
    html = page("<title>要闻_中国政府网</title>", '<ul id="list-1-ajax-id"></ul>')
    with pytest.raises(ParseError):
        gov_cn.parse_article(html, "https://www.gov.cn/yaowen/liebiao/home.htm")


# --- spider -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        NEWS,
        POLICY,
        DEPT,
        "https://www.gov.cn/gongbao/content/2007/content_711039.htm",
        "http://www.gov.cn/xinwen/2019-01/05/content_5355123.htm",
        "https://www.gov.cn/zhengce/content/2019-01/05/content_5355120.htm",
        "https://www.gov.cn/lianbo/bumen/202601/content_7010050.htm",
    ],
)
def test_article_urls(url):
    assert GovCnSpider.is_article_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.gov.cn/yaowen/liebiao/home.htm",
        "https://www.gov.cn/zhengce/zuixin/ZUIXINZHENGCE.json",
        "https://english.www.gov.cn/news/202601/05/content_WS695b5f0bc6d00ca5f9a0a1b2.html",
        "https://www.gov.cn/yaowen/liebiao/202601/content_7010001.htm?from=share",
    ],
)
def test_not_article_urls(url):
    assert not GovCnSpider.is_article_url(url)


# --- crawl --------------------------------------------------------------------------------


@pytest.fixture
def feed_crawl(tmp_path, mirror_server):
    server = mirror_server()
    db = tmp_path / "govnews.db"
    crawl("gov_cn", db, server.url)
    return db, server


def test_feed_crawl_stores_every_feed_article_once(feed_crawl):
    db, server = feed_crawl
    urls = [r["url"] for r in rows(db, "select url from articles")]
    # POLICY is in two feeds, once as http: one page, one row.
    assert sorted(urls) == sorted(FEED_ARTICLES)
    fetched = server.fetched()
    assert all(path.startswith(f"/{HOST}/") for path in fetched), fetched
    assert "/www.gov.cn/hudong/ducha/home.htm" not in fetched  # feed rows that are not articles


def test_feed_crawl_rows_match_the_expected_fields(feed_crawl):
    db, _ = feed_crawl
    for page in PAGES:
        url = page_url(page)
        if url in FEED_ARTICLES:
            stored = stored_article(db, url)
            assert_fields(stored, expected_of(page))
            assert stored["spider"] == "gov_cn"
            assert stored["word_count"] > 0


def test_malformed_feeds_are_counted_drops_not_crashes(feed_crawl):
    db, _ = feed_crawl
    stats = crawl_stats(db)
    assert stats["govnews/dropped/bad_feed"] == 1  # gongbao.json is cut off mid-array
    assert stats["govnews/dropped/bad_feed_row"] == 2  # a string row, a row without URL
    assert stats["govnews/pages/feed"] == 4
    (run,) = rows(db, "select * from crawls")
    assert run["finish_reason"] == "finished"
    assert run["site_parsed"] == 3
    assert run["fallback_parsed"] == 0


def test_start_url_argument_crawls_one_feed(tmp_path, mirror_server):
    server = mirror_server()
    db = tmp_path / "govnews.db"
    feed = "https://www.gov.cn/zhengce/zuixin/ZUIXINZHENGCE.json"
    crawl("gov_cn", db, server.url, "-a", f"start_url={feed}")
    assert {r["url"] for r in rows(db, "select url from articles")} == {POLICY, DEPT}


def test_template_drift_falls_back_to_the_generic_extractor_and_is_counted(tmp_path, mirror_server):
    # content_7010020 is the news page with its body container renamed: the gov_cn parser finds
    # no #UCAP-CONTENT, the generic extractor stores the page, and the run counts a fallback.
    drifted = "https://www.gov.cn/yaowen/liebiao/202601/content_7010020.htm"
    with pytest.raises(ParseError):
        gov_cn.parse_article(page_html(ROOT / "yaowen/liebiao/202601/content_7010020.htm"), drifted)
    server = mirror_server()
    db = tmp_path / "govnews.db"
    crawl("gov_cn", db, server.url, "-a", f"start_url={drifted},{NEWS}")
    assert stored_article(db, drifted)["extractor"] == "generic"
    assert stored_article(db, drifted)["headline"] == "国务院常务会议部署进一步推进城市更新工作"
    assert stored_article(db, NEWS)["extractor"] == "gov_cn"
    (run,) = rows(db, "select * from crawls")
    assert (run["site_parsed"], run["fallback_parsed"]) == (1, 1)
    assert crawl_stats(db)["govnews/parsed/fallback"] == 1
