"""storage: schema and migrations, the batched writer, concurrency, search and export."""

from __future__ import annotations

import multiprocessing
import sqlite3
import tracemalloc
import types
from pathlib import Path

import pytest
import sqlite_utils

from crawler.items import Article, Image
from storage import db as storage_db
from storage import writer as storage_writer
from storage.db import connect, migrate, schema_version
from storage.migrations import migrations
from storage.queries import (
    ARTICLE_COLUMNS,
    article_by_url,
    iter_articles,
    known_urls,
    revalidation_targets,
    search,
    summary,
)
from storage.writer import (
    ArticleWriter,
    finish_crawl,
    mark_seen,
    save_validators,
    start_crawl,
)

EN_BODY = (
    "The Guangzhou International Award for Urban Innovation was launched in 2012.\n\n"
    "It promotes multilateral cooperation among global cities."
)
ZH_BODY = "国务院新闻办公室举行发布会，李强出席。\n\n会议介绍了经济运行情况。"


def article(n: int = 1, **fields) -> Article:
    values = {
        "url": f"https://govt.chinadaily.com.cn/s/202212/21/WS{n:024x}.html",
        "headline": f"Headline {n}",
        "site": "govt.chinadaily.com.cn",
        "spider": "govt_chinadaily",
        "published_at": "2022-12-21T15:42:07+08:00",
        "body": f"Body of article {n}.\n\nSecond paragraph.",
        "lang": "en",
        "content_hash": f"hash-{n}",
        "images": [Image(src=f"https://govt.chinadaily.com.cn/img/{n}.jpg", alt="Alt", credit="X")],
    }
    values.update(fields)
    return Article(**values)


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    database = connect(tmp_path / "govnews.db")
    yield database
    database.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """Control the timestamps the writer stamps (first_seen, last_seen, captured_at)."""
    now = {"value": "2024-01-01T00:00:00+00:00"}
    monkeypatch.setattr(storage_writer, "utcnow", lambda: now["value"])
    return now


# --- schema and migrations -----------------------------------------------------------------


def test_fresh_db_is_at_latest_version_in_wal(tmp_path: Path, db: sqlite_utils.Database) -> None:
    assert schema_version(db) == len(migrations._migrations) == 6
    assert db.execute("pragma user_version").fetchone()[0] == 6
    assert db.journal_mode == "wal"
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1
    assert db.execute("pragma busy_timeout").fetchone()[0] == 30_000
    tables = {
        "articles",
        "images",
        "crawls",
        "article_versions",
        "articles_fts_words",
    }
    assert tables <= set(db.table_names())
    # One full-text index: the trigram one (m001) is gone with its shadow tables and triggers.
    assert not [t for t in db.table_names() if t.startswith("articles_fts") and "words" not in t]
    assert {t.name for t in db.triggers} == {"articles_words_ad", "articles_words_au"}
    assert db.execute("pragma synchronous").fetchone()[0] == 1  # NORMAL
    assert db.execute("pragma wal_autocheckpoint").fetchone()[0] == 10_000
    ArticleWriter(db).write([article()])
    assert (tmp_path / "govnews.db-wal").exists()
    # WAL is a property of the file: any other client opens it in WAL mode too.
    plain = sqlite3.connect(tmp_path / "govnews.db")
    assert plain.execute("pragma journal_mode").fetchone()[0] == "wal"
    plain.close()


def test_migrating_twice_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "govnews.db"
    connect(path).close()
    db = connect(path)
    applied = [m.name for m in migrations.applied(db)]
    assert applied == [
        "m001_initial", "m002_article_versions", "m003_page_validators", "m004_articles_fts_words",
        "m005_drop_trigram_index", "m006_search_index_automerge",
    ]  # fmt: skip
    assert migrate(db) == []
    assert [m.name for m in migrations.applied(db)] == applied
    assert db["_sqlite_migrations"].count == 6


