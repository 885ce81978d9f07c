"""`govnews export` and `govnews search` on a database of English and Chinese articles."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.items import Article, Image
from storage.db import connect
from storage.queries import ARTICLE_COLUMNS, SEARCH_COLUMNS
from storage.writer import ArticleWriter
from tests.test_cron import govnews_cmd, govnews_env

ARTICLES = [
    Article(
        url="https://govt.chinadaily.com.cn/s/202212/21/WS63a2b8cf498e1f3c5a1f3b8c.html",
        headline="Guangzhou Award promotes multilateral cooperation among global cities",
        site="govt.chinadaily.com.cn",
        spider="govt_chinadaily",
        published_at="2022-12-21T15:42:07+08:00",
        body="In the past 10 years, the Guangzhou Award has grown.\n\n"
        "It promotes multilateral cooperation among global cities.",
        lang="en",
        content_hash="h1",
        images=[
            Image(src="https://govt.chinadaily.com.cn/img/1.jpg", alt="The award ceremony"),
            Image(src="https://govt.chinadaily.com.cn/img/2.jpg", alt="颁奖典礼", alt_lang="zh"),
        ],
    ),
    Article(
        url="https://www.gov.cn/xinwen/2024-01/05/content_1.htm",
        headline="国务院新闻办公室举行发布会",
        site="www.gov.cn",
        spider="gov_cn",
        published_at="2024-01-05T10:30:00+08:00",
        body="国务院新闻办公室1月5日举行发布会，李强出席。\n\n会议介绍了经济运行情况。",
        lang="zh",
        content_hash="h2",
        images=[Image(src="https://www.gov.cn/img/1.jpg", caption="发布会现场")],
    ),
    Article(
        url="https://www.gov.cn/yaowen/liebiao/202402/content_2.htm",
        headline="李强主持召开国务院常务会议",
        site="www.gov.cn",
        spider="gov_cn",
        published_at="2024-02-01T18:00:00+08:00",
        body="国务院总理李强2月1日主持召开国务院常务会议，研究经济工作。",
        lang="zh",
        content_hash="h3",
    ),
    Article(
        url="https://english.www.gov.cn/premier/news/202402/01/content_3.html",
        headline="Premier Li Qiang chairs State Council executive meeting",
        site="english.www.gov.cn",
        spider="english_gov_cn",
        published_at="2024-02-01",
        body='Premier Li Qiang chaired an executive meeting, with "quotes", commas, and\nlines.',
        lang="en",
        content_hash="h4",
    ),
    Article(
        url="https://www.gov.cn/undated.htm",
        headline="No date on this page",
        site="www.gov.cn",
        body="Some text without a date.",
        lang="en",
        content_hash="h5",
    ),
]


@pytest.fixture(scope="module")
def news_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("news") / "govnews.db"
    db = connect(path)
    ArticleWriter(db).write(ARTICLES)
    db.close()
    return path


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        govnews_cmd(*args), env={**govnews_env(), **(env or {})}, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip


def export(db: Path, *args: str) -> list[dict]:
    result = run("export", "--db", str(db), *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def headlines(rows: list[dict]) -> list[str]:
    return [row["headline"] for row in rows]


# --- export -----------------------------------------------------------------------------------


def test_export_jsonl_every_article_in_stable_field_order(news_db: Path) -> None:
    result = run("export", "--db", str(news_db))
    assert "国务院新闻办公室" in result.stdout  # UTF-8, not \u escapes
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert headlines(rows) == [a.headline for a in ARTICLES]
    assert all(tuple(row) == ARTICLE_COLUMNS for row in rows)
    assert rows[1]["body"] == ARTICLES[1].body
    assert rows[0]["first_seen"] and rows[0]["crawl_id"] is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--since", "2024-01-01"], [1, 2, 3]),
        (["--until", "2022-12-21"], [0]),  # a plain date covers the whole day
        (["--since", "2024-02-01", "--until", "2024-02-01"], [2, 3]),
        (["--since", "2024-01-05T10:30:00+08:00", "--until", "2024-01-31"], [1]),
        (["--site", "www.gov.cn"], [1, 2, 4]),
        (["--lang", "zh"], [1, 2]),
        (["--lang", "en", "--since", "2024-01-01"], [3]),
        (["--site", "nowhere.example"], []),
    ],
)
def test_export_filters(news_db: Path, args: list[str], expected: list[int]) -> None:
    assert headlines(export(news_db, *args)) == [ARTICLES[i].headline for i in expected]


def test_export_with_images_in_page_order(news_db: Path) -> None:
    rows = export(news_db, "--with-images")
    assert list(rows[0]) == [*ARTICLE_COLUMNS, "images"]
    assert [i["src"] for i in rows[0]["images"]] == [i.src for i in ARTICLES[0].images]
    assert rows[0]["images"][1]["alt"] == "颁奖典礼"
    assert [i["position"] for i in rows[0]["images"]] == [0, 1]
    assert rows[2]["images"] == []


def test_export_csv_round_trips(news_db: Path) -> None:
    result = run("export", "--db", str(news_db), "--format", "csv", "--with-images")
    assert result.returncode == 0, result.stderr
    reader = csv.DictReader(io.StringIO(result.stdout, newline=""))
    assert tuple(reader.fieldnames) == (*ARTICLE_COLUMNS, "images")
    rows = list(reader)
    assert [r["headline"] for r in rows] == [a.headline for a in ARTICLES]
    assert rows[3]["body"] == ARTICLES[3].body  # quotes, commas and newlines survive
    assert rows[4]["published_at"] == ""  # NULL
    assert json.loads(rows[1]["images"])[0]["caption"] == "发布会现场"


def test_export_csv_of_no_rows_still_has_the_header(news_db: Path) -> None:
    result = run("export", "--db", str(news_db), "--format", "csv", "--lang", "fr")
    assert result.stdout.splitlines() == [",".join(ARTICLE_COLUMNS)]


def test_db_comes_from_the_environment(news_db: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        govnews_cmd("export", "--lang", "zh"), env={**govnews_env(), "GOVNEWS_DB": str(news_db)},
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_bad_input_is_a_one_line_error(news_db: Path, tmp_path: Path) -> None:
    missing = run("export", "--db", str(tmp_path / "missing.db"))
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"govnews export: no database at {tmp_path / 'missing.db'}"
    assert not (tmp_path / "missing.db").exists()  # a reader never creates one
    bad_date = run("export", "--db", str(news_db), "--since", "last week")
    assert bad_date.returncode == 2
    assert "not an ISO 8601 date: 'last week'" in bad_date.stderr


def test_export_streams_in_constant_memory(tmp_path: Path) -> None:
    """Peak RSS of the export process hardly moves when the database grows fivefold."""
    body = "word " * 4_000  # 20 kB

    def make_db(n: int) -> Path:
        path = tmp_path / f"{n}.db"
        db = connect(path)
        writer = ArticleWriter(db)
        for start in range(0, n, 500):
            writer.write(
                Article(url=f"https://x.gov.cn/{i}", headline=f"H{i}", body=f"{i} {body}")
                for i in range(start, min(n, start + 500))
            )
        db.close()
        return path

    def peak_kb(path: Path, fmt: str) -> int:
        code = (
            "import resource, sys\n"
            "from crawler.cli import main\n"
            "with open('/dev/null', 'w') as sys.stdout:\n"
            f"    main(['export', '--db', {str(path)!r}, '--format', {fmt!r}, '--with-images'])\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], env=govnews_env(), capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return int(result.stderr.split()[-1])

    # 12 MB and 60 MB of text. The small one is big enough for SQLite's page cache and the
    # allocator to have reached their plateau; from there a streaming export stays flat.
    small, big = make_db(600), make_db(3_000)
    for fmt in ("jsonl", "csv"):
        growth = peak_kb(big, fmt) - peak_kb(small, fmt)
        assert growth < 8_000, (fmt, growth)


# --- search -----------------------------------------------------------------------------------


def search(db: Path, *args: str) -> list[dict]:
    result = run("search", "--db", str(db), "--format", "jsonl", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_search_english_word_ranked_with_snippet(news_db: Path) -> None:
    (hit,) = search(news_db, "guangzhou")
    assert tuple(hit) == SEARCH_COLUMNS
    assert hit["headline"] == ARTICLES[0].headline
    assert "[Guangzhou]" in hit["snippet"]
    assert headlines(search(news_db, "Qiang")) == [ARTICLES[3].headline]
    # Every word must occur; bm25 ranks the headline match above the body-only one.
    assert headlines(search(news_db, "cities")) == [ARTICLES[0].headline]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (["新闻办公室"], [1]),  # 3+ characters: a phrase of windows
        (["常务会议"], [2]),
        (["国务院"], [2, 1]),  # bm25: in 2's headline and twice in its body
        (["李强"], [2, 1]),  # 2 characters: one window, headline matches first
        (["经济"], [2, 1]),  # in both bodies, neither headline: newest first
        (["李"], [2, 1]),  # 1 character
        (["李强", "发布会"], [1]),  # every term must occur
        (["李强 发布会"], [1]),  # quoted as one shell word: the same
        (["发布会李强"], []),  # not a substring anywhere
    ],
)
def test_search_chinese_terms_of_any_length(news_db: Path, query, expected) -> None:
    hits = search(news_db, *query)
    assert headlines(hits) == [ARTICLES[i].headline for i in expected]
    terms = " ".join(query).split()
    assert all(any(f"[{term}]" in hit["snippet"] for term in terms) for hit in hits)


def test_search_limit_and_text_output(news_db: Path) -> None:
    assert len(search(news_db, "国务院", "--limit", "1")) == 1
    result = run("search", "--db", str(news_db), "李", "--limit", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "1. 李强主持召开国务院常务会议  [www.gov.cn 2024-02-01]",
        f"   {ARTICLES[2].url}",
        "   国务院总理[李]强2月1日主持召开国务院常务会议，研究经济工作。",
    ]
    # A snippet spanning paragraphs stays on its line.
    result = run("search", "--db", str(news_db), "李")
    assert "   国务院新闻办公室1月5日举行发布会，[李]强出席。 会议介绍了" in result.stdout


def test_search_without_a_match_prints_nothing(news_db: Path) -> None:
    result = run("search", "--db", str(news_db), "nothing-like-this")
    assert (result.returncode, result.stdout) == (0, "")
