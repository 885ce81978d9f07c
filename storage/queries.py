"""Read the govnews database: known URLs, one article, full-text search, streaming export.

Everything here only reads, so it works on a ``connect(path, readonly=True)`` database as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from storage import search_index
from storage.db import OperationalError

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
#: A match in the headline counts this many times a match in the body.
_HEADLINE_WEIGHT = 10.0
#: A search ranks at most this many matches, the most recently stored: bm25 over every
#: match of a common word costs ~100 ms on 50,000 articles, over 500 a few ms.
RANKED_MATCHES = 500
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

    Whitespace separates terms; an article must match every term. A Chinese (CJK) term matches
    where it is a substring of the text, of any length, but not across punctuation or spaces;
    other terms match whole words, ignoring case and diacritics (``award`` does not find
    ``awards``); punctuation inside a term (``Xi'an``) matches any punctuation. Terms without a
    letter, digit or CJK character are ignored. Uses the ``articles_fts_words`` index (see
    :mod:`storage.search_index`). Ranked by bm25 (``rank``: lower is better) with a headline match
    weighing 10x a body match; when more than :data:`RANKED_MATCHES` articles match, only the
    most recently stored that many are ranked. Each result has the keys of
    :data:`SEARCH_COLUMNS`; ``snippet`` is the text around the first match, matches marked with
    :data:`HIGHLIGHT`.
    """
    phrases = {term: phrase for term in query.split() if (phrase := search_index.match_term(term))}
    if not phrases:
        return []
    terms = list(phrases)
    match = " ".join(phrases.values())
    # Newest matches first is FTS5's cheap order (rowid = articles.id, descending): it stops
    # after RANKED_MATCHES, and only those are scored. Ids only until the final 'limit' rows:
    # the sorter then holds no bodies.
    sql = f"""
        select a.id, a.url, a.site, a.headline, a.published_at, a.lang, a.body, top.score
        from (
          select id, score from (
            select rowid as id, bm25({search_index.TABLE}, {_HEADLINE_WEIGHT}, 1.0) as score
            from {search_index.TABLE}
            where {search_index.TABLE} match :match
            order by rowid desc
            limit :ranked
          )
          order by score, id desc
          limit :limit
        ) as top
        join articles a on a.id = top.id
        order by top.score, top.id desc
    """
    params = {"match": match, "ranked": RANKED_MATCHES, "limit": limit}
    try:
        rows = db.execute(sql, params).fetchall()
    except OperationalError as exc:
        if f"no such table: {search_index.TABLE}" not in str(exc):
            raise
        # A reader never migrates: a file an older govnews wrote lacks the index until then.
        raise OperationalError(
            f"{exc}: the database predates it; any writer (a crawl) migrates the file"
        ) from exc
    highlight = _highlight_pattern(terms)
    results = []
    for id_, url, site, headline, published_at, lang, body, score in rows:
        snippet = _snippet(body or "", highlight) or _snippet(headline or "", highlight)
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


def _highlight_pattern(terms: list[str]) -> re.Pattern[str]:
    """A regex finding what the index matches for any of ``terms`` (for snippets).

    Mirrors :mod:`storage.search_index`: CJK characters of a term are adjacent in the text,
    words are whole, and anything but a word character may separate the other pieces.
    """
    cjk, word = f"[{search_index.CJK}]", search_index.WORD_CHARS
    alternatives = []
    for term in sorted(terms, key=len, reverse=True):
        pieces = re.findall(f"{cjk}|{word}+", term)
        is_cjk = [bool(re.fullmatch(cjk, piece)) for piece in pieces]
        pattern = "" if is_cjk[0] else f"(?<!{word})"
        for i, piece in enumerate(pieces):
            if i and not (is_cjk[i] and is_cjk[i - 1]):
                pattern += r"[\W_]*" if is_cjk[i] or is_cjk[i - 1] else r"[\W_]+"
            pattern += re.escape(piece)
        alternatives.append(pattern if is_cjk[-1] else f"{pattern}(?!{word})")
    return re.compile("|".join(alternatives), flags=re.IGNORECASE)


def _snippet(text: str, highlight: re.Pattern[str]) -> str:
    """Text around the first match, matches marked like FTS5 ``snippet()``."""
    first = highlight.search(text)
    if first is None:
        return ""
    start = max(0, first.start() - _SNIPPET_CHARS)
    end = min(len(text), first.end() + _SNIPPET_CHARS)
    open_, close = HIGHLIGHT
    window = highlight.sub(lambda m: open_ + m.group(0) + close, text[start:end])
    return (ELLIPSIS if start else "") + window + (ELLIPSIS if end < len(text) else "")


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == len("YYYY-MM-DD")
