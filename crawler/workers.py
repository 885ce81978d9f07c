"""Run CPU-bound pure functions in worker processes, so that a crawl uses a second core.

A crawl is CPU-bound in one process: Scrapy, the parsers, the pipelines and SQLite share one
core. :class:`WorkerPool` runs a pure function (parsing a page's bytes, normalising an
article) in a worker process and hands the result back as an awaitable; the component that
awaits it (the spider, the normalise pipeline) is suspended meanwhile, and the reactor
downloads and stores. With a reactor other than asyncio's, everything runs in-process.

Setting ``GOVNEWS_WORKERS`` (default 1): worker processes, shared by every component and spider
of the process; 0 runs everything in the crawl process (as does the pool for a call it cannot
send to a worker: a closure, an argument that cannot be pickled).

The transport is lean on purpose, because the crawl process is the other half of the crawl's
CPU budget: each worker is forked with one end of a socket pair, the crawl's asyncio loop (the
one Scrapy's default reactor runs on) reads the other end, and a call is one length-prefixed
pickle of ``(function, args)`` each way, answered in the order sent. No thread in the crawl
process, no queue feeder, no hand-off between threads (``ProcessPoolExecutor`` cost the crawl
process ~15-20 % of its CPU in its feeder and result threads). The worker is a plain loop:
read a call, run it, write the result (or the exception, with its traceback as ``__cause__``).

The crawl process stays in charge of stopping:

- Workers are forked (they start at once, with everything imported, and never run
  ``__main__`` again: a crawl script without an ``if __name__ == "__main__"`` guard would
  start its crawl again in a spawned one). They only run pure functions, so they take no lock
  a thread of the parent could hold: a replacement forked mid-crawl, after Twisted's resolver
  threads exist, is as safe as the first ones, forked at ``spider_opened``.
- Workers ignore SIGINT and SIGTERM. Ctrl-C reaches the whole process group, and a worker that
  died of it would lose the pages in flight during the graceful stop that the same Ctrl-C
  starts in the crawl; workers end when the pool is closed (``spider_closed`` of the last
  spider), once every call in flight has been answered: the crawl ends its side of the socket,
  the worker reads that end and exits.
- A worker exits by itself within a second once its parent is gone (``kill -9`` of the crawl),
  so no orphan is left behind: at once when it is idle (the socket ends), from a watchdog
  thread when it is busy.
- A worker that dies (a crash in a C extension, the OOM killer) fails every call it had with
  :class:`WorkerDied`; it is replaced, and each of those calls is run once more, alone in a
  process of its own. A call that kills that one too raises :class:`WorkerDied` (the spider
  counts ``parser_crash``, the normalise pipeline ``invalid_item``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from scrapy import signals
from scrapy.utils.asyncio import is_asyncio_available

from crawler.parsers import generic_parser, parser_for_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_WORKERS = 1
#: Seconds between a busy worker's checks that the crawl process is still its parent.
_PARENT_CHECK_SECONDS = 0.5
#: The message framing, both ways: a 4-byte big-endian length, then that many bytes of pickle.
_LENGTH = struct.Struct("!I")
_PICKLE = pickle.HIGHEST_PROTOCOL
#: Calls sent to a worker and not answered yet. Two: the worker finds the next call waiting
#: when it answers one, and each call is written into an empty socket buffer in one system
#: call. Sending every call at once filled the buffer (the worker is the slower side), and the
#: reactor then woke to write a few kilobytes each time the worker read some.
_SENT = 2
#: Bytes read from a worker's socket at a time (a reply is an article: tens of kilobytes).
_READ_SIZE = 256 * 1024


class WorkerDied(Exception):
    """The worker process running a call died before it answered."""


class RemoteTraceback(Exception):
    """The ``__cause__`` of an exception raised in a worker: its traceback there."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f'\n"""\n{self.text}"""'


# --------------------------------------------------------------------------------------------
# The worker process


def _serve(sock: socket.socket, parent: int) -> None:
    """The worker's loop: answer calls until the crawl process closes the socket."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The parent's asyncio loop wakes on this pipe for its signals: a signal of the worker must
    # not write there.
    signal.set_wakeup_fd(-1)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    # Import the parsers now, while the crawl fetches robots.txt and its first list pages (a
    # forked worker has the parent's modules, but the parent imports the parsers lazily too).
    parser_for_url("")
    generic_parser()
    calls = sock.makefile("rb")
    while len(header := calls.read(_LENGTH.size)) == _LENGTH.size:
        (size,) = _LENGTH.unpack(header)
        reply = _answer(calls.read(size))
        sock.sendall(_LENGTH.pack(len(reply)) + reply)


