"""Middlewares that make every page a crawl could not get visible: logged with a reason, counted.

Stock Scrapy drops a page silently in several places: an ``IgnoreRequest`` (a decompression
bomb, too many redirects, robots.txt) is never logged above DEBUG, a redirect loop ends in the
dupefilter, and a start URL that redirects to another host is even fetched (start requests are
``dont_filter=True`` and a redirect inherits that). A cron crawl that nobody watches must say
what it lost, so these components log one WARNING per lost page and count it:

- ``govnews/dropped/<reason>`` for an article page (summed into ``crawls.articles_dropped``),
- ``govnews/failed/<reason>`` for any other page (a list page: its links were not followed).

:class:`PaginationTrapMiddleware` bounds the other way a crawl goes wrong unattended: following
an endless pager, while :class:`DepthLimitMiddleware` makes the ``DEPTH_LIMIT`` backstop loud.
See ``docs/reliability.md`` for the faults each one is tested against.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.depth import DepthMiddleware
from scrapy.spidermiddlewares.httperror import HttpError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

#: Exception class -> reason. Checked in order (the first match wins).
_EXCEPTION_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (DownloadTimeoutError, "timeout"),
    (ResponseDataLossError, "data_loss"),
    (DownloadFailedError, "connection_lost"),
    (DownloadConnectionRefusedError, "connection_refused"),
    (CannotResolveHostError, "dns_error"),
    # Scrapy cancels a download only past DOWNLOAD_MAXSIZE: with a message when the
    # Content-Length says so up front, without one when the body grows too big on the way.
    (DownloadCancelledError, "too_large"),
)
#: Scrapy raises a bare IgnoreRequest for these; its message is all that tells them apart.
_MESSAGE_REASONS: tuple[tuple[str, str], ...] = (
    ("during decompression", "decompression_bomb"),
    ("max redirections reached", "redirect_limit"),
    ("robots.txt", "robots_txt"),
)


def failure_reason(exc: BaseException) -> str:
    """A short, stable stats-key reason for why a request produced no response."""
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    for cls, reason in _EXCEPTION_REASONS:
        if isinstance(exc, cls):
            return reason
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        for needle, reason in _MESSAGE_REASONS:
            if needle in message:
                return reason
        return "ignored"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def count_lost(
    crawler: Crawler, request: Request, reason: str, detail: str, url: str | None = None
) -> None:
    """Log and count a page the crawl gave up on (see the module docstring for the keys)."""
    is_article = _callback_name(request) == "parse_article"
    family = "dropped" if is_article else "failed"
    assert crawler.stats is not None
    crawler.stats.inc_value(f"govnews/{family}/{reason}")
    kind = "article" if is_article else "page"
    logger.warning("Lost %s %s (%s): %s", kind, url or request.url, reason, detail)


class LostPageMiddleware:
    """Spider middleware: every request the spider makes gets an errback that logs and counts.

    Without an errback, Scrapy logs a download error but drops every ``IgnoreRequest`` (and
    so every decompression bomb, redirect limit and robots.txt refusal) without a word above
    DEBUG. Requests that already have an errback are left alone.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LostPageMiddleware:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            yield self._watch(item_or_request)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for item_or_request in result:
            yield self._watch(item_or_request)

    def _watch(self, item_or_request: Any) -> Any:
        # Set on the request itself: the spider made it for this crawl and keeps no other use
        # of it, and a copy (``replace``) of every request re-ran its constructor for nothing.
        if isinstance(item_or_request, Request) and item_or_request.errback is None:
            item_or_request.errback = self.lost
        return item_or_request

    def lost(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        exc = failure.value
        count_lost(self.crawler, request, failure_reason(exc), f"{type(exc).__name__}: {exc}")


class RedirectGuardMiddleware(OffsiteMiddleware):
    """Downloader middleware: drop redirect loops and redirects to another host, loudly.

    Runs where the stock offsite check runs (when a request is scheduled) but on redirects
    only, and ignores ``dont_filter``: a redirect inherits ``dont_filter`` from a start request,
    which is how stock Scrapy ends up fetching another host. It also catches a loop
    (``A -> B -> A``) before the dupefilter would drop it without a word.
    """

    def process_request(self, request: Request) -> None:
        previous = request.meta.get("redirect_urls")
        if not previous:
            return
        assert self.crawler.spider is not None
        if request.url in previous:
            reason = "redirect_loop"
        elif request.meta.get("allow_offsite") or self.should_follow(request, self.crawler.spider):
            return
        else:
            reason = "offsite_redirect"
            if request.dont_filter:  # the stock check let it through: count it as it would
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value("offsite/filtered")
        chain = " -> ".join([*previous, request.url])
        count_lost(self.crawler, request, reason, chain, url=previous[0])
        raise IgnoreRequest(f"{reason}: {chain}")


class PaginationTrapMiddleware:
    """Spider middleware: stop following list pages that repeat their parent's articles.

    A pagination trap (``?page=N+1`` forever, a pager past the last page) serves the same
    article links on every page. A list page whose article links are exactly those of the list
    page that linked to it has nothing new to offer, so its own list links are not followed
    (logged, counted as ``govnews/pagination/trap``). Sections that share some articles are
    unaffected (only an identical set stops the chain), and so are hubs of hubs (pages with no
    article links at all). ``DEPTH_LIMIT`` stays the backstop for traps this cannot see.

    Pagination does not count toward ``DEPTH_LIMIT``: a list page with article links of its own
    gives the list pages it links depth 0 again (Scrapy's ``depth_reset``), so a long section
    (page 80 of a list, depth-first) is never cut. Only chains of list pages without articles
    (hubs, an endless empty pager) add depth, and the limit still ends them.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PaginationTrapMiddleware:
        return cls(crawler)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        if _callback_name(response.request) != "parse_list":
            async for item_or_request in result:
                yield item_or_request
            return
        output = [item_or_request async for item_or_request in result]
        requests = [r for r in output if isinstance(r, Request)]
        articles = frozenset(r.url for r in requests if _callback_name(r) == "parse_article")
        assert response.request is not None
        parent = response.request.meta.get("list_parent")
        if articles and parent is not None and parent[1] == articles:
            lists = [r for r in requests if _callback_name(r) == "parse_list"]
            if lists:
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value("govnews/pagination/trap")
                logger.warning(
                    "Not following %d list link(s) of %s: same %d article link(s) as %s "
                    "(pagination trap)",
                    len(lists),
                    response.url,
                    len(articles),
                    parent[0],
                )
            output = [r for r in output if r not in lists]
        for item_or_request in output:
            if (
                isinstance(item_or_request, Request)
                and _callback_name(item_or_request) == "parse_list"
            ):
                item_or_request.meta["list_parent"] = (response.url, articles)
                if articles:
                    item_or_request.meta["depth_reset"] = True
            yield item_or_request


class DepthLimitMiddleware(DepthMiddleware):
    """Scrapy's ``DepthMiddleware``, but a request cut by ``DEPTH_LIMIT`` is a lost page.

    The stock middleware drops it with one DEBUG line per crawl and ``depth/request_ignored_count``;
    here each one is logged and counted like any other lost page: ``govnews/dropped/depth_limit``
    for an article, ``govnews/failed/depth_limit`` for a list page.
    """

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        processed = super().get_processed_request(request, response)
        if processed is None:
            detail = f"depth {request.meta['depth']} > DEPTH_LIMIT {self.maxdepth}"
            count_lost(self.crawler, request, "depth_limit", detail)
        return processed


def _callback_name(request: Request | None) -> str:
    return getattr(getattr(request, "callback", None), "__name__", "")
