"""The ``govnews`` command: a thin layer over the Python API.

Examples::

    govnews crawl --db /srv/govnews/govnews.db --max-minutes 25 --log-file logs/crawl.log
    govnews crawl govt_chinadaily -s MIRROR_URL=http://127.0.0.1:8000 --refresh-days 7
    govnews export --since 2024-01-01 --lang zh --format csv > zh.csv
    govnews search 国务院 --limit 5
    govnews demo --db demo.db
    govnews extract --url https://govt.chinadaily.com.cn/s/202212/21/WS63a2b8cf.html page.html
    govnews extract --manifest pages.jsonl
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import sqlite_utils

DEMO_MIRROR = Path(__file__).resolve().parent / "demo_mirror"

logger = logging.getLogger("govnews")


def default_db() -> str:
    return os.environ.get("GOVNEWS_DB", "govnews.db")


def fail(command: str, message: str) -> None:
    """The one-line reason a scheduler's mail or journal shows."""
    print(f"govnews {command}: {message}", file=sys.stderr)


# --- crawl --------------------------------------------------------------------------------


def name_value(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` of ``-s`` / ``-a``, as ``scrapy crawl`` takes them."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.lock import AlreadyRunning
    from crawler.run import UnknownSpider, scheduled_crawl, spider_names
    from crawler.verdict import ExitCode, exit_code

    if args.list:
        print("\n".join(spider_names()))
        return ExitCode.OK
    try:
        results = scheduled_crawl(
            [] if args.all else args.spiders,
            args.db,
            settings=dict(args.set),
            spider_args=dict(args.arg),
            max_minutes=args.max_minutes,
            refresh_days=args.refresh_days,
            log_file=args.log_file,
        )
    except AlreadyRunning as exc:
        fail("crawl", str(exc))
        return ExitCode.LOCKED
    except UnknownSpider as exc:
        fail("crawl", exc.args[0])
        return ExitCode.START_FAILED
    except OSError as exc:  # the lock or log file cannot be opened: no such directory, ...
        fail("crawl", f"cannot start: {exc}")
        return ExitCode.START_FAILED
    for result in results:
        verdict = result.verdict
        if not verdict.ok:
            # In the log file too, beside the run it judges.
            logger.error("%s: %s", verdict.spider, verdict.reason)
            fail("crawl", f"{verdict.spider}: {verdict.reason}")
    return exit_code(r.verdict for r in results)


# --- export and search --------------------------------------------------------------------


def iso_date(text: str) -> str:
    """A ``--since`` / ``--until`` bound: an ISO 8601 date or date-time, kept as given."""
    try:
        (date if len(text) == len("YYYY-MM-DD") else datetime).fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date: {text!r}") from None
    return text


def open_db(path: str) -> sqlite_utils.Database:
    """A read-only connection: readers never block a crawl writing the same file."""
    from storage.db import connect

    if not Path(path).is_file():
        raise FileNotFoundError(f"no database at {path}")
    return connect(path, readonly=True)


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> None:
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO, columns: Sequence[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        if "images" in row:
            row["images"] = json.dumps(row["images"], ensure_ascii=False)
        writer.writerow(row)


def export(db_path: str, out: TextIO, *, fmt: str = "jsonl", **filters: Any) -> None:
    """Stream the articles matching ``filters`` (see ``storage.queries.iter_articles``)."""
    from storage.queries import ARTICLE_COLUMNS, iter_articles

    rows = iter_articles(open_db(db_path), **filters)
    if fmt == "csv":
        images = ("images",) if filters.get("with_images") else ()
        write_csv(rows, out, (*ARTICLE_COLUMNS, *images))
    else:
        write_jsonl(rows, out)


def cmd_export(args: argparse.Namespace) -> int:
    export(
        args.db,
        sys.stdout,
        fmt=args.format,
        since=args.since,
        until=args.until,
        site=args.site,
        lang=args.lang,
        with_images=args.with_images,
    )
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from storage.queries import search

    results = search(open_db(args.db), " ".join(args.query), limit=args.limit)
    if args.format == "jsonl":
        write_jsonl(results, sys.stdout)
        return 0
    for n, result in enumerate(results, 1):
        where = " ".join(filter(None, (result["site"], (result["published_at"] or "")[:10])))
        print(f"{n}. {result['headline']}  [{where}]")
        print(f"   {result['url']}")
        # One line per field: the body's paragraph breaks would split the snippet.
        print(f"   {' '.join(result['snippet'].split())}")
    return 0


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
    from crawler.verdict import ExitCode

    codes = ", ".join(f"{c.value} {c.name.lower()}" for c in ExitCode)
    parser = argparse.ArgumentParser(prog="govnews", description="Government news to SQLite.")
    # Every subcommand takes --db (argparse wants it after the subcommand's name).
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument(
        "--db",
        default=default_db(),
        help="SQLite file (default: $GOVNEWS_DB or govnews.db; now %(default)s)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    crawl = sub.add_parser(
        "crawl",
        parents=[db],
        help="one scheduled run: spiders into the DB, locked, judged by the exit status",
        epilog=f"exit status: {codes} (docs/operations.md)",
    )
    crawl.add_argument("spiders", nargs="*", metavar="SPIDER", help="spiders to run (default: all)")
    crawl.add_argument("--all", action="store_true", help="run every spider of the project")
    crawl.add_argument("--list", action="store_true", help="print the spiders' names and exit")
    crawl.add_argument(
        "-s", dest="set", action="append", type=name_value, default=[], metavar="NAME=VALUE",
        help="Scrapy setting, as with scrapy crawl (repeatable)",
    )  # fmt: skip
    crawl.add_argument(
        "-a", dest="arg", action="append", type=name_value, default=[], metavar="NAME=VALUE",
        help="spider argument, e.g. start_url=... (repeatable; every spider gets it)",
    )  # fmt: skip
    crawl.add_argument(
        "--max-minutes", type=float, metavar="M",
        help="close the spiders gracefully after M minutes; the run is still recorded",
    )  # fmt: skip
    crawl.add_argument(
        "--refresh-days", type=float, metavar="N",
        help="re-fetch stored articles published in the last N days, conditionally",
    )  # fmt: skip
    crawl.add_argument("--log-file", metavar="FILE", help="append the log to FILE, not stderr")
    crawl.set_defaults(func=cmd_crawl)

    export = sub.add_parser(
        "export", parents=[db], help="stream articles as JSON lines or CSV to stdout"
    )
    export.add_argument("--since", type=iso_date, help="published on or after (ISO 8601)")
    export.add_argument(
        "--until", type=iso_date, help="published on or before (a plain date: the whole day)"
    )
    export.add_argument("--site", help="only this site (host name, e.g. www.gov.cn)")
    export.add_argument("--lang", help="only this language (en, zh)")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument(
        "--with-images", action="store_true", help="add each article's images (CSV: as JSON)"
    )
    export.set_defaults(func=cmd_export)

    search = sub.add_parser(
        "search", parents=[db], help="full-text search of headlines and bodies, best first"
    )
    search.add_argument("query", nargs="+", help="words or Chinese terms; all must occur")
    search.add_argument("--limit", type=int, default=20, help="at most N results (%(default)s)")
    search.add_argument("--format", choices=("text", "jsonl"), default="text")
    search.set_defaults(func=cmd_search)

    demo = sub.add_parser("demo", parents=[db], help="crawl the bundled offline mirror into a DB")
    demo.set_defaults(func=cmd_demo)

    extract = sub.add_parser("extract", parents=[db], help="print one JSON article per saved page")
    extract.add_argument("files", nargs="*", help="HTML files (.html.gz accepted)")
    extract.add_argument("--url", help="the page's real URL (chooses the parser)")
    extract.add_argument("--manifest", type=Path, help='JSON lines {"path": ..., "url": ...}')
    extract.set_defaults(func=cmd_extract)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "extract" and not (args.files or args.manifest):
        parser.error("extract needs FILE... or --manifest")
    if args.command == "crawl":
        if args.all and args.spiders:
            parser.error("crawl takes SPIDER... or --all, not both")
        if any(name == "GOVNEWS_DB" for name, _ in args.set):
            parser.error("crawl: give the database with --db (it is also what gets locked)")
    func: Callable[[argparse.Namespace], int] = args.func
    from storage.db import OperationalError

    try:
        return func(args)
    except FileNotFoundError as exc:
        fail(args.command, str(exc))
        return 1
    except OperationalError as exc:  # a locked database, a file older than its readers
        fail(args.command, f"database {args.db}: {exc}")
        return 1
    except BrokenPipeError:
        # `govnews export | head`: the reader is gone; exit quietly, as other Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
