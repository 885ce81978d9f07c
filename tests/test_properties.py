"""Property tests: random and mutated pages never crash a parser or a normaliser.

Every site parser in the registry (``crawler.parsers.SITE_MODULES``, so a new site is covered
the day it is registered), the generic extractor and every public function of
``crawler/normalize.py`` get random text, HTML-ish soup and real pages with random damage
(cuts, insertions, duplicated or deleted runs, NULs and control characters). A parser may refuse a
page with ``ParseError``; anything else escaping is a bug, and what comes back must keep the
types ``crawler.items`` declares. Examples are bounded so the module runs in well under 60 s.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from crawler import normalize
from crawler.items import Article, Image
from crawler.parsers import SITE_MODULES, ParseError, generic_parser, parse_with_fallback
from tests.conftest import DEMO_MIRROR, TEST_MIRROR
from tests.faultserver import PARAGRAPHS, article_html

PROPERTY_SETTINGS = settings(
    max_examples=50,
    deadline=None,  # real pages through lxml: seconds on a loaded CI box are not a bug
    database=None,  # no .hypothesis/ directory in the working tree
    derandomize=True,  # the same examples on every run: CI fails on code changes, not on luck
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Seed pages are cut to this many characters: enough for a whole article template.
SEED_CHARS = 60_000


def _parsers() -> list[tuple[str, Callable[[str, str], Article], tuple[str, ...]]]:
    found = []
    for name in SITE_MODULES:
        module = importlib.import_module(f"crawler.parsers.{name}")
        found.append((name, module.parse_article, tuple(module.HOSTS)))
    generic = generic_parser()
    if generic is not None:
        found.append(("generic", generic, ("example.org",)))
    return found


PARSERS = _parsers()


def _seed_pages() -> list[str]:
    """Real pages of every site (the test and demo mirrors) plus a generated article."""
    files = [
        path
        for root in (TEST_MIRROR, DEMO_MIRROR)
        if root.is_dir()
        for path in sorted(root.rglob("*"))
        if path.suffix in {".html", ".htm", ".shtml"}
    ]
    pages = [path.read_bytes().decode("utf-8", "replace")[:SEED_CHARS] for path in files]
    return [article_html(1), *pages]


SEEDS = _seed_pages()

# Any character but lone surrogates: Scrapy decodes bodies with replacement, so none reaches a
# parser. Control characters do (a \x0b pasted from Word used to crash the CMS parsers).
_CHARS = st.characters(exclude_categories=("Cs",))
_TAGS = ["p", "div", "span", "a", "img", "h1", "h2", "table", "td", "form", "script", "meta", "br"]
_ATTRS = ["id='Content'", "class='info_l'", "src='a.jpg'", "href='/x'", "charset='gbk'", ""]


@st.composite
def soup(draw: st.DrawFn) -> str:
    """HTML-ish text: random tags (often unclosed), attributes, entities and text."""
    parts = draw(
        st.lists(
            st.one_of(
                st.builds(
                    lambda t, a: f"<{t} {a}>", st.sampled_from(_TAGS), st.sampled_from(_ATTRS)
                ),
                st.builds(lambda t: f"</{t}>", st.sampled_from(_TAGS)),
                st.sampled_from(["&amp;", "&#0;", "&#x110000;", "&lol;", "<!--", "]]>", "<?xml?>"]),
                st.text(_CHARS, max_size=40),
            ),
            max_size=60,
        )
    )
    return "".join(parts)


@st.composite
def mutated_page(draw: st.DrawFn) -> str:
    """A real page with a few random edits."""
    page = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(page)))
        j = draw(st.integers(i, min(len(page), i + 5_000)))
        edit = draw(st.sampled_from(["cut", "delete", "insert", "duplicate"]))
        if edit == "cut":
            page = page[:i]
        elif edit == "delete":
            page = page[:i] + page[j:]
        elif edit == "insert":
            stray = ["\x00", "\x0b", "\ufeff", "\u3000", "<" * 50]
            junk = draw(st.one_of(soup(), st.sampled_from(stray)))
            page = page[:i] + junk + page[i:]
        else:
            page = page[:j] + page[i:j] + page[j:]
    return page


pages = st.one_of(mutated_page(), soup(), st.text(_CHARS, max_size=500))


def check_type(value: Any, hint: Any, where: str) -> None:
    """``value`` matches the type hint (unions, ``list[X]``, dataclasses, plain classes)."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        for option in typing.get_args(hint):
            try:
                check_type(value, option, where)
                return
            except AssertionError:
                continue
        raise AssertionError(f"{where}: {value!r:.80} matches none of {hint}")
    if origin is list:
        assert isinstance(value, list), f"{where}: {type(value).__name__} is not a list"
        for i, element in enumerate(value):
            check_type(element, typing.get_args(hint)[0], f"{where}[{i}]")
        return
    if origin is tuple:
        args = typing.get_args(hint)
        assert isinstance(value, tuple) and len(value) == len(args), f"{where}: {value!r:.80}"
        for i, (element, arg) in enumerate(zip(value, args, strict=True)):
            check_type(element, arg, f"{where}[{i}]")
        return
    if hint is type(None):
        assert value is None, f"{where}: {value!r:.80} is not None"
        return
    assert isinstance(value, hint), f"{where}: {type(value).__name__} is not {hint.__name__}"
    if dataclasses.is_dataclass(hint):
        for name, field_hint in typing.get_type_hints(hint).items():
            check_type(getattr(value, name), field_hint, f"{where}.{name}")


