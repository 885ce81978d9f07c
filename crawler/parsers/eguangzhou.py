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
from crawler.parsers import ParseError, common
from crawler.parsers.common import has_class

HOSTS = ("www.eguangzhou.gov.cn", "eguangzhou.gov.cn")
SITE = "www.eguangzhou.gov.cn"
EXTRACTOR = "eguangzhou"
TIMEZONE = "Asia/Shanghai"

# Hidden blocks go too.
_CHROME_TAGS = ("script", "style", "noscript", "iframe", "form")
_CHROME_CLASSES = ("share", "print", "fontsize", "editor", "related", "footer", "pagination")
_CONTENT_XPATHS = (
    f"//div[{has_class('article-content')}]",
    "//*[@id='zoomcon']",
    f"//div[{has_class('TRS_Editor')}]",
    f"//div[{has_class('info_cont')}]",
    f"//div[{has_class('content-text')}]",
)
_HEADLINE_XPATHS = (
    f"//*[{has_class('article')}]//h1",
    f"//*[{has_class('info_title')}]",
    "//h1",
)
_INFO_XPATHS = (f"//*[{has_class('info')}]", f"//*[{has_class('article-info')}]")
_EDITOR_XPATHS = (f"//*[{has_class('editor')}]",)
_BREADCRUMB_XPATHS = (f"//*[{has_class('location', 'crumb')}]//a",)
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


def url_section(url: str) -> str | None:
    """The section named by the URL's first folder (``/gzbusiness/content/…`` -> Business)."""
    folder = urlsplit(url).path.strip("/").split("/")[0]
    return SECTIONS.get(folder)


def parse_article(html: str, url: str) -> Article:
    """Parse one eguangzhou article page; ParseError without a headline or body."""
    doc = common.parse_html(html)
    meta = common.metas(doc)
    info = common.first_text(doc, _INFO_XPATHS)
    editor = common.first_group(_EDITOR_RE, common.first_text(doc, _EDITOR_XPATHS))
    section = meta.get("columnname") or common.breadcrumb_section(doc, _BREADCRUMB_XPATHS)
    common.remove_chrome(doc, _CHROME_TAGS, classes=_CHROME_CLASSES, hidden=True)
    headline = meta.get("articletitle") or common.first_text(doc, _HEADLINE_XPATHS)
    if not headline:
        headline = _TITLE_SUFFIX_RE.sub("", normalize_text(doc.findtext(".//title")) or "")
    if not headline:
        raise ParseError(f"no headline: {url}")
    container = common.first(doc, _CONTENT_XPATHS)
    if container is None:
        raise ParseError(f"no article body (div.article-content / #zoomcon): {url}")
    body, images = common.body_and_images(container, url)
    date_raw = meta.get("pubdate") or common.first_group(_DATE_RE, info)
    return Article(
        url=url,
        headline=headline,
        site=SITE,
        section=section or url_section(url),
        byline=common.first_group(_BYLINE_RE, info),
        source=meta.get("contentsource") or common.first_group(_SOURCE_RE, info),
        editor=editor,
        published_at=normalize_date(date_raw, TIMEZONE),
        date_raw=date_raw,
        body=body,
        lang=detect_lang(body),
        extractor=EXTRACTOR,
        images=images,
    )
