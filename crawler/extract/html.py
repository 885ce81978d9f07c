"""Decode page bytes and parse them once into an lxml tree that every later stage shares."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable

from lxml import etree

from crawler.encoding import XML_DECLARATION_RE, Utf8Text, body_charsets, decode_html

_MOJIBAKE_RE = re.compile(r"[\u00c0-\u00ff][\u0080-\u00ff\u0152-\u0192\u02c6-\u02dc\u2013-\u2122]")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_MOJIBAKE_SAMPLE = 5000
_MOJIBAKE_MIN = 20
#: collect_ids=False: no stage looks elements up by id, and libxml2's id table costs ~4 % of the
#: parse.
_PARSER = etree.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, collect_ids=False
)
_UTF8_PARSER = etree.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, encoding="utf-8", collect_ids=False
)


def _fallback(codec: str) -> Callable[[UnicodeError], tuple[bytes, int]]:
    """A codecs error handler: what the encoding at hand lacks, encoded with ``codec``."""

    def handler(error: UnicodeError) -> tuple[bytes, int]:
        if not isinstance(error, UnicodeEncodeError):
            raise error
        return error.object[error.start : error.end].encode(codec), error.end

    return handler


#: The 8-bit charsets a page may have been wrongly decoded with before it was saved as UTF-8:
#: Latin-1 for most characters, and for the few it lacks (Œ, Ÿ, €...) Windows-1252 or, from
#: older Unix tools, ISO 8859-15, which put those letters on other bytes.
_WRONG_CHARSETS = ("govnews-cp1252", "govnews-latin9")
codecs.register_error("govnews-cp1252", _fallback("cp1252"))
codecs.register_error("govnews-latin9", _fallback("iso8859_15"))
#: The everyday subset of a charset the repair decodes with: of two readings, the one with
#: fewer characters outside it is the page (a wrong byte turns common characters rare).
_EVERYDAY = {"gb18030": "gb2312", "big5hkscs": "big5"}


def _repair_mojibake(text: str, rounds: int = 2) -> str:
    """Undo a page saved as UTF-8 after being decoded with the wrong 8-bit charset (sometimes
    twice): pairs of Latin-1 letters and no CJK, whose bytes re-encoded read as GBK/Big5/UTF-8."""
    sample = text[:_MOJIBAKE_SAMPLE]
    if (
        rounds == 0
        or sample.isascii()
        or len(_MOJIBAKE_RE.findall(sample)) < _MOJIBAKE_MIN
        or _CJK_RE.search(sample)
    ):
        return text
    readings: list[bytes] = []  # the distinct ones, Windows-1252's first
    for wrong in _WRONG_CHARSETS:
        try:
            reading = text.encode("latin-1", wrong)
        except UnicodeEncodeError:
            continue
        if reading not in readings:
            readings.append(reading)
    if not readings:
        return text
    utf8 = []
    for raw in readings:
        try:
            utf8.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            continue
    if utf8:
        # Chinese read back from the wrong reading is full of rare characters; other text
        # ties, and the Windows-1252 reading (the first) is the likelier one.
        return _repair_mojibake(min(utf8, key=lambda text: _rare(text, "gb18030")), rounds - 1)
    for charset in dict.fromkeys((*body_charsets(readings[0])[:1], "gb18030", "big5hkscs")):
        if not charset:
            continue
        repaired = [
            decoded
            for raw in readings
            if _CJK_RE.search((decoded := raw.decode(charset, "replace"))[:_MOJIBAKE_SAMPLE])
            and decoded.count("\ufffd") < len(decoded) // 100
        ]
        if repaired:
            return min(repaired, key=lambda decoded: _rare(decoded, charset))
    return text


def _rare(text: str, charset: str) -> int:
    """How many characters of ``text`` lie outside the everyday subset of ``charset``."""
    everyday = _EVERYDAY.get(charset)
    if everyday is None:
        return 0
    return len(text) - len(text.encode(everyday, "ignore").decode(everyday))


def _decode(data: str | bytes) -> tuple[str, bytes | None]:
    """(text, the same text in plain UTF-8 bytes when they are at hand)."""
    if isinstance(data, Utf8Text):  # decode_html's plain UTF-8 keeps its bytes
        return data, data.utf8
    if isinstance(data, str):
        return data, None
    if not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            repaired = _repair_mojibake(text)
            return repaired, data if repaired is text else None
    return decode_html(data), None


def page_text(data: str | bytes) -> str:
    """Text of a page: a BOM wins, then strict UTF-8 (repairing double-encoded mojibake), then
    :func:`crawler.encoding.decode_html`'s declared-charset rules."""
    return _decode(data)[0]


def parse_html(data: str | bytes) -> etree._Element | None:
    """The page as one lxml tree (comments and processing instructions dropped), or None."""
    text, utf8 = _decode(data)
    if not text.strip():
        return None
    try:
        if utf8 is not None:
            # libxml2 parses UTF-8 bytes faster than a Python str
            return etree.fromstring(utf8, _UTF8_PARSER)
        return etree.fromstring(XML_DECLARATION_RE.sub("", text, count=1), _PARSER)
    except (etree.ParserError, ValueError):
        return None
