"""english.www.gov.cn (english.gov.cn): the State Council's English site, on China Daily's CMS.

Index pages (``/news/``, ``/policies/latestreleases/``, then ``page_N.html``) list stories in
``div.list-container li > a`` with protocol- or root-relative hrefs, often the same story twice,
sometimes under another date's path; each story is requested once. Articles are
``…/YYYYMM/DD/content_WS<24 hex>.html``, and on the 2014-2018 site
``…/YYYY/MM/DD/content_<digits>.htm``.
"""

from __future__ import annotations

import re
from typing import Any

from scrapy.http import Response

from crawler.parsers import english_gov_cn
from crawler.spiders.base import NewsSpider

_HOST = r"https?://english\.(?:www\.)?gov\.cn"
#: The story id in an article URL: ``WS<24 hex>``, or the legacy number.
_STORY_ID_RE = re.compile(r"/content_(WS[0-9a-f]{24}|\d+)\.html?$")


class EnglishGovCnSpider(NewsSpider):
    name = "english_gov_cn"
    allowed_domains = ["english.www.gov.cn", "english.gov.cn"]
    start_urls = [
        "https://english.www.gov.cn/news/",
        "https://english.www.gov.cn/policies/latestreleases/",
    ]
    article_url_re = re.compile(
        rf"^{_HOST}/(?:[\w-]+/)+"
        r"(?:\d{6}/\d{2}/content_WS[0-9a-f]{24}\.html|\d{4}/\d{2}/\d{2}/content_\d+\.htm)$"
    )
    # Pagination only (/news/page_2.html): the menus on every page link every section.
    list_url_re = re.compile(rf"^{_HOST}/(?:[\w-]+/){{1,2}}page_\d+\.html$")
    timezone = "Asia/Shanghai"
    parser = staticmethod(english_gov_cn.parse_article)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        #: Story ids already requested in this crawl (the dupefilter only knows whole URLs).
        self.story_ids: set[str] = set()

    def links(self, response: Response) -> list[str]:
        """The page's links, each story once even when listed under two paths."""
        fresh = []
        for url in super().links(response):
            story = _STORY_ID_RE.search(url) if self.is_article_url(url) else None
            if story is not None:
                if story[1] in self.story_ids:
                    continue
                self.story_ids.add(story[1])
            fresh.append(url)
        return fresh
