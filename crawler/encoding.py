"""Decode page bytes to text the way the page meant, not the way the server said.

Chinese government servers often lie: ``charset=utf-8`` in the header on a GBK body, a GBK
``<meta>`` on a page the CMS already re-encoded to UTF-8, a malformed ``<meta httpequiv=…>``, or
no declaration at all. Scrapy's ``response.text`` trusts the header and decodes with replacement
characters, so a lying header silently turns an article into U+FFFD. Here every candidate is
tried *strictly* and the first one that decodes cleanly wins:

1. a byte-order mark;
2. UTF-8, when the body is valid UTF-8 (legacy text almost never is, while UTF-8 Chinese often
   decodes "cleanly" as GB18030 mojibake, so a GBK label must not win);
3. the declared multi-byte encodings, header first, then ``<meta>`` / XML declaration;
4. GB18030 (a superset of GBK and GB2312, which are aliased to it), when the non-ASCII bytes
   come in the double-byte pairs Chinese text is made of;
5. the same multi-byte candidates again, accepting a handful of broken bytes as U+FFFD;
6. the declared single-byte encodings (they decode almost anything, so they come late);
7. a guess (``cp1252``), then GB18030 whatever the bytes look like, and as the last resort the
   first declared encoding (else UTF-8) with replacement characters.

An all-ASCII body needs none of this: every ASCII-compatible encoding reads it the same.
"""

from __future__ import annotations

import codecs
import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.http import Response

#: Labels that name a subset of what servers really send: decode with the superset.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    # WHATWG: browsers decode these labels as windows-1252.
    "latin_1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "big5": "big5hkscs",
}
_FALLBACK_MULTIBYTE = "gb18030"
_GUESS = "cp1252"
#: Where declarations are looked for; <meta> must come early (HTML says 1024 bytes, but CMS
#: templates put kilobytes of comments and scripts before it).
_PRESCAN_BYTES = 8192

