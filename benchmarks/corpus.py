"""Load the evaluation corpora from ``../shared/corpus`` into memory.

Every dataset becomes a list of :class:`Page` (raw bytes plus the labels), so that timing a tool
measures extraction only, never disk reads or gunzip.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

#: Datasets in the order the benchmark prints them.
DATASETS = (
    "article-benchmark",
    "trafilatura-eval",
    "htmldate-eval",
    "daniel-zh",
    "cwced-zh",
    "fundus-parser-tests",
)


@dataclass
class Page:
    id: str
    url: str | None
    html: bytes
    label: dict[str, Any] = field(default_factory=dict)


def available(root: Path = CORPUS_DIR) -> list[str]:
    """Names of the datasets present under ``root`` (empty when the corpus is absent)."""
    return [name for name in DATASETS if (root / name).is_dir()]


def load(name: str, root: Path = CORPUS_DIR) -> list[Page]:
    """All pages of one dataset, HTML read and decompressed."""
    folder = root / name
    if name == "article-benchmark":
        truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
        return [
            Page(
                id=key,
                url=value.get("url"),
                html=gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()),
                label={"body": value.get("articleBody") or ""},
            )
            for key, value in sorted(truth.items())
        ]
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    return [
        Page(
            id=item["id"],
            url=item.get("url"),
            html=gzip.decompress((folder / item["file"]).read_bytes()),
            label=item,
        )
        for item in labels
    ]
