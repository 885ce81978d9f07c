"""Storage speed: ingest, search and export through ``storage``, FTS on.

    python -m benchmarks.storage [--articles 5000] [--batch 50] [--repeat 30]
    python -m benchmarks.storage --articles 50000      # the issue's full-size run

Ingest: synthetic articles (``benchmarks.synthetic.articles``: 3 images each, a fifth in Chinese)
go in batches of ``--batch`` (the store pipeline's default) through
:class:`storage.writer.ArticleWriter` into one database, and the same batches through
sqlite-utils ``insert_all`` into another database of the same schema (same indexes and FTS
triggers, the word index filled by ``storage.search_index.add``, no lookups, ids given): the
floor the schema allows. Batches alternate between the two
so machine noise hits both alike; only the write calls are timed. A re-crawl of the first tenth
(every article unchanged) is timed too.

Search: :func:`storage.queries.search` on the writer's database, English and Chinese queries, with
terms of 3+ characters (trigram index) and of 1-2 characters (the ``LIKE`` path), p50/p95.

Export: :func:`storage.queries.iter_articles` with images, each row written as a JSON line, under
tracemalloc: the peak for a tenth of the database and for all of it should be about equal.

Targets (issue 7): >= 5,000 articles/s through the writer; search p95 < 20 ms; constant-memory
export.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from benchmarks import synthetic
from crawler.items import Article
from pipelines.store import DEFAULT_BATCH_SIZE
from storage import search_index
from storage.db import connect, transaction, utcnow
from storage.queries import iter_articles, search
from storage.writer import ARTICLE_FIELDS, IMAGE_FIELDS, ArticleWriter

TARGET_RATE = 5_000
TARGET_P95_MS = 20.0
#: (language, query): long terms use the trigram index, 1-2 character terms the LIKE path.
QUERIES = (
    ("en", "development"),
    ("en", "green development"),
    ("en", "Guangzhou tourism festival"),
    ("en", "EU"),
    ("zh", "经济发展"),
    ("zh", "广州 合作"),
    ("zh", "绿色生态"),
    ("zh", "新闻"),
)


def batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def floor_rows(batch: list[Article], first_id: int) -> tuple[list[dict], list[dict]]:
    """The batch as plain rows for ``insert_all``: article ids given, images pointing at them."""
    now = utcnow()
    articles, images = [], []
    for article_id, article in enumerate(batch, first_id):
        row = {name: getattr(article, name) for name in ARTICLE_FIELDS}
        articles.append({"id": article_id, **row, "first_seen": now, "last_seen": now})
        for position, image in enumerate(article.images):
            fields = {name: getattr(image, name) for name in IMAGE_FIELDS}
            images.append({"article_id": article_id, "position": position, **fields})
    return articles, images


class Clock:
    """Wall and CPU seconds spent in the timed blocks: on a busy machine the CPU figure is the
    steadier one, the wall figure the one that includes waiting for the disk."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall += time.perf_counter() - self._wall
        self.cpu += time.process_time() - self._cpu


