"""Parser for www.gov.cn, the Chinese central government portal (TRS CMS, 2023+ template).

Everything dependable is in ``<meta>``: ``firstpublishedtime`` (``2026-01-05-18:30:00``, the
space form on some pages; Beijing time), ``lastmodifiedtime``, ``manuscriptId``, ``lanmu`` (the
column) and ``author`` (the editor). The headline is the hidden ``div.share-title`` the WeChat
share script reads (the visible ``h1`` is missing on 公报 and policy-library pages), else
``<title>`` without its "_<column>_中国政府网" suffix. The body is ``div.TRS_UEDITOR`` inside
``#UCAP-CONTENT``; policy-library (政策文件库) pages put it in ``td#UCAP-CONTENT`` under a
``table.bd1`` of 发文机关 / 发布日期 / … rows. Print, share, QR and the client-side pager are
chrome.
"""

from __future__ import annotations

import itertools
import re

from crawler.items import Article
from crawler.normalize import normalize_date, normalize_text
from crawler.parsers import ParseError, common
from crawler.parsers.common import HtmlElement, has_class

HOSTS = ("www.gov.cn", "gov.cn")
SITE = "www.gov.cn"
EXTRACTOR = "gov_cn"
TIMEZONE = "Asia/Shanghai"


# Client-side pager, QR popup, video/flash holder, share bar; hidden blocks (empty placeholders,
# the share text) go too.
_CHROME_IDS = ("pagination", "qr_container", "div_div", "myFlash", "share")
_CHROME_CLASSES = ("shuzi", "pages_print", "share", "BreadcrumbNav", "xg-list", "jiedu-blk",
                   "editor", "share-title", "share-substr", "pageInfo")  # fmt: skip
# The WeChat share image and QR codes when they sit inside the body.
_NOT_PHOTOS_XPATH = (
    "//img[contains(@src, '/images/150.jpg') or contains(@src, 'qrcode')"
    " or contains(@src, 'erweima')]"
)
_CONTENT_XPATHS = (
    f"//*[@id='UCAP-CONTENT']//div[{has_class('TRS_UEDITOR')}]",
    f"//div[{has_class('TRS_UEDITOR')}]",
    "//*[@id='UCAP-CONTENT']",
    f"//div[{has_class('pages_content')}]",
)
# h1#ti on the 2023+ template, div.pages-title on the legacy /xinwen/YYYY-MM/DD/ pages.
_HEADLINE_XPATHS = (
    "//h1[@id='ti']",
    f"//div[{has_class('article')}]//h1",
    f"//div[{has_class('pages-title')}]",
)
# "标题_国务院部门文件_中国政府网", "标题__2007年第23号国务院公报_中国政府网": one column
# segment at most (a headline with an underscore of its own would lose its last part; the share
# title, tried first, has no suffix at all).
_TITLE_SUFFIX_RE = re.compile(r"(?:_+[^_]{1,30})?_+中国政府网\s*$")
_SOURCE_RE = re.compile(r"来源\s*[:：]\s*([^\s|｜]+)")
_VISIBLE_DATE_RE = re.compile(r"(\d{4}-\d{1,2}-\d{1,2}(?:[\s-]+\d{1,2}:\d{2}(?::\d{2})?)?)")
_EDITOR_RE = re.compile(r"责任编辑\s*[:：]\s*([^\s|｜】]+)")
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# Chinese never puts a space between ideographs (or between an ideograph and a number); spaces
# there are line breaks and full-width indents of the page layout ("2007<br>　年末").
_CJK_GAP_RE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}\d])|(?<=\d)\s+(?=[{_CJK}])")


def tighten_cjk(text: str | None) -> str | None:
    """Text without layout whitespace between CJK characters (and CJK and digits)."""
    text = normalize_text(text)
    return _CJK_GAP_RE.sub("", text) if text else None


def _headline(doc: HtmlElement) -> str | None:
    headline = common.first_text(doc, [f"//div[{has_class('share-title')}]"])
    headline = headline or common.first_text(doc, _HEADLINE_XPATHS)
    if not headline:
        title = normalize_text(doc.findtext(".//title")) or ""
        headline = _TITLE_SUFFIX_RE.sub("", title)
    return tighten_cjk(headline)


def _doc_table(doc: HtmlElement) -> dict[str, str]:
    """The 政策文件库 metadata table: ``{"发文机关": "…", "发布日期": "…", …}``."""
    cells = [
        normalize_text(common.element_text(td)) or ""
        for td in doc.xpath(f"//table[{has_class('bd1')}]//td")
    ]
    table: dict[str, str] = {}
    for label, value in itertools.pairwise(cells):
        if label.endswith(("：", ":")) and value and not value.endswith(("：", ":")):
            table.setdefault(label.rstrip("：: ").replace(" ", ""), value)
    return table


def parse_article(html: str, url: str) -> Article:
    """Parse one www.gov.cn article page; ParseError when the page is not one."""
    doc = common.parse_html(html)
    meta = common.metas(doc)
    # Read before chrome removal: the share title, the date line and the editor line are chrome.
    headline = _headline(doc)
    subtitle = tighten_cjk(common.first_text(doc, [f"//div[{has_class('share-substr')}]"]))
    date_line = common.first_text(doc, [f"//div[{has_class('pages-date')}]"])
    source_line = common.first_text(doc, [f"//span[{has_class('font-zyygwj')}]"])
    editor_line = common.first_text(doc, [f"//div[{has_class('editor')}]"])
    table = _doc_table(doc)
    section = meta.get("lanmu") or common.breadcrumb_section(
        doc, [f"//*[{has_class('BreadcrumbNav')}]//a"]
    )
    if not headline:
        raise ParseError(f"no headline: {url}")
    common.remove_chrome(doc, ids=_CHROME_IDS, classes=_CHROME_CLASSES, hidden=True)
    for img in doc.xpath(_NOT_PHOTOS_XPATH):
        img.drop_tree()
    container = common.first(doc, _CONTENT_XPATHS)
    if container is None:
        raise ParseError(f"no #UCAP-CONTENT / div.TRS_UEDITOR body: {url}")
    body, images = common.body_and_images(container, url)

    date_raw = (
        meta.get("firstpublishedtime")
        or common.first_group(_VISIBLE_DATE_RE, date_line)
        or table.get("发布日期")
    )
    published = normalize_date(date_raw, TIMEZONE)
    updated = normalize_date(meta.get("lastmodifiedtime"), TIMEZONE)
    return Article(
        url=url,
        headline=headline,
        site=SITE,
        section=section,
        subtitle=subtitle,
        source=common.first_group(_SOURCE_RE, source_line, date_line) or table.get("发文机关"),
        editor=meta.get("author") or common.first_group(_EDITOR_RE, editor_line),
        published_at=published,
        updated_at=updated if updated != published else None,
        date_raw=date_raw,
        body=body,
        lang="zh",
        extractor=EXTRACTOR,
        images=images,
    )
