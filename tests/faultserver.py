"""A fault-injection web site for the reliability suite, on 127.0.0.1 in a subprocess.

Like Scrapy's own ``tests/mockserver``: each fault is a small Twisted resource (:class:`Status`,
:class:`Delay`, :class:`Drop`, :class:`Partial`, :class:`RedirectTo`, :class:`Big`,
:class:`Compressed`, :class:`Sequence`, :class:`Pager`). The server lays them out as a
govt.chinadaily mirror (``/HOST/PATH``), so the real ``govt_chinadaily`` spider crawls them
through ``MIRROR_URL`` and sees real article URLs, real hosts and real robots.txt rules.

Each *scenario* is one list page, ``https://HOST/regional/<scenario>.html``, linking to its
pages (a few are start URLs of their own). A :class:`Page` says what a correct crawl does with
it: store it, or leave it out with a counted reason (a stats key). Tests import
:data:`SCENARIOS` to know what to expect; the server builds its routes from the same table, so
the two cannot drift apart.

``python -m tests.faultserver --log FILE`` prints its base URL on the first line of stdout; the
access log (``METHOD PATH`` per request) is how tests check what a crawl fetched.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import brotli
from twisted.web import resource, server
from twisted.web.server import NOT_DONE_YET, Request

REPO = Path(__file__).resolve().parents[1]
HOST = "govt.chinadaily.com.cn"
#: Where the offsite redirects point: never to be fetched.
OFFSITE_HOST = "offsite.example.org"
#: Above the project's DOWNLOAD_MAXSIZE (16 MiB) many times over.
BIG_SIZE = 50 * 1024 * 1024
BOMB_SIZE = 256 * 1024 * 1024
#: Twice the DOWNLOAD_TIMEOUT the network tests pass (2 s), short enough to stay cheap.
SLOW_SECONDS = 4.0

PARAGRAPHS = (
    "The municipal government announced a new programme to support small businesses in the "
    "city on Friday, according to a statement released by the local commerce bureau.",
    "Officials said the measures include lower fees, faster approval of permits and a fund "
    "that will help companies invest in new equipment over the next three years.",
    "More than two hundred enterprises have already applied, and the first grants are "
    "expected to be paid before the end of the quarter, the bureau said.",
    "Residents and business owners welcomed the plan at a public hearing held in the "
    "district's cultural centre, where experts explained how to apply.",
)


def _reactor() -> Any:
    """The Twisted reactor, imported on first use. Importing it installs the default reactor:
    fine in the server process, wrong in a test process where Scrapy wants to pick its own.
    """
    from twisted.internet import reactor

    return reactor


# --- Pages -------------------------------------------------------------------------------


def ws_id(n: int, published: datetime) -> str:
    """A China Daily CMS id: ``WS`` + the publication time (8 hex) + 16 hex of our own."""
    stamp = max(0, int(published.timestamp()))
    return f"WS{stamp:08x}{n:016x}"


def article_path(n: int, day: date = date(2024, 1, 5)) -> str:
    """The path of generated article ``n`` (unique per ``n``), matching the spider's pattern."""
    published = datetime(day.year, day.month, day.day, 2, 30, tzinfo=UTC)  # 10:30 Beijing
    return f"/s/{day:%Y%m}/{day:%d}/{ws_id(n, published)}.html"


def article_html(
    n: int, *, day: date = date(2024, 1, 5), body_html: str | None = None, extra_head: str = ""
) -> str:
    """A small govt.chinadaily-style article page (the CMS template the site parser reads)."""
    headline = f"City launches support programme for small businesses, part {n}"
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{headline} - govt.chinadaily.com.cn</title>{extra_head}</head><body>"
        "<div id='bread-nav'><a href='/'>Home</a> / <a href='/news/'>News and Policies</a></div>"
        f"<div id='lft-art'><h1>{headline}</h1><h2></h2>"
        f"<div class='info'><span class='info_l'>Updated: {day:%b} {day.day}, {day.year} "
        "chinadaily.com.cn <a href='#'>Print</a></span></div>"
        f"<div id='Content'>{paragraphs if body_html is None else body_html}</div>"
        "</div><div class='footer'>Copyright 1995 - 2024 China Daily</div></body></html>"
    )


