"""Safety net for refactoring: extraction output on every page at hand, saved or compared
against a saved run.

    python -m benchmarks.extraction_diff --save /tmp/generic-before
    python -m benchmarks.extraction_diff --compare /tmp/generic-before [--show 5]
    python -m benchmarks.extraction_diff --worker --save /tmp/worker-before
    python -m benchmarks.extraction_diff --worker --compare /tmp/worker-before

By default the subject is ``crawler.parsers.generic.parse_article`` over every page of every
dataset in ``../shared/corpus``. With ``--worker`` it is what a crawl's worker process returns
for an article page, ``crawler.spiders.base.parse_and_normalize`` (bytes in: decoding, the site
parser chosen by the URL with its generic fallback, normalising), as the normalised Article plus
the parse path, or the exception it raised. Its sources (``--sources``; one absent is skipped):

- ``govsites``: the real target-site pages of ``../shared/corpus/govsites`` (URLs from its READMEs);
- ``demo``: the bundled demo mirror ``crawler/demo_mirror``;
- ``fixtures``: the fixture mirrors under ``tests/mirror``;
- ``mirror``: ``--mirror-pages`` article pages, evenly spread, of a synthetic crawl mirror
  (``--mirror``, written by ``benchmarks.crawl --mirror``).

Each page is read with each ``Content-Type`` of :data:`CONTENT_TYPES` (none, the truth, a lie),
so that every branch of the decoding is covered. ``--save DIR`` writes one JSON file per dataset
(page id -> output); ``--compare DIR`` runs again and lists the pages whose output differs, field
by field; the exit status is 1 when any does. Keep DIR outside the repository: the outputs quote
the corpus pages.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks.corpus import CORPUS_DIR, available, load
from crawler.cli import DEMO_MIRROR
from crawler.normalize import DEFAULT_TZ
from crawler.parsers import generic_parser, parser_for_url
from crawler.parsers.generic import parse_article
from crawler.spiders.base import parse_and_normalize

REPO = Path(__file__).resolve().parents[1]
GOVSITES_DIR = CORPUS_DIR / "govsites" / "raw"
FIXTURE_MIRROR = REPO / "tests" / "mirror"
WORKER_SOURCES = ("govsites", "demo", "fixtures", "mirror")
#: Each page is parsed once per header: none (the page's own declarations decide), the charset
#: pages are mostly in, and the legacy one Chinese servers claim (truthfully or not).
CONTENT_TYPES: tuple[bytes | None, ...] = (
    None,
    b"text/html; charset=utf-8",
    b"text/html; charset=gbk",
)
_PAGE_SUFFIXES = (".html", ".htm", ".shtml")
_README_ROW_RE = re.compile(r"^\|\s*([^|\s]+)\s*\|([^|]*)\|", re.MULTILINE)
_URL_RE = re.compile(r"https?://[^\s|)]+")

Outputs = dict[str, dict[str, Any]]


def articles(dataset: str) -> Outputs:
    """Page id -> the generic extractor's Article (as a dict) for every page of ``dataset``."""
    return {page.id: parse_article(page.html, page.url or "").to_dict() for page in load(dataset)}


# --------------------------------------------------------------------------------------------
# The worker function


def worker_output(body: bytes, content_type: bytes | None, url: str) -> dict[str, Any]:
    """What the crawl's worker returns for a page, as JSON: the Article and path, or the error.

    A host without a site parser gets the generic extractor as its "site" parser, as
    ``parse_page`` would choose.
    """
    parser = parser_for_url(url) or generic_parser()
    try:
        article, path = parse_and_normalize(body, content_type, url, parser, "diff", DEFAULT_TZ)
    except Exception as exc:  # the spider counts these as dropped pages: their kind is output
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"path": path, "article": article.to_dict()}


def worker_outputs(pages: Iterator[tuple[str, str, bytes]]) -> Outputs:
    """``ID|CONTENT-TYPE`` -> :func:`worker_output` for every (id, url, body) and header."""
    return {
        f"{page_id}|{(content_type or b'-').decode()}": worker_output(body, content_type, url)
        for page_id, url, body in pages
        for content_type in CONTENT_TYPES
    }


def _mirror_pages(root: Path, files: list[Path]) -> Iterator[tuple[str, str, bytes]]:
    """Files of a ``HOST/PATH`` mirror as (id, https URL, bytes)."""
    for file in files:
        rel = file.relative_to(root).as_posix()
        yield rel, f"https://{rel}", file.read_bytes()


def _html_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in _PAGE_SUFFIXES)


def _all_mirror_pages(root: Path) -> Iterator[tuple[str, str, bytes]]:
    return _mirror_pages(root, _html_files(root))


