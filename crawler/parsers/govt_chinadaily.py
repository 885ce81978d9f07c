"""Parser for govt.chinadaily.com.cn, China Daily's English government-news site.

The site runs on the China Daily CMS (see ``chinadaily_cms``). Its info line reads
"Updated: Dec 21, 2022 eguangzhou.gov.cn Print": a day without a time, the source, no byline.
The "Updated" date is the publication date (the WS id's timestamp falls on the same minute on
sister sites), so ``published_at`` gets it, completed to the second from the id when both agree,
and ``updated_at`` stays empty: the page never shows a second, later date.
"""

from __future__ import annotations

from crawler.items import Article
from crawler.normalize import detect_lang
from crawler.parsers import ParseError, common
from crawler.parsers import chinadaily_cms as cms

HOSTS = ("govt.chinadaily.com.cn",)
SITE = "govt.chinadaily.com.cn"
EXTRACTOR = "govt_chinadaily"
TIMEZONE = "Asia/Shanghai"
_TITLE_SUFFIXES = (" | govt.chinadaily.com.cn", " - govt.chinadaily.com.cn")


def parse_article(html: str, url: str) -> Article:
    """Parse one govt.chinadaily article page; ParseError when the page is not an article."""
    doc = common.parse_html(html, cms.ARTICLE_END)
    meta = common.metas(doc)
    cms.remove_chrome(doc)
    headline = cms.headline(doc, meta, _TITLE_SUFFIXES)
    if not headline:
        raise ParseError(f"no headline: {url}")
    body, images = common.body_and_images(cms.content_container(doc), url)
    info = cms.info_line(doc)
    return Article(
        url=url,
        headline=headline,
        canonical_url=meta.get("og:url"),
        site=SITE,
        section=common.breadcrumb_section(doc, cms.BREADCRUMB_XPATHS),
        subtitle=cms.subtitle(doc),
        byline=info.byline,
        source=meta.get("source") or info.source,
        editor=meta.get("editor"),
        published_at=cms.page_published_at(info.date_raw, meta, url, TIMEZONE),
        date_raw=info.date_raw or meta.get("publishdate"),
        body=body,
        lang=detect_lang(body),
        extractor=EXTRACTOR,
        images=images,
    )
