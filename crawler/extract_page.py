"""Extract one saved page outside a crawl: decode, parse by URL, normalise."""

from __future__ import annotations

from crawler.encoding import decode_html
from crawler.items import Article
from crawler.parsers import parse_page
from pipelines.normalize import normalize_article


def extract_file(body: bytes, url: str, tz: str = "Asia/Shanghai") -> Article:
    """The normalised Article of a saved page; the parser is chosen by ``url``."""
    return normalize_article(parse_page(decode_html(body), url), tz)
