"""www.gov.cn (Chinese): the State Council portal, discovered through its JSON list feeds.

The HTML list pages are JavaScript shells (``<ul id="list-1-ajax-id">`` is empty until a script
fetches a ``.json`` feed), so the spider reads the feeds themselves: each is a top-level array of
``{"TITLE", "SUB_TITLE", "URL", "DOCRELPUBTIME"}`` rows. A malformed feed or row is a counted,
logged drop (``govnews/dropped/bad_feed``, ``govnews/dropped/bad_feed_row``), never a crash.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.parsers import gov_cn
from crawler.spiders.base import NewsSpider

logger = logging.getLogger(__name__)


class GovCnSpider(NewsSpider):
    name = "gov_cn"
    allowed_domains = ["www.gov.cn"]
    start_urls = [
        "https://www.gov.cn/yaowen/liebiao/YAOWENLIEBIAO.json",  # 要闻 (news)
        "https://www.gov.cn/zhengce/zuixin/ZUIXINZHENGCE.json",  # 最新政策 (latest policies)
        "https://www.gov.cn/zhengce/jiedu/ZCJD_QZ.json",  # 政策解读 (interpretations)
        "https://www.gov.cn/gongbao/zuixin/gongbao.json",  # 国务院公报 (gazette)
    ]
    # content_<id>.htm under a column and a month (/zhengce/content/202601/), a year
    # (/gongbao/content/2007/) or the legacy day folders (/xinwen/2019-01/05/).
    article_url_re = re.compile(
        r"^https?://www\.gov\.cn/(?:[a-z0-9_]+/)+"
        r"(?:\d{6}|\d{4}|\d{4}-\d{2}/\d{2})/content_\d+\.htm$"
    )
    feed_url_re = re.compile(r"^https?://www\.gov\.cn/[\w/]+\.json$")
    timezone = "Asia/Shanghai"
    parser = staticmethod(gov_cn.parse_article)

    def request_for(self, url: str, **kwargs: Any) -> scrapy.Request:
        if self.feed_url_re.search(url):
            return scrapy.Request(url, callback=self.parse_feed, **kwargs)
        return super().request_for(url, **kwargs)

    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        """Article requests for the rows of a JSON list feed."""
        stats = self.crawler.stats
        stats.inc_value("govnews/pages/feed")
        try:
            rows = json.loads(response.body)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError both are
            self.drop(response.url, "bad_feed", str(exc))
            return
        if not isinstance(rows, list):
            self.drop(response.url, "bad_feed", f"top level is {type(rows).__name__}, not a list")
            return
        for row in rows:
            url = row.get("URL") if isinstance(row, dict) else None
            if not isinstance(url, str) or not url.strip():
                stats.inc_value("govnews/dropped/bad_feed_row")
                logger.warning("Feed %s: row without a URL: %.200r", response.url, row)
                continue
            # The site answers http with a redirect to https: one page, one URL.
            url = re.sub(r"^http://", "https://", response.urljoin(url.strip()))
            if self.is_article_url(url):
                yield self.request_for(url)
