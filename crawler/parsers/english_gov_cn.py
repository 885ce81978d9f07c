"""Parser for english.www.gov.cn (and english.gov.cn): the State Council's English site.

China Daily runs it on its CMS (``content_WS<24 hex>.html`` ids, the same metas; see
``chinadaily_cms``). The template: ``div.Artical_Title``, an info line "Updated: December 8, 2025
14:38 Xinhua", the body in ``div.Artical_Content`` starting with a dateline ("BEIJING, Dec. 8 --"),
which is part of the story and stays, then "Editor: …", which goes to ``editor``.

Pages of the 2014-2018 site (``/news/top_news/YYYY/MM/DD/content_2814….htm``) use an older
template: ``div.conter-conter > h3``, ``div.adio`` with "Updated: Jan 12,2016 9:31 PM" and the
source, and the body in ``div#sp``. They have no WS id, so the time comes from that line alone.
"""

from __future__ import annotations

import re

from crawler.items import Article
from crawler.normalize import detect_lang, normalize_date, normalize_text
from crawler.parsers import ParseError, common
from crawler.parsers import chinadaily_cms as cms
from crawler.parsers.common import css_xpath

HOSTS = ("english.www.gov.cn", "english.gov.cn")
SITE = "english.www.gov.cn"
EXTRACTOR = "english_gov_cn"
TIMEZONE = "Asia/Shanghai"
_TITLE_SUFFIXES = (" - english.gov.cn", " | english.gov.cn")

_HEADLINE_XPATHS = (css_xpath("div.Artical_Title"), css_xpath("div.conter-conter > h3"))
_CONTENT_XPATHS = (css_xpath("div.Artical_Content"), css_xpath("div#sp"))
_INFO_XPATHS = (css_xpath("div.Artical_Info"), css_xpath("div.adio"))
_BREADCRUMB_XPATHS = (css_xpath("div.BreadcrumbNav a"), css_xpath("div.breadcrumb a"))
# "Editor: Wang Meng" sits in div.edit (current) or div.editor (legacy), sometimes in a <p>; the
# footer's "Back to the top" is a link.
_LINES_XPATH = css_xpath(".edit, .editor, p, a")
_EDITOR_RE = re.compile(r"^Editor\s*[:：]\s*(?P<name>.+)$", re.IGNORECASE)
_BACK_TO_TOP = "back to the top"
# The legacy info line has a 12-hour clock, which the date normalizer would read as 24-hour.
_AMPM_RE = re.compile(r"\b(?P<h>\d{1,2}):(?P<m>\d{2})\s*(?P<ampm>[AP])\.?M\b\.?", re.IGNORECASE)
_LEGACY_DATE_RE = re.compile(
    r"Updated\s*:\s*[A-Za-z]{3,9}\.?\s*\d{1,2},\s*\d{4}\s+" + _AMPM_RE.pattern, re.IGNORECASE
)


def parse_article(html: str, url: str) -> Article:
    """Parse one english.gov.cn article page; ParseError when the page is not an article."""
    doc = common.parse_html(html)
    meta = common.metas(doc)
    editor = _pop_editor(doc)
    cms.remove_chrome(doc)
    headline = common.first_text(doc, _HEADLINE_XPATHS) or cms.headline(doc, meta, _TITLE_SUFFIXES)
    if not headline:
        raise ParseError(f"no headline: {url}")
    container = cms.content_container(doc, _CONTENT_XPATHS)
    for wrapper in list(container.iter("content")):  # legacy: <div id="sp"><content><p>…
        wrapper.drop_tag()
    body, images = common.body_and_images(container, url)
    info, shown_date = _info(doc)
    return Article(
        url=url,
        headline=headline,
        canonical_url=meta.get("og:url"),
        site=SITE,
        section=common.breadcrumb_section(doc, _BREADCRUMB_XPATHS),
        byline=info.byline,
        source=meta.get("source") or info.source,
        editor=editor or normalize_text(meta.get("editor")),
        published_at=cms.page_published_at(info.date_raw, meta, url, TIMEZONE),
        date_raw=shown_date or meta.get("publishdate"),
        body=body,
        lang=detect_lang(body),
        extractor=EXTRACTOR,
        images=images,
    )


def _pop_editor(doc: common.HtmlElement) -> str | None:
    """The name on the "Editor: …" line; that line and "Back to the top" leave the tree."""
    editor = None
    for el in doc.xpath(_LINES_XPATH):
        text = normalize_text(el.text_content()) or ""
        match = _EDITOR_RE.match(text)
        if match:
            editor = editor or match["name"]
        if match or text.lower() == _BACK_TO_TOP:
            el.drop_tree()
    return editor


def _info(doc: common.HtmlElement) -> tuple[cms.InfoLine, str | None]:
    """The info line, its date in 24-hour time, and the date text as the page shows it."""
    text = common.first_text(doc, _INFO_XPATHS)
    legacy = _LEGACY_DATE_RE.search(text or "")
    if legacy is None:
        info = cms.parse_info(text)
        return info, info.date_raw
    shown = legacy.group()
    rest = f"{text[: legacy.start()]} | {text[legacy.end() :]}"
    info = cms.parse_info(rest)
    # published_at re-reads date_raw: give it the 24-hour form, keep the shown one for the row.
    date_24h = _AMPM_RE.sub(_to_24h, shown)
    return cms.InfoLine(info.byline, info.source, normalize_date(date_24h, TIMEZONE)), shown


def _to_24h(match: re.Match[str]) -> str:
    hour = int(match["h"]) % 12 + (12 if match["ampm"].upper() == "P" else 0)
    return f"{hour:02d}:{match['m']}"
