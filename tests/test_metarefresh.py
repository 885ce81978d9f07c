"""MetaRefreshMiddleware: Scrapy's redirects, without decoding pages that cannot have one."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefresh
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.metarefresh import MetaRefreshMiddleware, may_refresh
from crawler.run import project_settings

URL = "https://www.example.gov/news/1.html"
REFRESH = '<meta http-equiv="Refresh" content="0; url=/news/2.html">'
PAGES = {
    "none": ("<html><head><title>T</title></head><body><p>x</p></body></html>", "utf-8"),
    "refresh": (f"<html><head>{REFRESH}</head><body></body></html>", "utf-8"),
    "upper case": (f"<html><head>{REFRESH.upper()}</head><body></body></html>", "utf-8"),
    "gbk": (f"<html><head><title>标题</title>{REFRESH}</head></html>", "gbk"),
    "utf-16": (f"<html><head>{REFRESH}</head></html>", "utf-16"),
    "entity": (
        '<html><head><meta http-equiv="&#114;efresh" content="0; url=/news/2.html"></head></html>',
        "utf-8",
    ),
    "late": ("<html><head><title>T</title></head><body>" + "<p>x</p>" * 3000 + REFRESH, "utf-8"),
}


class _Spider(Spider):
    name = "refresh_spider"


def make(middleware_class: type) -> object:
    crawler = get_crawler(_Spider)
    crawler.spider = crawler._create_spider()
    return middleware_class.from_crawler(crawler)


def outcome(middleware_class: type, name: str) -> object:
    text, encoding = PAGES[name]
    middleware = make(middleware_class)
    request = Request(URL)
    response = HtmlResponse(URL, body=text.encode(encoding), encoding=encoding, request=request)
    result = middleware.process_response(request, response)
    return result.url if isinstance(result, Request) else type(result).__name__


@pytest.mark.parametrize("name", PAGES)
def test_the_same_outcome_as_scrapys_middleware(name: str) -> None:
    assert outcome(MetaRefreshMiddleware, name) == outcome(ScrapyMetaRefresh, name)


def test_a_refresh_is_followed_and_a_page_without_one_is_never_decoded() -> None:
    assert outcome(MetaRefreshMiddleware, "refresh") == "https://www.example.gov/news/2.html"
    request = Request(URL)
    response = HtmlResponse(URL, body=PAGES["none"][0].encode(), request=request)
    assert make(MetaRefreshMiddleware).process_response(request, response) is response
    assert response._cached_ubody is None  # response.text was never built


def test_may_refresh() -> None:
    assert not may_refresh(PAGES["none"][0].encode())
    for name in ("refresh", "upper case", "entity"):
        assert may_refresh(PAGES[name][0].encode())
    assert may_refresh(PAGES["gbk"][0].encode("gbk"))
    assert may_refresh(PAGES["utf-16"][0].encode("utf-16"))
    assert not may_refresh(PAGES["late"][0].encode())  # past what Scrapy reads


def test_the_project_uses_it_in_place_of_scrapys() -> None:
    middlewares = project_settings().getwithbase("DOWNLOADER_MIDDLEWARES")
    assert middlewares["crawler.metarefresh.MetaRefreshMiddleware"] == 580
    assert middlewares["scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"] is None
