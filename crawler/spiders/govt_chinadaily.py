"""govt.chinadaily.com.cn: China Daily's English government-news site."""

from __future__ import annotations

import re

from crawler.parsers import govt_chinadaily
from crawler.spiders.base import NewsSpider


class GovtChinadailySpider(NewsSpider):
    name = "govt_chinadaily"
    allowed_domains = ["govt.chinadaily.com.cn"]
    start_urls = ["https://govt.chinadaily.com.cn/news/"]
    # /s/YYYYMM/DD/WS<24 hex>[/<slug>].html, http or https.
    article_url_re = re.compile(
        r"^https?://govt\.chinadaily\.com\.cn/s/\d{6}/\d{2}/WS[0-9a-f]{24}(?:/[^/?#]+)?\.html$"
    )
    # Section lists and their pagination: /news/, /news/page_2.html, /regional/harbin.html.
    list_url_re = re.compile(
        r"^https?://govt\.chinadaily\.com\.cn/(?:news|regional|policies)(?:/(?:page_\d+\.html)?|/[\w-]+\.html)?$"
    )
    timezone = "Asia/Shanghai"
    parser = staticmethod(govt_chinadaily.parse_article)
