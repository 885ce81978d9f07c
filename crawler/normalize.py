"""Pure normalisers for text, dates, URLs, image alt/caption/credit and language.

No Scrapy here: parsers and pipelines both call these, and each is unit-tested on its own.
Cheap rules come first everywhere; the slow libraries (``dateparser``, ``langdetect``) are only
reached when the cheap rules cannot decide, and their results are cached.
"""

from __future__ import annotations

import hashlib
import re
import string
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from itertools import filterfalse
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"

# --------------------------------------------------------------------------------------------
# Text

# Zero-width space/non-joiner/joiner, BOM, word joiner, soft hyphen: invisible, but they break
# full-text search and equality checks.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060\u00ad"))
# Control characters and lone surrogates are never text: SQLite's UTF-8 and lxml refuse them.
_INVISIBLE.update(dict.fromkeys(c for c in range(0x20) if chr(c) not in "\t\n\r\x0b\x0c"))
_INVISIBLE.update(dict.fromkeys(range(0x7F, 0xA0)))
_INVISIBLE.update(dict.fromkeys(range(0xD800, 0xE000)))
_NON_SPACE_RE = re.compile(r"\S")
#: Two line breaks, maybe with whitespace between: a paragraph break.
PARAGRAPH_BREAK_RE = re.compile(r"\n\s*\n")


def normalize_text(s: str | None) -> str | None:
    """NFC, invisible characters dropped, any whitespace run -> one space, stripped; "" -> None.

    NFC and not NFKC: NFKC would turn full-width CJK punctuation (，：（）) into ASCII.
    """
    if s is None:
        return None
    if type(s) is not str:
        if not isinstance(s, str):
            raise TypeError(f"normalize_text takes text, not {type(s).__name__}")
        # A subclass (lxml's strings keep their whole tree alive, Utf8Text its bytes) would be
        # returned as it is below.
        s = str(s)
    # Every invisible character is unprintable, and isprintable() is a fast C scan, while
    # translate() looks each character up in a dict.
    printable = s.isprintable()
    if not printable:
        # Before NFC: an invisible character between a letter and its accent keeps them apart.
        s = s.translate(_INVISIBLE)
    s = unicodedata.normalize("NFC", s)
    if printable and _single_spaced(s):
        # Printable, so its only whitespace is plain spaces: single and inside, it is already
        # normal (text normalised before, by the parser, a clean paragraph). Scans cost a
        # fraction of splitting into words.
        return s or None
    # str.split() cuts on every Unicode whitespace character (NBSP, U+3000 included), the same
    # set as ``\s`` in a str regex, and drops the ends: in C, a third of a regex substitution.
    return " ".join(s.split()) or None


def has_text(s: str | None) -> bool:
    """Whether :func:`normalize_text` would return text, usually without reading past one word."""
    if not s:
        return False
    first = _NON_SPACE_RE.search(s)
    if first is None:
        return False
    return ord(first.group()) not in _INVISIBLE or normalize_text(s) is not None


def normalize_body(body: str) -> str:
    """Paragraphs (split on blank lines) normalised, empties dropped, joined by one blank line."""
    if not body:
        return ""
    if _is_normal_body(body):
        return body
    paragraphs = (normalize_text(p) for p in PARAGRAPH_BREAK_RE.split(body))
    return "\n\n".join(p for p in paragraphs if p)


def _is_normal_body(body: str) -> bool:
    """Whether :func:`normalize_body` would return a non-empty ``body`` as it is.

    Parsers build bodies from normalised paragraphs, and the normalise pipeline normalises them
    again: checking costs a fraction of doing so. True exactly when the paragraphs between
    single blank lines are each what normalize_text makes of them: not empty, no line break,
    every character printable (so no whitespace but single spaces inside, and nothing
    invisible), and the whole NFC.
    """
    for paragraph in body.split("\n\n"):
        if not paragraph or not _single_spaced(paragraph) or not paragraph.isprintable():
            return False
    return unicodedata.is_normalized("NFC", body)