def _answer(call: bytes) -> bytes:
    """The pickled reply to a pickled call: ``(True, result)`` or ``(False, error, traceback)``."""
    try:
        function, args = pickle.loads(call)
        return pickle.dumps((True, function(*args)), _PICKLE)
    except BaseException as error:  # everything goes back to the caller, as in-process
        text = "".join(traceback.format_exception(error))
        try:
            return pickle.dumps((False, error, text), _PICKLE)
        except Exception:  # an exception that cannot be pickled: its text still can
            return pickle.dumps((False, RuntimeError(repr(error)), text), _PICKLE)


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_SECONDS)
    os._exit(1)


# --------------------------------------------------------------------------------------------
# The crawl process's side


def _raisable(error: BaseException) -> BaseException:
    """``error`` as the same call raises it in-process: a StopIteration that leaves a coroutine
    becomes a RuntimeError (PEP 479). A future refuses to hold a StopIteration at all, and the
    refusal, raised in the middle of reading replies, would leave this and later calls unanswered.
    """
    if isinstance(error, StopIteration):
        wrapped = RuntimeError("the function raised StopIteration")
        wrapped.__cause__ = error
        return wrapped
    return error


class _Worker:
    """One worker process, seen from the crawl process: its socket and the calls it has."""

    #: Descriptors of every worker's socket in this process. A worker forked later closes its
    #: copies, or a worker would see the end of its socket only once all of them had exited.
    sockets: ClassVar[set[int]] = set()

    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid = pid
        self.sock = sock
        self.fd = sock.fileno()
        #: The calls not answered yet, oldest first: the worker answers them in order.
        self.calls: deque[asyncio.Future] = deque()
        #: The newest of them, not sent yet (see ``_SENT``).
        self.queued: deque[bytes] = deque()
        self.closing = False
        #: False once the socket has ended (the worker has exited).
        self.alive = True
        self._in = bytearray()
        self._out = bytearray()
        self._loop = asyncio.get_running_loop()
        self._drained: asyncio.Future | None = None
        self._gone = self._loop.create_future()
        _Worker.sockets.add(self.fd)
        self._loop.add_reader(self.fd, self._readable)

    @classmethod
    def start(cls) -> _Worker:
        """Fork a worker; the event loop reads its socket from now on."""
        ours, its = socket.socketpair()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # out of processes or memory: the call fails, and no socket is left open
            ours.close()
            its.close()
            raise
        if pid == 0:  # the worker: never returns into the crawl's code
            status = 1
            try:
                ours.close()
                for fd in cls.sockets:
                    with contextlib.suppress(OSError):
                        os.close(fd)
                _serve(its, parent)
                status = 0
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(status)
        its.close()
        ours.setblocking(False)
        return cls(pid, ours)

    def call(self, payload: bytes) -> asyncio.Future:
        """Run a pickled ``(function, args)``; the future gets its outcome."""
        answer = self._loop.create_future()
        self.calls.append(answer)
        if len(self.calls) - len(self.queued) <= _SENT:
            self._send(payload)
        else:
            self.queued.append(payload)
        return answer

    async def close(self) -> None:
        """Once every call is answered, end the socket; return when the worker has exited."""
        self.closing = True
        while self.alive and self.calls:
            self._drained = self._loop.create_future()
            await self._drained
        if self.alive:
            # The worker reads the end of its socket and exits. It may have died just now:
            # then the socket is gone already, and so is the worker.
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_WR)
            await asyncio.shield(self._gone)

    def _send(self, payload: bytes) -> None:
        data = _LENGTH.pack(len(payload)) + payload
        if not self._out:
            # Straight into the socket: it has room for the two calls sent ahead.
            try:
                sent = self.sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:  # the worker is gone: reading the socket's end fails the calls
                return
            if sent == len(data):
                return
            data = data[sent:]
            self._loop.add_writer(self.fd, self._writable)
        self._out += data

    def _writable(self) -> None:
        try:
            sent = self.sock.send(self._out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            sent = len(self._out)  # as above: the reader sees the end
        del self._out[:sent]
        if not self._out:
            self._loop.remove_writer(self.fd)

    def _readable(self) -> None:
        try:
            data = self.sock.recv(_READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._ended()
            return
        buffer = self._in
        buffer += data
        while len(buffer) >= _LENGTH.size:
            (size,) = _LENGTH.unpack_from(buffer)
            end = _LENGTH.size + size
            if len(buffer) < end:
                break
            reply = buffer[_LENGTH.size : end]  # one copy: pickle reads a bytearray
            del buffer[:end]
            self._answer(reply)

    def _answer(self, reply: bytes | bytearray) -> None:
        answer = self.calls.popleft()
        if self.queued:
            self._send(self.queued.popleft())
        if not answer.cancelled():
            try:
                ok, value, *text = pickle.loads(reply)
            except Exception as error:  # an exception class that cannot be rebuilt here
                answer.set_exception(error)
            else:
                if ok:
                    answer.set_result(value)
                else:
                    value.__cause__ = RemoteTraceback(text[0])
                    answer.set_exception(_raisable(value))
        if not self.calls and self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def _ended(self) -> None:
        """The socket ended: the worker has exited (or died); fail what it had."""
        self.alive = False
        self._loop.remove_reader(self.fd)
        self._loop.remove_writer(self.fd)
        _Worker.sockets.discard(self.fd)
        self.sock.close()
        # Its end of the socket closes as the process exits: this wait is not one.
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:  # reaped by someone else (a SIGCHLD handler): status unknown
            status = 0
        if not self.closing:
            logger.warning(
                "Worker process %d died (%s) with %d call(s) in flight",
                self.pid,
                _describe(status),
                len(self.calls),
            )
        calls, self.calls = self.calls, deque()
        self.queued.clear()
        for answer in calls:
            if not answer.cancelled():
                answer.set_exception(
                    WorkerDied(f"worker process {self.pid} died ({_describe(status)})")
                )
        for waiter in (self._drained, self._gone):
            if waiter is not None and not waiter.done():
                waiter.set_result(None)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


class _SharedWorkers:
    """The worker processes of this process, shared by every WorkerPool (so every crawler).

    Only the event loop's thread uses it: no lock.
    """

    def __init__(self) -> None:
        self.size = 0
        self.users = 0
        self.live: list[_Worker] = []
        #: Calls retried after a worker died run one at a time, each in a process of its own.
        self.alone = asyncio.Lock()

    def acquire(self, workers: int) -> None:
        self.users += 1
        self.size = max(self.size, workers)
        self._fill()

    async def release(self) -> None:
        """The last user closes the workers, once the calls in flight are answered."""
        self.users -= 1
        if self.users:
            return
        workers, self.live, self.size = self.live, [], 0
        await asyncio.gather(*(worker.close() for worker in workers))

    def submit(self, payload: bytes) -> asyncio.Future:
        self.live = [worker for worker in self.live if worker.alive]  # the dead replaced
        self._fill()
        return min(self.live, key=lambda worker: len(worker.calls)).call(payload)

    async def run_alone(self, payload: bytes) -> Any:
        async with self.alone:
            worker = _Worker.start()
            try:
                return await worker.call(payload)
            finally:
                await worker.close()

    def _fill(self) -> None:
        while len(self.live) < self.size:
            self.live.append(_Worker.start())


_shared = _SharedWorkers()


class WorkerPool:
    """Run pure functions in worker processes (see the module docstring)."""

    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        self.workers = max(0, workers)
        self._open = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerPool:
        pool = cls(crawler.settings.getint("GOVNEWS_WORKERS", DEFAULT_WORKERS))
        crawler.signals.connect(pool.open, signal=signals.spider_opened)
        crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    def open(self) -> None:
        """Start the workers now rather than with the first page (they import the parsers)."""
        if self.workers and not self._open:
            if not is_asyncio_available():
                # The workers' sockets are read by the asyncio loop that Scrapy's default
                # reactor runs on; with another reactor, everything runs in this process.
                logger.warning("GOVNEWS_WORKERS needs the asyncio reactor; parsing in-process")
                return
            _shared.acquire(self.workers)
            self._open = True

    async def close(self) -> None:
        """Release the workers; the last user waits until the calls in flight are answered
        and the workers have exited."""
        if self._open:
            self._open = False
            await _shared.release()

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker; in this process when there is none to send it to.

        ``function`` must be pure: module-level, its arguments and result picklable.
        """
        if not self._open:
            return function(*args)
        try:
            payload = pickle.dumps((function, args), _PICKLE)
        except Exception:  # a closure, a lambda, an open file: nothing a worker can get
            return function(*args)
        try:
            return await _shared.submit(payload)
        except WorkerDied:
            pass
        # Every call in flight fails with the worker, which one killed it is unknown: each is
        # run again alone, in a process of its own, so the one that kills it costs only itself.
        logger.warning(
            "A worker process died; running %s again alone",
            getattr(function, "__name__", repr(function)),
        )
        return await _shared.run_alone(payload)
