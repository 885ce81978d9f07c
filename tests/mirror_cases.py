"""Helpers for the fixture-mirror tests: expected values beside pages, crawls read back.

Fixture pages live in ``tests/mirror/HOST/PATH`` with ``PATH.expected.json`` beside each article
page (the Article fields it must yield) and optionally ``PATH.headers.json`` (response headers).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crawler.encoding import decode_html
from crawler.items import Article
from crawler.parsers import common
from tests.conftest import DEMO_MIRROR, TEST_MIRROR, scrapy_crawl

MIRRORS = (TEST_MIRROR, DEMO_MIRROR)


def expected_pages(host: str) -> list[Path]:
    """Fixture pages of a host (test or demo mirror) with a ``<page>.expected.json`` beside."""
    return sorted(p.with_name(p.name.removesuffix(".expected.json"))
                  for root in MIRRORS
                  for p in (root / host).rglob("*.expected.json"))  # fmt: skip


def page_url(page: Path) -> str:
    """The real URL of a mirrored page (``<mirror>/HOST/PATH`` -> ``https://HOST/PATH``)."""
    root = next(root for root in MIRRORS if page.is_relative_to(root))
    return "https://" + page.relative_to(root).as_posix()


def page_html(page: Path) -> str:
    """The page decoded as the crawl decodes it: body bytes plus the sidecar Content-Type."""
    sidecar = page.with_name(page.name + ".headers.json")
    headers = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    return decode_html(page.read_bytes(), headers.get("Content-Type"))


def expected_of(page: Path) -> dict[str, Any]:
    return json.loads(page.with_name(page.name + ".expected.json").read_text())


def assert_fields(actual: Article | dict[str, Any], expected: dict[str, Any]) -> None:
    """Every expected field equal, one assertion per field so a failure names the field."""
    values = actual.to_dict() if isinstance(actual, Article) else actual
    for name, want in expected.items():
        assert values[name] == want, f"{name}: {values[name]!r} != {want!r}"


def rows(db: Path, sql: str, *params: Any) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def stored_article(db: Path, url: str) -> dict[str, Any]:
    """An article row with its images (as dicts, in position order), like ``Article.to_dict``."""
    (row,) = rows(db, "select * from articles where url = ?", url)
    images = rows(db, "select * from images where article_id = ? order by position", row["id"])
    keys = ("src", "alt", "alt_lang", "caption", "caption_lang", "credit")
    return {**dict(row), "images": [{k: img[k] for k in keys} for img in images]}


def crawl(spider: str, db: Path, mirror: str, *extra: str) -> str:
    """``scrapy crawl SPIDER`` against a mirror into ``db``; returns the log (stderr)."""
    result = scrapy_crawl(
        spider,
        "-s", f"MIRROR_URL={mirror}",
        "-s", f"GOVNEWS_DB={db}",
        "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "DOWNLOAD_DELAY=0",
        *extra,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr


def crawl_stats(db: Path) -> dict[str, Any]:
    (run,) = rows(db, "select stats from crawls order by id desc limit 1")
    return json.loads(run["stats"])


def parsed_whole(
    parse_article: Callable[[str, str], Article],
    html: str,
    url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Article:
    """``parse_article(html, url)`` with every page parsed whole (no :class:`ArticleEnd` cut)."""
    whole_parse = common.parse_html
    monkeypatch.setattr(common, "parse_html", lambda html, end=None: whole_parse(html))
    return parse_article(html, url)
