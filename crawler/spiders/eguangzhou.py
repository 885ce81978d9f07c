"""eguangzhou.gov.cn: Guangzhou's English portal (Foreign Affairs Office of Guangzhou).

Section lists (``/gzlatest/``, ``/gzbusiness/``, ``/gzservice/``, ``/gzspecialreports/<topic>/``)
link ``content/post_<id>.html`` articles and paginate as ``index_2.html``, ``index_3.html``, …
"""

from __future__ import annotations

import re

from crawler.parsers import eguangzhou
from crawler.spiders.base import NewsSpider

_SECTION = r"(?:gzlatest|gzbusiness|gzservice|gzspecialreports(?:/[\w-]+)?)"


class EguangzhouSpider(NewsSpider):
    name = "eguangzhou"
    allowed_domains = ["eguangzhou.gov.cn"]
    start_urls = [
        "https://www.eguangzhou.gov.cn/gzlatest/",
        "https://www.eguangzhou.gov.cn/gzbusiness/",
        "https://www.eguangzhou.gov.cn/gzservice/",
    ]
    article_url_re = re.compile(
        rf"^https?://(?:www\.)?eguangzhou\.gov\.cn/{_SECTION}/content/post_\d+\.html$"
    )
    list_url_re = re.compile(
        rf"^https?://(?:www\.)?eguangzhou\.gov\.cn/{_SECTION}/(?:index(?:_\d+)?\.html)?$"
    )
    timezone = "Asia/Shanghai"
    parser = staticmethod(eguangzhou.parse_article)