_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
# Any <meta> carrying charset=…, whatever else is broken in it: ``<meta charset=gbk>``,
# ``<meta http-equiv=… content="text/html; charset=gbk">`` and the misspelt ``httpequiv``.
_META_CHARSET_RE = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_XML_ENCODING_RE = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=\s*[\"']([\w.:-]+)", re.IGNORECASE)
#: The XML declaration a page may start with: decoded text has no encoding left to declare, and
#: lxml refuses text that declares one, so parsers drop it.
XML_DECLARATION_RE = re.compile(r"^\s*<\?xml\s[^>]*>")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: same first two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def codec_name(label: str | None) -> str | None:
    """Python codec for a charset label (``GB2312`` -> ``gb18030``); None when unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, name)


@cache
def _is_single_byte(codec: str) -> bool:
    # A multi-byte codec waits for more input after a lead byte; a single-byte one never does.
    for lead in (b"\x81", b"\xc3"):
        decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        if decoder.decode(lead, final=False) == "":
            return False
    return True


def header_charset(content_type: str | bytes | None) -> str | None:
    """The codec named by a ``Content-Type`` header value, if any."""
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    match = _HEADER_CHARSET_RE.search(content_type or "")
    return codec_name(match.group(1)) if match else None


def body_charsets(body: bytes) -> list[str]:
    """Codecs declared inside the page (XML declaration, ``<meta>``), in document order."""
    head = body[:_PRESCAN_BYTES]
    labels = [m.group(1) for m in (_XML_ENCODING_RE.match(head),) if m]
    labels += _META_CHARSET_RE.findall(head)
    return [c for c in (codec_name(label.decode("ascii", "ignore")) for label in labels) if c]


_HIGH_BYTES = bytes(range(0x80, 0x100))
_GB_PAIR_RE = re.compile(rb"[\x81-\xfe][\x40-\x7e\x80-\xfe]")


def _looks_like_gb(body: bytes) -> bool:
    """Whether the non-ASCII bytes read as GBK double-byte pairs (Latin-1 text has lone ones)."""
    high = len(body) - len(body.translate(None, _HIGH_BYTES))
    if not high:
        return False
    # A pair's trail byte may be ASCII (0x40-0x7e), so count pairs starting at a lead byte
    # and compare the bytes they cover with all high bytes: Chinese text is nearly all pairs.
    paired = sum(1 for pair in _GB_PAIR_RE.findall(body) if pair[1] >= 0x80)
    return 2 * paired >= 0.8 * high


def _strict(body: bytes, codec: str) -> str | None:
    """``body`` decoded with ``codec``, or None when it does not decode cleanly."""
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    # A declared codec that "decodes" into replacement characters did not really fit.
    return None if "\ufffd" in text else text


def _nearly(body: bytes, codec: str) -> str | None:
    """``body`` decoded with ``codec`` when only a handful of bytes do not fit, else None."""
    try:
        text = body.decode(codec, "replace")
    except LookupError:
        return None
    return text if text.count("\ufffd") <= max(3, len(body) // 2000) else None


def _bom(body: bytes) -> tuple[str, int] | None:
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec, len(bom)
    return None


class Utf8Text(str):
    """Page text that is exactly its ``utf8`` bytes decoded, no BOM: what a parser may give
    lxml instead of the text (libxml2 reads UTF-8 natively; a str it converts first)."""

    utf8: bytes

    def __new__(cls, utf8: bytes) -> Utf8Text:
        text = super().__new__(cls, utf8.decode("utf-8"))
        text.utf8 = utf8
        return text

    def __getnewargs__(self) -> tuple[bytes]:  # pickle and copy rebuild it from the bytes
        return (self.utf8,)


def decode_html(body: bytes, content_type: str | bytes | None = None) -> str:
    """The text of an HTML page, decoded with the first encoding that fits (see module doc).

    Plain UTF-8 (ASCII included) comes back as :class:`Utf8Text`, which keeps the bytes.
    """
    bom = _bom(body)
    if bom:
        codec, size = bom
        return body[size:].decode(codec, "replace")
    try:
        # ASCII reads the same in every ASCII-compatible encoding (non-ASCII text is in
        # entities). Valid UTF-8 is UTF-8 even when it spells U+FFFD: the damage was done
        # upstream, and a legacy codec would only add mojibake to it.
        return Utf8Text(body)
    except UnicodeDecodeError:
        pass
    declared = [c for c in (header_charset(content_type), *body_charsets(body)) if c]
    declared = list(dict.fromkeys(declared))  # keep the order, drop repeats
    multibyte = [c for c in declared if not _is_single_byte(c)]
    single_byte = [c for c in declared if _is_single_byte(c)]
    for codec in multibyte:
        text = _strict(body, codec)
        if text is not None:
            return text
    # GB18030 decodes almost any byte string, Latin text included ("öf" -> "鰂"): guess it
    # only for bodies whose non-ASCII bytes come in the pairs Chinese text is made of.
    fallback = (_FALLBACK_MULTIBYTE,) if _looks_like_gb(body) else ()
    for codec in fallback:
        text = _strict(body, codec)
        if text is not None:
            return text
    # A few broken bytes (a truncated character, a stray byte from a pasted snippet) must not
    # hand a Chinese page to a single-byte codec, which would decode it all as Latin mojibake.
    for codec in (*multibyte, *fallback):
        text = _nearly(body, codec)
        if text is not None:
            return text
    for codec in (*single_byte, _GUESS, _FALLBACK_MULTIBYTE):
        text = _strict(body, codec)
        if text is not None:
            return text
    return body.decode(declared[0] if declared else "utf-8", "replace")


def decode_response(response: Response) -> str:
    """:func:`decode_html` of a Scrapy response (its body and ``Content-Type`` header)."""
    return decode_html(response.body, response.headers.get(b"Content-Type"))
