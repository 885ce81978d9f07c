"""Main text: chrome pruning, readability-style content scoring, then paragraph collection.

1. Prune: the chrome ``index_page`` found (navigation, comments, share bars, related links,
   sidebars by tag or class/id) is dropped, unless it wraps most of the page's text.
2. Score: every paragraph-like element gives points (length, commas) to its parent and, fading,
   to its grand-parents; candidates are weighted by their class/id and by link density. The best
   one climbs to the ancestor uniting a story split into several blocks.
3. Collect: the best candidate plus siblings that score nearly as well, walked block by block,
   skipping link lists, link-only lines, captions, the headline and lines of page furniture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from crawler.extract.index import (
    CHROME,
    attrs_of,
    classify,
    drop,
    lead_like,
    strong_chrome,
)

_COMMENTS_RE = re.compile(r"comment|disqus|respond|repl", re.I)
#: A chrome-classed element holding more than this share of the page text is a page wrapper.
_WRAPPER_SHARE = 0.3
_WRAPPER_SIZE = 2000
_STRONG_WRAPPER_SHARE = 0.6
#: ... unless it is mostly links: a big footer, menu or sidebar, not the article's wrapper.
_WRAPPER_LINKS = 0.5
#: Candidates whose link density is computed (the rest cannot win).
_RANKED = 8
#: Near-best candidates (>= 75 %) sharing an ancestor that make it the content.
_MIN_RIVALS = 3
#: Same-class blocks scoring this share of the best are parts of one story.
_TWIN_SHARE = 0.3
#: A candidate with less text than this (CJK counted double) is scaled down: a line is no story.
_MIN_CONTENT = 80
#: Siblings of the best node scoring at least this share of it are part of the article.
_SIBLING_SHARE = 0.2
_POSITIVE_RE = re.compile(
    r"article|body|content|entry|hentry|main|page|post|text|blog|story|detail|zhengwen|正文|"
    r"artical|news",
    re.I,
)
_NEGATIVE_RE = re.compile(
    r"hidden|combx|comment|com-|contact|foot|footer|footnote|masthead|media|meta|outbrain|promo|"
    r"related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget|nav|menu|"
    r"header|login|list|recommend|hot|rank|link",
    re.I,
)
#: Counted with ``str.count`` per character: several times faster than a regex ``findall``.
_PUNCTUATION = ",，、;；。.!?！？"
_ASCII_PUNCTUATION = ",.;!?"
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
#: Text sizes computed inside libxml2: several times faster than joining ``itertext()``.
_text_size = etree.XPath("string-length(.)")
#: Characters of an element's text, whitespace runs counted as one (what a reader sees).
visible_size = etree.XPath("string-length(normalize-space(.))")
#: Whole lines that are page furniture, not article text, in the languages of the corpora.
_BOILERPLATE_LINE_RE = re.compile(
    r"\W*(?:(?:advert(?:isement)?|anzeige|werbung|publicidad|publicité|caption|close|"
    r"continue reading(?: below)?|read more|don'?t miss|trending|tags?|share(?: this)?|"
    r"(?:share )?article|comments?|related(?: articles| stories)?|more on this|print|e-?mail|"
    r"drucken|drukuj|imprimir|imprimer|download pdf|pdf herunterladen|"
    # headings that announce links, contacts or widgets after the story, not the story
    r"related (?:coverage|posts|content|topics)|you (?:may|might) also like|news|"
    r"(?:(?:das )?thema )?könnte (?:dich|sie) (?:auch )?interessieren|das könnte (?:dich|sie) "
    r"(?:auch )?interessieren|zum weiterlesen|weiterlesen|schon gelesen|verwandte themen\w*|"
    r"notas relacionadas|"
    r"kontakt|contact(?: us)?|weitere informationen|weitere infos|zusatzinformationen|"
    r"quellenangaben|inhaltsverzeichnis|table of contents|"
    r"über (?:den|die) autor(?:in)?|about the author|externer inhalt|(?:noch )?keine bewertungen|"
    r"keine kommentare|no comments|kommentare? schreiben|leave a (?:comment|reply)|"
    r"(?:beitrag|artikel) teilen|rezept drucken|print recipe|erschienen in|"
    r"(?:gefällt mir\W*)?wird geladen|gefällt mir(?:\W+lade)?|like this|loading|"
    r"kommentar verfassen|kommentieren sie|ähnliche (?:beiträge|artikel)|"
    r"zurück zur (?:listenansicht|übersicht)|back to (?:overview|list|top)|"
    r"war (?:der|dieser) (?:artikel|beitrag) (?:nützlich|hilfreich)|"
    r"was this (?:article|page|post) helpful|wie bewerten sie diese[nm] (?:artikel|beitrag)|"
    r"möchten sie (?:den|diesen) (?:artikel|beitrag) teilen|"
    r"vorschau auf den nächsten artikel|alle angaben ohne gewähr)\W*$"
    r"|(?:read more|see also|related|lesen sie (?:auch|mehr)|mehr zum thema|auch lesen|"
    r"czytaj (?:też|także)|leia (?:também|mais)|lee también|voir aussi|photo|foto|image|bild|"
    r"credit|release date|veröffentlichung|verfasst von|category|kategorie|themen)s?\s*[:：]"
    # a line that is only a date; a line opening with a link prompt, a figure or photo credit,
    # a source line, an advertising label or a subscription prompt
    r"|\d{1,2}\.\s?(?:\d{1,2}\.|[^\W\d]+)\s?\d{4}\W*$|\d{4}-\d{2}-\d{2}\W*$"
    r"|(?:à )?lire aussi\b|(?:le|te) puede interesar\b|puedes ver\s*:|impressum\b"
    r"|(?:werbung|anzeige|advertisement)\s*[.:]\s|abbildung(?:\s*\d+)?\s*:|quelle\s*:"
    r"|submit (?:your |a )?letter to the editor|der beitrag wurde am |never miss\b|"
    r"klicken sie auf den \w+ button"
    r"|photograph by |(?:zuletzt )?aktualisiert am |letzte aktualisierung am |last updated on "
    r"|subscribe now\b"
    r"|hier geht(?:'s| es) zu)",
    re.I,
)
#: A short line inviting the reader to a newsletter ("Sign up for our newsletter", "Abonnieren
#: Sie den Newsletter") or to the site's app ("download our apps for iOS and Android"): the
#: text of a sign-up box, not the story's.
_PROMPT_LINE_RE = re.compile(
    r"(?=.*newsletter)(?=.*(?:subscri|sign(?:ing)? up|abonn|anmeld|melde (?:dich|sie)|hol dir|"
    r"registr|suscri|inscri|zapisz|inbox|posteingang))"
    r"|(?=.*\bapps?\b)(?=.*\b(?:ios|android|app store|google play)\b)"
    r"(?=.*\b(?:download|install|herunterladen|descarga)\w*)",
    re.I,
)
_PROMPT_LINE = 300
_CAPTION_LINE = 400
#: A picture's caption ending in its credit after a bar ("The mayor in 1975. | © Getty Images"),
#: printed in the text column by gallery and lightbox scripts.
_CREDITED_CAPTION_RE = re.compile(r".*\s[|•]\s*©\s*[^|•©]{2,80}$")
_DIGIT_RE = re.compile(r"\d")
#: Boxes under a linked heading, shorter than _TEASER_MAX and a tenth of the content: teasers.
_TEASER_TAGS = frozenset({"div", "section", "article"})
_TEASER_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
_TEASER_MAX = 400
_TEASER_SHARE = 0.1
_CARD_BLOCKS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "div"})
_CARD_MAX = 300
_LINE_TAGS = frozenset({"p", "li", "h2", "h3", "h4", "h5", "h6", "dt", "dd"})
_LINK_LINE = 100
_ADDRESS_RE = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$|\S@\S+\.\w")
#: A lead paragraph joins the body when it shares an ancestor this close above the content.
_LEAD_LEVELS = 6
_LEAD_MIN = 100
#: A lead-classed picture, its credit or a byline ("lead-asset", "teaser-image").
_NOT_LEAD_RE = re.compile(r"image|img|asset|media|photo|picture|video|meta|author", re.I)
_MAX_LEADS = 2
#: Lead-classed elements that cannot be a lead paragraph.
_NOT_LEAD_TAGS = frozenset(
    {
        "a",
        "img",
        "span",
        "figure",
        "figcaption",
        "section",
        "article",
        "main",
        "body",
        "ul",
        "ol",
        "li",
        "table",
        "h1",
    }
)
_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
#: What ``_SPACE_RE`` changes: text holding none of these is left as it is (the regex would
#: replace each single space by itself, which costs more than the rest of the paragraph's work).
_ODD_SPACES = ("  ", "\t", "\r", "\f", "\v", "\u00a0", "\u3000")
_NEWLINES_RE = re.compile(r"\s*\n\s*")

_PARAGRAPH_TAGS = frozenset({"p", "pre", "blockquote", "dd"})
#: Containers scored for the text of their own (text beside ``<br>``, table-layout pages).
_OWN_TEXT_TAGS = frozenset({"div", "td", "section", "article", "font", "center", "main"})
_INLINE_TAGS = frozenset({"span", "font", "strong", "b", "em", "i", "a"})
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "blockquote",
        "pre",
        "center",
        "address",
        "figure",
        "figcaption",
        "hr",
        "header",
        "form",
        "fieldset",
        "details",
        "summary",
    ]
)
_CONTAINER_TAGS = frozenset(
    {
        "div",
        "section",
        "ul",
        "ol",
        "table",
        "dl",
        "form",
        "article",
        "center",
        "tbody",
        "header",
        "details",
    }
)
_SKIP_IN_BODY = frozenset({"figure", "figcaption", "h1", "caption", "img", "picture"})
_TAG_WEIGHT = {
    "div": 5,
    "article": 8,
    "main": 5,
    "section": 3,
    "td": 3,
    "pre": 3,
    "blockquote": 3,
    "ul": -3,
    "ol": -3,
    "li": -3,
    "dl": -3,
    "form": -3,
    "h2": -5,
    "h3": -5,
    "h4": -5,
    "th": -5,
    "header": -5,
    "body": -5,
}


def drop_chrome(
    body: etree._Element, chrome: list[etree._Element], kept: set[etree._Element] | None = None
) -> None:
    """Drop chrome elements, except a wrapper holding most of the page's text: a class such as
    "page-ad-margins" on the main column says nothing about the article inside it.

    Chrome inside chrome already dropped is detached with it and never read again, so it is left
    alone, except inside the elements of ``kept`` (caption boxes, which the image stage reads
    through its caption map even when they are detached): there it is dropped by the same rules.
    """
    total = _text_size(body)
    watched = {el for box in kept or () for el in box.iterdescendants()}
    # The outermost element dropped last (chrome inside it comes next: the list is in document
    # order), and whether it was dropped for being small: chrome inside it is smaller still.
    dropped: etree._Element | None = None
    dropped_small = False
    for el in chrome:
        if el.getparent() is None:
            continue
        if dropped is not None:
            if any(ancestor is dropped for ancestor in el.iterancestors()):
                if el not in watched:
                    continue
                if dropped_small:
                    drop(el)
                    continue
            else:
                dropped = None
        size = _text_size(el)
        small = size <= _WRAPPER_SHARE * total and size <= _WRAPPER_SIZE
        if not small:
            attrs = attrs_of(el)
            if strong_chrome(attrs):
                # a list of other stories with their teasers is long, yet never the page wrapper
                if size > _STRONG_WRAPPER_SHARE * total:
                    continue
            elif not _COMMENTS_RE.search(attrs) and _link_density(el) < _WRAPPER_LINKS:
                continue
        if dropped is None:
            dropped, dropped_small = el, small
        drop(el)


@lru_cache(maxsize=65536)
def _attr_weight(attrs: str) -> int:
    weight = 0
    if _NEGATIVE_RE.search(attrs):
        weight -= 25
    if _POSITIVE_RE.search(attrs):
        weight += 25
    return weight


def _class_weight(el: etree._Element) -> int:
    attrs = attrs_of(el)
    return _attr_weight(attrs) if len(attrs) > 1 else 0


def _text_len(text: str) -> int:
    # a CJK character carries about as much as a short word: count it double
    if text.isascii():
        return len(text)
    return len(text) + len(_CJK_RE.findall(text))


def _punctuation(text: str) -> int:
    return sum(map(text.count, _ASCII_PUNCTUATION if text.isascii() else _PUNCTUATION))


def _has_own_text(el: etree._Element) -> bool:
    text = el.text
    if text and not text.isspace():
        return True
    for child in el:
        if child.tag in _INLINE_TAGS:
            return True
        tail = child.tail
        if tail and not tail.isspace():
            return True
    return False


def _own_text(el: etree._Element) -> str:
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag in _BLOCK_TAGS:
            parts.append(" ")
        elif isinstance(child.tag, str) and child.tag != "br":
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return "".join(parts).strip()


def _link_density(el: etree._Element) -> float:
    total = visible_size(el)
    if not total:
        return 1.0
    return min(_link_size(el) / total, 1.0)


def _link_size(el: etree._Element) -> int:
    """Visible characters of the links in ``el``."""
    return sum(visible_size(a) for a in el.iter("a"))


@dataclass
class _Scores:
    values: dict[etree._Element, float] = field(default_factory=dict)

    def add(self, el: etree._Element, points: float) -> None:
        if el not in self.values:
            self.values[el] = _TAG_WEIGHT.get(el.tag, 0) + _class_weight(el)
        self.values[el] += points


def _score(body: etree._Element) -> _Scores:
    scores = _Scores()
    seen: set[str] = set()
    for el in body.iter(*_PARAGRAPH_TAGS, *_OWN_TEXT_TAGS):
        tag = el.tag
        if tag in _PARAGRAPH_TAGS:
            text = "".join(el.itertext()).strip()
            own = False
        elif _has_own_text(el):
            text = _own_text(el)
            own = True
        else:
            continue
        length = _text_len(text)
        if length < 25:
            continue
        # a widget's text repeated on the page ("Thanks! You rated this picture.") is no story
        if text in seen:
            continue
        seen.add(text)
        points = 1 + _punctuation(text) + min(length / 100, 3)
        level_el = el if own else el.getparent()
        for level in range(3):
            if level_el is None or level_el.tag == "html":
                break
            scores.add(level_el, points / (1, 2, 3)[level])
            level_el = level_el.getparent()
    return scores


def _promote(top: etree._Element, final: dict[etree._Element, float]) -> etree._Element:
    """Climb from the best node to the ancestor that unites the article when it is split into
    several blocks (an intro, sections, a "read more" part) that each score nearly as well."""
    best = final[top]
    rivals = [el for el, score in final.items() if el is not top and score >= 0.75 * best]
    # a story split into repeated blocks of one class ("article__body", "article__body"...)
    cls = top.get("class")
    twins = [
        el
        for el, score in final.items()
        if cls
        and el is not top
        and el.tag == top.tag
        and el.get("class") == cls
        and score >= _TWIN_SHARE * best
    ]
    if twins:
        common = set(top.iterancestors())
        for twin in twins:
            common &= set(twin.iterancestors())
        top = next((a for a in top.iterancestors() if a in common), top)
        if top.tag in ("body", "html"):
            return top
    elif len(rivals) >= _MIN_RIVALS:
        rival_ancestors = [set(el.iterancestors()) for el in rivals]
        for ancestor in top.iterancestors():
            if ancestor.tag in ("body", "html"):
                break
            if sum(ancestor in ancestors for ancestors in rival_ancestors) >= _MIN_RIVALS:
                top = ancestor
                break
    # an only child says nothing the parent does not
    while (
        top.getparent() is not None
        and top.getparent().tag not in ("body", "html")
        and len([c for c in top.getparent() if isinstance(c.tag, str)]) == 1
    ):
        top = top.getparent()
    return top


def _size_factor(el: etree._Element) -> float:
    """A block of a line or two is no article, however its class names it ("content-box")."""
    size = visible_size(el)
    if size < _MIN_CONTENT:
        # a CJK character weighs double, as in the scoring
        size = _text_len(" ".join("".join(el.itertext()).split()))
    return min(1.0, size / _MIN_CONTENT)


def find_content(body: etree._Element) -> list[etree._Element]:
    """The element(s) holding the article text, best first; empty when nothing scores."""
    scores = _score(body).values
    if not scores:
        return []
    ranked = sorted(scores, key=scores.get, reverse=True)[:_RANKED]
    final = {el: scores[el] * (1 - _link_density(el)) * _size_factor(el) for el in ranked}
    top = max(final, key=final.get)
    best = final[top]
    top = _promote(top, final)
    parent = top.getparent()
    if parent is None or top.tag == "body":
        return [top]
    threshold = max(10.0, best * _SIBLING_SHARE)
    chosen = []
    for sibling in parent:
        if sibling is top:
            chosen.append(sibling)
            continue
        if not isinstance(sibling.tag, str):
            continue
        score = scores.get(sibling)
        if score is not None and score * (1 - _link_density(sibling)) >= threshold:
            chosen.append(sibling)
        elif sibling.tag == "p":
            text = "".join(sibling.itertext()).strip()
            if _text_len(text) > 80 and _link_density(sibling) < 0.25:
                chosen.append(sibling)
    return chosen


def _is_link_list(el: etree._Element) -> bool:
    total = 0
    links = 0
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue
        total += len((node.text or "").strip()) + len((node.tail or "").strip())
        if node.tag == "a":
            links += sum(len(t.strip()) for t in node.itertext())
    if total == 0:
        return True
    density = links / total
    return density > 0.5 or (density > 0.3 and total < 200)


def _is_link_line(el: etree._Element) -> bool:
    """A short paragraph that is nothing but a link: a teaser of another article."""
    if next(el.iter("a"), None) is None:
        return False
    total = visible_size(el)
    if not (0 < total < _LINK_LINE and _link_size(el) >= total * 0.9):
        return False
    # a spelled-out address ("www.example.org", "press@example.org") is text the reader needs
    return not _ADDRESS_RE.search("".join(el.itertext()))


def _is_furniture(line: str) -> bool:
    return (
        _BOILERPLATE_LINE_RE.match(line) is not None
        or (len(line) < _PROMPT_LINE and _is_prompt(line))
        or (
            # the credit sign first: the regex backtracks through the whole line
            len(line) < _CAPTION_LINE
            and "©" in line
            and _CREDITED_CAPTION_RE.match(line) is not None
        )
    )


def _is_prompt(line: str) -> bool:
    # the words the prompt regex needs, looked for first: its lookaheads scan the whole line
    # (casefold, like the regex's IGNORECASE, reads "S" and "ſ" as "s")
    folded = line.casefold()
    return ("newsletter" in folded or "app" in folded) and _PROMPT_LINE_RE.match(line) is not None


def _is_table_figure(el: etree._Element) -> bool:
    """A <figure> around a data table ("wp-block-table"): the table is text, unlike a picture."""
    return el.tag == "figure" and el.find(".//table") is not None


def _is_link_card(el: etree._Element) -> bool:
    """A short link wrapping a heading, paragraph or block: a teaser card of another page,
    never a link inside the story's sentences."""
    return (
        any(isinstance(node.tag, str) and node.tag in _CARD_BLOCKS for node in el.iterdescendants())
        and visible_size(el) < _CARD_MAX
    )


