"""The govnews schema as a list of named migrations (sqlite-utils ``Migrations``).

Applied migrations are recorded in the ``_sqlite_migrations`` table (and their count in
``PRAGMA user_version``), so :func:`storage.db.connect` moves any older file forward. Never edit
a migration that has shipped: add a new one. ``docs/schema.md`` documents the result, and
``tests/test_schema_doc.py`` checks that the two agree.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.db import ForeignKey
from sqlite_utils.migrations import Migrations

from storage import search_index

migrations = Migrations("govnews")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    """Articles, their images, crawl runs, and trigram full-text search (issue 2)."""
    db["crawls"].create(
        {
            "id": int,
            "spider": str,
            "started_at": str,
            "finished_at": str,
            "finish_reason": str,
            "pages_fetched": int,
            "articles_new": int,
            "articles_updated": int,
            "articles_unchanged": int,
            "articles_dropped": int,
            "site_parsed": int,
            "fallback_parsed": int,
            "errors": int,
            "stats": str,
        },
        pk="id",
        not_null=["spider", "started_at"],
    )
    articles = db["articles"]
    articles.create(
        {
            "id": int,
            "url": str,
            "canonical_url": str,
            "site": str,
            "spider": str,
            "section": str,
            "headline": str,
            "subtitle": str,
            "byline": str,
            "source": str,
            "editor": str,
            "published_at": str,
            "updated_at": str,
            "date_raw": str,
            "body": str,
            "lang": str,
            "word_count": int,
            "content_hash": str,
            "extractor": str,
            "first_seen": str,
            "last_seen": str,
            "crawl_id": int,
        },
        pk="id",
        not_null=["url", "first_seen", "last_seen"],
        foreign_keys=[("crawl_id", "crawls", "id")],
    )
    articles.create_index(["url"], unique=True)
    for column in ("canonical_url", "site", "spider", "published_at", "content_hash"):
        articles.create_index([column])
    images = db["images"]
    images.create(
        {
            "id": int,
            "article_id": int,
            "position": int,
            "src": str,
            "alt": str,
            "alt_lang": str,
            "caption": str,
            "caption_lang": str,
            "credit": str,
        },
        pk="id",
        not_null=["article_id", "position", "src"],
        foreign_keys=[_cascade("images", "article_id", "articles")],
    )
    images.create_index(["article_id", "position"], unique=True)
    # Trigram: the default unicode61 tokenizer keeps a run of Chinese characters as one token,
    # so a word inside a sentence would never match. Trigram matches any substring of >= 3
    # characters; queries.search() handles shorter terms with LIKE.
    articles.enable_fts(["headline", "body"], tokenize="trigram", create_triggers=True)
    # sqlite-utils' update trigger re-indexes on any UPDATE; a re-crawl of an unchanged article
    # only moves last_seen, so re-index only when the indexed text changes (3x faster re-crawls).
    db.execute("DROP TRIGGER articles_au")
    db.execute(
        """
        CREATE TRIGGER articles_au AFTER UPDATE OF headline, body ON articles BEGIN
          INSERT INTO articles_fts (articles_fts, rowid, headline, body)
            VALUES ('delete', old.rowid, old.headline, old.body);
          INSERT INTO articles_fts (rowid, headline, body)
            VALUES (new.rowid, new.headline, new.body);
        END
        """
    )


@migrations()
def m002_article_versions(db: sqlite_utils.Database) -> None:
    """Previous text of an article that a re-crawl found changed (issue 5)."""
    versions = db["article_versions"]
    versions.create(
        {
            "id": int,
            "article_id": int,
            "headline": str,
            "body": str,
            "content_hash": str,
            "published_at": str,
            "updated_at": str,
            "captured_at": str,
            "crawl_id": int,
        },
        pk="id",
        not_null=["article_id", "captured_at"],
        foreign_keys=[
            _cascade("article_versions", "article_id", "articles"),
            ("crawl_id", "crawls", "id"),
        ],
    )
    versions.create_index(["article_id"])


@migrations()
def m003_page_validators(db: sqlite_utils.Database) -> None:
    """HTTP validators of fetched article pages, for conditional re-fetches (issue 5).

    Keyed by the fetched URL, not by article: they are saved when the response arrives,
    before the article is parsed and stored (and a page that fails to parse still has them).
    """
    db["page_validators"].create(
        {"url": str, "etag": str, "last_modified": str, "fetched_at": str},
        pk="url",
        not_null=["url", "fetched_at"],
    )


def _cascade(table: str, column: str, other_table: str) -> ForeignKey:
    """A foreign key to ``other_table.id`` whose rows go when the parent row is deleted."""
    return ForeignKey(table, column, other_table, "id", on_delete="CASCADE")


@migrations()
def m004_articles_fts_words(db: sqlite_utils.Database) -> None:
    """A word index for search: English words and Chinese terms of any length (issue 5).

    The trigram index cannot match 1-2 characters and ranks common words slowly; this one holds
    unicode61 words and 2-character windows of CJK runs (see ``storage.search_index``). Its text
    is transformed in Python, so the writer keeps it; these triggers only drop rows that would
    be stale. The backfill indexes every stored article.
    """
    # prefix='1': a 1-character Chinese term is a prefix query over the windows it starts.
    db.execute(
        "CREATE VIRTUAL TABLE articles_fts_words USING fts5"
        " (headline, body, tokenize='unicode61 remove_diacritics 2', prefix='1')"
    )
    db.execute(
        """
        CREATE TRIGGER articles_words_ad AFTER DELETE ON articles BEGIN
          DELETE FROM articles_fts_words WHERE rowid = old.id;
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER articles_words_au AFTER UPDATE OF headline, body ON articles
        WHEN old.headline IS NOT new.headline OR old.body IS NOT new.body BEGIN
          DELETE FROM articles_fts_words WHERE rowid = old.id;
        END
        """
    )
    search_index.index_missing(db)


@migrations()
def m005_drop_trigram_index(db: sqlite_utils.Database) -> None:
    """Drop the trigram index ``articles_fts``: ``articles_fts_words`` is the one full-text
    index (issue 7).

    Search stopped using the trigram index in m004, but its triggers still indexed every
    article: four times the cost of the word index, three quarters of a crawl's storage time.
    The triggers go first (by name: sqlite-utils' ``disable_fts()`` does not recognise the
    ``articles_au`` that m001 rewrote); dropping the FTS5 table drops its shadow tables. The
    freed pages stay in the file until a ``VACUUM`` (see docs/operations.md). Articles another
    client inserted were in the trigram index (its triggers saw them) but not in the word
    index: they are indexed now, so no article drops out of search.
    """
    for trigger in ("articles_ai", "articles_ad", "articles_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute("DROP TABLE IF EXISTS articles_fts")
    search_index.index_missing(db)


@migrations()
def m006_search_index_automerge(db: sqlite_utils.Database) -> None:
    """Let the word index merge its segments 16 at a time, not 4 (issue 7).

    FTS5 writes a new index segment for every statement that adds text (one per batch). Once a
    level holds ``automerge`` segments (default 4), later writes merge them, a few pages each,
    into one segment of the next level: every entry is rewritten once per level. At 16, there
    are half as many levels. ``crisismerge`` (default 16: a whole level merged at once, in one
    write) goes to 64, or ``automerge`` 16 would make every merge a crisis merge. At 50,000
    synthetic articles, written alternately into files with each setting: 1,785 articles/s
    at 4 and 16, 2,066 at 16 and 64 (2,084 at 16 and 16, but with one batch of 50 taking 853 ms
    instead of at most 148); search p95 5.2 and 5.3 ms. The settings are kept in the index's
    own config table.
    """
    table = search_index.TABLE
    for option, value in (
        ("automerge", search_index.AUTOMERGE),
        ("crisismerge", search_index.CRISISMERGE),
    ):
        db.execute(f"INSERT INTO {table} ({table}, rank) VALUES (?, ?)", [option, value])
