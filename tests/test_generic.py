"""The generic extractor, one rule at a time, on small hand-written pages."""

from __future__ import annotations

import json
from datetime import date

import pytest

from crawler.extract import dates as date_stage
from crawler.extract.html import page_text, parse_html
from crawler.extract.images import split_caption
from crawler.parsers.generic import parse_article

PARAGRAPHS = [
    "The city council approved the new transport plan on Tuesday, after a debate that lasted for "
    "more than six hours and drew hundreds of residents to the public gallery.",
    "Under the plan, three new bus lines will open next spring, and the fares for students and "
    "pensioners will be cut by half, the mayor said in a statement.",
    "Critics said the budget, which relies on a loan from the regional bank, leaves too little "
    "for the maintenance of existing roads, bridges and the ageing tram network.",
]


def page(body: str = "", head: str = "", lang: str = "en") -> str:
    return f"<html lang='{lang}'><head>{head}</head><body>{body}</body></html>"


def article_html(extra: str = "", before: str = "", after: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    headline = "<h1>Council approves transport plan</h1>"
    return f"{before}<article>{headline}{extra}{paragraphs}</article>{after}"


# --- headline ---------------------------------------------------------------------------------


def test_headline_is_the_h1_that_title_contains_without_the_site_suffix():
    html = page(
        article_html(), "<title>Council approves transport plan | The Daily Example</title>"
    )
    assert (
        parse_article(html, "https://example.com/a").headline == "Council approves transport plan"
    )


def test_headline_strips_site_name_from_title_when_no_heading_matches():
    html = page(
        "<div><p>" + PARAGRAPHS[0] + "</p></div>",
        "<title>Budget vote delayed again - Example News</title>",
    )
    assert parse_article(html, "https://example.com/a").headline == "Budget vote delayed again"


def test_headline_ignores_a_section_name_h1():
    html = page(
        "<h1>Politics</h1>" + article_html().replace("<h1>", "<h2>").replace("</h1>", "</h2>"),
        "<title>Council approves transport plan - Politics - Example</title>",
    )
    assert (
        parse_article(html, "https://example.com/a").headline == "Council approves transport plan"
    )


def test_headline_between_cjk_title_parts():
    html = page(
        "<div><p>正文内容。</p></div>", "<title>国务院召开常务会议_要闻_示例网</title>", "zh"
    )
    assert parse_article(html, "http://example.cn/a").headline == "国务院召开常务会议"


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("发布时间：2024-01-05 10:30", "2024-01-05T10:30:00"),
        ("来源：新华社 发布日期：2024年01月05日", "2024-01-05"),
        ("2024年01月05日 10:30 来源：人民网", "2024-01-05T10:30:00"),
        ("Published: January 5, 2024", "2024-01-05"),
        ("Posted on 5 January 2024 at 3:30 pm", "2024-01-05T15:30:00"),
        ("Veröffentlicht am 05.01.2024, 10:30 Uhr", "2024-01-05T10:30:00"),
        ("Publicado el 5 de enero de 2024", "2024-01-05"),
    ],
)
def test_visible_labelled_dates(line, expected):
    html = page(f"<div class='info'>{line}</div>" + article_html())
    assert parse_article(html, "https://example.com/news/a").published_at == expected


def test_updated_label_is_the_update_not_the_publication():
    html = page(
        article_html(
            before="<p class='meta'>Published: Jan 3, 2024</p>"
            "<p class='meta'>Updated: Jan 5, 2024</p>"
        )
    )
    article = parse_article(html, "https://example.com/news/a")
    assert article.published_at == "2024-01-03"
    assert article.updated_at == "2024-01-05"


def test_date_in_url():
    html = page(article_html())
    assert (
        parse_article(html, "https://example.com/2024/01/05/story.html").published_at
        == "2024-01-05"
    )
    assert date_stage.url_date("http://example.gov.cn/202401/t20240105_123.html") == "2024-01-05"
    assert date_stage.url_date("https://example.com/2024/01/story-2024-15.html") is None


def test_url_date_wins_the_day_over_a_utc_timestamp():
    head = "<meta property='article:published_time' content='2024-01-06T02:00:00Z'>"
    html = page(article_html(), head)
    article = parse_article(html, "https://example.com/2024/01/05/late-story/")
    assert article.published_at == "2024-01-05"


