"""NormalizePipeline and ValidatePipeline, run through a real Scrapy crawler and its stats."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import Article, Image
from crawler.normalize import content_hash
from crawler.parsers import govt_chinadaily
from crawler.spiders.base import parse_and_normalize, parse_body
from pipelines.normalize import NormalizePipeline, is_normalized, normalize_article
from pipelines.validate import ValidatePipeline, drop_reason

MIRROR = Path(__file__).resolve().parents[1] / "crawler" / "demo_mirror" / "govt.chinadaily.com.cn"
SEED_PATH = (
    "s/202212/21/WS63a2b8cf498e1f3c5a1f3b8c/"
    "guangzhou-award-promotes-multilateral-cooperation-among-global-cities.html"
)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


class ShanghaiSpider(Spider):
    name = "shanghai_test"
    timezone = "Asia/Shanghai"


class LondonSpider(Spider):
    name = "london_test"
    timezone = "Europe/London"


def _crawler(spidercls: type[Spider] = ShanghaiSpider) -> Crawler:
    crawler = get_crawler(spidercls)
    crawler.spider = crawler._create_spider()
    return crawler


def _normalize(item, spidercls: type[Spider] = ShanghaiSpider) -> Article:
    # Outside a crawl (no spider_opened) the pipeline normalises in this process.
    return asyncio.run(NormalizePipeline.from_crawler(_crawler(spidercls)).process_item(item))


def _stats(crawler: Crawler) -> dict:
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("govnews/")}


# -- NormalizePipeline ---------------------------------------------------------------------------


def test_normalize_text_fields_body_and_hash():
    item = Article(
        url="https://Govt.ChinaDaily.com.cn/s/a.html?utm_source=wx#x",
        headline="  Cafe\u0301\u00a0news\u200b ",
        section="News\u3000and Policies",
        source=" eguangzhou.gov.cn ",
        body="  First\u00a0paragraph.  \n\n\n \u200b \n\nSecond   paragraph. ",
    )
    article = _normalize(item)
    assert isinstance(article, Article)
    assert article.headline == "Café news"
    assert article.section == "News and Policies"
    assert article.source == "eguangzhou.gov.cn"
    assert article.body == "First paragraph.\n\nSecond paragraph."
    assert article.url == "https://Govt.ChinaDaily.com.cn/s/a.html?utm_source=wx#x"
    assert article.canonical_url == "https://govt.chinadaily.com.cn/s/a.html"
    assert article.word_count == 4
    assert article.content_hash == content_hash("Café news", article.body)
    assert article.lang == "en"


def test_normalize_keeps_a_parser_canonical_url_and_lang():
    item = Article(url="https://a.cn/x?id=1", canonical_url="HTTPS://A.cn/y#z", body="Bonjour.",
                   lang="fr")  # fmt: skip
    article = _normalize(item)
    assert article.canonical_url == "https://a.cn/y"
    assert article.lang == "fr"


@pytest.mark.parametrize(
    ("spidercls", "published", "expected"),
    [
        (ShanghaiSpider, "2022-12-21 15:42", "2022-12-21T15:42:00+08:00"),
        (LondonSpider, "2022-12-21 15:42", "2022-12-21T15:42:00+00:00"),
        (LondonSpider, "2022-12-21T15:42:07+08:00", "2022-12-21T07:42:07+00:00"),
        (ShanghaiSpider, "Updated: Dec 21, 2022", "2022-12-21"),
        (ShanghaiSpider, "not a date", None),
        (ShanghaiSpider, None, None),
    ],
)
def test_normalize_dates_in_the_spiders_timezone(spidercls, published, expected):
    item = Article(url="https://a.cn/x", body="Text.", published_at=published,
                   updated_at=published)  # fmt: skip
    article = _normalize(item, spidercls)
    assert article.published_at == expected
    assert article.updated_at == expected


def test_normalize_languages_of_body_alt_and_caption():
    item = Article(
        url="https://a.cn/x",
        body="在过去十年里，广州奖已举办五届，在全球城市之间建立起多边交流合作网络。",
        images=[
            Image(src="https://a.cn/1.png#f", alt="广州奖\u00a0报告", caption=" UN-Habitat "),
            Image(src="https://a.cn/2.png", alt="x", alt_lang="es", caption=None),
        ],
    )
    article = _normalize(item)
    assert article.lang == "zh"
    assert article.word_count == 32
    assert article.images == [
        Image(src="https://a.cn/1.png", alt="广州奖 报告", alt_lang="zh",
              caption="UN-Habitat", caption_lang="en"),
        Image(src="https://a.cn/2.png", alt="x", alt_lang="es"),
    ]  # fmt: skip


def test_normalize_accepts_dict_items():
    item = {"url": "https://a.cn/x", "headline": " H ", "body": "B.",
            "images": [{"src": "https://a.cn/1.png", "alt": "A photo.jpg"}]}  # fmt: skip
    article = _normalize(item)
    assert article.headline == "H"
    assert article.images == [Image(src="https://a.cn/1.png", alt="A photo.jpg", alt_lang="en")]


def test_normalize_is_idempotent_on_the_seed_article():
    html = (MIRROR / SEED_PATH).read_text("utf-8")
    parsed = govt_chinadaily.parse_article(html, f"https://govt.chinadaily.com.cn/{SEED_PATH}")
    once = _normalize(parsed)
    assert _normalize(dataclasses.replace(once)) == once  # a copy: not marked as normalised
    assert once.body == parsed.body
    assert once.images == parsed.images
    assert once.published_at == "2022-12-21T15:42:07+08:00"
    assert once.word_count == 280


def test_an_article_normalised_with_its_parse_is_passed_on_as_it_is():
    url = f"https://govt.chinadaily.com.cn/{SEED_PATH}"
    body = (MIRROR / SEED_PATH).read_bytes()
    ctype = b"text/html; charset=utf-8"
    article, path = parse_and_normalize(
        body, ctype, url, govt_chinadaily.parse_article, "shanghai_test", "Asia/Shanghai"
    )
    parsed, _ = parse_body(body, ctype, url, govt_chinadaily.parse_article)
    assert path == "site"
    assert article == normalize_article(dataclasses.replace(parsed, spider="shanghai_test"))
    assert is_normalized(article) and not is_normalized(parsed)
    assert _normalize(article) is article
    # Any change is a copy, and a copy is normalised again.
    changed = dataclasses.replace(article, headline="  Two   spaces ")
    assert not is_normalized(changed)
    assert _normalize(changed).headline == "Two spaces"


def _odd_images(html: str, url: str) -> Article:
    return Article(url=url, headline="H", body="B.", images=[{"no_src": 1}])  # type: ignore[list-item]


def test_an_article_normalising_fails_on_comes_back_as_parsed_for_the_pipeline_to_count():
    article, _ = parse_and_normalize(
        b"<p>x</p>", None, "https://a.cn/odd", _odd_images, "shanghai_test", "Asia/Shanghai"
    )
    assert not is_normalized(article)
    assert article.images == [{"no_src": 1}] and article.spider == "shanghai_test"
    crawler = _crawler()
    with pytest.raises(DropItem):
        asyncio.run(NormalizePipeline.from_crawler(crawler).process_item(article))
    assert _stats(crawler) == {"govnews/dropped/invalid_item": 1}


def test_normalize_drops_an_odd_item_and_counts_it(caplog):
    crawler = _crawler()
    pipeline = NormalizePipeline.from_crawler(crawler)
    with caplog.at_level(logging.WARNING), pytest.raises(DropItem):
        asyncio.run(pipeline.process_item({"url": "https://a.cn/odd", "images": [{"no_src": 1}]}))
    assert _stats(crawler) == {"govnews/dropped/invalid_item": 1}
    assert "https://a.cn/odd" in caplog.text


# -- ValidatePipeline ----------------------------------------------------------------------------


def _valid(**changes) -> Article:
    fields = {"url": "https://a.cn/x", "headline": "H", "body": "B.",
              "published_at": "2022-12-21T15:42:07+08:00", **changes}  # fmt: skip
    return Article(**fields)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({}, None),
        ({"published_at": None}, None),
        ({"published_at": "2022-12-21"}, None),
        ({"headline": None}, "no_headline"),
        ({"headline": " \u00a0\u200b "}, "no_headline"),
        ({"body": ""}, "no_body"),
        ({"body": "\n\n \n"}, "no_body"),
        ({"headline": "", "body": ""}, "no_headline"),
        # NOW is 2025-06-01T20:00 in Shanghai; one day of slack
        ({"published_at": "2025-06-02T19:59:00+08:00"}, None),
        ({"published_at": "2025-06-02T20:01:00+08:00"}, "future_date"),
        ({"published_at": "2025-06-02"}, None),
        ({"published_at": "2025-06-03"}, "future_date"),
        ({"published_at": "2030-01-01T00:00:00+08:00"}, "future_date"),
        ({"published_at": "1949-01-01"}, None),
        ({"published_at": "1948-12-31"}, "date_too_old"),
        ({"published_at": "1900-05-01T08:00:00+08:00"}, "date_too_old"),
        # Other forms, read as normalize_date reads them (a naive time in Shanghai's)
        ({"published_at": "2025-06-02T20:01:00"}, "future_date"),
        ({"published_at": "2025-06-02T12:01:00Z"}, "future_date"),
        ({"published_at": "2025-06-02 11:59:00+00:00"}, None),
        ({"published_at": "June 3, 2025"}, "future_date"),
        ({"published_at": "2 June 2025"}, None),
        ({"published_at": "not a date"}, None),
    ],
)
def test_drop_reason(changes, reason):
    assert drop_reason(_valid(**changes).to_dict(), NOW) == reason


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"headline": None}, "no_headline"),
        ({"body": ""}, "no_body"),
        ({"published_at": "2030-01-01"}, "future_date"),
        ({"published_at": "1900-01-01"}, "date_too_old"),
    ],
)
def test_validate_drops_with_a_logged_and_counted_reason(caplog, changes, reason):
    crawler = _crawler()
    pipeline = ValidatePipeline(crawler, clock=lambda: NOW)
    with caplog.at_level(logging.WARNING), pytest.raises(DropItem, match=reason):
        pipeline.process_item(_valid(url="https://a.cn/bad", **changes))
    assert _stats(crawler) == {f"govnews/dropped/{reason}": 1}
    assert "https://a.cn/bad" in caplog.text
    assert reason in caplog.text


def test_validate_passes_good_items_through_unchanged():
    crawler = _crawler()
    pipeline = ValidatePipeline.from_crawler(crawler)
    item = _valid()
    assert pipeline.process_item(item) is item
    assert _stats(crawler) == {}


def test_validate_counts_each_reason_separately():
    crawler = _crawler()
    pipeline = ValidatePipeline(crawler, clock=lambda: NOW)
    for changes in ({"headline": None}, {"headline": ""}, {"body": ""}, {}):
        with contextlib.suppress(DropItem):
            pipeline.process_item(_valid(**changes))
    assert _stats(crawler) == {"govnews/dropped/no_headline": 2, "govnews/dropped/no_body": 1}


@pytest.mark.parametrize(
    "item",
    [
        42,
        None,
        {"url": "https://a.cn/odd", "headline": ["not", "text"], "body": "B."},
        {"url": "https://a.cn/odd", "headline": "H", "body": "B.", "published_at": 12345},
    ],
    ids=["int", "none", "list-headline", "int-date"],
)
def test_validate_never_crashes_on_odd_items(item):
    crawler = _crawler()
    pipeline = ValidatePipeline(crawler, clock=lambda: NOW)
    with pytest.raises(DropItem):
        pipeline.process_item(item)
    assert _stats(crawler) == {"govnews/dropped/invalid_item": 1}


def test_validate_uses_the_spiders_timezone_for_day_only_dates():
    # 2025-06-03 04:00 in Shanghai is still 2025-06-02 21:00 in London.
    now = datetime(2025, 6, 2, 20, 0, tzinfo=UTC)
    shanghai = ValidatePipeline(_crawler(ShanghaiSpider), clock=lambda: now)
    london = ValidatePipeline(_crawler(LondonSpider), clock=lambda: now)
    item = _valid(published_at="2025-06-04")
    assert shanghai.process_item(item) is item
    with pytest.raises(DropItem):
        london.process_item(item)
