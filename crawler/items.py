"""The one Article schema shared by parsers, pipelines and storage.

Field names are the SQLite column names (see ``docs/schema.md``). Parsers fill what the page
says; the pipelines normalise, validate and stamp the crawl fields; storage writes them.
Scrapy handles these dataclasses as items through ``itemadapter``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Image:
    """One image of an article, in page order."""

    src: str
    alt: str | None = None
    alt_lang: str | None = None
    caption: str | None = None
    caption_lang: str | None = None
    credit: str | None = None


@dataclass
class Article:
    """A news article as extracted from one page (or several pages of one article)."""

    url: str
    headline: str | None = None
    canonical_url: str | None = None
    site: str | None = None
    spider: str | None = None
    section: str | None = None
    subtitle: str | None = None
    byline: str | None = None
    source: str | None = None
    editor: str | None = None
    #: ISO 8601 with offset (``2022-12-21T15:42:07+08:00``), or ``YYYY-MM-DD`` when only
    #: the day is known.
    published_at: str | None = None
    updated_at: str | None = None
    #: The date text as the page shows it, before parsing.
    date_raw: str | None = None
    #: Paragraphs separated by one blank line.
    body: str = ""
    lang: str | None = None
    word_count: int | None = None
    content_hash: str | None = None
    #: Which parser produced the article, e.g. ``govt_chinadaily`` or ``generic``.
    extractor: str | None = None
    images: list[Image] = field(default_factory=list)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        data = dict(data)
        images = [img if isinstance(img, Image) else Image(**img) for img in data.pop("images", [])]
        known = {f for f in cls.__dataclass_fields__}
        return cls(images=images, **{k: v for k, v in data.items() if k in known})


#: Columns filled by the crawl, not by a parser.
CRAWL_FIELDS = ("first_seen", "last_seen", "crawl_id")