def _single_spaced(s: str) -> bool:
    """No space at either end of ``s``, and none doubled."""
    return s[:1] != " " and s[-1:] != " " and "  " not in s


# --------------------------------------------------------------------------------------------
# Dates

_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_MONTH = r"(?P<mon>[A-Za-z]{3,9})\.?"
_TIME = (
    r"(?:[T\s]+|,\s*|-(?=\d{1,2}:))"
    r"(?P<H>\d{1,2})[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2})(?:\.\d+)?)?"
)
_OFFSET = r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2}(?::?\d{2})?)?"
# Each rule is tried with ``search`` so that labels ("Updated:", "发布时间：") and trailing text
# around the date do not matter.
_DATE_RULES = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # 2022-12-21, 2022/12/21, 2022.12.21, ISO with T/Z/offset, gov.cn 2022-12-21-15:42:07
        rf"(?<!\d)(?P<y>\d{{4}})(?P<sep>[-/.])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})(?!\d)"
        rf"(?:{_TIME}{_OFFSET})?",
        # 2022年12月21日 15:42
        rf"(?P<y>\d{{4}})\s*年\s*(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*日(?:{_TIME})?",
        # Dec 21, 2022 / December 8, 2025 14:38 / Dec. 8, 2025
        rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})(?!\d)(?:{_TIME})?",
        # 8 December 2025 [14:38]
        rf"(?<!\d)(?P<d>\d{{1,2}})\s+{_MONTH},?\s+(?P<y>\d{{4}})(?!\d)(?:{_TIME})?",
    )
)
_LABEL_RE = re.compile(
    r"^\s*(?:发布时间|发布日期|更新时间|时间|日期|Updated|Published|Posted|Date|Release date)"
    r"\s*(?:on)?\s*[:：]?\s*",
    re.IGNORECASE,
)
# Thai government pages (and one CD page in the wild) carry Buddhist-era years: 2565 = 2022.
_BUDDHIST_ERA_MIN, _BUDDHIST_ERA_OFFSET = 2500, 543


@lru_cache(maxsize=32)
def _zone(tz: str) -> tzinfo:
    return ZoneInfo(tz)


def _format(value: datetime, tz: str) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone(tz))
    return value.astimezone(_zone(tz)).isoformat(timespec="seconds")


def _offset(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    # Seconds occur in local-mean-time offsets (Asia/Shanghai before 1901: +08:05:43).
    hours, minutes, seconds = int(digits[:2]), int(digits[2:4] or 0), int(digits[4:6] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes, seconds=seconds))


def _from_match(match: re.Match[str], tz: str) -> str | None:
    parts = match.groupdict()
    month = int(parts["m"]) if parts.get("m") else _MONTHS.get((parts.get("mon") or "").lower())
    if month is None:
        return None
    year = int(parts["y"])
    if year >= _BUDDHIST_ERA_MIN:
        year -= _BUDDHIST_ERA_OFFSET
    try:
        if parts.get("H") is None:
            return date(year, month, int(parts["d"])).isoformat()
        value = datetime(
            year,
            month,
            int(parts["d"]),
            int(parts["H"]),
            int(parts["M"]),
            int(parts.get("S") or 0),
            tzinfo=_offset(parts.get("tz")),
        )
    except ValueError:
        return None
    return _format(value, tz)


@lru_cache(maxsize=4096)
def _parse_date_text(text: str, tz: str) -> str | None:
    for rule in _DATE_RULES:
        match = rule.search(text)
        if match:
            return _from_match(match, tz)
    return _dateparser_fallback(_LABEL_RE.sub("", text), tz)


