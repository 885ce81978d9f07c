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


@pytest.mark.parametrize(
    ("heading", "head"),
    [
        # a kicker element before the headline, og:title without it
        (
            "<h1><span class='kicker'>Open Future</span><br>"
            "<span>Council approves transport plan</span></h1>",
            "<title>Open Future - Council approves transport plan | Example</title>"
            "<meta property='og:title' content='Council approves transport plan'>",
        ),
        # a kicker and a separator in a headline wrapper, the JSON-LD headline without them
        (
            "<h1><span itemprop='headline'><small>Transport</small>: "
            "Council approves transport plan</span></h1>",
            "<title>Transport: Council approves transport plan</title>"
            '<script type="application/ld+json">'
            '{"@type": "NewsArticle", "headline": "Council approves transport plan"}</script>',
        ),
        # the separator in the kicker's tail, the space before the headline inside its element
        (
            "<h1><span>Transport</span>:<span> Council approves transport plan</span></h1>",
            "<title>Transport: Council approves transport plan</title>"
            "<meta property='og:title' content='Council approves transport plan'>",
        ),
    ],
)
def test_headline_without_a_kicker_the_page_does_not_declare(heading, head):
    html = page(article_html().replace("<h1>Council approves transport plan</h1>", heading), head)
    assert (
        parse_article(html, "https://example.com/a").headline == "Council approves transport plan"
    )


def test_the_declared_headline_beats_a_longer_heading_the_title_contains():
    # A blog: its name is a heading too, and the <title> holds both.
    html = page(
        "<h1 class='site-title'>Notes and Pictures from the Town Hall Public Gallery</h1>"
        + article_html().replace("<h1>", "<h2 class='entry-title'>").replace("</h1>", "</h2>"),
        "<title>Council approves transport plan - "
        "Notes and Pictures from the Town Hall Public Gallery</title>"
        "<meta property='og:title' content='Council approves transport plan'>",
    )
    assert (
        parse_article(html, "https://example.com/a").headline == "Council approves transport plan"
    )


def test_an_og_title_that_is_the_site_name_declares_no_headline():
    html = page(
        "<p class='site-title'>Riverside County Government</p>" + article_html(),
        "<title>Council approves transport plan - Riverside County Government</title>"
        "<meta property='og:title' content='Riverside County Government'>"
        "<meta property='og:site_name' content='Riverside County Government'>",
    )
    headline = parse_article(html, "https://example.com/a").headline
    assert headline == "Council approves transport plan"


def test_a_kicker_and_its_separator_go_but_a_minus_sign_stays():
    html = page(
        article_html().replace(
            "<h1>Council approves transport plan</h1>",
            "<h1><span>Markets</span> -5% in a day</h1>",
        ),
        "<meta property='og:title' content='-5% in a day'>",
    )
    assert parse_article(html, "https://example.com/a").headline == "-5% in a day"


def test_headline_kicker_declared_with_it_stays_and_br_separates_words():
    html = page(
        article_html().replace(
            "<h1>Council approves transport plan</h1>",
            "<h1><span>Breaking</span><br>Council approves transport plan</h1>",
        ),
        "<meta property='og:title' content='Breaking: Council approves transport plan'>",
    )
    assert (
        parse_article(html, "https://example.com/a").headline
        == "Breaking Council approves transport plan"
    )


def test_entities_escaped_twice_in_metadata_are_decoded():
    html = page(
        "<div><p>" + PARAGRAPHS[0] + "</p></div>",
        "<meta property='og:title' content='Trams &amp;#038; buses &amp;quot;first&amp;quot; "
        "&amp;region'>",
    )
    # "&region" is no entity without its semicolon (a browser would read ®ion)
    assert parse_article(html, "https://example.com/a").headline == 'Trams & buses "first" &region'


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 ſept 2023", "2023-09-05"),  # long s: IGNORECASE matches it, lower() keeps it
        ("5 JANUARY 2023", "2023-01-05"),
        ("5 İyun 2023", None),  # not a month name: no crash, no date
    ],
)
def test_month_names_matched_case_blind_never_crash(text, expected):
    assert date_stage.parse_date_text(text) == expected


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


