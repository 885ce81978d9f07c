"""docs/schema.md is the contract: it must match the live schema, and its examples must run."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import sqlite_utils

from crawler.items import Article, Image
from storage.db import connect
from storage.migrations import migrations
from storage.writer import ArticleWriter, finish_crawl, start_crawl

SCHEMA_MD = Path(__file__).resolve().parents[1] / "docs" / "schema.md"
DOC = SCHEMA_MD.read_text(encoding="utf-8")
PROSE = re.sub(r"```.*?```", "", DOC, flags=re.S)  # code blocks may contain "#" lines
TABLES = re.findall(r"^### `?(\w+)`?$", PROSE, flags=re.M)  # a level-3 heading per table
FTS_SHADOW = ("_data", "_idx", "_docsize", "_config", "_content")


def markdown_tables(text: str) -> dict[str, list[list[str]]]:
    """Body rows (cells, backticks removed) of the first table in each section, by heading."""
    tables = {}
    for section in re.split(r"^(?=#)", text, flags=re.M):
        heading, _, body = section.partition("\n")
        table = re.search(r"(?:^\|.*\n?)+", body, flags=re.M)
        if heading.startswith("#") and table:
            rows = [
                [cell.strip().replace("`", "") for cell in line.strip().strip("|").split("|")]
                for line in table.group(0).strip().splitlines()
            ]
            tables[heading.lstrip("#").strip().strip("`")] = rows[2:]  # after header, separator
    return tables


def documented_type(
    db: sqlite_utils.Database, table: str, column: str, type_: str, notnull: int, pk: int
) -> str:
    """A column's type as schema.md writes it: type, PRIMARY KEY, NOT NULL, → reference."""
    text = type_ or "—"  # FTS5 columns have no type
    if pk:
        text += " PRIMARY KEY"
    if notnull:
        text += " NOT NULL"
    for fk in db[table].foreign_keys:
        if fk.column == column:
            text += f" → {fk.other_table}.{fk.other_column}"
            if fk.on_delete != "NO ACTION":
                text += f" ON DELETE {fk.on_delete}"
    return text


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> sqlite_utils.Database:
    """A fresh database with a little of everything, for the examples to find."""
    database = connect(tmp_path_factory.mktemp("schema") / "govnews.db")
    crawl_id = start_crawl(database, "govt_chinadaily")
    writer = ArticleWriter(database)
    writer.write(
        [
            Article(
                url="https://govt.chinadaily.com.cn/s/202212/21/WS63a2b6fdc6d0a757ce8a31b1.html",
                headline="Guangzhou Award promotes multilateral cooperation among global cities",
                site="govt.chinadaily.com.cn",
                published_at="2022-12-21T15:42:07+08:00",
                body="The Guangzhou award.\n\nSecond paragraph.",
                lang="en",
                images=[Image(src="https://govt.chinadaily.com.cn/img/1.jpg", credit="X")],
            ),
            Article(
                url="https://www.gov.cn/xinwen/2024-01/05/content_1.htm",
                headline="国务院新闻办公室举行发布会",
                site="www.gov.cn",
                published_at="2024-01-05T10:30:00+08:00",
                body="国务院新闻办公室举行发布会，李强出席。",
                lang="zh",
            ),
        ],
        crawl_id,
    )
    edited = Article(url="https://www.gov.cn/en/3.html", headline="Old headline", body="Text.")
    writer.write([edited], crawl_id)
    edited.headline = "New headline"
    writer.write([edited], crawl_id)
    finish_crawl(database, crawl_id, finish_reason="finished", stats={"govnews/dropped/x": 1})
    return database


def test_every_table_and_column_is_documented_with_its_type(db) -> None:
    live = [t for t in db.table_names() if not t.endswith(FTS_SHADOW)]
    assert sorted(TABLES) == sorted(live)
    tables = markdown_tables(PROSE)
    for table in live:
        expected = [
            [name, documented_type(db, table, name, type_, notnull, pk)]
            for _, name, type_, notnull, _, pk in db.execute(f"pragma table_info([{table}])")
        ]
        assert [row[:2] for row in tables[table]] == expected, f"table {table}"
        assert all(len(row) == 3 and row[2] for row in tables[table]), f"{table}: say what it is"


def test_every_index_is_documented(db) -> None:
    live = sorted(
        [index.name, table.name, ", ".join(index.columns), "yes" if index.unique else "no"]
        for table in db.tables
        for index in table.indexes
        if not index.name.startswith("sqlite_autoindex_")
    )
    assert sorted(markdown_tables(PROSE)["Indexes"]) == live


def test_every_trigger_and_migration_is_documented(db) -> None:
    for trigger in db.triggers:
        assert f"`{trigger.name}`" in DOC, trigger.name
    documented = [row[1] for row in markdown_tables(PROSE)["Schema versions and migrations"]]
    assert documented == [m.name for m in migrations.applied(db)]
    assert db.execute("pragma user_version").fetchone()[0] == len(documented)


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


@pytest.mark.parametrize("sql", blocks("sql"))
def test_sql_examples_run(db, sql: str) -> None:
    rows = db.execute(sql).fetchall()
    assert rows, "each example should find something in the example database"


@pytest.mark.parametrize(
    "command",
    [
        line
        for block in blocks("bash")
        for line in block.splitlines()
        if line.startswith("sqlite-utils")
    ],
)
def test_sqlite_utils_examples_run(db, command: str) -> None:
    path = db.execute("pragma database_list").fetchone()[2]
    args = [path if arg == "govnews.db" else arg for arg in shlex.split(command)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() not in ("", "[]")