def ingest(tmp: Path, n: int, batch_size: int) -> tuple[sqlite_utils.Database, dict[str, Clock]]:
    """Write ``n`` articles through the writer and through the floor; time spent in each."""
    db, floor_db = connect(tmp / "writer.db"), connect(tmp / "floor.db")
    writer = ArticleWriter(db)
    clocks = {"floor": Clock(), "writer": Clock(), "recrawl": Clock()}
    next_id = 1
    for batch in batches(synthetic.articles(n), batch_size):
        articles, images = floor_rows(batch, next_id)
        next_id += len(batch)
        with clocks["floor"], transaction(floor_db):
            floor_db["articles"].insert_all(articles)
            floor_db["images"].insert_all(images)
            # The word index is kept by Python, not by triggers: part of the schema's cost.
            search_index.add(floor_db, articles)
        with clocks["writer"]:
            writer.write(batch)
    for batch in batches(synthetic.articles(max(1, n // 10)), batch_size):
        with clocks["recrawl"]:
            result = writer.write(batch)
        assert result.unchanged == len(batch), "a re-crawl of the same articles changed them"
    floor_db.close()
    return db, clocks


def search_times(db: sqlite_utils.Database, repeat: int) -> list[tuple[str, str, int, list[float]]]:
    """Per query: language, query, hits, and ``repeat`` timings in milliseconds."""
    out = []
    for lang, query in QUERIES:
        hits = len(search(db, query))  # warm the page cache, as a user's second search would
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            search(db, query)
            times.append(1000 * (time.perf_counter() - start))
        out.append((lang, query, hits, times))
    return out


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def export(db: sqlite_utils.Database, path: Path, limit: int | None) -> tuple[int, float, int]:
    """Export ``limit`` articles (all when None) with images as JSON lines: rows, s, peak bytes."""
    tracemalloc.start()
    start = time.perf_counter()
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        for article in itertools.islice(iter_articles(db, with_images=True), limit):
            out.write(json.dumps(article, ensure_ascii=False) + "\n")
            rows += 1
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return rows, seconds, peak


def render(rows: list[tuple[Any, ...]]) -> str:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000, help="articles (full: 50000)")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH_SIZE, help="articles per write")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each search")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="govnews-bench-") as tmp:
        db, clocks = ingest(Path(tmp), args.articles, args.batch)
        n, recrawled = args.articles, max(1, args.articles // 10)
        floor = clocks["floor"]
        rows: list[tuple[Any, ...]] = [
            ("path", "articles", "wall s", "articles/s", "x floor", "articles/CPU-s", "x floor")
        ]
        for name, label, count in (
            ("floor", "floor: insert_all", n),
            ("writer", "ArticleWriter.write", n),
            ("recrawl", "re-crawl, unchanged", recrawled),
        ):
            clock = clocks[name]
            rows.append((
                label, count, f"{clock.wall:.2f}", f"{count / clock.wall:.0f}",
                f"{count / clock.wall / (n / floor.wall):.2f}", f"{count / clock.cpu:.0f}",
                f"{count / clock.cpu / (n / floor.cpu):.2f}",
            ))  # fmt: skip
        print(f"ingest: {n} articles x 3 images, batches of {args.batch}, FTS (trigram + words) on")
        print(render(rows))
        print(f"target: ArticleWriter >= {TARGET_RATE} articles/s\n")

        timings = search_times(db, args.repeat)
        rows = [("lang", "query", "hits", "p50 ms", "p95 ms")]
        for lang, query, hits, times in timings:
            rows.append((lang, query, hits, f"{statistics.median(times):.1f}", f"{p95(times):.1f}"))
        for lang in ("en", "zh"):
            times = [t for lg, _, _, ts in timings if lg == lang for t in ts]
            rows.append((lang, "(all)", "", f"{statistics.median(times):.1f}", f"{p95(times):.1f}"))
        print(f"search: {n} articles, {args.repeat} runs per query")
        print(render(rows))
        print(f"target: p95 < {TARGET_P95_MS:.0f} ms for each language\n")

        out = Path(tmp) / "export.jsonl"
        part = export(db, out, recrawled)
        whole = export(db, out, None)
        print("export: iter_articles(with_images=True) -> JSON lines, tracemalloc peak")
        print(render([
            ("rows", "s", "rows/s", "peak KB", "x tenth"),
            (part[0], f"{part[1]:.2f}", f"{part[0] / part[1]:.0f}", part[2] // 1024, "1.00"),
            (whole[0], f"{whole[1]:.2f}", f"{whole[0] / whole[1]:.0f}", whole[2] // 1024,
             f"{whole[2] / part[2]:.2f}"),
        ]))  # fmt: skip
        print("target: constant memory (peak for all ~ peak for a tenth)")
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
