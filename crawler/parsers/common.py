"""HTML building blocks every site parser uses, whatever CMS the site runs on.

Pure functions over lxml trees: no network, no Scrapy, no site knowledge. Site modules pass
their selectors, chrome and suffixes in; what one CMS shares across its sites lives in that
CMS's module (``chinadaily_cms``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import AnyStr

import lxml.html
from cssselect import HTMLTranslator
from lxml import etree
from lxml.etree import ParserError

from crawler.encoding import XML_DECLARATION_RE, Utf8Text
from crawler.items import Image
from crawler.normalize import (
    PARAGRAPH_BREAK_RE,
    absolute_url,
    clean_alt,
    normalize_text,
    script_lang,
    split_credit,
    word_count,
)
from crawler.parsers import ParseError

HtmlElement = lxml.html.HtmlElement

#: Elements that never hold article text on any site.
CHROME_TAGS = frozenset({"script", "style", "noscript", "canvas", "template"})

# Stray lines that survive any template: share/print labels, copyright, Chinese ICP/公安 licence
# numbers and editor lines. The licence numbers may be anywhere in a line, the rest starts it:
# two patterns, so that a paragraph without "备" is not scanned to its end.
_BOILERPLATE_START_RE = re.compile(
    r"(?:Share - WeChat|Print|Share|CLOSE)$"
    r"|Copyright\s*(?:©|\(c\))?\s*(?:\d{4}|19\d\d\s*-)"
    r"|Registration Number:"
    r"|[(（]?\s*(?:责任)?编辑\s*[:：]"
    r"|【\s*责任编辑\s*[:：]",
    re.IGNORECASE,
)
_LICENCE_MARK = "备"
_LICENCE_RE = re.compile(r"ICP备\s*\d+|公网安备\s*\d+", re.IGNORECASE)
_BREADCRUMB_JUNK = " /»>›|"
_HOME = {"home", "首页"}
_CAPTION_CLASSES = ("wp-caption-text", "caption", "pic-caption", "imgcaption")
_FIGURE_CLASSES = ("wp-caption", "image", "figure")
_CAPTION_CLASS_SET = frozenset(_CAPTION_CLASSES)
_FIGURE_CLASS_SET = frozenset(_FIGURE_CLASSES)
_SHORT_CAPTION_WORDS = 40
_CONTAINER_TAGS = {"div", "section", "center", "article", "span", "font"}
_BLOCK_TAGS = {"p", "div", "figure", "table", "ul", "ol", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "section", "center", "article"}  # fmt: skip
_LAYOUT_TAGS = {"table", "thead", "tbody", "tfoot", "tr", "td", "th", "form"}
# Never hidden themselves as far as chrome goes: a page that starts hidden is shown by a script.
_PAGE_TAGS = {"html", "head", "body"}
_HIDDEN = "display:none"

_CSS = HTMLTranslator()
#: lxml.html's parser, but every element an ``HtmlElement`` picked in C: lxml.html picks each
#: element's class in a Python method (for the form classes, which no parser here uses), and
#: that call was a third of the cost of walking a tree, which parsers do several times a page.
_PARSER = lxml.html.HTMLParser()
_ELEMENT_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)
_PARSER.set_element_class_lookup(_ELEMENT_CLASSES)
# libxml2 keeps these in text nodes but lxml refuses to write them back (drop_tree raises).
_XML_INCOMPATIBLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Every byte but the control characters among them (the surrogates cannot be encoded at all).
_NOT_XML_INCOMPATIBLE_CONTROLS = bytes(
    byte for byte in range(256) if byte not in {*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)}
)
#: _PARSER for UTF-8 bytes (the encoding given: libxml2 ignores the page's declarations).
_UTF8_PARSER = lxml.html.HTMLParser(encoding="utf-8")
_UTF8_PARSER.set_element_class_lookup(_ELEMENT_CLASSES)
#: Compiled once: ``el.xpath(string)`` compiles its expression on every call. Plain strings,
#: not lxml's "smart" ones that each carry a reference to their parent element: only joined.
_TEXT_AND_BREAKS = etree.XPath(".//text() | .//br", smart_strings=False)
#: What remove_chrome looks at (smart strings: ``getparent()`` is the element).
_ID_VALUES = etree.XPath("descendant-or-self::*/@id")
_CLASS_VALUES = etree.XPath("descendant-or-self::*/@class")
_STYLE_VALUES = etree.XPath("descendant-or-self::*/@style")


def has_class(*names: str) -> str:
    """An XPath predicate: the element has one of these classes (whole tokens).

    CMSes write classes with stray spaces ("mb10 tw3_01_2 "), so ``@class='x'`` misses them.
    """
    return " or ".join(
        f"contains(concat(' ', normalize-space(@class), ' '), ' {n} ')" for n in names
    )


@lru_cache(maxsize=256)
def css_xpath(css: str) -> str:
    """The XPath of a CSS selector (HTML rules), for the functions here that take XPaths."""
    return _CSS.css_to_xpath(css)


#: A ``<meta`` in any case. Searched from the cut on, not found in a lowered copy of the rest of
#: the page: 2x faster on bytes, 8x on text (``str.lower`` is slow on Chinese text).
_META_AFTER = re.compile("<meta", re.IGNORECASE)
_META_AFTER_BYTES = re.compile(b"<meta", re.IGNORECASE)


@dataclass(frozen=True)
class ArticleEnd:
    """Where a template's article is over, so that the rest of the page need not be parsed.

    Most of a news page comes after its article: related stories, right-hand columns,
    footers (nine tenths of the elements of a China Daily page). libxml2 builds the tree as it
    reads, so the tree of a page cut short holds every element that ended before the cut just
    as the whole page's tree does. The cut is made after the tag holding the first of ``stops``
    (attributes as the template writes them, ``class="footer"``) that comes after ``start``
    (the body container's, ``id="Content"``): plain substring searches, each bounded by the
    nearest found so far, because a regex over the page cost a sixth of the whole parse. The
    cut holds when the cut tree has elements matching ``container`` (the first XPath the
    parser tries for its body container, so the one it takes) and none of them is still open
    where the page was cut; when each of ``needs`` matches too (the first XPath the parser
    tries for each other part it takes the first of: the headline, the info line; were one
    to match only after the cut, the parser would take another element); and when no
    ``<meta>`` comes after the cut (the parser reads every one). The parser must read nothing
    else after its body container, and its container must not be chrome it drops first. A
    page where the cut does not hold, or that has none, is parsed whole: the attributes only
    make the cut likely to hold.
    """

    start: str
    stops: tuple[str, ...]
    container: str
    needs: tuple[str, ...] = ()

    def cut(self, text: str | bytes) -> int | None:
        """The index right after the tag holding the first stop; None when there is none, or
        when a ``<meta>`` comes after it."""
        if isinstance(text, bytes):
            return _cut(text, *self._bytes)
        return _cut(text, self.start, self.stops, ">", _META_AFTER)

    @cached_property
    def _bytes(self) -> tuple[bytes, tuple[bytes, ...], bytes, re.Pattern[bytes]]:
        return self.start.encode(), tuple(s.encode() for s in self.stops), b">", _META_AFTER_BYTES


def _cut(
    text: AnyStr, start: AnyStr, stops: Iterable[AnyStr], close: AnyStr, meta: re.Pattern[AnyStr]
) -> int | None:
    begin = text.find(start)
    if begin < 0:
        return None
    first = end = len(text)
    for stop in stops:
        if (at := text.find(stop, begin, end)) >= 0:
            first = end = at
    tag_end = text.find(close, first) if first < len(text) else -1
    if tag_end < 0 or meta.search(text, tag_end):
        return None
    return tag_end + 1


def parse_html(html: str, end: ArticleEnd | None = None) -> HtmlElement:
    """An lxml tree of the page; ParseError for an empty or unparsable document.

    Text decoded from plain UTF-8 (:class:`~crawler.encoding.Utf8Text`) is parsed from its
    bytes when that gives the same tree: libxml2 would otherwise convert the text back to UTF-8.
    With ``end``, the page is parsed only up to where its article is over (:class:`ArticleEnd`).
    """
    # What libxml2 reads, chosen once: a page whose cut does not hold is parsed whole from it.
    source, parser = _source(html)
    if end is not None and (doc := _parse_to_end(source, parser, end)) is not None:
        return doc
    try:
        return lxml.html.document_fromstring(source, parser)
    except (ParserError, ValueError) as exc:
        raise ParseError(f"unparsable HTML: {exc}") from exc


def _parse_to_end(
    source: str | bytes, parser: etree.HTMLParser, end: ArticleEnd
) -> HtmlElement | None:
    # A prefix of what libxml2 would read of the whole page parses the same way (a prefix of
    # UTF-8 bytes has no character the page lacks): its bytes are not decoded once more.
    if (cut := end.cut(source)) is None:
        return None
    try:
        doc = lxml.html.document_fromstring(source[:cut], parser)
    except (ParserError, ValueError):
        return None  # parsed whole, which says what is wrong with the page
    # The tag cut after is the last element started: the last child, all the way down.
    last = doc
    while len(last) and isinstance(last[-1].tag, str):
        last = last[-1]
    if len(last):  # a comment or the like after it: not where the cut was made
        return None
    # Every container is closed before the cut: one still open would be on the way down.
    containers = _compiled(end.container)(doc)
    if not containers or not {last, *last.iterancestors()}.isdisjoint(containers):
        return None
    if not all(_compiled(xpath)(doc) for xpath in end.needs):
        return None
    return doc


def _source(html: str) -> tuple[str | bytes, etree.HTMLParser]:
    """What lxml is given for ``html``, and the parser that reads it."""
    if isinstance(html, Utf8Text) and _same_tree_from_bytes(html):
        return html.utf8, _UTF8_PARSER
    return _xml_compatible(XML_DECLARATION_RE.sub("", html, count=1)), _PARSER


def _same_tree_from_bytes(html: Utf8Text) -> bool:
    """Whether parsing ``html.utf8`` gives the tree parsing ``html`` gives.

    It does unless the text needs cleaning (:func:`_xml_compatible`) or starts like an XML
    declaration: lxml refuses text declaring an encoding, which its bytes may do. A ``<meta>``
    charset cannot interfere: the parser's encoding is given, and libxml2 then ignores it.
    """
    return not html.startswith("<?xml") and not _xml_incompatible(html, html.utf8)


def _xml_compatible(html: str) -> str:
    """``html`` without the characters lxml cannot write back.

    Pages hardly ever have any: C-level encoding and scans find that out in a fraction of the
    time the regex takes to scan every character.
    """
    try:
        data = html.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return _XML_INCOMPATIBLE_RE.sub("", html)
    return _XML_INCOMPATIBLE_RE.sub("", html) if _xml_incompatible(html, data) else html


def _xml_incompatible(html: str, utf8: bytes) -> bool:
    """Whether ``html`` (no lone surrogates), which is ``utf8`` decoded, has characters lxml
    cannot write back: the control characters are bytes, found by deleting all other bytes;
    the two noncharacters are single characters, found fastest in the text."""
    return (
        bool(utf8.translate(None, _NOT_XML_INCOMPATIBLE_CONTROLS))
        or "\ufffe" in html
        or "\uffff" in html
    )


#: A figure's caption: ``<figcaption>``, else an element with a caption class.
_FIGURE_CAPTION_XPATHS = (".//figcaption", f".//*[{has_class(*_CAPTION_CLASSES)}]")


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
        hits = _compiled(xpath)(doc)
        if hits:
            return hits[0]
    return None


@lru_cache(maxsize=256)
def _compiled(xpath: str) -> etree.XPath:
    # Site parsers keep their XPaths as strings in tuples; compile each once, not per page.
    return etree.XPath(xpath)


def element_text(el: HtmlElement) -> str:
    """Visible text of an element; ``<br>`` counts as a line break (two make a paragraph)."""
    if not len(el):  # no child element, comment or PI (most paragraphs): the text is all of it
        return el.text or ""
    return "".join(n if isinstance(n, str) else "\n" for n in _TEXT_AND_BREAKS(el))


def first_text(doc: HtmlElement, xpaths: Iterable[str]) -> str | None:
    """The normalised text of :func:`first`'s element; None when nothing matches."""
    el = first(doc, xpaths)
    return normalize_text(element_text(el)) if el is not None else None


def first_group(pattern: re.Pattern[str], *texts: str | None) -> str | None:
    """Group 1 of the pattern's match in the first text it matches, normalised."""
    for text in texts:
        match = pattern.search(text or "")
        if match:
            return normalize_text(match.group(1))
    return None


def remove_chrome(
    doc: HtmlElement,
    tags: Iterable[str] = CHROME_TAGS,
    ids: Iterable[str] = (),
    classes: Iterable[str] = (),
    *,
    hidden: bool = False,
) -> None:
    """Drop chrome elements in place (their tail text stays: it belongs to the parent).

    Chrome is an element with one of ``tags``, ``ids`` or ``classes``, and with ``hidden`` any
    element inside the page styled ``display:none``. Candidates are found by their attribute
    values (``@class`` attributes), checked in Python: no proxy object for every element of the page
    (a walk over all of them cost twice as much), and no ``contains(concat(...))`` XPaths
    (they cost more than the whole rest of the parse).

    Class chrome goes first: related-story columns, menus and footers are most of a page's
    elements, and each later pass walks only what is left. The order changes nothing else: an
    element inside a dropped one is gone whichever is found first, and drops of separate
    elements commute (each tail joins the text before it).
    """
    tags, ids, classes = frozenset(tags), frozenset(ids), frozenset(classes)
    if classes:
        values = _CLASS_VALUES(doc)
        # A page repeats a dozen class values hundreds of times: each is split once.
        chrome = {value for value in set(values) if not classes.isdisjoint(value.split())}
        _drop([value.getparent() for value in values if value in chrome])
    doomed: list[HtmlElement] = list(doc.iter(*tags)) if tags else []
    if ids:
        doomed += [value.getparent() for value in _ID_VALUES(doc) if value in ids]
    if hidden:
        doomed += [
            value.getparent()
            for value in _STYLE_VALUES(doc)
            if _HIDDEN in value.replace(" ", "") and value.getparent().tag not in _PAGE_TAGS
        ]
    _drop(doomed)


def _drop(elements: list[HtmlElement]) -> None:
    for el in elements:
        if el.getparent() is not None:  # the root stays, and so does nothing dropped already
            el.drop_tree()


def is_boilerplate(text: str) -> bool:
    """True for share labels, copyright, ICP/公安 licence and editor lines."""
    return bool(
        _BOILERPLATE_START_RE.match(text) or (_LICENCE_MARK in text and _LICENCE_RE.search(text))
    )


def title_text(doc: HtmlElement, suffixes: Iterable[str] = ()) -> str | None:
    """``<title>`` without the first of the site's ``suffixes`` it ends with."""
    title = normalize_text(doc.findtext(".//title"))
    for suffix in suffixes:
        if title and title.endswith(suffix):
            return normalize_text(title.removesuffix(suffix))
    return title


def breadcrumb_section(doc: HtmlElement, xpaths: Iterable[str]) -> str | None:
    """The last breadcrumb link that is not "Home" ("/ Society" -> "Society")."""
    for xpath in xpaths:
        links = _compiled(xpath)(doc)
        names = [normalize_text(element_text(a).strip(_BREADCRUMB_JUNK)) for a in links]
        names = [n for n in names if n and n.lower() not in _HOME]
        if names:
            return names[-1]
    return None


@dataclass
class _Block:
    text: str | None = None
    image: HtmlElement | None = None
    caption: str | None = None
    #: The element the text is from, when its look may make the text a caption.
    source: HtmlElement | None = None
    #: The text shares its element with an image.
    beside_image: bool = False

    @property
    def captionish(self) -> bool:
        """Centred, styled as a caption or beside an image: a caption if it follows an image.

        Looked at only then (a paragraph or two a page), not for every paragraph.
        """
        return self.beside_image or (self.source is not None and _is_captionish(self.source))


def _classes(el: HtmlElement) -> list[str]:
    return (el.get("class") or "").split()


def _is_captionish(el: HtmlElement) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return (
        (el.get("align") or "").lower() == "center"
        or "text-align:center" in style
        or not _CAPTION_CLASS_SET.isdisjoint(_classes(el))
    )


def _figure_blocks(el: HtmlElement) -> Iterator[_Block]:
    caption_el = first(el, _FIGURE_CAPTION_XPATHS)
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
        tag = child.tag
        if not isinstance(tag, str):
            pass  # a comment: only its tail (below) is text
        elif tag == "figure" or not _FIGURE_CLASS_SET.isdisjoint(_classes(child)):
            yield from _figure_blocks(child)
        elif tag in _CONTAINER_TAGS and any(c.tag in _BLOCK_TAGS for c in child):
            yield from _blocks(child)
        elif tag in _LAYOUT_TAGS and child.find(".//p") is not None:
            # Paragraphs laid out in a table or a stray form: keep them apart, not run together.
            yield from _blocks(child)
        else:
            images = [child] if tag == "img" else list(child.iter("img"))
            yield from (_Block(image=img) for img in images)
            text = element_text(child) if tag != "img" else ""
            # Most paragraphs have no line break at all: no regex pass over them.
            for piece in PARAGRAPH_BREAK_RE.split(text) if "\n" in text else (text,):
                yield _Block(text=piece, source=child, beside_image=bool(images))
        if child.tail and child.tail.strip():
            yield _Block(text=child.tail)


def make_image(img: HtmlElement, base_url: str, caption: str | None = None) -> Image | None:
    """An Image from an ``<img>``: absolute src, alt cleaned, caption split from its credit."""
    src = (img.get("src") or img.get("data-src") or img.get("data-original") or "").strip()
    if src.startswith("data:"):
        return None
    src = absolute_url(base_url, src)
    if src is None:
        return None
    alt = clean_alt(img.get("alt"))
    text, credit = split_credit(caption)
    return Image(
        src=src,
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
    (or shares the image's paragraph). Captions never go into the body, nor do boilerplate lines.
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
