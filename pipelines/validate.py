"""ValidatePipeline: drop what is not a usable article, with a logged and counted reason.

Reasons (stats ``govnews/dropped/<reason>``): ``no_headline``, ``no_body``, ``future_date``
(published more than a day after now: a parse error, not news), ``date_too_old`` (before 1949,
older than any site we crawl), and ``invalid_item`` for an item so odd that checking it raised —
a bad item costs one item, never the crawl.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.normalize import DEFAULT_TZ, has_text, normalize_date

logger = logging.getLogger(__name__)

OLDEST = date(1949, 1, 1)
#: Clock skew and time zones: a page dated "tomorrow" in Beijing can be today in UTC.
FUTURE_SLACK = timedelta(days=1)


def drop_reason(item: Mapping[str, Any], now: datetime, tz: str = DEFAULT_TZ) -> str | None:
    """Why an item must be dropped, or None when it is fine. ``now`` must be aware."""
    # has_text, not normalize_text: normalising a whole body only to test it for emptiness
    # cost as much as the normalise pipeline's own work on it.
    if not has_text(item.get("headline")):
        return "no_headline"
    if not has_text(item.get("body")):
        return "no_body"
    published = normalize_date(item.get("published_at"), tz)
    if published is None:
        return None  # an undated article is still an article
    limit = now.astimezone(ZoneInfo(tz)) + FUTURE_SLACK
    if len(published) == 10:
        day = date.fromisoformat(published)
        too_new = day > limit.date()
    else:
        moment = datetime.fromisoformat(published)
        day, too_new = moment.date(), moment > limit
    if too_new:
        return "future_date"
    return "date_too_old" if day < OLDEST else None


def count_drop(crawler: Crawler, reason: str, url: object, detail: str = "") -> DropItem:
    """Log and count a drop; returns the DropItem to raise.

    Scrapy's own drop message (which dumps the whole item, body included) goes to DEBUG: this
    one line with the reason and URL is what an operator needs.
    """
    if crawler.stats is not None:
        crawler.stats.inc_value(f"govnews/dropped/{reason}")
    logger.warning("Dropped %s (%s)%s", url, reason, f": {detail}" if detail else "")
    return DropItem(f"{reason}: {url}", log_level="DEBUG")


class ValidatePipeline:
    """Drop items without headline or body, or with an impossible publication date."""

    def __init__(self, crawler: Crawler, clock: Callable[[], datetime] | None = None) -> None:
        self.crawler = crawler
        self.clock = clock or (lambda: datetime.now(UTC))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        url = None
        try:
            adapter = ItemAdapter(item)
            url = adapter.get("url")
            tz = getattr(self.crawler.spider, "timezone", None) or DEFAULT_TZ
            reason, detail = drop_reason(adapter, self.clock(), tz), ""
        except Exception as exc:  # whatever the item did to the checks, it is the item's fault
            reason, detail = "invalid_item", repr(exc)
        if reason:
            raise count_drop(self.crawler, reason, url, detail)
        return item
