"""NormalizePipeline: one clean form for every article, whichever parser produced it.

Text fields get NFC and whitespace cleanup, dates become ISO 8601 in the spider's timezone, the
URL a canonical form, and missing languages, word count and content hash are filled in. Values a
parser already decided (``lang``, ``alt_lang``) are kept: the site parser knows its site.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from crawler.items import Article, Image
from crawler.normalize import (
    DEFAULT_TZ,
    canonicalize_url,
    detect_lang,
    hash_normalized,
    normalize_body,
    normalize_date,
    normalize_text,
    script_lang,
    word_count,
)
from crawler.workers import WorkerPool
from pipelines.validate import count_drop

_TEXT_FIELDS = ("headline", "site", "spider", "section", "subtitle", "byline", "source", "editor",
                "date_raw", "lang", "extractor")  # fmt: skip
_DATE_FIELDS = ("published_at", "updated_at")


def _image(image: Image) -> Image | None:
    src = canonicalize_url(image.src)
    if src is None:  # an unusable src costs the image, never the article
        return None
    alt = normalize_text(image.alt)
    caption = normalize_text(image.caption)
    return Image(
        src=src,
        alt=alt,
        alt_lang=image.alt_lang or script_lang(alt),
        caption=caption,
        caption_lang=image.caption_lang or script_lang(caption),
        credit=normalize_text(image.credit),
    )


#: Attribute set on what :func:`normalize_article` returns. Not a field: not stored, compared or
#: exported, and a changed copy (``dataclasses.replace``) does not have it; it survives pickling,
#: so an article normalised in a worker comes back marked.
_NORMALIZED = "_govnews_normalized"


def is_normalized(item: Any) -> bool:
    """True for an article as :func:`normalize_article` returned it (normalising it again would
    change nothing): the pipeline passes it on as it is."""
    return isinstance(item, Article) and vars(item).get(_NORMALIZED, False)


def normalize_article(article: Article, tz: str = DEFAULT_TZ) -> Article:
    """A normalised copy of an article (pure; the pipeline is a thin wrapper).

    The copy is marked (:func:`is_normalized`): change it only through ``dataclasses.replace``.
    """
    changes: dict = {name: normalize_text(getattr(article, name)) for name in _TEXT_FIELDS}
    changes.update({name: normalize_date(getattr(article, name), tz) for name in _DATE_FIELDS})
    body = normalize_body(article.body or "")
    lang = changes["lang"] or detect_lang(body)
    changes.update(
        url=article.url.strip(),
        canonical_url=canonicalize_url(article.canonical_url or "")
        or canonicalize_url(article.url)
        or article.url,
        body=body,
        lang=lang,
        word_count=word_count(body, lang),
        # Headline and body are normalised just above: hashing need not redo it.
        content_hash=hash_normalized(changes["headline"], body),
        images=[img for img in map(_image, article.images or []) if img is not None],
    )
    normalized = dataclasses.replace(article, **changes)
    vars(normalized)[_NORMALIZED] = True
    return normalized


class NormalizePipeline:
    """Normalise every item (an Article, or any item with Article's fields) into an Article.

    ``NewsSpider`` normalises its articles in the worker process that parses them, in the same
    round trip (crawler/spiders/base.py): those are passed on as they are. Any other item is
    normalised in the crawl's worker processes too (``GOVNEWS_WORKERS``, crawler/workers.py):
    normalising is pure and costs about as much as storing.
    """

    def __init__(self, crawler: Crawler, workers: WorkerPool | None = None) -> None:
        self.crawler = crawler
        self.workers = workers or WorkerPool(0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler, WorkerPool.from_crawler(crawler))

    def _timezone(self) -> str:
        return getattr(self.crawler.spider, "timezone", None) or DEFAULT_TZ

    async def process_item(self, item: Any) -> Article:
        if is_normalized(item):
            return item
        try:
            if not isinstance(item, Article):
                item = Article.from_dict(ItemAdapter(item).asdict())
            return await self.workers.run(normalize_article, item, self._timezone())
        except Exception as exc:  # an odd item is dropped and counted; the crawl goes on
            url = ItemAdapter(item).get("url") if ItemAdapter.is_item(item) else None
            raise count_drop(self.crawler, "invalid_item", url, repr(exc)) from exc
