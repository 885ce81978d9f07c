"""Images of the article with caption, credit and cleaned alt text.

Captions are paired on the whole page before chrome is pruned (caption boxes often carry classes
that look like chrome), then the images inside the article are kept: those within the content the
body stage chose, or within its ``<article>``/``<main>`` (where the lead image sits above the text).

A caption is, in this order: the ``<figcaption>`` or caption-classed element nearest the image
(``wp-caption-text``, ``image-caption``, a figure's legend), or the short centred/"图："-style
paragraph that follows an image standing alone in its paragraph (or the description part of a
slide's info box, or the plain text line in an unnamed box holding only the image and it). The
credit comes from a credit-classed element inside the caption, or from a trailing "Foto: X",
"(AP)", "| X", "AP Photo/X", "[사진 = X]", "（代表撮影）" part.

Images are ``<img>`` and AMP's ``<amp-img>``; the source is the first of src, a lazy loader's
data-* attribute, srcset, or the srcset of the ``<picture>``'s ``<source>``.
"""

from __future__ import annotations

import re

from lxml import etree

from crawler.extract.body import visible_size
from crawler.items import Image
from crawler.normalize import absolute_url, clean_alt, script_lang, split_credit

_CAPTION_CLASS_RE = re.compile(r"caption|legend|desc|note|text|info|pic|img|photo", re.I)
#: "Paragraph_paragraph-text", "article-text": the article's own paragraphs, not a caption.
_PARAGRAPH_CLASS_RE = re.compile(r"paragraph|article|story|body|content", re.I)
_CREDIT_CLASS_RE = re.compile(
    r"credit|copyright|source|author|autor|photographer|fotograf|byline|rights|quelle", re.I
)
_CAPTION_START_RE = re.compile(r"^\s*(?:图|圖|▲|△|↑|上图|下图|\(?photo|foto|bild)", re.I)
#: "Foto: APA", "| Bildquelle: WDR", "(Symbolfoto: dpa)", "Ảnh: X", "(Dok.IGI)", "[사진 출처 = X]",
#: "© X", "（Ｃ）X": a labelled credit at the end (the label not preceded by a letter: "Bildquelle"
#: is one label, not "Bild" + "quelle").
_LABEL_CREDIT_RE = re.compile(
    r"\s*(?:[|/·•]\s*)?[(\[（【]?\s*(?:(?<![^\W\d_])(?:Foto|Fotos|Bild|Bilder|Bildquelle|Fotoquelle|"
    r"Symbolfoto|Symbolbild|Photo|Photos|Image|Credit|Quelle|Source|Crédit|Créditos?|Imagen|"
    r"Foto\s*di|Picture|Ảnh|Dok|사진(?:\s*출처)?|출처)\s*(?:[:：=]|by\b|(?<=Dok)\.)|©|[(（][cｃ][)）])\s*"
    r"(?P<credit>[^()\[\]（）【】]{1,80}?)\s*[)\]）】]?\s*$",
    re.I,
)
#: "... in 2016. (AP)" or "... in 2016 | Getty Images": a short trailing credit.
#: "... about an hour. AP Photo/Edgar Clemente": a few capitalised words after the last sentence.
_LAST_WORDS_CREDIT_RE = re.compile(
    r"(?<=[.!?])\s+(?P<credit>[A-Z©](?:[^.!?()]|\([^.!?()]*\)){1,60})$"
)
_MAX_CREDIT_WORDS = 6
#: "... the country AP Photo/Edgar H. Clemente": agency, "Photo/", photographer.
_AGENCY_PHOTO_RE = re.compile(
    r"\s+(?P<credit>(?:[A-Z][\w&.-]*\s+){0,3}Photos?\s*/\s*[^/()]{2,60})$"
)
#: "... 있다. 연합뉴스", "... 있다. 고영권 기자": a Korean agency or reporter after the sentence.
_HANGUL_CREDIT_RE = re.compile(
    r"(?<=[.!?])\s+(?P<credit>(?=\S*[\uac00-\ud7a3])\w{1,10}(?:\s+기자)?)$"
)
#: "(U.S. District Court)", "(AFP / ISHARA S. KODIKARA)": initials may have their dot.
_TRAILING_CREDIT_RE = re.compile(
    r"(?:(?<=[.!?。！？])\s*[(（](?P<paren>(?:[^()（）.!?]|(?<=\b[A-Z])\.){2,60})[)）]"
    r"|\s*[(（](?P<shot>[^()（）]{0,20}(?:撮影|提供))[)）]"
    r"|\s+[|｜]\s*(?P<bar>[^|｜]{2,80})"
    r"|(?<=[.!?])\s+(?P<slash>[^.!?/\s][^.!?/]{1,40}/[^.!?]{2,60}))\s*$"
)
_SRC_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-url", "data-lazy", "src")
_LAZY_ATTR_RE = re.compile(r"^data-.*(?:src|lazy|original|echo)", re.I)
_URL_LIKE_RE = re.compile(r"^(?:https?:)?/|^[\w./-]+\.(?:jpe?g|png|gif|webp|avif)\b", re.I)
_PLACEHOLDER_RE = re.compile(r"^data:|spacer|blank\.|pixel|transparent|loading|placeholder", re.I)
_MAX_CAPTION = 400
_META_TOKEN = (
    r"(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:min|Min)\.?)?)"
)
#: "05.09.2024 | 2:03 min": a date or video length, alone in its element.
_META_TEXT_RE = re.compile(rf"^{_META_TOKEN}(?:\s*[|•·,]?\s*{_META_TOKEN})*$")
#: AMP pages draw their pictures with <amp-img> (same src/srcset/alt attributes).
_IMG_TAGS = ("img", "amp-img")
_DESCRIPTION_CLASS_RE = re.compile(r"caption|description|legend", re.I)
_has_text = etree.XPath("boolean(normalize-space(.))")
_FREE_LEVELS = frozenset({"source", "picture", "a", "span"})
_IMAGE_BOX_RE = re.compile(r"image|photo|picture|img|media|foto|bild|figure|pic", re.I)
_MAX_FOLLOWING = 200
#: A caption in a box without a caption class says a little more than a label ("Spotify").
_MIN_BARE_WORDS = 4
_WORD_RE = re.compile(r"\w+")
_CJK_LANGS = ("zh", "ja", "ko")
_NOT_IN_CAPTION = ("a", "p", "h1", "h2", "h3", "h4", "ul", "img", "amp-img")
_CAPTION_DEPTH = 4
_SCOPE_TAGS = frozenset({"article", "main"})
_FOLLOWING_TAGS = frozenset({"p", "div", "span", "center", "font", "em", "small"})
_WRAPPER_TAGS = frozenset({"a", "span", "picture", "source", "p", "div", "center"})