def test_jsonld_dates_with_offset():
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "x",
        "datePublished": "2024-01-05T10:30:00+08:00",
        "dateModified": "2024-01-06T08:00:00+08:00",
        "author": {"@type": "Person", "name": "Li Wei"},
    }
    head = f"<script type='application/ld+json'>{json.dumps(data)}</script>"
    article = parse_article(page(article_html(), head), "https://example.com/a")
    assert article.published_at == "2024-01-05T10:30:00+08:00"
    assert article.updated_at == "2024-01-06T08:00:00+08:00"
    assert article.byline == "Li Wei"


def test_meta_dates():
    head = (
        "<meta property='article:published_time' content='2024-01-05T10:30:00+01:00'>"
        "<meta property='article:modified_time' content='2024-01-07'>"
    )
    article = parse_article(page(article_html(), head), "https://example.com/a")
    assert article.published_at == "2024-01-05T10:30:00+01:00"
    assert article.updated_at == "2024-01-07"


def test_future_dates_are_rejected():
    root = parse_html(page("<p>发布时间：2024-03-01</p><p>2023-12-30</p>" + article_html()))
    found = date_stage.DateFinder(root, "https://example.com/a", [], now=date(2024, 1, 10)).find()
    assert found.published == "2023-12-30"
    assert date_stage.parse_date_text("2999-01-01") is None


def test_date_ranges_are_not_publication_dates():
    assert list(date_stage.iter_dates("Archive 12/01/2004 - 01/01/2005")) == []


def test_month_first_dates_only_when_unambiguous():
    assert date_stage.parse_date_text("9/17/2004 5:54:13 AM") == "2004-09-17T05:54:13"
    assert date_stage.parse_date_text("05/01/2024") == "2024-01-05"  # day first by default


# --- body -------------------------------------------------------------------------------------


def test_chrome_is_removed():
    chrome = (
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        "<div class='share-bar'>Share on Facebook</div>"
    )
    after = (
        "<div class='sidebar'><h3>Most read</h3><ul><li><a href='/1'>Another story about buses"
        "</a></li><li><a href='/2'>Weather warning for the weekend</a></li></ul></div>"
        "<div id='comments'><p>Great plan, finally some buses for our district!</p></div>"
        "<footer>Copyright 2024 Example Media. All rights reserved.</footer>"
    )
    html = page(chrome + article_html(after=after))
    body = parse_article(html, "https://example.com/a").body
    assert body.split("\n\n") == PARAGRAPHS
    for junk in ("Home", "Share on", "Most read", "Weather warning", "Great plan", "Copyright"):
        assert junk not in body


def test_body_of_br_separated_table_layout():
    text = "<br>".join(PARAGRAPHS)
    html = page(f"<table><tr><td><a href='/'>首页</a></td></tr><tr><td>{text}</td></tr></table>")
    assert parse_article(html, "http://example.cn/a").paragraphs == PARAGRAPHS


def test_decodes_gbk_bytes_by_meta_charset():
    html = page(
        "<div><p>" + "国务院常务会议研究部署稳就业工作。" * 5 + "</p></div>",
        "<meta charset='gb2312'><title>稳就业</title>",
        "zh",
    )
    article = parse_article(html.encode("gb18030"), "http://example.cn/a")
    assert "国务院常务会议" in article.body
    assert article.lang == "zh"


def test_mojibake_is_repaired():
    text = "<html><body><p>" + "北京西直门购物中心发生火灾。" * 10 + "</p></body></html>"
    broken = text.encode("gb18030").decode("latin-1").encode("utf-8")
    assert "北京西直门" in page_text(broken)


# --- images -----------------------------------------------------------------------------------


def test_caption_from_figcaption_with_credit_element():
    figure = (
        "<figure><img src='/img/bus.jpg' alt='A red bus'><figcaption>The new line 7 bus."
        "<span class='credit'>Photo: Jane Roe</span></figcaption></figure>"
    )
    image = parse_article(page(article_html(extra=figure)), "https://example.com/a").images[0]
    assert image.src == "https://example.com/img/bus.jpg"
    assert (image.caption, image.credit, image.alt, image.alt_lang) == (
        "The new line 7 bus.",
        "Jane Roe",
        "A red bus",
        "en",
    )