def test_hidden_elements_are_not_text():
    # the HTML `hidden` attribute alone, without a class, id or style, hides its element
    hidden = "<p hidden>The second part of the interview with the mayor follows next.</p>"
    html = page(article_html(extra=hidden))
    body = parse_article(html, "https://example.com/a").body
    assert body.split("\n\n") == PARAGRAPHS


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


@pytest.mark.parametrize(
    ("page_charset", "wrong"),
    [("gb18030", "cp1252"), ("gb18030", "iso8859_15"), ("utf-8", "iso8859_15")],
)
def test_mojibake_is_repaired_whichever_latin_charset_made_it(page_charset, wrong):
    # 京 is BE A9 in GBK: Windows-1252 reads BE as ¾, ISO 8859-15 as Ÿ (which Windows-1252
    # puts on 9F, and GBK 9F A9 is 煩). 近 (BD FC) and 浓 (C5 A8) differ the same way.
    paragraph = "北京西直门附近购物中心发生火灾，浓烟弥漫。" * 10
    text = f"<html><body><p>{paragraph}</p></body></html>"
    broken = text.encode(page_charset).decode(wrong).encode("utf-8")
    assert page_text(broken) == text


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
        "Smoke rises over the city.",
        "The map shows where the smoke went.",
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
        (
            "Keine Nebenwirkung von Pfizer (AFP / ISHARA S. KODIKARA)",
            ("Keine Nebenwirkung von Pfizer (AFP / ISHARA S. KODIKARA)", None),
        ),
    ],
)
def test_credit_split_from_caption_round_2(text, expected):
    assert split_caption(text) == expected


def test_caption_in_an_unnamed_box_after_the_image():
    box = (
        "<div class='x1'><div class='x2'><picture><img src='/1.jpg'></picture></div>"
        "<div class='x3'>The former prime minister at his office</div>"
        "<div class='x4'>The Daily Example</div></div>"
    )
    assert _images(box)[0].caption == "The former prime minister at his office"


def test_icon_and_label_in_an_unnamed_box_are_no_caption():
    menu = (
        "<div class='x1'><div><img src='/icon.png'></div>"
        "<div class='x3'>Websites &amp; Apps</div></div>"
    )
    assert _images(menu)[0].caption is None


# --- body (round 2)

from crawler.extract.body import drop_chrome  # noqa: E402
from crawler.extract.index import CHROME, CONTENT, classify, index_page  # noqa: E402

_STORY = "".join(
    f"<p>Paragraph {i} of the story tells the council's decision, the budget, and the reasons "
    f"given by the mayor, who spoke at length.</p>"
    for i in range(6)
)


def _body_of(inner: str) -> str:
    return parse_article(f"<html><body>{inner}</body></html>", "https://example.org/a").body or ""


def test_lead_paragraph_beside_the_headline_heads_the_body():
    page = (
        "<article><header><h1>Council passes budget</h1>"
        "<p class='article-lead'>The city council passed next year's budget on Monday after a "
        "long debate about schools, roads and the new library.</p></header>"
        f"<div class='story'>{_STORY}</div></article>"
    )
    body = _body_of(page)
    assert body.startswith("The city council passed next year's budget")
    assert "Paragraph 5 of the story" in body


def test_a_row_of_same_class_teasers_is_no_lead():
    teasers = "".join(
        f"<div class='teaser'>Another story number {i} about something else entirely, "
        f"with a long enough summary to look like a lead.</div>"
        for i in range(3)
    )
    body = _body_of(f"<div><div>{teasers}</div><div class='story'>{_STORY}</div></div>")
    assert "Another story number" not in body


def test_lines_of_page_furniture_are_dropped():
    page = (
        f"<div class='story'>{_STORY}<p>Weitere Informationen:</p><p>Das könnte dich auch "
        "interessieren</p><p>23.10.2018</p><p>Related Coverage</p><p>- Anzeige -</p>"
        "<p>À lire aussi » Un autre article</p><p>Abbildung 4: Eine Karte</p>"
        "<p>Kommentar verfassen</p><p>Letzte Aktualisierung am 2.02.2022 / Affiliate Links</p>"
        "</div>"
    )
    body = _body_of(page)
    for line in (
        "Weitere Informationen",
        "interessieren",
        "23.10.2018",
        "Related Coverage",
        "Anzeige",
        "lire aussi",
        "Abbildung",
        "Kommentar",
        "Letzte Aktualisierung",
    ):
        assert line not in body


