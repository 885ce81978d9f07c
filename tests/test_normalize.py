"""Units for crawler.normalize: text, dates, WS ids, alt/caption/credit, language, URLs, counts."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler import normalize
from crawler.encoding import decode_html
from crawler.normalize import (
    _INVISIBLE,
    _latin_words,
    _script_counts,
    canonicalize_url,
    clean_alt,
    content_hash,
    detect_lang,
    normalize_body,
    normalize_date,
    normalize_text,
    script_lang,
    split_credit,
    word_count,
    ws_id_datetime,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("   \n\t ", None),
        ("\u00a0\u3000", None),
        ("\u200b", None),
        ("  Hello   world \n", "Hello world"),
        ("innovation.\u00a0", "innovation."),
        ("a\u00a0b\u3000c", "a b c"),
        ("zero\u200bwidth\u200c\u200djoin\ufeff\u2060ers", "zerowidthjoiners"),
        ("soft\u00adhyphen", "softhyphen"),
        ("Cafe\u0301", "Café"),  # NFC composes
        ("Cafe\u200b\u0301", "Café"),  # ... once the invisible character between is dropped
        ("Cafe\x1f\u0301", "Café"),
        ("（图片来源：新华社）", "（图片来源：新华社）"),  # no NFKC: full-width punctuation kept
        ("ＡＢＣ１２３", "ＡＢＣ１２３"),
        ("line\r\nbreak", "line break"),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


def test_normalize_text_returns_a_plain_str() -> None:
    # Not the subclass it was given: lxml's "smart" strings keep their whole tree alive.
    tree = lxml.html.fromstring("<p title='Already normal'>x</p>")
    (title,) = tree.xpath("//p/@title")
    assert type(title) is not str
    assert type(normalize_text(title)) is str
    assert type(normalize_text(decode_html(b"Already normal"))) is str


def test_normalize_text_collapses_every_unicode_whitespace_and_keeps_everything_else():
    # Exhaustive over the code points: the whitespace collapsed is exactly what ``\s`` of a str
    # regex matches (NBSP, U+3000, ...); every other character is kept, or dropped if invisible.
    for code in range(0x110000):
        char = chr(code)
        if code in _INVISIBLE:
            expected = "ab"
        elif re.fullmatch(r"\s", char):
            expected = "a b"
        else:
            expected = unicodedata.normalize("NFC", f"a{char}{char}b{char}")
        assert normalize_text(f"\ta{char}{char}b{char} ") == expected, hex(code)


@given(st.text())
def test_normalize_text_is_idempotent(s):
    once = normalize_text(s)
    assert normalize_text(once) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("One.\n\nTwo.", "One.\n\nTwo."),
        ("  One.  \n \n\n  Two.\u00a0 \n", "One.\n\nTwo."),
        ("One\nstill one.\n\nTwo.", "One still one.\n\nTwo."),
        ("\n\n\u200b\n\nOnly.\n\n\u3000\n\n", "Only."),
    ],
)
def test_normalize_body(raw, expected):
    assert normalize_body(raw) == expected


def _reference_body(body: str) -> str:
    return "\n\n".join(filter(None, map(normalize_text, re.split(r"\n\s*\n", body))))


def test_normalize_body_for_every_code_point_in_an_already_normal_body():
    # normalize_body returns a body it finds already normal as it is: that shortcut must agree
    # with normalising paragraph by paragraph, whatever the character, wherever in a paragraph.
    for code in [*range(0x10000), *range(0x10000, 0x110000, 61)]:
        char = chr(code)
        for body in (f"a{char}b\n\nc", f"{char}\n\nb {char}", f"a\n\n{char}{char}"):
            assert normalize_body(body) == _reference_body(body), hex(code)


@pytest.mark.parametrize(
    "body",
    [None, "", "One.", "One.\n\nTwo.", "\n\nOne.", "One.\n\n", "One.\nTwo.", "One.\n\n\nTwo.",
     "One.\n\n\n\nTwo.", "One. \n\nTwo.", "One.\n\n Two.", "One.  Two.", " One.", "One. ",
     "One.\n \nTwo.", "Cafe\u0301", "a\u00a0b", "a\u200bb", "\n", " ", "\n\n"],
)  # fmt: skip
def test_normalize_body_shortcut_edges(body):
    assert normalize_body(body) == _reference_body(body or "")


@given(st.lists(st.text()), st.sampled_from(["\n\n", "\n", " \n\n", "\n\n\n"]))
def test_normalize_body_is_paragraphs_normalised(paragraphs, separator):
    normal = "\n\n".join(filter(None, map(normalize_text, paragraphs)))
    for body in (separator.join(paragraphs), normal):
        assert normalize_body(body) == _reference_body(body)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # ISO forms
        ("2022-12-21T15:42:07+08:00", "2022-12-21T15:42:07+08:00"),
        ("2022-12-21T07:42:07Z", "2022-12-21T15:42:07+08:00"),
        ("2022-12-21T07:42:07.123Z", "2022-12-21T15:42:07+08:00"),
        ("2022-12-21T02:42:07-0500", "2022-12-21T15:42:07+08:00"),
        ("2022-12-21T15:42:07", "2022-12-21T15:42:07+08:00"),
        ("2022-12-21 15:42", "2022-12-21T15:42:00+08:00"),
        ("2022-12-21 15:42:07", "2022-12-21T15:42:07+08:00"),
        ("2022-12-21-15:42:07", "2022-12-21T15:42:07+08:00"),  # gov.cn firstpublishedtime
        ("2022-12-21", "2022-12-21"),
        ("2022-1-5", "2022-01-05"),
        ("2022/12/21", "2022-12-21"),
        ("2022/12/21 15:42", "2022-12-21T15:42:00+08:00"),
        # Chinese
        ("2022年12月21日", "2022-12-21"),
        ("2022年12月21日 15:42", "2022-12-21T15:42:00+08:00"),
        ("发布时间：2022年12月21日 15:42:07", "2022-12-21T15:42:07+08:00"),
        ("发布时间：2022-12-21 15:42 来源：新华社", "2022-12-21T15:42:00+08:00"),
        # English
        ("Updated: Dec 21, 2022", "2022-12-21"),
        ("Updated: 2024-05-13 09:08", "2024-05-13T09:08:00+08:00"),
        ("Published: December 8, 2025 14:38", "2025-12-08T14:38:00+08:00"),
        ("December 8, 2025 14:38", "2025-12-08T14:38:00+08:00"),
        ("Dec. 8, 2025", "2025-12-08"),
        ("Sept 3, 2021", "2021-09-03"),
        ("8 December 2025", "2025-12-08"),
        ("8 Dec 2025 09:30", "2025-12-08T09:30:00+08:00"),
        ("chinadaily.com.cn | Updated: 2024-05-20 14:41", "2024-05-20T14:41:00+08:00"),
        # Buddhist era
        ("2565-12-21", "2022-12-21"),
        ("Updated: 2569-05-17 20:43", "2026-05-17T20:43:00+08:00"),
        # invalid
        (None, None),
        ("", None),
        ("nonsense", None),
        ("2022-02-30", None),
        ("2022-12-21 25:00", None),
        ("Foo 21, 2022", None),
        ("3 hours ago", None),
    ],
)
def test_normalize_date(raw, expected):
    assert normalize_date(raw) == expected


def test_normalize_date_slow_fallback_for_other_languages():
    assert normalize_date("21 de diciembre de 2022") == "2022-12-21"


@pytest.mark.parametrize(
    ("value", "tz", "expected"),
    [
        (datetime(2022, 12, 21, 15, 42, 7), "Asia/Shanghai", "2022-12-21T15:42:07+08:00"),
        (datetime(2022, 12, 21, 7, 42, 7, tzinfo=UTC), "Asia/Shanghai",
         "2022-12-21T15:42:07+08:00"),
        (datetime(2022, 12, 21, 7, 42, 7, 999, tzinfo=UTC), "UTC", "2022-12-21T07:42:07+00:00"),
        (date(2022, 12, 21), "Asia/Shanghai", "2022-12-21"),
        ("2022-12-21 15:42", "Europe/London", "2022-12-21T15:42:00+00:00"),
        ("2022-07-01 15:42", "Europe/London", "2022-07-01T15:42:00+01:00"),
        ("2022-12-21T15:42:07+08:00", "Europe/London", "2022-12-21T07:42:07+00:00"),
    ],
)  # fmt: skip
def test_normalize_date_timezones(value, tz, expected):
    assert normalize_date(value, tz) == expected


def _outcome(function, *args):
    try:
        return function(*args)
    except (ValueError, OverflowError) as exc:
        return type(exc)


@given(
    moment=st.datetimes(timezones=st.integers(-16 * 60, 16 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes)))),
    tz=st.sampled_from(["Asia/Shanghai", "UTC", "Europe/London", "America/New_York"]),
)  # fmt: skip
def test_a_date_in_normalize_dates_own_shape_reads_as_the_rules_read_it(moment, tz):
    rules = normalize._parse_date_text.__wrapped__
    for text in (moment.isoformat(timespec="seconds"), moment.date().isoformat()):
        assert _outcome(normalize_date, text, tz) == _outcome(rules, text, tz)


@pytest.mark.parametrize(
    ("text", "read_directly"),
    [
        ("2022-12-21", True),
        ("2022-12-21T15:42:07+08:00", True),
        ("1900-01-01T10:00:00+08:00", True),  # becomes Shanghai's local mean time, +08:05:43
        ("2565-01-01", False),  # a Buddhist-era year: 2022
        ("2022-02-30", False),
        ("2022-12-21T15:42:07", False),  # naive: the rules read it in the time zone
        ("2022-12-21T15:42:07.5+08:00", False),
        ("2022-12-21 15:42:07+08:00", False),
    ],
)
def test_normalized_dates_are_read_without_the_rules(text, read_directly):
    assert (normalize._normalized_again(text, "Asia/Shanghai") is not None) is read_directly
    assert normalize_date(normalize_date(text)) == normalize_date(text)


@given(
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1)),
    st.sampled_from(["Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York"]),
)
def test_normalize_date_is_idempotent(value, tz):
    once = normalize_date(value, tz)
    assert normalize_date(once, tz) == once


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://govt.chinadaily.com.cn/s/202212/21/WS63a2b8cf498e1f3c5a1f3b8c/x.html",
         datetime(2022, 12, 21, 15, 42, 7, tzinfo=SHANGHAI)),
        ("WS664af0b2a31082fc043c814d", datetime(2024, 5, 20, 14, 41, 54, tzinfo=SHANGHAI)),
        ("//www.chinadaily.com.cn/a/202405/13/WS664167f4a31082fc043c6af7.html",
         datetime(2024, 5, 13, 9, 8, 4, tzinfo=SHANGHAI)),
        ("https://english.www.gov.cn/news/202405/11/content_WS663f7559c6d0868f4e8e7042.html",
         datetime(2024, 5, 11, 21, 40, 41, tzinfo=SHANGHAI)),
        ("https://example.org/a.html", None),
        ("WS63a2b8cf", None),  # too short
        ("WS63a2b8cf498e1f3c5a1f3b8c0", None),  # too long
        ("", None),
    ],
)  # fmt: skip
def test_ws_id_datetime(value, expected):
    got = ws_id_datetime(value)
    assert got == expected
    if got is not None:
        assert got.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("alt", "expected"),
    [
        ("Zhan Decun, director of the foreign affairs office of the Guangzhou municipal "
         "government..jpg",
         "Zhan Decun, director of the foreign affairs office of the Guangzhou municipal "
         "government."),
        ("The third Workshop for Thought Leaders is held in Guangzhou..png",
         "The third Workshop for Thought Leaders is held in Guangzhou."),
        ("联合国人居署城市最佳实践数据库首页发布广州奖《2022年地方执行〈新城市议程〉报告》。.png",
         "联合国人居署城市最佳实践数据库首页发布广州奖《2022年地方执行〈新城市议程〉报告》。"),
        ("A view of the city.JPEG", "A view of the city"),
        ("Harbin.webp", None),
        ("IMG_1234.jpg", None),
        ("664167f4a31082fc2b6dd360.jpeg", None),
        ("1.png", None),
        ("DSC-0042.GIF", None),
        ("photo.bmp", None),
        ("A view of the city", "A view of the city"),
        ("chinadaily", "chinadaily"),
        ("  spaced\u00a0alt  ", "spaced alt"),
        ("", None),
        (None, None),
    ],
)  # fmt: skip
def test_clean_alt(alt, expected):
    assert clean_alt(alt) == expected


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("Zhan Decun, director of the foreign affairs office of the Guangzhou municipal "
         "government. [Photo/Southern Metropolis Daily]",
         ("Zhan Decun, director of the foreign affairs office of the Guangzhou municipal "
          "government.", "Southern Metropolis Daily")),
        ("Staff at work. [Photo by Su Zhigang/For chinadaily.com.cn]",
         ("Staff at work.", "Su Zhigang/For chinadaily.com.cn")),
        ("Joggers run in December.\u00a0LIU CHAOFU/FOR CHINA DAILY ",
         ("Joggers run in December.", "LIU CHAOFU/FOR CHINA DAILY")),
        ("Visitors at the fair. WANG JING/CHINA DAILY",
         ("Visitors at the fair.", "WANG JING/CHINA DAILY")),
        ("A ship. [Photo/Xinhua]", ("A ship.", "Xinhua")),
        ("A ship. [Photo/VCG]", ("A ship.", "VCG")),
        ("A ship. [Photos/IC]", ("A ship.", "IC")),
        ("A ship. (Photo: Xinhua)", ("A ship.", "Xinhua")),
        ("A ship. Photo: Xinhua", ("A ship.", "Xinhua")),
        ("A ship. ［Photo/Xinhua］", ("A ship.", "Xinhua")),
        ("市民在公园游览。（图片来源：新华社）", ("市民在公园游览。", "新华社")),
        ("市民在公园游览。（新华社记者 王鹏 摄）", ("市民在公园游览。", "新华社记者 王鹏")),
        ("市民在公园游览。新华社记者 王鹏 摄", ("市民在公园游览。", "新华社记者 王鹏")),
        ("[Photo/Xinhua]", (None, "Xinhua")),
        ("Just a caption.", ("Just a caption.", None)),
        ("The UN and WHO/UNICEF agree", ("The UN and WHO/UNICEF agree", None)),
        ("Children (left) and parents", ("Children (left) and parents", None)),
        ("A view of the bay (2022)", ("A view of the bay (2022)", None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)  # fmt: skip
def test_split_credit(caption, expected):
    assert split_credit(caption) == expected


def _reference_split_credit(caption):
    # Every rule searched in turn, none skipped.
    caption = normalize_text(caption)
    if caption is None:
        return None, None
    for rule in (normalize._BRACKET_CREDIT_RE, normalize._LABEL_CREDIT_RE,
                 normalize._CAPS_CREDIT_RE, normalize._SHOT_BY_CREDIT_RE):  # fmt: skip
        match = rule.search(caption)
        if match:
            return normalize_text(caption[: match.start()]), normalize_text(match["credit"])
    return caption, None


_CAPTION_PIECES = [
    *"ab:：/[]［］()（）【】。.!? \n\u00a0X摄",
    "BY",
    "by",
    "Photo",
    "图片来源",
    "新华社",
    "LI MING",
]


@given(st.lists(st.sampled_from(_CAPTION_PIECES), max_size=12).map("".join))
def test_split_credit_skips_only_rules_that_cannot_match(caption):
    assert split_credit(caption) == _reference_split_credit(caption)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "联合国人居署城市最佳实践数据库首页发布广州奖《2022年地方执行〈新城市议程〉报告》。",
            "zh",
        ),
        ("UN-Habitat publishes the Guangzhou Award 2022 report.", "en"),
        ("Der Bürgermeister", "en"),  # short Latin strings are not guessed further
        ("广州奖颁奖 Guangzhou", "zh"),
        ("東京でラーメンを食べた", "ja"),
        ("서울특별시", "ko"),
        ("Москва", "ru"),
        ("القاهرة", "ar"),
        ("2022 — 12 …", None),
        ("", None),
        (None, None),
    ],
)
def test_script_lang(text, expected):
    assert script_lang(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("In the past 10 years, the Guangzhou Award event has been held five times, and the award "
         "has built a network of multilateral exchanges and cooperation among global cities.",
         "en"),
        ("Der Preis wurde in Guangzhou verliehen, und die Stadt hat viele neue Freunde in der "
         "ganzen Welt gefunden, sagte der Direktor des Büros.", "de"),
        ("Le prix a été décerné à Guangzhou et la ville a trouvé de nombreux amis dans le monde "
         "entier, a déclaré le directeur du bureau.", "fr"),
        ("在过去十年里，广州奖已举办五届，在全球城市之间建立起多边交流合作网络。" * 3, "zh"),
        ("广州奖已举办五届。", "zh"),
        ("Short English.", "en"),
        ("", None),
        (None, None),
    ],
)  # fmt: skip
def test_detect_lang(text, expected):
    assert detect_lang(text) == expected


#: The script ranges, spelt out once more: what _script_counts' shortcuts must agree with.
_REFERENCE_SCRIPTS = {
    "zh": "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]",
    "ja": "[\u3040-\u30ff\u31f0-\u31ff]",
    "ko": "[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]",
    "ru": "[\u0400-\u04ff]",
    "ar": "[\u0600-\u06ff\u0750-\u077f]",
    "en": "[A-Za-z\u00c0-\u024f]",
}


def _reference_counts(text: str) -> list[tuple[str, int]]:
    return [(lang, len(re.findall(rx, text))) for lang, rx in _REFERENCE_SCRIPTS.items()]


def test_script_counts_agree_with_the_ranges_for_every_code_point():
    # ASCII, Latin-only and other text take different paths; the counts (and their order, which
    # breaks ties) must not depend on the path. Every BMP code point, every 61st astral one.
    for code in [*range(0x10000), *range(0x10000, 0x110000, 61)]:
        char = chr(code)
        for text in (char, f"Ab {char}{char}", f"é{char}"):
            assert list(_script_counts(text).items()) == _reference_counts(text), hex(code)


@given(st.text())
def test_script_counts_agree_with_the_ranges(text):
    assert list(_script_counts(text).items()) == _reference_counts(text)


def test_detect_lang_decides_cjk_by_script_without_langdetect(monkeypatch):
    monkeypatch.setattr("crawler.normalize._langdetect", pytest.fail)
    text = "在过去十年里，广州奖已举办五届，在全球城市之间建立起多边交流合作网络。" * 5
    assert detect_lang(text) == "zh"


def test_detect_lang_is_deterministic():
    text = "Ten years of celebrating the Guangzhou Award signifies a decade of rapid development."
    assert {detect_lang(text) for _ in range(5)} == {"en"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Govt.ChinaDaily.com.cn/s/202212/21/WS63a2b8cf498e1f3c5a1f3b8c.html#top",
         "https://govt.chinadaily.com.cn/s/202212/21/WS63a2b8cf498e1f3c5a1f3b8c.html"),
        ("http://govt.chinadaily.com.cn/s/a.html", "http://govt.chinadaily.com.cn/s/a.html"),
        ("https://example.org:443/A/B.HTML", "https://example.org/A/B.HTML"),
        ("http://example.org:80/", "http://example.org/"),
        ("http://example.org:8080/x", "http://example.org:8080/x"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/a?utm_source=wx&id=3&spm=a.b&from=timeline&share=1&page=2",
         "https://example.org/a?id=3&page=2"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?b=2&a=1"),
        ("https://example.org/a?UTM_Medium=x&fbclid=y&gclid=z", "https://example.org/a"),
        ("  https://example.org/a  ", "https://example.org/a"),
    ],
)  # fmt: skip
def test_canonicalize_url(url, expected):
    assert canonicalize_url(url) == expected
    assert canonicalize_url(expected) == expected


def test_content_hash_ignores_whitespace_differences_only():
    base = content_hash("Headline", "One.\n\nTwo.")
    assert len(base) == 64
    assert content_hash(" Headline\u00a0", "One.  \n\n\n Two.\u200b") == base
    assert content_hash("Headline", "One.\n\nTwo!") != base
    assert content_hash("Other", "One.\n\nTwo.") != base
    assert content_hash(None, "") == content_hash("", None)


@pytest.mark.parametrize(
    ("body", "lang", "expected"),
    [
        ("", None, 0),
        ("One two three.", "en", 3),
        ("One two\n\nthree — four.", "en", 4),
        ("广州奖已举办五届。", "zh", 8),
        ("广州奖 Guangzhou Award 2022。", "zh", 6),
        ("广州奖 Guangzhou Award 2022。", None, 6),
        ("The Guangzhou Award (广州奖) is ten years old.", "en", 8),
        ("東京でラーメン", "ja", 7),
        # A token counts when it holds a letter or digit, wherever in the token.
        ("— | - ... “ ”", "en", 0),
        ("_ __ _-_", "en", 0),
        ("__init__ a_b _x x_ 2022 3.5% (Xinhua) “Hello,” ...and", "en", 9),
        ("Ünïcödé ÀÉ ß ½ ٣ ²", "en", 6),  # any script's letters and digits, ½ and ² too
        ("x广y 广-州 「广」", "zh", 6),  # ideographs split a token; their neighbours still count
        ("x广y 广-州 「广」", "en", 3),
        ("one\ttwo\u00a0three\u3000four\nfive", "en", 5),
    ],
)
def test_word_count(body, lang, expected):
    assert word_count(body, lang) == expected


def _tokens_with_a_letter_or_digit(text: str) -> int:
    return sum(any(char.isalnum() for char in token) for token in text.split())


def test_word_count_of_ascii_text_for_every_pair_of_characters():
    # ASCII text is counted by a byte translation: every character must land in the right
    # class (letter or digit, whitespace as str.split sees it, anything else), in any position.
    for a in map(chr, range(128)):
        for b in map(chr, range(128)):
            text = f"{a}{b} x{a}\t{b}{b}y {a}"
            assert word_count(text, "en") == _tokens_with_a_letter_or_digit(text), (a, b)


@given(st.text(alphabet=st.characters(max_codepoint=127)), st.sampled_from([None, "en", "zh"]))
def test_word_count_of_ascii_text(text, lang):
    assert word_count(text, lang) == _tokens_with_a_letter_or_digit(text)


def test_latin_words_of_ascii_text_for_every_character():
    for char in map(chr, range(128)):
        text = f"{char}The{char}AND x{char}{char}y {char}"
        assert _latin_words(text) == re.findall("[a-z]+", text.lower()), hex(ord(char))
    assert _latin_words("\u212a and İ") == ["k", "and", "i"]  # lower() makes ASCII of these


@given(st.text())
def test_latin_words_are_the_runs_of_a_to_z_lowered(text):
    assert _latin_words(text) == re.findall("[a-z]+", text.lower())


_IDEOGRAPH_OR_KANA = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\U00020000-\U0002ebef]"
)


@given(st.text(), st.sampled_from([None, "en", "zh"]))
def test_word_count_is_ideographs_plus_tokens_holding_a_letter_or_digit(body, lang):
    # The definition spelt out: each ideograph or kana is a word and splits its token (unless
    # the language is known not to be CJK); other tokens count when they hold a letter or digit.
    rest = body if lang == "en" else _IDEOGRAPH_OR_KANA.sub(" ", body)
    expected = (0 if lang == "en" else len(_IDEOGRAPH_OR_KANA.findall(body))) + sum(
        any(char.isalnum() for char in token) for token in rest.split()
    )
    assert word_count(body, lang) == expected


def test_aware_offsets_are_kept_exact():
    # A half-hour zone shows the offset is computed, not assumed to be whole hours.
    india = timezone(timedelta(hours=5, minutes=30))
    assert normalize_date(datetime(2022, 12, 21, 13, 12, 7, tzinfo=india)) == (
        "2022-12-21T15:42:07+08:00"
    )
