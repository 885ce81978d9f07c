"""Page metadata: headline, byline, source, section, canonical URL and declared language."""

from __future__ import annotations

import html
import re

from lxml import etree

from crawler.normalize import absolute_url, has_text
from crawler.parsers.common import element_text

#: Separators sites put between the headline and their own name in ``<title>``.
_TITLE_SPLIT_RE = re.compile(
    r"\s+[|\-–—·•:»/]+\s+|\s*[|｜_·•»]\s*|\s*[–—]{1,2}\s*|\s*--\s*"
    # a hyphen between CJK characters separates title parts ("标题-频道-网站")
    r"|(?<=[\u3400-\u9fff」》）”\d])[-－](?=[\u3400-\u9fff《「（“])"
)
_NORM_RE = re.compile(r"[\W_]+")
#: What sites print between a kicker and the headline after it (a space after it: "-5 %" is
#: a headline's start).
_KICKER_SEPARATOR_RE = re.compile(r"^[:|/\-–—·•»>]+\s+")
#: A named, decimal or hexadecimal character reference.
_ENTITY_RE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
#: Whitespace-normalised start of the text, computed inside libxml2.
_HEAD_TEXT = etree.XPath("substring(normalize-space(.), 1, 3000)")
_MAX_HEADLINE = 300
_MAX_HEADINGS = 60
_BYLINE_PREFIX_RE = re.compile(
    r"^\s*(?:by|von|par|por|di|door|av|af|作者|记者|文)\s*[:：]?\s*", re.I
)
_SOURCE_LABEL_RE = re.compile(
    r"(?:来源|來源|稿源|出处|Source|Quelle)\s*[:：]\s*([^\s|｜/]{2,30})", re.I
)
_AUTHOR_LABEL_RE = re.compile(r"(?:作者|记者|責任編輯|责任编辑|编辑)\s*[:：]\s*([^\s|｜/]{2,20})")
#: Substrings the label patterns cannot match without, tested first (in the lower-cased text for
#: the case-blind one; "ource" and "uelle" have no letter that IGNORECASE matches beyond its two
#: ASCII cases): most pages have no such label, and the patterns scan slowly.
_SOURCE_HINTS = ("来源", "來源", "稿源", "出处", "ource", "uelle")
_AUTHOR_HINTS = ("作者", "记者", "責任編輯", "责任编辑", "编辑")
_AUTHOR_CLASS_RE = re.compile(r"\b(?:author|byline|writer|creator)", re.I)
#: Elements with rel="author", selected by attribute: faster in libxml2 than ElementPath's
#: per-element predicate in Python.
_REL_AUTHOR = etree.XPath("descendant::*/@rel[. = 'author']/..")


def clean(text: str | None) -> str:
    """Whitespace collapsed, and entities left over from escaping twice decoded: a title or
    name never means a literal "&#038;" or "&quot;", which CMS templates and JSON-LD writers
    leave by escaping what was escaped already."""
    # split() breaks at exactly what the regex \s matches, several times faster than sub()
    text = " ".join((text or "").split())
    return _ENTITY_RE.sub(_unescape, text) if "&" in text else text


def _unescape(entity: re.Match[str]) -> str:
    return html.unescape(entity[0])


def text_of(el: etree._Element) -> str:
    """The element's text; a ``<br>`` in it separates words as it separates lines."""
    return clean(element_text(el))


def _norm(text: str) -> str:
    return _NORM_RE.sub("", text.casefold())


def head_text(body: etree._Element) -> str:
    """The start of the page text, where bylines and sources are printed."""
    return str(_HEAD_TEXT(body))


