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
# A listing crawl never needs to go deep; this also bounds pagination traps.
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
RETRY_TIMES = 2
MEMUSAGE_LIMIT_MB = 2048

# --- Replay ------------------------------------------------------------------------------
# Base URL of a mirror laid out as HOST/PATH; requests are fetched from there but everything
# else (stored URLs, link resolution, offsite checks) behaves as if the real host answered.
MIRROR_URL = ""

# --- Output ------------------------------------------------------------------------------
GOVNEWS_DB = "govnews.db"
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.store.SQLitePipeline": 300,
}
FEED_EXPORT_ENCODING = "utf-8"

LOG_LEVEL = "INFO"
