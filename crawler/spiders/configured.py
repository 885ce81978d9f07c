"""One spider per ``[[site]]`` of ``crawler/sites.toml``, built at import time.

Scrapy's spider loader imports every module of ``crawler.spiders`` and keeps the spider classes
whose ``__module__`` is that module, so each class is created here with ``__module__`` set to
this module and bound to a module-level name: ``scrapy list`` shows them and
``scrapy crawl <name>`` runs them like any hand-written spider.
"""

from __future__ import annotations

import re
from pathlib import Path

from crawler.parsers.configured import SITES, SiteConfig, SiteConfigError, parser_for
from crawler.spiders.base import NewsSpider


def spider_class(site: SiteConfig) -> type[NewsSpider]:
    """A NewsSpider subclass for one configured site."""
    # A configured name equal to a hand-written spider's would make `scrapy crawl` ambiguous.
    if (Path(__file__).with_name(f"{site.name}.py")).exists():
        raise SiteConfigError(f"site {site.name!r}: a spider module of that name exists")
    class_name = "".join(part.title() for part in site.name.split("_")) + "Spider"
    attrs = {
        "__module__": __name__,
        "__doc__": f"{site.name}: configured in crawler/sites.toml ({site.extractor}).",
        "name": site.name,
        "allowed_domains": list(site.allowed_domains),
        "start_urls": list(site.start_urls),
        "article_url_re": re.compile(site.article_url_pattern),
        "list_url_re": re.compile(site.list_url_pattern) if site.list_url_pattern else None,
        "timezone": site.timezone,
        "parser": staticmethod(parser_for(site)),
    }
    return type(class_name, (NewsSpider,), attrs)


# Only the class names are bound: a loop variable still holding the last class would make the
# spider loader see that spider twice.
globals().update({cls.__name__: cls for cls in map(spider_class, SITES)})
