"""The ``govnews`` command: a thin layer over the Python API.

Examples::

    govnews demo --db demo.db
    govnews extract --url https://govt.chinadaily.com.cn/s/202212/21/WS63a2b8cf498e1f3c5a1f3b8c.html page.html
    govnews extract --manifest pages.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

DEMO_MIRROR = Path(__file__).resolve().parent / "demo_mirror"


def default_db() -> str:
    return os.environ.get("GOVNEWS_DB", "govnews.db")


# --- demo ---------------------------------------------------------------------------------


def run_demo(db: str) -> dict[str, Any]:
    """Serve the bundled mirror on 127.0.0.1, crawl it with the real spider into ``db``."""
    from crawler.mirror import serve_mirror
    from crawler.run import crawl
    from storage.db import connect
    from storage.queries import summary

    server = serve_mirror(DEMO_MIRROR)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    mirror = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        results = crawl(
            ["govt_chinadaily"],
            settings={
                "MIRROR_URL": mirror,
                "GOVNEWS_DB": db,
                # A local mirror needs no politeness delays.
                "AUTOTHROTTLE_ENABLED": False,
                "DOWNLOAD_DELAY": 0,
                "LOG_LEVEL": "WARNING",
            },
        )
    finally:
        server.shutdown()
    report = summary(connect(db))
    report["finish_reason"] = results[0].finish_reason
    return report


def cmd_demo(args: argparse.Namespace) -> int:
    report = run_demo(args.db)
    print(f"Crawled the bundled govt.chinadaily mirror into {args.db}")
    for key, value in report.items():
        print(f"  {key}: {value}")
    return 0 if report.get("articles") else 1


# --- extract ------------------------------------------------------------------------------


def read_page(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def extract_pages(pages: Iterable[tuple[Path, str | None]]) -> Iterator[dict[str, Any]]:
    """One JSON-ready dict per page: the Article fields plus ``path`` (or ``error``)."""
    from crawler.extract_page import extract_file

    for path, url in pages:
        try:
            article = extract_file(read_page(path), url or path.resolve().as_uri())
        except Exception as exc:  # one bad page must not end the batch
            yield {"path": str(path), "url": url, "error": f"{type(exc).__name__}: {exc}"}
            continue
        yield {"path": str(path), **article.to_dict()}


def manifest_pages(manifest: Path) -> Iterator[tuple[Path, str | None]]:
    base = manifest.parent
    with manifest.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                entry = json.loads(line)
                yield base / entry["path"], entry.get("url")


def cmd_extract(args: argparse.Namespace) -> int:
    if args.manifest:
        pages: Iterable[tuple[Path, str | None]] = manifest_pages(args.manifest)
    else:
        pages = ((Path(f), args.url) for f in args.files)
    failed = 0
    for record in extract_pages(pages):
        failed += "error" in record
        print(json.dumps(record, ensure_ascii=False))
    return 1 if failed else 0


# --- entry point --------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govnews", description="Government news to SQLite.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="crawl the bundled offline mirror into a DB")
    demo.add_argument("--db", default=default_db(), help="SQLite file (default: %(default)s)")
    demo.set_defaults(func=cmd_demo)

    extract = sub.add_parser("extract", help="print one JSON article per saved page")
    extract.add_argument("files", nargs="*", help="HTML files (.html.gz accepted)")
    extract.add_argument("--url", help="the page's real URL (chooses the parser)")
    extract.add_argument("--manifest", type=Path, help='JSON lines {"path": ..., "url": ...}')
    extract.set_defaults(func=cmd_extract)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "extract" and not (args.files or args.manifest):
        build_parser().error("extract needs FILE... or --manifest")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
