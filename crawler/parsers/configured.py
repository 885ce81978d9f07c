"""Sites by configuration: ``crawler/sites.toml`` entries and their selector-driven parser.

Each ``[[site]]`` entry names a site, its domains, start URLs and URL patterns, and optionally CSS
selectors for the headline, date, source and body (plus ``drop`` selectors for chrome inside the
body). The parser reads what the selectors give and asks the generic extractor for every field
they do not give, so a new site needs only the selectors its pages make necessary. See
``docs/sites.md``.

Rows record ``extractor = "configured:<name>"`` whenever this parser succeeds (even if the
generic extractor supplied most fields), and ``"generic"`` when it failed and the spider fell
back. A selector that is configured but matches nothing is layout drift: for the headline or
the body that is a :class:`ParseError` (the spider falls back to the generic extractor and
counts it); for the date or source the generic extractor's value is used.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import SelectorError
from lxml.cssselect import CSSSelector

from crawler.items import Article
from crawler.normalize import normalize_date, normalize_text
from crawler.parsers import ParseError, Parser, common, generic_parser

SITES_FILE = Path(__file__).resolve().parents[1] / "sites.toml"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_LABEL_RE = re.compile(r"^\s*(?:Source|From|信息来源|来源|稿源)\s*[:：]\s*", re.IGNORECASE)
#: Fields the generic extractor fills when the configuration does not give them.
_FILLED_BY_GENERIC = (
    "headline", "canonical_url", "section", "subtitle", "byline", "source", "editor",
    "published_at", "updated_at", "date_raw", "lang",
)  # fmt: skip


class SiteConfigError(ValueError):
    """``sites.toml`` has an entry that cannot become a spider."""


@dataclass(frozen=True)
class Selectors:
    """CSS selectors of a site's article pages; None means "ask the generic extractor"."""

    headline: str | None = None
    date: str | None = None
    source: str | None = None
    body: str | None = None
    #: Chrome inside the body (share bars, "Print" links) to drop before reading it.
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteConfig:
    """One ``[[site]]`` entry of ``sites.toml``."""

    name: str
    allowed_domains: tuple[str, ...]
    start_urls: tuple[str, ...]
    article_url_pattern: str
    list_url_pattern: str | None = None
    timezone: str = "Asia/Shanghai"
    #: The language of every page, when the site has one; else it is detected.
    lang: str | None = None
    selectors: Selectors = Selectors()

    @property
    def extractor(self) -> str:
        return f"configured:{self.name}"


_SITE_KEYS = {f.name for f in dataclasses.fields(SiteConfig)}
_SELECTOR_KEYS = {f.name for f in dataclasses.fields(Selectors)}
_REQUIRED = ("name", "allowed_domains", "start_urls", "article_url_pattern")


@cache
def _css(css: str) -> CSSSelector:
    return CSSSelector(css, translator="html")


