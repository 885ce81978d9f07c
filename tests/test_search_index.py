"""The word index (articles_fts_words): Chinese terms of any length, English words, in sync."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlite_utils

from crawler.items import Article
from storage import queries, search_index
from storage import writer as writer_module
from storage.db import connect, transaction
from storage.migrations import migrations
from storage.queries import search
from storage.writer import ArticleWriter

ZH = "国务院新闻办公室1月5日举行发布会，李强出席。\n\n会议介绍了G20峰会和经济运行情况。"
EN = "Premier Li Qiang met the delegates in Xi'an.\n\nThe awards went to global cities."


def article(n: int, headline: str, body: str) -> Article:
    return Article(url=f"https://www.gov.cn/{n}.htm", headline=headline, body=body)


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    database = connect(tmp_path / "govnews.db")
    ArticleWriter(database).write(
        [
            article(1, "国务院新闻办公室举行发布会", ZH),
            article(2, "Premier meets delegates", EN),
            article(3, "李强在西安", "李强会见代表。Li Qiang met the delegates."),
        ]
    )
    yield database
    database.close()


def ids(db: sqlite_utils.Database, query: str) -> list[int]:
    return [result["id"] for result in search(db, query)]


def test_index_text_splits_cjk_runs_into_windows() -> None:
    assert search_index.index_text("李强出席会议") == " 李强 强出 出席 席会 会议 议 "
    # Punctuation ends a run; words and numbers stay as they are, apart from the windows.
    text = search_index.index_text("发布会，李强 G20峰会 Xi'an")
    assert text.split() == ["发布", "布会", "会", "，", "李强", "强", "G20", "峰会", "会", "Xi'an"]
    assert search_index.index_text("Only English.") == "Only English."
    assert search_index.index_text("Café “quoted”") == "Café “quoted”"  # not ASCII, no CJK
    assert search_index.index_text(None) is None
    # One-character runs, kana, and characters beyond the BMP are windowed alike.
    assert search_index.index_text("a李b").split() == ["a", "李", "b"]
    assert search_index.index_text("カタカナ").split() == ["カタ", "タカ", "カナ", "ナ"]
    assert search_index.index_text("𠀀𠀁x").split() == ["𠀀𠀁", "𠀁", "x"]


@pytest.mark.parametrize(
    ("term", "match"),
    [
        ("李", '"李"*'),  # 1 character: any window it starts
        ("新闻", '"新闻"'),
        ("新闻办公室", '"新闻 闻办 办公 公室"'),
        ("G20峰", '"G20 峰"*'),
        ("会议G20", '"会议 议 G20"'),  # the run ends before G20: its last window is one character
        ("Xi'an", '"Xi\'an"'),
        ('NEAR("x', '"NEAR(x"'),  # FTS syntax stays inside the string, quotes dropped
        ("%", None),
        ("*", None),
    ],
)
def test_match_term(term: str, match: str | None) -> None:
    assert search_index.match_term(term) == match


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("李", [3, 1]),  # 1 character; the headline match first
        ("强", [3, 1]),  # the last character of a run
        ("议", [1]),  # at the end of a run, before punctuation
        ("新闻", [1]),  # 2 characters
        ("李强", [3, 1]),
        ("新闻办公室", [1]),  # 3+ characters
        ("国务院新闻办公室举行发布会", [1]),  # the whole headline
        ("发布会李强", []),  # not a substring: punctuation between them
        ("会李", []),
        ("闻新", []),  # characters present, but not in this order
        ("G20峰会", [1]),
        ("峰会", [1]),
        ("2月", []),
    ],
)
def test_chinese_terms_of_any_length_match_substrings(db, query: str, expected) -> None:
    assert ids(db, query) == expected


def test_english_terms_match_whole_words_case_and_accent_insensitively(db) -> None:
    assert sorted(ids(db, "qiang")) == [2, 3]
    assert ids(db, "delegates") == [2, 3]  # headline match first
    assert ids(db, "award") == []  # whole words: "awards" is another word
    assert ids(db, "awards") == [2]
    assert ids(db, "e") == []
    assert ids(db, "Xi'an") == ids(db, "xi-an") == [2]
    ArticleWriter(db).write([article(2, "Premier meets delegates", "Café society.")])
    assert ids(db, "cafe") == [2]


def test_mixed_english_and_chinese_query(db) -> None:
    assert ids(db, "李强 delegates") == [3]
    # Separators between a Chinese character and a word or number do not count.
    ArticleWriter(db).write([article(4, "G20 峰会", "5 月")])
    assert ids(db, "G20峰会") == [4, 1]
    assert ids(db, "5月") == [4]  # 1 has "1月5日"
    assert ids(db, "Qiang 会议") == []  # every term must occur in the same article
    (hit,) = search(db, "李强 delegates")
    assert "[李强]" in hit["snippet"] and "[delegates]" in hit["snippet"]


def test_snippets_mark_what_the_index_matched(db) -> None:
    (hit,) = search(db, "峰")
    assert "介绍了G20[峰]会" in hit["snippet"]
    hit = next(h for h in search(db, "Li") if h["id"] == 2)
    assert hit["snippet"].startswith("Premier [Li] Qiang")  # a word, not inside "delegates"
    (hit,) = search(db, "awards")
    assert "The [awards] went" in hit["snippet"]
    (hit,) = search(db, "Xi'an")
    assert "[Xi'an]" in hit["snippet"]


def test_results_are_ranked_and_limited(db) -> None:
    hits = search(db, "李", limit=1)
    assert [h["id"] for h in hits] == [3]
    assert all(isinstance(h["rank"], float) for h in search(db, "李"))


def test_only_the_most_recently_stored_matches_are_ranked(db, monkeypatch) -> None:
    """Bounded work for a common word: the newest RANKED_MATCHES matches, best first."""
    ArticleWriter(db).write([article(4, "Newer", "delegates"), article(5, "Newest", "x")])
    assert ids(db, "delegates") == [2, 4, 3]  # 2 has it in the headline
    monkeypatch.setattr(queries, "RANKED_MATCHES", 2)
    assert ids(db, "delegates") == [4, 3]  # 2 is the oldest of the three matches


def test_updates_and_deletes_keep_the_index_in_sync(db) -> None:
    writer = ArticleWriter(db)
    writer.write([article(1, "新的标题", "完全不同的正文。")])
    assert ids(db, "新闻") == []
    assert ids(db, "正文") == [1]
    assert ids(db, "标") == [1]
    # The same article twice in one batch: indexed once, with its last text.
    writer.write([article(4, "第一版", "甲"), article(4, "第二版", "乙")])
    assert ids(db, "第二版") == [4] and ids(db, "第一版") == []
    # An edit by another client drops the stale row; index_missing() brings it back.
    db["articles"].update(2, {"headline": "Edited elsewhere"})
    assert ids(db, "premier") == []
    assert ids(db, "edited") == []
    assert search_index.index_missing(db) == 1
    assert ids(db, "edited") == [2]
    db["articles"].delete(3)
    assert ids(db, "李强") == []  # 1 no longer has it, 3 is gone
    assert ids(db, "delegates") == [2]
    rows = db.execute("select rowid from articles_fts_words order by rowid").fetchall()
    assert [row[0] for row in rows] == [r["id"] for r in db.query("select id from articles")]
    db.execute("insert into articles_fts_words (articles_fts_words) values ('integrity-check')")


def test_unchanged_recrawl_does_not_touch_the_index(db) -> None:
    before = db.execute("select count(*) from articles_fts_words_data").fetchone()
    result = ArticleWriter(db).write([article(2, "Premier meets delegates", EN)])
    assert result.unchanged == 1
    assert db.execute("select count(*) from articles_fts_words_data").fetchone() == before


def test_migration_indexes_articles_stored_before_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(sqlite3.connect(path))
    migrations.apply(old, stop_before="m004_articles_fts_words")
    old["articles"].insert_all(
        {"url": f"https://a.example/{n}", "headline": headline, "body": body,
         "first_seen": "2023-01-01T00:00:00+00:00", "last_seen": "2023-01-01T00:00:00+00:00"}
        for n, headline, body in [(1, "新闻", ZH), (2, "Premier", EN), (3, None, None)]
    )  # fmt: skip
    old.close()
    db = connect(path)
    assert db["articles_fts_words"].count == 3
    assert ids(db, "李") == [1]
    assert ids(db, "xi'an") == [2]
    assert search_index.index_missing(db) == 0


def test_a_reader_of_a_file_not_yet_migrated_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(sqlite3.connect(path))
    migrations.apply(old, stop_before="m004_articles_fts_words")
    old.close()
    reader = connect(path, readonly=True)  # readers never migrate
    with pytest.raises(sqlite3.OperationalError, match="predates it; any writer"):
        search(reader, "新闻")


def test_a_batch_larger_than_one_insert_statement_is_indexed_whole(db) -> None:
    many = [article(100 + n, f"Batch article {n}", f"Body word{n}.") for n in range(700)]
    result = ArticleWriter(db).write(many)
    assert [ids(db, f"word{n}") for n in (0, 332, 333, 699)] == [
        [result.ids[n]] for n in (0, 332, 333, 699)
    ]
    assert db["articles_fts_words"].count == 3 + 700


def test_the_index_merges_16_segments_gradually_and_still_finds_every_article(db) -> None:
    def option(name: str) -> int | None:
        row = db.execute("select v from articles_fts_words_config where k = ?", [name]).fetchone()
        return row and row[0]

    assert (option("automerge"), option("crisismerge")) == (16, 64)
    assert search_index.AUTOMERGE < search_index.CRISISMERGE  # else every merge is a crisis one
    writer = ArticleWriter(db)
    # One segment per batch: many segments for each query to read, and merges under way.
    written = [
        writer.write([article(200 + n, f"Segment {n}", f"Word{n}.")]).ids[0] for n in range(40)
    ]
    assert [ids(db, f"word{n}") for n in range(40)] == [[i] for i in written]
    db.execute("insert into articles_fts_words (articles_fts_words) values ('integrity-check')")


def test_a_new_article_after_the_last_one_was_deleted_takes_its_id_cleanly(db) -> None:
    db["articles"].delete(3)  # another client; its index row goes with it (trigger)
    (new_id,) = ArticleWriter(db).write([article(9, "Harbin ice festival", "Snow.")]).ids
    assert new_id == 3  # what SQLite itself would choose: one past the largest id
    assert ids(db, "harbin") == [3]
    assert ids(db, "李强") == [1]  # the deleted article's text is not found under the new one
    assert db.execute("select count(*) from images where article_id = 3").fetchone() == (0,)


def test_a_new_writer_puts_articles_edited_by_another_client_back_into_search(db) -> None:
    db["articles"].update(2, {"headline": "Edited elsewhere"})
    assert ids(db, "edited") == []  # the trigger took the stale row out
    ArticleWriter(db)
    assert ids(db, "edited") == [2]


def test_a_writer_that_defers_the_index_leaves_search_to_index_missing(db) -> None:
    writer = ArticleWriter(db, index_search=False)
    (new_id,) = writer.write([article(5, "Harbin ice festival", "Snow sculptures.")]).ids
    writer.write([article(1, "新的标题", "完全不同的正文。")])  # an update
    assert ids(db, "harbin") == []  # stored, not yet searchable
    assert ids(db, "新闻") == []  # the old text left the index with the write
    assert ids(db, "正文") == []
    assert db["articles"].count == 4 and db["images"].count == 0
    assert writer.index_missing() == 2
    assert ids(db, "harbin") == [new_id]
    assert ids(db, "正文") == [1]
    assert writer.index_missing() == 0
    db.execute("insert into articles_fts_words (articles_fts_words) values ('integrity-check')")


def test_a_deferred_catch_up_lets_other_writers_in_between_its_chunks(
    tmp_path: Path, db, monkeypatch
) -> None:
    writer = ArticleWriter(db, index_search=False)
    stored = writer.write([article(10 + n, f"Deferred {n}", f"Word{n} text.") for n in range(5)])
    monkeypatch.setattr(search_index, "_CHUNK", 2)
    other = sqlite3.connect(tmp_path / "govnews.db", timeout=0, isolation_level=None)
    other_got_the_lock = []

    @contextmanager
    def transaction_after_another_writer(database):
        try:  # what a second writer (the next batch, another crawl) finds at this moment
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            other_got_the_lock.append(True)
        except sqlite3.OperationalError:  # database is locked
            other_got_the_lock.append(False)
        with transaction(database):
            yield database

    monkeypatch.setattr(writer_module, "transaction", transaction_after_another_writer)
    assert writer.index_missing() == 5
    assert other_got_the_lock == [True] * 4  # before each of 3 chunks, and before finding none
    assert [ids(db, f"word{n}") for n in (0, 4)] == [[stored.ids[0]], [stored.ids[4]]]
