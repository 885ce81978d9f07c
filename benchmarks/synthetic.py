"""Synthetic govt.chinadaily.com.cn data for the speed benchmarks: mirror pages and Article items.

Pages follow the China Daily CMS layout the site parser reads (metas ``contentid``/``publishdate``/
``source``/``editor``, ``#bread-nav``, ``#lft-art h1``, ``span.info_l`` "Updated: Dec 21, 2022
SOURCE Print", ``#Content`` with centred image paragraphs whose caption is the next paragraph and
ends in a credit, file-name alt texts, WeChat share popup, ICP footer) and weigh 50-150 KB like
real CD pages: most of the weight is chrome (inline scripts, menus, related-story columns), which
is exactly what makes parsing cost what it costs. Everything is deterministic for a given seed.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from crawler.items import Article, Image

HOST = "govt.chinadaily.com.cn"
BASE = f"https://{HOST}"
BEIJING = timezone(timedelta(hours=8))
#: Articles per list page (the real site shows about 20-30).
PER_LIST = 25
PAGE_BYTES = (50_000, 150_000)
#: Share of synthetic Article items written in Chinese (the storage benchmark searches both).
ZH_SHARE = 0.2

# Function words carry English's statistical signature (what langdetect keys on); their weights
# roughly follow English frequencies so the word salad below reads as English to a detector.
_FUNCTION = {
    "the": 60, "of": 30, "and": 28, "to": 25, "in": 22, "a": 20, "for": 10, "is": 9, "on": 8,
    "that": 8, "with": 7, "by": 6, "as": 6, "at": 5, "from": 5, "has": 5, "its": 5, "will": 5,
    "be": 5, "have": 4, "are": 4, "this": 4, "was": 4, "more": 3, "than": 3, "also": 3,
}  # fmt: skip
# Word pools, as text (split once, below) to keep the module readable.
_CONTENT_TEXT = (
    "city government development cooperation international economic trade investment project "
    "policy innovation district province officials said year percent growth market enterprises "
    "companies industry services digital technology green ecological environment residents "
    "community public cultural heritage tourism visitors forum award cities sustainable urban "
    "planning infrastructure transport railway port airport logistics exports imports "
    "manufacturing high-tech park zone pilot reform opening-up financial support measures plan "
    "launched announced held attended delegates partners global countries regions belt road "
    "initiative exchange education university students talent research science laboratory "
    "health medical hospital elderly care housing employment jobs income rural villages "
    "agriculture farmers carbon energy solar wind vehicles electric new quality productive forces "
    "consumption festival exhibition expo conference ceremony mayor minister committee council "
    "bureau department national local first second third major key important efforts promote "
    "boost improve enhance accelerate strengthen build develop implement expand attract "
    "facilitate integrate upgrade modern smart"
)
_PLACES_TEXT = (
    "Guangzhou Beijing Shanghai Shenzhen Harbin Chengdu Hangzhou Wuhan Xi'an Nanjing Tianjin "
    "Chongqing Suzhou Qingdao Xiamen Kunming Hainan Guangdong Zhejiang Jiangsu Sichuan Yunnan"
)
_ZH_TEXT = (
    "经济 发展 政府 城市 合作 国际 广州 北京 上海 深圳 创新 企业 项目 建设 推动 全面 提高 服务 "
    "人民 社会 文化 生态 绿色 改革 开放 数字 科技 市场 投资 贸易 会议 政策 新闻 地区 产业 "
    "交流 活动 举行 参加 代表 部门 工作 加快 加强 促进 实施 规划 旅游 教育 医疗 农村 能源 "
    "交通 就业 消费 制造 平台 基础 设施 质量 安全 环境 资源 群众 村民 学生 大学 研究 中心"
)
_CONTENT = _CONTENT_TEXT.split()
_PLACES = _PLACES_TEXT.split()
_ZH_WORDS = _ZH_TEXT.split()
_ZH_PARTICLES = ("的", "了", "在", "和", "是", "与", "对", "将", "为", "把")
_SOURCES = ("eguangzhou.gov.cn", "chinadaily.com.cn", "Xinhua", "China Daily", "english.gov.cn")
_CREDITS = (
    "[Photo/Xinhua]", "[Photo/Southern Metropolis Daily]", "[Photo/IC]", "[Photo/VCG]",
    "[Photo by Su Zhigang/For chinadaily.com.cn]", "LIU CHAOFU/FOR CHINA DAILY",
)  # fmt: skip
_SECTIONS = ("News and Policies", "Regional", "Investment", "Culture and Tourism")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FIRST_DAY = datetime(2020, 1, 1, tzinfo=UTC)
_SPAN_SECONDS = int((datetime(2026, 11, 1, tzinfo=UTC) - _FIRST_DAY).total_seconds())


class _Words:
    """Seeded generator of English-looking and Chinese text."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._vocab = [*_FUNCTION, *_CONTENT, *_PLACES]
        self._weights = [*_FUNCTION.values(), *([2] * len(_CONTENT)), *([1] * len(_PLACES))]

    def words(self, n: int) -> list[str]:
        return self.rng.choices(self._vocab, self._weights, k=n)

    def sentence(self, lo: int = 8, hi: int = 26) -> str:
        words = self.words(self.rng.randint(lo, hi))
        if self.rng.random() < 0.3:
            words.insert(self.rng.randrange(len(words)), f"{self.rng.randint(2, 980)}")
        if len(words) > 10:
            words[self.rng.randrange(3, len(words) - 3)] += ","
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 6)))

    def headline(self) -> str:
        text = " ".join(self.words(self.rng.randint(5, 11)))
        return text[0].upper() + text[1:]

    def zh_sentence(self) -> str:
        pieces = []
        for _ in range(self.rng.randint(6, 16)):
            pieces.append(self.rng.choice(_ZH_WORDS))
            if self.rng.random() < 0.35:
                pieces.append(self.rng.choice(_ZH_PARTICLES))
        pieces.insert(len(pieces) // 2, "，")
        return "".join(pieces) + "。"

    def zh_paragraph(self) -> str:
        return "".join(self.zh_sentence() for _ in range(self.rng.randint(3, 8)))

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"


@dataclass(frozen=True)
class ArticleRef:
    """Where a synthetic article lives and what its list entry shows."""

    url: str
    headline: str
    published: datetime


def _ref(i: int, seed: int) -> ArticleRef:
    words = _Words(seed * 1_000_003 + i)
    published = (_FIRST_DAY + timedelta(seconds=words.rng.randrange(_SPAN_SECONDS))).astimezone(
        BEIJING
    )
    ws_id = f"WS{int(published.timestamp()):08x}498e{words.hex(12)}"
    headline = words.headline()
    slug = "-".join(headline.lower().replace(",", "").replace("'", "").split()[:8])
    url = f"{BASE}/s/{published:%Y%m}/{published:%d}/{ws_id}/{slug}.html"
    return ArticleRef(url, headline, published)


def article_refs(n: int, seed: int = 0) -> list[ArticleRef]:
    return [_ref(i, seed) for i in range(n)]


# --------------------------------------------------------------------------------------------
# Pages

_STYLE = "".join(
    f".c{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i * 2654435761 % 0xFFFFFF:06x}}}"
    for i in range(150)
)
_NAV = "".join(
    f'<li><a href="https://www.chinadaily.com.cn/{name.lower()}" target="_blank">{name}</a></li>'
    for name in ("China", "World", "Business", "Lifestyle", "Culture", "Travel", "Sports",
                 "Opinion", "Regional", "Video", "Photo", "Newspaper")
) + '<li><a href="/news/">News and Policies</a></li>'  # fmt: skip
_FOOTER = (
    '<div class="dibu-three"><p>Copyright©2024 China Daily. All rights reserved.</p>'
    '<p><a href="https://beian.miit.gov.cn/">京ICP备13028878号-6</a></p>'
    "<p>京公网安备 11010502032503号</p></div>"
    '<footer class="mobile-foot">Copyright 1995 - 2024 . All rights reserved. The content '
    "(including but not limited to text, photo, multimedia information, etc) published in this "
    "site belongs to China Daily Information Co (CDIC).</footer>"
)


def _script(words: _Words, size: int) -> str:
    # Share/statistics configuration blobs, as CD pages inline them.
    parts, total = [], 0
    while total < size:
        line = f'  cfg["k{words.hex(6)}"] = "{" ".join(words.words(12))}";\n'
        parts.append(line)
        total += len(line)
    return "<script>\nvar cfg = {};\n" + "".join(parts) + "</script>"


def _related(words: _Words, size: int) -> str:
    # Related stories live on the sister site (offsite for the crawl, as on the real pages).
    parts, total = [], 0
    while total < size:
        month = words.rng.randint(1, 12)
        url = f"https://www.chinadaily.com.cn/a/2024{month:02d}/10/WS{words.hex(24)}.html"
        item = (
            f'<div class="mb10 tw3_01_2 "><span class="tw3_01_2_p"><a href="{url}" target="_blank">'
            f'<img src="//img2.chinadaily.com.cn/images/{words.hex(24)}.jpeg"></a></span>'
            f'<span class="tw3_01_2_t"><h4><a href="{url}">{words.headline()}</a></h4>'
            f"<b>2024-0{words.rng.randint(1, 9)}-1{words.rng.randint(0, 9)}</b>"
            f"<p>{words.sentence(12, 30)}</p></span></div>\n"
        )
        parts.append(item)
        total += len(item)
    return '<div class="mai_r"><h3>Related Stories</h3>' + "".join(parts) + "</div>"


def _head(title: str, metas: dict[str, str], words: _Words, script_bytes: int) -> str:
    meta_html = "".join(
        f'<meta {"property" if name.startswith("og:") else "name"}="{name}" content="{value}">\n'
        for name, value in metas.items()
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head>\n<meta charset="utf-8">\n'
        f"<title>{title} | {HOST}</title>\n{meta_html}"
        f"<style>{_STYLE}</style>\n{_script(words, script_bytes)}\n</head>\n"
    )


def _image_block(words: _Words, published: datetime) -> str:
    # Image ids share the article id's timestamp prefix, as on the site.
    image_id = f"{int(published.timestamp()):08x}498e{words.hex(12)}"
    src = f"/images/{published:%Y%m}/{published:%d}/{image_id}.jpeg"
    roll = words.rng.random()
    if roll < 0.45:
        alt = " ".join(words.words(words.rng.randint(4, 14))).capitalize() + ".jpg"
    elif roll < 0.7:
        alt = words.zh_sentence() + ".png"
    else:
        alt = ""
    caption = f"{words.sentence(8, 30)} {words.rng.choice(_CREDITS)}"
    if words.rng.random() < 0.3:
        return (
            f'<figure class="image"><img src="{src}" alt="{alt}" data-from="newsroom">'
            f"<figcaption>{caption}</figcaption></figure>\n"
        )
    return (
        f'<p style="text-align: center;"><img src="{src}" alt="{alt}"></p>\n'
        f'<p style="text-align: center;">{caption}</p>\n'
    )


def _updated(when: datetime) -> str:
    """The info line's date: "Dec 21, 2022", a day without a time."""
    return f"{_MONTHS[when.month - 1]} {when.day}, {when.year}"


def article_page(ref: ArticleRef, seed: int = 0) -> str:
    """One article page, ``PAGE_BYTES`` in size, with 1-4 captioned images."""
    words = _Words(
        int.from_bytes(hashlib.blake2b(f"{seed}{ref.url}".encode(), digest_size=8).digest())
    )
    target = words.rng.randint(*PAGE_BYTES)
    ws_id = ref.url.split("/")[6]
    source = words.rng.choice(_SOURCES)
    metas = {
        "contentid": ws_id,
        "publishdate": f"{ref.published:%Y-%m-%d}",
        "source": source,
        "editor": words.rng.choice(("Wang Yan", "Li Hua", "张伟", "刘洋")),
        "og:title": ref.headline,
        "og:url": ref.url,
        "description": words.sentence(),
    }
    body: list[str] = []
    images = words.rng.randint(1, 4)
    for n in range(words.rng.randint(6, 30)):
        if images and (n == 0 or words.rng.random() < 0.2):
            body.append(_image_block(words, ref.published))
            images -= 1
        body.append(f"<p>{words.paragraph()}</p>\n")
    if words.rng.random() < 0.1:  # Chinese quotations appear in English stories
        body.append(f"<p>{words.zh_paragraph()}</p>\n")
    main = (
        f'<body><div class="topNav"><ul>{_NAV}</ul></div>\n'
        f'<div class="container"><span id="bread-nav"><a href="/">Home</a> / '
        f'<a href="/news/">{words.rng.choice(_SECTIONS)}</a></span>\n'
        f'<div id="lft-art" class="lft_art"><h1>{ref.headline}</h1><h2></h2>\n'
        f'<div class="info"><span class="info_l">Updated: {_updated(ref.published)} {source} '
        '<a href="javascript:window.print()" class="print">Print</a></span>'
        '<span class="info_r"><a href="#">Share - WeChat</a></span></div>\n'
        '<div id="qrcode"><span>Share - WeChat</span><canvas></canvas></div>\n'
        f'<div id="Content">\n{"".join(body)}</div>\n'
        f'<div id="div_currpage"></div></div>\n'
    )
    fixed = len(main) + len(_FOOTER) + 3_000
    script_bytes = max(2_000, (target - fixed) // 3)
    related = _related(words, max(1_000, target - fixed - script_bytes - 4_000))
    head = _head(ref.headline, metas, words, script_bytes)
    return f"{head}{main}{related}</div>\n{_FOOTER}\n</body></html>\n"


def list_page(page: int, pages: int, refs: list[ArticleRef], seed: int = 0) -> str:
    """List page ``page`` (1-based) of ``pages``: its article links and a pager window.

    The pager links the first page, three back and ten ahead, and not the last page: Scrapy
    crawls depth-first, so a "last" link makes it walk the list backwards one window per level,
    and on a 200-page list that passes the project's ``DEPTH_LIMIT`` (50) and loses pages.
    """
    words = _Words(seed * 7919 + page)
    items = "".join(
        f'<div class="busBox1"><h3><a href="//{HOST}{ref.url.removeprefix(BASE)}" target="_blank">'
        f"{ref.headline}</a></h3><p>{words.sentence(15, 35)}</p>"
        f"<b>{ref.published:%Y-%m-%d %H:%M}</b></div>\n"
        for ref in refs
    )
    pager = "".join(
        f'<a href="{list_path(p)}">{p}</a>'
        for p in sorted({1, *range(max(1, page - 3), min(pages, page + 10) + 1)})
        if p != page
    )
    return (
        _head("News and Policies", {"pagetype": "2"}, words, 8_000)
        + f'<body><div class="topNav"><ul>{_NAV}</ul></div>\n<div class="container">'
        + f'<div class="lft">{items}</div><div id="div_currpage" class="selectpage">{pager}</div>'
        + f"{_related(words, 6_000)}</div>\n{_FOOTER}\n</body></html>\n"
    )


def list_path(page: int) -> str:
    return "/news/" if page == 1 else f"/news/page_{page}.html"


ROBOTS = "User-agent: *\nDisallow: /search/\nDisallow: /cms/\n"


def write_mirror(root: Path, articles: int, seed: int = 0) -> tuple[str, list[str]]:
    """Write a ``HOST/PATH`` mirror under ``root``: robots.txt, list pages and ``articles`` pages.

    Returns the first list page's URL (the crawl's start URL) and the article URLs.
    """
    refs = article_refs(articles, seed)
    site = root / HOST
    site.mkdir(parents=True, exist_ok=True)
    (site / "robots.txt").write_text(ROBOTS)
    pages = max(1, -(-articles // PER_LIST))
    for page in range(1, pages + 1):
        chunk = refs[(page - 1) * PER_LIST : page * PER_LIST]
        path = site / (list_path(page).lstrip("/") + ("index.html" if page == 1 else ""))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(list_page(page, pages, chunk, seed), encoding="utf-8")
    for ref in refs:
        path = site / ref.url.removeprefix(BASE + "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article_page(ref, seed), encoding="utf-8")
    return BASE + list_path(1), [ref.url for ref in refs]


def pages(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` article pages in memory as ``(url, html)`` pairs, for the extraction benchmark."""
    return [(ref.url, article_page(ref, seed)) for ref in article_refs(n, seed)]


# --------------------------------------------------------------------------------------------
# Article items


def articles(n: int, seed: int = 0, images: int = 3) -> Iterator[Article]:
    """``n`` normalised-looking Article items with ``images`` images each; ``ZH_SHARE`` Chinese.

    A generator: the storage benchmark streams them, so 50,000 never sit in memory at once.
    """
    for i in range(n):
        ref = _ref(i, seed)
        words = _Words(seed * 31 + i)
        zh = words.rng.random() < ZH_SHARE
        paragraphs = [
            words.zh_paragraph() if zh else words.paragraph()
            for _ in range(words.rng.randint(4, 14))
        ]
        body = "\n\n".join(paragraphs)
        headline = words.zh_sentence().rstrip("。") if zh else ref.headline
        lang = "zh" if zh else "en"
        yield Article(
            url=ref.url,
            headline=headline,
            canonical_url=ref.url,
            site=HOST,
            spider="govt_chinadaily",
            section=words.rng.choice(_SECTIONS),
            source=words.rng.choice(_SOURCES),
            editor="Wang Yan",
            published_at=ref.published.isoformat(timespec="seconds"),
            date_raw=f"Updated: {_updated(ref.published)}",
            body=body,
            lang=lang,
            word_count=len(body) if zh else len(body.split()),
            content_hash=hashlib.sha256(f"{headline}\n{body}".encode()).hexdigest(),
            extractor="govt_chinadaily",
            images=[
                Image(
                    src=f"{BASE}/images/{ref.published:%Y%m}/{ref.published:%d}/{words.hex(24)}.jpeg",
                    alt=words.zh_sentence() if zh else words.sentence(4, 12),
                    alt_lang=lang,
                    caption=words.sentence(8, 24),
                    caption_lang="en",
                    credit=words.rng.choice(("Xinhua", "Southern Metropolis Daily", "IC")),
                )
                for _ in range(images)
            ],
        )