def test_caption_from_wp_caption_container():
    box = (
        "<div class='wp-caption aligncenter'><img src='bus.jpg' alt=''>"
        "<p class='wp-caption-text'>Passengers board the first bus (Photo: Xinhua)</p></div>"
    )
    image = parse_article(page(article_html(extra=box)), "https://example.com/news/a").images[0]
    assert image.src == "https://example.com/news/bus.jpg"
    assert image.caption == "Passengers board the first bus"
    assert image.credit == "Xinhua"
    assert image.alt is None


def test_caption_from_following_centred_paragraph():
    pictured = (
        "<p style='text-align: center'><img src='/a.jpg' alt='新建的公交站'></p>"
        "<p style='text-align: center'>图为新建成的公交站。新华社记者 王鹏 摄</p>"
    )
    html = page(
        f"<div class='content'>{pictured}" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>",
        lang="zh",
    )
    image = parse_article(html, "http://example.cn/a").images[0]
    assert image.caption == "图为新建成的公交站。"
    assert image.credit == "新华社记者 王鹏"
    assert (image.alt, image.alt_lang, image.caption_lang) == ("新建的公交站", "zh", "zh")


def test_images_outside_the_article_are_left_out():
    html = page(
        article_html(
            extra="<img src='/in.jpg' alt='inside'>",
            after="<div class='related'><img src='/out.jpg' alt='elsewhere'></div>",
        )
    )
    assert [i.src for i in parse_article(html, "https://example.com/a").images] == [
        "https://example.com/in.jpg"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "More than 3,000 documents were released. (AP)",
            ("More than 3,000 documents were released.", "AP"),
        ),
        ("She spoke on Monday. | Getty Images", ("She spoke on Monday.", "Getty Images")),
        ("Der Golf von Mexiko. Foto: APA/Hans Klaus", ("Der Golf von Mexiko.", "APA/Hans Klaus")),
        ("Trump arrives. He waves to the crowd.", ("Trump arrives. He waves to the crowd.", None)),
    ],
)
def test_credit_split_from_caption(text, expected):
    assert split_caption(text) == expected


def test_alt_text_language_by_script():
    html = page(
        article_html(extra="<img src='/1.jpg' alt='国务院总理'><img src='/2.jpg' alt='Premier'>")
    )
    images = parse_article(html, "https://example.com/a").images
    assert [(i.alt, i.alt_lang) for i in images] == [("国务院总理", "zh"), ("Premier", "en")]


def test_article_fields():
    head = (
        "<link rel='canonical' href='https://example.com/canonical'>"
        "<meta property='og:site_name' content='Example News'>"
        "<meta property='article:section' content='City'>"
    )
    article = parse_article(page(article_html(), head), "https://www.example.com/a?x=1")
    assert article.extractor == "generic"
    assert article.site == "www.example.com"
    assert article.canonical_url == "https://example.com/canonical"
    assert article.source == "Example News"
    assert article.section == "City"
    assert article.lang == "en"


def test_empty_and_broken_input():
    assert parse_article("", "https://example.com/a").body == ""
    assert parse_article(b"\x00\xff", "https://example.com/a").headline is None


def test_a_malformed_url_costs_itself_not_the_article():
    extra = "<img src='http://[bad/1.jpg'><img src='/ok.jpg'>"
    html = page(article_html(extra=extra), "<link rel='canonical' href='http://[bad/x'>")
    article = parse_article(html, "https://example.com/a")
    assert article.body.split("\n\n") == PARAGRAPHS
    assert article.canonical_url is None
    assert [i.src for i in article.images] == ["https://example.com/ok.jpg"]
    assert parse_article(html, "http://[bad/a").body == article.body


# --- images (round 2) -------------------------------------------------------------------------


def _images(extra: str, url: str = "https://example.com/a"):
    return parse_article(page(article_html(extra=extra)), url).images


def test_lazy_loader_attribute_named_after_the_library():
    img = (
        "<img alt='Bus' src='data:image/gif;base64,R0lGOD' "
        "data-flickity-lazyload='https://cdn.example.com/bus.jpg'>"
    )
    assert [i.src for i in _images(img)] == ["https://cdn.example.com/bus.jpg"]


def test_picture_img_without_src_takes_the_source_srcset():
    picture = (
        "<picture><source srcset='/bus-800.jpg 800w, /bus-1600.jpg 1600w'>"
        "<img alt='The new bus' loading='lazy'></picture>"
    )
    images = _images(picture)
    assert [(i.src, i.alt) for i in images] == [("https://example.com/bus-800.jpg", "The new bus")]


