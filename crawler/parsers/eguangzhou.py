"""Parser for eguangzhou.gov.cn, Guangzhou's English portal (Guangdong government site cluster).

No saved page of this site exists, so the parser is modelled on the Guangdong site-cluster CMS
that serves its ``/<section>/content/post_<id>.html`` URLs, and is deliberately tolerant: every
field has a chain of sources, most machine-readable first — the national government-website
metas (``ArticleTitle``, ``PubDate``, ``ContentSource``, ``ColumnName``), then the visible
title and "Updated: … Source: …" info line, then the URL's section. Only a missing body or
headline is an error (so the page goes to the generic extractor and the fallback is counted).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.items import Article
from crawler.normalize import detect_lang, normalize_date, normalize_text
from crawler.parsers import ParseError
from crawler.parsers import chinadaily_cms as html_blocks

HOSTS = ("www.eguangzhou.gov.cn", "eguangzhou.gov.cn")
SITE = "www.eguangzhou.gov.cn"
EXTRACTOR = "eguangzhou"
TIMEZONE = "Asia/Shanghai"

_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"
_CHROME_XPATHS = (
    "//script | //style | //noscript | //iframe | //form",
    *(
        f"//*[{_CLASS.format(c)}]"
        for c in ("share", "print", "fontsize", "editor", "related", "footer", "pagination")
    ),
    "//*[contains(translate(@style, ' ', ''), 'display:none')]",
)
_CONTENT_XPATHS = (
    f"//div[{_CLASS.format('article-content')}]",
    "//*[@id='zoomcon']",
    f"//div[{_CLASS.format('TRS_Editor')}]",
    f"//div[{_CLASS.format('info_cont')}]",
    f"//div[{_CLASS.format('content-text')}]",
)
_HEADLINE_XPATHS = (
    f"//*[{_CLASS.format('article')}]//h1",
    f"//*[{_CLASS.format('info_title')}]",
    "//h1",
)
_INFO_XPATHS = (f"//*[{_CLASS.format('info')}]", f"//*[{_CLASS.format('article-info')}]")
_BREADCRUMB_XPATHS = (f"//*[{_CLASS.format('location')} or {_CLASS.format('crumb')}]//a",)
_TITLE_SUFFIX_RE = re.compile(r"\s*[-_|]\s*e\s*Guangzhou\s*$", re.IGNORECASE)
# The next label ends a value: "Source: Guangzhou Daily Author: Li Hua" on one line.
_LABEL = r"\b(?:(?:Updated|Date|Time|Published|Source|From|Editor|Author|Font size)\s*[:：]|By\s)"
_DATE_RE = re.compile(
    r"(?:Updated|Date|Time|Published)\s*[:：]\s*(\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)",
    re.IGNORECASE,
)
_SOURCE_RE = re.compile(rf"(?:Source|From)\s*[:：]\s*(.+?)\s*(?={_LABEL}|$)", re.IGNORECASE)
_EDITOR_RE = re.compile(r"Editor\s*[:：]\s*(.+)$", re.IGNORECASE)
_BYLINE_RE = re.compile(rf"(?:\bBy|Author\s*[:：])\s+(.+?)\s*(?={_LABEL}|$)", re.IGNORECASE)
#: URL section folders and their names on the site.
SECTIONS = {
    "gzlatest": "Latest",
    "gzbusiness": "Business",
    "gzservice": "Services",
    "gzspecialreports": "Special Reports",
}


def _match(pattern: re.Pattern[str], text: str | None) -> str | None:
    match = pattern.search(text or "")
    return normalize_text(match.group(1)) if match else None


def _text(doc: html_blocks.HtmlElement, xpaths: tuple[str, ...]) -> str | None:
    el = html_blocks.first(doc, xpaths)
    return normalize_text(html_blocks.element_text(el)) if el is not None else None


def url_section(url: str) -> str | None:
    """The section named by the URL's first folder (``/gzbusiness/content/…`` -> Business)."""
    folder = urlsplit(url).path.strip("/").split("/")[0]
    return SECTIONS.get(folder)


def parse_article(html: str, url: str) -> Article:
    """Parse one eguangzhou article page; ParseError without a headline or body."""
    doc = html_blocks.parse_html(html)
    meta = html_blocks.metas(doc)
    info = _text(doc, _INFO_XPATHS)
    editor = _match(_EDITOR_RE, _text(doc, (f"//*[{_CLASS.format('editor')}]",)))
    section = meta.get("columnname") or html_blocks.breadcrumb_section(doc, _BREADCRUMB_XPATHS)
    html_blocks.remove_chrome(doc, _CHROME_XPATHS)
    headline = meta.get("articletitle") or _text(doc, _HEADLINE_XPATHS)
    if not headline:
        headline = _TITLE_SUFFIX_RE.sub("", normalize_text(doc.findtext(".//title")) or "")
    if not headline:
        raise ParseError(f"no headline: {url}")
    container = html_blocks.first(doc, _CONTENT_XPATHS)
    if container is None:
        raise ParseError(f"no article body (div.article-content / #zoomcon): {url}")
    body, images = html_blocks.body_and_images(container, url)
    date_raw = meta.get("pubdate") or _match(_DATE_RE, info)
    return Article(
        url=url,
        headline=headline,
        site=SITE,
        section=section or url_section(url),
        byline=_match(_BYLINE_RE, info),
        source=meta.get("contentsource") or _match(_SOURCE_RE, info),
        editor=editor,
        published_at=normalize_date(date_raw, TIMEZONE),
        date_raw=date_raw,
        body=body,
        lang=detect_lang(body),
        extractor=EXTRACTOR,
        images=images,
    )