def _is_place_dateline(el: etree._Element) -> bool:
    """A date-classed span opening a sentence with a place and no date ("KOBE – A total of..."):
    the story's first words, not a date line."""
    return (
        el.tag in _INLINE_TAGS
        and bool(el.tail and el.tail.strip())
        and not _DIGIT_RE.search("".join(el.itertext()))
    )


def _is_teaser_box(el: etree._Element, max_size: float) -> bool:
    """A short box headed by a linked heading ("<h2><a>Other story</a></h2><p>Its summary</p>"):
    a teaser of another page set into the story."""
    if visible_size(el) >= max_size:
        return False
    heading = next(el.iter(*_TEASER_HEADINGS), None)
    if heading is None:
        return False
    size = visible_size(heading)
    return size > 0 and _link_size(heading) >= 0.9 * size


class _Collector:
    """Walks content elements and splits their text into paragraphs at block boundaries."""

    def __init__(
        self, keep_link_lists: bool, skip: set[etree._Element], roots: list[etree._Element]
    ) -> None:
        self.paragraphs: list[str] = []
        self.buffer: list[str] = []
        self.keep_link_lists = keep_link_lists
        self.skip = skip
        # the content blocks themselves, or a tenth of them: a short story under a linked
        # headline is no teaser
        self.roots = set(roots)
        self.teaser_max = min(_TEASER_MAX, _TEASER_SHARE * sum(visible_size(r) for r in roots))

    def flush(self) -> None:
        if not self.buffer:
            return
        text = "".join(self.buffer)
        if any(space in text for space in _ODD_SPACES):
            text = _SPACE_RE.sub(" ", text)
        text = text.strip()
        self.buffer.clear()
        if text:
            lines = _NEWLINES_RE.split(text) if "\n" in text else (text,)
            self.paragraphs.extend(t for t in lines if t and not _is_furniture(t))

    def walk(self, el: etree._Element) -> None:
        tag = el.tag
        if tag == "br":
            self.flush()
        elif (
            (tag in _SKIP_IN_BODY and not _is_table_figure(el))
            or (el in self.skip and not _is_place_dateline(el))
            or (
                not self.keep_link_lists
                and (
                    (tag in _CONTAINER_TAGS and _is_link_list(el))
                    or (tag in _LINE_TAGS and _is_link_line(el))
                    or (tag == "a" and _is_link_card(el))
                    or (
                        tag in _TEASER_TAGS
                        and el not in self.roots
                        and _is_teaser_box(el, self.teaser_max)
                    )
                )
            )
        ):
            pass
        elif tag in _BLOCK_TAGS:
            self.flush()
            text = el.text  # each .text/.tail read builds a new str
            if text:
                self.buffer.append(text)
            for child in el:
                self.walk(child)
            self.flush()
        else:
            text = el.text
            if text:
                self.buffer.append(text)
            for child in el:
                self.walk(child)
        tail = el.tail
        if tail:
            self.buffer.append(tail)