def test_amp_img_with_figcaption():
    figure = (
        "<figure><amp-img src='/bus.jpg' alt='Bus' layout='fill'>"
        "<noscript><img src='/bus.jpg' alt='Bus'></noscript></amp-img>"
        "<figcaption>The first bus leaves the depot.</figcaption></figure>"
    )
    images = _images(figure)
    assert [(i.src, i.caption, i.alt) for i in images] == [
        ("https://example.com/bus.jpg", "The first bus leaves the depot.", "Bus")
    ]


def test_slide_info_box_gives_its_description_not_the_slide_counter():
    slide = (
        "<div class='slide'><div class='slide-media'><picture><img src='/1.jpg' alt='x'>"
        "</picture></div><div class='slide-info'><span class='count'>2 of 12 | </span>"
        "<span class='slide-description'>The mayor opens the line. (AP Photo/Jane Roe)</span>"
        "</div></div>"
    )
    image = _images(slide)[0]
    assert (image.caption, image.credit) == ("The mayor opens the line.", "AP Photo/Jane Roe")


def test_an_article_paragraph_after_an_image_is_not_its_caption():
    extra = (
        "<div><img src='/1.jpg' alt='x'></div>"
        "<p class='paragraph-text'>Short paragraph of the article.</p>"
    )
    assert _images(extra)[0].caption is None


def test_date_and_video_length_are_not_caption_text():
    figure = (
        "<figure><img src='/1.jpg' alt='x'><figcaption><p>Protesters gather in the square.</p>"
        "<small>05.09.2024 | 2:03 min</small></figcaption></figure>"
    )
    assert _images(figure)[0].caption == "Protesters gather in the square."


def test_same_picture_again_under_another_caption_is_kept():
    extra = (
        "<figure><img src='/1.jpg' alt='x'><figcaption>Smoke rises over the city.</figcaption>"
        "</figure><figure><img src='/1.jpg' alt='x'><figcaption>Smoke rises over the city."
        "</figcaption></figure><figure><img src='/1.jpg' alt='x'>"
        "<figcaption>The map shows where the smoke went.</figcaption></figure>"
    )
    assert [i.caption for i in _images(extra)] == [
        "Smoke rises over the city.", "The map shows where the smoke went."
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Kallas und Jaishankar | Bildquelle: EU-Kommission",
            ("Kallas und Jaishankar", "EU-Kommission"),
        ),
        (
            "Zwei Männer festgenommen. (Symbolfoto: picture alliance/dpa)",
            ("Zwei Männer festgenommen.", "picture alliance/dpa"),
        ),
        (
            "Migrants enter the country AP Photo/Edgar H. Clemente",
            ("Migrants enter the country", "AP Photo/Edgar H. Clemente"),
        ),
        ("후보가 연설하고 있다. 연합뉴스", ("후보가 연설하고 있다.", "연합뉴스")),
        ("후보가 연설하고 있다. 고영권 기자", ("후보가 연설하고 있다.", "고영권 기자")),
        ("당선인 모습. [사진 출처 = 캠프]", ("당선인 모습.", "캠프")),
        ("日本代表の石川（Ｃ）共同通信社", ("日本代表の石川", "共同通信社")),
        ("気象庁で開かれた評価検討会（代表撮影）", ("気象庁で開かれた評価検討会", "代表撮影")),
        ("Y bác sĩ nội soi. Ảnh: Bệnh viện cung cấp", ("Y bác sĩ nội soi.", "Bệnh viện cung cấp")),
        ("Wisuda Magister ke-XV(Dok.IGI )", ("Wisuda Magister ke-XV", "IGI")),
        (
            "Two men were arrested. (U.S. District Court, Eastern District of New York)",
            ("Two men were arrested.", "U.S. District Court, Eastern District of New York"),
        ),
        (
            "Agentes en el campamento, el 11 de octubre. Florion Goga (REUTERS)",
            ("Agentes en el campamento, el 11 de octubre.", "Florion Goga (REUTERS)"),
        ),
        # an agency credit without a sentence before it is part of the caption, not half-split
        ("Keine Nebenwirkung von Pfizer (AFP / ISHARA S. KODIKARA)",
         ("Keine Nebenwirkung von Pfizer (AFP / ISHARA S. KODIKARA)", None)),
    ],
)
def test_credit_split_from_caption_round_2(text, expected):
    assert split_caption(text) == expected
