"""NewsSpider: list pages in, articles out.

A site spider says which URLs are articles (``article_url_re``), which are list pages worth
following (``list_url_re``) and which parser reads its articles; the flow is the same for all:
start pages -> links -> article pages -> :class:`~crawler.items.Article` items.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import scrapy
from scrapy.http import Response, TextResponse
from w3lib.url import url_query_cleaner

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

from crawler.encoding import decode_html
from crawler.items import Article
from crawler.parsers import ParseError, ParsePath, Parser, parse_with_fallback
from crawler.parsers.common import css_xpath
from crawler.workers import WorkerPool
from pipelines.normalize import normalize_article

logger = logging.getLogger(__name__)

_SCHEMES = ("http://", "https://")


def parse_body(
    body: bytes, content_type: bytes | None, url: str, parser: Parser
) -> tuple[Article, ParsePath]:
    """Decode an article page and parse it (site parser, generic fallback): pure, for a worker."""
    return parse_with_fallback(decode_html(body, content_type), url, parser)


def parse_and_normalize(
    body: bytes, content_type: bytes | None, url: str, parser: Parser, spider: str, tz: str
) -> tuple[Article, ParsePath]:
    """:func:`parse_body`, then the article normalised as the normalise pipeline would: pure.

    One round trip to a worker instead of two (the pipeline passes a normalised article on).
    An article that normalising cannot take comes back as parsed, for the pipeline to fail on
    and count (``invalid_item``) as it does any other.
    """
    article, path = parse_body(body, content_type, url, parser)
    article.spider = spider
    try:
        return normalize_article(article, tz), path
    except Exception:
        return article, path


#: Media types no page of text comes as. Scrapy picks a response's class by the URL's
#: extension before the header, so a PDF at a ``.html`` URL is an ``HtmlResponse``; a type
#: outside these (``application/octet-stream``, ``text/plain``) is left to the parsers, as
#: servers send HTML under them.
_BINARY_TYPES = ("application/pdf", "application/zip", "application/msword", "application/vnd.",
                 "image/", "audio/", "video/", "font/")  # fmt: skip


def is_text(response: Response) -> bool:
    """Whether ``response`` can be a page of text: a ``TextResponse`` whose Content-Type is not
    a binary type. (Not ``hasattr(response, "text")``: that decodes the body to answer.)"""
    if not isinstance(response, TextResponse):
        return False
    content_type = response.headers.get(b"Content-Type") or b""
    media_type = content_type.split(b";", 1)[0].strip().decode("latin-1").lower()
    return not media_type.startswith(_BINARY_TYPES)


def _hrefs(css: str) -> str:
    """XPath of the ``href`` of every element ``css`` matches, in document order: one query,
    where ``response.css(css).xpath("@href")`` made a selector and a query per element."""
    return f"({css_xpath(css)})/@href"


class NewsSpider(scrapy.Spider):
    """Base spider of a government news site.

    Arguments (``-a NAME=VALUE``):

    ``start_url``
        One URL or several separated by commas, replacing :attr:`start_urls`. An article URL is
        parsed as an article; any other URL as a list page whose article links (and
        pagination) are followed.
    """

    #: Article pages of the site, matched against the absolute URL.
    article_url_re: ClassVar[re.Pattern[str]]
    #: List pages to follow from other list pages (pagination, sections); None follows none.
    list_url_re: ClassVar[re.Pattern[str] | None] = None
    #: IANA time zone of the dates the site prints without an offset.
    timezone: ClassVar[str] = "Asia/Shanghai"
    #: ``parse_article(html, url) -> Article`` of the site.
    parser: ClassVar[Callable[[str, str], Article] | None] = None
    #: CSS of the story links of a list page whose layout is known: only they and the pager's
    #: links are followed (menus link other sections). A list page without any has a layout the
    #: spider does not know: every link is followed, counted and logged. None follows every link.
    story_links_css: ClassVar[str | None] = None
    #: CSS of the pager links followed along with the story links.
    pager_links_css: ClassVar[str | None] = None

    def __init__(self, *args: Any, start_url: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if start_url:
            self.start_urls = [u.strip() for u in start_url.split(",") if u.strip()]
        #: Where article pages are parsed: worker processes in a crawl (``from_crawler``).
        self.workers = WorkerPool(0)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.workers = WorkerPool.from_crawler(crawler)
        return spider

    @classmethod
    def is_article_url(cls, url: str) -> bool:
        return bool(cls.article_url_re.search(url))

    @classmethod
    def is_list_url(cls, url: str) -> bool:
        return cls.list_url_re is not None and bool(cls.list_url_re.search(url))

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # No dont_filter here: Scrapy's default start requests set it, and a redirect then
        # inherits it and escapes the offsite check (see docs/reliability.md).
        for url in self.start_urls:
            if not url.startswith(_SCHEMES):
                logger.error("Ignoring start URL %r: not an http(s) URL", url)
                self.crawler.stats.inc_value("govnews/dropped/bad_start_url")
                continue
            yield self.request_for(url)

    def request_for(self, url: str, **kwargs: Any) -> scrapy.Request:
        """A request for ``url`` with the callback its URL calls for."""
        if self.is_article_url(url):
            return scrapy.Request(url, callback=self.parse_article, **kwargs)
        return scrapy.Request(url, callback=self.parse_list, **kwargs)

    def parse(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        return self.parse_list(response)

    def parse_list(self, response: Response) -> Iterable[scrapy.Request]:
        """Follow the article links and pagination of a list page."""
        self.crawler.stats.inc_value("govnews/pages/list")
        for url in self.links(response):
            if self.is_article_url(url) or self.is_list_url(url):
                yield self.request_for(url)

    def links(self, response: Response) -> list[str]:
        """Absolute http(s) URLs linked from ``response``, fragment-free, in page order.

        Only the story and pager links when :attr:`story_links_css` finds any.
        """
        if not is_text(response):
            return []
        css = "a"
        if self.story_links_css is not None:
            if response.xpath(f"boolean({_hrefs(self.story_links_css)})").get() == "1":
                css = ", ".join(filter(None, (self.story_links_css, self.pager_links_css)))
            else:
                # A redesigned list page: crawl wider rather than lose the section, but say so.
                self.crawler.stats.inc_value("govnews/pages/list_unrecognised")
                logger.warning("No known story list on %s; following every link", response.url)
        seen: dict[str, None] = {}
        for href in response.xpath(_hrefs(css)).getall():
            href = href.strip()
            if not href or href.startswith(("#", "javascript:", "mailto:")):
                continue
            url = url_query_cleaner(response.urljoin(href), (), remove=True, keep_fragments=False)
            if url.startswith(_SCHEMES):
                seen.setdefault(url)
        return list(seen)

    async def parse_article(self, response: Response) -> AsyncIterator[Article]:
        """Parse an article page with the site parser (generic extractor as the fallback)."""
        article = await self.read_article(response, normalize=True)
        if article is not None:
            yield article

    async def read_article(self, response: Response, *, normalize: bool) -> Article | None:
        """The article on ``response``; None when there is none (dropped, counted and logged).

        In a crawl the page is decoded, parsed and, with ``normalize``, normalised in a worker
        process (crawler/workers.py), all in one round trip: the normalise pipeline passes such
        an article on as it is. The drop reasons and ``parsed/*`` counts are the same either way.
        """
        if not is_text(response):
            self.drop(response.url, "not_html")
            return None
        # The bytes, not response.text: it trusts a lying Content-Type charset (see
        # crawler/encoding.py). Bytes are also what is cheapest to send to a worker.
        page = (response.body, response.headers.get(b"Content-Type"), response.url, self.parser)
        try:
            if normalize:
                article, path = await self.workers.run(
                    parse_and_normalize, *page, self.name, self.timezone
                )
            else:
                article, path = await self.workers.run(parse_body, *page)
        except ParseError as exc:
            self.drop(response.url, "parse_error", str(exc))
            return None
        except Exception as exc:  # a parser bug must cost one page, never the crawl
            logger.exception("Parser crashed on %s", response.url)
            self.drop(response.url, "parser_crash", repr(exc))
            return None
        self.crawler.stats.inc_value(f"govnews/parsed/{path}")
        if path == "fallback":
            logger.warning("Site parser failed on %s; used the generic extractor", response.url)
        article.spider = self.name
        return article

    def drop(self, url: str, reason: str, detail: str = "") -> None:
        """Count and log a page that yields no article."""
        self.crawler.stats.inc_value(f"govnews/dropped/{reason}")
        logger.warning("Dropped %s (%s)%s", url, reason, f": {detail}" if detail else "")
