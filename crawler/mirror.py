"""Replay of mirrored pages: the ``MIRROR_URL`` setting.

With ``MIRROR_URL = "http://127.0.0.1:8000"`` a request for ``https://HOST/PATH?QUERY`` is fetched
from ``http://127.0.0.1:8000/HOST/PATH?QUERY`` and the response comes back under the real URL. Doing
it in the download handler, below every middleware, keeps the rest of the crawl unaware of the
mirror: stored URLs, link resolution, offsite and robots.txt checks, the dupefilter and the site's
URL patterns all see the real host. Any static file server over a ``HOST/PATH`` folder works.
"""

from __future__ import annotations

import json
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import unquote, urljoin, urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


def mirror_url_for(url: str, mirror: str) -> str:
    """Where ``url`` lives in a ``HOST/PATH`` mirror rooted at ``mirror``.

    >>> mirror_url_for("https://govt.chinadaily.com.cn/s/a.html?x=1", "http://127.0.0.1:8000/")
    'http://127.0.0.1:8000/govt.chinadaily.com.cn/s/a.html?x=1'
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{mirror.rstrip('/')}/{parts.hostname}{path}{query}"


def real_url_for(mirrored: str, mirror: str, scheme: str = "https") -> str:
    """The inverse of :func:`mirror_url_for`: URLs outside the mirror are returned unchanged.

    >>> real_url_for("http://127.0.0.1:8000/govt.chinadaily.com.cn/news/", "http://127.0.0.1:8000")
    'https://govt.chinadaily.com.cn/news/'
    """
    prefix = mirror.rstrip("/") + "/"
    if not mirrored.startswith(prefix):
        return mirrored
    return f"{scheme}://{mirrored[len(prefix) :]}"


class MirrorDownloadHandler(HTTP11DownloadHandler):
    """HTTP(S) download handler that reads from :setting:`MIRROR_URL` when it is set."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.mirror: str = crawler.settings.get("MIRROR_URL") or ""

    async def download_request(self, request: Request) -> Response:
        if not self.mirror:
            return await super().download_request(request)
        mirrored = request.replace(url=mirror_url_for(request.url, self.mirror))
        response = await super().download_request(mirrored)
        headers = response.headers
        if b"Location" in headers:
            location = urljoin(mirrored.url, headers[b"Location"].decode("latin-1"))
            headers = headers.copy()
            headers[b"Location"] = real_url_for(location, self.mirror, urlsplit(request.url).scheme)
        return response.replace(url=request.url, headers=headers)


class MirrorHandler(SimpleHTTPRequestHandler):
    """Static files from several ``HOST/PATH`` roots, searched in order.

    A file ``NAME.headers.json`` beside ``NAME`` gives extra response headers for it (e.g. a
    lying ``Content-Type`` charset); each request is appended to ``access_log`` as
    ``METHOD PATH STATUS``.
    """

    roots: ClassVar[list[Path]] = []
    access_log: ClassVar[Path | None] = None

    def translate_path(self, path: str) -> str:
        rel = unquote(urlsplit(path).path).lstrip("/")
        candidates = [root / rel for root in self.roots]
        for candidate in candidates:
            resolved = candidate.resolve()
            if any(resolved.is_relative_to(r.resolve()) for r in self.roots) and resolved.exists():
                return str(candidate)
        return str(candidates[0])

    def sidecar_headers(self) -> dict[str, str]:
        extra = Path(self.translate_path(self.path) + ".headers.json")
        return json.loads(extra.read_text()) if extra.is_file() else {}

    def send_header(self, keyword: str, value: str) -> None:
        # A sidecar Content-Type replaces the guessed one; other sidecar headers are added.
        if keyword.lower() == "content-type":
            extra = {k.lower(): v for k, v in self.sidecar_headers().items()}
            value = extra.get("content-type", value)
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        for name, value in self.sidecar_headers().items():
            if name.lower() != "content-type":
                super().send_header(name, value)
        super().end_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.access_log is not None:
            with self.access_log.open("a") as log:
                log.write(f"{self.command} {self.path} {code}\n")

    def log_message(self, format: str, *args: object) -> None:  # quiet stderr
        pass


def serve_mirror(
    *roots: Path, access_log: Path | None = None, port: int = 0
) -> ThreadingHTTPServer:
    """A threaded HTTP server on 127.0.0.1 over mirror folders (call ``serve_forever``)."""
    attrs = {"roots": [Path(r) for r in roots], "access_log": access_log}
    handler = type("Handler", (MirrorHandler,), attrs)
    return ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(roots[0])))