def _dateparser_fallback(text: str, tz: str) -> str | None:
    if not re.search(r"\d{4}", text):
        # No year: dateparser would fill it from the clock, i.e. guess.
        return None
    import dateparser  # slow to import and to run: only reached when every cheap rule failed

    parsed = dateparser.parse(
        text,
        settings={
            "TIMEZONE": tz,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "REQUIRE_PARTS": ["day", "month", "year"],
            # Never relative ("2 hours ago"): that would be the crawl time, not the page's date.
            "PARSERS": ["custom-formats", "absolute-time"],
        },
    )
    if parsed is None:
        return None
    if parsed.year >= _BUDDHIST_ERA_MIN:
        parsed = parsed.replace(year=parsed.year - _BUDDHIST_ERA_OFFSET)
    if ":" not in text and parsed.time() == datetime.min.time():
        return parsed.date().isoformat()
    return _format(parsed, tz)


def normalize_date(value: str | datetime | date | None, tz: str = DEFAULT_TZ) -> str | None:
    """A date as ISO 8601 with offset, or ``YYYY-MM-DD`` when only the day is known; else None.

    Naive times are read in ``tz``; aware ones are converted to ``tz``. Idempotent.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return _format(value, tz)
    if isinstance(value, date):
        return value.isoformat()
    text = normalize_text(value)
    if not text:
        return None
    return _normalized_again(text, tz) or _parse_date_text(text, tz)


#: What normalize_date returns: a day, or a moment to the second with its UTC offset.
_NORMALIZED_DATE_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2})?"
)


def _normalized_again(text: str, tz: str) -> str | None:
    """What the rules make of a date in normalize_date's own shape; None for any other text
    (or one they would read otherwise: a Buddhist-era year, a day that does not exist).

    Every pipeline after the parser reads dates normalised already, and each article's time is
    its own, so the rules' cache never hits: with ``fromisoformat`` normalize_date takes about a
    third of their time (3.6 µs against 9.5 for a moment, 1.6 for a day).
    """
    if not _NORMALIZED_DATE_RE.fullmatch(text) or int(text[:4]) >= _BUDDHIST_ERA_MIN:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return _format(datetime.fromisoformat(text), tz)
    except ValueError:
        return None


_WS_ID_RE = re.compile(r"(?<![0-9A-Za-z])WS([0-9a-fA-F]{24})(?![0-9a-fA-F])")


def ws_id_datetime(url_or_id: str) -> datetime | None:
    """Publication time encoded in a China Daily CMS id (``WS`` + 24 hex, ObjectId layout).

    The first 8 hex digits are a Unix time; in Beijing time they match the page's "Updated" minute.
    """
    match = _WS_ID_RE.search(url_or_id or "")
    if not match:
        return None
    return datetime.fromtimestamp(int(match.group(1)[:8], 16), _zone("Asia/Shanghai"))


# --------------------------------------------------------------------------------------------
# Images: alt, caption, credit

_IMAGE_EXT_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|bmp)$", re.IGNORECASE)
# What is left of an upload name once the extension is gone: one ASCII token ("IMG_1234", "1",
# a CMS hex id). Prose has spaces or non-ASCII letters.
_FILE_STEM_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")


def clean_alt(alt: str | None) -> str | None:
    """Alt text without the uploaded file's extension; None when it is only a file name."""
    alt = normalize_text(alt)
    if alt is None or "." not in alt:  # no extension to drop (most alt texts: prose)
        return alt
    stem = _IMAGE_EXT_RE.sub("", alt)
    if stem != alt and _FILE_STEM_RE.match(stem):
        return None
    return normalize_text(stem)