def collect(
    elements: list[etree._Element],
    headline: str | None = None,
    keep_link_lists: bool = False,
    skip: set[etree._Element] | None = None,
) -> list[str]:
    """Paragraph texts of the content elements, in document order, leaving out ``skip``
    (captions, date lines) and lines of page furniture ("Advertisement", "Read more: ...")."""
    collector = _Collector(keep_link_lists, skip or set(), elements)
    for el in elements:
        tail, el.tail = el.tail, None
        collector.walk(el)
        el.tail = tail
        collector.flush()
    paragraphs = collector.paragraphs
    if headline and paragraphs and paragraphs[0] == headline.strip():
        paragraphs = paragraphs[1:]
    if not paragraphs and elements and not keep_link_lists:
        # the content itself is a list of links (a link roll, a table of contents)
        return collect(elements, headline, keep_link_lists=True, skip=skip)
    return paragraphs


def _precedes(
    el: etree._Element, first: etree._Element, levels: dict[etree._Element, int]
) -> int | None:
    """How many levels above ``first`` ``el`` joins its ancestors, when ``el`` comes before
    ``first`` in the page and is neither its ancestor nor inside it; else None."""
    child = el
    for ancestor in el.iterancestors():
        if ancestor in levels:
            if child is first:
                return None
            # the branch of the common ancestor that leads to ``first``
            branch = first
            for _ in range(levels[ancestor] - 1):
                branch = branch.getparent()
            return levels[ancestor] if ancestor.index(child) < ancestor.index(branch) else None
        child = ancestor
    return None


