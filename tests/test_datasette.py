"""The database opens in Datasette with only `docs/datasette-metadata.json`: no plugin, no glue."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage.db import connect
from storage.writer import ArticleWriter, finish_crawl, start_crawl
from tests.conftest import REPO
from tests.test_cron import free_port
from tests.test_export_search import ARTICLES

pytest.importorskip("datasette")

METADATA = REPO / "docs" / "datasette-metadata.json"


@pytest.fixture(scope="module")
def datasette(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Datasette serving a test `govnews.db` on 127.0.0.1; yields its base URL."""
    path = tmp_path_factory.mktemp("datasette") / "govnews.db"
    db = connect(path)
    crawl_id = start_crawl(db, "govt_chinadaily")
    result = ArticleWriter(db).write(ARTICLES, crawl_id)
    stats = {
        "govnews/stored/new": result.new,
        "govnews/dropped/parse_error": 2,
        "govnews/skipped/known": 7,
        "log_count/ERROR": 1,
    }
    finish_crawl(db, crawl_id, finish_reason="finished", stats=stats)
    db.close()
    port = free_port()
    cmd = [sys.executable, "-m", "datasette", "serve", str(path), "--metadata", str(METADATA)]
    cmd += ["--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/-/versions.json", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"datasette did not start: {server.communicate()[1][-2000:]}")
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=10)


def get(base: str, path: str, **params: str) -> Any:
    url = f"{base}{path}?{urllib.parse.urlencode(params)}" if params else f"{base}{path}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def test_metadata_describes_every_table_and_only_real_ones(tmp_path: Path) -> None:
    metadata = json.loads(METADATA.read_text())
    described = set(metadata["databases"]["govnews"]["tables"])
    db = connect(tmp_path / "govnews.db")
    tables = {t for t in db.table_names() if not t.startswith(("articles_fts", "_sqlite"))}
    assert described == tables
    for table, config in metadata["databases"]["govnews"]["tables"].items():
        columns = set(db[table].columns_dict)
        assert set(config.get("columns", {})) <= columns, table
        assert set(config.get("facets", [])) <= columns, table


def test_titles_and_fts_are_configured(datasette: str) -> None:
    metadata = get(datasette, "/-/metadata.json")
    assert metadata["title"] == "govnews"
    # Datasette's own detection finds no FTS table (the word index is not linked to articles
    # by content=): the metadata names it, and the search tests below show it is used.
    assert metadata["databases"]["govnews"]["tables"]["articles"]["fts_table"] == (
        "articles_fts_words"
    )
    tables = {t["name"]: t for t in get(datasette, "/govnews.json")["tables"]}
    assert tables["articles"]["count"] == len(ARTICLES)
    assert all(t["hidden"] for name, t in tables.items() if name.startswith("articles_fts"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("guangzhou", [0]),
        ("Li Qiang", [3]),  # every word must occur
        ("AWARD", [0]),
        ("awards", []),  # whole words: the text has "Award"
        ("新闻", [1]),  # a 2-character Chinese term is one token of the index
        ("新闻办公室", []),  # longer ones need their windows: search_chinese, or raw mode below
    ],
)
def test_search_box_uses_the_word_index(datasette: str, query: str, expected) -> None:
    rows = get(datasette, "/govnews/articles.json", _search=query, _shape="objects")["rows"]
    assert [r["headline"] for r in rows] == [ARTICLES[i].headline for i in expected]


def test_search_box_raw_mode_takes_the_window_form(datasette: str) -> None:
    params = {"_search": '"新闻 闻办 办公 公室"', "_searchmode": "raw", "_shape": "objects"}
    rows = get(datasette, "/govnews/articles.json", **params)["rows"]
    assert [r["headline"] for r in rows] == [ARTICLES[1].headline]


@pytest.mark.parametrize(
    ("term", "expected"),
    [("李", [2, 1]), ("新闻", [1]), ("新闻办公室", [1]), ("常务会议", [2]), ("发布会李强", [])],
)
def test_search_chinese_query_finds_terms_of_any_length(datasette: str, term, expected) -> None:
    rows = get(datasette, "/govnews/search_chinese.json", term=term, _shape="objects")["rows"]
    assert [r["headline"] for r in rows] == [ARTICLES[i].headline for i in expected]


def test_default_facets_and_sort(datasette: str) -> None:
    data = get(datasette, "/govnews/articles.json", _shape="objects")
    facets = data["facet_results"]
    assert {"site", "lang"} <= set(facets)
    assert {f["value"]: f["count"] for f in facets["lang"]["results"]} == {"en": 3, "zh": 2}
    dated = [r["published_at"] for r in data["rows"] if r["published_at"]]
    assert dated == sorted(dated, reverse=True)


def test_canned_queries(datasette: str) -> None:
    rows = get(datasette, "/govnews/dropped_by_reason.json", _shape="objects")["rows"]
    assert {(r["counter"], r["n"]) for r in rows} == {
        ("dropped/parse_error", 2),
        ("skipped/known", 7),
    }
    (run,) = get(datasette, "/govnews/last_runs.json", _shape="objects")["rows"]
    assert (run["spider"], run["articles_new"], run["errors"]) == (
        "govt_chinadaily",
        len(ARTICLES),
        1,
    )
