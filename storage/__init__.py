"""The only package that knows SQLite: schema and migrations, the writer, and the queries.

- :mod:`storage.db`: ``connect()`` (WAL, busy timeout, foreign keys, migrations) and
  ``transaction()`` (``BEGIN IMMEDIATE``).
- :mod:`storage.migrations`: the schema as named migrations.
- :mod:`storage.writer`: ``ArticleWriter`` (batched, atomic upserts), ``start_crawl`` /
  ``finish_crawl``, and the incremental-crawl helpers ``mark_seen`` / ``save_validators``.
- :mod:`storage.queries`: ``search``, ``iter_articles``, ``known_urls``, ``article_by_url``,
  ``revalidation_targets``, ``summary``.

The schema these produce is documented in ``docs/schema.md``.
"""
