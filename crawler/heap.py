"""The garbage collector, tuned for a crawl process (measured on the 5,000-article benchmark).

- By the time a spider opens, the process holds ~100,000 objects that it keeps to the end:
  modules, classes, functions, compiled patterns, settings, components. CPython's collector
  walked all of them on every full collection, one every few hundred pages: 70-85 ms each,
  0.21 ms of CPU per page, for objects that are never garbage. :func:`gc.freeze` moves them out
  of its reach (0.07 ms per page left). A worker forked afterwards (crawler/workers.py)
  inherits that, which also spares the pages they share the copy-on-write that the
  collector's writes to them would cause.
- Every page allocates hundreds of short-lived containers (requests, responses, Deferreds,
  the article and its rows), so Python's default threshold (700) ran a young collection every
  few pages and promoted objects still in use to the older generations, which then had to be
  walked too: 1.6 s of collections in all, ~0.3 ms per page. ``GOVNEWS_GC_THRESHOLD = 3000``
  cut that to 0.7 s; peak RSS grew by ~9 MB (cyclic garbage, such as a list page's parsed
  tree, waits a little longer for its collection). 5,000 saved a little more but held ~20 MB.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, ClassVar

from scrapy import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

DEFAULT_THRESHOLD = 3000


class TuneGarbageCollector:
    """Extension: at the first ``spider_opened`` of the process, collect, freeze the heap and
    set the youngest generation's threshold (``GOVNEWS_GC_THRESHOLD``; 0 keeps Python's).

    Once per process: a later spider's start would freeze the first crawl's objects in flight,
    and garbage among them would then never be freed.
    """

    tuned: ClassVar[bool] = False

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TuneGarbageCollector:
        extension = cls(crawler.settings.getint("GOVNEWS_GC_THRESHOLD", DEFAULT_THRESHOLD))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self) -> None:
        if TuneGarbageCollector.tuned:
            return
        TuneGarbageCollector.tuned = True
        gc.collect()  # the start-up's own garbage goes now, not into the frozen generation
        gc.freeze()
        if self.threshold > 0:
            gc.set_threshold(self.threshold, *gc.get_threshold()[1:])
