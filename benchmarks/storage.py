"""Storage speed: ingest, search and export through ``storage``, full-text index on.

    python -m benchmarks.storage [--articles 5000] [--batch 50] [--repeat 30] [--profile]
    python -m benchmarks.storage --articles 50000      # the issue's full-size run

Ingest: synthetic articles (``benchmarks.synthetic.articles``: 3 images each, a fifth in Chinese)
go in batches of ``--batch`` (the store pipeline's default) through
:class:`storage.writer.ArticleWriter` into one database, and the same batches through two
contenders into databases of the same schema: the baseline, sqlite-utils ``insert_all`` of the
articles and images (ids given, no lookups) plus the word index filled by
``storage.search_index.add``; and that word index alone (``search_index.add``, no other table),
the part of every write that FTS5 costs. The same batches go through a writer that defers the
word index (``index_search=False``, the store pipeline's ``GOVNEWS_DEFER_SEARCH_INDEX``) too,
and its ``index_missing()`` then indexes them all at the end: both are timed, and their sum is
the rate at which that mode stores articles and makes them searchable. Batches alternate
between the contenders so machine noise hits them alike; only the write calls are timed, in
wall and CPU time. A re-crawl of the first tenth (every article unchanged) is timed too.
``--profile`` runs the writer's calls under cProfile and prints the top functions by own time
(its rates then include cProfile's overhead).

Search: :func:`storage.queries.search` on the writer's database (the ``articles_fts_words``
index), English and Chinese queries, terms of 1 to 4 characters and words, p50/p95.

Export: :func:`storage.queries.iter_articles` with images, each row written as a JSON line, under
tracemalloc: the peak for a tenth of the database and for all of it should be about equal.

Targets (issue 7): >= 5,000 articles/s through the writer; search p95 < 20 ms; constant-memory
export.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import pstats
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
#: (language, query): English words (one with no hit), Chinese terms of 1 character (a prefix
#: query, answered by the index's 1-character prefix index), of 2 (one window of the word
#: index) and of 4 (a phrase of 3 windows), one and two terms per query.
QUERIES = (
    ("en", "development"),
    ("en", "green development"),
    ("en", "Guangzhou tourism festival"),
    ("en", "EU"),
    ("zh", "经济发展"),
    ("zh", "广州 合作"),
    ("zh", "绿色生态"),
    ("zh", "新闻"),
    ("zh", "新"),
)


def batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def baseline_rows(batch: list[Article], first_id: int) -> tuple[list[dict], list[dict]]:
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


def ingest(
    tmp: Path, n: int, batch_size: int, profile: cProfile.Profile | None = None
) -> tuple[sqlite_utils.Database, dict[str, Clock]]:
    """Write ``n`` articles through the writer, the writer deferring the word index, and the
    two contenders; time spent in each."""
    db, baseline_db, index_db, deferred_db = (
        connect(tmp / f"{name}.db") for name in ("writer", "baseline", "index", "deferred")
    )
    writer = ArticleWriter(db)
    deferred = ArticleWriter(deferred_db, index_search=False)
    clocks = {
        name: Clock() for name in ("baseline", "index", "writer", "deferred", "catch-up", "recrawl")
    }
    next_id = 1
    for batch in batches(synthetic.articles(n), batch_size):
        articles, images = baseline_rows(batch, next_id)
        next_id += len(batch)
        with clocks["baseline"], transaction(baseline_db):
            baseline_db["articles"].insert_all(articles)
            baseline_db["images"].insert_all(images)
            # The word index is kept by Python, not by triggers: part of the schema's cost.
            search_index.add(baseline_db, articles)
        with clocks["index"], transaction(index_db):
            search_index.add(index_db, articles)
        with clocks["writer"]:
            if profile:
                profile.enable()
            writer.write(batch)
            if profile:
                profile.disable()
        with clocks["deferred"]:
            deferred.write(batch)
    with clocks["catch-up"]:
        indexed = deferred.index_missing()
    assert indexed == n, f"the deferred index caught up with {indexed} of {n} articles"
    for batch in batches(synthetic.articles(max(1, n // 10)), batch_size):
        with clocks["recrawl"]:
            result = writer.write(batch)
        assert result.unchanged == len(batch), "a re-crawl of the same articles changed them"
    for other in (baseline_db, index_db, deferred_db):
        other.close()
    return db, clocks


def search_times(
    db: sqlite_utils.Database, repeat: int
) -> list[tuple[str, str, int, list[float], list[float]]]:
    """Per query: language, query, hits, and ``repeat`` wall and CPU timings in milliseconds
    (the CPU figure shows what another process's burst added to the wall one)."""
    out = []
    for lang, query in QUERIES:
        hits = len(search(db, query))  # warm the page cache, as a user's second search would
        wall, cpu = [], []
        for _ in range(repeat):
            with Clock() as clock:
                search(db, query)
            wall.append(1000 * clock.wall)
            cpu.append(1000 * clock.cpu)
        out.append((lang, query, hits, wall, cpu))
    return out


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def _percentiles(wall: list[float], cpu: list[float]) -> tuple[str, str, str]:
    return f"{statistics.median(wall):.1f}", f"{p95(wall):.1f}", f"{p95(cpu):.1f}"


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
    parser.add_argument("--profile", action="store_true", help="cProfile the writer's calls")
    args = parser.parse_args(argv)
    profile = cProfile.Profile() if args.profile else None
    with tempfile.TemporaryDirectory(prefix="govnews-bench-") as tmp:
        db, clocks = ingest(Path(tmp), args.articles, args.batch, profile)
        n, recrawled = args.articles, max(1, args.articles // 10)
        baseline = clocks["baseline"]
        clocks["deferred+"] = Clock()
        for name in ("deferred", "catch-up"):
            clocks["deferred+"].wall += clocks[name].wall
            clocks["deferred+"].cpu += clocks[name].cpu
        rows: list[tuple[Any, ...]] = [
            ("path", "articles", "wall s", "articles/s", "x baseline", "articles/CPU-s",
             "x baseline")
        ]  # fmt: skip
        for name, label, count in (
            ("baseline", "baseline: insert_all + word index", n),
            ("index", "word index alone", n),
            ("writer", "ArticleWriter.write", n),
            ("deferred", "ArticleWriter.write, index deferred", n),
            ("catch-up", "  then ArticleWriter.index_missing", n),
            ("deferred+", "  deferred: stored and indexed", n),
            ("recrawl", "re-crawl, unchanged", recrawled),
        ):
            clock = clocks[name]
            rows.append((
                label, count, f"{clock.wall:.2f}", f"{count / clock.wall:.0f}",
                f"{count / clock.wall / (n / baseline.wall):.2f}", f"{count / clock.cpu:.0f}",
                f"{count / clock.cpu / (n / baseline.cpu):.2f}",
            ))  # fmt: skip
        print(f"ingest: {n} articles x 3 images, batches of {args.batch}, word index on")
        print(render(rows))
        print(f"target: ArticleWriter >= {TARGET_RATE} articles/s\n")
        if profile:
            print("profile: ArticleWriter.write, top 15 by own time (rates above include it)")
            pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(15)

        timings = search_times(db, args.repeat)
        rows = [("lang", "query", "hits", "p50 ms", "p95 ms", "p95 CPU ms")]
        for lang, query, hits, wall, cpu in timings:
            rows.append((lang, query, hits, *_percentiles(wall, cpu)))
        for lang in ("en", "zh"):
            wall = [t for lg, _, _, ts, _ in timings if lg == lang for t in ts]
            cpu = [t for lg, _, _, _, ts in timings if lg == lang for t in ts]
            rows.append((lang, "(all)", "", *_percentiles(wall, cpu)))
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
