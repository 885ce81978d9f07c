"""Crawl speed and memory: the govnews crawl against a bare Scrapy spider on the same mirror.

    python -m benchmarks.crawl [--articles 1000] [--concurrency 16] [--mirror DIR] [--server fast]
    python -m benchmarks.crawl --articles 5000          # the issue's full-size run
    python -m benchmarks.crawl -s GOVNEWS_WORKERS=0     # a setting for the govnews run

Writes a synthetic govt.chinadaily mirror (``benchmarks.synthetic``; ``--mirror DIR`` keeps and
reuses it), serves it on 127.0.0.1 from a separate process, then runs, one after the other and
with the same settings (concurrency, no delay, no AutoThrottle, robots.txt obeyed):

(a) ``bare``: a Scrapy spider that follows the same list pages and drops every article response,
    with the project's settings (its middlewares, extensions and limits, no item pipelines);
(a') ``bare-scrapy``: the same spider with Scrapy's default settings, but for the run's shared
    settings and the mirror's download handler: what fetching these pages costs Scrapy as it
    ships (its ``CONCURRENT_ITEMS`` = 100 alone makes it about twice as costly as ``bare``);
(b) ``govnews``: ``govnews crawl govt_chinadaily``, every pipeline, storing into SQLite.

The target is measured against ``bare``, the stricter baseline: what the project's settings
save Scrapy per page is not counted to govnews' credit.

Pages/s are counted by the server (each response it sent), between the first and the last
request, so process start-up is left out of both; CPU ms/page is the crawl process's CPU time
over the same window, the steadier figure on a shared machine, and apart its main thread's (the
event loop's: one core must do it all); its worker processes'
(``GOVNEWS_WORKERS``, crawler/workers.py) CPU time is reported apart. The crawl process's RSS is
sampled meanwhile (``/proc/PID/status``); growth = peak RSS at the end minus peak RSS when the
``--rss-from``-th page was served. Targets (issue 7): govnews >= 0.7 x bare pages/s, growth
<= 50 MB over pages 1,000-5,000.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import scrapy

from benchmarks import synthetic
from crawler.spiders.govt_chinadaily import GovtChinadailySpider

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 0.7
TARGET_GROWTH_MB = 50
#: The bare spider with the project's settings (the baseline of the target), and with Scrapy's
#: defaults (what fetching these pages costs Scrapy as it ships).
BARE_RUNS = ("bare", "bare-scrapy")
_SAMPLE_SECONDS = 0.05
_TYPES = {".html": b"text/html; charset=utf-8", ".txt": b"text/plain; charset=utf-8"}


# --------------------------------------------------------------------------------------------
# The static server: asyncio, keep-alive, one process of its own so it never shares a GIL with
# the crawl, every response built in memory before the first request. On a 2-core machine the
# server's CPU is taken from the crawl being measured, and a real site's server runs on machines
# of its own: ``http.server`` (thread per connection, one request per connection by default)
# costs more CPU per page than the bare spider does, and reading each file per request cost
# ~0.25 ms per page, against ~0.09 ms for sending a prepared response (Finding 17).


def _response(status: bytes, ctype: bytes, body: bytes) -> bytes:
    return (b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype
            + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)  # fmt: skip


def _load_responses(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (resolved) as a whole HTTP response, by its URL path (a
    folder's ``index.html`` also as the folder's path); any other path gets a 404."""
    responses = {}
    for path in root.rglob("*"):
        if not path.is_file() or not path.resolve().is_relative_to(root):
            continue  # a link out of the mirror is not served
        ctype = _TYPES.get(path.suffix, b"application/octet-stream")
        url_path = "/" + path.relative_to(root).as_posix()
        responses[url_path] = response = _response(b"200 OK", ctype, path.read_bytes())
        if path.name == "index.html":
            responses[url_path.removesuffix("index.html")] = response
    return responses


_NOT_FOUND = _response(b"404 Not Found", _TYPES[".txt"], b"not found")


async def _serve_connection(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    responses: dict[str, bytes],
    served: Synchronized,
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1].decode("latin-1")
            response = responses.get(unquote(urlsplit(target).path), _NOT_FOUND)
            # Counted before sending: once the client has the page, the count includes it.
            with served.get_lock():
                served.value += 1
            writer.write(response)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _run_server(root: Path, port: multiprocessing.Queue, served: Synchronized) -> None:
    responses = _load_responses(root.resolve())

    async def main() -> None:
        server = await asyncio.start_server(
            lambda r, w: _serve_connection(r, w, responses, served), "127.0.0.1", 0
        )
        port.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