def _text(el: etree._Element, skip: set[etree._Element] | None = None) -> str:
    # element boundaries become spaces: "…kommen.</span><span>Unsplash" is two parts
    if not skip:
        return " ".join(" ".join(el.itertext()).split())
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
    return " ".join(" ".join(parts).split())


def _first_of_srcset(srcset: str) -> str | None:
    first = srcset.strip().split(",")[0].split()
    return first[0] if first else None


def _has_image(el: etree._Element) -> bool:
    return next(el.iter(*_IMG_TAGS), None) is not None


def _in_amp_img(img: etree._Element) -> bool:
    """The <img> fallback inside an AMP page's <amp-img>: the amp-img stands for it."""
    return img.tag == "img" and next(img.iterancestors("amp-img"), None) is not None


def _src(img: etree._Element, base: str) -> str | None:
    for attr in _SRC_ATTRS:
        value = (img.get(attr) or "").strip()
        if value and not _PLACEHOLDER_RE.search(value):
            return absolute_url(base, value)
    # lazy loaders name their attribute after themselves: data-flickity-lazyload,
    # data-lazy-srcset, data-echo; a URL-looking value in any data-* attribute of that kind will do
    for attr, value in img.items():
        if not _LAZY_ATTR_RE.search(attr):
            continue
        value = value.strip()
        if "srcset" in attr:
            value = _first_of_srcset(value) or ""
        if _URL_LIKE_RE.match(value) and not _PLACEHOLDER_RE.search(value):
            return absolute_url(base, value)
    srcset = img.get("data-srcset") or img.get("srcset") or _picture_srcset(img)
    if srcset:
        first = _first_of_srcset(srcset)
        if first:
            return absolute_url(base, first)
    return None


def _picture_srcset(img: etree._Element) -> str | None:
    """A <picture>'s <img> without a source of its own: the srcset of the picture's <source>
    (libxml2 nests the <img> inside the <source> elements, so they are its ancestors)."""
    for ancestor in img.iterancestors():
        if ancestor.tag == "picture":
            sources = ancestor.iter("source")
        elif ancestor.tag == "source":
            sources = iter((ancestor,))
        else:
            return None
        for source in sources:
            srcset = source.get("srcset") or source.get("data-srcset")
            if srcset and srcset.strip():
                return srcset
    return None


def _is_icon(img: etree._Element) -> bool:
    for attr in ("width", "height"):
        value = (img.get(attr) or "").removesuffix("px")
        if value.isdigit() and int(value) < 50:
            return True
    return False


