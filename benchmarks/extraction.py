"""Extraction speed: the site parser and the generic extractor against trafilatura, same pages.

    python -m benchmarks.extraction [--pages 200] [--profile]
    python -m benchmarks.extraction --pages 1000        # a steadier full-size run

The pages are synthetic govt.chinadaily articles (``benchmarks.synthetic``, 50-150 KB each), held
in memory. Trafilatura runs with the quality benchmark's settings (``benchmarks.quality.FACTORIES``,
so the anchor is the one that benchmark scores). The tools take turns page by page, in rotating
order, each from cold normaliser caches, timed in CPU time of this process around its call only:
on a shared machine other processes' bursts then neither land on one tool nor count at all
(``quality.run_tools`` interleaves the tools the same way, but over the corpus).
Rows:

- ``lxml parse``: ``lxml.html.document_fromstring`` alone, the floor any lxml extractor pays;
- ``site parser``: ``crawler.parsers.govt_chinadaily.parse_article``;
- ``site parser + pipelines``: that, then the Normalize and Validate pipelines (what the crawl
  does per page before storage);
- ``generic``: ``crawler.parsers.generic.parse_article``;
- ``trafilatura``: the baseline (``x trafilatura`` = pages per CPU-second over trafilatura's).

``--profile`` runs the whole per-page path (parse, pipelines, ``ArticleWriter`` in batches) under
pyinstrument and prints the call tree: what to optimise first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import lxml.html

from benchmarks import synthetic
from benchmarks.corpus import Page
from benchmarks.quality import FACTORIES
from benchmarks.scoring import Prediction
from crawler import normalize
from crawler.items import Article
from crawler.parsers import govt_chinadaily
from pipelines.normalize import normalize_article
from pipelines.validate import drop_reason

Extract = Callable[[Page], Prediction]


def _text(pages: list[Page]) -> dict[str, str]:
    # Scrapy hands the parser ``response.text``: decoding is the crawl's cost, not the parser's.
    return {page.id: page.html.decode("utf-8") for page in pages}


def _prediction(article: Article) -> Prediction:
    return Prediction(article.body, article.headline, article.published_at)


def _through_pipelines(article: Article) -> Article:
    article = normalize_article(article, govt_chinadaily.TIMEZONE)
    if drop_reason(article.to_dict(), datetime.now(UTC), govt_chinadaily.TIMEZONE):
        raise ValueError(f"valid synthetic page dropped: {article.url}")
    return article


def tools(pages: list[Page]) -> dict[str, Extract]:
    texts = _text(pages)

    def lxml_parse(page: Page) -> Prediction:
        lxml.html.document_fromstring(texts[page.id])
        return Prediction()

    def site(page: Page) -> Prediction:
        return _prediction(govt_chinadaily.parse_article(texts[page.id], page.url or ""))

    def site_pipelines(page: Page) -> Prediction:
        article = govt_chinadaily.parse_article(texts[page.id], page.url or "")
        return _prediction(_through_pipelines(article))

    found: dict[str, Extract] = {
        "lxml parse": lxml_parse,
        "site parser": site,
        "site parser + pipelines": site_pipelines,
    }
    try:
        from crawler.parsers.generic import parse_article as generic
    except ImportError as exc:
        print(f"skipping generic: {exc}", file=sys.stderr)
    else:
        found["generic"] = lambda page: _prediction(generic(texts[page.id], page.url or ""))
    found["trafilatura"] = FACTORIES["trafilatura"]()
    return found


def cold_caches() -> None:
    """Empty the normaliser's caches: each tool starts cold, or the second one to run over the
    same pages would get the first one's langdetect and date answers for free."""
    for value in vars(normalize).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


def measure(extractors: dict[str, Extract], pages: list[Page]) -> dict[str, tuple[float, int]]:
    """CPU seconds each tool spent, and on how many pages it found a body."""
    spent = dict.fromkeys(extractors, 0.0)
    bodies = dict.fromkeys(extractors, 0)
    names = list(extractors)
    for i, page in enumerate(pages):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            cold_caches()
            start = time.process_time()
            prediction = extractors[name](page)
            spent[name] += time.process_time() - start
            bodies[name] += bool(prediction.body)
    return {name: (spent[name], bodies[name]) for name in names}


def profile(pages: list[Page]) -> str:
    """The whole per-page path under pyinstrument: parse, pipelines, then the writer."""
    from pyinstrument import Profiler

    from storage.db import connect
    from storage.writer import ArticleWriter

    texts = _text(pages)
    cold_caches()
    with tempfile.TemporaryDirectory(prefix="govnews-bench-") as tmp:
        writer = ArticleWriter(connect(Path(tmp) / "profile.db"))
        profiler = Profiler(interval=0.0005)
        profiler.start()
        batch: list[Article] = []
        for page in pages:
            article = govt_chinadaily.parse_article(texts[page.id], page.url or "")
            batch.append(_through_pipelines(article))
            if len(batch) == 50:
                writer.write(batch)
                batch = []
        writer.write(batch)
        profiler.stop()
        writer.db.close()
    return profiler.output_text(unicode=True, color=False, show_all=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200, help="pages (full: 1000)")
    parser.add_argument("--profile", action="store_true", help="profile the per-page path")
    args = parser.parse_args(argv)
    pages = [
        Page(id=str(i), url=url, html=html.encode("utf-8"))
        for i, (url, html) in enumerate(synthetic.pages(args.pages))
    ]
    if args.profile:
        print(profile(pages))
        return 0
    warnings.filterwarnings("ignore")
    extractors = tools(pages)
    # One untimed page each: imports, langdetect's profiles and caches load outside the timing.
    for extract in extractors.values():
        extract(pages[0])
    results = measure(extractors, pages)
    base = len(pages) / results["trafilatura"][0]
    rows = [("tool", "pages/CPU-s", "x trafilatura", "CPU ms/page", "with body")]
    for name, (seconds, bodies) in results.items():
        speed = len(pages) / seconds
        body = "–" if name == "lxml parse" else f"{bodies}/{len(pages)}"
        rows.append((name, f"{speed:.0f}", f"{speed / base:.2f}", f"{1000 / speed:.1f}", body))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    kb = [len(page.html) // 1000 for page in pages]
    print(f"extraction: {len(pages)} synthetic govt.chinadaily pages, "
          f"{min(kb)}-{max(kb)} KB (mean {sum(kb) // len(kb)})")  # fmt: skip
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
