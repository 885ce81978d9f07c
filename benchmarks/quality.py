"""Extraction quality and speed: govnews's generic extractor against trafilatura, htmldate and GNE.

    python -m benchmarks.quality [--datasets article-benchmark,cwced-zh]
                                 [--tools govnews,trafilatura,lxml] [--repeat 3] [--json]
    python -m benchmarks.quality --profile [--datasets article-benchmark]

Every dataset in ``../shared/corpus`` is read into memory first; then the tools run over the same
pages in this one process, taking turns page by page in rotating order, each timed around its
extraction call only, in CPU time of the process (on a shared machine other processes' bursts then
neither count nor land on one tool). ``--repeat N`` runs all tools N times and keeps each tool's
best rate (the later runs with warm caches: govnews's class-verdict
cache, trafilatura's own; a crawl of one site sees its class names again, never its ids). The
``lxml`` row is a calibration, not a contender: ``lxml.html.fromstring`` alone on the same bytes,
the floor any lxml extractor pays, so that speeds measured on different machines compare as a
share of it. ``--profile`` runs the generic extractor
over the pages under cProfile (after one warm-up pass) and prints its top functions by own and by
cumulative time instead of scoring anything. Scores follow the corpus READMEs (see
``benchmarks/scoring.py``). The anchors are imported lazily: they are a ``bench`` extra, never a
dependency of the extractor.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

from benchmarks import scoring
from benchmarks.corpus import CORPUS_DIR, Page, available, load
from benchmarks.scoring import Prediction

TOOLS = ("govnews", "trafilatura", "htmldate", "gne", "lxml")

#: Which tools have something to say on each dataset (htmldate only finds dates).
DATASET_TOOLS = {
    "article-benchmark": ("govnews", "trafilatura", "gne", "lxml"),
    "trafilatura-eval": ("govnews", "trafilatura", "gne", "lxml"),
    "htmldate-eval": ("govnews", "trafilatura", "htmldate", "gne", "lxml"),
    "daniel-zh": ("govnews", "trafilatura", "gne", "lxml"),
    "cwced-zh": ("govnews", "trafilatura", "htmldate", "gne", "lxml"),
    "fundus-parser-tests": ("govnews", "trafilatura", "htmldate", "gne", "lxml"),
}

Extract = Callable[[Page], Prediction]


def _govnews() -> Extract:
    from crawler.parsers.generic import parse_article

    def run(page: Page) -> Prediction:
        article = parse_article(page.html, page.url or "")
        images = [{"src": i.src, "caption": i.caption, "alt": i.alt} for i in article.images]
        return Prediction(article.body, article.headline, article.published_at, images)

    return run


def _trafilatura() -> Extract:
    import trafilatura

    def run(page: Page) -> Prediction:
        doc = trafilatura.bare_extraction(
            page.html, url=page.url, include_comments=False, with_metadata=True
        )
        if doc is None:
            return Prediction()
        return Prediction(doc.text, doc.title, doc.date)

    return run


def _htmldate() -> Extract:
    from htmldate import find_date

    def run(page: Page) -> Prediction:
        # original_date: the publication date, not the last modification (htmldate's own eval)
        return Prediction(date=find_date(page.html, url=page.url, original_date=True))

    return run


def _gne() -> Extract:
    from gne import GeneralNewsExtractor

    from crawler.extract.html import page_text

    extractor = GeneralNewsExtractor()

    def run(page: Page) -> Prediction:
        try:
            result = extractor.extract(page_text(page.html))
        except Exception:  # GNE raises on pages it cannot handle; count it as no answer
            return Prediction()
        date = result.get("publish_time") or None
        return Prediction(result.get("content"), result.get("title"), date)

    return run


def _lxml() -> Extract:
    import lxml.html

    def run(page: Page) -> Prediction:
        lxml.html.fromstring(page.html)
        return Prediction()

    return run


FACTORIES: dict[str, Callable[[], Extract]] = {
    "govnews": _govnews,
    "trafilatura": _trafilatura,
    "htmldate": _htmldate,
    "gne": _gne,
    "lxml": _lxml,
}


def _normalise_date(value: str | None) -> str | None:
    """Anchors answer in assorted formats; reduce to an ISO prefix the scorers compare."""
    if not value:
        return None
    from crawler.extract.dates import parse_date_text

    return parse_date_text(str(value))


def score(name: str, pages: list[Page], preds: list[Prediction]) -> dict[str, float]:
    labels = [p.label for p in pages]
    bodies = [p.body for p in preds]
    titles = [p.title for p in preds]
    dates = [_normalise_date(p.date) for p in preds]
    has_body = any(b is not None for b in bodies)
    out: dict[str, float] = {}
    if name in ("article-benchmark", "fundus-parser-tests") and has_body:
        body = scoring.shingle_f1([lab.get("body") or "" for lab in labels], bodies)
        out.update({"body P": body["P"], "body R": body["R"], "body F1": body["F1"]})
    if name == "trafilatura-eval" and has_body:
        snip = scoring.snippet_f1(
            [lab["with"] for lab in labels], [lab["without"] for lab in labels], bodies
        )
        out.update({"snippet P": snip["P"], "snippet R": snip["R"], "snippet F1": snip["F1"]})
    if name in ("daniel-zh", "cwced-zh") and has_body:
        chars = scoring.char_f1([lab.get("body") or "" for lab in labels], bodies)
        out.update({"char P": chars["P"], "char R": chars["R"], "char F1": chars["F1"]})
    if name in ("trafilatura-eval", "daniel-zh", "fundus-parser-tests") and any(titles):
        out["title"] = scoring.title_accuracy([lab.get("title") for lab in labels], titles)
    if name in ("htmldate-eval", "cwced-zh", "trafilatura-eval", "fundus-parser-tests") and any(
        dates
    ):
        days = scoring.day_accuracy([lab.get("date") for lab in labels], dates)
        out.update({"day acc": days["acc"], "day answered": days["answered"]})
    if name == "fundus-parser-tests" and any(p.images is not None for p in preds):
        imgs = scoring.image_text_matched(
            [lab.get("images") for lab in labels], [p.images for p in preds]
        )
        out.update({"captions": imgs["caption"], "alt": imgs["alt"], "images": imgs["images"]})
    return out


def run_tool(extract: Extract, pages: list[Page]) -> tuple[list[Prediction], float]:
    """The predictions and the pages per CPU-second of ``extract`` over ``pages``."""
    preds, speeds = run_tools({"tool": extract}, pages)
    return preds["tool"], speeds["tool"]


def run_tools(
    extracts: dict[str, Extract], pages: list[Page]
) -> tuple[dict[str, list[Prediction]], dict[str, float]]:
    """Each tool's predictions and pages per CPU-second over ``pages``. The tools take turns page
    by page, in rotating order: a burst of load on a shared machine lands on all of them alike."""
    names = list(extracts)
    preds: dict[str, list[Prediction]] = {name: [] for name in names}
    elapsed = dict.fromkeys(names, 0.0)
    for i, page in enumerate(pages):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.process_time()
            pred = extracts[name](page)
            elapsed[name] += time.process_time() - start
            preds[name].append(pred)
    return preds, {name: len(pages) / elapsed[name] if elapsed[name] else 0.0 for name in names}


def run(datasets: list[str], tools: list[str], repeat: int = 1) -> dict[str, Any]:
    results: dict[str, Any] = {}
    extractors: dict[str, Extract] = {}
    for name in datasets:
        pages = load(name)
        results[name] = {"pages": len(pages), "tools": {}}
        for tool in DATASET_TOOLS[name]:
            if tool in tools and tool not in extractors:
                try:
                    extractors[tool] = FACTORIES[tool]()
                except ImportError as exc:
                    print(f"skipping {tool}: {exc}", file=sys.stderr)
                    tools = [t for t in tools if t != tool]
        selected = {t: extractors[t] for t in DATASET_TOOLS[name] if t in tools}
        preds, speeds = run_tools(selected, pages)
        for _ in range(repeat - 1):
            speeds = {
                t: max(v, w)
                for (t, v), w in zip(
                    speeds.items(), run_tools(selected, pages)[1].values(), strict=True
                )
            }
        results[name]["tools"] = {
            tool: {**score(name, pages, preds[tool]), "pages/s": speeds[tool]} for tool in selected
        }
    return results


def format_table(name: str, result: dict[str, Any]) -> str:
    tools = result["tools"]
    columns: list[str] = []
    for scores in tools.values():
        columns += [c for c in scores if c not in columns and c != "pages/s"]
    columns.append("pages/s")
    header = ["tool", *columns]
    rows = [header]
    for tool, scores in tools.items():
        cells = [tool]
        for col in columns:
            value = scores.get(col)
            if value is None:
                cells.append("–")
            elif col == "pages/s":
                cells.append(f"{value:.0f}")
            else:
                cells.append(f"{value:.3f}")
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [f"## {name} ({result['pages']} pages)"]
    for i, row in enumerate(rows):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    if "govnews" in tools:
        ratios = [
            f"{tools['govnews']['pages/s'] / tools[anchor]['pages/s']:.2f}x {label}"
            for anchor, label in (("trafilatura", "trafilatura"), ("lxml", "lxml parse alone"))
            if anchor in tools and tools[anchor]["pages/s"]
        ]
        if ratios:
            lines.append("govnews speed = " + ", ".join(ratios))
    return "\n".join(lines)


def profile(datasets: list[str], top: int = 30) -> str:
    """cProfile of ``crawler.parsers.generic.parse_article`` over the pages of ``datasets``."""
    import cProfile
    import io
    import pstats

    extract = _govnews()
    pages = [page for name in datasets for page in load(name)]
    for page in pages:  # warm-up: class-verdict and normaliser caches, lazy imports
        extract(page)
    profiler = cProfile.Profile()
    profiler.enable()
    for page in pages:
        extract(page)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return f"{len(pages)} pages\n{out.getvalue()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", help="comma-separated subset of: " + ", ".join(DATASET_TOOLS))
    parser.add_argument("--tools", help="comma-separated subset of: " + ", ".join(TOOLS))
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="timed runs per tool and dataset; the best rate is reported",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the generic extractor on the pages instead of scoring",
    )
    args = parser.parse_args(argv)
    present = available()
    if not present:
        print(f"no corpus at {CORPUS_DIR}; nothing to benchmark", file=sys.stderr)
        return 0
    datasets = args.datasets.split(",") if args.datasets else present
    unknown = [d for d in datasets if d not in present]
    if unknown:
        parser.error(f"datasets not found: {', '.join(unknown)}")
    if args.profile:
        print(profile(datasets))
        return 0
    tools = args.tools.split(",") if args.tools else list(TOOLS)
    warnings.filterwarnings("ignore")
    results = run(datasets, tools, args.repeat)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print("\n\n".join(format_table(name, result) for name, result in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