_PHOTO_LABEL = (
    r"(?:Photos?|Images?|Pictures?|Graphics?|Video|Credit|Source|"
    r"图片来源|图片|来源|供图|摄影|图)"
)
# "[Photo/Xinhua]", "[Photo by Su Zhigang/For chinadaily.com.cn]", "(Photo: Xinhua)",
# "（图片来源：新华社）" at the end of a caption.
_BRACKET_CREDIT_RE = re.compile(
    rf"\s*[\[［(（【]\s*{_PHOTO_LABEL}\s*(?:/|:|：|\s+by\b|\s)\s*"
    r"(?P<credit>[^\[\]［］()（）【】]+?)\s*[\]］)）】]\s*$",
    re.IGNORECASE,
)
# "... Photo: Xinhua" without brackets.
_LABEL_CREDIT_RE = re.compile(
    rf"(?:^|(?<=\s)|(?<=[。.!?！？]))\s*{_PHOTO_LABEL}\s*(?:[:：]|\s+by\b)\s*(?P<credit>[^:：]+?)\s*$",
    re.IGNORECASE,
)
# "... LIU CHAOFU/FOR CHINA DAILY" or "WANG JING/CHINA DAILY": upper case, a slash, no brackets.
_CAPS_CREDIT_RE = re.compile(
    r"(?:^|(?<=\s))(?P<credit>[A-Z][A-Z.'\- ]*[A-Z.]\s*/\s*[A-Z][A-Z.'\- ]*[A-Z.])\s*$"
)
# "新华社记者 王鹏 摄", maybe in full-width brackets: the photographer line of Chinese captions.
_SHOT_BY_CREDIT_RE = re.compile(
    r"(?:^|(?<=[\s。.!?！？]))[(（]?\s*(?P<credit>[^\s(（。][^(（。]{0,40}?)\s*摄\s*[)）]?\s*$"
)


def _credit_rules(caption: str) -> Iterator[re.Pattern[str]]:
    """The credit rules that can match a normalised caption, in order.

    Each rule is searched at every position of the caption, and most paragraphs that follow an
    image are no caption at all: a character each rule needs (a closing bracket at the end, a
    colon or "by", a slash, 摄) rules it out with a C scan.
    """
    if caption[-1] in "]］)）】":
        yield _BRACKET_CREDIT_RE
    if ":" in caption or "：" in caption or "by" in caption.lower():
        yield _LABEL_CREDIT_RE
    if "/" in caption:
        yield _CAPS_CREDIT_RE
    if "摄" in caption:
        yield _SHOT_BY_CREDIT_RE


def split_credit(caption: str | None) -> tuple[str | None, str | None]:
    """Split a caption into (caption, credit); the credit is the photographer/agency part.

    "[Photo by Su Zhigang/For chinadaily.com.cn]" gives "Su Zhigang/For chinadaily.com.cn": the
    label ("Photo", "Photo by", "图片来源：") is not part of who took or supplied the picture.
    """
    caption = normalize_text(caption)
    if caption is None:
        return None, None
    for rule in _credit_rules(caption):
        match = rule.search(caption)
        if match:
            return normalize_text(caption[: match.start()]), normalize_text(match["credit"])
    return caption, None


# --------------------------------------------------------------------------------------------
# Language

