"""Generic article extractor: any page in, an Article out, with no site-specific rules.

The page is parsed once and walked once (``index_page``); metadata and dates are read first (they
live in ``<head>``, bylines and date lines that the body stage prunes), then the body stage prunes
chrome and picks the content, and the image stage keeps the images inside that content. Only a
page whose chrome rules left almost no text is parsed a second time, to retry without them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree

from crawler.extract import body as body_stage
from crawler.extract import dates as date_stage
from crawler.extract import images as image_stage
from crawler.extract import metadata
from crawler.extract.body import visible_size
from crawler.extract.html import parse_html
from crawler.extract.index import PageIndex, index_page
from crawler.extract.lang import body_lang
from crawler.items import Article

NAME = "generic"
HOSTS: tuple[str, ...] = ()
#: Below this much text (CJK counted double) the extraction is retried without chrome rules.
_RETRY_BELOW = 150


def _extract_body(
    body: etree._Element, index: PageIndex, headline: str | None, chrome: list[etree._Element]
) -> tuple[list[str], list[etree._Element], dict]:
    """Paragraphs, content elements and caption owners of one parsed page."""
    owners = image_stage.caption_owners(index.captions)
    # captions and short date/byline lines are not article text
    skip = set(index.captions) | {
        el for el in index.dated if visible_size(el) < date_stage.MAX_DATE_LINE
    }
    paragraphs, content = body_stage.extract_body(body, chrome, headline, skip)
    return paragraphs, content, owners


def _loose_body(
    html: str | bytes, headline: str | None
) -> tuple[list[str], list[etree._Element], dict] | None:
    """The body of a fresh parse extracted without chrome rules; None without a <body>."""
    root = parse_html(html)
    body = root.find("body") if root is not None else None
    if body is None:
        return None
    return _extract_body(body, index_page(body), headline, [])


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname or None
    except ValueError:  # a malformed URL still has a page worth extracting
        return None


def parse_article(html: str | bytes, url: str) -> Article:
    """Extract an Article from any HTML page (bytes: BOM, then UTF-8, then the declared charset)."""
    article = Article(url=url, site=_host(url), extractor=NAME)
    root = parse_html(html)
    if root is None:
        return article
    body = root.find("body")
    if body is None:
        body = root
    # JSON-LD lives in <script> elements, which pruning drops
    jsonld = date_stage.jsonld_objects(root)
    scripts = date_stage.script_texts(root)
    index = index_page(body)
    meta = metadata.meta_map(root)
    head_text = metadata.head_text(body)

    article.headline = metadata.headline(root, meta, jsonld, index.headings)
    dates = date_stage.DateFinder(root, url, jsonld, scripts, article.headline, index.dated).find()
    article.published_at, article.updated_at = dates.published, dates.updated
    article.date_raw = dates.raw
    article.byline = metadata.byline(root, meta, jsonld, head_text)
    article.source = metadata.source(meta, head_text)
    article.section = metadata.section(meta, index.breadcrumbs)
    article.canonical_url = metadata.canonical(root, meta, url)
    declared = metadata.declared_lang(root, meta)
    paragraphs, content, owners = _extract_body(body, index, article.headline, index.chrome)
    if body_stage.text_size(paragraphs) < _RETRY_BELOW:
        # chrome rules can hit the article's own wrapper ("section--ads"): retry without them
        loose = _loose_body(html, article.headline)
        if loose and body_stage.text_size(loose[0]) > body_stage.text_size(paragraphs):
            paragraphs, content, owners = loose
    article.body = "\n\n".join(paragraphs)
    article.lang = body_lang(declared, article.body)
    article.images = image_stage.article_images(owners, content, url, article.lang)
    article.images += image_stage.jsonld_images(jsonld, url, article.lang, article.images)
    return article
