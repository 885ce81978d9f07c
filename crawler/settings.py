"""Scrapy settings for govnews: polite by default, hardened for unattended runs.

Everything here can be overridden per run with ``-s NAME=VALUE``.
"""

BOT_NAME = "govnews"

SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- Politeness --------------------------------------------------------------------------
USER_AGENT = "govnews/0.1 (+https://github.com/govnews/govnews; government news archiver)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# Hops through list pages without article links (hubs, an endless empty pager): pagination of
# a list with articles does not count (crawler.middlewares.PaginationTrapMiddleware).
DEPTH_LIMIT = 50

# --- Safety ------------------------------------------------------------------------------
# Listeners nobody uses in cron; the remote-control server runs arbitrary code by design.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Local files and data: URLs are never news pages (docs/topics/security.rst).
DOWNLOAD_HANDLERS = {
    "file": None,
    "data": None,
    "s3": None,
    "ftp": None,
    # Plain HTTP(S), or replay from MIRROR_URL when that setting is given.
    "http": "crawler.mirror.MirrorDownloadHandler",
    "https": "crawler.mirror.MirrorDownloadHandler",
}
DOWNLOAD_VERIFY_CERTIFICATES = True
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True
# Every page the crawl could not get is logged with a reason and counted (docs/reliability.md).
SPIDER_MIDDLEWARES = {
    # Scrapy's depth limit, but what it cuts is logged and counted (depth_limit).
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "crawler.middlewares.DepthLimitMiddleware": 900,
    "crawler.middlewares.LostPageMiddleware": 1000,
    # Outside LostPageMiddleware: links to stored articles are dropped before they become
    # requests, and a 304 to a revalidation is not a lost page (crawler/incremental.py).
    "crawler.incremental.IncrementalMiddleware": 1010,
    # List pages repeating their parent's articles end the chain; list pages with articles do
    # not add depth (DEPTH_LIMIT bounds chains of empty list pages only). Closest to the
    # spider: it must see every article link, before incremental drops some.
    "crawler.middlewares.PaginationTrapMiddleware": 1020,
}
DOWNLOADER_MIDDLEWARES = {
    # Next to the stock offsite check (50): redirects that loop or leave the site, dont_filter
    # or not.
    "crawler.middlewares.RedirectGuardMiddleware": 51,
    # Scrapy's, in its place, without decoding every page that has no refresh.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.metarefresh.MetaRefreshMiddleware": 580,
}
RETRY_TIMES = 2
MEMUSAGE_LIMIT_MB = 2048

# --- Replay ------------------------------------------------------------------------------
# Base URL of a mirror laid out as HOST/PATH; requests are fetched from there but everything
# else (stored URLs, link resolution, offsite checks) behaves as if the real host answered.
MIRROR_URL = ""

# --- CPU -----------------------------------------------------------------------------------
# Worker processes that parse and normalise article pages, so that a crawl uses a second core
# (crawler/workers.py); 0 does everything in the crawl process.
GOVNEWS_WORKERS = 1
# Items of one response processed side by side. Every spider here yields at most one item per
# page, and Scrapy starts this many asyncio tasks for every response whatever it yields: the
# default (100) cost the crawl process ~8 % of its CPU in task creation alone.
CONCURRENT_ITEMS = 1

# --- Output ------------------------------------------------------------------------------
GOVNEWS_DB = "govnews.db"
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.store.SQLitePipeline": 300,
}
FEED_EXPORT_ENCODING = "utf-8"

# --- Scheduled runs (govnews crawl, docs/operations.md) --------------------------------------
# Article pages already stored are not fetched again (crawler/incremental.py); the state is the
# database itself, never a JOBDIR.
GOVNEWS_INCREMENTAL = True
# Re-fetch stored articles published in the last N days with conditional requests (0: never).
GOVNEWS_REFRESH_DAYS = 0
# The exit-status alarms (crawler/verdict.py): more ERROR log lines than this fail the run;
GOVNEWS_MAX_ERRORS = 10
# so does a site parser that reads less than this share of the article pages, once at least
# GOVNEWS_DRIFT_MIN_PAGES were parsed (a template change shows up as a falling share).
GOVNEWS_MIN_SITE_SHARE = 0.8
GOVNEWS_DRIFT_MIN_PAGES = 5
EXTENSIONS = {
    # Errors counted per spider, not per process (several spiders share one `govnews crawl`).
    "scrapy.extensions.logcount.LogCount": None,
    "crawler.run.SpiderLogCount": 0,
    # The objects alive when the first spider opens are out of the garbage collector's reach,
    # and young collections run less often (crawler/heap.py). Before the workers fork (their
    # spider_opened handlers are connected after the extensions').
    "crawler.heap.TuneGarbageCollector": 0,
}
# Container allocations between two young collections (Python's default: 700; see heap.py).
GOVNEWS_GC_THRESHOLD = 3000

LOG_LEVEL = "INFO"
# Scrapy's formatter, without building the per-page DEBUG lines no log handler would write.
LOG_FORMATTER = "crawler.logformatter.LevelLogFormatter"
