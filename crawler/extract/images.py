"""Images of the article: those inside the content, with caption, credit and cleaned alt text.

A caption is found, in this order, in the image's ``<figure>``/``<figcaption>``, in a caption-style
container around it (``wp-caption``, ``image-caption``...), or in the short paragraph that follows
an image standing alone in its own paragraph. Credits come from credit-classed elements inside the
caption, or from a trailing "Foto: ...", "(Photo: ...)", "© ..." part of the caption text.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree

from crawler.items import Image
from crawler.normalize import clean_alt, script_lang, split_credit

_SPACE_RE = re.compile(r"\s+")
_CAPTION_CLASS_RE = re.compile(r"caption|legend|bildunterschrift|beschriftung|desc|note|text|info",
                               re.I)
_STRONG_CAPTION_CLASS_RE = re.compile(r"caption|legend|bildunterschrift", re.I)
_CREDIT_CLASS_RE = re.compile(r"credit|copyright|source|author|photographer|byline|rights|quelle",
                              re.I)
_CAPTION_START_RE = re.compile(r"^\s*(?:图|圖|▲|△|↑|上图|下图|\(?photo|foto|bild)", re.I)
_EXTRA_CREDIT_RE = re.compile(
    r"\s*(?:[|/·•]\s*)?[(\[（]?\s*(?:(?:Foto|Fotos|Bild|Bilder|Photo|Photos|Image|Credit|Quelle|"
    r"Source|Crédit|Créditos?|Imagen|Foto\s*di)\s*(?:[:：]|by\b)|©|\(c\))\s*"
    r"(?P<credit>[^()\[\]（）]{1,80}?)\s*[)\]）]?\s*$",
    re.I,
)
_SRC_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-url", "data-lazy", "src")
_PLACEHOLDER_RE = re.compile(r"^data:|spacer|blank\.|pixel|transparent|loading|placeholder", re.I)
_MAX_CAPTION = 400
_CAPTION_DEPTH = 4
_CAPTION_BOXES = etree.XPath(
    ".//*[self::figcaption or contains(@class, 'caption') or contains(@class, 'Caption') or "
    "contains(@class, 'legend') or contains(@class, 'bildunterschrift')]"
)


def _text(el: etree._Element, skip: set[etree._Element] | None = None) -> str:
    if not skip:
        return _SPACE_RE.sub(" ", "".join(el.itertext())).strip()
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node in skip:
            parts.append(" ")
        else:
            parts.append(node.text or "")
            for child in node:
                walk(child)
        if node is not el:
            parts.append(node.tail or "")

    walk(el)
    return _SPACE_RE.sub(" ", "".join(parts)).strip()


def _src(img: etree._Element, base: str) -> str | None:
    for attr in _SRC_ATTRS:
        value = (img.get(attr) or "").strip()
        if value and not _PLACEHOLDER_RE.search(value):
            return urljoin(base, value)
    srcset = img.get("data-srcset") or img.get("srcset")
    if srcset:
        first = srcset.strip().split(",")[0].split()
        if first:
            return urljoin(base, first[0])
    return None


def _is_icon(img: etree._Element) -> bool:
    for attr in ("width", "height"):
        value = (img.get(attr) or "").removesuffix("px")
        if value.isdigit() and int(value) < 50:
            return True
    return False


def _caption_and_credit(box: etree._Element) -> tuple[str | None, str | None]:
    """Caption text of a caption element, credit-classed parts split off."""
    credits = [el for el in box.iter() if isinstance(el.tag, str) and el is not box
               and _CREDIT_CLASS_RE.search(f"{el.get('class') or ''} {el.get('itemprop') or ''}")]
    credit = " ".join(t for t in (_text(c) for c in credits) if t) or None
    caption = _text(box, set(credits)) if credits else _text(box)
    return split_caption(caption, credit)


def split_caption(caption: str | None, credit: str | None = None) -> tuple[str | None, str | None]:
    """(caption, credit): a trailing credit ("Foto: APA", "(Photo: Xinhua)", "© AFP") split off."""
    if not caption:
        return None, credit
    match = _EXTRA_CREDIT_RE.search(caption)
    if match and match.start() > 0:
        return caption[: match.start()].strip() or None, credit or match.group("credit").strip()
    text, found = split_credit(caption)
    return text, credit or found


def _figure_caption(img: etree._Element, stop: etree._Element) -> etree._Element | None:
    """The caption element of the figure or caption container around ``img``."""
    node = img.getparent()
    depth = 0
    while node is not None and depth < _CAPTION_DEPTH and node is not stop.getparent():
        if node.tag == "figure":
            caption = node.find(".//figcaption")
            if caption is not None:
                return caption
        for candidate in _CAPTION_BOXES(node):
            if candidate.find(".//img") is None:
                return candidate
        if node.tag == "figure" or _STRONG_CAPTION_CLASS_RE.search(node.get("class") or ""):
            break
        node = node.getparent()
        depth += 1
    return None


def _following_caption(img: etree._Element) -> etree._Element | None:
    """The short paragraph right after an image that stands alone in its paragraph."""
    holder = img
    while holder.getparent() is not None and holder.getparent().tag in ("a", "span", "picture",
                                                                        "p", "div", "center"):
        parent = holder.getparent()
        if _text(parent):
            break
        holder = parent
    after = holder.getnext()
    if after is None or after.tag not in ("p", "div", "span", "center", "font", "em", "small"):
        return None
    text = _text(after)
    if not text or len(text) > 200 or after.find(".//img") is not None:
        return None
    attrs = after.get("class") or ""
    style = (after.get("style") or "").replace(" ", "").lower()
    if (_CAPTION_CLASS_RE.search(attrs) or "text-align:center" in style
            or after.get("align") == "center" or after.tag == "center"
            or _CAPTION_START_RE.match(text)):
        return after
    return None


def extract_images(content: list[etree._Element], base_url: str, lang: str | None) -> list[Image]:
    """Images inside the content elements, in page order, one per source URL."""
    images: list[Image] = []
    seen: set[str] = set()
    for region in content:
        for img in region.iter("img"):
            src = _src(img, base_url)
            if not src or src in seen or _is_icon(img):
                continue
            seen.add(src)
            box = _figure_caption(img, region)
            if box is None:
                box = _following_caption(img)
            caption, credit = _caption_and_credit(box) if box is not None else (None, None)
            if caption and len(caption) > _MAX_CAPTION:
                caption = None
            alt = clean_alt(img.get("alt") or img.get("title"))
            images.append(Image(
                src=src,
                alt=alt,
                alt_lang=_lang(alt, lang),
                caption=caption,
                caption_lang=_lang(caption, lang),
                credit=credit,
            ))
    return images


def _lang(text: str | None, page_lang: str | None) -> str | None:
    """A short text's language by script; Latin text takes the page's language when it has one."""
    if not text:
        return None
    by_script = script_lang(text)
    if by_script == "en" and page_lang and page_lang not in ("zh", "ja", "ko"):
        return page_lang
    return by_script