def meta_map(root: etree._Element) -> dict[str, str]:
    """``<meta>`` values by lower-cased property/name/itemprop; the first one of a key wins."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), clean(content))
    return found


def _segments(title: str) -> list[str]:
    return [p.strip() for p in _TITLE_SPLIT_RE.split(title) if p and p.strip()]


def _longest(parts: list[str]) -> str:
    return max(parts, key=lambda p: len(_norm(p))) if parts else ""


def _headings(elements: list[etree._Element]) -> list[tuple[etree._Element, str]]:
    """Headings and title-classed elements with their texts: the headline candidates."""
    found = []
    for el in elements:
        text = text_of(el)
        if 3 < len(text) < _MAX_HEADLINE:
            found.append((el, text))
            if len(found) >= _MAX_HEADINGS:
                break
    return found


def _after_kicker(el: etree._Element, text: str) -> str | None:
    """A heading's ``text`` after its first child element, when the heading starts with one
    ("<h1><span>Open Future</span> Why ...</h1>"): a kicker, a topic label or a date that the
    site prints above or before the headline proper. Wrappers with one child are looked into."""
    while len(el) == 1 and el[0].tag != "br" and not (has_text(el.text) or has_text(el[0].tail)):
        el = el[0]
    if not len(el) or has_text(el.text) or not isinstance(el[0].tag, str) or el[0].tag == "br":
        return None
    kicker = text_of(el[0])
    if not kicker or not text.startswith(kicker):
        return None
    # The separator printed between kicker and headline ("Corona-Pandemie - ...") goes too.
    return _KICKER_SEPARATOR_RE.sub("", text[len(kicker) :].lstrip()) or None


def headline(
    root: etree._Element, meta: dict[str, str], jsonld: list[dict], headings: list[etree._Element]
) -> str | None:
    """The page's headline without the site name and section around it.

    A heading (or title-classed element), or a heading after its kicker, that is exactly the
    JSON-LD headline or og:title is the headline; else the longest heading that ``<title>``,
    og:title or JSON-LD contains, as the site shows it; else JSON-LD/og:title; else the longest
    segment of ``<title>``.
    """
    title_el = root.find(".//title")
    page_title = text_of(title_el) if title_el is not None else ""
    og = meta.get("og:title") or meta.get("twitter:title") or ""
    ld = next((clean(o["headline"]) for o in jsonld if isinstance(o.get("headline"), str)), "")
    refs = [n for n in (_norm(page_title), _norm(og), _norm(ld)) if n]
    shortest = max(4, len(_norm(_longest(_segments(page_title)))) // 2)
    candidates = _headings(headings)
    # A heading, or a heading after its kicker, that is exactly the headline the page declares
    # (JSON-LD; og:title, unless it is the site's name, as on every page of some sites) is the
    # headline, however many other headings <title> also contains (the blog's name, a section).
    declared = {_norm(ld), _norm(og)} - {"", _norm(meta.get("og:site_name", ""))}
    if declared:
        exact = [
            text
            for el, whole in candidates
            for text in (whole, _after_kicker(el, whole))
            if text and len(key := _norm(text)) >= shortest and key in declared
        ]
        if exact:
            return max(exact, key=lambda text: len(_norm(text)))
    best = best_key = ""
    for _, text in candidates:
        key = _norm(text)
        if len(key) >= shortest and len(key) > len(best_key) and any(key in r for r in refs):
            best, best_key = text, key
    if best:
        return best
    for candidate in (ld, og):
        if candidate:
            # og:title often repeats <title> with the site name: then strip it like <title>
            return _longest(_segments(candidate)) if _norm(candidate) == refs[0] else candidate
    if page_title:
        return _longest(_segments(page_title))
    h1 = root.find(".//h1")
    return text_of(h1) or None if h1 is not None else None


def canonical(root: etree._Element, meta: dict[str, str], url: str) -> str | None:
    for link in root.iterfind(".//link[@rel]"):
        if link.get("rel", "").lower() == "canonical" and link.get("href"):
            return absolute_url(url, link.get("href"))
    og = meta.get("og:url")
    return absolute_url(url, og) if og else None


def declared_lang(root: etree._Element, meta: dict[str, str]) -> str | None:
    value = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    value = value or meta.get("content-language") or meta.get("og:locale") or meta.get("language")
    if not value:
        return None
    code = value.strip().replace("_", "-").split("-")[0].lower()
    return code if 2 <= len(code) <= 3 and code.isascii() and code.isalpha() else None


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    return []


def byline(
    root: etree._Element, meta: dict[str, str], jsonld: list[dict], head_text: str
) -> str | None:
    for obj in jsonld:
        names = [clean(n) for n in _names(obj.get("author")) if clean(n)]
        if names:
            return "; ".join(dict.fromkeys(names))
    value = meta.get("author") or meta.get("article:author") or meta.get("dc.creator")
    if value and not value.startswith("http"):
        return _BYLINE_PREFIX_RE.sub("", value)
    for el in _REL_AUTHOR(root):
        text = text_of(el)
        if text:
            return text
    match = _has_hint(head_text, _AUTHOR_HINTS) and _AUTHOR_LABEL_RE.search(head_text)
    if match:
        return match.group(1)
    for el in root.iter("span", "div", "p", "a", "address"):
        if _AUTHOR_CLASS_RE.search(el.get("class") or ""):
            text = _BYLINE_PREFIX_RE.sub("", text_of(el))
            if 2 < len(text) < 80:
                return text
    return None


def _has_hint(text: str, hints: tuple[str, ...]) -> bool:
    return any(hint in text for hint in hints)


def source(meta: dict[str, str], head_text: str) -> str | None:
    match = _has_hint(head_text.lower(), _SOURCE_HINTS) and _SOURCE_LABEL_RE.search(head_text)
    if match:
        return match.group(1)
    return meta.get("og:site_name") or meta.get("application-name") or None


def section(meta: dict[str, str], breadcrumbs: list[etree._Element]) -> str | None:
    value = meta.get("article:section") or meta.get("og:section") or meta.get("section")
    if value:
        return value
    for el in breadcrumbs:
        links = [t for t in (text_of(a) for a in el.iter("a")) if t]
        if len(links) >= 2:
            return links[-1] if len(links) > 2 else links[1]
    return None
