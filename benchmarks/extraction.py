"""Extraction speed: the site parser and the generic extractor against trafilatura, same pages.

    python -m benchmarks.extraction [--pages 200] [--profile]
    python -m benchmarks.extraction --pages 1000        # a steadier full-size run

The pages are synthetic govt.chinadaily articles (``benchmarks.synthetic``, 50-150 KB each), held
in memory; each tool runs over all of them in this process, timed around its call only, with
``benchmarks.quality.run_tool`` and trafilatura's settings from ``benchmarks.quality`` (so the
anchor is the one the quality benchmark measures). Rows:

- ``lxml parse``: ``lxml.html.document_fromstring`` alone, the floor any lxml extractor pays;
- ``site parser``: ``crawler.parsers.govt_chinadaily.parse_article``;
- ``site parser + pipelines``: that, then the Normalize and Validate pipelines (what the crawl
  does per page before storage);
- ``generic``: ``crawler.parsers.generic.parse_article``;
- ``trafilatura``: the baseline (``x trafilatura`` = pages/s over trafilatura's).

``--profile`` runs the whole per-page path (parse, pipelines, ``ArticleWriter`` in batches) under
pyinstrument and prints the call tree: what to optimise first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import lxml.html

from benchmarks import synthetic
from benchmarks.corpus import Page
from benchmarks.quality import FACTORIES, run_tool
from benchmarks.scoring import Prediction
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


def check(name: str, preds: list[Prediction], pages: list[Page]) -> str:
    """How many pages got a body: a tool that returns nothing fast is not fast."""
    if name == "lxml parse":
        return "–"
    return f"{sum(1 for p in preds if p.body)}/{len(pages)}"


def profile(pages: list[Page]) -> str:
    """The whole per-page path under pyinstrument: parse, pipelines, then the writer."""
    from pyinstrument import Profiler

    from storage.db import connect
    from storage.writer import ArticleWriter

    texts = _text(pages)
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
    speeds = {}
    rows = [("tool", "pages/s", "x trafilatura", "ms/page", "with body")]
    for name, extract in extractors.items():
        preds, speeds[name] = run_tool(extract, pages)
        rows.append((name, f"{speeds[name]:.0f}", "", f"{1000 / speeds[name]:.1f}",
                     check(name, preds, pages)))  # fmt: skip
    base = speeds["trafilatura"]
    rows = [rows[0]] + [
        (name, speed, f"{speeds[name] / base:.2f}", ms, body)
        for (name, speed, _, ms, body) in rows[1:]
    ]
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
