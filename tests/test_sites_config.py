"""Sites by configuration: sites.toml -> spiders, the selector parser, two shipped portals."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.parsers import ParseError, configured, parse_page, parse_with_fallback
from crawler.parsers.configured import SiteConfig, SiteConfigError, load_sites, parse_configured
from crawler.spiders import configured as configured_spiders
from tests.conftest import REPO
from tests.mirror_cases import (
    assert_fields,
    crawl,
    expected_of,
    expected_pages,
    page_html,
    page_url,
    rows,
    stored_article,
)

SITES = {site.name: site for site in load_sites()}
HOSTS = {"english_beijing": "english.beijing.gov.cn", "english_shanghai": "english.shanghai.gov.cn"}
PAGES = [(name, page) for name, host in HOSTS.items() for page in expected_pages(host)]
DOCS = REPO / "docs" / "sites.md"


def test_shipped_sites_load():
    assert set(HOSTS) <= set(SITES)
    for name, host in HOSTS.items():
        assert SITES[name].allowed_domains == (host,)
        assert configured.HOSTS.count(host) == 1


def test_scrapy_list_shows_each_configured_site_once():
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    names = result.stdout.split()
    for name in SITES:
        assert names.count(name) == 1
    assert "several spiders with the same name" not in result.stderr


def test_each_site_is_a_news_spider_class_of_the_configured_module():
    spider = configured_spiders.EnglishBeijingSpider
    assert spider.__module__ == "crawler.spiders.configured"
    assert spider.name == "english_beijing"
    assert spider.allowed_domains == ["english.beijing.gov.cn"]
    assert spider.timezone == "Asia/Shanghai"
    assert spider.is_article_url(
        "https://english.beijing.gov.cn/latest/news/202601/t20260112_4523012.html"
    )
    assert spider.is_list_url("https://english.beijing.gov.cn/latest/news/index_1.html")
    assert not spider.is_article_url("https://english.beijing.gov.cn/latest/news/")
    shanghai = configured_spiders.EnglishShanghaiSpider
    assert shanghai.is_article_url(
        "https://english.shanghai.gov.cn/en-FAQs-StudyinShanghai/20231211/"
        "a58d0c3e9b7f41d2a6e5c4b3f2e1d0c9.html"
    )
    assert not shanghai.is_article_url("https://english.shanghai.gov.cn/en-Latest-WhatsNew/a.html")


# --- the parser against the fixture pages ---------------------------------------------------


def test_fixtures_cover_both_sites_with_and_without_images():
    for name in HOSTS:
        pages = [p for n, p in PAGES if n == name]
        assert len(pages) >= 3
        assert any(expected_of(p)["images"] for p in pages)
        assert any(not expected_of(p)["images"] for p in pages)


@pytest.mark.parametrize(("name", "page"), PAGES, ids=lambda v: getattr(v, "name", v))
def test_parser_matches_expected_fields(name, page):
    article = parse_configured(page_html(page), page_url(page), SITES[name])
    assert_fields(article, expected_of(page))
    assert article.extractor == f"configured:{name}"
    # The registry reaches the same parser by host (e.g. for `govnews extract`).
    assert parse_page(page_html(page), page_url(page)) == article


@pytest.mark.parametrize(("name", "page"), PAGES, ids=lambda v: getattr(v, "name", v))
def test_drop_selectors_and_captions_keep_chrome_out_of_the_body(name, page):
    body = parse_configured(page_html(page), page_url(page), SITES[name]).body
    for chrome in ("Editor:", "Share", "Updated:", "Source:", "[Photo/", "(Photo:", "Copyright"):
        assert chrome not in body


def test_unconfigured_fields_come_from_the_generic_extractor():
    # english_shanghai has no date selector: the date is the generic extractor's, in +08:00.
    page = next(p for n, p in PAGES if n == "english_shanghai")
    article = parse_configured(page_html(page), page_url(page), SITES["english_shanghai"])
    assert SITES["english_shanghai"].selectors.date is None
    assert article.published_at == expected_of(page)["published_at"]
    assert article.published_at.endswith("+08:00")


# --- layout drift and missing pieces --------------------------------------------------------


def _article_page(name: str) -> tuple[str, str]:
    page = next(p for n, p in PAGES if n == name)
    return page_html(page), page_url(page)


def test_a_headline_selector_that_matches_nothing_falls_back_loudly():
    html, url = _article_page("english_beijing")
    drifted = html.replace('<div class="article">', '<div class="story">')
    site = SITES["english_beijing"]
    with pytest.raises(ParseError, match="headline selector"):
        parse_configured(drifted, url, site)
    article, path = parse_with_fallback(drifted, url, configured.parser_for(site))
    assert path == "fallback"
    assert article.extractor == "generic"
    assert article.headline and article.body


def test_without_a_generic_extractor_a_site_needs_headline_and_body_selectors(monkeypatch):
    html, url = _article_page("english_shanghai")
    monkeypatch.setattr(configured, "generic_parser", lambda: None)
    bare = SiteConfig(
        name="bare",
        allowed_domains=("english.shanghai.gov.cn",),
        start_urls=("https://english.shanghai.gov.cn/",),
        article_url_pattern=r"\.html$",
    )
    with pytest.raises(ParseError, match="needs headline and body selectors"):
        parse_configured(html, url, bare)
    article = parse_configured(html, url, SITES["english_shanghai"])
    assert article.headline and article.body
    assert article.published_at is None  # nothing to fill it from


# --- sites.toml validation ------------------------------------------------------------------

MINIMAL = """
[[site]]
name = "example_gov"
allowed_domains = ["www.example.gov"]
start_urls = ["https://www.example.gov/news/"]
article_url_pattern = '^https://www\\.example\\.gov/news/\\d+\\.html$'
"""


def write_sites(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(text)
    return path


def test_a_minimal_entry_is_enough(tmp_path):
    (site,) = load_sites(write_sites(tmp_path, MINIMAL))
    assert site.timezone == "Asia/Shanghai"
    assert site.selectors == configured.Selectors()
    spider = configured_spiders.spider_class(site)
    assert spider.name == "example_gov"
    assert spider.__name__ == "ExampleGovSpider"
    assert spider.list_url_re is None
    assert spider.is_article_url("https://www.example.gov/news/12.html")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('name = "example_gov"', 'name = "Example-Gov"'), "lower-case"),
        (("start_urls", "start_url"), "unknown keys"),
        (('start_urls = ["https', 'start_urls = ["ftp'), "http"),
        (("article_url_pattern = '^", "article_url_pattern = '(^"), "regular expression"),
        (("allowed_domains", "allowed_domain"), "unknown keys"),
        (("", '\ntimezone = "Mars/Olympus"'), "timezone"),
        (("", '\n[site.selectors]\nheadline = "h1::"'), "CSS selector"),
        (("", '\n[site.selectors]\nheadlines = "h1"'), "unknown selectors"),
        (("", '\n[site.selectors]\ndrop = "div.share"'), "drop"),
    ],
)
def test_bad_entries_are_rejected_with_a_message(tmp_path, change, message):
    old, new = change
    text = MINIMAL.replace(old, new, 1) if old else MINIMAL + new
    with pytest.raises(SiteConfigError, match=re.escape(message)):
        load_sites(write_sites(tmp_path, text))


def test_duplicate_names_and_broken_toml_are_rejected(tmp_path):
    with pytest.raises(SiteConfigError, match="duplicate"):
        load_sites(write_sites(tmp_path, MINIMAL + MINIMAL))
    with pytest.raises(SiteConfigError):
        load_sites(write_sites(tmp_path, "[[site]\nname ="))


def test_a_configured_name_may_not_shadow_a_spider_module():
    site = SiteConfig("gov_cn", ("www.gov.cn",), ("https://www.gov.cn/",), r"\.htm$")
    with pytest.raises(SiteConfigError, match="spider module"):
        configured_spiders.spider_class(site)


def test_the_docs_example_is_a_valid_entry(tmp_path):
    blocks = re.findall(r"```toml\n(.*?)```", DOCS.read_text(), re.DOTALL)
    assert blocks, "docs/sites.md has no ```toml example"
    (site,) = load_sites(write_sites(tmp_path, blocks[0]))
    assert site.name not in SITES  # an example, not a shipped site


# --- crawls -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTS)
def test_crawl_follows_the_lists_and_stores_every_article(name, tmp_path, mirror_server):
    server = mirror_server()
    db = tmp_path / "govnews.db"
    crawl(name, db, server.url)
    pages = [p for n, p in PAGES if n == name]
    assert {r["url"] for r in rows(db, "select url from articles")} == {page_url(p) for p in pages}
    for page in pages:
        stored = stored_article(db, page_url(page))
        assert_fields(stored, expected_of(page))
        assert stored["spider"] == name
    fetched = server.fetched()
    assert all(path.startswith(f"/{HOSTS[name]}/") for path in fetched), fetched
    (run,) = rows(db, "select * from crawls")
    assert run["site_parsed"] == len(pages)
    assert run["fallback_parsed"] == 0
