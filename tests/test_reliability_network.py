"""Network faults: slow, failing, truncated and redirecting pages cost themselves, never the crawl.

One real ``scrapy crawl govt_chinadaily`` per scenario against :mod:`tests.faultserver`; each
fault page must be stored (when a retry can save it) or logged and counted with its reason.
"""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from crawler.middlewares import RedirectGuardMiddleware
from tests.faultserver import (
    HOST,
    OFFSITE_HOST,
    SCENARIOS,
    SLOW_SECONDS,
    CrawlRun,
    FaultServer,
    Page,
    crawl,
    list_url,
)

NETWORK = {page.fault: page for page in SCENARIOS["network"]}
TIMEOUT = {page.fault: page for page in SCENARIOS["timeout"]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with FaultServer(tmp_path_factory.mktemp("faults") / "access.log") as running:
        yield running


PAGES = SCENARIOS["network"] + SCENARIOS["timeout"]
START_URLS = [list_url("network"), list_url("timeout")] + [p.url for p in PAGES if p.start]


@pytest.fixture(scope="module")
def network(server: FaultServer, tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    # One crawl for all of them; a small timeout (2 s) lets the slow pages fail fast.
    tmp = tmp_path_factory.mktemp("network")
    run = crawl(server, tmp, START_URLS, "-s", f"DOWNLOAD_TIMEOUT={SLOW_SECONDS / 2:g}")
    assert run.returncode == 0, run.log[-3000:]
    return run


def fetches(server: FaultServer, page: Page) -> int:
    return server.fetch_count(page.path)


def lost_line(run: CrawlRun, page: Page, reason: str) -> bool:
    """The crawl log has the WARNING naming this page and why it was lost."""
    return f"WARNING: Lost article {page.url} ({reason})" in run.log


def test_every_network_fault_is_stored_or_counted(network: CrawlRun) -> None:
    assert network.lost(PAGES) == []
    assert network.stats["finish_reason"] == "finished"


def test_503_is_retried_and_the_article_stored(network: CrawlRun, server: FaultServer) -> None:
    page = NETWORK["503 then 200"]
    assert page.url in network.stored
    assert fetches(server, page) == 2
    assert network.stats["retry/reason_count/503 Service Unavailable"] == 1


@pytest.mark.parametrize("status", [404, 410])
def test_404_and_410_are_not_retried_but_counted(
    network: CrawlRun, server: FaultServer, status: int
) -> None:
    page = NETWORK[str(status)]
    assert fetches(server, page) == 1
    assert network.stats[f"govnews/dropped/http_{status}"] == 1
    assert lost_line(network, page, f"http_{status}")


def test_a_connection_dropped_mid_body_is_retried(network: CrawlRun, server: FaultServer) -> None:
    once, always = (
        NETWORK["connection dropped mid-body, once"],
        NETWORK["connection dropped mid-body, always"],
    )
    assert once.url in network.stored and fetches(server, once) == 2
    # RETRY_TIMES = 2: three attempts, then the page is given up with its reason.
    assert always.url not in network.stored and fetches(server, always) == 3
    assert lost_line(network, always, "data_loss")


def test_a_body_shorter_than_its_content_length_is_never_stored(network: CrawlRun) -> None:
    # DOWNLOAD_FAIL_ON_DATALOSS: without it the first 60 % of the page would be parsed and
    # stored as if it were the whole article.
    page = NETWORK["Content-Length lies (truncated body)"]
    assert page.url not in network.stored
    assert lost_line(network, page, "data_loss")


def test_a_redirect_loop_is_dropped_with_its_chain(network: CrawlRun) -> None:
    page = NETWORK["redirect loop A -> B -> A"]
    hop = NETWORK["redirect loop (hop B)"]
    assert not {page.url, hop.url} & network.stored
    assert lost_line(network, page, "redirect_loop")
    assert f"{page.url} -> {hop.url} -> {page.url}" in network.log


def test_a_followed_link_redirecting_offsite_is_not_fetched(
    network: CrawlRun, server: FaultServer
) -> None:
    page = NETWORK["redirect to another host (followed link)"]
    assert not any(path.startswith(f"/{OFFSITE_HOST}/") for path in server.fetched())
    assert lost_line(network, page, "offsite_redirect")
    assert network.stats["offsite/filtered"] >= 1


@pytest.mark.parametrize(
    ("fault", "kind", "family"),
    [("list page", "page", "failed"), ("article", "article", "dropped")],
)
def test_a_start_url_redirecting_offsite_is_not_fetched(
    network: CrawlRun, server: FaultServer, fault: str, kind: str, family: str
) -> None:
    # Stock Scrapy fetches these: start requests are dont_filter=True and redirects inherit it.
    page = NETWORK[f"{fault} redirecting to another host (start URL)"]
    assert not any(path.startswith(f"/{OFFSITE_HOST}/") for path in server.fetched())
    assert f"WARNING: Lost {kind} {page.url} (offsite_redirect)" in network.log
    assert network.stats[f"govnews/{family}/offsite_redirect"] >= 1


def _redirected(url: str, *, dont_filter: bool) -> Request:
    start = f"https://{HOST}/news/"
    return Request(url, dont_filter=dont_filter, meta={"redirect_urls": [start]})


@pytest.mark.parametrize("dont_filter", [True, False])
def test_redirect_guard_drops_offsite_redirects_even_when_dont_filter(dont_filter: bool) -> None:
    crawler = get_crawler(Spider)
    crawler.spider = crawler._create_spider(name="site", allowed_domains=[HOST])
    guard = RedirectGuardMiddleware.from_crawler(crawler)
    guard.spider_opened(crawler.spider)
    offsite = _redirected(f"https://{OFFSITE_HOST}/news/", dont_filter=dont_filter)
    with pytest.raises(IgnoreRequest, match="offsite_redirect"):
        guard.process_request(offsite)
    assert (
        guard.process_request(_redirected(f"https://{HOST}/news/a.html", dont_filter=True)) is None
    )
    assert crawler.stats.get_value("govnews/failed/offsite_redirect") == 1
    # The gap it closes: the stock offsite check lets a dont_filter redirect through.
    stock = OffsiteMiddleware.from_crawler(crawler)
    stock.spider_opened(crawler.spider)
    if dont_filter:
        assert stock.process_request(offsite) is None


def test_redirect_guard_catches_a_loop_before_the_dupefilter_hides_it() -> None:
    crawler = get_crawler(Spider)
    crawler.spider = crawler._create_spider(name="site", allowed_domains=[HOST])
    guard = RedirectGuardMiddleware.from_crawler(crawler)
    guard.spider_opened(crawler.spider)
    a, b = f"https://{HOST}/a.html", f"https://{HOST}/b.html"
    with pytest.raises(IgnoreRequest, match="redirect_loop"):
        guard.process_request(Request(a, meta={"redirect_urls": [a, b]}))


def test_a_page_slower_than_the_download_timeout_is_retried_then_counted(
    network: CrawlRun, server: FaultServer
) -> None:
    slow = TIMEOUT[f"slower than DOWNLOAD_TIMEOUT ({SLOW_SECONDS:g} s), always"]
    assert fetches(server, slow) == 3
    assert lost_line(network, slow, "timeout")
    assert network.stats["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] == 3
    # Saved by the retry: the second attempt was fast.
    saved = TIMEOUT[f"slower than DOWNLOAD_TIMEOUT ({SLOW_SECONDS:g} s) once, then fast"]
    assert saved.url in network.stored
    assert fetches(server, saved) == 2