_LATIN_SCRIPT_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_SCRIPTS = (
    ("zh", re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")),
    ("ja", re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f]")),
    ("en", _LATIN_SCRIPT_RE),
)
_SCRIPT_NAMES = tuple(lang for lang, _ in _SCRIPTS)
# One ideograph, kana or hangul syllable carries about as much as three Latin letters, so a
# mostly Chinese alt with one English name in it still counts as Chinese.
_SCRIPT_WEIGHT = {"zh": 3, "ja": 3, "ko": 2}
# Scripts that name one language outright, so langdetect (slow) is not needed.
_DECISIVE = ("zh", "ja", "ko")
LANGDETECT_MIN_LETTERS = 40
# langdetect's accuracy stops improving long before a whole article; cap its input.
_LANGDETECT_SAMPLE = 2000


#: Every script counted but Latin lies at or above U+0400.
_BEYOND_LATIN_RE = re.compile("[^\x00-\u03ff]")
_ASCII_LETTERS = string.ascii_letters.encode()


def _script_counts(text: str) -> dict[str, int]:
    """Characters of each script in ``text``, keys in :data:`_SCRIPTS` order (ties go first).

    English text (most of it) is not scanned once per script: ASCII text can only have ASCII
    letters, counted as what deleting them takes away; other text below U+0400 only Latin.
    """
    if text.isascii():
        counts = dict.fromkeys(_SCRIPT_NAMES, 0)
        counts["en"] = len(text) - len(text.encode("ascii").translate(None, _ASCII_LETTERS))
        return counts
    if not _BEYOND_LATIN_RE.search(text):
        counts = dict.fromkeys(_SCRIPT_NAMES, 0)
        counts["en"] = len(_LATIN_SCRIPT_RE.findall(text))
        return counts
    return {lang: len(rx.findall(text)) for lang, rx in _SCRIPTS}


def _by_script(counts: dict[str, int]) -> str | None:
    if counts["ja"]:
        # Japanese mixes kanji with kana; Chinese never has kana.
        counts = {**counts, "ja": counts["ja"] + counts["zh"], "zh": 0}
    weighted = {lang: n * _SCRIPT_WEIGHT.get(lang, 1) for lang, n in counts.items() if n}
    return max(weighted, key=weighted.__getitem__) if weighted else None


def script_lang(text: str | None) -> str | None:
    """Language of a short string by its dominant script; Latin counts as English.

    Short strings (alt text, captions) are too short for statistics, so no Latin language other
    than English is guessed.
    """
    return _by_script(_script_counts(text)) if text else None


@lru_cache(maxsize=2048)
def _langdetect(sample: str) -> str | None:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0  # langdetect is random by default: same text, different answers
    try:
        code = detect(sample)
    except LangDetectException:
        return None
    return code.split("-")[0]  # zh-cn / zh-tw -> zh


# English's commonest function words that are not also common words of another Latin-script
# language ("a", "in", "is", "was", "for", "of" are: Spanish, German, Dutch, Norwegian...).
_ENGLISH_MARKERS = frozenset(
    ("the", "and", "that", "with", "this", "from", "which", "were", "are", "have", "been",
     "their", "they", "would", "said")
)  # fmt: skip
_LATIN_WORD_RE = re.compile(r"[a-z]+")
#: ASCII letters lower-cased, anything else a space: ASCII text's words split in C.
_ASCII_LETTERS_LOWERED = {c: chr(c).lower() if chr(c).isalpha() else " " for c in range(128)}
# In English prose the markers are 10-15% of the words; in the corpus's 600+ non-English texts
# (de, es, fr, it, no, pl, tr, vi...) none of 40+ words reached 2%.
_ENGLISH_MARKER_SHARE = 0.06
_ENGLISH_MIN_WORDS = 20


def _latin_words(text: str) -> list[str]:
    """The runs of a-z in the lower-cased text (ASCII text by translate and split)."""
    if text.isascii():  # lower() of other text can make ASCII letters (U+212A KELVIN SIGN -> k)
        return text.translate(_ASCII_LETTERS_LOWERED).split()
    return _LATIN_WORD_RE.findall(text.lower())


def _looks_english(sample: str) -> bool:
    words = _latin_words(sample)
    if len(words) < _ENGLISH_MIN_WORDS:
        return False
    markers = sum(map(_ENGLISH_MARKERS.__contains__, words))  # a C loop, not a generator
    return markers >= _ENGLISH_MARKER_SHARE * len(words)


def detect_lang(text: str | None) -> str | None:
    """ISO 639-1 language of a text: by script when that decides, English by its function words,
    else a seeded langdetect.

    langdetect costs ~20 ms a text, a third of a whole crawl's CPU, and most of what govnews
    crawls is English: English prose is recognised by the share of words like "the", "and",
    "that" (on the corpus's texts the rule answers for 200 of 247 English ones and agrees with
    langdetect on every one). Anything else still goes to langdetect.
    """
    if not text:
        return None
    sample = text[:_LANGDETECT_SAMPLE]
    counts = _script_counts(sample)
    guess = _by_script(counts)
    if guess is None or guess in _DECISIVE or sum(counts.values()) < LANGDETECT_MIN_LETTERS:
        return guess
    if guess == "en" and _looks_english(sample):
        return "en"
    return _langdetect(sample) or guess


# --------------------------------------------------------------------------------------------
# URLs and fingerprints

_TRACKING_PARAMS = frozenset(
    {
        "spm", "from", "share", "share_token", "shareid", "fbclid", "gclid", "msclkid",
        "isappinstalled", "scene", "clicktime", "enterid", "wxshare_count", "timestamp",
    }
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMS


def canonicalize_url(url: str) -> str | None:
    """The URL as a person would write it: lower-case scheme and host, no fragment, no trackers.

    The path keeps its case and the scheme is kept: many government portals answer only on http,
    so forcing https would invent URLs that do not exist. Parameter order is kept (not sorted) so
    the URL stays the one the site links to. None for a URL that cannot be parsed (a malformed
    host such as ``http://[bad/``, a port out of range): one bad link must not cost an article.
    """
    if not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def absolute_url(base: str, href: str | None) -> str | None:
    """``href`` resolved against ``base``; None when it is empty or cannot be parsed."""
    if not href or not href.strip():
        return None
    try:
        url = urljoin(base, href.strip())
        urlsplit(url).port  # noqa: B018 - raises ValueError on a malformed host or port
    except ValueError:
        return None
    return url


_CJK_CHAR_RE = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\U00020000-\U0002ebef]"
)
# A whitespace-separated token holding a letter or digit: a match starts at a token's first
# letter or digit and runs to the token's end, so there is one per such token.
_WORD_TOKEN_RE = re.compile(r"[^\W_]\S*")


