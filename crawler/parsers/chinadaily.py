"""Parser for www.chinadaily.com.cn and its Chinese sister sites (china., cn., …chinadaily.com.cn).

All run on the China Daily CMS (see ``chinadaily_cms``) with two article templates:

- English (www.): ``#lft-art > h1`` (``.ce_art > h1`` on photo galleries), an info line
  "By NAME [in PLACE] | SOURCE | Updated: YYYY-MM-DD HH:MM", body ``#Content`` with
  ``figure > img + figcaption``. ``meta[name=author]`` is the editor's name, not the byline.
- Chinese (china./cn.): ``h1.dabiaoti``, "来源：SOURCE" and "YYYY-MM-DD HH:MM" in ``div.fenx``, and
  editor lines "（编辑：…）" / "【责任编辑：…】" at the end of the body, which go to ``editor``.

Long stories and galleries are split over ``WS<id>_2.html`` … pages; each page parses on its own
and :func:`merge_pages` joins them (the spider fetches them in order).
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit

from crawler.items import Article
from crawler.normalize import detect_lang, normalize_text
from crawler.parsers import ParseError, common
from crawler.parsers import chinadaily_cms as cms
from crawler.parsers.common import css_xpath

# The registry matches exact host names: these are the CMS editions with /a/YYYYMM/DD/WS… pages.
# govt.chinadaily.com.cn has its own parser.
_EDITIONS = ("www", "china", "cn", "world", "cnews", "caijing", "finance", "tech", "qiye", "che",
             "fang", "ent", "fashion", "column", "language", "tw", "global", "usa", "europe",
             "africa")  # fmt: skip
HOSTS = ("chinadaily.com.cn", *(f"{sub}.chinadaily.com.cn" for sub in _EDITIONS))
EXTRACTOR = "chinadaily"
TIMEZONE = "Asia/Shanghai"
_TITLE_SUFFIXES = (" - Chinadaily.com.cn", " - 中国日报网")

_INFO_XPATHS = (*cms.INFO_XPATHS, css_xpath("div.fenx"))
_BREADCRUMB_XPATHS = (*cms.BREADCRUMB_XPATHS, css_xpath("div.da-bre a"))
# The Chinese template: no labels in front of the date, a full-width colon after 来源.
_ZH_SOURCE_RE = re.compile(r"来源\s*[:：]\s*([^\s|]+)")
_ZH_DATE_RE = re.compile(r"(\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?)")
_EDITOR_LINE_RE = re.compile(
    r"[(（]\s*编辑\s*[:：]\s*([^)）]+)[)）]"  # （编辑：严玉洁 王辉）
    r"|【\s*责任编辑\s*[:：]\s*([^】]+)】"  # 【责任编辑：严玉洁】
)


def parse_article(html: str, url: str) -> Article:
    """Parse one page of a China Daily article; ParseError when the page is not an article."""
    doc = common.parse_html(html, cms.ARTICLE_END)
    meta = common.metas(doc)
    # Hidden blocks are not article text: the Chinese template repeats the headline and the
    # summary (as h1 + h2) in one at the top of <body>, which would pass for headline and subtitle.
    cms.remove_chrome(doc, hidden=True)
    headline = cms.headline(doc, meta, _TITLE_SUFFIXES)
    if not headline:
        raise ParseError(f"no headline: {url}")
    container = cms.content_container(doc)
    # Read before the body: body_and_images drops these lines as boilerplate.
    editors = _editor_names(container.text_content())
    body, images = common.body_and_images(container, url)
    info_text = common.first_text(doc, _INFO_XPATHS) or ""
    info = cms.parse_info(info_text)
    # The Chinese template labels neither its date nor (with "|") its source.
    date_raw = info.date_raw or common.first_group(_ZH_DATE_RE, info_text)
    source = meta.get("source") or common.first_group(_ZH_SOURCE_RE, info_text) or info.source
    return Article(
        url=url,
        headline=headline,
        canonical_url=meta.get("og:url"),
        site=urlsplit(url).hostname,
        section=common.breadcrumb_section(doc, _BREADCRUMB_XPATHS),
        subtitle=cms.subtitle(doc),
        byline=info.byline,
        source=source,
        editor=" ".join(editors) or normalize_text(meta.get("editor")),
        published_at=cms.page_published_at(date_raw, meta, url, TIMEZONE),
        date_raw=date_raw or meta.get("publishdate"),
        body=body,
        lang=detect_lang(body),
        extractor=EXTRACTOR,
        images=images,
    )


def merge_pages(article: Article, page: Article) -> Article:
    """The article with one more of its pages appended: paragraphs and images in page order.

    Everything else (URL, headline, dates) stays the first page's: the stored article is page 1.
    """
    body = "\n\n".join(part for part in (article.body, page.body) if part)
    return dataclasses.replace(article, body=body, images=[*article.images, *page.images])


def _editor_names(text: str) -> list[str]:
    names: dict[str, None] = {}
    for match in _EDITOR_LINE_RE.finditer(text):
        for name in (match[1] or match[2]).split():
            names.setdefault(name)
    return list(names)
