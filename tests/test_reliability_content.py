"""Bad content: empty, not an article, malformed, impossibly dated, hostile XML.

The crawl part runs ``scrapy crawl govt_chinadaily`` over the fault server's ``content``
scenario: each page is stored whole or dropped with a logged, counted reason. The hostile-XML
part checks the XML readers a spider must use for sitemaps and feeds (no spider reads XML
today: gov.cn's list feeds are JSON), plus the HTML parser every site parser goes through.
The six charset variants of one page are covered by ``tests/test_encoding.py``.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from pathlib import Path

import pytest
from lxml import etree
from scrapy import Selector
from scrapy.http import HtmlResponse, Response, XmlResponse
from scrapy.utils.iterators import xmliter_lxml
from scrapy.utils.sitemap import Sitemap
from scrapy.utils.test import get_crawler

from crawler.parsers import parse_page
from crawler.spiders.base import is_text
from crawler.spiders.govt_chinadaily import GovtChinadailySpider
from tests.faultserver import (
    PARAGRAPHS,
    SCENARIOS,
    CrawlRun,
    FaultServer,
    article_html,
    crawl,
    list_url,
)

CONTENT = {page.fault: page for page in SCENARIOS["content"]}
NOT_ARTICLES = [
    "empty body (200)",
    "a list page at an article URL",
    "404 page served with 200",
    "login wall",
    "a PDF at an article URL",
]
MALFORMED = ["unclosed tags", "nested forms", "10k-deep nesting"]


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    tmp = tmp_path_factory.mktemp("content")
    with FaultServer(tmp / "access.log") as server:
        run = crawl(server, tmp, [list_url("content")])
    assert run.returncode == 0, run.log[-3000:]
    return run


def test_every_content_fault_is_stored_or_counted(content: CrawlRun) -> None:
    assert content.lost(SCENARIOS["content"]) == []


def test_one_malformed_url_costs_itself_not_the_article(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    tmp = tmp_path_factory.mktemp("urls")
    with FaultServer(tmp / "access.log") as server:
        run = crawl(server, tmp, [list_url("urls")])
    assert run.returncode == 0, run.log[-3000:]
    assert run.lost(SCENARIOS["urls"]) == []


@pytest.mark.parametrize("fault", NOT_ARTICLES)
def test_a_page_that_is_not_an_article_is_dropped_with_a_reason(
    content: CrawlRun, fault: str
) -> None:
    page = CONTENT[fault]
    assert page.url not in content.stored
    assert f"WARNING: Dropped {page.url} (" in content.log


@pytest.mark.parametrize("fault", MALFORMED)
def test_malformed_html_still_yields_the_whole_article(content: CrawlRun, fault: str) -> None:
    page = CONTENT[fault]
    (row,) = content.query("select headline, body from articles where url = ?", page.url)
    assert row["headline"].startswith("City launches support programme")
    # Every paragraph survives as a paragraph of its own, even inside layout tables and forms.
    assert set(PARAGRAPHS) <= set(row["body"].split("\n\n"))


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("dated 2099 (future)", "future_date"), ("dated 1930 (before 1949)", "date_too_old")],
)
def test_an_impossible_date_is_dropped_with_its_reason(
    content: CrawlRun, fault: str, reason: str
) -> None:
    page = CONTENT[fault]
    assert page.url not in content.stored
    assert f"WARNING: Dropped {page.url} ({reason})" in content.log
    assert content.stats[f"govnews/dropped/{reason}"] == 1


def test_a_response_that_is_not_text_is_dropped_with_a_reason() -> None:
    # Scrapy's plain Response: a body it could not type as text (control bytes, no known
    # extension). The crawl above covers a PDF that Scrapy typed as HTML by its URL.
    crawler = get_crawler(GovtChinadailySpider)
    spider = GovtChinadailySpider.from_crawler(crawler)
    binary = Response(
        "https://govt.chinadaily.com.cn/a/202401/05/123",
        body=b"\x00\x01\x02\x03 not a page",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert asyncio.run(spider.read_article(binary, normalize=True)) is None
    assert crawler.stats.get_value("govnews/dropped/not_html") == 1
    assert spider.links(binary) == []


@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        (b"application/pdf", False),
        (b"Image/JPEG", False),
        (b"application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
        (b"text/html; charset=utf-8", True),
        (b"application/octet-stream", True),  # servers send HTML as that too
        (None, True),
    ],
)
def test_a_binary_content_type_is_not_text_whatever_the_url(content_type, text) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    page = HtmlResponse("https://govt.chinadaily.com.cn/a.html", body=b"%PDF-1.7", headers=headers)
    assert is_text(page) is text


# --- Hostile XML ---------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""
SITEMAP = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://govt.chinadaily.com.cn/s/202401/05/a.html</loc></url>
<url><loc>%s</loc></url>
</urlset>"""
RSS = b"""<rss version="2.0"><channel><title>News</title>
<item><title>%s</title><link>https://govt.chinadaily.com.cn/s/202401/05/b.html</link></item>
</channel></rss>"""


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-7f3a")
    return path


def xxe(secret: Path) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'.encode()
    )


def read_all_ways(document: bytes) -> str:
    """Everything the XML readers a spider would use make of ``document``, as one string."""
    out = [repr(list(Sitemap(document)))]
    out += Selector(text=document.decode(), type="xml").xpath("//text()").getall()
    response = XmlResponse("https://govt.chinadaily.com.cn/feed.xml", body=document)
    try:
        out += [node.get() for node in xmliter_lxml(response, "item")]
    except etree.XMLSyntaxError:  # libxml2's amplification guard refused it: safe as well
        out.append("<refused>")
    return "\n".join(out)


@pytest.mark.parametrize("template", [SITEMAP, RSS], ids=["sitemap", "rss"])
def test_billion_laughs_is_not_expanded(template: bytes) -> None:
    document = BILLION_LAUGHS + template % b"&lol9;"
    tracemalloc.start()
    started = time.monotonic()
    try:
        text = read_all_ways(document)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "lollollol" not in text  # 10^9 "lol"s, had &lol9; been expanded
    assert peak < 16 * 2**20
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("template", [SITEMAP, RSS], ids=["sitemap", "rss"])
def test_an_external_entity_is_not_resolved(template: bytes, secret: Path) -> None:
    document = xxe(secret) + template % b"&xxe;"
    assert "TOP-SECRET" not in read_all_ways(document)
    # The sitemap's other URLs are still read: a hostile entry costs itself only.
    if template is SITEMAP:
        assert next(iter(Sitemap(document)))["loc"].endswith("/a.html")


def test_html_parsers_do_not_resolve_entities_either(secret: Path) -> None:
    # Every site parser and the generic extractor parse through lxml's HTML parser.
    url = SCENARIOS["content"][0].url
    html = xxe(secret).decode() + article_html(1, body_html="<p>&xxe; and &lol9;</p>" * 3)
    try:
        article = parse_page(BILLION_LAUGHS.decode() + html, url)
    except Exception as exc:  # ParseError is fine; a leak or a hang is not
        article = exc
    assert "TOP-SECRET" not in repr(article)
    assert "lollollol" not in repr(article)
