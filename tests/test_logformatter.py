"""LevelLogFormatter: Scrapy's per-page DEBUG lines are skipped when LOG_LEVEL hides them."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from crawler.logformatter import LevelLogFormatter
from crawler.run import project_settings

URL = "https://govt.chinadaily.com.cn/a/202401/01/WS0123456789abcdef01234567.html"


def _formatter(**settings: object) -> LevelLogFormatter:
    return LevelLogFormatter.from_crawler(get_crawler(Spider, settings_dict=settings))


def _page() -> tuple[Request, HtmlResponse, Spider]:
    request = Request(URL)
    return request, HtmlResponse(URL, body=b"<p>x</p>", request=request), Spider("s")


@pytest.mark.parametrize(
    "settings",
    [
        {"LOG_LEVEL": "INFO"},
        {"LOG_LEVEL": "warning"},
        {"LOG_LEVEL": logging.ERROR},
        {"LOG_LEVEL": "DEBUG", "LOG_ENABLED": False},
    ],
)
def test_the_crawled_and_scraped_lines_are_not_built_above_debug(settings):
    formatter = _formatter(**settings)
    request, response, spider = _page()
    assert formatter.crawled(request, response, spider) is None
    assert formatter.scraped({"url": URL}, response, spider) is None


def test_at_debug_they_are_scrapys():
    formatter = _formatter(LOG_LEVEL="DEBUG")
    request, response, spider = _page()
    crawled = formatter.crawled(request, response, spider)
    assert crawled["level"] == logging.DEBUG
    assert crawled["args"]["request"] is request
    assert crawled["args"]["status"] == 200
    scraped = formatter.scraped({"url": URL}, response, spider)
    assert scraped["level"] == logging.DEBUG
    assert scraped["args"]["item"] == {"url": URL}


def test_other_lines_are_kept_at_any_level():
    formatter = _formatter(LOG_LEVEL="ERROR")
    _, response, spider = _page()
    drop = DropItem("no_body", log_level="WARNING")
    dropped = formatter.dropped({"url": URL}, drop, response, spider)
    assert dropped["args"]["exception"] is drop


def test_the_project_uses_it():
    assert load_object(project_settings()["LOG_FORMATTER"]) is LevelLogFormatter