def test_migration_moves_a_db_made_by_the_first_schema_forward(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(sqlite3.connect(path))
    migrations.apply(old, stop_before="m002_article_versions")
    assert "article_versions" not in old.table_names()
    old["articles"].insert(
        {"url": "https://a.example/1", "headline": "Old headline", "body": "新闻办公室 old body",
         "first_seen": "2023-01-01T00:00:00+00:00", "last_seen": "2023-01-01T00:00:00+00:00"}
    )  # fmt: skip
    old["images"].insert({"article_id": 1, "position": 0, "src": "https://a.example/1.jpg"})
    old.close()

    db = connect(path)
    assert schema_version(db) == len(migrations._migrations)
    row = article_by_url(db, "https://a.example/1")
    assert row["headline"] == "Old headline"
    assert row["first_seen"] == "2023-01-01T00:00:00+00:00"
    assert [image["src"] for image in row["images"]] == ["https://a.example/1.jpg"]
    assert [r["url"] for r in search(db, "新闻办")] == ["https://a.example/1"]
    # The new table works on the migrated file.
    ArticleWriter(db).write([Article(url="https://a.example/1", headline="New", body="new body")])
    assert db["article_versions"].count == 1


def test_readonly_connection_cannot_write_or_create(tmp_path: Path, db) -> None:
    reader = connect(tmp_path / "govnews.db", readonly=True)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.execute("insert into crawls (spider, started_at) values ('x', 'y')")
    with pytest.raises(sqlite3.OperationalError):
        connect(tmp_path / "missing.db", readonly=True)
    assert not (tmp_path / "missing.db").exists()


# --- writer --------------------------------------------------------------------------------


def test_new_unchanged_updated_counts(db) -> None:
    writer = ArticleWriter(db)
    first = writer.write([article(1), article(2)])
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    again = writer.write([article(1), article(2), article(3)])
    assert (again.new, again.updated, again.unchanged) == (1, 0, 2)
    assert again.ids[:2] == first.ids
    edited = writer.write([article(1, body="Edited body.", content_hash="hash-1b"), article(2)])
    assert (edited.new, edited.updated, edited.unchanged) == (0, 1, 1)
    assert db["articles"].count == 3


def test_recrawl_keeps_first_seen_and_moves_last_seen(db, clock) -> None:
    writer = ArticleWriter(db)
    writer.write([article(1)])
    clock["value"] = "2024-01-02T00:00:00+00:00"
    writer.write([article(1)])
    row = article_by_url(db, article(1).url)
    assert (row["first_seen"], row["last_seen"]) == (
        "2024-01-01T00:00:00+00:00",
        "2024-01-02T00:00:00+00:00",
    )
    clock["value"] = "2024-01-03T00:00:00+00:00"
    writer.write([article(1, body="Changed.", content_hash="h2")])
    row = article_by_url(db, article(1).url)
    assert (row["first_seen"], row["last_seen"], row["body"]) == (
        "2024-01-01T00:00:00+00:00",
        "2024-01-03T00:00:00+00:00",
        "Changed.",
    )


def test_unchanged_article_only_moves_last_seen(db, clock) -> None:
    crawl1, crawl2 = start_crawl(db, "s"), start_crawl(db, "s")
    writer = ArticleWriter(db)
    writer.write([article(1)], crawl1)
    before = article_by_url(db, article(1).url)
    clock["value"] = "2024-02-01T00:00:00+00:00"
    assert writer.write([article(1)], crawl2).unchanged == 1
    after = article_by_url(db, article(1).url)
    assert {k for k in before if before[k] != after[k]} == {"last_seen"}
    assert after["crawl_id"] == crawl1
    assert db["article_versions"].count == 0


def test_changed_text_keeps_previous_version(db, clock) -> None:
    crawl1, crawl2 = start_crawl(db, "s"), start_crawl(db, "s")
    writer = ArticleWriter(db)
    writer.write([article(1)], crawl1)
    clock["value"] = "2024-03-01T00:00:00+00:00"
    new = article(1, headline="New headline", body="New body.", content_hash="hash-new",
                  updated_at="2024-03-01T08:00:00+08:00")  # fmt: skip
    assert writer.write([new], crawl2).updated == 1
    row = article_by_url(db, new.url)
    assert (row["headline"], row["body"], row["crawl_id"]) == ("New headline", "New body.", crawl2)
    (version,) = db["article_versions"].rows
    assert version == {
        "id": 1,
        "article_id": row["id"],
        "headline": "Headline 1",
        "body": "Body of article 1.\n\nSecond paragraph.",
        "content_hash": "hash-1",
        "published_at": "2022-12-21T15:42:07+08:00",
        "updated_at": None,
        "captured_at": "2024-03-01T00:00:00+00:00",
        "crawl_id": crawl2,
    }


def test_metadata_or_image_change_updates_without_version(db) -> None:
    writer = ArticleWriter(db)
    writer.write([article(1)])
    assert writer.write([article(1, section="News and Policies")]).updated == 1
    images = [Image(src="https://x/a.jpg", caption="A"), Image(src="https://x/b.jpg")]
    assert writer.write([article(1, section="News and Policies", images=images)]).updated == 1
    assert db["article_versions"].count == 0
    row = article_by_url(db, article(1).url)
    assert row["section"] == "News and Policies"
    assert [(i["position"], i["src"], i["caption"]) for i in row["images"]] == [
        (0, "https://x/a.jpg", "A"),
        (1, "https://x/b.jpg", None),
    ]
    assert db["images"].count == 2


def test_second_url_with_same_canonical_url_updates_the_first_row(db) -> None:
    writer = ArticleWriter(db)
    canonical = "https://govt.chinadaily.com.cn/s/202212/21/WS1.html"
    first = writer.write(
        [article(1, url="http://govt.chinadaily.com.cn/s/x", canonical_url=canonical)]
    )
    second = writer.write([article(1, url=canonical + "?from=list", canonical_url=canonical)])
    assert (second.unchanged, second.ids) == (1, first.ids)
    third = writer.write([article(1, url=canonical, canonical_url=canonical, body="Edited.")])
    assert (third.updated, third.ids) == (1, first.ids)
    assert db["articles"].count == 1
    assert article_by_url(db, canonical)["url"] == "http://govt.chinadaily.com.cn/s/x"


def test_same_article_twice_in_one_batch(db) -> None:
    writer = ArticleWriter(db)
    same = writer.write([article(1), article(1)])
    assert (same.new, same.unchanged, same.ids[0] == same.ids[1]) == (1, 1, True)
    canonical = "https://c/2"
    twice = writer.write(
        [
            article(2, canonical_url=canonical),
            article(2, url=canonical, canonical_url=canonical, body="Later text."),
            article(1, body="Edited once.", content_hash="e1"),
            article(1, body="Edited twice.", content_hash="e2"),
        ]
    )
    assert (twice.new, twice.updated, twice.unchanged) == (1, 3, 0)
    assert twice.ids[0] == twice.ids[1] and twice.ids[2] == twice.ids[3] == same.ids[0]
    assert db["articles"].count == 2
    assert article_by_url(db, canonical)["body"] == "Later text."
    assert article_by_url(db, article(1).url)["body"] == "Edited twice."
    # Both replaced texts of the stored article are kept, oldest first.
    assert [v["body"] for v in db["article_versions"].rows_where(order_by="id")] == [
        article(1).body,
        "Edited once.",
    ]
    assert db["images"].count == 2


def test_failed_batch_leaves_nothing_behind(db) -> None:
    writer = ArticleWriter(db)
    writer.write([article(1)])
    broken = article(3, images=[Image(src="https://x/ok.jpg"), Image(src=None)])  # NOT NULL src
    batch = [article(1, body="Edited.", content_hash="h"), article(2), broken, article(4)]
    with pytest.raises(sqlite3.IntegrityError):
        writer.write(batch)
    assert [r["url"] for r in db["articles"].rows] == [article(1).url]
    assert article_by_url(db, article(1).url)["body"] == article(1).body
    assert db["images"].count == 1
    assert db["article_versions"].count == 0
    assert not db.conn.in_transaction
    # The connection is usable after the rollback.
    assert writer.write([article(2)]).new == 1


def test_deleting_an_article_deletes_its_images_and_versions(db) -> None:
    writer = ArticleWriter(db)
    (article_id,) = writer.write([article(1)]).ids
    writer.write([article(1, body="Edited.", content_hash="h")])
    db["articles"].delete(article_id)
    assert (db["images"].count, db["article_versions"].count) == (0, 0)
    assert search(db, "Edited") == []


def test_finish_crawl_fills_counts_and_stats_json(db) -> None:
    from datetime import UTC, datetime

    crawl_id = start_crawl(db, "govt_chinadaily")
    stats = {
        "response_received_count": 12,
        "govnews/stored/new": 5,
        "govnews/stored/updated": 1,
        "govnews/stored/unchanged": 4,
        "govnews/dropped/no_body": 2,
        "govnews/dropped/future_date": 1,
        "govnews/parsed/site": 9,
        "govnews/parsed/fallback": 1,
        "log_count/ERROR": 3,
        "start_time": datetime(2024, 1, 1, tzinfo=UTC),
    }
    finish_crawl(db, crawl_id, finish_reason="closespider_timeout", stats=stats)
    row = db["crawls"].get(crawl_id)
    assert row["finish_reason"] == "closespider_timeout"
    assert row["finished_at"] >= row["started_at"]
    assert [row[c] for c in ("pages_fetched", "articles_new", "articles_updated",
                             "articles_unchanged", "articles_dropped", "site_parsed",
                             "fallback_parsed", "errors")] == [12, 5, 1, 4, 3, 9, 1, 3]  # fmt: skip
    dropped = dict(
        db.execute(
            "select key, value from crawls, json_each(crawls.stats)"
            " where crawls.id = ? and key like 'govnews/dropped/%' order by key",
            [crawl_id],
        ).fetchall()
    )
    assert dropped == {"govnews/dropped/future_date": 1, "govnews/dropped/no_body": 2}
    assert (
        db.execute(
            "select json_extract(stats, '$.start_time') from crawls where id = ?", [crawl_id]
        ).fetchone()[0]
        == "2024-01-01T00:00:00+00:00"
    )


# --- concurrency ---------------------------------------------------------------------------


def _writer_process(path: str, worker: int, count: int, batch: int, barrier) -> None:
    barrier.wait()  # both create/migrate the file and write at the same moment
    db = connect(path)
    writer = ArticleWriter(db)
    crawl_id = start_crawl(db, f"worker{worker}")
    for start in range(0, count, batch):
        # Every worker also re-writes a shared article, so the two really contend for rows.
        items = [article(worker * 100_000 + n) for n in range(start, start + batch)]
        writer.write([*items, article(0, body=f"worker {worker} batch {start}")], crawl_id)
    finish_crawl(db, crawl_id, finish_reason="finished", stats={})
    db.close()


def test_two_writer_processes_on_one_file(tmp_path: Path) -> None:
    path = str(tmp_path / "govnews.db")  # created by the racing processes themselves
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [
        context.Process(target=_writer_process, args=(path, w, 300, 10, barrier)) for w in (1, 2)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
    assert [p.exitcode for p in workers] == [0, 0]
    db = connect(path)
    assert db["articles"].count == 601
    assert db["images"].count == 601
    assert db["crawls"].count == 2
    assert db["_sqlite_migrations"].count == len(migrations._migrations)
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_readonly_reader_in_a_read_transaction_does_not_block_the_writer(
    tmp_path: Path, db
) -> None:
    writer = ArticleWriter(db)
    writer.write([article(1)])
    reader = connect(tmp_path / "govnews.db", readonly=True)
    reader.execute("begin")
    assert reader.execute("select count(*) from articles").fetchone()[0] == 1
    # The writer commits two batches (one updating the article the reader sees) meanwhile.
    writer.write([article(2), article(3)])
    writer.write([article(1, body="Edited.", content_hash="h")])
    assert reader.execute("select count(*) from articles").fetchone()[0] == 1
    assert reader.execute("select body from articles").fetchone()[0] == article(1).body
    assert reader.execute("select count(*) from images").fetchone()[0] == 1
    reader.execute("commit")
    assert reader.execute("select count(*) from articles").fetchone()[0] == 3
    assert reader.execute("select count(*) from images").fetchone()[0] == 3
    reader.close()


def test_busy_timeout_waits_for_the_other_writer(tmp_path: Path, db, monkeypatch) -> None:
    """A second writer waits for the lock (up to the busy timeout) rather than failing."""
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT", 0.2)
    other = connect(tmp_path / "govnews.db")
    other.execute("begin immediate")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        ArticleWriter(connect(tmp_path / "govnews.db")).write([article(1)])
    other.execute("commit")
    assert ArticleWriter(db).write([article(1)]).new == 1


# --- queries -------------------------------------------------------------------------------


@pytest.fixture
def mixed_db(db):
    ArticleWriter(db).write(
        [
            article(1, headline="Guangzhou Award promotes multilateral cooperation", body=EN_BODY,
                    published_at="2022-12-21T15:42:07+08:00"),
            article(2, headline="国务院新闻办公室举行发布会", body=ZH_BODY, lang="zh",
                    site="www.gov.cn", published_at="2024-01-05T10:30:00+08:00", images=[]),
            article(3, headline="Cities news", body="Urban innovation in cities; no award here.",
                    published_at="2023-06-01"),
        ]
    )  # fmt: skip
    return db


def test_search_english_word_ranked_with_snippet(mixed_db) -> None:
    results = search(mixed_db, "guangzhou")
    assert [r["id"] for r in results] == [1]
    assert "[Guangzhou]" in results[0]["snippet"]
    assert isinstance(results[0]["rank"], float)
    # "award" is in 1's headline and body, only in 3's (shorter) body: the headline weighs more.
    assert [r["id"] for r in search(mixed_db, "award")] == [1, 3]
    # Several terms: every one must occur.
    assert {r["id"] for r in search(mixed_db, "award cities")} == {1, 3}
    assert [r["id"] for r in search(mixed_db, "award multilateral")] == [1]


def test_search_chinese_three_or_more_characters(mixed_db) -> None:
    (result,) = search(mixed_db, "新闻办")
    assert result["id"] == 2
    assert "[新闻办]" in result["snippet"]
    assert search(mixed_db, "发布会李强") == []  # not a substring


@pytest.mark.parametrize("term", ["新闻", "李", "经济"])
def test_search_chinese_one_or_two_characters(mixed_db, term) -> None:
    (result,) = search(mixed_db, term)
    assert result["id"] == 2
    assert f"[{term}]" in result["snippet"]
    assert isinstance(result["rank"], float)  # ranked like any other term


def test_search_mixed_short_and_long_terms_and_odd_input(mixed_db) -> None:
    assert [r["id"] for r in search(mixed_db, "李强 新闻办公室")] == [2]
    assert search(mixed_db, "李强 Guangzhou") == []
    assert search(mixed_db, "") == search(mixed_db, "   ") == []
    # FTS syntax and LIKE wildcards are searched literally, never an error.
    assert search(mixed_db, 'AND OR "NEAR( *') == []
    assert search(mixed_db, "%") == search(mixed_db, "_") == []
    assert len(search(mixed_db, "award", limit=1)) == 1


def test_search_index_follows_updates(mixed_db) -> None:
    ArticleWriter(mixed_db).write([article(1, headline="Renamed", body="Entirely new words.")])
    assert search(mixed_db, "guangzhou") == []
    assert [r["id"] for r in search(mixed_db, "entirely")] == [1]


def test_iter_articles_streams_in_stable_order_with_filters(mixed_db) -> None:
    rows = iter_articles(mixed_db)
    assert isinstance(rows, types.GeneratorType)
    rows = list(rows)
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert all(tuple(r) == ARTICLE_COLUMNS for r in rows)
    assert tuple(mixed_db["articles"].columns_dict) == ARTICLE_COLUMNS

    def ids(**filters) -> list[int]:
        return [r["id"] for r in iter_articles(mixed_db, **filters)]

    assert ids(since="2023-01-01") == [2, 3]
    assert ids(until="2022-12-21") == [1]  # a plain date covers the whole day
    assert ids(until="2022-12-21T12:00:00+08:00") == []
    assert ids(since="2023-06-01", until="2023-06-01") == [3]
    assert ids(site="www.gov.cn") == [2]
    assert ids(lang="zh") == [2]
    with_images = list(iter_articles(mixed_db, with_images=True))
    assert [len(r["images"]) for r in with_images] == [1, 0, 1]
    assert list(with_images[0]) == [*ARTICLE_COLUMNS, "images"]
    assert with_images[0]["images"][0]["src"] == "https://govt.chinadaily.com.cn/img/1.jpg"


def test_iter_articles_memory_does_not_grow_with_the_db(db) -> None:
    big_body = "word " * 2_000  # 10 kB
    writer = ArticleWriter(db)
    for start in range(0, 1_000, 200):
        writer.write(article(n, body=f"{n} {big_body}") for n in range(start, start + 200))
    tracemalloc.start()
    count = sum(1 for _ in iter_articles(db, with_images=True))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 1_000
    assert peak < 1_000_000  # the bodies total 10 MB


def test_known_urls_and_article_by_url(db) -> None:
    writer = ArticleWriter(db)
    writer.write([article(1, canonical_url="https://c/1"), article(2, spider="other")])
    assert known_urls(db) == {article(1).url, "https://c/1", article(2).url}
    assert known_urls(db, spider="other") == {article(2).url}
    assert article_by_url(db, "https://c/1")["url"] == article(1).url
    assert article_by_url(db, "https://nowhere/") is None


def test_mark_seen_moves_only_last_seen(db, clock) -> None:
    ArticleWriter(db).write([article(1, canonical_url="https://c/1"), article(2)])
    clock["value"] = "2024-05-01T00:00:00+00:00"
    assert mark_seen(db, ["https://c/1", "https://unknown/"]) == 1
    assert mark_seen(db, []) == 0
    first, second = iter_articles(db)
    assert (first["first_seen"], first["last_seen"]) == (
        "2024-01-01T00:00:00+00:00",
        "2024-05-01T00:00:00+00:00",
    )
    assert second["last_seen"] == "2024-01-01T00:00:00+00:00"


def test_validators_and_revalidation_targets(db) -> None:
    ArticleWriter(db).write(
        [
            article(1, canonical_url="https://c/1", published_at="2024-03-01T09:00:00+08:00"),
            article(2, published_at="2023-01-01"),
            article(3, published_at="2024-03-02", spider="other"),
        ]
    )
    save_validators(db, {article(1).url: ('"v1"', "Fri, 01 Mar 2024 01:00:00 GMT")})
    save_validators(db, {article(1).url: ('"v2"', None)})  # replaces
    assert db["page_validators"].count == 1
    assert revalidation_targets(db, "2024-01-01", "govt_chinadaily") == {
        article(1).url: ('"v2"', None),
        "https://c/1": ('"v2"', None),
    }
    assert revalidation_targets(db, "2024-01-01") == {
        article(1).url: ('"v2"', None),
        "https://c/1": ('"v2"', None),
        article(3).url: (None, None),
    }


def test_summary(mixed_db) -> None:
    assert summary(mixed_db) == {
        "articles": 3,
        "images": 2,
        "crawls": 0,
        "languages": {"en": 2, "zh": 1},
        "earliest_published": "2022-12-21T15:42:07+08:00",
        "latest_published": "2024-01-05T10:30:00+08:00",
    }
