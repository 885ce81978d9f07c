"""english.www.gov.cn (english.gov.cn): the State Council's English site, on China Daily's CMS.

Index pages (``/news/``, ``/policies/latestreleases/``, then ``page_N.html``) list stories in
``div.list-container li > a`` with protocol- or root-relative hrefs, often the same story twice;
the base spider resolves and de-duplicates them. Articles are ``…/YYYYMM/DD/content_WS<24
hex>.html``, and on the 2014-2018 site ``…/YYYY/MM/DD/content_<digits>.htm``.
"""

from __future__ import annotations

import re

from crawler.parsers import english_gov_cn
from crawler.spiders.base import NewsSpider

_HOST = r"https?://english\.(?:www\.)?gov\.cn"


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