def test_page_builder_widget_boxes_are_not_chrome_but_widgets_are():
    assert not classify("elementor-widget-wrap") & CHROME
    assert not classify("elementor-widget-container") & CHROME
    assert classify("widget widget_recent_entries") & CHROME
    assert classify("smg-zone-widget") & CHROME


def test_related_posts_stay_chrome_beside_a_content_word():
    kind = classify("related_post wp_rp")
    assert kind & CHROME and not kind & CONTENT
    assert classify("content-share") & CONTENT
    assert classify("saboxplugin-wrap") & CHROME


def test_a_big_footer_of_links_is_chrome_not_a_wrapper():
    links = "".join(
        f"<li><a href='/p{i}'>Footer link number {i} of the site</a></li>" for i in range(120)
    )
    page = f"<div class='story'>{_STORY}</div><div class='footer'><ul>{links}</ul></div>"
    root = parse_html(f"<html><body>{page}</body></html>")
    body = root.find("body")
    drop_chrome(body, index_page(body).chrome)
    assert body.find(".//div[@class='footer']") is None
    assert "Paragraph 0" in _body_of(page)


def test_chrome_inside_a_detached_chrome_caption_box_is_still_dropped():
    # the chrome-classed figcaption is dropped with the chrome, yet its image reads it later:
    # the share links inside it must go too, though chrome inside dropped chrome is skipped
    page = (
        f"<article><div class='story'>{_STORY}<figure><img src='/hall.jpg'>"
        "<figcaption class='caption share-caption'>The council hall on Monday. "
        "<span class='social-links'>Share on X</span> Photo: Jane Doe</figcaption></figure>"
        f"{_STORY}</div></article>"
    )
    images = parse_article(f"<html><body>{page}</body></html>", "https://example.org/a").images
    assert [(i.caption, i.credit) for i in images] == [("The council hall on Monday.", "Jane Doe")]


def test_a_long_list_of_related_stories_is_dropped_though_it_is_big():
    teasers = "".join(
        f"<li><a href='/s{i}'>Story {i}</a><small>Teaser text of another story, long enough to "
        f"make this list weigh more than two thousand characters in all.</small></li>"
        for i in range(22)
    )
    page = f"<div class='entry'>{_STORY * 3}<ul class='related_post'>{teasers}</ul></div>"
    body = _body_of(page)
    assert "Paragraph 5" in body and "Teaser text of another story" not in body


def test_calls_to_action_and_disclosures_are_chrome():
    assert classify("c-letters-cta") & CHROME
    assert classify("affiliate-text") & CHROME
    assert classify("disclosure-text") & CHROME


# --- dates (round 2) ------------------------------------------------------------------------


def _ld(**fields: str) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "x", **fields}
    return f"<script type='application/ld+json'>{json.dumps(data)}</script>"


def test_utc_stamp_takes_the_local_day_of_the_same_instant():
    # 02:11 UTC is still the evening before in New York, as the page's <time> says
    head = _ld(datePublished="2023-11-09T02:11:03+00:00")
    html = page(article_html(extra="<time datetime='2023-11-08T21:11:03-05:00'>Nov 8</time>"), head)
    assert parse_article(html, "https://example.com/news/a").published_at[:10] == "2023-11-08"
    # a naive local time of the same instant (whole-hour offset) counts too
    head = (
        "<meta property='article:published_time' content='2019-10-18T22:04:00Z'>"
        "<meta name='date' content='2019-10-19T00:04:00'>"
    )
    assert (
        date_stage.DateFinder(parse_html(page(article_html(), head)), "", []).find().published[:10]
        == "2019-10-19"
    )


def test_utc_stamp_keeps_its_day_without_a_matching_local_time():
    head = _ld(datePublished="2023-11-09T12:11:03+00:00")
    html = page(article_html(extra="<time datetime='2023-11-08T09:00:00-05:00'>Nov 8</time>"), head)
    assert parse_article(html, "https://example.com/news/a").published_at[:10] == "2023-11-09"


def test_labelled_visible_date_beats_a_time_element():
    html = page(
        article_html(
            extra="<p>Publié le 29 juin 2019</p>"
            "<footer><time datetime='2019-07-03T10:18:46Z'>3 juillet</time></footer>"
        )
    )
    assert parse_article(html, "https://example.com/a").published_at == "2019-06-29"