def _check(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise SiteConfigError(f"{where}: {message}")


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _site(entry: dict[str, Any], where: str) -> SiteConfig:
    # Unknown keys are typos ("selector", "start_url"): silently ignoring them would crawl with
    # half a configuration.
    unknown = sorted(entry.keys() - _SITE_KEYS)
    _check(not unknown, where, f"unknown keys {unknown}")
    for key in _REQUIRED:
        _check(key in entry, where, f"missing {key!r}")
    name = entry["name"]
    valid_name = isinstance(name, str) and bool(_NAME_RE.match(name))
    _check(valid_name, where, f"name {name!r} must be lower-case letters, digits and _")
    where = f"{where} ({name})"
    for key in ("allowed_domains", "start_urls"):
        _check(_strings(entry[key]), where, f"{key} must be a non-empty list of strings")
    http = all(u.startswith(("http://", "https://")) for u in entry["start_urls"])
    _check(http, where, "start_urls must be http(s) URLs")
    for key in ("article_url_pattern", "list_url_pattern"):
        if entry.get(key) is not None:
            try:
                re.compile(entry[key])
            except (re.error, TypeError) as exc:
                raise SiteConfigError(f"{where}: {key} is not a regular expression: {exc}") from exc
    try:
        ZoneInfo(entry.get("timezone", "Asia/Shanghai"))
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise SiteConfigError(f"{where}: unknown timezone {entry.get('timezone')!r}") from exc
    raw = entry.get("selectors", {})
    _check(isinstance(raw, dict), where, "selectors must be a table")
    unknown = sorted(raw.keys() - _SELECTOR_KEYS)
    _check(not unknown, where, f"unknown selectors {unknown}")
    drop = raw.get("drop", [])
    _check(drop == [] or _strings(drop), where, "selectors.drop must be a list of strings")
    for css in [v for k, v in raw.items() if k != "drop"] + list(drop):
        try:
            _css(css)
        except (SelectorError, TypeError) as exc:
            raise SiteConfigError(f"{where}: bad CSS selector {css!r}: {exc}") from exc
    return SiteConfig(
        name=name,
        allowed_domains=tuple(d.lower() for d in entry["allowed_domains"]),
        start_urls=tuple(entry["start_urls"]),
        article_url_pattern=entry["article_url_pattern"],
        list_url_pattern=entry.get("list_url_pattern"),
        timezone=entry.get("timezone", "Asia/Shanghai"),
        lang=entry.get("lang"),
        selectors=Selectors(**{**raw, "drop": tuple(drop)}),
    )


def load_sites(path: Path = SITES_FILE) -> tuple[SiteConfig, ...]:
    """Every site of a sites file, validated; SiteConfigError names the entry and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(f"{path}: {exc}") from exc
    _check(not data.keys() - {"site"}, str(path), "top-level tables other than [[site]]")
    entries = enumerate(data.get("site", []), start=1)
    sites = tuple(_site(entry, f"{path} [[site]] #{i}") for i, entry in entries)
    names = [s.name for s in sites]
    _check(len(names) == len(set(names)), str(path), f"duplicate site names in {names}")
    return sites


SITES = load_sites() if SITES_FILE.is_file() else ()
HOSTS = tuple(domain for site in SITES for domain in site.allowed_domains)


def _select(doc: common.HtmlElement, css: str | None) -> common.HtmlElement | None:
    hits = _css(css)(doc) if css else []
    return hits[0] if hits else None


def _select_text(doc: common.HtmlElement, css: str | None) -> str | None:
    el = _select(doc, css)
    return normalize_text(common.element_text(el)) if el is not None else None


def parse_configured(html: str, url: str, site: SiteConfig) -> Article:
    """A page of a configured site: its selectors first, the generic extractor for the rest."""
    doc = common.parse_html(html)
    sel = site.selectors
    headline = _select_text(doc, sel.headline)
    date_raw = _select_text(doc, sel.date)
    source = _select_text(doc, sel.source)
    if sel.headline and not headline:
        raise ParseError(f"{site.name}: headline selector {sel.headline!r} matched nothing: {url}")
    body, images = "", []
    if sel.body:
        container = _select(doc, sel.body)
        if container is None:
            raise ParseError(f"{site.name}: body selector {sel.body!r} matched nothing: {url}")
        common.remove_chrome(container)
        for css in sel.drop:
            for el in _css(css)(container):
                el.drop_tree()
        body, images = common.body_and_images(container, url)
        if not body:
            raise ParseError(f"{site.name}: body selector {sel.body!r} found no text: {url}")
    published_at = normalize_date(date_raw, site.timezone)
    article = Article(
        url=url,
        headline=headline,
        site=urlsplit(url).hostname,
        source=_LABEL_RE.sub("", source) if source else None,
        published_at=published_at,
        # Unparsable date text is dropped with its date: the generic extractor fills both.
        date_raw=date_raw if published_at else None,
        body=body,
        lang=site.lang,
        extractor=site.extractor,
        images=images,
    )
    return _fill_from_generic(article, html, url, site)


def _fill_from_generic(article: Article, html: str, url: str, site: SiteConfig) -> Article:
    missing = [name for name in _FILLED_BY_GENERIC if not getattr(article, name)]
    if not article.body:
        missing += ["body", "images"]
    if not missing:
        return article
    generic = generic_parser()
    if generic is None:
        if article.headline and article.body:
            return article  # what the selectors gave; the rest stays empty
        raise ParseError(f"{site.name}: needs headline and body selectors (no generic extractor)")
    found = generic(html, url)
    filled = dataclasses.replace(article, **{name: getattr(found, name) for name in missing})
    # The generic extractor may leave a naive time; the site's timezone says what it means.
    filled.published_at = normalize_date(filled.published_at, site.timezone)
    filled.updated_at = normalize_date(filled.updated_at, site.timezone)
    if not filled.headline or not filled.body:
        raise ParseError(f"{site.name}: no headline or body found: {url}")
    return filled


def _site_for(url: str) -> SiteConfig:
    host = (urlsplit(url).hostname or "").lower()
    for site in SITES:
        if any(host == d or host.endswith(f".{d}") for d in site.allowed_domains):
            return site
    raise ParseError(f"no configured site for {host or url!r}")


def parser_for(site: SiteConfig) -> Parser:
    """``parse_article(html, url)`` bound to one site (what its spider uses)."""
    return partial(parse_configured, site=site)


def parse_article(html: str, url: str) -> Article:
    """Parse a page of whichever configured site its host belongs to."""
    return parse_configured(html, url, _site_for(url))
