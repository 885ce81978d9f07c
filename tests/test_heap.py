"""TuneGarbageCollector: the collector tuned once per process, at the first spider_opened."""

from __future__ import annotations

import gc

import pytest
from scrapy.utils.test import get_crawler

from crawler.heap import TuneGarbageCollector


@pytest.fixture
def untuned(monkeypatch):
    """A process whose collector the extension has not tuned yet; restored afterwards."""
    monkeypatch.setattr(TuneGarbageCollector, "tuned", False)
    threshold = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def extension(threshold: int) -> TuneGarbageCollector:
    return TuneGarbageCollector.from_crawler(get_crawler(settings_dict={
        "GOVNEWS_GC_THRESHOLD": threshold,
    }))  # fmt: skip


@pytest.mark.usefixtures("untuned")
def test_the_first_spider_freezes_the_heap_and_sets_the_threshold() -> None:
    gc.set_threshold(700, 10, 10)
    extension(3000).spider_opened()
    assert gc.get_threshold() == (3000, 10, 10)
    assert gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    # A later spider of the same process changes nothing: its start would freeze the first
    # crawl's objects in flight, garbage among them.
    gc.set_threshold(700, 10, 10)
    extension(5000).spider_opened()
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == frozen


@pytest.mark.usefixtures("untuned")
def test_zero_keeps_pythons_threshold() -> None:
    gc.set_threshold(700, 10, 10)
    extension(0).spider_opened()
    assert gc.get_threshold() == (700, 10, 10)