def test_document_date_label_beats_meta_date():
    html = page(
        "<table><tr><td>成文日期：</td><td>2022年01月27日</td></tr></table>"
        "<h1>关于禁止新增建设项目的通告</h1><p>" + "特此通告。" * 30 + "</p>",
        "<meta name='PubDate' content='2022-01-28 00:00:00'>",
        lang="zh",
    )
    assert parse_article(html, "https://example.gov.cn/a").published_at == "2022-01-27"


def test_generic_date_meta_with_time_beats_a_disagreeing_jsonld_date():
    head = (
        _ld(datePublished="2021-12-06T14:36:00") + "<meta name='date' content='2022-12-15T09:13'>"
    )
    published = parse_article(page(article_html(), head), "https://example.com/a").published_at
    assert published[:10] == "2022-12-15"


def test_jsonld_outvoted_by_meta_and_time():
    head = (
        _ld(datePublished="2023-11-03T10:25:56+00:00")
        + "<meta property='article:published_time' content='2023-11-06T14:25:00+00:00'>"
    )
    html = page(article_html(extra="<time datetime='2023-11-06T15:25:00+01:00'>6.11.</time>"), head)
    assert parse_article(html, "https://example.com/a").published_at[:10] == "2023-11-06"


def test_shown_date_that_is_the_update_date_wins():
    head = _ld(datePublished="2021-01-01T11:00:00Z", dateModified="2023-04-01T10:00:00Z")
    html = page(article_html(extra="<p class='date'>01.04.2023, 12:00 Uhr</p>"), head)
    assert parse_article(html, "https://example.com/a").published_at[:10] == "2023-04-01"
    # a shown date that is neither keeps the JSON-LD date
    html = page(article_html(extra="<p class='date'>05.04.2023</p>"), head)
    assert parse_article(html, "https://example.com/a").published_at[:10] == "2021-01-01"


def test_as_of_dates_do_not_date_the_page():
    html = page(
        article_html(extra="<p>精选文章(截止2006年8月10日)</p><p>2005-06-14 03:25:55</p>"),
        lang="zh",
    )
    assert parse_article(html, "https://example.com/a").published_at[:10] == "2005-06-14"


def test_url_date_needs_a_separator_or_a_compact_stamp_after_the_day():
    assert date_stage.url_date("https://example.com/2020/11/2338761/") is None
    assert date_stage.url_date("https://example.com/img/20201007120909561.jpg") == "2020-10-07"


def test_share_image_path_dates_a_page_without_other_dates():
    head = "<meta property='og:image' content='https://example.org/files/2016/05/04/ar.png'>"
    assert parse_article(page(article_html(), head), "https://example.org/a").published_at == (
        "2016-05-04"
    )
    head = "<meta name='description' content='Bear news (Notizia del 14 Gennaio 2020)'>"
    assert parse_article(page(article_html(), head), "https://example.org/a").published_at == (
        "2020-01-14"
    )


@pytest.mark.parametrize(
    ("line", "range_end"),
    [
        ("Wochenende in Wien 12.10. - 15.10.2023", "2023-10-15"),
        ("Gesperrt vom 24. April bis 2. Oktober 2017", "2017-10-02"),
    ],
)
def test_range_ends_with_a_partial_start_are_not_dates(line, range_end):
    assert range_end not in [value for _, value in date_stage.iter_dates(line)]


def test_labelled_update_date_when_the_page_states_nothing_else():
    html = page(
        article_html(extra="<p>Stand - 12.11.2021</p>", after="<p class='date'>04.11.2021</p>")
    )
    assert parse_article(html, "https://example.com/a").published_at == "2021-11-12"


def test_headline_found_behind_a_prefix_in_the_same_text_node():
    # the headline's first words open the text node after the date again, as a lede does
    html = page(
        "<p>Archive 03.03.2015</p>"
        "<div><a href='/t'>Presse</a> : Council approves transport plan</div>"
        "<div>Geschrieben von <a href='/u'>Cooper</a> am 25.08.2015 22:30</div>"
        "<p>Council approves transport plan on 1.9.2015. " + PARAGRAPHS[0] + "</p>",
        "<title>Council approves transport plan</title>",
    )
    assert parse_article(html, "https://example.com/a").published_at[:10] == "2015-08-25"


