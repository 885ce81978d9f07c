"""Building blocks for sites on China Daily's CMS (govt.chinadaily, www.chinadaily, english.gov.cn).

They share the ``WS<24 hex>`` ids, the metas (``contentid``, ``publishdate``, ``source``,
``editor``), the ``#Content`` body, the WeChat share chrome and the ICP footer; templates differ
in the details, so each helper takes the selectors as parameters with CMS-wide defaults.
Pure functions over lxml trees (CMS-neutral blocks are in ``common``): no network, no Scrapy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.normalize import normalize_date, normalize_text, ws_id_datetime
from crawler.parsers import ParseError, common
from crawler.parsers.common import HtmlElement, has_class

#: The CMS's chrome: share/QR popups, pagers, related columns, footers (tags: ``common``'s).
CHROME_IDS = frozenset({"qrcode", "div_currpage", "weixinqrcode", "bread-nav1"})
CHROME_CLASSES = frozenset(
    {"moreshare", "share", "info_r", "selectpage", "print", "related", "related-stories", "xgxw",
     "r-phototitle", "mai_r", "rgt_art", "dibu-three", "mobile-foot", "footer", "edit"}
)  # fmt: skip
CONTENT_XPATHS: tuple[str, ...] = (
    "//div[@id='Content']",
    f"//div[{has_class('Artical_Content')}]",
)
HEADLINE_XPATHS: tuple[str, ...] = (
    # An h1 inside #lft-art (.main_art), said so that only h1 elements are tested: libxml2
    # tests a predicate like [@id='lft-art'] slowly, and once for every element of the page.
    "//h1[ancestor::*[@id='lft-art']]",
    f"//h1[ancestor::div[{has_class('main_art')}]]",
    "//h1",
)
INFO_XPATHS: tuple[str, ...] = (
    f"//span[{has_class('info_l')}]",
    f"//div[{has_class('info')}]",
)
BREADCRUMB_XPATHS: tuple[str, ...] = ("//*[@id='bread-nav']//a",)

#: Blocks the CMS's templates put after the article (the pager, the right-hand column, related
#: stories, the footers), as they write them: parsing stops at the first after ``#Content``.
ARTICLE_END = common.ArticleEnd(
    start='id="Content"',
    stops=('id="div_currpage"', 'class="selectpage"', 'class="mai_r"', 'class="rgt_art"',
           'class="related"', 'class="related-stories"', 'class="xgxw"', 'class="dibu-three"',
           'class="mobile-foot"', 'class="footer"'),
    container=CONTENT_XPATHS[0],
    needs=(HEADLINE_XPATHS[0], INFO_XPATHS[0]),
)  # fmt: skip

# "Updated: Dec 21, 2022", "Updated: 2024-05-13 09:08", "Updated: December 8, 2025 14:38".
_INFO_DATE_RE = re.compile(
    r"(?:Updated|Published|Posted|Date|发布时间|时间)\s*[:：]\s*[^|]*?\d{4}"
    r"(?:[-/]\d{1,2}[-/]\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?",
    re.IGNORECASE,
)
# "By Hu Meidong in Anxi, Fujian": the place, commas and all, is not part of the name.
_BYLINE_RE = re.compile(r"^By\s+(?P<name>.+?)(?:\s+in\s+[A-Z][\w .,'-]*)?$")
_INFO_JUNK_RE = re.compile(r"\b(?:Print|Share)\b", re.IGNORECASE)


def remove_chrome(doc: HtmlElement, *, hidden: bool = False) -> None:
    """Drop the CMS's chrome (and with ``hidden``, hidden blocks) in place."""
    common.remove_chrome(doc, ids=CHROME_IDS, classes=CHROME_CLASSES, hidden=hidden)


def headline(
    doc: HtmlElement, meta: dict[str, str], title_suffixes: Iterable[str] = ()
) -> str | None:
    """The ``h1``; else og:title; else ``<title>`` without the site suffix."""
    return (
        common.first_text(doc, HEADLINE_XPATHS)
        or meta.get("og:title")
        or common.title_text(doc, title_suffixes)
    )


def subtitle(doc: HtmlElement) -> str | None:
    """The ``h2`` right after the headline; the CMS prints it even when empty."""
    h1 = common.first(doc, HEADLINE_XPATHS)
    nxt = h1.getnext() if h1 is not None else None
    return normalize_text(common.element_text(nxt)) if nxt is not None and nxt.tag == "h2" else None


@dataclass(frozen=True)
class InfoLine:
    """What the line under the headline says: ``By NAME | SOURCE | Updated: DATE``."""

    byline: str | None = None
    source: str | None = None
    date_raw: str | None = None


def parse_info(text: str | None) -> InfoLine:
    """Split an info line into byline, source and date text, with or without ``|`` separators."""
    text = normalize_text(_INFO_JUNK_RE.sub(" ", text or ""))
    if not text:
        return InfoLine()
    match = _INFO_DATE_RE.search(text)
    date_raw = normalize_text(match.group()) if match else None
    rest = text[: match.start()] + "|" + text[match.end() :] if match else text
    byline = source = None
    for segment in filter(None, (normalize_text(s) for s in rest.split("|"))):
        by = _BYLINE_RE.match(segment)
        if by and byline is None:
            byline = by["name"]
        elif source is None:
            source = segment
    return InfoLine(byline, source, date_raw)


def info_line(doc: HtmlElement, xpaths: Iterable[str] = INFO_XPATHS) -> InfoLine:
    """The info line of the page (empty when the template has none)."""
    el = common.first(doc, xpaths)
    return parse_info(common.element_text(el) if el is not None else None)


def published_at(
    date_raw: str | None, meta_date: str | None, url_or_id: str, tz: str = "Asia/Shanghai"
) -> str | None:
    """The publication time: the page's date, made exact by the WS id when both agree.

    The id's timestamp is the CMS's own publication time (it matches the visible "Updated"
    minute), so it supplies the time of day the page omits; when it disagrees with what the page
    shows, the page wins (a republished story keeps an old id) and only what the page says is kept.
    """
    claimed = normalize_date(date_raw, tz) or normalize_date(meta_date, tz)
    ws_time = ws_id_datetime(url_or_id)
    if ws_time is None:
        return claimed
    exact = normalize_date(ws_time, tz)
    if claimed is None:
        return exact
    same = claimed == exact[:10] if len(claimed) == 10 else claimed[:16] == exact[:16]
    return exact if same else claimed


def page_published_at(
    date_raw: str | None, meta: dict[str, str], url: str, tz: str = "Asia/Shanghai"
) -> str | None:
    """:func:`published_at` from the metas ``publishdate`` and ``contentid`` (else the URL)."""
    return published_at(date_raw, meta.get("publishdate"), meta.get("contentid") or url, tz)


def content_container(doc: HtmlElement, xpaths: Iterable[str] = CONTENT_XPATHS) -> HtmlElement:
    """The article body element; ParseError when the page has none (a list page, say)."""
    el = common.first(doc, xpaths)
    if el is None:
        raise ParseError("no article body (#Content) on the page")
    return el
