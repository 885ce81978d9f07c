"""www.chinadaily.com.cn and china.chinadaily.com.cn: parser vs the fixture pages, multi-page
articles and galleries, list pages, layout drift, and mirror crawls read back from SQLite."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.items import Article
from crawler.parsers import ParseError, chinadaily, parse_with_fallback, parser_for_url
from crawler.spiders.chinadaily import ChinadailySpider
from tests.conftest import TEST_MIRROR
from tests.mirror_cases import (
    assert_fields,
    crawl,
    crawl_stats,
    expected_of,
    expected_pages,
    page_html,
    page_url,
    parsed_whole,
    rows,
    stored_article,
)

WWW, CHINA = "www.chinadaily.com.cn", "china.chinadaily.com.cn"
ALL_PAGES = expected_pages(WWW) + expected_pages(CHINA)
PAGES = [p for p in ALL_PAGES if expected_of(p)["extractor"] == "chinadaily"]
DRIFTED = [p for p in ALL_PAGES if expected_of(p)["extractor"] == "generic"]

SECTION = f"https://{WWW}/china/society"
COLUMN = f"https://{CHINA}/5bd5639ca3101a87ca8ff634/5bd5669ba3101a87ca8ff661"  # 时政 > 社会
WITH_IMAGES = f"https://{WWW}/a/202506/10/WS6847872fa31082fc043d2a51.html"
NO_IMAGES = f"https://{WWW}/a/202506/09/WS68469e5da31082fc043d29f0.html"
MULTI_PAGE = f"https://{WWW}/a/202506/08/WS6844fd94a31082fc043d2870.html"
GALLERY = f"https://{WWW}/a/202506/07/WS68443110a31082fc043d27a2.html"
CHINESE = f"https://{CHINA}/a/202311/20/WS655ac3d9a310d5acd876f7b2.html"
DRIFT = f"https://{WWW}/a/202506/10/WS6847cb3fa31082fc043d2b18.html"


def mirrored(url: str) -> Path:
    return TEST_MIRROR / url.removeprefix("https://")


def continuation_pages(page: Path) -> list[Path]:
    """``WS<id>_2.html``, ``_3.html`` … beside page 1, in order."""
    pages, n = [], 2
    while (nxt := page.with_name(f"{page.stem}_{n}.html")).exists():
        pages.append(nxt)
        n += 1
    return pages


def parse_whole(page: Path) -> Article:
    """Page 1 parsed, then each continuation page merged in, as the spider does."""
    article = chinadaily.parse_article(page_html(page), page_url(page))
    for nxt in continuation_pages(page):
        more = chinadaily.parse_article(page_html(nxt), page_url(nxt))
        article = chinadaily.merge_pages(article, more)
    return article


def response(url: str) -> HtmlResponse:
    return HtmlResponse(url, body=mirrored(url).read_bytes(), encoding="utf-8")


@pytest.fixture
def spider() -> ChinadailySpider:
    return ChinadailySpider.from_crawler(get_crawler(ChinadailySpider))


# --- parser -------------------------------------------------------------------------------


def test_fixtures_cover_the_templates():
    urls = {page_url(p) for p in PAGES}
    assert {WITH_IMAGES, NO_IMAGES, MULTI_PAGE, GALLERY, CHINESE} <= urls
    assert expected_of(mirrored(WITH_IMAGES))["images"]
    assert not expected_of(mirrored(NO_IMAGES))["images"]
    assert len(continuation_pages(mirrored(MULTI_PAGE))) == 2
    assert 'class="picshow"' in mirrored(GALLERY).read_text("utf-8")
    assert 'class="mb10 tw3_01_2 "' in mirrored(SECTION + "/index.html").read_text("utf-8")
    assert 'class="busBox3"' in mirrored(COLUMN + "/index.html").read_text("utf-8")
    assert [page_url(p) for p in DRIFTED] == [DRIFT]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_parser_matches_expected_fields(page):
    assert_fields(parse_whole(page), expected_of(page))


CHROME = ("Share - WeChat", "CLOSE", "Copyright", "Registration Number", "BACK TO THE TOP", "Next",
          "Updated:", "分享", "编辑", "来源", "ICP", "[Photo", "FOR CHINA DAILY")  # fmt: skip


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_chrome_is_not_in_the_body(page):
    body = parse_whole(page).body
    for chrome in CHROME:
        assert chrome not in body


def test_info_line_is_split_and_the_author_meta_is_the_editor():
    article = chinadaily.parse_article(page_html(mirrored(WITH_IMAGES)), WITH_IMAGES)
    assert (article.byline, article.source) == ("Zhou Mengqi", "China Daily")
    assert article.date_raw == "Updated: 2025-06-10 09:15"
    # The page shows the minute; the WS id (0x6847872f) gives the second, in Beijing time.
    assert article.published_at == "2025-06-10T09:15:27+08:00"
    assert article.editor == "李明"  # <meta name="author" content="李明">: not the byline


def test_byline_loses_the_place_and_a_gallery_has_none():
    assert chinadaily.parse_article(page_html(mirrored(NO_IMAGES)), NO_IMAGES).byline == "CUI JIA"
    gallery = chinadaily.parse_article(page_html(mirrored(GALLERY)), GALLERY)
    assert gallery.byline is None
    assert gallery.source == "chinadaily.com.cn"


def test_figcaption_credits_are_split_off():
    images = chinadaily.parse_article(page_html(mirrored(WITH_IMAGES)), WITH_IMAGES).images
    credits = ["ZHANG WEI/FOR CHINA DAILY", "Li Na/For chinadaily.com.cn"]
    assert [i.credit for i in images] == credits
    assert images[0].caption.endswith("Zhejiang province, on Monday.")  # &nbsp; before the credit
    assert all(i.src.startswith("https://img2.chinadaily.com.cn/images/202506/10/") for i in images)


def test_chinese_template_editor_lines_go_to_editor():
    article = chinadaily.parse_article(page_html(mirrored(CHINESE)), CHINESE)
    assert article.headline == "多地推出“夜间门诊” 方便上班族就医"
    assert article.subtitle is None  # the hidden <h2> summary at the top of <body> is not one
    assert article.editor == "刘洋 张婷"  # （编辑：刘洋 张婷） and 【责任编辑：刘洋】
    assert (article.source, article.lang, article.section) == ("中国日报网", "zh", "社会")
    assert article.published_at == "2023-11-20T10:26:33+08:00"
    assert article.body.endswith("平均候诊时间缩短了约15%。")
    assert article.images[0].credit == "新华社记者 黄宗治"


def test_pages_merge_in_order_under_the_first_url():
    page1 = chinadaily.parse_article(page_html(mirrored(MULTI_PAGE)), MULTI_PAGE)
    whole = parse_whole(mirrored(MULTI_PAGE))
    assert whole.url == MULTI_PAGE
    assert whole.body.startswith(page1.body + "\n\n")
    assert len(page1.paragraphs) == 2
    assert len(whole.paragraphs) == 7
    assert whole.paragraphs[2].startswith("The county government")  # first paragraph of page 2
    assert whole.paragraphs[-1].endswith('come and see the hills."')  # last of page 3
    assert [i.credit for i in whole.images] == ["Xinhua", "YANG JUN/CHINA DAILY"]


def test_gallery_collects_every_page_image():
    whole = parse_whole(mirrored(GALLERY))
    names = [i.src.rsplit("/", 1)[-1] for i in whole.images]
    assert names == [f"68443110a31082fc2b6f0f0{n}.jpeg" for n in (1, 5, 9)]
    assert whole.paragraphs[-1] == "The festival runs until Aug 31."


def test_registry_picks_the_parser_for_the_cms_editions_but_not_govt():
    for host in (WWW, CHINA, "cn.chinadaily.com.cn"):
        assert parser_for_url(f"https://{host}/a/202506/10/WS6847872fa31082fc043d2a51.html") is (
            chinadaily.parse_article
        )
    assert parser_for_url("https://govt.chinadaily.com.cn/s/x.html") is not chinadaily.parse_article


def test_a_list_page_is_not_an_article():
    with pytest.raises(ParseError):
        chinadaily.parse_article(page_html(mirrored(SECTION + "/index.html")), SECTION)


def test_drifted_layout_is_a_parse_error():
    with pytest.raises(ParseError):
        chinadaily.parse_article(page_html(mirrored(DRIFT)), DRIFT)


def test_drifted_layout_falls_back_to_the_generic_extractor():
    article, path = parse_with_fallback(page_html(mirrored(DRIFT)), DRIFT, chinadaily.parse_article)
    assert path == "fallback"
    assert_fields(article, expected_of(mirrored(DRIFT)))
    assert "40 kilometers of running tracks" in article.body


# --- spider: URLs, list pages, article pages ------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (WITH_IMAGES, "article"),
        ("http://www.chinadaily.com.cn/a/202506/10/WS6847872fa31082fc043d2a51.html", "article"),
        (CHINESE, "article"),
        ("https://cn.chinadaily.com.cn/a/202307/31/WS64c7233ba3109d7585e4733e.html", "article"),
        (MULTI_PAGE.replace(".html", "_2.html"), "other"),  # reached from page 1 only
        ("https://govt.chinadaily.com.cn/a/202506/10/WS6847872fa31082fc043d2a51.html", "other"),
        ("https://www.chinadaily.com.cn/world/china-us/page_2.html", "list"),
        (f"{COLUMN}/page_2.html", "list"),
        ("https://caijing.chinadaily.com.cn/stock/5f646b7fa3101e7ce97253d3/page_3.html", "list"),
        ("https://www.chinadaily.com.cn/world/china-us", "other"),  # a menu link: not followed
        ("https://www.chinadaily.com.cn/china/2016-01/11/content_22994851.htm", "other"),
    ],
)
def test_url_patterns(url, kind):
    assert ChinadailySpider.is_article_url(url) == (kind == "article")
    assert ChinadailySpider.is_list_url(url) == (kind == "list")


def test_list_page_links_stories_and_pagination_not_continuation_pages(spider):
    links = spider.links(response(SECTION + "/index.html"))
    articles = [u for u in links if spider.is_article_url(u)]
    # The lead story, the boxes and the tw3_01_2 items, each once, in page order.
    assert articles == [WITH_IMAGES, MULTI_PAGE, GALLERY]
    assert [u for u in links if spider.is_list_url(u)] == [SECTION + "/page_2.html"]
    page2 = spider.links(response(SECTION + "/page_2.html"))
    assert [u for u in page2 if spider.is_article_url(u)] == [NO_IMAGES, WITH_IMAGES]


def test_chinese_column_links_its_stories_and_next_page(spider):
    links = spider.links(response(COLUMN + "/index.html"))
    # Not the recommendations column (a cn.chinadaily story): only the column's busBox items.
    assert [u for u in links if spider.is_article_url(u)] == [CHINESE]
    assert [u for u in links if spider.is_list_url(u)] == [COLUMN + "/page_2.html"]


def test_an_unknown_list_layout_follows_every_link_and_says_so(spider):
    html = mirrored(COLUMN + "/index.html").read_text("utf-8").replace("busBox", "newsItem")
    links = spider.links(HtmlResponse(COLUMN, body=html, encoding="utf-8"))
    assert CHINESE in links
    assert "https://cn.chinadaily.com.cn/a/202307/31/WS64c7233ba3109d7585e4733e.html" in links
    assert spider.crawler.stats.get_value("govnews/pages/list_unrecognised") == 1


@pytest.mark.parametrize(
    ("url", "following"),
    [
        (MULTI_PAGE, MULTI_PAGE.replace(".html", "_2.html")),
        (MULTI_PAGE.replace(".html", "_2.html"), MULTI_PAGE.replace(".html", "_3.html")),
        (MULTI_PAGE.replace(".html", "_3.html"), None),
        (GALLERY, GALLERY.replace(".html", "_2.html")),
        (GALLERY.replace(".html", "_3.html"), None),
        (WITH_IMAGES, None),
        (CHINESE, None),
    ],
)
def test_next_page_of_an_article(url, following):
    assert ChinadailySpider().next_page_url(response(url)) == following


# --- crawls through the mirror, read back from SQLite ---------------------------------------


def test_crawl_stores_each_article_once_with_all_its_pages(tmp_path, mirror_server):
    server = mirror_server()
    db = tmp_path / "govnews.db"
    crawl("chinadaily", db, server.url, "-a", f"start_url={SECTION},{COLUMN}")
    fetched = server.fetched()
    assert f"/{WWW}/china/society/page_2.html" in fetched
    assert COLUMN.replace("https:/", "") + "/page_2.html" in fetched
    for n in (2, 3):
        assert f"/{WWW}/a/202506/08/WS6844fd94a31082fc043d2870_{n}.html" in fetched
        assert f"/{WWW}/a/202506/07/WS68443110a31082fc043d27a2_{n}.html" in fetched
    urls = [r["url"] for r in rows(db, "select url from articles")]
    assert sorted(urls) == sorted(page_url(p) for p in PAGES)
    assert not any(re.search(r"_\d+\.html$", u) for u in urls)
    for page in PAGES:
        stored = stored_article(db, page_url(page))
        assert_fields(stored, expected_of(page))
        assert stored["spider"] == "chinadaily"
        assert stored["word_count"] > 0
    (run,) = rows(db, "select * from crawls")
    assert (run["site_parsed"], run["fallback_parsed"]) == (len(PAGES), 0)
    assert run["articles_new"] == len(PAGES)
    # Only the lists' stories were requested: no sidebar story outside the mirror, nothing lost.
    assert not [k for k in crawl_stats(db) if k.startswith(("govnews/dropped", "govnews/failed"))]


def test_crawl_keeps_the_pages_before_a_missing_one(tmp_path, mirror_server):
    root = tmp_path / "mirror"
    page1 = mirrored(MULTI_PAGE)
    for page in (page1, continuation_pages(page1)[0]):  # page 3 is missing: 404
        target = root / page.relative_to(TEST_MIRROR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(page, target)
    server = mirror_server(root)
    db = tmp_path / "govnews.db"
    crawl("chinadaily", db, server.url, "-a", f"start_url={MULTI_PAGE}")
    stored = stored_article(db, MULTI_PAGE)
    whole = expected_of(page1)
    assert stored["body"] == whole["body"].split("\n\nLin now spends")[0]  # pages 1 and 2
    assert len(stored["images"]) == 1
    assert crawl_stats(db)["govnews/failed/http_404"] == 1


def test_crawl_keeps_the_pages_before_an_unreadable_one(tmp_path, mirror_server):
    root = tmp_path / "mirror"
    page1 = mirrored(MULTI_PAGE)
    target = root / page1.relative_to(TEST_MIRROR)
    target.parent.mkdir(parents=True)
    shutil.copy(page1, target)
    page2 = continuation_pages(page1)[0]
    drifted = page2.read_text("utf-8").replace('<div id="Content">', '<div class="story-2026">')
    target.with_name(page2.name).write_text(drifted, "utf-8")
    server = mirror_server(root)
    db = tmp_path / "govnews.db"
    crawl("chinadaily", db, server.url, "-a", f"start_url={MULTI_PAGE}")
    stored = stored_article(db, MULTI_PAGE)
    page1_only = chinadaily.parse_article(page_html(page1), MULTI_PAGE)
    assert stored["body"] == page1_only.body
    assert crawl_stats(db)["govnews/failed/article_continuation"] == 1
    assert f"/{WWW}/a/202506/08/WS6844fd94a31082fc043d2870_3.html" not in server.fetched()


def test_crawl_of_a_drifted_page_stores_the_generic_extraction(tmp_path, mirror_server):
    server = mirror_server()
    db = tmp_path / "govnews.db"
    crawl("chinadaily", db, server.url, "-a", f"start_url={DRIFT}")
    stored = stored_article(db, DRIFT)
    assert_fields(stored, expected_of(mirrored(DRIFT)))
    (run,) = rows(db, "select * from crawls")
    assert (run["site_parsed"], run["fallback_parsed"]) == (0, 1)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_article_is_the_same_parsed_up_to_its_end_or_whole(page, monkeypatch):
    html, url = page_html(page), page_url(page)
    cut = chinadaily.parse_article(html, url)
    assert parsed_whole(chinadaily.parse_article, html, url, monkeypatch) == cut