def test_tickers_references_and_author_boxes_are_chrome():
    assert classify("marquee first-marquee") & CHROME
    assert classify("c-article-references") & CHROME
    kind = classify("author-description entry-content")
    assert kind & CHROME and not kind & CONTENT


def test_a_spelled_out_address_link_is_text_not_a_teaser():
    page = (
        f"<div class='story'>{_STORY}<p><a href='mailto:a@b.org'>press@example.org</a></p>"
        "<p><a href='/x'>Another story</a></p></div>"
    )
    body = _body_of(page)
    assert "press@example.org" in body and "Another story" not in body


def test_the_innermost_lead_leaves_the_intro_box_picture_caption_out():
    page = (
        "<article><h1>Council passes budget</h1><div class='intro'>"
        "<div class='img-box'><img src='/a.jpg'><p>Picture text: the mayor at the council "
        "meeting on Monday evening, with the budget papers.</p></div>"
        "<p class='lead'>The city council passed next year's budget on Monday after a long "
        "debate about schools, roads and the new library.</p></div>"
        f"<div class='story'>{_STORY}</div></article>"
    )
    body = _body_of(page)
    assert body.startswith("The city council passed") and "Picture text" not in body


# --- body snippets (round 3) ----------------------------------------------------------------


def test_newsletter_and_app_prompts_are_dropped_but_story_lines_about_them_are_not():
    page = (
        f"<div class='story'>{_STORY}<p>The club's newsletter, written by volunteers, reached "
        "four hundred members last year.</p><p>Get the latest updates in your inbox: subscribe "
        "to our newsletter.</p><p>Melde dich hier für unseren Newsletter an!</p><p>For breaking "
        "news download our apps for iOS and Android.</p><p>The app for Android was updated "
        "twice.</p></div>"
    )
    body = _body_of(page)
    assert "written by volunteers" in body and "The app for Android was updated" in body
    assert "subscribe" not in body and "Melde dich" not in body and "download" not in body


def test_a_bem_author_bio_stays_chrome_beside_a_content_word():
    kind = classify("post-author__bio columns")
    assert kind & CHROME and not kind & CONTENT
    assert classify("post-content") & CONTENT


def test_a_table_in_a_figure_is_text_but_a_picture_caption_is_not():
    page = (
        f"<div class='story'>{_STORY}<figure class='wp-block-table'><table><tr><td>Fee per "
        "withdrawal</td><td>1 GBP</td></tr></table><figcaption>Table 1: fees</figcaption>"
        "</figure><figure><img src='/a.jpg'><p>Photo text under the picture</p></figure></div>"
    )
    body = _body_of(page)
    assert "Fee per withdrawal" in body and "1 GBP" in body
    assert "Table 1" not in body and "Photo text" not in body


def test_a_link_wrapping_a_heading_is_a_teaser_card_not_story_text():
    page = (
        f"<div class='story'>{_STORY}<p>The mayor <a href='/m'>said on Monday</a> that the "
        "budget is final.</p><div><a href='/other'><h2>Another story about the harbour</h2>"
        "<p>Its teaser.</p></a></div></div>"
    )
    body = _body_of(page)
    assert "said on Monday that the budget is final" in body
    assert "Another story" not in body and "Its teaser" not in body


def test_a_description_classed_paragraph_beside_the_headline_is_the_lead():
    page = (
        "<article><div class='head'><h1>Council passes budget</h1>"
        "<p class='news-description'>The city council passed next year's budget on Monday "
        "after a long debate about schools, roads and the new library.</p></div>"
        f"<div class='story'>{_STORY}</div></article>"
    )
    assert _body_of(page).startswith("The city council passed next year's budget")


def test_a_lead_in_a_page_header_beside_main_heads_the_body():
    page = (
        "<header class='page-header'><h1>Council passes budget</h1><div class='text-lead'><p>The "
        "city council passed next year's budget on Monday after a long debate about schools, "
        f"roads and the new library.</p></div></header><main>{_STORY}</main>"
    )
    assert _body_of(page).startswith("The city council passed next year's budget")


