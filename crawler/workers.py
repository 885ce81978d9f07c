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
CPU budget: each worker is forked with two pipes, one for calls and one for replies, which the
crawl's asyncio loop (the one Scrapy's default reactor runs on) writes and reads itself, and a
call is one length-prefixed pickle of ``(function, args)`` each way, answered in the order
sent. No thread in the crawl process, no queue feeder, no hand-off between threads
(``ProcessPoolExecutor`` cost the crawl process ~15-20 % of its CPU in its feeder and result
threads). The worker is a plain loop: read a call, run it, write the result (or the exception,
with its traceback as ``__cause__``).

The crawl process stays in charge of stopping:

- Workers are forked (they start at once, with everything imported, and never run
  ``__main__`` again: a crawl script without an ``if __name__ == "__main__"`` guard would
  start its crawl again in a spawned one). They only run pure functions, so they take no lock
  a thread of the parent could hold: a replacement forked mid-crawl, after Twisted's resolver
  threads exist, is as safe as the first ones, forked at ``spider_opened``.
- Workers ignore SIGINT and SIGTERM. Ctrl-C reaches the whole process group, and a worker that
  died of it would lose the pages in flight during the graceful stop that the same Ctrl-C
  starts in the crawl; workers end when the pool is closed (``spider_closed`` of the last
  spider), once every call in flight has been answered: the crawl closes the call pipe, the
  worker reads its end and exits.
- A worker exits by itself within a second once its parent is gone (``kill -9`` of the crawl),
  so no orphan is left behind: at once when it is idle (the call pipe ends), from a watchdog
  thread when it is busy.
- A worker that dies (a crash in a C extension, the OOM killer) fails every call it had with
  :class:`WorkerDied`; it is replaced, and each of those calls is run once more, alone in a
  process of its own (calls still waiting to be sent to it go to its replacement as usual).
  A call that kills that one too raises :class:`WorkerDied` (the spider counts
  ``parser_crash``, the normalise pipeline ``invalid_item``).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import pickle
import signal
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
#: Bytes each pipe is grown to: Linux lets any process grow a pipe up to
#: ``/proc/sys/fs/pipe-max-size``, 1 MiB unless lowered (elsewhere pipes keep their size).
#: About ten article pages fit in the call pipe, so the worker finds the next calls waiting
#: while the crawl's loop is busy elsewhere: with two calls of room (a socket pair's buffer),
#: the worker sat idle a fifth of the crawl, waiting for the loop to read a reply and send
#: the next call; and a reply never waits for the loop to be read.
_PIPE_SIZE = 1 << 20
#: Bytes read from the reply pipe at a time (a reply is an article: tens of kilobytes).
_READ_SIZE = 256 * 1024


class WorkerDied(Exception):
    """The worker process running a call died before it answered."""


class _NotSent(WorkerDied):
    """The worker died before this call was sent to it: any other worker may run it."""


class RemoteTraceback(Exception):
    """The ``__cause__`` of an exception raised in a worker: its traceback there."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f'\n"""\n{self.text}"""'


# --------------------------------------------------------------------------------------------
# The worker process


def _serve(calls_fd: int, replies_fd: int, parent: int) -> None:
    """The worker's loop: answer calls until the crawl process closes the call pipe."""
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
    with open(calls_fd, "rb") as calls, open(replies_fd, "wb") as replies:
        while len(header := calls.read(_LENGTH.size)) == _LENGTH.size:
            (size,) = _LENGTH.unpack(header)
            reply = _answer(calls.read(size))
            replies.write(_LENGTH.pack(len(reply)))
            replies.write(reply)
            replies.flush()


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