class Server:
    """The mirror server in a child process; ``served`` counts the responses it has sent."""

    def __init__(self, root: Path, kind: str = "fast") -> None:
        self.root, self.kind = root, kind
        self.served: Synchronized = multiprocessing.Value("q", 0)
        self.url = ""

    def __enter__(self) -> Server:
        if self.kind == "fast":
            ports: multiprocessing.Queue = multiprocessing.Queue()
            self.proc: Any = multiprocessing.Process(
                target=_run_server, args=(self.root, ports, self.served), daemon=True
            )
            self.proc.start()
            self.url = f"http://127.0.0.1:{ports.get(timeout=120)}"  # once loaded
        else:  # the project's own threaded server (crawler.mirror.serve_mirror), for comparison
            from tests.server import MirrorServer

            self.log = Path(tempfile.mkstemp(suffix=".log")[1])
            self.proc = MirrorServer(self.root, access_log=self.log).__enter__()
            self.url = self.proc.url
        return self

    def count(self) -> int:
        if self.kind == "fast":
            return self.served.value
        with self.log.open("rb") as log:
            return sum(1 for _ in log)

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.proc.pid if self.kind == "fast" else self.proc.proc.pid)

    def __exit__(self, *exc: object) -> None:
        if self.kind == "fast":
            self.proc.terminate()
            self.proc.join(10)
        else:
            self.proc.__exit__(*exc)
            self.log.unlink()