def split_caption(caption: str | None, credit: str | None = None) -> tuple[str | None, str | None]:
    """(caption, credit): a trailing credit ("Foto: APA", "(AP)", "| Getty Images") split off."""
    if not caption:
        return None, credit
    match = _LABEL_CREDIT_RE.search(caption)
    if match and match.start() > 0:
        return caption[: match.start()].strip() or None, credit or match.group("credit").strip()
    for rule in (_AGENCY_PHOTO_RE, _HANGUL_CREDIT_RE):
        match = rule.search(caption)
        if match and match.start() > 0:
            return caption[: match.start()].strip() or None, credit or match.group("credit").strip()
    match = _TRAILING_CREDIT_RE.search(caption)
    if match and match.start() > 0:
        found = next(g for g in match.group("paren", "shot", "bar", "slash") if g).strip()
        return caption[: match.start()].strip() or None, credit or found
    match = _LAST_WORDS_CREDIT_RE.search(caption)
    if match and len(match.group("credit").split()) <= _MAX_CREDIT_WORDS:
        return caption[: match.start()].strip(), credit or match.group("credit").strip()
    text, found = split_credit(caption)
    return text, credit or found


def _caption_and_credit(box: etree._Element) -> tuple[str | None, str | None]:
    """Caption text of a caption element, credit-classed parts split off."""
    credits = [
        el
        for el in box.iter()
        if el is not box
        and isinstance(el.tag, str)
        and _CREDIT_CLASS_RE.search(f"{el.get('class') or ''} {el.get('itemprop') or ''}")
    ]
    credit = " ".join(t for t in (_text(c) for c in credits) if t) or None
    # a caption box's date or video-length element ("05.09.2024", "2:03 min") is not its text
    skip = set(credits) | {
        el
        for el in box.iterdescendants()
        if isinstance(el.tag, str) and len(el) == 0 and _META_TEXT_RE.match(_text(el))
    }
    caption, credit = split_caption(_text(box, skip) if skip else _text(box), credit)
    if credit:
        credit = _LABEL_CREDIT_RE.sub(lambda m: m.group("credit"), credit).strip() or credit
    return caption, credit


def _following_caption(img: etree._Element) -> etree._Element | None:
    """The short paragraph right after an image that stands alone in its paragraph."""
    holder = img
    while holder.getparent() is not None and holder.getparent().tag in _WRAPPER_TAGS:
        parent = holder.getparent()
        if _has_text(parent):
            break
        holder = parent
    after = holder.getnext()
    if after is None or after.tag not in _FOLLOWING_TAGS:
        return None
    # "2 of 12 | <span class=…Description>The caption</span>": the described part, not the counter
    inner = _described_part(after)
    if inner is not None:
        return inner
    text = _text(after)
    if not text or len(text) > _MAX_FOLLOWING or _has_image(after):
        return None
    style = (after.get("style") or "").replace(" ", "").lower()
    cls = after.get("class") or ""
    if (
        (_CAPTION_CLASS_RE.search(cls) and not _PARAGRAPH_CLASS_RE.search(cls))
        or "text-align:center" in style
        or after.get("align") == "center"
        or after.tag == "center"
        or _CAPTION_START_RE.match(text)
        or _is_bare_image_box(holder)
    ):
        return after
    return None


def _is_bare_image_box(holder: etree._Element) -> bool:
    """A box of unnamed classes holding the image, then a line or two of plain text (caption,
    credit) and nothing else: a figure in all but name. Links, paragraphs and headings make it
    a teaser or a text block instead."""
    box = holder.getparent()
    if box is None or (box.text or "").strip():
        return False
    kids = [kid for kid in box if isinstance(kid.tag, str)]
    if kids[0] is not holder or not 2 <= len(kids) <= 3:
        return False
    if any(a.tag in ("li", "nav", "header", "footer") for a in box.iterancestors()):
        return False
    text = _text(kids[1])
    if len(_WORD_RE.findall(text)) < _MIN_BARE_WORDS and script_lang(text) not in _CJK_LANGS:
        return False
    for kid in kids[1:]:
        if (
            kid.tag not in ("div", "span")
            or (kid.tail or "").strip()
            or next(kid.iter(*_NOT_IN_CAPTION), None) is not None
            or not 0 < visible_size(kid) <= _MAX_FOLLOWING
        ):
            return False
    return True


def _described_part(box: etree._Element) -> etree._Element | None:
    """A caption- or description-classed element inside an image's info box, with its text."""
    if _has_image(box):
        return None
    for el in box.iterdescendants():
        if (
            isinstance(el.tag, str)
            and _DESCRIPTION_CLASS_RE.search(el.get("class") or "")
            and not _CREDIT_CLASS_RE.search(el.get("class") or "")
            and 0 < visible_size(el) <= _MAX_CAPTION
        ):
            return el
    return None


