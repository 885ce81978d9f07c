"""Parser registry: a site parser chosen by the URL's host, the generic extractor otherwise.

Each site module exposes ``HOSTS`` and ``parse_article(html, url) -> Article``; adding a site is
one line in ``SITE_MODULES``. Modules are imported on first use so that a broken or slow site
module never costs the others anything.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from functools import cache
from typing import Literal
from urllib.parse import urlsplit

from crawler.items import Article

Parser = Callable[[str, str], Article]
ParsePath = Literal["site", "fallback"]

#: Site parser modules (under ``crawler.parsers``), each declaring the ``HOSTS`` it handles.
#: The first module to claim a host keeps it, so hand-written parsers come before ``configured``.
SITE_MODULES = (
    "govt_chinadaily",
    "chinadaily",
    "english_gov_cn",
    "gov_cn",
    "eguangzhou",
    "configured",
)

GENERIC_MODULE = "crawler.parsers.generic"


class ParseError(ValueError):
    """The page is not an article this parser can read."""


@cache
def _host_table() -> dict[str, Parser]:
    table: dict[str, Parser] = {}
    for name in SITE_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        for host in module.HOSTS:
            table.setdefault(host.lower(), module.parse_article)
    return table


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removesuffix(".")


def parser_for_url(url: str) -> Parser | None:
    """The site parser for the URL's host, or None when no site module claims it."""
    return _host_table().get(_host(url))


@cache  # a failed import is retried on every call otherwise, and this runs once per page
def generic_parser() -> Parser | None:
    """``crawler.parsers.generic.parse_article`` when that module exists, else None."""
    try:
        module = importlib.import_module(GENERIC_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != GENERIC_MODULE:
            raise  # the module exists but one of its own imports is missing: a real bug
        return None
    return module.parse_article


def parse_page(html: str, url: str) -> Article:
    """Parse with the site parser for the URL, else the generic extractor."""
    parser = parser_for_url(url) or generic_parser()
    if parser is None:
        raise ParseError(f"no parser for host {_host(url) or url}")
    return parser(html, url)


def parse_with_fallback(html: str, url: str, parser: Parser) -> tuple[Article, ParsePath]:
    """Run a site parser; when it fails or finds no headline or body, use the generic extractor.

    Returns the article and which path produced it, so callers can count fallbacks: a rising
    fallback rate is how a site's template change shows up.
    """
    try:
        article = parser(html, url)
    except ParseError as exc:
        error: ParseError | None = exc
        article = None
    else:
        error = None
        if article.headline and article.body:
            return article, "site"
    generic = generic_parser()
    if generic is None:
        if error is not None:
            raise error
        return article, "site"  # incomplete, but nothing better exists: validation decides
    return dataclasses.replace(generic(html, url), extractor="generic"), "fallback"
