"""`govnews demo` and `govnews extract`, run as users run them."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import DEMO_MIRROR, REPO

SEED_PATH = (
    "s/202212/21/WS63a2b8cf498e1f3c5a1f3b8c/"
    "guangzhou-award-promotes-multilateral-cooperation-among-global-cities.html"
)
SEED_URL = f"https://govt.chinadaily.com.cn/{SEED_PATH}"
HEADLINE = "Guangzhou Award promotes multilateral cooperation among global cities"
SEED_FILE = DEMO_MIRROR / "govt.chinadaily.com.cn" / SEED_PATH


def govnews(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "crawler.cli", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=180)


def test_demo_crawls_the_bundled_mirror_into_the_db(tmp_path):
    db = tmp_path / "demo.db"
    result = govnews("demo", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "articles: " in result.stdout
    conn = sqlite3.connect(db)
    urls = [u for (u,) in conn.execute("select url from articles")]
    assert SEED_URL in urls and len(urls) >= 3
    assert all(u.startswith(("https://govt.chinadaily.com.cn/", "http://govt.")) for u in urls)
    assert conn.execute("select count(*) from images").fetchone()[0] >= 3


def test_extract_prints_the_seed_article_as_json():
    result = govnews("extract", "--url", SEED_URL, str(SEED_FILE))
    assert result.returncode == 0, result.stderr[-2000:]
    (line,) = result.stdout.splitlines()
    record = json.loads(line)
    assert record["path"] == str(SEED_FILE)
    assert record["headline"] == HEADLINE
    assert record["published_at"] == "2022-12-21T15:42:07+08:00"
    assert record["extractor"] == "govt_chinadaily"
    assert [i["credit"] for i in record["images"]] == ["Southern Metropolis Daily"] * 3


def test_extract_manifest_reads_gzip_and_keeps_going_after_a_bad_page(tmp_path):
    (tmp_path / "seed.html.gz").write_bytes(gzip.compress(SEED_FILE.read_bytes()))
    (tmp_path / "broken.html.gz").write_bytes(b"not gzip at all")
    other = tmp_path / "other.html"
    other.write_text(
        "<html><head><title>Water rules tightened - Ministry of Water</title></head><body>"
        "<article><h1>Water rules tightened</h1>"
        + "<p>The ministry published new rules on water use for cities and farms today.</p>" * 6
        + "</article></body></html>",
        encoding="utf-8",
    )
    manifest = tmp_path / "pages.jsonl"
    manifest.write_text(
        "\n".join(
            json.dumps(entry)
            for entry in (
                {"path": "seed.html.gz", "url": SEED_URL},
                {"path": "broken.html.gz", "url": SEED_URL},
                {"path": "other.html", "url": "https://www.mwr.example.gov/news/1.html"},
            )
        )
    )
    result = govnews("extract", "--manifest", str(manifest))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    seed, broken, other_record = records
    assert seed["extractor"] == "govt_chinadaily"
    assert "error" in broken and broken["path"].endswith("broken.html.gz")
    assert other_record["extractor"] == "generic"
    assert other_record["headline"] == "Water rules tightened"
    assert result.returncode == 1  # one page failed, and the exit code says so
