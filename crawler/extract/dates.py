"""Date finding: candidates from structured data, labelled visible text, the URL and the text.

Order of trust, most reliable first: JSON-LD and ``<meta>`` publication dates (for machines),
``itemprop``/``<time>`` markup, dates next to a publication label ("发布时间：", "Published"), a
full date in the URL, and finally the first plausible date in the page text. Dates in the future
are rejected. Cross-checks between the candidates: a UTC stamp takes the local day of the same
instant written elsewhere on the page; a labelled visible date beats a ``<meta>``/``<time>`` date;
a date shown under the headline that is the machine-readable update date wins (republished
pages); a labelled "Stand"/"Updated" date dates a page that states nothing else; the share image's
path or the description date a page as a last resort. "As of" dates and range ends never do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lxml import etree

_MONTHS = {
    # English, German, French, Spanish, Italian, Portuguese, Dutch, Polish and Russian genitives.
    1: "january jan januar jänner janvier enero gennaio janeiro januari stycznia января",
    2: "february feb februar février fevrier febrero febbraio fevereiro februari lutego февраля",
    3: "march mar märz mrz maerz mars marzo março marco maart marca марта",
    4: "april apr avril abril aprile kwietnia апреля",
    5: "may mai mayo maggio maio mei maja мая",
    6: "june jun juni juin junio giugno junho czerwca июня",
    7: "july jul juli juillet julio luglio julho lipca июля",
    8: "august aug août aout agosto augustus sierpnia августа",
    9: "september sep sept septembre septiembre setiembre settembre setembro września сентября",
    10: "october oct oktober okt octobre octubre ottobre outubro października октября",
    11: "november nov novembre noviembre novembro listopada ноября",
    12: "december dec dezember dez décembre decembre diciembre dicembre dezembro grudnia декабря",
}
MONTH_NUMBERS = {name: num for num, names in _MONTHS.items() for name in names.split()}
_MONTH_ALT = "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True))

_TIME = (
    r"(?:[T\s,]+(?:um\s+|at\s+|à\s+|-\s+)?(?P<H>[01]?\d|2[0-3])[:：时h](?P<M>[0-5]\d)"
    r"(?:[:：分](?P<S>[0-5]\d)(?:\.\d+)?)?\s*(?P<ampm>(?i:[ap]\.?m\.?))?"
    r"\s*(?P<tz>Z|[+-](?:0\d|1[0-4]):?[0-5]\d|UTC|GMT)?)?"
)
_ISO_RE = re.compile(
    r"(?<![\d.])(?P<y>(?:19|20)\d\d)(?P<sep>[-/.])(?P<m>0?[1-9]|1[0-2])(?P=sep)"
    r"(?P<d>0?[1-9]|[12]\d|3[01])(?!\d)" + _TIME
)
_CJK_RE = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>0?[1-9]|1[0-2])\s*月\s*(?P<d>0?[1-9]|[12]\d|3[01])\s*[日号]"
    r"(?:\s*(?:[上下]午)?\s*(?P<H>[01]?\d|2[0-3])[:：时](?P<M>[0-5]\d)(?:[:：分](?P<S>[0-5]\d))?)?"
)
_DMY_RE = re.compile(
    r"(?<![\d.])(?P<d>0?[1-9]|[12]\d|3[01])(?P<sep>[./])\s?(?P<m>0?[1-9]|1[0-2])(?P=sep)\s?"
    r"(?P<y>(?:19|20)\d\d)(?!\d)" + _TIME
)
#: Month first, as in the US, recognised only when the day cannot be a month.
_MDY_RE = re.compile(
    r"(?<![\d.])(?P<m>0?[1-9]|1[0-2])/(?P<d>1[3-9]|2\d|3[01])/(?P<y>(?:19|20)\d\d)(?!\d)" + _TIME
)
_NAMED_DMY_RE = re.compile(
    r"(?<!\d)(?P<d>0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th|er|º)?\.?\s*(?:de\s+)?(?P<mon>"
    + _MONTH_ALT
    + r")\.?,?\s*(?:de\s+)?(?P<y>(?:19|20)\d\d)(?!\d)"
    + _TIME,
    re.I,
)
_NAMED_MDY_RE = re.compile(
    r"\b(?P<mon>" + _MONTH_ALT + r")\.?\s+(?P<d>0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?\s+"
    r"(?P<y>(?:19|20)\d\d)(?!\d)" + _TIME,
    re.I,
)
_COMPACT_RE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"
)
#: Each pattern with a quick test of a part it cannot match without: a separator, "年", the day
#: then the year of "May 5, 2024", a letter ending the month then the year of "5 May 2024".
#: The tests skip the slow month-name patterns on most text.
_TEXT_PATTERNS = (
    (_ISO_RE, re.compile(r"[-/.]")),
    (_CJK_RE, re.compile("年")),
    (_NAMED_MDY_RE, re.compile(r"\d(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d", re.I)),
    (_NAMED_DMY_RE, re.compile(r"[^\W\d_]\.?,?\s*(?:de\s+)?(?:19|20)\d\d", re.I)),
    (_DMY_RE, re.compile(r"[./]")),
    (_MDY_RE, re.compile("/")),
)

_DIGIT_RE = re.compile(r"\d")
#: Every text pattern holds a four-digit year: text without one is skipped before they run.
_YEAR_RE = re.compile(r"(?:19|20)\d\d")
_RANGE_AFTER_RE = re.compile(r"\s*(?:[-–—~至到]|bis\b|to\b)\s*\d")
#: "12.10. - 15.10.2023", "vom 24. April bis 2. Oktober 2017": the end of a range.
_RANGE_BEFORE_RE = re.compile(r"(?:\d\.?\s*[-–—~至到]|\S\s+(?:bis|to|au|al))\s*$")
_URL_DATE_RE = re.compile(
    # "/2024/01/05/", "/20240105/", and gov.cn-style "/t20240105_123.html"
    r"/[a-z]?(?P<y>(?:19|20)\d\d)[/_-]?(?P<m>0[1-9]|1[0-2])[/_-]?(?P<d>0[1-9]|[12]\d|3[01])"
    # digits may run on only after a compact "20240105" (a time stamp), never after "/2024/01/05"
    r"(?:[/_.-]|(?<=\d{8})\d{2,}|$)"
)
_URL_DMY_RE = re.compile(
    r"[/_-](?P<d>0[1-9]|[12]\d|3[01])[_-](?P<m>0[1-9]|1[0-2])[_-](?P<y>(?:19|20)\d\d)(?:[/_.-]|$)"
)
_URL_SEP_DATE_RE = re.compile(
    r"[/_-](?P<y>(?:19|20)\d\d)[/_-](?P<m>0?[1-9]|1[0-2])[/_-](?P<d>0?[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
)

#: Visible labels that introduce the publication or the update date.
_PUBLISHED_LABEL_RE = re.compile(
    r"(发布时间|發布時間|发布日期|發佈日期|发表时间|發表時間|发表日期|发文日期|成文日期|时间|時間|日期|"
    r"发表于|發表於|发布于|發佈於|"
    r"\bpublished|\bposted|\bpublié|\bpublicado|\bpubblicato|veröffentlicht|\berschienen|"
    r"\bcreated|\bdate\b|\bdatum|geschrieben|verfasst|\bwritten)",
    re.I,
)
#: Substrings one of which every publication label holds, looked for in the lower-cased text
#: (with the two letters IGNORECASE also folds to ASCII, "ſ" and "ı", folded): most text nodes
#: have none, and the case-blind pattern scans slowly.
_PUBLISHED_HINTS = (
    "时间",
    "時間",
    "日期",
    "发表于",
    "發表於",
    "发布于",
    "發佈於",
    "publ",
    "pubbl",
    "posted",
    "ffentl",
    "erschienen",
    "created",
    "date",
    "datum",
    "geschrieben",
    "verfasst",
    "written",
)
_UPDATED_LABEL_RE = re.compile(
    r"(更新时间|更新時間|修改时间|\bupdated|\blast modified|\bmodified|aktualisiert|\bstand\b|"
    r"mis à jour|actualizado|aggiornato)",
    re.I,
)
#: "As of" / "until": the date that follows bounds a count or a list, it does not date the page.
_AS_OF_RE = re.compile(r"(截止|截至|\bas of|\buntil)\s*[:：]?\s*$", re.I)

_PUBLISHED_KEYS = frozenset(
    [
        "article:published_time",
        "og:published_time",
        "og:article:published_time",
        "published_time",
        "article.published",
        "article:published",
        "publishdate",
        "publish-date",
        "publish_date",
        "pubdate",
        "pubtime",
        "publishtime",
        "publication_date",
        "publication-date",
        "datepublished",
        "dc.date.issued",
        "dc.date.created",
        "dcterms.created",
        "dcterms.issued",
        "sailthru.date",
        "parsely-pub-date",
        "originalpublicationdate",
        "original-publish-date",
        "article_date_original",
        "firstpublishedtime",
        "cxenseparse:recs:publishtime",
        "createdate",
        "creation_date",
        "displaydate",
        "release_date",
        "date_published",
        "datecreated",
        "bt:pubdate",
    ]
)
#: Generic keys that many CMSs fill with the page's generation time: trusted after visible dates.
_WEAK_PUBLISHED_KEYS = frozenset(["date", "dc.date", "dcterms.date", "created"])
_UPDATED_KEYS = frozenset(
    [
        "article:modified_time",
        "og:updated_time",
        "og:article:modified_time",
        "modified_time",
        "datemodified",
        "dcterms.modified",
        "dc.date.modified",
        "lastmodifiedtime",
        "last-modified",
        "lastmod",
        "updated",
        "article.updated",
        "date_modified",
        "revised",
    ]
)
_IMAGE_KEYS = frozenset(["og:image", "twitter:image", "twitter:image:src", "image"])
_DESCRIPTION_KEYS = frozenset(["description", "og:description"])
_ARTICLE_TYPES_RE = re.compile(r"Article|Posting|Report|NewsArticle|Blog|WebPage|Video|Event", re.I)
MAX_DATE_LINE = 120
_HEADLINE_KEY = 12
#: Dates read after the headline before the search for a labelled publication date stops.
_LABEL_WINDOW = 10
#: Characters of the preceding text nodes kept as the context a date label is looked for in.
_CONTEXT = 40
#: Substrings of the keys below: a cheap test before the regex runs over a script.
#: Selecting the attribute, then its element, runs about twice as fast in libxml2 as an element
#: step with an attribute predicate.
_DATE_PUBLISHED_PROP = etree.XPath("//@itemprop[. = 'datePublished']/..")
_SCRIPT_HINTS = ("ublish", "reated", "ubDate")
_SCRIPT_DATE_RE = re.compile(
    r'"(?:datePublished|publishedAt|published_at|publishDate|publish_date|publishedDate|'
    r'createdAt|created_at|pubDate|firstPublished\w*|dateCreated)"\s*:\s*"([^"]{8,40})"'
)
#: Web archive URLs wrap the original URL behind a capture timestamp.
_ARCHIVE_PREFIX_RE = re.compile(r"^https?://[^/]+/web/\d{8,14}[a-z_]*/")
_MIN_YEAR = 1990
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "textarea", "select", "option"})


def _valid(y: int, m: int, d: int, now: date) -> date | None:
    try:
        value = date(y, m, d)
    except ValueError:
        return None
    if value.year < _MIN_YEAR or value > now:
        return None
    return value


def _has_published_label(text: str) -> bool:
    lowered = text.lower().replace("ſ", "s").replace("ı", "i")
    return (
        any(hint in lowered for hint in _PUBLISHED_HINTS)
        and _PUBLISHED_LABEL_RE.search(text) is not None
    )


def _today() -> date:
    # one day of slack: a page in a time zone ahead of UTC may be dated "tomorrow"
    return (datetime.now(UTC) + timedelta(days=1)).date()


def _month(match: re.Match[str]) -> int:
    if "mon" in match.groupdict() and match.group("mon"):
        return month_number(match.group("mon"))
    return int(match.group("m"))


def month_number(name: str) -> int:
    """The number of a month name the date patterns matched (case-blind)."""
    number = MONTH_NUMBERS.get(name.lower())
    if number is None:
        # IGNORECASE also matches letters whose lower() is another letter: "ſept" (long s),
        # "İ", "ı", old Cyrillic forms. Rare: ask the regex engine which name it matched.
        number = next(n for k, n in MONTH_NUMBERS.items() if re.fullmatch(re.escape(k), name, re.I))
    return number


def _format(match: re.Match[str], day: date) -> str:
    groups = match.groupdict()
    if not groups.get("H"):
        return day.isoformat()
    hour, minute = int(groups["H"]), int(groups["M"])
    ampm = (groups.get("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23:
        return day.isoformat()
    stamp = f"{day.isoformat()}T{hour:02d}:{minute:02d}:{int(groups.get('S') or 0):02d}"
    tz = groups.get("tz")
    if tz:
        if tz in ("Z", "UTC", "GMT"):
            return stamp + "+00:00"
        digits = tz[1:].replace(":", "")
        return f"{stamp}{tz[0]}{digits[:2]}:{digits[2:]}"
    return stamp


def iter_dates(text: str, now: date | None = None) -> Iterator[tuple[int, str]]:
    """Every plausible date in ``text`` as (position, ISO string), in text order."""
    if not _YEAR_RE.search(text):
        return
    now = now or _today()
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, needed in _TEXT_PATTERNS:
        if not needed.search(text):
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            day = _valid(int(match.group("y")), _month(match), int(match.group("d")), now)
            if day:
                taken.append((start, end))
                # the ends of a range ("12/01/2004 - 01/01/2005") date an archive, not a page
                if not (
                    _RANGE_AFTER_RE.match(text, end)
                    or _RANGE_BEFORE_RE.search(text, max(0, start - 8), start)
                ):
                    found.append((start, _format(match, day)))
    yield from sorted(found)


def parse_date_text(text: str, now: date | None = None) -> str | None:
    """The first plausible date in ``text`` as ISO 8601 (``YYYY-MM-DD`` when only the day is
    known)."""
    for _, value in iter_dates(text.strip()[:200], now):
        return value
    match = _COMPACT_RE.search(text)
    if match:
        day = _valid(
            int(match.group("y")), int(match.group("m")), int(match.group("d")), now or _today()
        )
        return day.isoformat() if day else None
    return None


def url_date(url: str, now: date | None = None) -> str | None:
    """A full date in the URL path (``/2024/01/05/``, ``/20240105/``, ``-2024-1-5-``)."""
    path = url.split("?", 1)[0]
    for pattern in (_URL_DATE_RE, _URL_SEP_DATE_RE, _URL_DMY_RE):
        match = pattern.search(path)
        if match:
            day = _valid(
                int(match.group("y")), int(match.group("m")), int(match.group("d")), now or _today()
            )
            if day:
                return day.isoformat()
    return None


def _walk_jsonld(node: object) -> Iterator[dict]:
    if isinstance(node, list):
        for item in node:
            yield from _walk_jsonld(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in node:
                yield from _walk_jsonld(node[key])


def script_texts(root: etree._Element) -> list[str]:
    """Inline script texts, kept before pruning for the last-resort date search."""
    texts = (s.text for s in root.iter("script"))  # each .text decodes the script anew
    return [text for text in texts if text and any(hint in text for hint in _SCRIPT_HINTS)]


def jsonld_objects(root: etree._Element) -> list[dict]:
    """Every JSON-LD object of the page (graphs flattened); broken blocks are skipped."""
    objects: list[dict] = []
    for script in root.iterfind(".//script[@type='application/ld+json']"):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            try:
                data = json.loads(raw.replace("\n", " ").replace("\t", " "))
            except ValueError:
                continue
        objects.extend(_walk_jsonld(data))
    return objects


def _jsonld_type(obj: dict) -> str:
    kind = obj.get("@type")
    return " ".join(kind) if isinstance(kind, list) else str(kind or "")


@dataclass
class PageDates:
    published: str | None = None
    updated: str | None = None
    #: The published date as the page wrote it.
    raw: str | None = None


_Found = tuple[str, str]  # (ISO value, raw text)


def _memoized(method: Callable) -> Callable:
    """A DateFinder method computed once per arguments: the page does not change while its
    dates are found, and the cross-checks ask for the same candidates several times."""

    def wrapper(self: DateFinder, *args: object, **kwargs: object) -> object:
        key = (method, args, tuple(kwargs.items()))
        if key not in self.memo:
            self.memo[key] = method(self, *args, **kwargs)
        return self.memo[key]

    return wrapper


class DateFinder:
    """The publication and update dates of one page, from its candidates in order of trust."""

    def __init__(
        self,
        root: etree._Element,
        url: str,
        jsonld: list[dict],
        scripts: list[str] | None = None,
        headline: str | None = None,
        dated: list[etree._Element] | None = None,
        now: date | None = None,
    ) -> None:
        self.memo: dict[tuple, object] = {}
        self.dated = dated or []
        self.now = now or _today()
        self.headline = headline
        self.scripts = scripts or []
        self.root = root
        self.url = _ARCHIVE_PREFIX_RE.sub("", url or "")
        self.jsonld = jsonld
        self.meta = [
            (
                (
                    m.get("property")
                    or m.get("name")
                    or m.get("itemprop")
                    or m.get("http-equiv")
                    or ""
                ).lower(),
                m.get("content") or "",
            )
            for m in root.iter("meta")
        ]

    def _parse(self, value: object) -> _Found | None:
        if not isinstance(value, str) or not value.strip():
            return None
        parsed = parse_date_text(value, self.now)
        return (parsed, value.strip()) if parsed else None

    @_memoized
    def _jsonld(self, key: str) -> _Found | None:
        # an article-like object names the page's own date; others (a HowTo, a Product) may do
        ranked = sorted(self.jsonld, key=lambda o: not _ARTICLE_TYPES_RE.search(_jsonld_type(o)))
        for obj in ranked:
            found = self._parse(obj.get(key))
            if found:
                return found
        return None

    @_memoized
    def _scripts(self) -> _Found | None:
        """A publication date in a script's JSON state (pages rendered by JavaScript)."""
        for text in self.scripts:
            for match in _SCRIPT_DATE_RE.finditer(text):
                found = self._parse(match.group(1))
                if found:
                    return found
        return None

    @_memoized
    def _meta(self, keys: frozenset[str]) -> _Found | None:
        for key, content in self.meta:
            if key in keys:
                found = self._parse(content)
                if found:
                    return found
        return None

    @_memoized
    def _markup(self) -> _Found | None:
        for el in _DATE_PUBLISHED_PROP(self.root):
            found = self._parse(el.get("content") or el.get("datetime") or _text(el))
            if found:
                return found
        times = list(self.root.iter("time"))
        # a <time> flagged as the publication date, else the first one that parses
        times.sort(
            key=lambda t: (
                not (t.get("pubdate") is not None or "publish" in (t.get("class") or "").lower())
            )
        )
        for el in times:
            found = self._parse(el.get("datetime") or _text(el))
            if found:
                return found
        return None

    @_memoized
    def _classed(self) -> _Found | None:
        """The first short element whose class or id says it holds the date."""
        for el in self.dated:
            text = _text(el)
            if len(text) < MAX_DATE_LINE and not _UPDATED_LABEL_RE.search(text):
                found = self._parse(text)
                if found:
                    return found
        return None

    def _text_nodes(self) -> Iterator[str]:
        """Text and tail of each element (both before its children's), blank ones left out:
        most are indentation, and they neither hold nor label a date."""
        body = self.root.find("body")
        for el in (body if body is not None else self.root).iter():
            if isinstance(el.tag, str) and el.tag not in _SKIP_TAGS:
                text = el.text
                if text and not text.isspace():
                    yield text
            tail = el.tail
            if tail and not tail.isspace():
                yield tail

    @_memoized
    def _visible(
        self, labelled_only: bool = False
    ) -> tuple[_Found | None, _Found | None, _Found | None]:
        """(labelled published, labelled updated, first date) in the visible text; the first date
        after the headline when the headline is found, else the first date anywhere.

        ``labelled_only`` looks for the labelled publication date near the headline only, and stops
        a few dates after the headline (a label further down is a comment's or a sidebar's)."""
        published = updated = first = early = None
        previous = ""
        headline_key = _headline_key(self.headline)
        after_headline = not headline_key
        seen_after = 0
        for text in self._text_nodes():
            if (
                not after_headline
                and headline_key[0] in text
                and headline_key in "".join(text.split())
            ):
                after_headline = True
                early, first = first, None
            if not _DIGIT_RE.search(text):
                previous = (previous + " " + text[-_CONTEXT:])[-_CONTEXT:]
                continue
            if labelled_only and not _has_published_label(previous[-20:] + " " + text):
                # no label, no labelled date: a date-looking line only counts towards the window
                seen_after += after_headline
                if seen_after >= _LABEL_WINDOW:
                    break
                previous = (previous + " " + text[-_CONTEXT:])[-_CONTEXT:]
                continue
            for pos, value in iter_dates(text, self.now):
                before = (previous[-20:] + " " + text[:pos])[-30:]
                raw = text.strip()[:80]
                seen_after += after_headline
                if _AS_OF_RE.search(before[-8:]):
                    continue  # "as of <date>" dates a count or a list, not the page
                if _UPDATED_LABEL_RE.search(before):
                    updated = updated or (value, raw)
                elif published is None and _PUBLISHED_LABEL_RE.search(before):
                    published = (value, raw)
                first = first or (value, raw)
            if labelled_only and (published or seen_after >= _LABEL_WINDOW):
                break
            if published and updated and after_headline and first:
                break
            previous = (previous + " " + text[-_CONTEXT:])[-_CONTEXT:]
        return published, updated, first or early

    def _local_instant(self, found: _Found) -> _Found | None:
        """The same instant as the UTC stamp ``found`` in another machine-readable date written
        in local time, when that puts it on another day: pages date themselves in local time."""
        stamp = found[0]
        if not stamp.endswith("+00:00") or len(stamp) < 19:
            return None
        utc = datetime.fromisoformat(stamp)
        for other in (
            self._meta(_PUBLISHED_KEYS),
            self._markup(),
            self._meta(_WEAK_PUBLISHED_KEYS),
            self._scripts(),
        ):
            if other and _same_instant(utc, other[0]):
                return other
        return None

    def _asset_date(self) -> _Found | None:
        """Last resort: a full date in the path of the page's share image (uploads are filed by
        day) or in its description ("News of 14 January 2020")."""
        for key, content in self.meta:
            if key in _IMAGE_KEYS:
                found = url_date(content.split("://", 1)[-1], self.now)
                if found:
                    return found, content
        for key, content in self.meta:
            if key in _DESCRIPTION_KEYS:
                for _, value in iter_dates(content[:300], self.now):
                    return value, content
        return None

    def _shown_update(self, updated_day: str, from_jsonld: bool) -> _Found | None:
        """The date the page shows under its headline when it is the machine-readable update
        date: a republished page dates itself by the update, and so do its readers."""
        shown = self._classed()
        if shown and shown[0][:10] == updated_day:
            return shown
        if not from_jsonld:
            # the first date of the text is a weaker witness than a <meta>/<time> date
            return None
        first = self._visible()[2]
        return first if first and first[0][:10] == updated_day else None

    def find(self) -> PageDates:
        from_jsonld = self._jsonld("datePublished")
        published = from_jsonld or self._meta(_PUBLISHED_KEYS) or self._markup()
        if published:
            published = self._local_instant(published) or published
        if from_jsonld and published is from_jsonld:
            # a generic "date" meta with a time, set by the CMS to the date it shows, wins
            # over a JSON-LD date that disagrees (often the first draft's)
            weak = self._meta(_WEAK_PUBLISHED_KEYS)
            if weak and len(weak[0]) > 10 and weak[0][:10] != published[0][:10]:
                published = weak
            meta, markup = self._meta(_PUBLISHED_KEYS), self._markup()
            if meta and markup and meta[0][:10] == markup[0][:10] != published[0][:10]:
                published = meta  # outvoted by the <meta> and the <time> of the page
        # the visible text is scanned only when the page has no JSON-LD date: a labelled
        # publication date shown to readers beats a <meta>/<time> date that disagrees
        if from_jsonld:
            visible: tuple[_Found | None, _Found | None, _Found | None] = (None, None, None)
        elif published:
            labelled = self._visible(labelled_only=True)[0]
            published, visible = labelled or published, (None, None, None)
        else:
            visible = self._visible()
        machine_updated = self._jsonld("dateModified") or self._meta(_UPDATED_KEYS)
        if published and machine_updated and machine_updated[0][:10] != published[0][:10]:
            published = self._shown_update(machine_updated[0][:10], bool(from_jsonld)) or published
        from_url = url_date(self.url, self.now)
        if not (published or visible[0] or from_url):
            # a page that states no publication date but "Stand: 12.11.2021" / "Updated: ..."
            # vouches for that date only: it beats a stray date line or a generic meta
            published = visible[1]
        published = (
            published
            or self._classed()
            or visible[0]
            or self._scripts()
            or self._meta(_WEAK_PUBLISHED_KEYS)
        )
        if from_url and (published is None or published[0][:10] != from_url):
            # a date in the URL path is set once, when the article is filed: it wins the day
            published = (from_url, published[1] if published else from_url)
        published = published or visible[2] or self._asset_date()
        updated = machine_updated or visible[1]
        return PageDates(
            published=published[0] if published else None,
            updated=updated[0] if updated else None,
            raw=published[1] if published else None,
        )


def _same_instant(utc: datetime, value: str) -> bool:
    """Whether ``value`` (local time, with or without its offset, or a day only) can be the UTC
    instant ``utc`` on the day before or after it."""
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        return False
    delta = (local.date() - utc.date()).days
    if abs(delta) != 1:
        return False
    if len(value) <= 10:
        # a day only: plausible offsets are at most +3h east (Europe) and -8h west (Americas)
        return utc.hour >= 21 if delta == 1 else utc.hour < 8
    if local.tzinfo is not None:
        return abs((local - utc).total_seconds()) <= 120
    hours = (local - utc.replace(tzinfo=None)).total_seconds() / 3600
    return -12 <= hours <= 14 and abs(hours * 4 - round(hours * 4)) < 0.02


def _headline_key(text: str | None) -> str:
    """Enough of a headline to recognise the text node that shows it."""
    return "".join((text or "").split())[:_HEADLINE_KEY]


def _text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())