def list_html(title: str, links: list[str]) -> str:
    items = "".join(f"<li><a href='{href}'>Story {i}</a></li>" for i, href in enumerate(links))
    head = f"<!DOCTYPE html><html><head><title>{title}</title></head>"
    return f"{head}<body><ul>{items}</ul></body></html>"


# --- Fault resources -----------------------------------------------------------------------


class Html(resource.Resource):
    """A 200 page with the given HTML (and optional extra headers)."""

    isLeaf = True

    def __init__(self, html: str | bytes, headers: dict[str, str] | None = None):
        super().__init__()
        self.body = html.encode() if isinstance(html, str) else html
        self.headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}

    def render_GET(self, request: Request) -> bytes:
        for name, value in self.headers.items():
            request.setHeader(name, value)
        return self.body


class Status(resource.Resource):
    """A bare HTTP status with a short HTML body."""

    isLeaf = True

    def __init__(self, code: int):
        super().__init__()
        self.code = code

    def render_GET(self, request: Request) -> bytes:
        request.setResponseCode(self.code)
        request.setHeader("Content-Type", "text/html; charset=utf-8")
        return f"<html><body><h1>Error {self.code}</h1></body></html>".encode()


class Sequence(resource.Resource):
    """The i-th request gets the i-th resource; the last one answers every later request.

    How a transient fault is made: ``Sequence(Status(503), Html(...))`` fails once, then works.
    """

    isLeaf = True

    def __init__(self, *steps: resource.Resource):
        super().__init__()
        self.steps = steps
        self.served = 0

    def render_GET(self, request: Request) -> bytes | int:
        step = self.steps[min(self.served, len(self.steps) - 1)]
        self.served += 1
        return step.render(request)


class Delay(resource.Resource):
    """Answers with ``then`` after ``seconds``, without blocking the other requests."""

    isLeaf = True

    def __init__(self, seconds: float, then: resource.Resource):
        super().__init__()
        self.seconds = seconds
        self.then = then

    def render_GET(self, request: Request) -> int:
        call = _reactor().callLater(self.seconds, self._answer, request)
        # The client gave up (its timeout): don't write to a closed connection.
        request.notifyFinish().addErrback(lambda _: call.cancel() if call.active() else None)
        return NOT_DONE_YET

    def _answer(self, request: Request) -> None:
        body = self.then.render(request)
        if isinstance(body, bytes):
            request.write(body)
            request.finish()


