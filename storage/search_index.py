"""The one full-text index, ``articles_fts_words``: behind :func:`storage.queries.search`.

FTS5's ``unicode61`` tokenizer splits text into words at spaces and punctuation, which serves
English, but Chinese has no spaces, so a whole run of Chinese characters would be one token and
no word inside it could match. There is no built-in tokenizer that splits Chinese (``trigram``
cannot match 1-2 characters), and a custom one would need glue in every client. So the text is
transformed before it is indexed: each run of CJK characters becomes its overlapping 2-character
windows, one per character (the last window of a run is its last character alone)::

    李强出席会议  ->  李强 强出 出席 席会 会议 议

A Chinese term is then a phrase of its windows, which occurs exactly where the term is a
substring of a run: ``出席会`` is ``"出席 席会"``, ``会议`` the single token ``"会议"``, and a
1-character term is a prefix query (``"席"*``) answered by the table's 1-character prefix index.
Punctuation and spaces end a run, so a term never matches across them. Other scripts keep
``unicode61`` words (case and diacritics folded). The transform needs Python, so the writer
maintains the table (triggers cannot); triggers only remove rows whose article is deleted or
whose text another client changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import sqlite_utils

TABLE = "articles_fts_words"
#: FTS5's ``automerge`` and ``crisismerge`` options for the table (defaults 4 and 16), set by
#: migration m006, which says why and what they measured: a level's segments are merged
#: gradually once there are 16, and all at once only at 64.
AUTOMERGE = 16
CRISISMERGE = 64
#: Characters indexed one window each: CJK ideographs (with 々〆〇), kana and bopomofo letters
#: (not their punctuation, such as ・, which ends a run like any other).
CJK = (
    "\u3005-\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3105-\u312f"
    "\u31a0-\u31bf\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
)
#: Splits text into non-CJK parts (even indexes) and CJK runs (odd indexes).
_CJK_RUNS = re.compile(f"([{CJK}]+)")
_CJK_RUN_AT_END = re.compile(f"[{CJK}]+$")
#: Letters and digits that are not CJK: what ``unicode61`` puts in words.
WORD_CHARS = rf"[^\W_{CJK}]"
#: Articles per insert statement: 3 parameters each, within SQLite's smallest default limit of
#: 999 parameters (before 3.32).
_ROWS_PER_STATEMENT = 333
#: Backfill and :func:`index_missing` work in chunks of this many articles (bounded memory):
#: one statement each, since FTS5 writes an index segment per statement.
_CHUNK = _ROWS_PER_STATEMENT


def index_text(text: str | None) -> str | None:
    """``text`` as it is indexed: every CJK run replaced by its windows, the rest unchanged."""
    if not text or text.isascii():
        return text
    parts = _CJK_RUNS.split(text)
    # A run's windows are its first character, then every later character as "c c":
    # 李强出席 -> 李 + "强 强" + "出 出" + "席 席" = "李强 强出 出席 席". One C-level translate per
    # run instead of a string per window (this is most of the writer's time on Chinese text).
    parts[1::2] = [run[0] + run[1:].translate(_DOUBLED) for run in parts[1::2]]
    # Spaces around each run: a word touching it (G20峰会) must stay a token of its own.
    return " ".join(parts)


class _Doubled(dict[int, str]):
    """``str.translate`` table: every character to "c c", filled as characters are met."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        self[codepoint] = doubled = f"{char} {char}"
        return doubled


_DOUBLED = _Doubled()


def match_term(term: str) -> str | None:
    """The FTS5 query (a quoted phrase) for one search term; ``None`` if it has nothing to
    match (no letter, digit or CJK character). Double quotes in it are dropped."""
    term = term.replace('"', "")
    if not re.search(f"{WORD_CHARS}|[{CJK}]", term):
        return None
    tokens = (index_text(term) or "").split()
    end = _CJK_RUN_AT_END.search(term)
    if end and len(end.group()) == 1:
        # The text may continue the run after this character: any window starting with it.
        return '"' + " ".join(tokens) + '"*'
    if end:
        # The run's last window is its last character alone; in the text the run may go on.
        tokens.pop()
    return '"' + " ".join(tokens) + '"'


def add(db: sqlite_utils.Database, articles: Iterable[Mapping[str, Any]]) -> None:
    """Index ``articles`` (mappings with ``id``, ``headline``, ``body``), replacing their rows.

    One statement per :data:`_ROWS_PER_STATEMENT` articles: FTS5 flushes its pending index data
    at every statement that writes to it. Bound parameters, not one JSON array: the FTS5 insert
    then costs 15 % less (no JSON to encode and parse).
    """
    rows = [(a["id"], index_text(a["headline"]), index_text(a["body"])) for a in articles]
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[start : start + _ROWS_PER_STATEMENT]
        db.execute(
            f"insert or replace into {TABLE} (rowid, headline, body) values "
            + ", ".join(["(?, ?, ?)"] * len(chunk)),
            [value for row in chunk for value in row],
        )


def index_missing(db: sqlite_utils.Database) -> int:
    """Index every article that is not in the table (all of them in the migration that adds
    it; later, when an :class:`~storage.writer.ArticleWriter` opens, those another client
    inserted or edited); return how many."""
    return sum(index_missing_chunks(db))


def index_missing_chunks(db: sqlite_utils.Database) -> Iterator[int]:
    """:func:`index_missing` a chunk of :data:`_CHUNK` articles per step, each step yielding
    how many it indexed: a caller may commit between steps."""
    last_id = 0
    while chunk := list(
        db.query(
            f"select id, headline, body from articles where id > ? and not exists"
            f" (select 1 from {TABLE} where rowid = articles.id) order by id limit ?",
            [last_id, _CHUNK],
        )
    ):
        add(db, chunk)
        last_id = chunk[-1]["id"]
        yield len(chunk)
