"""The govt.chinadaily parser against the bundled mirror pages and their expected values."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from crawler.items import Article, Image
from crawler.parsers import (
    ParseError,
    govt_chinadaily,
    parse_page,
    parse_with_fallback,
    parser_for_url,
)
from crawler.parsers import chinadaily_cms as cms
from tests.mirror_cases import (
    assert_fields,
    expected_of,
    expected_pages,
    page_html,
    parsed_whole,
)

MIRROR = Path(__file__).resolve().parents[1] / "crawler" / "demo_mirror" / "govt.chinadaily.com.cn"
SEED_PATH = (
    "s/202212/21/WS63a2b8cf498e1f3c5a1f3b8c/"
    "guangzhou-award-promotes-multilateral-cooperation-among-global-cities.html"
)
SEED_URL = f"https://govt.chinadaily.com.cn/{SEED_PATH}"
SEED_PARAGRAPHS = [
    "In the past 10 years, the Guangzhou Award event has been held five times, and the award has "
    "built a network of multilateral exchanges and cooperation among global cities.",
    "Over the past decade, more than 500 cities from 96 countries that participated in the "
    "Guangzhou Award event around the world have greatly expanded the scope of Guangzhou's circle "
    "of friends, according to Zhan Decun, director of the foreign affairs office of the Guangzhou "
    "municipal government.",
    "The award has established cooperative relations with hundreds of domestic and foreign experts "
    "in the field of urban governance and has formed interactive relationships with more than 70 "
    "international organizations and institutions.",
    "Zhan said that since its establishment, the three organizers of the award have always adhered "
    "to building a multilateral cooperation platform for global urban governance innovation.",
    "The award served as the foundation for the Global Mayors' Forum, which was formed in 2018 and "
    "drew 126 cities from 80 different countries to participate in the Global Mayors' Forum in "
    "2021, Zhan noted. To date, more and more cities and international organizations are focusing "
    "on the Guangzhou Award to establish friendly exchanges and cooperation with Guangzhou and "
    "carry out innovative governance cooperation, Zhan added.",
    "Ten years of celebrating the Guangzhou Award signifies a decade of rapid development of "
    "international Friendship City relations in Guangzhou. The number of international Friendship "
    "Cities has increased from 29 to 38, and Friendly Cities have increased from 14 to 63, which "
    "has created a global city partnership network covering 66 countries on six continents.",
    "Many Guangzhou Friendship Cities participated in the themed activities during the Guangzhou "
    "Award event, and some cities also became Guangzhou's Friendly Cities thanks to the award.",
]
SEED_TEXT = Path(__file__).resolve().parents[2] / "shared" / "seed" / "seed-page.txt"


PAGES = expected_pages("govt.chinadaily.com.cn")


@pytest.fixture(scope="module")
def seed() -> Article:
    return govt_chinadaily.parse_article((MIRROR / SEED_PATH).read_text("utf-8"), SEED_URL)


def test_mirror_has_the_seed_and_at_least_three_more_articles():
    assert MIRROR / SEED_PATH in PAGES
    assert len(PAGES) >= 4


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.name)
def test_parser_matches_expected_file(page: Path):
    expected = expected_of(page)
    got = govt_chinadaily.parse_article(page_html(page), expected["url"]).to_dict()
    assert set(got) == set(expected)
    assert_fields(got, expected)


# -- the seed page, field by field (issue 2, item 5) --------------------------------------------


def test_seed_headline_section_source_editor(seed: Article):
    assert seed.url == SEED_URL
    assert seed.canonical_url == SEED_URL
    assert seed.headline == "Guangzhou Award promotes multilateral cooperation among global cities"
    assert seed.section == "News and Policies"
    assert seed.source == "eguangzhou.gov.cn"
    assert seed.editor == "陈晨"
    assert seed.byline is None
    assert seed.subtitle is None
    assert seed.site == "govt.chinadaily.com.cn"
    assert seed.extractor == "govt_chinadaily"
    assert seed.lang == "en"


def test_seed_date_takes_the_time_from_the_ws_id(seed: Article):
    assert seed.published_at == "2022-12-21T15:42:07+08:00"
    assert seed.updated_at is None
    assert seed.date_raw == "Updated: Dec 21, 2022"


def test_seed_body_is_exactly_the_seven_paragraphs(seed: Article):
    assert seed.body == "\n\n".join(SEED_PARAGRAPHS)
    assert seed.paragraphs == SEED_PARAGRAPHS


@pytest.mark.parametrize(
    "chrome",
    ["Print", "Share - WeChat", "Copyright", "ICP", "公网安", "Related Stories", "[Photo/",
     "Workshop for Thought Leaders", "UN-Habitat", "Southern Metropolis Daily"],
)  # fmt: skip
def test_seed_body_has_no_chrome_and_no_captions(seed: Article, chrome: str):
    assert chrome not in seed.body


def test_seed_images(seed: Article):
    assert seed.images == [
        Image(
            src="https://govt.chinadaily.com.cn/images/202212/21/63a2b8cf498e1f3c5a1f3b8d.jpeg",
            alt="Zhan Decun, director of the foreign affairs office of the Guangzhou municipal "
            "government.",
            alt_lang="en",
            caption="Zhan Decun, director of the foreign affairs office of the Guangzhou "
            "municipal government.",
            caption_lang="en",
            credit="Southern Metropolis Daily",
        ),
        Image(
            src="https://govt.chinadaily.com.cn/images/202212/21/63a2b8cf498e1f3c5a1f3b8e.png",
            alt="The third Workshop for Thought Leaders is held in Guangzhou.",
            alt_lang="en",
            caption="The third Workshop for Thought Leaders is held in Guangzhou.",
            caption_lang="en",
            credit="Southern Metropolis Daily",
        ),
        Image(
            src="https://govt.chinadaily.com.cn/images/202212/21/63a2b8cf498e1f3c5a1f3b8f.png",
            alt="联合国人居署城市最佳实践数据库首页发布广州奖《2022年地方执行〈新城市议程〉报告》。",
            alt_lang="zh",
            caption="UN-Habitat publishes the Guangzhou Award 2022 Local Implementation of the New "
            "Urban Agenda Report.",
            caption_lang="en",
            credit="Southern Metropolis Daily",
        ),
    ]


def test_seed_fixture_reproduces_the_seed_text(seed: Article):
    """Every paragraph, alt (as uploaded) and caption of the seed text is on the fixture page."""
    if not SEED_TEXT.exists():
        pytest.skip("shared seed text not available")
    seed_lines = [line.strip() for line in SEED_TEXT.read_text("utf-8").splitlines()]
    for paragraph in SEED_PARAGRAPHS:
        assert paragraph in seed_lines
    for image in seed.images:
        assert f"{image.caption} [Photo/{image.credit}]" in seed_lines
        assert any(line.startswith(image.alt) and line.endswith((".jpg", ".png"))
                   for line in seed_lines)  # fmt: skip


# -- the other mirror pages: the cases they exist for -------------------------------------------


def _parse_mirror(path: str, scheme: str = "https") -> Article:
    url = f"{scheme}://govt.chinadaily.com.cn/{path}"
    return govt_chinadaily.parse_article((MIRROR / path).read_text("utf-8"), url)


def test_visible_date_wins_over_a_disagreeing_ws_id_and_keeps_only_the_day():
    article = _parse_mirror(
        "s/202302/27/WS63fc6437498e1f3c5a1f5b21/"
        "shenzhen-opens-service-center-for-international-talent.html"
    )
    assert article.published_at == "2023-03-03"
    assert article.images[0].credit == "Su Zhigang/For chinadaily.com.cn"
    assert article.images[0].alt is None  # "IMG_2041.JPG" is only a file name
    assert article.images[1].caption == "The service center in Qianhai."  # wp-caption container


def test_url_without_slug_and_no_images():
    article = _parse_mirror("s/202301/05/WS63b63572498e1f3c5a1f4a06.html")
    assert article.published_at == "2023-01-05T10:26:58+08:00"
    assert article.images == []
    assert len(article.paragraphs) == 5


def test_caps_credit_byline_and_br_paragraphs_over_http():
    article = _parse_mirror(
        "s/202305/18/WS64657b88498e1f3c5a1f6c44/hainan-free-trade-port-draws-new-investment.html",
        scheme="http",
    )
    assert article.url.startswith("http://")
    assert article.byline == "ZHANG LI"
    assert article.images[0].credit == "CHEN MING/FOR CHINA DAILY"
    assert article.images[1].caption == "Haikou, the provincial capital."  # same <p> as the image
    assert "Officials said the incentives will be reviewed in 2025." in article.paragraphs


# -- tolerance on pages we did not write for the mirror ----------------------------------------

PAGE = """<html><head><meta name="contentid" content="WS63a2b8cf498e1f3c5a1f3b8c">
<meta name="publishdate" content="{publishdate}"><title>T | govt.chinadaily.com.cn</title></head>
<body><h1>Headline</h1><div class="info"><span class="info_l">{info}</span></div>
<div id="Content">{content}</div></body></html>"""


def _page(content: str, info: str = "Updated: Dec 21, 2022", publishdate: str = "2022-12-21"):
    return PAGE.format(content=content, info=info, publishdate=publishdate)


def test_short_uncredited_paragraph_after_an_image_stays_in_the_body_unless_centred():
    html = _page('<p><img src="/a.jpg"></p><p>Short line.</p>'
                 '<p><img src="/b.jpg"></p><p align="center">A centred caption.</p>')  # fmt: skip
    article = govt_chinadaily.parse_article(html, SEED_URL)
    assert article.body == "Short line."
    assert [i.caption for i in article.images] == [None, "A centred caption."]


def test_related_links_and_licence_lines_inside_the_body_are_dropped():
    html = _page('<p>Text.</p><div class="related"><a href="/x">Other story</a></div>'
                 "<p>京ICP备13028878号-6</p><p>Copyright©2024 China Daily.</p>")  # fmt: skip
    assert govt_chinadaily.parse_article(html, SEED_URL).body == "Text."


def test_buddhist_era_meta_date_and_no_visible_date():
    html = _page("<p>Text.</p>", info="", publishdate="2565-12-21")
    assert govt_chinadaily.parse_article(html, SEED_URL).published_at == (
        "2022-12-21T15:42:07+08:00"
    )


def test_a_list_page_is_not_an_article():
    html = (MIRROR / "news" / "index.html").read_text("utf-8")
    with pytest.raises(ParseError):
        govt_chinadaily.parse_article(html, "https://govt.chinadaily.com.cn/news/")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Updated: Dec 21, 2022 eguangzhou.gov.cn Print",
         cms.InfoLine(None, "eguangzhou.gov.cn", "Updated: Dec 21, 2022")),
        ("By Wang Xiaoyu | China Daily | Updated: 2024-05-13 09:08",
         cms.InfoLine("Wang Xiaoyu", "China Daily", "Updated: 2024-05-13 09:08")),
        ("By LIU YINMENG in Los Angeles | CHINA DAILY | Updated: 2022-05-03 07:56",
         cms.InfoLine("LIU YINMENG", "CHINA DAILY", "Updated: 2022-05-03 07:56")),
        ("chinadaily.com.cn | Updated: 2024-05-20 14:41",
         cms.InfoLine(None, "chinadaily.com.cn", "Updated: 2024-05-20 14:41")),
        ("Updated: December 8, 2025 14:38",
         cms.InfoLine(None, None, "Updated: December 8, 2025 14:38")),
        ("", cms.InfoLine()),
    ],
)  # fmt: skip
def test_parse_info(text: str, expected: cms.InfoLine):
    assert cms.parse_info(text) == expected


@pytest.mark.parametrize(
    ("date_raw", "meta_date", "expected"),
    [
        ("Updated: Dec 21, 2022", "2022-12-21", "2022-12-21T15:42:07+08:00"),
        ("Updated: 2022-12-21 15:42", None, "2022-12-21T15:42:07+08:00"),
        ("Updated: 2022-12-21 18:00", None, "2022-12-21T18:00:00+08:00"),
        ("Updated: Dec 22, 2022", "2022-12-21", "2022-12-22"),
        (None, "2022-12-21", "2022-12-21T15:42:07+08:00"),
        (None, None, "2022-12-21T15:42:07+08:00"),
    ],
)
def test_published_at_cross_checks_the_ws_id(date_raw, meta_date, expected):
    assert cms.published_at(date_raw, meta_date, SEED_URL) == expected


def test_published_at_without_a_ws_id_is_the_page_date():
    assert cms.published_at("Updated: Dec 21, 2022", None, "https://x.cn/a.html") == "2022-12-21"


# -- registry ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [SEED_URL, "http://govt.chinadaily.com.cn/s/202212/21/WS63a2b8cf498e1f3c5a1f3b8c.html",
     "https://GOVT.chinadaily.com.cn./news/"],
)  # fmt: skip
def test_parser_for_url_by_host(url: str):
    assert parser_for_url(url) is govt_chinadaily.parse_article


def test_parser_for_unknown_host_is_none():
    assert parser_for_url("https://www.example.org/a.html") is None


def test_parse_page_uses_the_site_parser(seed: Article):
    assert parse_page((MIRROR / SEED_PATH).read_text("utf-8"), SEED_URL) == seed


def _generic(html: str, url: str) -> Article:
    return Article(url=url, headline="generic headline", body="generic body", extractor="x")


def _no_generic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crawler.parsers.generic_parser", lambda: None)


def test_parse_page_unknown_host_without_generic_is_a_clear_error(monkeypatch):
    _no_generic(monkeypatch)
    with pytest.raises(ParseError, match=r"no parser for host www\.example\.org"):
        parse_page("<html></html>", "https://www.example.org/a.html")


def test_parse_page_unknown_host_uses_generic(monkeypatch):
    monkeypatch.setattr("crawler.parsers.generic_parser", lambda: _generic)
    assert parse_page("<p>x</p>", "https://www.example.org/a").headline == "generic headline"


def test_fallback_not_used_when_the_site_parser_succeeds(monkeypatch, seed: Article):
    monkeypatch.setattr("crawler.parsers.generic_parser", lambda: _generic)
    html = (MIRROR / SEED_PATH).read_text("utf-8")
    assert parse_with_fallback(html, SEED_URL, govt_chinadaily.parse_article) == (seed, "site")


@pytest.mark.parametrize(
    "site_parser",
    [
        lambda html, url: (_ for _ in ()).throw(ParseError("template changed")),
        lambda html, url: Article(url=url, headline="H", body=""),
        lambda html, url: Article(url=url, headline=None, body="B"),
    ],
    ids=["raises", "no-body", "no-headline"],
)
def test_fallback_to_generic(monkeypatch, site_parser):
    monkeypatch.setattr("crawler.parsers.generic_parser", lambda: _generic)
    article, path = parse_with_fallback("<html></html>", SEED_URL, site_parser)
    assert path == "fallback"
    assert article == dataclasses.replace(_generic("", SEED_URL), extractor="generic")


def test_fallback_without_generic_reraises_or_keeps_the_partial_article(monkeypatch):
    _no_generic(monkeypatch)

    def broken(html: str, url: str) -> Article:
        raise ParseError("template changed")

    with pytest.raises(ParseError, match="template changed"):
        parse_with_fallback("", SEED_URL, broken)
    partial = Article(url=SEED_URL, headline="H")
    assert parse_with_fallback("", SEED_URL, lambda h, u: partial) == (partial, "site")


# -- the shared CMS helpers on real sister pages (www.chinadaily.com.cn) ------------------------

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "govsites" / "raw"


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "headline", "byline", "published_at", "credit"),
    [
        ("a_202405_13_WS664167f4a31082fc043c6af7.html",
         "Youngsters becoming more fitness-conscious",
         "Wang Xiaoyu", "2024-05-13T09:08:04+08:00", "LIU CHAOFU/FOR CHINA DAILY"),
        ("a_202405_20_WS664af0b2a31082fc043c814d.html",
         "Centuries-old golden nanmu add color to Chongqing village",
         None, "2024-05-20T14:41:54+08:00", "Su Zhigang/For chinadaily.com.cn"),
    ],
)  # fmt: skip
def test_cms_helpers_read_real_www_chinadaily_pages(name, headline, byline, published_at, credit):
    path = CORPUS / "www.chinadaily.com.cn" / name
    if not path.exists():
        pytest.skip("shared corpus not available")
    url = "https://www.chinadaily.com.cn/a/" + name.removeprefix("a_").replace("_", "/", 2)
    article = govt_chinadaily.parse_article(path.read_text("utf-8"), url)
    assert (article.headline, article.byline, article.published_at) == (
        headline,
        byline,
        published_at,
    )
    assert [image.credit for image in article.images] == [credit]
    assert article.section == "Society"
    for chrome in ("Share - WeChat", "CLOSE", "Copyright", "Photo", "Latest"):
        assert chrome not in article.paragraphs
    assert not any(p.startswith(("Copyright", "Registration Number")) for p in article.paragraphs)


def test_remove_chrome_matches_whole_class_tokens_exact_ids_and_hidden_styles():
    from crawler.parsers import common

    doc = common.parse_html(
        "<html><body style='display:none'><div id='Content'>"
        "<p class='share'>a</p><p class=' x  share\tbig '>b</p><p class='sharebutton'>keep1</p>"
        "<p class='Share'>keep2</p><p class=\"it's share\">c</p><p class='a\"b share'>d</p>"
        "<p id='qrcode'>e</p><p id='qrcode2'>keep3</p><p id='xqrcode'>keep4</p>"
        "<p style='color:red; display : none'>f</p><p style='DISPLAY:NONE'>keep5</p>"
        "<script>g</script><p>keep6<span class='share'>h</span>tail</p>"
        "</div></body></html>"
    )
    common.remove_chrome(doc, ids={"qrcode"}, classes={"share", "o'k\"x"}, hidden=True)
    texts = [common.element_text(p) for p in doc.iter("p")]
    assert texts == ["keep1", "keep2", "keep3", "keep4", "keep5", "keep6tail"]
    assert doc.find("body") is not None  # a hidden <body> is shown by a script: it stays


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><meta charset='gbk'><title>标题 é</title></head><body><p>正文 “q” —</p>",
        "<meta http-equiv='Content-Type' content='text/html; charset=iso-8859-1'><p>café 中</p>",
        "<meta charset='utf-16'><p>x</p>",
        '<?xml version="1.0" encoding="gbk"?><html><body><p>正文</p></body></html>',
        '<?xml version="1.0"?><html><body><p>x</p></body></html>',
        ' <?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>',
        "", "   ", "<!-- only a comment -->", "<p>no html element 中</p>",
        "a\r\nb\r<p>c\r\n</p>", "<p>x&nbsp;y &#x4e2d; &amp; &#0; &#xfffe;</p>",
        "<p>\U0001f600 𠀀 \ufeff mid-text BOM</p>",
        "<p>control \x01 char</p>", "<p>tab\tand\x0bvt\x0cff</p>", "<p>nonchar \ufffe \uffff</p>",
        "<p>nul \x00 byte</p>",
    ],
)  # fmt: skip
def test_parse_html_gives_the_same_tree_from_utf8_bytes_as_from_text(page):
    # parse_html parses decoded UTF-8 from its bytes: it must not tell the difference.
    from lxml import etree

    from crawler.encoding import Utf8Text
    from crawler.parsers import common

    def outcome(html):
        try:
            return etree.tostring(common.parse_html(html), encoding="unicode")
        except ParseError as exc:
            return "ParseError", str(exc)

    assert outcome(Utf8Text(page.encode())) == outcome(page)


CUT_PAGE = """<html><head><title>T</title><meta name="source" content="S"></head><body>
<div class="share">top share bar</div>
<div id="lft-art"><h1>Headline</h1><span class="info_l">Updated: 2024-05-13 09:08</span>
<div id="Content"><p>One {inside}</p><p>Two 中文</p></div>
</div>tail
<div id="div_currpage"><a href="?page=2">2</a></div>
<div class="mai_r"><p>Related story</p></div>
<div class="footer">Copyright</div></body></html>"""


@pytest.mark.parametrize("encoded", [False, True], ids=["text", "utf8"])
def test_parsing_stops_where_the_article_is_over(encoded):
    from lxml import etree

    from crawler.encoding import Utf8Text
    from crawler.parsers import common

    def tree(page, end=None):
        page = Utf8Text(page.encode()) if encoded else page
        return common.parse_html(page, end)

    page = CUT_PAGE.format(inside="")
    cut, whole = tree(page, cms.ARTICLE_END), tree(page)
    assert cut.xpath("//div[@class='mai_r']") == []  # the related column was never parsed
    assert whole.xpath("//div[@class='mai_r']") != []
    for xpath in ("//head", "//div[@id='lft-art']", "//div[@id='Content']"):
        assert etree.tostring(cut.xpath(xpath)[0]) == etree.tostring(whole.xpath(xpath)[0])
    # A stop tag inside the body container: the whole page is parsed.
    page = CUT_PAGE.format(inside='<span class="related">in the text</span>')
    assert tree(page, cms.ARTICLE_END).xpath("//div[@class='mai_r']") != []
    # No #Content before the cut (the CMS's other body container comes first): whole.
    page = CUT_PAGE.replace('id="Content"', 'class="Artical_Content"').format(inside="")
    assert tree(page, cms.ARTICLE_END).xpath("//div[@class='footer']") != []
    # A <meta> after the cut (the parser reads every one): whole.
    page = CUT_PAGE.format(inside="").replace("Copyright", '<meta name="source" content="X">')
    assert tree(page, cms.ARTICLE_END).xpath("//div[@class='footer']") != []
    # The info line only after the cut (the parser would take another element): whole.
    page = CUT_PAGE.format(inside="").replace('class="info_l"', 'class="i"')
    page = page.replace("Copyright", '<span class="info_l">Updated: 2020-01-01</span>')
    assert tree(page, cms.ARTICLE_END).xpath("//div[@class='footer']") != []
    # No stop tag after #Content at all: whole (nothing is cut).
    page = CUT_PAGE.format(inside="").replace('class="footer"', 'class="end"')
    page = page.replace('id="div_currpage"', 'id="pages"').replace('class="mai_r"', 'class="r"')
    assert tree(page, cms.ARTICLE_END).xpath("//div[@class='end']") != []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_article_is_the_same_parsed_up_to_its_end_or_whole(page: Path, monkeypatch):
    html = page_html(page)
    url = expected_of(page)["url"]
    cut = govt_chinadaily.parse_article(html, url)
    assert parsed_whole(govt_chinadaily.parse_article, html, url, monkeypatch) == cut
