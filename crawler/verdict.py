"""How a spider's run went, as an exit status a scheduler can act on.

``scrapy crawl`` exits 0 whenever the crawl bootstrapped, even when it fetched nothing
(scrapy#1231) or logged thousands of errors, so a cron job built on it never alerts. A
:class:`Verdict` reads the run's Scrapy stats and says whether the run did its job; each kind
of failure has its own exit code (``docs/operations.md`` lists them). The thresholds are
settings, so ``-s GOVNEWS_MAX_ERRORS=50`` tunes one run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


class ExitCode(IntEnum):
    """Exit status of ``govnews crawl`` (1 is an unexpected crash, 2 a usage error)."""

    OK = 0
    #: A spider did not start: unknown name, bad setting, a component that failed to load.
    START_FAILED = 3
    #: More errors logged than ``GOVNEWS_MAX_ERRORS``, or Scrapy closed the spider for an
    #: error condition (``closespider_errorcount``, ``memusage_exceeded``, ...).
    ERRORS = 4
    #: The run neither stored nor confirmed a single article.
    NO_ARTICLES = 5
    #: The site parser read too small a share of the article pages (the site's layout changed).
    LAYOUT_DRIFT = 6
    #: Stopped before the end by ``--max-minutes``, another CLOSESPIDER limit or a signal. The
    #: run is recorded; the next run picks up what this one did not reach.
    STOPPED = 7
    #: Another run holds the database's lock; this one did nothing.
    LOCKED = 8


#: When spiders end differently, the run exits with the first of these that occurred.
SEVERITY = (
    ExitCode.START_FAILED,
    ExitCode.ERRORS,
    ExitCode.NO_ARTICLES,
    ExitCode.LAYOUT_DRIFT,
    ExitCode.STOPPED,
    ExitCode.OK,
)

#: Finish reasons of a run cut short on purpose (a time or size limit, SIGINT/SIGTERM).
STOPPED_REASONS = frozenset(
    {"closespider_timeout", "closespider_itemcount", "closespider_pagecount", "shutdown"}
)


@dataclass(frozen=True)
class Thresholds:
    """The alarm levels, from the ``GOVNEWS_*`` settings."""

    #: More ``log_count/ERROR`` than this fails the run.
    max_errors: int
    #: Site-parser successes / article pages parsed below this trips the layout-drift alarm ...
    min_site_share: float
    #: ... once at least this many article pages were parsed (one odd page is not a trend).
    drift_min_pages: int

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Thresholds:
        return cls(
            max_errors=settings.getint("GOVNEWS_MAX_ERRORS"),
            min_site_share=settings.getfloat("GOVNEWS_MIN_SITE_SHARE"),
            drift_min_pages=settings.getint("GOVNEWS_DRIFT_MIN_PAGES"),
        )


@dataclass(frozen=True)
class Verdict:
    spider: str
    code: ExitCode
    #: One line for stderr and the log; empty when the run is OK.
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.code is ExitCode.OK


def judge(
    spider: str,
    finish_reason: str | None,
    stats: Mapping[str, Any],
    thresholds: Thresholds,
) -> Verdict:
    """The verdict on one spider's run, from its final Scrapy stats."""
    if finish_reason is None:
        return Verdict(spider, ExitCode.START_FAILED, "did not start (see the log for why)")

    errors = stats.get("log_count/ERROR", 0)
    if errors > thresholds.max_errors:
        return Verdict(
            spider,
            ExitCode.ERRORS,
            f"{errors} errors logged (GOVNEWS_MAX_ERRORS={thresholds.max_errors})",
        )
    if finish_reason != "finished" and finish_reason not in STOPPED_REASONS:
        return Verdict(spider, ExitCode.ERRORS, f"closed with reason {finish_reason!r}")

    site = stats.get("govnews/parsed/site", 0)
    # A page neither parser could read counts against the site parser too.
    attempts = (
        site
        + stats.get("govnews/parsed/fallback", 0)
        + stats.get("govnews/dropped/parse_error", 0)
        + stats.get("govnews/dropped/parser_crash", 0)
    )
    if attempts >= thresholds.drift_min_pages and site / attempts < thresholds.min_site_share:
        return Verdict(
            spider,
            ExitCode.LAYOUT_DRIFT,
            f"layout drift: the site parser read {site} of {attempts} article pages"
            f" ({site / attempts:.0%}, GOVNEWS_MIN_SITE_SHARE={thresholds.min_site_share:g})",
        )

    if finish_reason in STOPPED_REASONS:
        return Verdict(spider, ExitCode.STOPPED, f"stopped early ({finish_reason}); run recorded")

    if confirmed_articles(stats) == 0:
        links = stats.get("govnews/requests/article", 0)
        lists = stats.get("govnews/pages/list", 0) + stats.get("govnews/pages/feed", 0)
        found = f"{links} article links" if links else "no article link"
        return Verdict(
            spider,
            ExitCode.NO_ARTICLES,
            f"no article stored or confirmed ({found} on {lists} list pages or feeds,"
            f" {errors} errors)",
        )
    return Verdict(spider, ExitCode.OK)


def confirmed_articles(stats: Mapping[str, Any]) -> int:
    """Articles the run stored, found unchanged, or skipped because they are already stored."""
    keys = ("new", "updated", "unchanged")
    return sum(stats.get(f"govnews/stored/{k}", 0) for k in keys) + stats.get(
        "govnews/skipped/known", 0
    )


def exit_code(verdicts: Iterable[Verdict]) -> ExitCode:
    """The status of a run of several spiders: its most severe verdict."""
    codes = {v.code for v in verdicts}
    return next((code for code in SEVERITY if code in codes), ExitCode.OK)
