"""Write articles and crawl runs: batched, atomic, upserting on ``url``.

One :meth:`ArticleWriter.write` call is one ``BEGIN IMMEDIATE`` transaction: every article of
the batch and all of its images are visible together or not at all. A re-crawled article keeps
its row (and ``first_seen``); see ``docs/schema.md`` for when it counts as new, updated or
unchanged and when its previous text goes to ``article_versions``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Literal

import sqlite_utils

from crawler.items import Article, Image
from storage.db import transaction, utcnow

#: Article columns that come from the item (everything but ``id`` and the crawl fields).
ARTICLE_FIELDS = tuple(f.name for f in fields(Article) if f.name != "images")
IMAGE_FIELDS = tuple(f.name for f in fields(Image))
#: A change in one of these keeps the previous text in ``article_versions``.
VERSIONED_FIELDS = ("headline", "body", "content_hash", "published_at", "updated_at")

#: Scrapy stats key -> ``crawls`` column (``articles_dropped`` sums ``govnews/dropped/*``).
CRAWL_COUNTS = {
    "pages_fetched": "response_received_count",
    "articles_new": "govnews/stored/new",
    "articles_updated": "govnews/stored/updated",
    "articles_unchanged": "govnews/stored/unchanged",
    "site_parsed": "govnews/parsed/site",
    "fallback_parsed": "govnews/parsed/fallback",
    "errors": "log_count/ERROR",
}
DROPPED_PREFIX = "govnews/dropped/"

Outcome = Literal["new", "updated", "unchanged"]


@dataclass
class WriteResult:
    """What one :meth:`ArticleWriter.write` did."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Row id of each article written, in input order.
    ids: list[int] = field(default_factory=list)

    def add(self, outcome: Outcome, article_id: int) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.ids.append(article_id)


class ArticleWriter:
    """Upsert :class:`~crawler.items.Article` items and their images into ``db``."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def write(self, articles: Iterable[Article], crawl_id: int | None = None) -> WriteResult:
        """Write one batch in one transaction; on any error nothing of the batch is kept.

        :param articles: normalised articles; ``None`` fields are stored as NULL.
        :param crawl_id: the ``crawls`` row of the run that found them (``None`` outside a crawl).
        """
        result = WriteResult()
        now = utcnow()
        with transaction(self.db):
            for article in articles:
                result.add(*self._write_one(article, crawl_id, now))
        return result

    def _write_one(self, article: Article, crawl_id: int | None, now: str) -> tuple[Outcome, int]:
        articles = self.db["articles"]
        row = {name: getattr(article, name) for name in ARTICLE_FIELDS}
        row["body"] = row["body"] or ""
        images = [_image_row(image) for image in article.images]
        existing = self._find(article)
        if existing is None:
            article_id = articles.insert(
                {**row, "first_seen": now, "last_seen": now, "crawl_id": crawl_id}
            ).last_pk
            self._insert_images(article_id, images)
            return "new", article_id

        article_id = existing["id"]
        # The row keeps the URL it was first stored under (it may have been reached again
        # through another URL with the same canonical_url).
        del row["url"]
        changed = {name for name, value in row.items() if existing[name] != value}
        images_changed = images != self._images(article_id)
        if not changed and not images_changed:
            articles.update(article_id, {"last_seen": now})
            return "unchanged", article_id
        if changed.intersection(VERSIONED_FIELDS):
            self.db["article_versions"].insert(
                {
                    "article_id": article_id,
                    **{name: existing[name] for name in VERSIONED_FIELDS},
                    "captured_at": now,
                    "crawl_id": crawl_id,
                }
            )
        articles.update(article_id, {**row, "last_seen": now, "crawl_id": crawl_id})
        if images_changed:
            self.db["images"].delete_where("article_id = ?", [article_id])
            self._insert_images(article_id, images)
        return "updated", article_id

    def _find(self, article: Article) -> dict[str, Any] | None:
        """The stored row for ``article``: same ``url``, else same canonical URL."""
        articles = self.db["articles"]
        for row in articles.rows_where("url = ?", [article.url], limit=1):
            return row
        if article.canonical_url:
            for row in articles.rows_where(
                "canonical_url = :c or url = :c",
                {"c": article.canonical_url},
                order_by="id",
                limit=1,
            ):
                return row
        return None

    def _images(self, article_id: int) -> list[dict[str, Any]]:
        return list(
            self.db["images"].rows_where(
                "article_id = ?", [article_id], order_by="position", select=", ".join(IMAGE_FIELDS)
            )
        )

    def _insert_images(self, article_id: int, images: list[dict[str, Any]]) -> None:
        self.db["images"].insert_all(
            {"article_id": article_id, "position": position, **image}
            for position, image in enumerate(images)
        )


def _image_row(image: Image) -> dict[str, Any]:
    return {name: getattr(image, name) for name in IMAGE_FIELDS}


def mark_seen(db: sqlite_utils.Database, urls: Iterable[str]) -> int:
    """Move ``last_seen`` of the articles stored under ``urls`` (as ``url`` or
    ``canonical_url``) to now, e.g. after a ``304 Not Modified``; return how many moved.
    """
    # One JSON parameter instead of one placeholder per URL: no limit on how many.
    urls_json = json.dumps(list(urls))
    with transaction(db):
        return db.execute(
            "update articles set last_seen = :now where url in (select value from json_each(:urls))"
            " or canonical_url in (select value from json_each(:urls))",
            {"now": utcnow(), "urls": urls_json},
        ).rowcount


def save_validators(
    db: sqlite_utils.Database, url: str, etag: str | None, last_modified: str | None
) -> None:
    """Remember the ``ETag`` / ``Last-Modified`` a page was served with (replacing older ones)."""
    with transaction(db):
        db["page_validators"].upsert(
            {"url": url, "etag": etag, "last_modified": last_modified, "fetched_at": utcnow()},
            pk="url",
        )


def start_crawl(db: sqlite_utils.Database, spider: str) -> int:
    """Record the start of a run of ``spider``; return its ``crawls.id``."""
    with transaction(db):
        return db["crawls"].insert({"spider": spider, "started_at": utcnow()}).last_pk


def finish_crawl(
    db: sqlite_utils.Database,
    crawl_id: int,
    *,
    finish_reason: str,
    stats: Mapping[str, Any],
) -> None:
    """Close the ``crawls`` row: finish time, reason, counts from the Scrapy ``stats``.

    The full stats (including every ``govnews/dropped/<reason>`` counter) are kept as JSON in
    ``crawls.stats``; datetimes become ISO 8601 text.
    """
    counts = {column: stats.get(key, 0) for column, key in CRAWL_COUNTS.items()}
    counts["articles_dropped"] = sum(
        value for key, value in stats.items() if key.startswith(DROPPED_PREFIX)
    )
    with transaction(db):
        db["crawls"].update(
            crawl_id,
            {
                "finished_at": utcnow(),
                "finish_reason": finish_reason,
                **counts,
                "stats": json.dumps(dict(stats), default=_json_default, sort_keys=True),
            },
        )


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    # Stats hold numbers, strings and datetimes; anything else is kept readable, not fatal.
    return repr(value)
