"""Extract one saved page outside a crawl: decode, parse by URL, normalise."""

from __future__ import annotations

from w3lib.encoding import html_to_unicode

from crawler.items import Article
from crawler.parsers import parse_page
from pipelines.normalize import normalize_article


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode a page as a browser would: BOM, then the header, then ``<meta>``, then a guess."""
    _, text = html_to_unicode(content_type, body)
    return text


def extract_file(body: bytes, url: str, tz: str = "Asia/Shanghai") -> Article:
    """The normalised Article of a saved page; the parser is chosen by ``url``."""
    return normalize_article(parse_page(decode_html(body), url), tz)