def _is_image_box(node: etree._Element) -> bool:
    """A figure, or an image-classed container, holding this one image and a short text."""
    if node.tag != "figure" and not _IMAGE_BOX_RE.search(node.get("class") or ""):
        return False
    if sum(1 for img in node.iter(*_IMG_TAGS) if not _in_amp_img(img)) != 1:
        return False
    return 0 < visible_size(node) <= _MAX_CAPTION


def _caption_box(
    img: etree._Element, owners: dict[etree._Element, etree._Element]
) -> etree._Element | None:
    node = img.getparent()
    depth = 0
    while node is not None and depth < _CAPTION_DEPTH and node.tag not in ("body", "html"):
        box = owners.get(node)
        if box is not None:
            return box
        if _is_image_box(node):
            return node
        # libxml2 nests a picture's <img> inside its <source> elements: those levels are free
        if node.tag not in _FREE_LEVELS:
            depth += 1
        node = node.getparent()
    return _following_caption(img)


def caption_owners(captions: list[etree._Element]) -> dict[etree._Element, etree._Element]:
    """Each ancestor (a few levels up) of a caption element, mapped to the nearest caption.

    Built before chrome is pruned: a caption box whose class looks like chrome is detached then,
    but stays reachable (with its text) through this map.
    """
    owners: dict[etree._Element, etree._Element] = {}
    for caption in captions:
        if _has_image(caption) or not _has_text(caption):
            continue
        node = caption.getparent()
        for _ in range(_CAPTION_DEPTH):
            if node is None or node.tag in ("body", "html"):
                break
            owners.setdefault(node, caption)
            node = node.getparent()
    return owners


def _regions(content: list[etree._Element]) -> list[etree._Element]:
    """The ``<article>``/``<main>`` around the content (with the lead image), else the content."""
    if content:
        for ancestor in content[0].iterancestors():
            if ancestor.tag in _SCOPE_TAGS:
                return [ancestor]
    return content


def article_images(
    owners: dict[etree._Element, etree._Element],
    content: list[etree._Element],
    base_url: str,
    page_lang: str | None,
) -> list[Image]:
    """The images inside the article (pruned chrome is detached, so never inside), in page order,
    with their captions: one per source URL, unless the same picture is shown again with another
    caption or alt text (a lead image repeated in a gallery under a new caption)."""
    found: list[Image] = []
    seen: dict[str, set[str | None]] = {}
    for img in (img for region in _regions(content) for img in region.iter(*_IMG_TAGS)):
        if _is_icon(img) or _in_amp_img(img):
            continue
        src = _src(img, base_url)
        if not src:
            continue
        box = _caption_box(img, owners)
        caption, credit = _caption_and_credit(box) if box is not None else (None, None)
        if caption and len(caption) > _MAX_CAPTION:
            caption = None
        alt = clean_alt(img.get("alt") or img.get("title"))
        texts = seen.get(src)
        if texts is not None and {caption, alt} <= texts | {None}:
            continue
        seen.setdefault(src, set()).update((caption, alt))
        found.append(_image(src, alt, caption, credit, page_lang))
    return found


def _image(
    src: str, alt: str | None, caption: str | None, credit: str | None, page_lang: str | None
) -> Image:
    return Image(
        src=src,
        alt=alt,
        alt_lang=_lang(alt, page_lang),
        caption=caption,
        caption_lang=_lang(caption, page_lang),
        credit=credit,
    )


def _lang(text: str | None, page_lang: str | None) -> str | None:
    """A short text's language by script; Latin text takes the page's language when it has one."""
    if not text:
        return None
    by_script = script_lang(text)
    if by_script == "en" and page_lang and page_lang not in ("zh", "ja", "ko"):
        return page_lang
    return by_script


def _ld_images(value: object) -> list[dict]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def jsonld_images(
    jsonld: list[dict], base_url: str, page_lang: str | None, known: list[Image]
) -> list[Image]:
    """Captioned images the article's JSON-LD declares but the page body did not show (lead
    images rendered by JavaScript, galleries)."""
    seen = {"".join((i.caption or "").split()) for i in known} | {i.src for i in known}
    found = []
    for obj in jsonld:
        for item in _ld_images(obj.get("image")):
            src = item.get("contentUrl") or item.get("url")
            caption = item.get("caption") or item.get("description")
            if not isinstance(src, str) or not isinstance(caption, str) or not caption.strip():
                continue
            credit = item.get("creditText") or item.get("copyrightHolder") or None
            caption, credit = split_caption(
                " ".join(caption.split()), credit if isinstance(credit, str) else None
            )
            src = absolute_url(base_url, src)
            if not src or not caption or src in seen or "".join(caption.split()) in seen:
                continue
            seen.add(src)
            name = item.get("name")
            alt = clean_alt(name) if isinstance(name, str) and name != caption else None
            found.append(_image(src, alt, caption, credit or None, page_lang))
    return found