def _cpu_seconds(pid: int, thread: int | None = None) -> float:
    """CPU seconds of process ``pid``, or of its ``thread`` (a thread id) alone."""
    stat = Path(f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu(pid: int, seen: dict[int, float]) -> float:
    """CPU seconds of ``pid``'s child processes (the parse workers), summed; ``seen`` keeps
    the last reading of each, so a worker that has exited still counts."""
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                    seen[int(child)] = _cpu_seconds(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return sum(seen.values())


def _status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


# --------------------------------------------------------------------------------------------
# (a) the bare spider


class BareSpider(scrapy.Spider):
    """Follows the list pages exactly as the site spider does; drops article responses."""

    name = "bare"
    allowed_domains = GovtChinadailySpider.allowed_domains

    async def start(self) -> Any:
        # Filtered like the site spider's start requests, or the list page's own link to
        # itself would fetch it a second time.
        for url in self.start_urls:
            yield scrapy.Request(url)

    def parse(self, response: scrapy.http.Response, **kwargs: Any) -> Any:
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if GovtChinadailySpider.is_article_url(url):
                yield scrapy.Request(url, callback=self.drop)
            elif GovtChinadailySpider.is_list_url(url):
                yield scrapy.Request(url)

    def drop(self, response: scrapy.http.Response) -> None:
        return None


def _run_bare(settings: dict[str, Any], start_url: str, *, project: bool) -> None:
    """The bare spider with the project's settings (middlewares, extensions, limits; no item
    pipelines) or with Scrapy's defaults and only what it takes to fetch the same pages."""
    from scrapy.crawler import CrawlerProcess

    from crawler.run import project_settings

    if project:
        settings = project_settings({**settings, "ITEM_PIPELINES": {}})
    else:
        handler = "crawler.mirror.MirrorDownloadHandler"  # the mirror's pages under real URLs
        settings = {**settings, "DOWNLOAD_HANDLERS": {"http": handler, "https": handler}}
    process = CrawlerProcess(settings)
    process.crawl(BareSpider, start_urls=[start_url])
    process.start()


# --------------------------------------------------------------------------------------------
# Measuring one run


@dataclass
class Run:
    name: str
    pages: int
    #: From the first to the last response the server sent (start-up excluded).
    seconds: float
    wall: float
    #: CPU time of the crawl process over the same window: steadier than rates on a busy machine.
    cpu: float
    #: The part of ``cpu`` spent in its main thread, the event loop's: what one core must do.
    loop_cpu: float
    #: CPU time of its child processes (parse workers) over the same window.
    workers_cpu: float
    rss_start_mb: float
    growth_mb: float
    peak_mb: float
    server_cpu: float
    stored: int | None = None

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu / self.pages

    @property
    def loop_ms_per_page(self) -> float:
        return 1000 * self.loop_cpu / self.pages

    @property
    def workers_ms_per_page(self) -> float:
        return 1000 * self.workers_cpu / self.pages


def crawl_settings(mirror: str, concurrency: int, db: Path) -> dict[str, Any]:
    """The settings both runs share (the govnews pipelines are off for the bare one)."""
    return {
        "MIRROR_URL": mirror,
        "GOVNEWS_DB": str(db),
        "CONCURRENT_REQUESTS": concurrency,
        # The mirror is one host: let the global limit be the only limit.
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": True,
        "LOG_LEVEL": "WARNING",
    }


def command(which: str, settings: dict[str, Any], start_url: str) -> list[str]:
    if which in BARE_RUNS:
        return [sys.executable, "-m", "benchmarks.crawl", f"--run-{which}", start_url,
                *(f"{k}={v}" for k, v in settings.items())]  # fmt: skip
    # ``govnews crawl``: the scheduled-run command, lock and run verdict included.
    args = [sys.executable, "-m", "crawler.cli", "crawl", GovtChinadailySpider.name]
    args += ["--db", settings["GOVNEWS_DB"], "-a", f"start_url={start_url}"]
    for key, value in settings.items():
        if key != "GOVNEWS_DB":  # it takes the database as --db only (that file is locked)
            args += ["-s", f"{key}={value}"]
    return args


def measure(
    name: str,
    cmd: list[str],
    server: Server,
    expected: int,
    rss_from: int,
    py_spy: Path | None = None,
) -> Run:
    """Run ``cmd`` and sample the server's count and the process's RSS and CPU until it exits.

    With ``py_spy``, py-spy samples the process and its workers from outside (``--nonblocking``:
    the crawl is never paused) and writes collapsed stacks there when the crawl exits.
    """
    before = server.count()
    server_cpu = server.cpu_seconds()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    spy = None
    if py_spy:
        args = ["py-spy", "record", "--nonblocking", "--subprocesses", "-r", "200", "-f", "raw"]
        args += ["-o", str(py_spy)]
        spy = subprocess.Popen([*args, "--pid", str(proc.pid)], stdout=subprocess.DEVNULL)
    first_at = last_at = None
    last_count = 0
    cpu_first = cpu_last = loop_first = loop_last = workers_first = workers_last = 0.0
    workers: dict[int, float] = {}
    rss_start = hwm_at_mark = hwm = 0
    while proc.poll() is None:
        count = server.count() - before
        now = time.perf_counter()
        try:
            cpu = _cpu_seconds(proc.pid)
            loop = _cpu_seconds(proc.pid, proc.pid)
        except (FileNotFoundError, ProcessLookupError):
            break
        workers_cpu = _children_cpu(proc.pid, workers)
        if count and first_at is None:
            first_at, cpu_first, loop_first, workers_first = now, cpu, loop, workers_cpu
            rss_start = _status_kb(proc.pid, "VmRSS") or 0
        if count != last_count:
            last_at, last_count, workers_last = now, count, workers_cpu
            cpu_last, loop_last = cpu, loop
        hwm = _status_kb(proc.pid, "VmHWM") or hwm
        if not hwm_at_mark and count >= rss_from:
            hwm_at_mark = hwm
        time.sleep(_SAMPLE_SECONDS)
    wall = time.perf_counter() - started
    if spy:
        spy.wait(120)  # it writes its file once the crawl has exited
    if proc.wait():
        raise SystemExit(f"{name} crawl failed with exit code {proc.returncode}")
    pages = server.count() - before
    if pages < expected:
        raise SystemExit(f"{name} crawl fetched {pages} pages, expected {expected}")
    # A tiny run can be served between two samples: its window is then the process's life.
    window = (last_at or 0) - (first_at or 0) or wall
    return Run(
        name, pages, window, wall, cpu_last - cpu_first, loop_last - loop_first,
        workers_last - workers_first,
        rss_start / 1024, (hwm - (hwm_at_mark or hwm)) / 1024, hwm / 1024,
        server.cpu_seconds() - server_cpu,
    )  # fmt: skip


def stored_articles(db: Path) -> int:
    from storage.db import connect

    return connect(db, readonly=True).execute("select count(*) from articles").fetchone()[0]


def _ratio(value: float, base: float) -> str:
    # A tiny run (the smoke test's) can use no measurable CPU time between two samples.
    return f"{value / base:.2f}" if base else "–"


def table(runs: list[Run], rss_from: int) -> str:
    base = runs[0]
    rows = [("run", "pages", "pages/s", "x bare", "CPU ms/page", "x bare", "loop thread ms/page",
             "workers CPU ms/page",
             "wall s", "RSS@1st MB",
             f"peak growth {rss_from}-end MB", "peak MB", "server CPU %", "stored")]  # fmt: skip
    for run in runs:
        rows.append((
            run.name, str(run.pages), f"{run.rate:.0f}", _ratio(run.rate, base.rate),
            f"{run.cpu_ms_per_page:.1f}", _ratio(run.cpu_ms_per_page, base.cpu_ms_per_page),
            f"{run.loop_ms_per_page:.1f}",
            f"{run.workers_ms_per_page:.1f}", f"{run.wall:.1f}", f"{run.rss_start_mb:.0f}",
            f"{run.growth_mb:.1f}",
            f"{run.peak_mb:.0f}", f"{100 * run.server_cpu / run.seconds:.0f}",
            "–" if run.stored is None else str(run.stored),
        ))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="article pages (full: 5000)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--rss-from",
        type=int,
        help="page where RSS growth is measured from "
        "(default: 1000, or a fifth of the pages when fewer than 5000)",
    )
    parser.add_argument("--mirror", type=Path, help="keep the mirror here (reused if present)")
    parser.add_argument(
        "--server",
        choices=("fast", "mirror"),
        default="fast",
        help="fast: this module's asyncio server; mirror: crawler.mirror's",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternate runs; keep each side's best"
    )
    parser.add_argument(
        "--py-spy", type=Path, metavar="FILE", help="py-spy the govnews crawl into FILE (raw)"
    )
    parser.add_argument("--only", choices=(*BARE_RUNS, "govnews"), help="run one side only")
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the govnews run, e.g. -s GOVNEWS_WORKERS=0",
    )
    for which in BARE_RUNS:  # the child processes of the bare runs
        parser.add_argument(f"--run-{which}", metavar="START_URL", help=argparse.SUPPRESS)
    parser.add_argument("settings", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for which in BARE_RUNS:
        if start := getattr(args, f"run_{which.replace('-', '_')}"):
            settings = dict(s.split("=", 1) for s in args.settings)
            _run_bare(settings, start, project=which == "bare")
            return 0
    rss_from = args.rss_from or (1000 if args.articles >= 5000 else args.articles // 5)
    with tempfile.TemporaryDirectory(prefix="govnews-bench-") as tmp:
        mirror = args.mirror or Path(tmp) / "mirror"
        # The marker holds the size the mirror was last written for: a mirror written for
        # another size has list pages for that size, whatever article pages it still holds.
        marker = mirror / ".complete"
        if not marker.exists() or marker.read_text() != str(args.articles):
            marker.unlink(missing_ok=True)
            started = time.perf_counter()
            synthetic.write_mirror(mirror, args.articles)
            marker.write_text(str(args.articles))
            print(f"wrote {args.articles} article pages to {mirror} "
                  f"in {time.perf_counter() - started:.0f} s", file=sys.stderr)  # fmt: skip
        start_url = synthetic.BASE + synthetic.list_path(1)
        expected = args.articles + -(-args.articles // synthetic.PER_LIST)
        best: dict[str, Run] = {}
        rounds: list[dict[str, float]] = []  # pages/s of each side, round by round
        with Server(mirror, args.server) as server:
            # Alternating the sides spreads the machine's load bursts over both.
            for _ in range(args.repeat):
                rounds.append({})
                for which in (*BARE_RUNS, "govnews"):
                    if args.only and which != args.only:
                        continue
                    db = Path(tmp) / f"{which}.db"
                    db.unlink(missing_ok=True)
                    settings = crawl_settings(server.url, args.concurrency, db)
                    if which == "govnews":
                        settings.update(s.split("=", 1) for s in args.set)
                    cmd = command(which, settings, start_url)
                    spy = args.py_spy if which == "govnews" else None
                    run = measure(which, cmd, server, expected, rss_from, spy)
                    if which == "govnews":
                        run.stored = stored_articles(db)
                    rounds[-1][which] = run.rate
                    if which not in best or run.rate > best[which].rate:
                        best[which] = run
        runs = list(best.values())
    print(f"crawl: {args.articles} articles, concurrency {args.concurrency}, "
          f"server {args.server}, best of {args.repeat}"
          + "".join(f", -s {s}" for s in args.set))  # fmt: skip
    print(table(runs, rss_from))
    if "govnews" in best and "bare" in best:
        govnews = best["govnews"]
        print(f"govnews = {govnews.rate / best['bare'].rate:.2f} x bare pages/s (target >= "
              f"{TARGET_RATIO}); RSS growth {govnews.growth_mb:.1f} MB (target <= "
              f"{TARGET_GROWTH_MB})")  # fmt: skip
        if args.repeat > 1:
            # The machine's speed changes within a minute: each round's own ratio, and their
            # median, say how much of the best-of figure is the moment each side was run at.
            ratios = [r["govnews"] / r["bare"] for r in rounds if r.get("bare")]
            print("govnews / bare round by round: "
                  + ", ".join(f"{ratio:.2f}" for ratio in ratios)
                  + f" (median {statistics.median(ratios):.2f})")  # fmt: skip
    if "govnews" in best and "bare-scrapy" in best:
        print(
            f"govnews = {best['govnews'].rate / best['bare-scrapy'].rate:.2f} x bare-scrapy "
            "pages/s (the bare spider with Scrapy's default settings)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
