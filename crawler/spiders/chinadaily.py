"""www.chinadaily.com.cn and its Chinese sister sites (china.chinadaily.com.cn, cn.…).

Section lists are ``/<section>/<sub>`` (column ids on the Chinese sites) with pages
``page_N.html``; only their story blocks and pager are followed. Articles are
``/a/YYYYMM/DD/WS<24 hex>.html``. A long story or a photo gallery continues on ``WS<id>_2.html``,
``_3.html`` … (linked from ``#div_currpage``): the spider walks those pages in order, carrying
the article so far, and yields it once, under page 1's URL, with every page's paragraphs and
images.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.encoding import decode_response
from crawler.items import Article
from crawler.middlewares import count_lost, failure_reason
from crawler.parsers import ParseError, chinadaily
from crawler.spiders.base import NewsSpider

# Any CMS edition but govt.chinadaily.com.cn, which has a spider of its own.
_HOST = r"https?://(?!govt\.)(?:[a-z0-9-]+\.)?chinadaily\.com\.cn"
#: Page N (N >= 2) of an article: ``WS<id>_N.html``.
_PAGE_RE = re.compile(rf"^(?P<first>{_HOST}/a/\d{{6}}/\d{{2}}/WS[0-9a-f]{{24}})_(?P<n>\d+)\.html$")
#: A pager that never ends (a template bug) is not followed further than this.
MAX_ARTICLE_PAGES = 50


class ChinadailySpider(NewsSpider):
    name = "chinadaily"
    allowed_domains = ["chinadaily.com.cn"]
    start_urls = [
        "https://www.chinadaily.com.cn/china/governmentandpolicy",
        "https://www.chinadaily.com.cn/china/society",
    ]
    # Page 1 only: ``WS<id>_N.html`` pages are reached from their page 1, never on their own.
    article_url_re = re.compile(rf"^{_HOST}/a/\d{{6}}/\d{{2}}/WS[0-9a-f]{{24}}\.html$")
    # Pagination of a section list (/world/china-us/page_2.html; the Chinese sites name their
    # columns by id, /5bd5639c…/5bd5669b…/page_2.html). Only pagination: every list page links
    # every section in its menus.
    list_url_re = re.compile(rf"^{_HOST}/(?:[\w-]+/){{1,3}}page_\d+\.html$")
    timezone = "Asia/Shanghai"
    parser = staticmethod(chinadaily.parse_article)
    # Where a section list keeps its stories: the English lead story, boxes and ``div.tw3_01_2``
    # items (class written "mb10 tw3_01_2 "), the Chinese ``busBox`` items. The rest of a list
    # page (menus, "Latest", recommendations) links stories of other sections.
    story_links_css = "div.tw2_l a, div.tw2_r a, div.tw3_01_2 a, div[class*=busBox] h3 a"
    # The list pager; on an article, the pager of its continuation pages.
    pager_links_css = "#div_currpage a, .selectpage a"

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        next_url = self.next_page_url(response)
        # Normalised with the parse only when it is the whole article: pages are merged as parsed.
        article = await self.read_article(response, normalize=next_url is None)
        if article is None:
            return
        # A fallback (generic) article has no CMS pages to merge: it is stored as it is.
        if next_url is None or article.extractor != chinadaily.EXTRACTOR:
            yield article
        else:
            yield self.page_request(next_url, article)

    def next_page_url(self, response: Response) -> str | None:
        """Page N+1 of the article on ``response`` when the page links it, else None."""
        current = _PAGE_RE.match(response.url)
        first = current["first"] if current else response.url.removesuffix(".html")
        wanted = (int(current["n"]) if current else 1) + 1
        if wanted > MAX_ARTICLE_PAGES:
            return None
        # Most articles are one page: a substring test on the bytes spares the crawl process a
        # parse of the page (the worker parses it for the article).
        if f"{first.rsplit('/', 1)[-1]}_{wanted}.html".encode() not in response.body:
            return None
        for href in response.css(self.pager_links_css).xpath("@href").getall():
            page = _PAGE_RE.match(response.urljoin(href.strip()))
            # Same article id; the pager may switch scheme (protocol-relative vs https).
            if page and _same(page["first"], first) and int(page["n"]) == wanted:
                return f"{first}_{wanted}.html"
        return None

    def page_request(self, url: str, article: Article) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article_page,
            errback=self.article_page_lost,
            cb_kwargs={"article": article},
        )

    def parse_article_page(self, response: Response, article: Article) -> Iterable[Any]:
        """Append page N to the article, then fetch page N+1 or yield the whole article."""
        self.crawler.stats.inc_value("govnews/pages/article_continuation")
        try:
            if _PAGE_RE.match(response.url) is None:  # redirected, to page 1 say: nothing new
                raise ParseError(f"redirected to {response.url}")
            page = chinadaily.parse_article(decode_response(response), response.url)
        except ParseError as exc:
            # Keep what the earlier pages gave: losing the whole story to one bad page is worse.
            self.crawler.stats.inc_value("govnews/failed/article_continuation")
            self.logger.warning(
                "Article page %s unreadable (%s); stored the pages before it", response.url, exc
            )
            yield article
            return
        article = chinadaily.merge_pages(article, page)
        next_url = self.next_page_url(response)
        yield article if next_url is None else self.page_request(next_url, article)

    def article_page_lost(self, failure: Failure) -> Iterable[Article]:
        """A page N that could not be fetched: count it, store the pages before it."""
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        exc = failure.value
        count_lost(self.crawler, request, failure_reason(exc), f"{type(exc).__name__}: {exc}")
        yield request.cb_kwargs["article"]


def _same(a: str, b: str) -> bool:
    return a.split("://", 1)[-1] == b.split("://", 1)[-1]
