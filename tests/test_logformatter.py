"""LevelLogFormatter: Scrapy's per-page DEBUG lines are skipped when no handler would write them."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from crawler.logformatter import LevelLogFormatter, lowest_level_written
from crawler.run import project_settings

URL = "https://govt.chinadaily.com.cn/a/202401/01/WS0123456789abcdef01234567.html"


@pytest.fixture
def root_handlers():
    """Replace the root logger's handlers (pytest's own write everything) for one test."""
    saved = logging.root.handlers[:]

    def install(*handlers: logging.Handler) -> None:
        logging.root.handlers[:] = handlers

    yield install
    logging.root.handlers[:] = saved


def _handler(level: int | str, kind: type[logging.Handler] = logging.StreamHandler):
    handler = kind()
    handler.setLevel(level)
    return handler


def _page() -> tuple[Request, HtmlResponse, Spider]:
    request = Request(URL)
    return request, HtmlResponse(URL, body=b"<p>x</p>", request=request), Spider("s")


def _lines(formatter: LevelLogFormatter) -> tuple[object, object]:
    request, response, spider = _page()
    return (
        formatter.crawled(request, response, spider),
        formatter.scraped({"url": URL}, response, spider),
    )


@pytest.mark.parametrize(
    "handlers",
    [
        [_handler("INFO")],  # Scrapy's root handler at the default LOG_LEVEL
        [_handler("WARNING"), _handler("INFO")],
        [_handler("DEBUG", logging.NullHandler)],  # LOG_ENABLED off, no LOG_FILE
        [],
    ],
)
def test_the_lines_are_not_built_when_no_handler_writes_debug(root_handlers, handlers):
    root_handlers(*handlers)
    formatter = LevelLogFormatter.from_crawler(get_crawler(Spider))
    assert _lines(formatter) == (None, None)


@pytest.mark.parametrize(
    "handlers",
    [
        [_handler("DEBUG")],  # LOG_LEVEL = DEBUG; or a LOG_FILE, with LOG_ENABLED off too
        [_handler("INFO"), _handler(logging.NOTSET)],  # an application's own handler
    ],
)
def test_at_debug_they_are_scrapys(root_handlers, handlers):
    root_handlers(*handlers)
    crawled, scraped = _lines(LevelLogFormatter.from_crawler(get_crawler(Spider)))
    assert crawled["level"] == scraped["level"] == logging.DEBUG
    assert crawled["args"]["status"] == 200
    assert scraped["args"]["item"] == {"url": URL}


def test_a_handler_of_scrapys_own_logger_counts_unless_it_stops_propagation(root_handlers):
    root_handlers(_handler("INFO"))
    scrapy_logger = logging.getLogger("scrapy")
    saved = scrapy_logger.handlers[:], scrapy_logger.propagate
    try:
        scrapy_logger.handlers[:] = [_handler("DEBUG")]
        assert lowest_level_written() == logging.DEBUG
        scrapy_logger.handlers[:] = [_handler("ERROR")]
        scrapy_logger.propagate = False
        assert lowest_level_written() == logging.ERROR
    finally:
        scrapy_logger.handlers[:], scrapy_logger.propagate = saved


def test_other_lines_are_kept_at_any_level():
    formatter = LevelLogFormatter(logging.ERROR)
    _, response, spider = _page()
    drop = DropItem("no_body", log_level="WARNING")
    dropped = formatter.dropped({"url": URL}, drop, response, spider)
    assert dropped["args"]["exception"] is drop


def test_the_project_uses_it():
    assert load_object(project_settings()["LOG_FORMATTER"]) is LevelLogFormatter
