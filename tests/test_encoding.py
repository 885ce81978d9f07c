"""One Chinese article served seven ways must decode, parse and store identically.

The variants live in ``tests/mirror/www.gov.cn/yaowen/liebiao/202601/content_70100NN.htm``; a
``.headers.json`` sidecar gives the Content-Type the mirror server sends.
"""

from __future__ import annotations

import codecs
import copy
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from crawler.encoding import (
    Utf8Text,
    body_charsets,
    codec_name,
    decode_html,
    decode_response,
    header_charset,
)
from crawler.parsers import gov_cn, parse_with_fallback
from tests.conftest import TEST_MIRROR
from tests.mirror_cases import (
    crawl,
    expected_of,
    page_html,
    page_url,
    rows,
)

FOLDER = TEST_MIRROR / "www.gov.cn" / "yaowen" / "liebiao" / "202601"
VARIANTS = {
    "utf-8, header and meta": "content_7010011.htm",
    "GBK, charset header only": "content_7010012.htm",
    "GBK, <meta> gb2312 only": "content_7010013.htm",
    "GBK, malformed <meta httpequiv>": "content_7010014.htm",
    "GBK, no declaration": "content_7010015.htm",
    "GBK, header lies utf-8": "content_7010016.htm",
    "UTF-8, header and meta lie gbk": "content_7010017.htm",
}
PAGES = {name: FOLDER / file for name, file in VARIANTS.items()}
REFERENCE = PAGES["utf-8, header and meta"]
HEADLINE = "2025年全国粮食总产量再创新高"


def test_the_variants_really_differ_in_bytes():
    bodies = {p.read_bytes() for p in PAGES.values()}
    assert len(bodies) == len(PAGES)
    gbk = PAGES["GBK, header lies utf-8"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")


@pytest.mark.parametrize("name", PAGES)
def test_every_variant_decodes_to_the_same_article(name):
    html = page_html(PAGES[name])
    assert "\ufffd" not in html
    article = gov_cn.parse_article(html, page_url(PAGES[name]))
    reference = expected_of(REFERENCE)
    assert article.headline == reference["headline"] == HEADLINE
    assert article.body == reference["body"]
    assert article.source == "新华社"


@pytest.mark.parametrize(
    ("declaration", "codec"),
    [
        ('<?xml version="1.0" encoding="utf-8"?>', "utf-8"),
        ('<?xml version="1.0" encoding="gb2312"?>', "gbk"),
        ('<?xml version="1.0" encoding="utf-8">', "utf-8"),  # malformed: no closing "?"
    ],
)
def test_an_xhtml_page_declaring_its_encoding_in_xml_is_read_by_the_site_parser(declaration, codec):
    # Older CMS templates start with an XML declaration and declare nothing else: decoded
    # text must not keep it (lxml refuses text that declares an encoding), or the site parser
    # fails and the generic extractor takes the page.
    html = REFERENCE.read_text("utf-8").replace(
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">', ""
    )
    assert "charset" not in html
    # gb2312 is written as GBK (its superset), as such servers do.
    body = f"{declaration}\n{html}".encode(codec)
    article, path = parse_with_fallback(
        decode_html(body, "text/html"), page_url(REFERENCE), gov_cn.parse_article
    )
    assert path == "site"
    reference = expected_of(REFERENCE)
    assert (article.headline, article.body) == (reference["headline"], reference["body"])


def test_scrapy_response_text_would_have_replacement_characters():
    """Why base.NewsSpider decodes with crawler.encoding instead of ``response.text``."""
    response = HtmlResponse(
        url=page_url(PAGES["GBK, header lies utf-8"]),
        body=PAGES["GBK, header lies utf-8"].read_bytes(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    assert "\ufffd" in response.text
    assert "\ufffd" not in decode_response(response)
    assert HEADLINE.replace("再创新高", "") in decode_response(response)


# --- decode_html units ----------------------------------------------------------------------

TEXT = "<html><head><title>国务院</title></head><body><p>“粮食”——增产·丰收　𠀀</p></body></html>"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "text/html; charset=gbk"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), None),
        (TEXT.encode("gb18030"), "text/html; charset=GB2312"),  # U+20000 is GB18030-only
        (TEXT.encode("gb18030"), "text/html; charset=utf-8"),
        (TEXT.encode("gb18030"), "text/html; charset=iso-8859-1"),  # single-byte lie
        (TEXT.encode("utf-8"), "text/html; charset=big5"),
        (TEXT.encode("utf-8"), "text/html; charset=x-unknown-label"),
    ],
)
def test_decode_html_finds_the_real_encoding(body, content_type):
    assert decode_html(body, content_type) == TEXT


