"""A database file made by an earlier schema moves forward with no data lost, and keeps working.

For every migration M after the first, a file is built by the migrations before M only (as an
older govnews left it), filled with rows, and then opened by today's code: every row must come
back unchanged, and export, search and an incremental crawl must work on it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from crawler.items import Article
from crawler.verdict import ExitCode
from storage import search_index
from storage.db import connect, schema_version
from storage.migrations import migrations
from storage.queries import search
from storage.writer import ArticleWriter
from tests.conftest import DEMO_MIRROR
from tests.test_cron import HOST, article_files, crawl_args, govnews

NAMES = [m.name for m in migrations.pending(sqlite_utils.Database(memory=True))]
#: The trigram index and its FTS5 shadow tables: dropped by m005 (derived data, no text).
TRIGRAM_TABLES = {"articles_fts"} | {
    f"articles_fts_{shadow}" for shadow in ("data", "idx", "docsize", "config")
}
#: A demo-mirror article, so that a crawl of the mirror finds it already stored.
MIRRORED = sorted(article_files(DEMO_MIRROR))[0].relative_to(DEMO_MIRROR).as_posix()
OLD_URL = f"https://{MIRRORED}"


def old_db(path: Path, stop_before: str) -> dict[str, list[tuple]]:
    """A file at the schema before ``stop_before``, with rows; returns every table's rows."""
    old = sqlite_utils.Database(sqlite3.connect(path))
    migrations.apply(old, stop_before=stop_before)
    old["crawls"].insert(
        {"spider": "govt_chinadaily", "started_at": "2023-01-01T00:00:00+00:00",
         "finished_at": "2023-01-01T00:05:00+00:00", "finish_reason": "finished",
         "articles_new": 2, "stats": json.dumps({"govnews/stored/new": 2})}
    )  # fmt: skip
    seen = {"first_seen": "2023-01-01T00:01:00+00:00", "last_seen": "2023-01-01T00:01:00+00:00"}
    old["articles"].insert_all(
        [
            {"url": OLD_URL, "headline": "Stored by an older govnews", "body": "Old body.",
             "site": HOST, "spider": "govt_chinadaily", "lang": "en",
             "published_at": "2023-02-27T10:00:00+08:00", "crawl_id": 1, **seen},
            {"url": "https://www.gov.cn/xinwen/2023-01/01/content_1.htm",
             "headline": "国务院新闻办公室举行发布会",
             "body": "李强出席。\n\n会议介绍了经济运行情况。",
             "site": "www.gov.cn", "spider": "gov_cn", "lang": "zh", "crawl_id": 1, **seen},
        ]
    )  # fmt: skip
    old["images"].insert({"article_id": 2, "position": 0, "src": "https://www.gov.cn/1.jpg"})
    if "article_versions" in old.table_names():
        old["article_versions"].insert(
            {"article_id": 2, "headline": "旧标题", "body": "旧正文",
             "captured_at": "2023-01-01T00:02:00+00:00", "crawl_id": 1}
        )  # fmt: skip
    if "m005_drop_trigram_index" in {m.name for m in migrations.applied(old)}:
        # Stored by that version's writer, which kept the word index (m005 itself indexes
        # what an older version's trigger-kept index had and the word index lacked).
        search_index.index_missing(old)
    tables = {t: list(old.execute(f"select * from [{t}]")) for t in old.table_names()}
    old.close()
    return tables


@pytest.mark.parametrize("stop_before", NAMES[1:])
def test_old_file_moves_forward_with_every_row(tmp_path: Path, stop_before: str) -> None:
    path = tmp_path / "govnews.db"
    before = old_db(path, stop_before)
    # A reader (export) works on the old file as it is, without migrating it.
    exported = govnews("export", "--db", str(path), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert len(exported.stdout.splitlines()) == 2
    assert "_sqlite_migrations" in before

    db = connect(path)
    assert schema_version(db) == len(NAMES)
    assert db.execute("pragma user_version").fetchone()[0] == len(NAMES)
    assert db.journal_mode == "wal"
    assert not TRIGRAM_TABLES & set(db.table_names())
    assert {t.name for t in db.triggers} == {"articles_words_ad", "articles_words_au"}
    for table, rows in before.items():
        if table.startswith("articles_fts"):  # full-text indexes: derived, checked by search
            continue
        if table == "_sqlite_migrations":  # gains the new migrations' rows
            assert list(db.execute(f"select * from [{table}]"))[: len(rows)] == rows
            continue
        # Old columns keep their values (a migration may append columns, never drop one).
        width = len(rows[0]) if rows else 0
        assert [r[:width] for r in db.execute(f"select * from [{table}]")] == rows, table
    assert set(db.table_names()) >= {"article_versions", "page_validators"}
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert db.execute("pragma foreign_key_check").fetchall() == []
    db.close()

    found = govnews("search", "--db", str(path), "新闻办公室", "--format", "jsonl", cwd=tmp_path)
    assert [json.loads(line)["id"] for line in found.stdout.splitlines()] == [2]

    # Edited text is re-indexed (no trigger of the dropped index is left to fail the update).
    db = connect(path)
    edited = Article(url=OLD_URL, headline="Edited by a re-crawl", body="Old body, edited.")
    assert ArticleWriter(db).write([edited]).updated == 1
    assert [hit["id"] for hit in search(db, "edited")] == [1]
    assert search(db, "older") == []
    db.close()


def test_crawl_on_a_migrated_file_skips_what_the_old_version_stored(tmp_path, mirror_server):
    path = tmp_path / "govnews.db"
    old_db(path, NAMES[1])
    server = mirror_server(DEMO_MIRROR)
    result = govnews(*crawl_args(path, server.url), cwd=tmp_path)
    assert result.returncode == ExitCode.OK, result.stderr[-3000:]
    fetched = server.fetched()
    assert f"/{MIRRORED}" not in fetched  # already stored by the older version
    db = connect(path, readonly=True)
    n = len(article_files(DEMO_MIRROR))
    assert db.execute("select articles_new from crawls where id = 2").fetchone() == (n - 1,)
    assert db["articles"].count == 2 + n - 1
    old = db.execute("select headline, first_seen from articles where url = ?", [OLD_URL])
    assert old.fetchone() == ("Stored by an older govnews", "2023-01-01T00:01:00+00:00")
