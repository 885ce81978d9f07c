"""One pass over the parsed body: drop what is never text, and index what later stages look for.

Every stage needs a few kinds of elements (chrome by class/id, headings, breadcrumbs, date lines).
Walking the tree once and classifying each distinct class/id string once (cached) is several times
faster than one XPath or regex sweep per stage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from lxml import etree

#: No "source"/"track": libxml2 does not treat them as void, so a picture's <img> can end up
#: inside its <source>.
NEVER_TEXT = frozenset(
    [
        "script",
        "style",
        "noscript",
        "iframe",
        "svg",
        "button",
        "select",
        "input",
        "textarea",
        "template",
        "object",
        "embed",
        "canvas",
        "map",
        "audio",
        "video",
        "link",
        "meta",
        "head",
        "dialog",
    ]
)
#: Page-structure tags that are chrome unless broken markup left the article inside them.
CHROME_TAGS = frozenset({"nav", "aside", "footer", "menu"})
_HEADING_TAGS = frozenset({"h1", "h2", "h3"})
_SUBHEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
#: Tags whose class never makes them chrome: the page itself, links and paragraphs.
_KEEP_TAGS = frozenset({"body", "html", "a", "p", "main", "article"})
#: Tags never indexed as chrome by class: kept, or already chrome by tag.
_NEVER_CHROME = _KEEP_TAGS | CHROME_TAGS

#: Class/id tokens of page chrome, matched as prefixes of the lower-cased tokens ("comment"
#: matches "comments", "share" matches "sharebar").
_CHROME_PREFIXES = tuple(
    [
        "comment",
        "disqus",
        "share",
        "sharing",
        "social",
        "related",
        "recommend",
        "sidebar",
        "footer",
        "breadcrumb",
        "crumb",
        "pagination",
        "pager",
        "paging",
        "menu",
        "navbar",
        "navigation",
        "nav",
        "topnav",
        "subnav",
        "masthead",
        "newsletter",
        "subscri",
        "signup",
        "promo",
        "sponsor",
        "advert",
        "adslot",
        "banner",
        "cookie",
        "consent",
        "gdpr",
        "popup",
        "modal",
        "overlay",
        "toolbar",
        "skip",
        "byline",
        "taglist",
        "tags",
        "keywords",
        "trending",
        "outbrain",
        "taboola",
        "login",
        "copyright",
        "disclaimer",
        "rating",
        "vote",
        "rss",
        "feed",
        "follow",
        "relate",
        "rightcol",
        "leftcol",
        "mostread",
        # calls to action, affiliate and advertising disclosures, post meta lines
        "cta",
        "disclosure",
        "affiliate",
        "postmeta",
        "licen",
        # a scrolling news marquee and a paper's list of references
        "marquee",
        "references",
        "bibliograph",
        # author boxes
        "author-box",
        "authorbox",
        "author-desc",
        "about-author",
        "author-card",
        "post-author",
        "entry-author",
        "saboxplugin",
    ]
)
#: Whole tokens (too short or too common to use as prefixes) and multi-token phrases.
_CHROME_TOKENS = frozenset({"ad", "ads", "tag"})
_CHROME_PHRASES = (
    "side-bar",
    "sign-up",
    "tool-bar",
    "-ad-",
    "ad-slot",
    "author-bio",
    "tag-list",
    "more-stories",
    "most-popular",
    "most-read",
    "sr-only",
    "visually-hidden",
    "column-right",
    "right-col",
)
#: Token prefixes that outweigh a chrome match: "content-share" is the article wrapper.
_CONTENT_PREFIXES = (
    "article",
    "body",
    "content",
    "entry",
    "main",
    "post",
    "story",
    "text",
    "detail",
    "zhengwen",
    "artical",
    "cont",
)
_TITLE_WORDS = ("title", "headline", "heading", "biaoti")
_DATE_PREFIXES = (
    "date",
    "time",
    "publish",
    "posted",
    "byline",
    "dateline",
    "stamp",
    "datum",
    "zeit",
    "fecha",
    "pubtime",
    "pubdate",
)
_NOT_DATE_WORDS = ("update", "modif", "comment", "expire", "event", "runtime", "reading")
#: Token prefixes of an article's lead paragraph (standfirst), often set apart from the body
#: in the article header: "article-lead", "entry-excerpt", "teaser-text", "intro__copy",
#: "news-description".
_LEAD_PREFIXES = (
    "lead",
    "intro",
    "teaser",
    "excerpt",
    "abstract",
    "subtitle",
    "subheadline",
    "sub-headline",
    "standfirst",
    "deck",
    "summary",
    "vorspann",
    "chapo",
    "epigraph",
    "description",
)
_CAPTION_WORDS = ("caption", "legend", "bildunterschrift", "bildtext", "figcaption", "unterschrift")


def _alternation(
    words: tuple[str, ...] | frozenset[str], at_word_start: bool = False, after: str = ""
) -> str:
    """Literal words as one regex alternation grouped by first letter: Python's engine tries every
    alternative at every position, and the grouping lets it fail after one character.

    ``at_word_start`` words match only where no letter or digit precedes them. The lookbehind
    goes after the first letter: a regex whose every alternative starts with a literal lets the
    engine skip to the positions holding one of those letters (2-3x faster on class strings).
    ``after`` is appended to each group (a lookahead)."""
    groups: dict[str, list[str]] = {}
    for word in sorted(words, key=len, reverse=True):
        groups.setdefault(word[0], []).append(re.escape(word[1:]))
    alternatives = []
    for first, rests in groups.items():
        first = re.escape(first)
        start = f"(?<![a-z0-9]{first})" if at_word_start else ""
        alternatives.append(f"{first}{start}(?:{'|'.join(rests)}){after}")
    return "|".join(alternatives)


# Token prefixes: a word start (string start or a non-alphanumeric) before the prefix.
_START = r"(?<![a-z0-9])"
#: Chrome words other than the prefixes.
_CHROME_RE = re.compile(
    # a page builder's layout boxes ("x-widget-wrap", "x-widget-container", "x-widget-text-editor")
    # hold the article as much as anything else; other widgets are chrome
    _alternation(("widget",), at_word_start=True, after="(?!-(?:wrap|container|text|theme))")
    + "|"
    + _alternation(_CHROME_TOKENS, at_word_start=True, after="(?![a-z0-9])")
    + "|"
    + _alternation(_CHROME_PHRASES)
)
#: Chrome words that a content word beside them does not redeem: a "related_post" block or a
#: "recommended-articles" row lists other stories, an "author-box" presents the writer.
_STRONG_CHROME_RE = re.compile(
    _alternation(("relate", "recommend", "outbrain", "taboola"), at_word_start=True)
    # "author-bio", BEM "post-author__bio"
    + "|author[-_]+(?:bio|box|desc)|about-author|sabox"
)
_TITLE_RE = re.compile(_alternation(_TITLE_WORDS))
_CAPTION_RE = re.compile(_alternation(_CAPTION_WORDS))
_NOT_DATE_RE = re.compile(_alternation(_NOT_DATE_WORDS))
_LEAD_RE = re.compile(_alternation(_LEAD_PREFIXES, at_word_start=True))

#: State modifiers ("has-sidebar", "with-comments", "no-share") say what a block holds or lacks,
#: not what it is: the article wrapper of a page with recommendations is no recommendation.
_MODIFIER_RE = re.compile(r"(?<![^\s])(?:has|with|without|no)[-_]\S*")
#: What a modifier needs: a regex that starts with a literal skips to it, one that starts with a
#: lookbehind tries every position, and most class strings hold no modifier.
_MODIFIER_HINT_RE = re.compile("(?:has|with|without|no)[-_]")

CHROME, TITLE, CRUMB, DATE, CAPTION, CONTENT = 1, 2, 4, 8, 16, 32

_PREFIX_FAMILIES = (
    (CHROME, _CHROME_PREFIXES),
    (CONTENT, _CONTENT_PREFIXES),
    (DATE, _DATE_PREFIXES),
)
#: The chrome, content and date prefixes found in one scan: at each word start the lookahead
#: captures the longest prefix there (the alternation lists longer words first), and the
#: shorter ones that match there are its own prefixes, so it names every family that matches.
_PREFIX_RE = re.compile(
    f"{_START}(?=({_alternation(tuple(p for _, words in _PREFIX_FAMILIES for p in words))}))"
)


@cache
def _families(prefix: str) -> int:
    """CHROME|CONTENT|DATE bits of the families with a prefix that ``prefix`` begins with."""
    return sum(bit for bit, words in _PREFIX_FAMILIES if prefix.startswith(words))


@lru_cache(maxsize=65536)
def classify(attrs: str) -> int:
    """What a class or id string says about its element, as CHROME|TITLE|CRUMB|DATE|CAPTION|CONTENT
    bits; an element is chrome when its class and id say CHROME and neither says CONTENT.

    Class strings repeat across a page and across the pages of a site: the verdict is cached
    (ids are unique, so class and id are classified apart).
    """
    lowered = attrs.lower()
    if _MODIFIER_HINT_RE.search(lowered):
        lowered = _MODIFIER_RE.sub(" ", lowered)
    prefixed = 0
    for prefix in _PREFIX_RE.findall(lowered):
        prefixed |= _families(prefix)
    kind = 0
    if prefixed & CHROME or _CHROME_RE.search(lowered):
        kind |= CHROME
    if prefixed & CONTENT and not _STRONG_CHROME_RE.search(lowered):
        kind |= CONTENT
    if _TITLE_RE.search(lowered):
        kind |= TITLE
    if "crumb" in lowered:
        kind |= CRUMB
    if _CAPTION_RE.search(lowered):
        kind |= CAPTION
    if prefixed & DATE and not _NOT_DATE_RE.search(lowered):
        kind |= DATE
    return kind


@lru_cache(maxsize=65536)
def lead_like(attrs: str) -> bool:
    """Whether a class/id string names a lead paragraph ("article-lead", "entry-excerpt");
    asked only by the body stage, for the few elements before the content."""
    return _LEAD_RE.search(attrs.lower()) is not None


@lru_cache(maxsize=65536)
def strong_chrome(attrs: str) -> bool:
    """Whether a class/id string names a block of other stories ("related", "recommended")."""
    return _STRONG_CHROME_RE.search(attrs.lower()) is not None


def attrs_of(el: etree._Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


@dataclass
class PageIndex:
    #: Chrome by tag or class/id, dropped by the body stage once metadata has been read.
    chrome: list[etree._Element] = field(default_factory=list)
    headings: list[etree._Element] = field(default_factory=list)
    breadcrumbs: list[etree._Element] = field(default_factory=list)
    dated: list[etree._Element] = field(default_factory=list)
    #: ``<figcaption>`` and caption-classed elements.
    captions: list[etree._Element] = field(default_factory=list)


def _hides(style: str) -> bool:
    return "none" in style and "display:none" in style.replace(" ", "").lower()


def drop(el: etree._Element) -> None:
    """Remove ``el`` but keep its tail text, which belongs to the parent."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def index_page(body: etree._Element) -> PageIndex:
    """Drop never-text and hidden elements from ``body``; index chrome, headings, breadcrumbs
    and date-classed elements, in document order."""
    for noscript in list(body.iter("noscript")):
        _keep_images(noscript)
    # A lightbox <button> around a figure: the figure (image and caption) is the article's.
    for button in list(body.iter("button")):
        if button.find(".//img") is not None:
            button.tag = "div"
    # libxml2 removes these in one call (keeping their tails): the walk below never sees them
    etree.strip_elements(body, *NEVER_TEXT, with_tail=False)
    index = PageIndex()
    never = []
    for el in body.iter():
        tag = el.tag
        if not isinstance(tag, str):
            never.append(el)
            continue
        if tag in CHROME_TAGS:
            index.chrome.append(el)
        elif tag in _HEADING_TAGS:
            index.headings.append(el)
        elif tag == "figcaption":
            index.captions.append(el)
        cls = el.get("class")
        # a heading's id is an anchor made of its words ("nav_the_results", "date-and-place")
        ident = el.get("id") if tag not in _SUBHEADING_TAGS else None
        style = el.get("style")
        if el.get("hidden") is not None or (style is not None and _hides(style)):
            never.append(el)
            continue
        if cls is None and ident is None:
            continue
        kind = (classify(cls) if cls else 0) | (classify(ident) if ident else 0)
        if not kind:
            continue
        # An <img> is never text: "img-share" (a sharable picture) is no share bar.
        if kind & CHROME and not kind & CONTENT and tag not in _NEVER_CHROME and tag != "img":
            index.chrome.append(el)
        elif kind & CRUMB and tag == "p":
            # a paragraph classed as a breadcrumb trail is one, whatever else its class says
            index.chrome.append(el)
        if kind & TITLE and tag not in _HEADING_TAGS:
            index.headings.append(el)
        if kind & CRUMB:
            index.breadcrumbs.append(el)
        if kind & DATE:
            index.dated.append(el)
        if kind & CAPTION and tag != "figcaption" and tag != "img":
            index.captions.append(el)
    for el in never:
        drop(el)
    return index


def _keep_images(noscript: etree._Element) -> None:
    """Lazy-loading pages put the real <img> in <noscript>: keep it where the noscript was."""
    for img in list(noscript.iter("img")):
        img.tail = None
        noscript.addprevious(img)
