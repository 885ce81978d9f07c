"""The chinadaily parser and spider on real saved pages (``../shared/corpus``; skipped without it).

The pages are read where they are, never copied into the repository.
"""

from __future__ import annotations

import re

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.items import Article
from crawler.parsers import chinadaily
from crawler.spiders.chinadaily import ChinadailySpider
from tests.conftest import CORPUS

RAW = CORPUS / "govsites" / "raw"
pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not RAW.is_dir(), reason=f"{RAW} is not there"),
]

REAL_PAGES = {
    "www.chinadaily.com.cn/a_202405_13_WS664167f4a31082fc043c6af7.html": dict(
        headline="Youngsters becoming more fitness-conscious",
        published_at="2024-05-13T09:08:04+08:00",
        date_raw="Updated: 2024-05-13 09:08",
        source="China Daily",
        byline="Wang Xiaoyu",
        editor="董森河",
        section="Society",
        lang="en",
        starts="For centuries, the concept of yangsheng — a Taoist and traditional Chinese",
        ends="The patient's condition was soon alleviated without any medical interventions, "
        "she said.",
        paragraphs=16,
        captions=[
            "Joggers run at Anlong Limestone Resort, a park dedicated to mountain outdoor sports "
            "in Qianxinan prefecture, Guizhou province, in December."
        ],
        credits=["LIU CHAOFU/FOR CHINA DAILY"],
    ),
    # Page 1 of a six-page gallery (ce_art + picshow), no byline.
    "www.chinadaily.com.cn/a_202405_20_WS664af0b2a31082fc043c814d.html": dict(
        headline="Centuries-old golden nanmu add color to Chongqing village",
        published_at="2024-05-20T14:41:54+08:00",
        date_raw="Updated: 2024-05-20 14:41",
        source="chinadaily.com.cn",
        byline=None,
        editor="郭凯",
        section="Society",
        lang="en",
        starts="Deep in the mountains of Youyang county in Chongqing, there is a small village",
        ends="golden nanmu tree is one kind of this precious plant.",
        paragraphs=2,
        captions=[
            "A photo taken on May 16 shows golden nanmu trees in the Nanmu Bay scenic spot of "
            "Youyang county, Chongqing."
        ],
        credits=["Su Zhigang/For chinadaily.com.cn"],
    ),
    # The Chinese template: h1.dabiaoti, 来源, editor lines at the end of the body.
    "china.chinadaily.com.cn/a_202311_17_WS65571297a310d5acd876f404.html": dict(
        headline="外国专家：中美合作共赢符合国际社会利益",
        published_at="2023-11-17T15:13:27+08:00",
        date_raw="2023-11-17 15:13",
        source="中国日报网",
        byline=None,
        editor="严玉洁 王辉",
        section="海外观察",
        lang="zh",
        starts="在美国旧金山举行的中美元首会晤吸引了全世界的目光。",
        ends="美方需要作出更令人放心的承诺，并采取更多令人安心的行动。",
        paragraphs=11,
        captions=[],
        credits=[],
    ),
}
# "www.chinadaily.com.cn/a_202405_13_WS….html" was https://www.chinadaily.com.cn/a/202405/13/WS….html
_NAME_RE = re.compile(r"^(?P<host>[^/]+)/a_(?P<ym>\d{6})_(?P<d>\d\d)_(?P<id>WS[0-9a-f]{24})\.html$")


def real_url(name: str) -> str:
    """The page's original URL, from its file name (see the corpus folder's README)."""
    m = _NAME_RE.match(name)
    assert m, name
    return f"https://{m['host']}/a/{m['ym']}/{m['d']}/{m['id']}.html"


def parsed(name: str) -> Article:
    path = RAW / name
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    return chinadaily.parse_article(path.read_text("utf-8"), real_url(name))


@pytest.mark.parametrize("name", REAL_PAGES, ids=lambda n: n.split("/")[0])
def test_real_page_fields(name):
    article, want = parsed(name), REAL_PAGES[name]
    assert article.url == real_url(name)
    for field in ("headline", "published_at", "date_raw", "source", "byline", "editor", "section",
                  "lang"):  # fmt: skip
        assert getattr(article, field) == want[field], field
    assert article.body.startswith(want["starts"])
    assert article.body.endswith(want["ends"])
    assert len(article.paragraphs) == want["paragraphs"]
    assert [i.caption for i in article.images] == want["captions"]
    assert [i.credit for i in article.images] == want["credits"]


@pytest.mark.parametrize("name", REAL_PAGES, ids=lambda n: n.split("/")[0])
def test_real_page_body_has_no_chrome(name):
    body = parsed(name).body
    for chrome in ("Share - WeChat", "CLOSE", "Copyright", "Registration Number", "分享到",
                   "关闭", "编辑", "来源", "京ICP备", "Next", ">>|"):  # fmt: skip
        assert chrome not in body


def test_real_gallery_continues_on_page_2():
    name = "www.chinadaily.com.cn/a_202405_20_WS664af0b2a31082fc043c814d.html"
    parsed(name)  # skips when the page is not there
    url = real_url(name)
    page = HtmlResponse(url, body=(RAW / name).read_bytes(), encoding="utf-8")
    assert ChinadailySpider().next_page_url(page) == url.replace(".html", "_2.html")


def test_real_list_excerpt_gives_its_stories_and_pages():
    path = RAW / "www.chinadaily.com.cn" / "EXCERPT_list_world_china-us_page1_2019-01.html"
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    spider = ChinadailySpider.from_crawler(get_crawler(ChinadailySpider))
    url = "https://www.chinadaily.com.cn/world/china-us"
    links = spider.links(HtmlResponse(url, body=path.read_bytes(), encoding="utf-8"))
    articles = [u.rsplit("/", 1)[-1] for u in links if spider.is_article_url(u)]
    # The lead story, two boxes, then the three tw3_01_2 items the excerpt keeps.
    assert articles == [
        "WS5c37cfaea3106c65c34e3c9e.html",
        "WS5c379647a3106c65c34e3c78.html",
        "WS5c34bb88a31068606745f8bf.html",
        "WS5c38db2fa3106c65c34e3ffa.html",
        "WS5c38cb4ca3106c65c34e3ff6.html",
        "WS5c37855fa3106c65c34e3c69.html",
    ]
    assert [u for u in links if spider.is_list_url(u)] == [
        f"{url}/page_2.html",
        f"{url}/page_3.html",
        f"{url}/page_113.html",
    ]
