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
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)


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


def decode_html(data: str | bytes) -> str:
    """Text of a page: a BOM wins, then strict UTF-8 (mislabelled pages are common and non-UTF-8
    text almost never validates as UTF-8), then the declared charset, then GB18030/cp1252."""
    if isinstance(data, str):
        return data
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data)
    if declared and declared != "utf-8":
        return data.decode(declared, "replace")
    for guess in ("gb18030", "cp1252"):
        try:
            return data.decode(guess)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def parse_html(data: str | bytes) -> etree._Element | None:
    """The page as one lxml tree (comments and processing instructions dropped), or None."""
    text = _XML_DECL_RE.sub("", decode_html(data), count=1)
    if not text.strip():
        return None
    try:
        return etree.fromstring(text, _PARSER)
    except (etree.ParserError, ValueError):
        return None
