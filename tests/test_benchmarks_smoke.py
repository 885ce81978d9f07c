"""Tiny runs of each benchmark, so that they cannot rot: no timing assertions, seconds each."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from benchmarks import crawl, extraction, extraction_diff, storage, synthetic
from crawler.parsers import govt_chinadaily
from crawler.spiders.govt_chinadaily import GovtChinadailySpider


def table_rows(output: str) -> dict[str, list[str]]:
    """First cell -> the other cells, for every markdown table row printed."""
    rows = {}
    for line in output.splitlines():
        if line.startswith("| ") and not line.startswith("|--"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def test_synthetic_pages_are_site_articles_of_realistic_size():
    for url, html in synthetic.pages(5):
        assert GovtChinadailySpider.is_article_url(url)
        assert synthetic.PAGE_BYTES[0] <= len(html.encode()) <= synthetic.PAGE_BYTES[1] * 1.1
        article = govt_chinadaily.parse_article(html, url)
        assert article.headline and article.body and article.images
        assert article.published_at and article.published_at.startswith(url.split("/")[4][:4])
        assert all(image.caption and image.credit for image in article.images)
        assert "Share - WeChat" not in article.body


def test_synthetic_mirror_links_every_article(tmp_path):
    start, urls = synthetic.write_mirror(tmp_path, 30)
    assert GovtChinadailySpider.is_list_url(start)
    site = tmp_path / synthetic.HOST
    listed = set()
    for page in site.joinpath("news").rglob("*.html"):
        listed |= set(re.findall(r'href="//govt\.chinadaily\.com\.cn(/s/[^"]+)"', page.read_text()))
    assert {u.removeprefix(synthetic.BASE) for u in urls} == listed
    assert (site / "robots.txt").is_file()


def test_synthetic_articles_have_three_images_and_both_languages():
    items = list(synthetic.articles(50))
    assert len({a.url for a in items}) == 50
    assert all(len(a.images) == 3 for a in items)
    assert {a.lang for a in items} == {"en", "zh"}


def test_the_mirror_server_serves_each_file_once_built_and_nothing_else(tmp_path):
    root = tmp_path / "mirror"
    (root / "host" / "news").mkdir(parents=True)
    (root / "host" / "news" / "index.html").write_bytes(b"<p>list</p>")
    (root / "host" / "a b.html").write_bytes("<p>été</p>".encode())
    (root / "host" / "robots.txt").write_bytes(b"User-agent: *")
    (tmp_path / "secret.txt").write_bytes(b"outside")
    (root / "host" / "link.txt").symlink_to(tmp_path / "secret.txt")

    def get(server: crawl.Server, path: str) -> tuple[int, str, bytes]:
        with urllib.request.urlopen(server.url + path) as response:
            return response.status, response.headers["Content-Type"], response.read()

    with crawl.Server(root) as server:
        assert get(server, "/host/news/") == (200, "text/html; charset=utf-8", b"<p>list</p>")
        assert get(server, "/host/news/index.html")[2] == b"<p>list</p>"
        assert get(server, "/host/a%20b.html?x=1")[2] == "<p>été</p>".encode()
        assert get(server, "/host/robots.txt")[1] == "text/plain; charset=utf-8"
        for missing in ("/host/news", "/host/link.txt", "/host/../../secret.txt", "/nope.html"):
            with pytest.raises(urllib.error.HTTPError) as error:
                get(server, missing)
            assert error.value.code == 404
        assert server.count() == 8


def test_crawl_benchmark_runs_every_side(capsys):
    assert crawl.main(["--articles", "20", "--repeat", "2"]) == 0
    output = capsys.readouterr().out
    assert re.search(r"round by round: \d+\.\d\d, \d+\.\d\d \(median \d+\.\d\d\)", output)
    rows = table_rows(output)
    assert rows["bare"][0] == rows["bare-scrapy"][0] == rows["govnews"][0]  # same pages fetched
    assert rows["govnews"][-1] == "20"  # every article stored


def test_worker_diff_saves_then_finds_no_difference(tmp_path, capsys):
    mirror = tmp_path / "mirror"
    synthetic.write_mirror(mirror, 4)
    run = ["--worker", "--sources", "demo,mirror", "--mirror", str(mirror), "--mirror-pages", "2"]
    assert extraction_diff.main([*run, "--save", str(tmp_path / "base")]) == 0
    saved = json.loads((tmp_path / "base" / "worker-mirror.json").read_text())
    assert len(saved) == 2 * len(extraction_diff.CONTENT_TYPES)
    assert {output["path"] for output in saved.values()} == {"site"}
    assert extraction_diff.main([*run, "--compare", str(tmp_path / "base")]) == 0
    assert "worker-demo: 0 of" in capsys.readouterr().out


def test_storage_benchmark_ingests_searches_and_exports(capsys):
    assert storage.main(["--articles", "60", "--repeat", "2"]) == 0
    out = capsys.readouterr().out
    rows = table_rows(out)
    assert rows["ArticleWriter.write"][0] == "60"
    assert rows["re-crawl, unchanged"][0] == "6"
    for _, query in storage.QUERIES:
        assert f"| {query} " in out
    assert "60" in rows  # the whole-database export row


def test_extraction_benchmark_compares_with_trafilatura(capsys):
    pytest.importorskip("trafilatura")
    assert extraction.main(["--pages", "3"]) == 0
    rows = table_rows(capsys.readouterr().out)
    assert rows["trafilatura"][1] == "1.00"
    assert rows["site parser"][-1] == "3/3"


def test_profile_names_the_parser():
    pytest.importorskip("pyinstrument")
    pages = [
        extraction.Page(id=str(i), url=url, html=html.encode())
        for i, (url, html) in enumerate(synthetic.pages(2))
    ]
    assert "parse_article" in extraction.profile(pages)
