"""Building blocks for sites on China Daily's CMS (govt.chinadaily, www.chinadaily, english.gov.cn).

They share the ``WS<24 hex>`` ids, the metas (``contentid``, ``publishdate``, ``source``,
``editor``), the ``#Content`` body, the WeChat share chrome and the ICP footer; templates differ
in the details, so each helper takes the selectors as parameters with CMS-wide defaults.
Pure functions over lxml trees: no network, no Scrapy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html
from lxml.etree import ParserError

from crawler.items import Image
from crawler.normalize import (
    clean_alt,
    normalize_date,
    normalize_text,
    script_lang,
    split_credit,
    word_count,
    ws_id_datetime,
)
from crawler.parsers import ParseError

HtmlElement = lxml.html.HtmlElement


def _has_class(*names: str) -> str:
    # The CMS writes classes with stray spaces ("mb10 tw3_01_2 "), so match whole tokens.
    return " or ".join(
        f"contains(concat(' ', normalize-space(@class), ' '), ' {n} ')" for n in names
    )


#: Elements that are never article text: share/QR popups, pagers, related columns, footers.
CHROME_TAGS = frozenset({"script", "style", "noscript", "canvas", "template"})
CHROME_IDS = frozenset({"qrcode", "div_currpage", "weixinqrcode", "bread-nav1"})
CHROME_CLASSES = frozenset(
    {"moreshare", "share", "info_r", "selectpage", "print", "related", "related-stories", "xgxw",
     "r-phototitle", "mai_r", "rgt_art", "dibu-three", "mobile-foot", "footer", "edit"}
)  # fmt: skip
CONTENT_XPATHS: tuple[str, ...] = (
    "//div[@id='Content']",
    f"//div[{_has_class('Artical_Content')}]",
)
HEADLINE_XPATHS: tuple[str, ...] = (
    "//*[@id='lft-art']//h1",
    f"//div[{_has_class('main_art')}]//h1",
    "//h1",
)
INFO_XPATHS: tuple[str, ...] = (
    f"//span[{_has_class('info_l')}]",
    f"//div[{_has_class('info')}]",
)
BREADCRUMB_XPATHS: tuple[str, ...] = ("//*[@id='bread-nav']//a",)

# Stray lines that survive any template: the WeChat popup label, the print link, copyright,
# licence numbers, and the Chinese template's editor lines.
_BOILERPLATE_RE = re.compile(
    r"^(?:Share - WeChat|Print|Share|CLOSE)$"
    r"|^Copyright\s*(?:©|\(c\))?\s*(?:\d{4}|19\d\d\s*-)"
    r"|ICP备\s*\d+|公网安备\s*\d+|^Registration Number:"
    r"|^[(（]?\s*(?:责任)?编辑\s*[:：]"
    r"|^【\s*责任编辑\s*[:：]",
    re.IGNORECASE,
)
_BREADCRUMB_JUNK = " /»>›|"
_HOME = {"home", "首页"}
# "Updated: Dec 21, 2022", "Updated: 2024-05-13 09:08", "Updated: December 8, 2025 14:38".
_INFO_DATE_RE = re.compile(
    r"(?:Updated|Published|Posted|Date|发布时间|时间)\s*[:：]\s*[^|]*?\d{4}"
    r"(?:[-/]\d{1,2}[-/]\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?",
    re.IGNORECASE,
)
_BYLINE_RE = re.compile(r"^By\s+(?P<name>.+?)(?:\s+in\s+[A-Z][\w .'-]*)?$")
_INFO_JUNK_RE = re.compile(r"\b(?:Print|Share)\b", re.IGNORECASE)
_CAPTION_CLASSES = ("wp-caption-text", "caption", "pic-caption", "imgcaption")
_FIGURE_CLASSES = ("wp-caption", "image", "figure")
_SHORT_CAPTION_WORDS = 40
_CONTAINER_TAGS = {"div", "section", "center", "article", "span", "font"}
_BLOCK_TAGS = {"p", "div", "figure", "table", "ul", "ol", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "section", "center", "article"}  # fmt: skip


# libxml2 keeps these in text nodes but lxml refuses to write them back (drop_tree raises).
_XML_INCOMPATIBLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def parse_html(html: str) -> HtmlElement:
    """An lxml tree of the page; ParseError for an empty or unparsable document."""
    try:
        return lxml.html.document_fromstring(_XML_INCOMPATIBLE_RE.sub("", html))
    except (ParserError, ValueError) as exc:
        raise ParseError(f"unparsable HTML: {exc}") from exc


def metas(doc: HtmlElement) -> dict[str, str]:
    """``<meta name|property=... content=...>`` as a dict (names lower-cased, first one wins)."""
    found: dict[str, str] = {}
    for meta in doc.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = normalize_text(meta.get("content"))
        if name and content and name not in found:
            found[name] = content
    return found


def first(doc: HtmlElement, xpaths: Iterable[str]) -> HtmlElement | None:
    """The first element matched by the first XPath that matches anything."""
    for xpath in xpaths:
        hits = doc.xpath(xpath)
        if hits:
            return hits[0]
    return None


def remove_chrome(
    doc: HtmlElement,
    tags: frozenset[str] = CHROME_TAGS,
    ids: frozenset[str] = CHROME_IDS,
    classes: frozenset[str] = CHROME_CLASSES,
) -> None:
    """Drop chrome elements in place (their tail text stays: it belongs to the parent).

    One pass in Python over the tree: several ``contains(concat(...))`` XPaths cost more than
    the whole rest of the parse.
    """
    doomed = [
        el
        for el in doc.iter()
        if isinstance(el.tag, str)
        and (
            el.tag in tags
            or el.get("id") in ids
            or not classes.isdisjoint((el.get("class") or "").split())
        )
    ]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def is_boilerplate(text: str) -> bool:
    """True for share labels, copyright, ICP/公安 licence and editor lines."""
    return bool(_BOILERPLATE_RE.search(text))


def element_text(el: HtmlElement) -> str:
    """Visible text of an element; ``<br>`` counts as a line break (two make a paragraph)."""
    return "".join(n if isinstance(n, str) else "\n" for n in el.xpath(".//text() | .//br"))


def headline(
    doc: HtmlElement, meta: dict[str, str], title_suffixes: Iterable[str] = ()
) -> str | None:
    """The ``h1``; else og:title; else ``<title>`` without the site suffix."""
    h1 = first(doc, HEADLINE_XPATHS)
    text = normalize_text(element_text(h1)) if h1 is not None else None
    if text:
        return text
    if meta.get("og:title"):
        return meta["og:title"]
    title = normalize_text(doc.findtext(".//title"))
    for suffix in title_suffixes:
        if title and title.endswith(suffix):
            return normalize_text(title.removesuffix(suffix))
    return title


def subtitle(doc: HtmlElement) -> str | None:
    """The ``h2`` right after the headline; the CMS prints it even when empty."""
    h1 = first(doc, HEADLINE_XPATHS)
    nxt = h1.getnext() if h1 is not None else None
    return normalize_text(element_text(nxt)) if nxt is not None and nxt.tag == "h2" else None


def breadcrumb_section(doc: HtmlElement, xpaths: Iterable[str] = BREADCRUMB_XPATHS) -> str | None:
    """The last breadcrumb link that is not "Home" ("/ Society" -> "Society")."""
    for xpath in xpaths:
        names = [normalize_text(element_text(a).strip(_BREADCRUMB_JUNK)) for a in doc.xpath(xpath)]
        names = [n for n in names if n and n.lower() not in _HOME]
        if names:
            return names[-1]
    return None


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
    el = first(doc, xpaths)
    return parse_info(element_text(el) if el is not None else None)


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


def content_container(doc: HtmlElement, xpaths: Iterable[str] = CONTENT_XPATHS) -> HtmlElement:
    """The article body element; ParseError when the page has none (a list page, say)."""
    el = first(doc, xpaths)
    if el is None:
        raise ParseError("no article body (#Content) on the page")
    return el


@dataclass
class _Block:
    text: str | None = None
    image: HtmlElement | None = None
    caption: str | None = None
    #: A centred paragraph or one styled as a caption: a caption if it follows an image.
    captionish: bool = False


def _classes(el: HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


def _is_captionish(el: HtmlElement) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return (
        (el.get("align") or "").lower() == "center"
        or "text-align:center" in style
        or bool(_classes(el) & set(_CAPTION_CLASSES))
    )


def _figure_blocks(el: HtmlElement) -> Iterator[_Block]:
    caption_el = first(el, [".//figcaption", f".//*[{_has_class(*_CAPTION_CLASSES)}]"])
    caption = element_text(caption_el) if caption_el is not None else None
    if caption_el is not None:
        caption_el.drop_tree()
    for img in el.iter("img"):
        yield _Block(image=img, caption=caption)
        caption = None  # one caption per figure, given to its first image
    rest = normalize_text(element_text(el))
    if rest:
        yield _Block(text=rest)


def _blocks(container: HtmlElement) -> Iterator[_Block]:
    if container.text and container.text.strip():
        yield _Block(text=container.text)
    for child in container.iterchildren():
        if not isinstance(child.tag, str):
            pass  # a comment: only its tail (below) is text
        elif child.tag == "figure" or _classes(child) & set(_FIGURE_CLASSES):
            yield from _figure_blocks(child)
        elif child.tag in _CONTAINER_TAGS and any(c.tag in _BLOCK_TAGS for c in child):
            yield from _blocks(child)
        else:
            images = [child] if child.tag == "img" else list(child.iter("img"))
            yield from (_Block(image=img) for img in images)
            text = element_text(child) if child.tag != "img" else ""
            for piece in re.split(r"\n\s*\n", text):
                yield _Block(text=piece, captionish=bool(images) or _is_captionish(child))
        if child.tail and child.tail.strip():
            yield _Block(text=child.tail)


def make_image(img: HtmlElement, base_url: str, caption: str | None = None) -> Image | None:
    """An Image from an ``<img>``: absolute src, alt cleaned, caption split from its credit."""
    src = (img.get("src") or img.get("data-src") or img.get("data-original") or "").strip()
    if not src or src.startswith("data:"):
        return None
    alt = clean_alt(img.get("alt"))
    text, credit = split_credit(caption)
    return Image(
        src=urljoin(base_url, src),
        alt=alt,
        alt_lang=script_lang(alt),
        caption=text,
        caption_lang=script_lang(text),
        credit=credit,
    )


def _looks_like_caption(text: str, block: _Block) -> bool:
    if split_credit(text)[1] is not None:
        return True
    return block.captionish and word_count(text) <= _SHORT_CAPTION_WORDS


def body_and_images(container: HtmlElement, base_url: str) -> tuple[str, list[Image]]:
    """Paragraphs (joined by a blank line) and images, in page order, from a body element.

    A caption is a ``<figcaption>`` (or ``wp-caption``-style text) or the paragraph right after
    an uncaptioned image when it looks like one: it carries a credit, or it is short and centred
    (or shares the image's paragraph). Captions never go into the body.
    """
    paragraphs: list[str] = []
    images: list[Image] = []
    waiting: Image | None = None  # the last image, while it still has no caption
    for block in _blocks(container):
        if block.image is not None:
            image = make_image(block.image, base_url, block.caption)
            if image is not None:
                images.append(image)
                waiting = None if image.caption else image
            continue
        text = normalize_text(block.text)
        if not text or is_boilerplate(text):
            continue
        if waiting is not None and _looks_like_caption(text, block):
            waiting.caption, waiting.credit = split_credit(text)
            waiting.caption_lang = script_lang(waiting.caption)
        else:
            paragraphs.append(text)
        waiting = None
    return "\n\n".join(paragraphs), images