def _pipe() -> tuple[int, int, int]:
    """A pipe grown to :data:`_PIPE_SIZE` where the system allows: ``(read, write, size)``."""
    read, write = os.pipe()
    try:
        size = fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
    except (AttributeError, OSError):  # not Linux, or a lower pipe-max-size: keep its size
        try:
            size = fcntl.fcntl(write, fcntl.F_GETPIPE_SZ)
        except (AttributeError, OSError):
            size = 1 << 16
    return read, write, size


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
    """One worker process, seen from the crawl process: its pipes and the calls it has."""

    #: The crawl's ends of every worker's pipes in this process. A worker forked later closes
    #: its copies, or a worker would see the end of its call pipe only once all had exited.
    fds: ClassVar[set[int]] = set()

    def __init__(self, pid: int, calls_fd: int, replies_fd: int, room: int) -> None:
        self.pid = pid
        #: Our ends: the call pipe's (written) and the reply pipe's (read); -1 once closed.
        self.calls_fd = calls_fd
        self.replies_fd = replies_fd
        #: Bytes of calls that may be sent and not answered yet: what the call pipe holds.
        self.room = room
        #: The calls not answered yet, oldest first: the worker answers them in order.
        self.calls: deque[asyncio.Future] = deque()
        #: The size of each call sent and not answered yet.
        self.sent: deque[int] = deque()
        #: The newest calls, not sent yet: they would not fit in the call pipe.
        self.queued: deque[bytes] = deque()
        self.closing = False
        #: False once the reply pipe has ended (the worker has exited).
        self.alive = True
        self._in = bytearray()
        self._out = bytearray()
        self._loop = asyncio.get_running_loop()
        self._drained: asyncio.Future | None = None
        self._gone = self._loop.create_future()
        _Worker.fds.update((calls_fd, replies_fd))
        self._loop.add_reader(replies_fd, self._readable)

    @classmethod
    def start(cls) -> _Worker:
        """Fork a worker; the event loop reads its replies from now on."""
        opened: list[int] = []
        try:
            calls_in, calls_out, room = _pipe()
            opened += (calls_in, calls_out)
            replies_in, replies_out, _ = _pipe()
            opened += (replies_in, replies_out)
            parent = os.getpid()
            pid = os.fork()
        except OSError:  # out of descriptors, processes or memory: the call fails, no pipe left
            for fd in opened:
                os.close(fd)
            raise
        if pid == 0:  # the worker: never returns into the crawl's code
            status = 1
            try:
                for fd in (calls_out, replies_in, *cls.fds):
                    with contextlib.suppress(OSError):
                        os.close(fd)
                _serve(calls_in, replies_out, parent)
                status = 0
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(status)
        os.close(calls_in)
        os.close(replies_out)
        os.set_blocking(calls_out, False)
        os.set_blocking(replies_in, False)
        return cls(pid, calls_out, replies_in, room)

    def call(self, payload: bytes) -> asyncio.Future:
        """Run a pickled ``(function, args)``; the future gets its outcome."""
        answer = self._loop.create_future()
        self.calls.append(answer)
        self.queued.append(_LENGTH.pack(len(payload)) + payload)
        self._send_what_fits()
        return answer

    async def close(self) -> None:
        """Once every call is answered, close the call pipe; return when the worker has exited."""
        self.closing = True
        while self.alive and self.calls:
            self._drained = self._loop.create_future()
            await self._drained
        if self.alive:
            # The worker reads the end of its call pipe and exits. It may have died just now:
            # then its reply pipe ends all the same.
            self._close_calls()
            await asyncio.shield(self._gone)

    def _send_what_fits(self) -> None:
        # A call bigger than the whole pipe still goes, alone, written as the worker reads it.
        while self.queued and (not self.sent or sum(self.sent) + len(self.queued[0]) <= self.room):
            data = self.queued.popleft()
            self.sent.append(len(data))
            self._send(data)

    def _send(self, data: bytes) -> None:
        if not self._out:
            # Straight into the pipe, which has room for it unless it is bigger than the pipe.
            try:
                written = os.write(self.calls_fd, data)
            except (BlockingIOError, InterruptedError):
                written = 0
            except OSError:  # the worker is gone: the end of its reply pipe fails the calls
                return
            if written == len(data):
                return
            data = data[written:]
            self._loop.add_writer(self.calls_fd, self._writable)
        self._out += data

    def _writable(self) -> None:
        try:
            written = os.write(self.calls_fd, self._out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            written = len(self._out)  # as above: the reply pipe ends
        del self._out[:written]
        if not self._out:
            self._loop.remove_writer(self.calls_fd)

    def _readable(self) -> None:
        try:
            data = os.read(self.replies_fd, _READ_SIZE)
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
        self.sent.popleft()
        self._send_what_fits()
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

    def _close_calls(self) -> None:
        if self.calls_fd >= 0:
            self._loop.remove_writer(self.calls_fd)
            _Worker.fds.discard(self.calls_fd)
            os.close(self.calls_fd)
            self.calls_fd = -1

    def _ended(self) -> None:
        """The reply pipe ended: the worker has exited (or died); fail what it had."""
        self.alive = False
        self._close_calls()
        self._loop.remove_reader(self.replies_fd)
        _Worker.fds.discard(self.replies_fd)
        os.close(self.replies_fd)
        self.replies_fd = -1
        # Its end of the reply pipe closes as the process exits: this wait is not one.
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
        sent = len(self.sent)  # the oldest calls; the rest never reached the worker
        self.queued.clear()
        self.sent.clear()
        why = f"worker process {self.pid} died ({_describe(status)})"
        for n, answer in enumerate(calls):
            if not answer.cancelled():
                answer.set_exception(WorkerDied(why) if n < sent else _NotSent(why))
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
                # The workers' pipes are read by the asyncio loop that Scrapy's default
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
        while True:
            try:
                return await _shared.submit(payload)
            except _NotSent:
                continue  # to the worker that replaced it, as any call
            except WorkerDied:
                break
        # Every call the worker had fails with it, which one killed it is unknown: each is run
        # again alone, in a process of its own, so the one that kills it costs only itself.
        logger.warning(
            "A worker process died; running %s again alone",
            getattr(function, "__name__", repr(function)),
        )
        return await _shared.run_alone(payload)