def content_hash(headline: str | None, body: str | None) -> str:
    """sha256 (hex) of the normalised headline and body: equal when only whitespace differs."""
    return hash_normalized(normalize_text(headline), normalize_body(body or ""))


def hash_normalized(headline: str | None, body: str | None) -> str:
    """:func:`content_hash` of a headline and body already normalised by :func:`normalize_text`
    and :func:`normalize_body` (the normalise pipeline's case): same hash, not normalised twice.
    """
    text = f"{headline or ''}\n{body or ''}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def word_count(body: str, lang: str | None = None) -> int:
    """Words in a body: whitespace-separated tokens, and each CJK character counts as one.

    For a known non-CJK ``lang`` a run of ideographs (a name in brackets in an English article)
    is one token like any other, not one word per character.
    """
    if not body:
        return 0
    if body.isascii():  # most English bodies: no ideographs, and counted without a token list
        return _ascii_word_count(body)
    cjk = 0
    if lang in (None, "zh", "ja"):
        body, cjk = _CJK_CHAR_RE.subn(" ", body)  # one pass: each match is one character
    # Counted in C, not by a Python loop over the tokens: most are letters and digits only
    # (str.isalnum is the regex's [^\W_] over a whole token); only the others are scanned.
    tokens = body.split()
    others = list(filterfalse(str.isalnum, tokens))
    return cjk + len(tokens) - len(others) + len(_WORD_TOKEN_RE.findall(" ".join(others)))


#: For ASCII text: letters and digits become "a", whitespace (what str.split cuts on, the
#: separators \x1c-\x1f included) a space; everything else is deleted (_ASCII_NOT_WORD).
_ASCII_WORD_TABLE = bytes(
    ord("a") if chr(b).isalnum() else ord(" ") if chr(b).isspace() else b for b in range(128)
) + bytes(range(128, 256))
_ASCII_NOT_WORD = bytes(b for b in range(128) if not chr(b).isalnum() and not chr(b).isspace())


def _ascii_word_count(body: str) -> int:
    """:func:`word_count` of ASCII text: a token with a letter or digit becomes a run of "a"
    between spaces (a token of punctuation only vanishes); the runs are counted where they
    start. Two C passes, no string per token."""
    words = body.encode("ascii").translate(_ASCII_WORD_TABLE, _ASCII_NOT_WORD)
    return words.count(b" a") + words.startswith(b"a")
