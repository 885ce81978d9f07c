"""MetaRefreshMiddleware: Scrapy's, without decoding every page that cannot have a refresh.

Scrapy's middleware decodes each HTML response's whole body (``response.text``) to look for a
``<meta http-equiv="refresh">`` in its first 4,096 characters: in the crawl process, about
0.14 ms for a 100 KB article page, for a tag almost no page has. Those characters are at most
4 bytes each in the encodings a page can be in, so a page whose first 16 KB hold no
``refresh`` in any case cannot have one; such a page goes on as it is. The pre-check gives way
to Scrapy's own when those bytes could spell it some other way: NUL bytes (UTF-16 and UTF-32)
or a numeric character reference (``&#114;efresh``, which older w3lib versions decode).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as _ScrapyMetaRefresh
from scrapy.http import HtmlResponse

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.http import Response

#: Bytes that hold the 4,096 characters Scrapy looks at, in any encoding but UTF-16/32.
HEAD_BYTES = 4 * 4096


def may_refresh(body: bytes) -> bool:
    """Whether the start of ``body`` could hold a meta refresh Scrapy would find."""
    head = body[:HEAD_BYTES]
    return b"\x00" in head or b"&#" in head or b"refresh" in head.lower()


class MetaRefreshMiddleware(_ScrapyMetaRefresh):
    """Scrapy's ``MetaRefreshMiddleware`` for the pages :func:`may_refresh` lets through."""

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if isinstance(response, HtmlResponse) and not may_refresh(response.body):
            return response
        return super().process_response(request, response)