def _is_lead(el: etree._Element) -> bool:
    if el.tag in _NOT_LEAD_TAGS:
        return False
    cls, ident = el.get("class"), el.get("id")
    if not ((cls and lead_like(cls)) or (ident and lead_like(ident))):
        return False
    kind = (classify(cls) if cls else 0) | (classify(ident) if ident else 0)
    return not kind & CHROME and not _NOT_LEAD_RE.search(attrs_of(el))


def _leads(content: list[etree._Element], skip: set[etree._Element]) -> list[etree._Element]:
    """Lead paragraphs (a standfirst classed "lead", "intro", "excerpt"...) that the article's
    header holds just before the chosen content: the scoring leaves them out because they sit
    in another branch (beside the headline), yet they are the story's first paragraph."""
    if not content:
        return []
    first = content[0]
    levels = {}
    top = None
    # up to <body>: a page header beside <main> holds the lead as often as an article header
    for level, ancestor in enumerate(first.iterancestors(), 1):
        if level > _LEAD_LEVELS or ancestor.tag == "html":
            break
        levels[ancestor] = level
        top = ancestor
    if top is None:
        return []
    found: list[etree._Element] = []
    for el in top.iter():
        if el is first:
            break
        if (el.get("class") is None and el.get("id") is None) or not _is_lead(el):
            continue
        if el in skip or _precedes(el, first, levels) is None:
            continue
        if visible_size(el) >= _LEAD_MIN and _link_density(el) < 0.5:
            # the innermost lead: an "intro" box may also hold the picture and its caption
            outer = set(el.iterancestors())
            found = [f for f in found if f not in outer]
            found.append(el)
    # one class on several blocks is a row of teasers of other articles, not a lead
    classes = [el.get("class") for el in found]
    found = [el for el, cls in zip(found, classes, strict=True) if classes.count(cls) == 1]
    return found if len(found) <= _MAX_LEADS else []


def extract_body(
    body: etree._Element,
    chrome: list[etree._Element],
    headline: str | None = None,
    skip: set[etree._Element] | None = None,
) -> tuple[list[str], list[etree._Element]]:
    """(paragraphs, content elements) of a pruned body; drops ``chrome`` first."""
    drop_chrome(body, chrome, skip)
    content = find_content(body)
    content = _leads(content, skip or set()) + content
    return collect(content, headline, skip=skip), content


def text_size(paragraphs: list[str]) -> int:
    return sum(_text_len(p) for p in paragraphs)