class Drop(resource.Resource):
    """Sends the headers and half of ``body`` (chunked: no length to check), then resets."""

    isLeaf = True

    def __init__(self, body: bytes):
        super().__init__()
        self.body = body

    def render_GET(self, request: Request) -> int:
        request.setHeader("Content-Type", "text/html; charset=utf-8")
        request.write(self.body[: len(self.body) // 2])
        _reactor().callLater(0.05, request.channel.transport.abortConnection)
        return NOT_DONE_YET


class Partial(resource.Resource):
    """A Content-Length that lies: announces all of ``body``, sends 60 %, closes cleanly."""

    isLeaf = True

    def __init__(self, body: bytes):
        super().__init__()
        self.body = body

    def render_GET(self, request: Request) -> int:
        request.setHeader("Content-Type", "text/html; charset=utf-8")
        request.setHeader("Content-Length", str(len(self.body)))
        request.write(self.body[: len(self.body) * 6 // 10])
        _reactor().callLater(0.05, request.channel.transport.loseConnection)
        return NOT_DONE_YET


class RedirectTo(resource.Resource):
    """A 302 to ``location`` (an absolute mirror path, e.g. ``/HOST/PATH``)."""

    isLeaf = True

    def __init__(self, location: str):
        super().__init__()
        self.location = location

    def render_GET(self, request: Request) -> bytes:
        request.setResponseCode(302)
        request.setHeader("Location", self.location)
        return b""


class Big(resource.Resource):
    """``size`` bytes of HTML, streamed in 1 MiB chunks, with or without a Content-Length."""

    isLeaf = True
    chunk: ClassVar[bytes] = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>\n"

    def __init__(self, size: int, declare_length: bool):
        super().__init__()
        self.size = size
        self.declare_length = declare_length

    def render_GET(self, request: Request) -> int:
        request.setHeader("Content-Type", "text/html; charset=utf-8")
        if self.declare_length:
            request.setHeader("Content-Length", str(self.size))
        gone: list[bool] = []
        request.notifyFinish().addBoth(lambda _: gone.append(True))
        self._send(request, self.size, gone)
        return NOT_DONE_YET

    def _send(self, request: Request, left: int, gone: list[bool]) -> None:
        if gone:  # the client hung up (DOWNLOAD_MAXSIZE): stop producing
            return
        if left <= 0:
            request.finish()
            return
        piece = self.chunk[:left]
        request.write(piece)
        _reactor().callLater(0, self._send, request, left - len(piece), gone)


@cache
def bomb(encoding: str) -> bytes:
    """:data:`BOMB_SIZE` zero bytes compressed with ``encoding`` (a few hundred KiB at most)."""
    mib = bytes(2**20)
    count = BOMB_SIZE // len(mib)
    if encoding == "br":
        compressor = brotli.Compressor(quality=5)
        return b"".join(compressor.process(mib) for _ in range(count)) + compressor.finish()
    # A deflate block of 1 MiB of zeros that ends with a full flush references nothing before
    # it, so the same bytes can be repeated: a 256 MiB stream in milliseconds, not seconds.
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflater.compress(mib) + deflater.flush(zlib.Z_FULL_FLUSH)
    raw = block * count + deflater.flush()
    if encoding == "deflate":  # the zlib wrapper: header, stream, Adler-32
        adler = 1
        for _ in range(count):
            adler = zlib.adler32(mib, adler)
        return b"\x78\xda" + raw + adler.to_bytes(4, "big")
    crc = 0  # gzip: header, stream, CRC-32 and size
    for _ in range(count):
        crc = zlib.crc32(mib, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + raw + crc.to_bytes(4, "little") + (BOMB_SIZE % 2**32).to_bytes(4, "little")


class Compressed(resource.Resource):
    """A page whose body is ``payload()`` with ``Content-Encoding: encoding``."""

    isLeaf = True

    def __init__(self, encoding: str, payload: Callable[[], bytes]):
        super().__init__()
        self.encoding = encoding
        self.payload = payload

    def render_GET(self, request: Request) -> bytes:
        request.setHeader("Content-Type", "text/html; charset=utf-8")
        request.setHeader("Content-Encoding", self.encoding)
        return self.payload()


class Pager(resource.Resource):
    """An endless pagination trap: ``/news/page_N.html`` links to two articles and to N+1."""

    isLeaf = True

    def __init__(self, articles: list[str]):
        super().__init__()
        self.articles = articles

    def render_GET(self, request: Request) -> bytes:
        name = request.path.decode().rsplit("/", 1)[-1]
        n = int(name.removeprefix("page_").removesuffix(".html") or 1)
        request.setHeader("Content-Type", "text/html; charset=utf-8")
        return list_html(f"News page {n}", [*self.articles, f"/news/page_{n + 1}.html"]).encode()


# --- Scenarios ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of a scenario and what a correct crawl does with it."""

    path: str
    fault: str
    make: Callable[[], resource.Resource] = field(compare=False, repr=False)
    #: The stats key that must count it when it is not stored; None: it must be stored. A key
    #: ending in "/" is a family: any reason in it will do (e.g. parser-dependent drops).
    counted_as: str | None = None
    #: Linked from the scenario's list page. Unlinked pages are reached another way: a redirect
    #: hop or a trap page (outside the scenario's accounting), or as a start URL (``start``).
    linked: bool = True
    #: A start URL of its own (a crawl of the scenario passes it in ``start_urls``).
    start: bool = False

    @property
    def url(self) -> str:
        return f"https://{HOST}{self.path}"

    @property
    def stored(self) -> bool:
        return self.linked and self.counted_as is None

    @property
    def accounted(self) -> bool:
        """Part of the scenario's accounting: reached by the crawl on its own."""
        return self.linked or self.start


def _ok(n: int, fault: str = "article", linked: bool = True, **kwargs: Any) -> Page:
    return Page(article_path(n), fault, lambda: Html(article_html(n, **kwargs)), linked=linked)


def _network() -> Iterator[Page]:
    yield _ok(100)
    yield _ok(101)
    body = article_html(102).encode()
    yield Page(article_path(102), "503 then 200", lambda: Sequence(Status(503), Html(body)))
    yield Page(article_path(103), "404", lambda: Status(404), "govnews/dropped/http_404")
    yield Page(article_path(104), "410", lambda: Status(410), "govnews/dropped/http_410")
    body5 = article_html(105).encode()
    drop_once = "connection dropped mid-body, once"
    yield Page(article_path(105), drop_once, lambda: Sequence(Drop(body5), Html(body5)))
    body6 = article_html(106).encode()
    drop = "connection dropped mid-body, always"
    yield Page(article_path(106), drop, lambda: Drop(body6), "govnews/dropped/data_loss")
    body7 = article_html(107).encode()
    lies = "Content-Length lies (truncated body)"
    yield Page(article_path(107), lies, lambda: Partial(body7), "govnews/dropped/data_loss")
    loop_a, loop_b = article_path(108), article_path(109)
    to_a, to_b = (lambda: RedirectTo(f"/{HOST}{loop_a}")), (lambda: RedirectTo(f"/{HOST}{loop_b}"))
    yield Page(loop_a, "redirect loop A -> B -> A", to_b, "govnews/dropped/redirect_loop")
    yield Page(loop_b, "redirect loop (hop B)", to_a, linked=False)
    away = f"/{OFFSITE_HOST}{article_path(110)}"
    yield Page(
        article_path(110),
        "redirect to another host (followed link)",
        lambda: RedirectTo(away),
        "govnews/dropped/offsite_redirect",
    )
    # Start URLs that redirect to another host: a list page and an article that moved.
    yield Page(
        "/regional/moved.html",
        "list page redirecting to another host (start URL)",
        lambda: RedirectTo(f"/{OFFSITE_HOST}/regional/moved.html"),
        "govnews/failed/offsite_redirect",
        linked=False,
        start=True,
    )
    away = f"/{OFFSITE_HOST}{article_path(111)}"
    yield Page(
        article_path(111),
        "article redirecting to another host (start URL)",
        lambda: RedirectTo(away),
        "govnews/dropped/offsite_redirect",
        linked=False,
        start=True,
    )


def _timeout() -> Iterator[Page]:
    yield _ok(200)
    body = article_html(201).encode()
    slow = f"slower than DOWNLOAD_TIMEOUT ({SLOW_SECONDS:g} s), always"
    yield Page(
        article_path(201), slow, lambda: Delay(SLOW_SECONDS, Html(body)), "govnews/dropped/timeout"
    )
    body2 = article_html(202).encode()
    yield Page(
        article_path(202),
        f"slower than DOWNLOAD_TIMEOUT ({SLOW_SECONDS:g} s) once, then fast",
        lambda: Sequence(Delay(SLOW_SECONDS, Html(body2)), Html(body2)),
    )


def _size() -> Iterator[Page]:
    yield _ok(300)
    yield _ok(301)
    yield Page(
        article_path(302),
        "50 MiB page, Content-Length declared",
        lambda: Big(BIG_SIZE, declare_length=True),
        "govnews/dropped/too_large",
    )
    yield Page(
        article_path(303),
        "50 MiB page, chunked (no length)",
        lambda: Big(BIG_SIZE, declare_length=False),
        "govnews/dropped/too_large",
    )
    for n, encoding in enumerate(("gzip", "deflate", "br"), start=304):
        yield Page(
            article_path(n),
            f"{encoding} bomb (256 MiB of zeros)",
            lambda e=encoding: Compressed(e, lambda: bomb(e)),
            "govnews/dropped/decompression_bomb",
        )
    gzipped = gzip.compress(article_html(307).encode())
    yield Page(article_path(307), "gzip, honest", lambda: Compressed("gzip", lambda: gzipped))


_LOGIN_WALL = (
    "<html><head><title>Sign in</title></head><body><form action='/login' method='post'>"
    "<h1>Please sign in</h1><input name='user'><input name='password' type='password'>"
    "<button>Sign in</button></form></body></html>"
)
_SOFT_404 = (
    "<html><head><title>404 Not Found</title></head><body><div id='lft-art'>"
    "<h1>Sorry, the page you requested does not exist</h1></div></body></html>"
)
_UNCLOSED = "".join(f"<p>{p}" for p in PARAGRAPHS) + "<div><span><b>"
_NESTED_FORMS = "".join(f"<form><p>{p}<form><table><tr><td>" for p in PARAGRAPHS)
_DEEP = "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "<div>" * 10_000 + "x" + "</div>" * 10_000


def _content() -> Iterator[Page]:
    yield _ok(400)
    any_drop = "govnews/dropped/"  # which check catches a non-article depends on the parser
    yield Page(article_path(401), "empty body (200)", lambda: Html(b""), any_drop)
    listing = list_html("Latest news", [article_path(400), "/news/page_2.html"])
    yield Page(article_path(402), "a list page at an article URL", lambda: Html(listing), any_drop)
    yield Page(article_path(403), "404 page served with 200", lambda: Html(_SOFT_404), any_drop)
    yield Page(article_path(404), "login wall", lambda: Html(_LOGIN_WALL), any_drop)
    # Scrapy makes it an HtmlResponse (the URL ends in .html); its Content-Type says what it is.
    pdf = Html(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", {"Content-Type": "application/pdf"})
    not_html = "govnews/dropped/not_html"
    yield Page(article_path(410), "a PDF at an article URL", lambda: pdf, not_html)
    yield _ok(405, "unclosed tags", body_html=_UNCLOSED)
    yield _ok(406, "nested forms", body_html=_NESTED_FORMS)
    yield _ok(407, "10k-deep nesting", body_html=_DEEP)
    yield Page(
        article_path(408, date(2099, 1, 5)),
        "dated 2099 (future)",
        lambda: Html(article_html(408, day=date(2099, 1, 5))),
        "govnews/dropped/future_date",
    )
    yield Page(
        article_path(409, date(1930, 1, 5)),
        "dated 1930 (before 1949)",
        lambda: Html(article_html(409, day=date(1930, 1, 5))),
        "govnews/dropped/date_too_old",
    )


def _urls() -> Iterator[Page]:
    # Articles that are fine but for one malformed URL in them: that URL must cost itself only.
    bad_image = "<p><img src='http://[bad/photo.jpg' alt='A photo'></p>" + "".join(
        f"<p>{p}</p>" for p in PARAGRAPHS
    )
    yield _ok(450, "an image URL with a malformed host (http://[bad/)", body_html=bad_image)
    bad_canonical = "<meta property='og:url' content='http://[bad/'>"
    yield _ok(451, "a malformed canonical URL (og:url)", extra_head=bad_canonical)


def _politeness() -> Iterator[Page]:
    yield _ok(500)
    yield _ok(501)
    robots = "disallowed by robots.txt"
    page = article_html(502)
    yield Page(article_path(502), robots, lambda: Html(page), "govnews/dropped/robots_txt")
    # An endless pagination trap (a start URL of its own): /news/page_N.html links to two
    # articles and to page N+1.
    trap = [article_path(503), article_path(504)]
    yield Page("/news/page_1.html", "pagination trap", lambda: Pager(trap), linked=False)
    yield _ok(503, linked=False)
    yield _ok(504, linked=False)


#: How many articles the process scenario has: enough to kill a crawl in the middle.
BULK_ARTICLES = 40


def _bulk() -> Iterator[Page]:
    for n in range(600, 600 + BULK_ARTICLES):
        figure = (
            f"<p align='center'><img src='/img/{n}.jpg' alt='Photo {n}'></p>"
            f"<p align='center'>The programme's launch ceremony. [Photo/Xinhua]</p>"
        )
        body = article_html(n, body_html=figure + "".join(f"<p>{p}</p>" for p in PARAGRAPHS))
        # Slow enough that a crawl lasts a few seconds and can be interrupted mid-way.
        yield Page(article_path(n), "article", lambda b=body: Delay(0.2, Html(b)))


SCENARIOS: dict[str, list[Page]] = {
    "network": list(_network()),
    "timeout": list(_timeout()),
    "size": list(_size()),
    "content": list(_content()),
    "urls": list(_urls()),
    "politeness": list(_politeness()),
    "bulk": list(_bulk()),
}
ROBOTS_TXT = f"User-agent: *\nDisallow: {article_path(502)}\n"


def list_path(scenario: str) -> str:
    return f"/regional/{scenario}.html"


def list_url(scenario: str) -> str:
    return f"https://{HOST}{list_path(scenario)}"


# --- Server --------------------------------------------------------------------------------


class Site(resource.Resource):
    """Routes ``/HOST/PATH`` to the scenario resources and logs every request."""

    isLeaf = True

    def __init__(self, access_log: Path | None):
        super().__init__()
        self.access_log = access_log
        self.routes: dict[str, resource.Resource] = {}
        for name, pages in SCENARIOS.items():
            links = [p.path for p in pages if p.linked]
            self.routes[f"/{HOST}{list_path(name)}"] = Html(list_html(name, links))
            for page in pages:
                self.routes[f"/{HOST}{page.path}"] = page.make()
        self.routes[f"/{HOST}/robots.txt"] = Html(ROBOTS_TXT, {"Content-Type": "text/plain"})
        self.pager = self.routes[f"/{HOST}/news/page_1.html"]

    def render_GET(self, request: Request) -> bytes | int:
        path = request.path.decode()
        if self.access_log is not None:
            with self.access_log.open("a") as log:
                log.write(f"GET {path}\n")
        if path.startswith(f"/{HOST}/news/page_"):
            return self.pager.render(request)
        return self.routes.get(path, Status(404)).render(request)


class FaultServer:
    """Context manager running this module in a subprocess (``with FaultServer(log) as s``)."""

    def __init__(self, access_log: Path):
        self.access_log = access_log
        self.url = ""

    def __enter__(self) -> FaultServer:
        cmd = [sys.executable, "-u", "-m", "tests.faultserver", "--log", str(self.access_log)]
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError(f"fault server did not start: {self.url!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def fetched(self) -> list[str]:
        """Mirror paths requested so far, in order (``/HOST/PATH``, any host)."""
        time.sleep(0.05)  # let the last lines land
        if not self.access_log.exists():
            return []
        return [line.split(" ")[1] for line in self.access_log.read_text().splitlines()]

    def fetch_count(self, path: str) -> int:
        return self.fetched().count(f"/{HOST}{path}")


# --- Crawling it ---------------------------------------------------------------------------


#: Every page a crawl gives up on is counted in one of these (crawler/middlewares.py).
LOSS_FAMILIES = ("govnews/dropped/", "govnews/failed/")


@dataclass
class CrawlRun:
    """A finished ``scrapy crawl govt_chinadaily`` against the fault server."""

    returncode: int
    log: str
    #: Peak resident memory of the crawl process (``getrusage``), MiB.
    max_rss_mib: float
    db: Path

    def query(self, sql: str, *params: object) -> list[sqlite3.Row]:
        from tests.mirror_cases import rows  # not at import: this module is also the server

        return rows(self.db, sql, *params)

    @property
    def stats(self) -> dict[str, Any]:
        """The Scrapy stats of the run, as recorded in its ``crawls`` row."""
        (row,) = self.query("select stats from crawls order by id desc limit 1")
        return json.loads(row["stats"])

    @property
    def stored(self) -> set[str]:
        return {row["url"] for row in self.query("select url from articles")}

    def counted(self, key: str) -> int:
        """The stats counter ``key``, or the sum of a family of counters (``key`` ends in /)."""
        if key.endswith("/"):
            return sum(v for k, v in self.stats.items() if k.startswith(key))
        return self.stats.get(key, 0)

    def lost(self, pages: list[Page]) -> list[str]:
        """Pages a crawl neither stored nor counted as expected: must be empty.

        Also fails on a page stored when it should not be (a half-downloaded article, a login
        wall) and on drops the scenario cannot explain (each page is counted exactly once).
        """
        stored = self.stored
        problems = [
            f"{p.fault}: {p.url} " + ("missing" if p.stored else "stored")
            for p in pages
            if p.accounted and (p.url in stored) != p.stored
        ]
        counted = [p.counted_as for p in pages if p.accounted and p.counted_as]
        exact = {key for key in counted if not key.endswith("/")}
        for key in sorted(exact) + list(LOSS_FAMILIES):
            want = sum(1 for c in counted if c == key or (key.endswith("/") and c.startswith(key)))
            if self.counted(key) != want:
                problems.append(f"{key} = {self.counted(key)}, expected {want}")
        return problems


def start_crawl(
    server: FaultServer,
    db: Path,
    start_urls: list[str],
    *args: str,
    log: Path,
    own_group: bool = False,
) -> subprocess.Popen[bytes]:
    """Start ``scrapy crawl govt_chinadaily`` on the fault server (stderr goes to ``log``).

    ``own_group``: as a terminal starts it, the leader of its own process group.
    """
    cmd = [
        sys.executable, "-m", "scrapy", "crawl", "govt_chinadaily",
        "-s", f"MIRROR_URL={server.url}",
        "-s", f"GOVNEWS_DB={db}",
        "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "DOWNLOAD_DELAY=0",
        "-a", "start_url=" + ",".join(start_urls),
        *args,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with log.open("wb") as err:
        return subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=own_group,
        )


def wait_crawl(proc: subprocess.Popen[bytes], db: Path, log: Path, timeout: float) -> CrawlRun:
    """Wait for a crawl started by :func:`start_crawl`; kill it and fail past ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        # wait4 rather than Popen.wait: it also reports the child's peak memory.
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise TimeoutError(f"crawl still running after {timeout} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return CrawlRun(proc.returncode, log.read_text(), usage.ru_maxrss / 1024, db)


def crawl(
    server: FaultServer, tmp: Path, start_urls: list[str], *args: str, timeout: float = 120
) -> CrawlRun:
    """Run one crawl to the end; the DB and log go to ``tmp``."""
    db, log = tmp / "govnews.db", tmp / "crawl.log"
    return wait_crawl(start_crawl(server, db, start_urls, *args, log=log), db, log, timeout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path)
    args = parser.parse_args()
    reactor = _reactor()
    port = reactor.listenTCP(0, server.Site(Site(args.log)), interface="127.0.0.1")
    print(f"http://127.0.0.1:{port.getHost().port}", flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
