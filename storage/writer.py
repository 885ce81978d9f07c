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
from storage import search_index
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

# Plain executemany for the bulk of a write: sqlite-utils' insert_all inspects every value of
# every row (a third of the writer's own time), and these rows need nothing of that.
_NEW_COLUMNS = ("id", *ARTICLE_FIELDS, "first_seen", "last_seen", "crawl_id")
_INSERT_ARTICLE = (
    f"insert into articles ({', '.join(_NEW_COLUMNS)})"
    f" values ({', '.join('?' * len(_NEW_COLUMNS))})"
)
_IMAGE_COLUMNS = ("article_id", "position", *IMAGE_FIELDS)
_INSERT_IMAGE = (
    f"insert into images ({', '.join(_IMAGE_COLUMNS)})"
    f" values ({', '.join('?' * len(_IMAGE_COLUMNS))})"
)


@dataclass
class WriteResult:
    """What one :meth:`ArticleWriter.write` did."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Row id of each article written, in input order.
    ids: list[int] = field(default_factory=list)


class ArticleWriter:
    """Upsert :class:`~crawler.items.Article` items and their images into ``db``.

    With ``index_search=False`` a write stores articles and images only, and what it stored is
    not found by search until :meth:`index_missing` runs (bulk imports: the index is then built
    in large statements, which FTS5 does for less, and not in the writes' transactions). An
    updated article's old text leaves the index with the write all the same (a trigger).
    """

    def __init__(self, db: sqlite_utils.Database, *, index_search: bool = True) -> None:
        self.db = db
        self.index_search = index_search
        # Articles another client inserted or edited since the last writer (its triggers can
        # only take stale rows out of the word index) go back into search: once per crawl.
        self.index_missing()

    def index_missing(self) -> int:
        """Index for search every article the index lacks; return how many.

        A transaction per few hundred articles: a catch-up after a long deferred crawl takes
        seconds, and another writer (the next spider's batch) must not wait that long for the
        lock.
        """
        done = 0
        chunks = search_index.index_missing_chunks(self.db)
        while True:
            with transaction(self.db):
                indexed = next(chunks, 0)
            if not indexed:
                return done
            done += indexed

    def write(self, articles: Iterable[Article], crawl_id: int | None = None) -> WriteResult:
        """Write one batch in one transaction; on any error nothing of the batch is kept.

        :param articles: normalised articles; ``None`` fields are stored as NULL.
        :param crawl_id: the ``crawls`` row of the run that found them (``None`` outside a crawl).
        """
        articles = list(articles)
        with transaction(self.db):
            batch = _Batch(self.db, articles, crawl_id)
            result = batch.write()
            if self.index_search:
                # One statement for the batch: FTS5 flushes its pending index data at every
                # statement that writes to it, so one per article made the writer 1.7x slower.
                search_index.add(self.db, [*batch.new, *batch.reindex.values()])
            return result


class _Batch:
    """One write: decide each article's outcome in memory, then write with few statements.

    Rows go in with ``executemany``; the texts to index are left in :attr:`new` and
    :attr:`reindex` for the writer. Articles are decided in input order against the stored rows
    and the batch's earlier articles, so a batch means the same as writing its articles one by
    one (except that an article new in this batch keeps no version of text it had earlier in
    the same batch).
    """

    def __init__(self, db: sqlite_utils.Database, articles: list[Article], crawl_id: int | None):
        self.db = db
        self.articles = articles
        self.crawl_id = crawl_id
        self.now = utcnow()
        #: Stored and new records (row + ``id`` + ``images``) by ``url`` and ``canonical_url``.
        self.index: dict[str, dict[str, Any]] = {}
        self.new: list[dict[str, Any]] = []
        self.unchanged_ids: set[int] = set()
        self.versions: list[dict[str, Any]] = []
        #: Stored records whose headline or body changed, to re-index in the word index.
        self.reindex: dict[int, dict[str, Any]] = {}
        #: Images to insert, by article: a record's final images when they changed.
        self.images: dict[int, list[dict[str, Any]]] = {}

    def write(self) -> WriteResult:
        self._load_stored()
        result = WriteResult()
        records = []
        for article in self.articles:
            outcome, record = self._decide(article)
            setattr(result, outcome, getattr(result, outcome) + 1)
            records.append(record)
        self._flush()
        result.ids = [record["id"] for record in records]
        return result

    def _load_stored(self) -> None:
        keys = {key for a in self.articles for key in (a.url, a.canonical_url) if key}
        rows = list(
            self.db.query(
                "select * from articles where url in (select value from json_each(:keys))"
                " or canonical_url in (select value from json_each(:keys)) order by id",
                {"keys": json.dumps(sorted(keys))},
            )
        )
        images: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
        for image in self.db.query(
            f"select article_id, {', '.join(IMAGE_FIELDS)} from images"
            " where article_id in (select value from json_each(:ids))"
            " order by article_id, position",
            {"ids": json.dumps(list(images))},
        ):
            images[image.pop("article_id")].append(image)
        # A URL key wins over a canonical key; among canonical keys the oldest row wins.
        for row in rows:
            if row["canonical_url"]:
                self.index.setdefault(row["canonical_url"], row)
        for row in rows:
            row["images"] = images[row["id"]]
            self.index[row["url"]] = row

    def _decide(self, article: Article) -> tuple[Outcome, dict[str, Any]]:
        row = {name: getattr(article, name) for name in ARTICLE_FIELDS}
        row["body"] = row["body"] or ""
        images = [{name: getattr(image, name) for name in IMAGE_FIELDS} for image in article.images]
        record = self.index.get(article.url)
        if record is None and article.canonical_url:
            record = self.index.get(article.canonical_url)
        if record is None:
            record = {**row, "first_seen": self.now, "last_seen": self.now,
                      "crawl_id": self.crawl_id, "id": None, "images": images}  # fmt: skip
            self.new.append(record)
            self.index.setdefault(article.url, record)
            if article.canonical_url:
                self.index.setdefault(article.canonical_url, record)
            return "new", record

        # The row keeps the URL it was first stored under.
        del row["url"]
        changed = {name for name, value in row.items() if record[name] != value}
        if not changed and images == record["images"]:
            if record["id"] is not None:
                self.unchanged_ids.add(record["id"])
            return "unchanged", record
        if record["id"] is not None:
            if changed.intersection(VERSIONED_FIELDS):
                self.versions.append(
                    {
                        "article_id": record["id"],
                        **{name: record[name] for name in VERSIONED_FIELDS},
                        "captured_at": self.now,
                        "crawl_id": self.crawl_id,
                    }
                )
            update = {**row, "last_seen": self.now, "crawl_id": self.crawl_id}
            self.db["articles"].update(record["id"], update)
            if changed.intersection(("headline", "body")):
                self.reindex[record["id"]] = record
            if images != record["images"]:
                self.db["images"].delete_where("article_id = ?", [record["id"]])
                self.images[record["id"]] = images
        record.update(row, last_seen=self.now, crawl_id=self.crawl_id, images=images)
        return "updated", record

    def _flush(self) -> None:
        if self.new:
            # Ids given, as SQLite would choose them (one past the largest; the write lock is
            # held): no query afterwards to learn them.
            (last_id,) = self.db.execute("select coalesce(max(id), 0) from articles").fetchone()
            for record_id, record in enumerate(self.new, last_id + 1):
                record["id"] = record_id
                self.images[record_id] = record["images"]
            self.db.conn.executemany(
                _INSERT_ARTICLE, [[record[name] for name in _NEW_COLUMNS] for record in self.new]
            )
        self.db.conn.executemany(
            _INSERT_IMAGE,
            [
                (article_id, position, *(image[name] for name in IMAGE_FIELDS))
                for article_id, images in self.images.items()
                for position, image in enumerate(images)
            ],
        )
        if self.versions:
            self.db["article_versions"].insert_all(self.versions)
        if self.unchanged_ids:
            self.db.execute(
                "update articles set last_seen = ? where id in (select value from json_each(?))",
                [self.now, json.dumps(sorted(self.unchanged_ids))],
            )


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
    db: sqlite_utils.Database, validators: Mapping[str, tuple[str | None, str | None]]
) -> None:
    """Remember the ``(ETag, Last-Modified)`` each URL was served with (replacing older ones)."""
    now = utcnow()
    rows = [
        {"url": url, "etag": etag, "last_modified": last_modified, "fetched_at": now}
        for url, (etag, last_modified) in validators.items()
    ]
    with transaction(db):
        db["page_validators"].upsert_all(rows, pk="url")


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
