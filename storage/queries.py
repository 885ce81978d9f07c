"""Read the govnews database: known URLs, one article, full-text search, streaming export.

Everything here only reads, so it works on a ``connect(path, readonly=True)`` database as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import sqlite_utils

#: Column order of :func:`iter_articles` rows (the ``articles`` table order, pinned so exports
#: keep their field order even if a later migration appends columns).
ARTICLE_COLUMNS = (
    "id", "url", "canonical_url", "site", "spider", "section", "headline", "subtitle", "byline",
    "source", "editor", "published_at", "updated_at", "date_raw", "body", "lang", "word_count",
    "content_hash", "extractor", "first_seen", "last_seen", "crawl_id",
)  # fmt: skip
IMAGE_COLUMNS = ("position", "src", "alt", "alt_lang", "caption", "caption_lang", "credit")
#: Keys of each :func:`search` result.
SEARCH_COLUMNS = ("id", "url", "site", "headline", "published_at", "lang", "snippet", "rank")
#: Markers around the matched text in search snippets, and the elision mark.
HIGHLIGHT = ("[", "]")
ELLIPSIS = "…"
#: The trigram tokenizer cannot match terms shorter than this; they are searched with LIKE.
TRIGRAM = 3
#: A match in the headline counts this many times a match in the body.
_HEADLINE_WEIGHT = 10.0
_SNIPPET_CHARS = 40


def known_urls(db: sqlite_utils.Database, spider: str | None = None) -> set[str]:
    """Every stored ``url`` and ``canonical_url`` (of ``spider``'s articles if given).

    An incremental crawl skips an article link found in this set (check the link as found and
    its canonical form: a row keeps the URL it was first stored under).
    """
    where, params = ("where spider = ?", [spider]) if spider else ("", [])
    urls: set[str] = set()
    for url, canonical_url in db.execute(
        f"select url, canonical_url from articles {where}", params
    ):
        urls.add(url)
        if canonical_url:
            urls.add(canonical_url)
    return urls


def revalidation_targets(
    db: sqlite_utils.Database, since: str, spider: str | None = None
) -> dict[str, tuple[str | None, str | None]]:
    """Stored articles to fetch again: published on or after ``since`` (or, undated, first
    seen then), of ``spider`` if given. Maps each one's ``url`` and ``canonical_url`` to the
    ``(etag, last_modified)`` its page was last served with (``None`` when unknown).
    """
    sql = """
        select a.url, a.canonical_url, v.etag, v.last_modified
        from articles a
        left join page_validators v on v.url in (a.url, a.canonical_url)
        where coalesce(a.published_at, a.first_seen) >= :since
    """
    params: dict[str, Any] = {"since": since}
    if spider:
        sql += " and a.spider = :spider"
        params["spider"] = spider
    # When a page was fetched under both of its URLs, the newest validators win.
    sql += " order by v.fetched_at"
    targets: dict[str, tuple[str | None, str | None]] = {}
    for url, canonical_url, etag, last_modified in db.execute(sql, params):
        for key in filter(None, (url, canonical_url)):
            targets[key] = (etag, last_modified)
    return targets


def article_by_url(db: sqlite_utils.Database, url: str) -> dict[str, Any] | None:
    """The article stored under ``url`` (or with that canonical URL), with its ``images``."""
    columns = ", ".join(ARTICLE_COLUMNS)
    row = db.execute(
        f"select {columns} from articles where url = :url"
        f" union all select {columns} from articles where canonical_url = :url limit 1",
        {"url": url},
    ).fetchone()
    if row is None:
        return None
    article = dict(zip(ARTICLE_COLUMNS, row, strict=True))
    article["images"] = _images(db, article["id"])
    return article


def summary(db: sqlite_utils.Database) -> dict[str, Any]:
    """What the database holds: counts of articles, images and crawls, articles per
    language (most first; ``None`` for undetected), and the range of ``published_at``.
    """
    ((articles, earliest, latest),) = db.execute(
        "select count(*), min(published_at), max(published_at) from articles"
    )
    languages = db.execute(
        "select lang, count(*) as n from articles group by lang order by n desc, lang"
    )
    return {
        "articles": articles,
        "images": db["images"].count,
        "crawls": db["crawls"].count,
        "languages": dict(languages.fetchall()),
        "earliest_published": earliest,
        "latest_published": latest,
    }


def search(db: sqlite_utils.Database, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Full-text search over headline and body, best match first.

    Whitespace separates terms; an article must contain every term, as a substring, case
    insensitively (so Chinese needs no word segmentation). Terms of 3+ characters use the
    trigram FTS index, ranked by bm25 with headline matches weighing 10x body matches
    (``rank``: lower is better). Terms of 1-2 characters (``新闻``, ``EU``) cannot use trigrams:
    they are matched with ``LIKE`` on top of the index query, or on their own newest first
    (``rank`` is ``None``), walking the ``published_at`` index so that a common term stops after
    ``limit`` hits instead of scanning every body. Each result has the keys of
    :data:`SEARCH_COLUMNS`; ``snippet`` is the text around the first match, matches marked
    with :data:`HIGHLIGHT`.
    """
    terms = [term.replace('"', "") for term in query.split()]
    terms = [term for term in terms if term]
    if not terms:
        return []
    long_terms = [term for term in terms if len(term) >= TRIGRAM]
    short_terms = [term for term in terms if len(term) < TRIGRAM]
    params: dict[str, Any] = {"limit": limit}
    likes = []
    for i, term in enumerate(short_terms):
        params[f"like{i}"] = "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"
        likes.append(f"(a.headline like :like{i} escape '\\' or a.body like :like{i} escape '\\')")
    if long_terms:
        params["match"] = " ".join(f'"{term}"' for term in long_terms)
        # Rank ids only, then fetch 'limit' rows: the sorter then holds no bodies or snippets
        # for the thousands of matches a common word has (2x faster than snippet() in one query).
        join = "join articles a on a.id = articles_fts.rowid" if likes else ""
        sql = f"""
            select a.id, a.url, a.site, a.headline, a.published_at, a.lang, a.body, top.score
            from (
              select articles_fts.rowid as id, bm25(articles_fts, {_HEADLINE_WEIGHT}, 1.0) as score
              from articles_fts {join}
              where articles_fts match :match {"".join(" and " + like for like in likes)}
              order by score
              limit :limit
            ) as top
            join articles a on a.id = top.id
            order by top.score
        """
    else:
        sql = f"""
            select a.id, a.url, a.site, a.headline, a.published_at, a.lang, a.body, null
            from articles a
            where {" and ".join(likes)}
            order by a.published_at desc, a.id desc
            limit :limit
        """
    results = []
    for id_, url, site, headline, published_at, lang, body, score in db.execute(sql, params):
        snippet = _snippet(body or "", terms) or _snippet(headline or "", terms)
        values = (id_, url, site, headline, published_at, lang, snippet, score)
        results.append(dict(zip(SEARCH_COLUMNS, values, strict=True)))
    return results


def iter_articles(
    db: sqlite_utils.Database,
    since: str | None = None,
    until: str | None = None,
    site: str | None = None,
    lang: str | None = None,
    with_images: bool = False,
) -> Iterator[dict[str, Any]]:
    """Stream articles in ``id`` order, one dict at a time (constant memory), keys in the
    order of :data:`ARTICLE_COLUMNS` (plus ``images`` when ``with_images``).

    ``since`` and ``until`` bound ``published_at`` (ISO 8601 text, compared as stored, i.e. in
    the site's local time): ``since`` inclusive; ``until`` inclusive, and a plain date
    (``2024-01-31``) covers that whole day. Articles without a date are left out when either
    bound is given.
    """
    wheres, params = [], []
    if since:
        wheres.append("published_at >= ?")
        params.append(since)
    if until:
        if _is_date(until):
            wheres.append("published_at < ?")
            params.append((date.fromisoformat(until) + timedelta(days=1)).isoformat())
        else:
            wheres.append("published_at <= ?")
            params.append(until)
    for column, value in (("site", site), ("lang", lang)):
        if value:
            wheres.append(f"{column} = ?")
            params.append(value)
    where = ("where " + " and ".join(wheres)) if wheres else ""
    cursor = db.execute(
        f"select {', '.join(ARTICLE_COLUMNS)} from articles {where} order by id", params
    )
    for row in cursor:
        article = dict(zip(ARTICLE_COLUMNS, row, strict=True))
        if with_images:
            article["images"] = _images(db, article["id"])
        yield article


def _images(db: sqlite_utils.Database, article_id: int) -> list[dict[str, Any]]:
    rows = db.execute(
        f"select {', '.join(IMAGE_COLUMNS)} from images where article_id = ? order by position",
        [article_id],
    )
    return [dict(zip(IMAGE_COLUMNS, row, strict=True)) for row in rows]


def _snippet(text: str, terms: list[str]) -> str:
    """Text around the first match of any term, matches marked like FTS5 ``snippet()``."""
    folded = text.casefold()
    found = [i for i in (folded.find(term.casefold()) for term in terms) if i >= 0]
    if not found:
        return ""
    start = max(0, min(found) - _SNIPPET_CHARS)
    end = min(len(text), min(found) + max(map(len, terms)) + _SNIPPET_CHARS)
    pattern = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    open_, close = HIGHLIGHT
    window = re.sub(pattern, lambda m: open_ + m.group(0) + close, text[start:end], flags=re.I)
    return (ELLIPSIS if start else "") + window + (ELLIPSIS if end < len(text) else "")


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == len("YYYY-MM-DD")
