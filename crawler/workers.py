"""Run CPU-bound pure functions in worker processes, so that a crawl uses a second core.

A crawl is CPU-bound in one process: Scrapy, the parsers, the pipelines and SQLite share one
core. :class:`WorkerPool` runs a pure function (parsing a page's bytes, normalising an
article) in a worker process and hands the result back as an awaitable; the component that
awaits it (the spider, the normalise pipeline) is suspended meanwhile, and the reactor
downloads and stores.

Setting ``GOVNEWS_WORKERS`` (default 1): worker processes, shared by every component and spider
of the process; 0 runs everything in the crawl process (as does the pool, for a function or an
argument it cannot send to a worker, such as a closure).

The crawl process stays in charge of stopping:

- Workers ignore SIGINT and SIGTERM. Ctrl-C reaches the whole process group, and a worker that
  died of it would lose the pages in flight during the graceful stop that the same Ctrl-C
  starts in the crawl; workers end when the pool is closed (``spider_closed`` of the last
  spider), after everything in flight has been done.
- A worker exits by itself within a second once its parent is gone (``kill -9`` of the crawl),
  so no orphan is left behind.
- A worker that dies (a crash in a C extension, the OOM killer) breaks the pool: it is replaced,
  and each call it had is run once more, alone in a process of its own; a call that kills that
  one too raises ``BrokenProcessPool`` (the spider counts ``parser_crash``, the normalise
  pipeline ``invalid_item``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred, DeferredLock

from crawler.parsers import generic_parser, parser_for_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_WORKERS = 1
#: fork where there is one: the worker starts at once, with the parsers already imported, and
#: never runs ``__main__`` again (spawn and forkserver re-import it: a crawl script without an
#: ``if __name__ == "__main__"`` guard would start its crawl again in the worker). The pool
#: starts at ``spider_opened``, before the crawl has threads of its own; the worker only
#: runs pure functions, so it takes no lock a thread of the parent could hold.
_START_METHOD = multiprocessing.get_context(
    "fork" if "fork" in multiprocessing.get_all_start_methods() else None
)
#: Seconds between a worker's checks that the crawl process is still its parent.
_PARENT_CHECK_SECONDS = 0.5


def _init_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    # Import the parsers now, while the crawl fetches robots.txt and its first list pages (a
    # forked worker has the parent's modules, but the parent imports the parsers lazily too).
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


class WorkerPool:
    """Run pure functions in worker processes (see the module docstring)."""

    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        self.workers = max(0, workers)
        self._open = False
        #: Function -> whether it can be sent to a worker (a closure cannot).
        self._sendable: dict[Callable, bool] = {}
        #: Calls retried after a worker died run one at a time.
        self._alone = DeferredLock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerPool:
        pool = cls(crawler.settings.getint("GOVNEWS_WORKERS", DEFAULT_WORKERS))
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

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker; in this process when there is none to send it to.

        ``function`` must be pure: module-level, its arguments and result picklable.
        """
        if not self._open or not all(self._can_send(a) for a in (function, *args) if callable(a)):
            return function(*args)
        executor = _shared.get(self.workers)
        try:
            return await _run(executor, function, args)
        except BrokenProcessPool:
            _shared.replace(executor)
        # Every call in flight fails with the worker, which one killed it is unknown: each is
        # run again alone, in a process of its own, so the one that kills it costs only itself.
        logger.warning("A worker process died; running %s again alone", function.__name__)
        await maybe_deferred_to_future(self._alone.acquire())
        try:
            with _new_executor(1) as alone:
                return await _run(alone, function, args)
        finally:
            self._alone.release()

    def _can_send(self, function: Callable) -> bool:
        if function not in self._sendable:
            try:
                pickle.dumps(function)
            except Exception:
                self._sendable[function] = False
            else:
                self._sendable[function] = True
        return self._sendable[function]


def _new_executor(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        workers, mp_context=_START_METHOD, initializer=_init_worker, initargs=(os.getpid(),)
    )


async def _run(executor: ProcessPoolExecutor, function: Callable[..., T], args: tuple) -> T:
    return await maybe_deferred_to_future(_deferred(executor.submit(function, *args)))


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