def test_a_subheading_id_made_of_its_words_is_no_chrome_or_date():
    page = (
        f"<div class='story'>{_STORY}<h3 id='nav_only_the_foil_remains'>Only the foil remains"
        "</h3><p>The rest of the battery is ground up and sorted by a machine into metals and "
        "plastics.</p><h3 id='date-and-place-of-the-seminars'>Date and place of the seminars</h3>"
        "</div>"
    )
    body = _body_of(page)
    assert "Only the foil remains" in body and "Date and place of the seminars" in body


def test_print_and_pdf_buttons_in_other_languages_are_furniture():
    page = f"<div class='story'>{_STORY}<p>Drucken</p><p>drukuj</p><p>Download PDF</p></div>"
    body = _body_of(page)
    assert "Drucken" not in body and "drukuj" not in body and "PDF" not in body


def test_a_place_dateline_opening_the_story_is_kept_but_a_date_span_is_not():
    page = (
        "<div class='story'><p><span class='dateline'>KOBE – </span>A total of 6,000 surgical "
        "masks have been lost at a hospital in Kobe, it was learned on Tuesday morning.</p>"
        f"<p><span class='date'>18.02.2020</span> by the newsroom</p>{_STORY}</div>"
    )
    body = _body_of(page)
    assert "KOBE – A total of 6,000" in body and "18.02.2020" not in body


def test_a_breadcrumb_paragraph_is_chrome():
    page = (
        "<div class='entry'><p class='breadcrumb-navigation'>&gt; <a href='/blog'>Blog</a> &gt; "
        f"<a href='/land'>Aus den Ländern</a> &gt; Jahrestagung 2015</p>{_STORY}</div>"
    )
    body = _body_of(page)
    assert "Aus den Ländern" not in body and "Paragraph 0" in body


def test_state_modifier_classes_do_not_make_a_wrapper_chrome():
    assert not classify("article container has-recommendations") & CHROME
    assert not classify("layout with-sidebar no-share") & CHROME
    assert classify("recommendations") & CHROME


def test_a_caption_line_ending_in_its_credit_is_furniture():
    page = (
        f"<div class='story'>{_STORY}<div>Lee Elder at the Masters in 1975. | © Augusta National/"
        "Getty Images</div><p>© 2020 The Daily Example. All rights reserved.</p></div>"
    )
    body = _body_of(page)
    assert "Getty Images" not in body and "All rights reserved" in body


def test_a_short_box_under_a_linked_heading_is_a_teaser_but_a_short_post_is_not():
    teaser = (
        "<div class='box'><h2><a href='/podcast'>Coronavirus update: the podcast</a></h2>"
        "<p>Every week the virologist answers questions in a podcast.</p></div>"
    )
    body = _body_of(f"<div class='story'>{_STORY}{teaser}{_STORY}</div>")
    assert "the podcast" not in body and "Every week" not in body
    post = _body_of(
        "<div class='post'><h2><a href='/p/1'>A short post</a></h2><p>I know I am tired and "
        "should not say this, but the night was long.</p></div>"
    )
    assert "the night was long" in post


def test_a_widget_text_repeated_on_the_page_does_not_outscore_the_story():
    ratings = "".join(
        "<div class='slide'><p>Vielen Dank! Du hast das Bild bereits bewertet, melde dich an.</p>"
        "</div>"
        for _ in range(40)
    )
    page = (
        f"<div class='gallery'>{ratings}</div><div><p>{PARAGRAPHS[0]}</p>"
        f"<p>{PARAGRAPHS[1]}</p></div>"
    )
    body = _body_of(page)
    assert body.startswith("The city council approved") and "Vielen Dank" not in body


def test_a_one_line_block_with_a_content_class_does_not_win_over_the_story():
    steps = "".join(
        f"<div class='step'><div class='copy'><div>Step {i}: stir the flour, the butter, the "
        "sugar and the eggs into a dough, then leave it to rest, covered, in a warm place for "
        "an hour, until it has doubled in size.</div></div></div>"
        for i in range(4)
    )
    page = (
        "<div><div class='is-content-box'><p>Used products, click for details.</p></div>"
        f"<div class='preparation'>{steps}</div></div>"
    )
    body = _body_of(page)
    assert "Step 0: stir the flour" in body and "Step 3" in body