def test_valid_utf8_stays_utf8_even_with_a_literal_replacement_character():
    text = "<html><body><p>摘要被截断了\ufffd</p></body></html>"
    assert decode_html(text.encode("utf-8"), "text/html; charset=gbk") == text


def test_meta_declarations_are_found_even_when_malformed():
    head = (
        b'<?xml version="1.0" encoding="GBK"?>'
        b'<meta httpequiv=Content-Type content="text/html;charset=gb2312" / >'
        b"<meta charset='big5'>"
    )
    assert body_charsets(head) == ["gb18030", "gb18030", "big5hkscs"]
    assert header_charset(b'text/html; charset="GBK"') == "gb18030"
    assert header_charset("text/html") is None
    assert codec_name("no-such-charset") is None


def test_a_declared_big5_page_is_read_as_big5():
    text = "<html><body><p>臺灣行政院新聞稿</p></body></html>"
    assert decode_html(text.encode("big5"), "text/html; charset=big5") == text


def test_latin_pages_fall_back_to_windows_1252():
    text = "<html><body><p>Café “déjà vu” – naïve</p></body></html>"
    assert decode_html(text.encode("cp1252"), "text/html; charset=iso-8859-1") == text
    assert decode_html(text.encode("cp1252"), None) == text


def test_ascii_pages_are_ascii_whatever_they_declare():
    body = b"<html><body><p>&#20013;&#25991; plain</p></body></html>"
    assert decode_html(body, "text/html; charset=utf-16") == body.decode("ascii")


@given(
    st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\ufffd\ufeff"))
)
def test_utf8_always_round_trips_whatever_the_label(text):
    body = f"<html><body><p>{text}</p></body></html>".encode()
    for label in (None, "text/html; charset=gbk", "text/html; charset=latin-1"):
        assert decode_html(body, label) == body.decode("utf-8")


def test_plain_utf8_keeps_its_bytes_for_the_parser_and_nothing_else_does():
    utf8 = "<p>中文 café</p>".encode()
    for body in (utf8, b"<p>ascii</p>"):
        text = decode_html(body, "text/html; charset=gbk")
        assert isinstance(text, Utf8Text)
        assert text.utf8 is body
        assert text == body.decode("utf-8")
    for body in (codecs.BOM_UTF8 + utf8, "<p>中文</p>".encode("gb18030"), b"<p>caf\xe9</p>"):
        assert type(decode_html(body)) is str


def test_utf8_text_survives_pickle_and_copy():
    text = Utf8Text("<p>中文</p>".encode())
    for again in (pickle.loads(pickle.dumps(text)), copy.copy(text), copy.deepcopy(text)):
        assert type(again) is Utf8Text
        assert (again, again.utf8) == (text, text.utf8)


# --- through a crawl --------------------------------------------------------------------------


def test_crawl_stores_identical_headline_and_body_for_every_variant(tmp_path, mirror_server):
    server = mirror_server()
    db = tmp_path / "govnews.db"
    urls = [page_url(p) for p in PAGES.values()]
    crawl("gov_cn", db, server.url, "-a", f"start_url={','.join(urls)}")
    stored = rows(db, "select url, headline, body from articles")
    assert sorted(r["url"] for r in stored) == sorted(urls)
    reference = expected_of(REFERENCE)
    for row in stored:
        assert row["headline"] == reference["headline"], row["url"]
        assert row["body"] == reference["body"], row["url"]
        assert "\ufffd" not in row["headline"] + row["body"]
    assert len({r["body"] for r in stored}) == 1


@pytest.mark.parametrize("content_type", [None, "text/html; charset=iso-8859-1"])
def test_latin_text_is_not_read_as_gb18030(content_type):
    # GB18030 decodes almost any bytes ("öf" -> "鰂"); lone high bytes are Latin, not Chinese.
    text = "<html><body><p>Größere Öffentlichkeit für Bürgerämter, déjà prévu.</p></body></html>"
    assert decode_html(text.encode("cp1252"), content_type) == text


def test_gbk_text_without_declaration_is_still_gbk():
    text = "<html><body><p>国务院常务会议部署进一步推进城市更新工作</p></body></html>"
    assert decode_html(text.encode("gbk"), "text/html; charset=iso-8859-1") == text
