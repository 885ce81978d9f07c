"""Parse article pages in a worker process, so that a crawl uses a second core.

A crawl is CPU-bound in one process: Scrapy, the pipelines and SQLite share one core with the
parsers, which cost about as much as all the rest together. :class:`ParsePool` sends a page's
bytes, ``Content-Type`` and URL to a worker process and gets the :class:`~crawler.items.Article`
back; the spider awaits it, so the reactor downloads and stores meanwhile.

Setting ``GOVNEWS_PARSE_WORKERS`` (default 1): worker processes, shared by every spider of
the process; 0 parses in the crawl process itself (what the pool does anyway for a parser it
cannot send to a worker).

The crawl process stays in charge of stopping:

- Workers ignore SIGINT and SIGTERM. Ctrl-C reaches the whole process group, and a worker that
  died of it would lose the pages in flight during the graceful stop that the same Ctrl-C
  starts in the crawl; workers end when the pool is closed (``spider_closed`` of the last
  spider), after every page in flight has been parsed.
- A worker exits by itself within a second once its parent is gone (``kill -9`` of the crawl),
  so no orphan is left behind.
- A worker that dies (a crash in a C extension, the OOM killer) breaks the pool: it is replaced,
  and each page it had is parsed once more, alone in a process of its own; a page that kills
  that one too raises ``BrokenProcessPool``, and the spider counts it as ``parser_crash``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred, DeferredLock

from crawler.encoding import decode_html
from crawler.items import Article
from crawler.parsers import ParsePath, Parser, generic_parser, parse_with_fallback, parser_for_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

DEFAULT_WORKERS = 1
#: fork where there is one: the worker starts at once, with the parsers already imported, and
#: never runs ``__main__`` again (spawn and forkserver re-import it: a crawl script without an
#: ``if __name__ == "__main__"`` guard would start its crawl again in the worker). The pool
#: starts at ``spider_opened``, before the crawl has threads of its own; the worker only
#: parses, so it takes no lock a thread of the parent could hold.
_START_METHOD = multiprocessing.get_context(
    "fork" if "fork" in multiprocessing.get_all_start_methods() else None
)
#: Seconds between a worker's checks that the crawl process is still its parent.
_PARENT_CHECK_SECONDS = 0.5


def parse_body(
    body: bytes, content_type: bytes | None, url: str, parser: Parser
) -> tuple[Article, ParsePath]:
    """Decode an article page and parse it (site parser, generic fallback): a worker's job."""
    return parse_with_fallback(decode_html(body, content_type), url, parser)


def _init_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    # Import the parsers now, while the crawl fetches robots.txt and its first list pages.
    parser_for_url("")
    generic_parser()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_SECONDS)
    os._exit(1)


class _SharedExecutor:
    """One ProcessPoolExecutor for every crawler of the process, started on first use."""

    def __init__(self) -> None:
        self.executor: ProcessPoolExecutor | None = None
        self.workers = 0
        self.users = 0
        self.lock = threading.Lock()

    def get(self, workers: int) -> ProcessPoolExecutor:
        with self.lock:
            if self.executor is None:
                self.executor = _new_executor(max(self.workers, workers))
            return self.executor

    def replace(self, broken: ProcessPoolExecutor) -> None:
        with self.lock:
            if self.executor is broken:
                self.executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    def acquire(self, workers: int) -> None:
        with self.lock:
            self.users += 1
            self.workers = max(self.workers, workers)

    def release(self) -> None:
        with self.lock:
            self.users -= 1
            executor = self.executor if self.users == 0 else None
            if executor is not None:
                self.executor, self.workers = None, 0
        if executor is not None:
            executor.shutdown(wait=True)


_shared = _SharedExecutor()


class ParsePool:
    """Parse article pages in worker processes (see the module docstring)."""

    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        self.workers = max(0, workers)
        self._open = False
        #: Parser -> whether it can be sent to a worker (a closure cannot).
        self._sendable: dict[Parser, bool] = {}
        #: Pages retried after a worker died run one at a time.
        self._alone = DeferredLock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParsePool:
        pool = cls(crawler.settings.getint("GOVNEWS_PARSE_WORKERS", DEFAULT_WORKERS))
        crawler.signals.connect(pool.open, signal=signals.spider_opened)
        crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    def open(self) -> None:
        if self.workers and not self._open:
            _shared.acquire(self.workers)
            self._open = True
            # Workers start on the first submit: start them now rather than with the first page.
            _shared.get(self.workers).submit(os.getpid)

    def close(self) -> None:
        """Release the workers; the last user waits for them to finish and exit."""
        if self._open:
            self._open = False
            _shared.release()

    async def parse(
        self, body: bytes, content_type: bytes | None, url: str, parser: Parser
    ) -> tuple[Article, ParsePath]:
        """:func:`parse_body` in a worker; in this process when there is none to send it to."""
        if parser not in self._sendable:
            self._sendable[parser] = _picklable(parser)
        if not self._open or not self._sendable[parser]:
            return parse_body(body, content_type, url, parser)
        args = (body, content_type, url, parser)
        executor = _shared.get(self.workers)
        try:
            return await _run(executor, args)
        except BrokenProcessPool:
            _shared.replace(executor)
        # Every page in flight fails with the worker, which killed it is unknown: each is
        # parsed again alone, in a process of its own, so the one that kills it costs only itself.
        logger.warning("A parse worker died; parsing %s again in a process of its own", url)
        await maybe_deferred_to_future(self._alone.acquire())
        try:
            with _new_executor(1) as alone:
                return await _run(alone, args)
        finally:
            self._alone.release()


def _new_executor(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        workers, mp_context=_START_METHOD, initializer=_init_worker, initargs=(os.getpid(),)
    )


async def _run(executor: ProcessPoolExecutor, args: tuple) -> tuple[Article, ParsePath]:
    return await maybe_deferred_to_future(_deferred(executor.submit(parse_body, *args)))


def _picklable(parser: Parser) -> bool:
    try:
        pickle.dumps(parser)
    except Exception:
        return False
    return True


def _deferred(future: Future) -> Deferred:
    """A Deferred fired in the reactor thread with the outcome of ``future``."""
    from twisted.internet import reactor

    deferred: Deferred = Deferred()

    def fire(done: Future) -> None:
        try:
            result = done.result()
        except BaseException as error:  # CancelledError too
            deferred.errback(error)
        else:
            deferred.callback(result)

    future.add_done_callback(lambda done: reactor.callFromThread(fire, done))  # type: ignore[attr-defined]
    return deferred