@pytest.mark.parametrize(("name", "parse", "hosts"), PARSERS, ids=[p[0] for p in PARSERS])
@PROPERTY_SETTINGS
@given(html=pages, data=st.data())
def test_parsers_return_an_article_or_refuse_the_page(
    name: str,
    parse: Callable[[str, str], Article],
    hosts: tuple[str, ...],
    html: str,
    data: st.DataObject,
) -> None:
    host = data.draw(st.sampled_from(hosts), label="host")
    url = f"https://{host}/s/202401/05/WS659769a80000000000000064.html"
    try:
        article = parse(html, url)
    except ParseError:
        return
    check_type(article, Article, name)
    assert all(isinstance(image, Image) for image in article.images)


#: A real-looking article with a vertical tab (pasted from Word) right after a chrome element.
CONTROL_CHAR_PAGE = article_html(
    1, body_html="<script>var x;</script>\x0b" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
)


@pytest.mark.parametrize(("name", "parse", "hosts"), PARSERS, ids=[p[0] for p in PARSERS])
def test_a_control_character_after_page_chrome_costs_nothing(
    name: str, parse: Callable[[str, str], Article], hosts: tuple[str, ...]
) -> None:
    try:
        article = parse(CONTROL_CHAR_PAGE, f"https://{hosts[0]}/s/202401/05/WS659769a8.html")
    except ParseError:
        return
    check_type(article, Article, name)


@PROPERTY_SETTINGS
@given(html=pages)
def test_the_fallback_chain_returns_an_article_or_refuses_the_page(html: str) -> None:
    name, parse, hosts = PARSERS[0]
    try:
        article, path = parse_with_fallback(html, f"https://{hosts[0]}/s/a.html", parse)
    except ParseError:
        return
    check_type(article, Article, name)
    assert path in ("site", "fallback")


# --- Normalisers -------------------------------------------------------------------------

#: Arguments by parameter name where any text would not make sense (an IANA zone name).
_NAMED = {"tz": st.sampled_from(["Asia/Shanghai", "UTC", "America/New_York"])}
_URLS = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda scheme, host, path: f"{scheme}://{host}/{path}",
        st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
        st.sampled_from(["www.gov.cn", "[::1", "a..b", "xn--", "例子.中国", "host:99999", ""]),
        st.text(max_size=40),
    ),
)
_TEXTS = st.one_of(
    st.text(max_size=200),
    mutated_page().map(lambda page: page[:500]),
    st.sampled_from(["2024年01月05日 10:30", "Updated: Jan 5, 2024", "0000-00-00", "9999-99-99"]),
)


def _strategy(name: str, hint: Any) -> st.SearchStrategy[Any]:
    if name in _NAMED:
        return _NAMED[name]
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        return st.one_of(*(_strategy(name, option) for option in typing.get_args(hint)))
    if "url" in name and hint is str:
        return _URLS
    strategies = {
        str: _TEXTS,
        int: st.integers(),
        type(None): st.none(),
        datetime: st.datetimes(timezones=st.none() | st.timezones()),
        date: st.dates(),
    }
    return strategies[hint]


def _normalisers() -> list[tuple[str, Callable[..., Any]]]:
    return [
        (name, func)
        for name, func in inspect.getmembers(normalize, inspect.isfunction)
        if not name.startswith("_") and func.__module__ == normalize.__name__
    ]


NORMALISERS = [pytest.param(name, func, id=name) for name, func in _normalisers()]


def test_every_normaliser_is_covered() -> None:
    # The strategies are built from type hints: a new function needs nothing but its hints.
    names = {param.values[0] for param in NORMALISERS}
    assert {"normalize_text", "normalize_date", "canonicalize_url"} <= names


@pytest.mark.parametrize(("name", "func"), NORMALISERS)
# No shrinking: a failure would spend half a minute minimising itself.
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    report_multiple_bugs=False,
)
@given(data=st.data())
def test_normalisers_accept_anything_and_keep_their_types(
    name: str, func: Callable[..., Any], data: st.DataObject
) -> None:
    hints = typing.get_type_hints(func)
    kwargs = {
        param: data.draw(_strategy(param, hints[param]), label=param)
        for param in inspect.signature(func).parameters
    }
    check_type(func(**kwargs), hints["return"], f"{name}()")


def test_seed_pages_include_real_pages() -> None:
    assert len(SEEDS) > 1, f"no mirror pages found under {TEST_MIRROR} or {DEMO_MIRROR}"
