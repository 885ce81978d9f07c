"""Decode page bytes and parse them once into an lxml tree that every later stage shares."""

from __future__ import annotations

import codecs
import re

from lxml import etree

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
#: Labels pages declare that are subsets of what browsers actually decode them as.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}
_MOJIBAKE_RE = re.compile(r"[\u00c0-\u00ff][\u0080-\u00ff\u0152-\u0192\u02c6-\u02dc\u2013-\u2122]")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_MOJIBAKE_SAMPLE = 5000
_MOJIBAKE_MIN = 20
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
_UTF8_PARSER = etree.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, encoding="utf-8"
)


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET_RE.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore").lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _cp1252_fallback(error: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return error.object[error.start : error.end].encode("cp1252"), error.end


codecs.register_error("govnews-cp1252", _cp1252_fallback)


def _repair_mojibake(text: str, rounds: int = 2) -> str:
    """Undo a page saved as UTF-8 after being decoded with the wrong 8-bit charset (sometimes
    twice): pairs of Latin-1 letters and no CJK, whose bytes re-encoded read as GBK/Big5/UTF-8."""
    sample = text[:_MOJIBAKE_SAMPLE]
    if rounds == 0 or len(_MOJIBAKE_RE.findall(sample)) < _MOJIBAKE_MIN or _CJK_RE.search(sample):
        return text
    try:
        raw = text.encode("latin-1", "govnews-cp1252")
    except UnicodeEncodeError:
        return text
    try:
        return _repair_mojibake(raw.decode("utf-8"), rounds - 1)
    except UnicodeDecodeError:
        pass
    for charset in dict.fromkeys((_declared_charset(raw), "gb18030", "big5hkscs")):
        if not charset:
            continue
        repaired = raw.decode(charset, "replace")
        if _CJK_RE.search(repaired[:_MOJIBAKE_SAMPLE]) and repaired.count("\ufffd") < len(
            repaired
        ) // 100:
            return repaired
    return text


def _decode(data: str | bytes) -> tuple[str, bool]:
    """(text, whether the bytes are that text in plain UTF-8)."""
    if isinstance(data, str):
        return data, False
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), False
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        repaired = _repair_mojibake(text)
        return repaired, repaired is text
    declared = _declared_charset(data)
    if declared and declared != "utf-8":
        return data.decode(declared, "replace"), False
    for guess in ("gb18030", "cp1252"):
        try:
            return data.decode(guess), False
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace"), False


def decode_html(data: str | bytes) -> str:
    """Text of a page: a BOM wins, then strict UTF-8 (mislabelled pages are common and non-UTF-8
    text almost never validates as UTF-8), then the declared charset, then GB18030/cp1252."""
    return _decode(data)[0]


def parse_html(data: str | bytes) -> etree._Element | None:
    """The page as one lxml tree (comments and processing instructions dropped), or None."""
    text, plain_utf8 = _decode(data)
    if not text.strip():
        return None
    try:
        if plain_utf8:
            # libxml2 parses UTF-8 bytes faster than a Python str
            return etree.fromstring(data, _UTF8_PARSER)
        return etree.fromstring(_XML_DECL_RE.sub("", text, count=1), _PARSER)
    except (etree.ParserError, ValueError):
        return None