@functools.cache
def _readme_urls(folder: Path) -> dict[str, str]:
    """File name -> original URL, from the table in ``folder``'s README (read once)."""
    readme = folder / "README.md"
    if not readme.is_file():
        return {}
    rows = _README_ROW_RE.findall(readme.read_text(encoding="utf-8"))
    return {name: match.group() for name, cell in rows if (match := _URL_RE.search(cell))}


def govsites_pages(root: Path = GOVSITES_DIR) -> Iterator[tuple[str, str, bytes]]:
    """Every page of the govsites corpus with its original URL (from its folder's README)."""
    for file in _html_files(root):
        rel = file.relative_to(root).as_posix()
        yield rel, _readme_urls(file.parent).get(file.name, f"https://{rel}"), file.read_bytes()


def sampled_mirror_pages(root: Path, count: int) -> Iterator[tuple[str, str, bytes]]:
    """``count`` article pages (``/s/`` paths) spread evenly over a synthetic crawl mirror."""
    files = sorted(root.glob("*/s/**/*.html"))
    step = max(1, len(files) // count) if count else 1
    return _mirror_pages(root, files[::step][:count])


def worker_sources(mirror: Path | None, mirror_pages: int) -> dict[str, Callable[[], Outputs]]:
    """Source name -> its outputs, for the sources present on this machine."""
    sources: dict[str, Callable[[], Outputs]] = {}
    if GOVSITES_DIR.is_dir():
        sources["govsites"] = lambda: worker_outputs(govsites_pages())
    for name, root in (("demo", DEMO_MIRROR), ("fixtures", FIXTURE_MIRROR)):
        if root.is_dir():
            sources[name] = lambda root=root: worker_outputs(_all_mirror_pages(root))
    if mirror is not None and mirror.is_dir():
        sources["mirror"] = lambda: worker_outputs(sampled_mirror_pages(mirror, mirror_pages))
    return sources


# --------------------------------------------------------------------------------------------
# Save and compare


def _short(value: object, width: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 3] + "..."


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """One line per field of the output that changed (an Article's fields one level down)."""
    if "article" in before and "article" in after:
        before = {**before, **{f"article.{k}": v for k, v in before["article"].items()}}
        after = {**after, **{f"article.{k}": v for k, v in after["article"].items()}}
        del before["article"], after["article"]
    return [
        f"  {key}: {_short(before.get(key))} -> {_short(after.get(key))}"
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]


def save_or_compare(dataset: str, current: Outputs, args: argparse.Namespace) -> int:
    """Save ``current`` (returns 0) or compare it with the saved run (returns the differences)."""
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        (args.save / f"{dataset}.json").write_text(
            json.dumps(current, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        print(f"{dataset}: {len(current)} outputs saved")
        return 0
    saved_file = args.compare / f"{dataset}.json"
    if not saved_file.is_file():
        print(f"{dataset}: no saved run in {args.compare}; {len(current)} outputs not compared")
        return 1
    saved = json.loads(saved_file.read_text(encoding="utf-8"))
    differing = [key for key in current if saved.get(key) != current[key]]
    missing = [key for key in saved if key not in current]
    print(
        f"{dataset}: {len(differing)} of {len(current)} outputs differ"
        + (f", {len(missing)} pages missing" if missing else "")
    )
    for key in differing[: args.show]:
        print(f" {key}")
        print("\n".join(differences(saved.get(key) or {}, current[key])))
    return len(differing) + len(missing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path, metavar="DIR", help="write the outputs to DIR")
    mode.add_argument("--compare", type=Path, metavar="DIR", help="diff against DIR")
    parser.add_argument(
        "--worker",
        action="store_true",
        help="the crawl worker's parse_and_normalize, not the generic extractor",
    )
    parser.add_argument("--datasets", help="comma-separated subset of the corpus datasets")
    parser.add_argument(
        "--sources", help="with --worker: comma-separated subset of " + ", ".join(WORKER_SOURCES)
    )
    parser.add_argument(
        "--mirror",
        type=Path,
        help="with --worker: a synthetic crawl mirror (benchmarks.crawl --mirror DIR), the "
        "'mirror' source; without it that source is skipped",
    )
    parser.add_argument(
        "--mirror-pages",
        type=int,
        default=300,
        help="with --worker: article pages taken from --mirror",
    )
    parser.add_argument("--show", type=int, default=10, help="differing pages shown per dataset")
    args = parser.parse_args(argv)
    if args.worker:
        sources = worker_sources(args.mirror, args.mirror_pages)
        wanted = args.sources.split(",") if args.sources else WORKER_SOURCES
        for name in wanted:
            if name not in sources:
                print(f"worker-{name}: source absent, skipped")
        runs = {f"worker-{name}": sources[name] for name in wanted if name in sources}
    else:
        datasets = args.datasets.split(",") if args.datasets else available()
        runs = {dataset: (lambda d=dataset: articles(d)) for dataset in datasets}
    changed = sum(save_or_compare(name, run(), args) for name, run in runs.items())
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
