"""Safety net for refactoring the generic extractor: its Articles on every corpus page, saved or
compared against a saved run.

    python -m benchmarks.extraction_diff --save /tmp/generic-before
    python -m benchmarks.extraction_diff --compare /tmp/generic-before [--show 5]

``--save DIR`` writes one JSON file per dataset (page id -> ``Article.to_dict()``) of
``crawler.parsers.generic.parse_article`` over every page of every dataset in ``../shared/corpus``.
``--compare DIR`` runs the extractor again and lists the pages whose Article differs, field by
field; the exit status is 1 when any does. Keep DIR outside the repository: the Articles quote
the corpus pages.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.corpus import available, load
from crawler.parsers.generic import parse_article


def articles(dataset: str) -> dict[str, dict[str, Any]]:
    """Page id -> the generic extractor's Article (as a dict) for every page of ``dataset``."""
    return {page.id: parse_article(page.html, page.url or "").to_dict() for page in load(dataset)}


def _short(value: object, width: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 3] + "..."


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """One line per field of the Article that changed."""
    return [
        f"  {key}: {_short(before.get(key))} -> {_short(after.get(key))}"
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path, metavar="DIR", help="write the Articles to DIR")
    mode.add_argument("--compare", type=Path, metavar="DIR", help="diff against DIR")
    parser.add_argument("--datasets", help="comma-separated subset of the corpus datasets")
    parser.add_argument("--show", type=int, default=10, help="differing pages shown per dataset")
    args = parser.parse_args(argv)
    datasets = args.datasets.split(",") if args.datasets else available()
    changed = 0
    for dataset in datasets:
        current = articles(dataset)
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"{dataset}.json").write_text(
                json.dumps(current, ensure_ascii=False, indent=1), encoding="utf-8"
            )
            print(f"{dataset}: {len(current)} articles saved")
            continue
        saved = json.loads((args.compare / f"{dataset}.json").read_text(encoding="utf-8"))
        differing = [key for key in current if saved.get(key) != current[key]]
        missing = [key for key in saved if key not in current]
        changed += len(differing) + len(missing)
        print(f"{dataset}: {len(differing)} of {len(current)} articles differ"
              + (f", {len(missing)} pages missing" if missing else ""))
        for key in differing[: args.show]:
            print(f" {key}")
            print("\n".join(differences(saved.get(key) or {}, current[key])))
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
