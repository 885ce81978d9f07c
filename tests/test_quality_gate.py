"""CI quality gate: the generic extractor's scores on the dev corpora never drop below the floors.

The floors (``benchmarks/quality_floor.json``) are scores already reached, rounded down a little;
raise them when the extractor improves. Skipped when ``../shared/corpus`` is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import quality
from benchmarks.corpus import CORPUS_DIR, available, load

FLOORS = json.loads(
    (Path(__file__).resolve().parents[1] / "benchmarks" / "quality_floor.json").read_text()
)

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS_DIR.is_dir(), reason="../shared/corpus is absent"),
]


@pytest.fixture(scope="module")
def extract() -> quality.Extract:
    return quality.FACTORIES["govnews"]()


@pytest.mark.parametrize("dataset", sorted(FLOORS))
def test_scores_stay_above_floors(dataset: str, extract: quality.Extract) -> None:
    if dataset not in available():
        pytest.skip(f"{dataset} is not in the corpus")
    pages = load(dataset)
    preds, _ = quality.run_tool(extract, pages)
    scores = quality.score(dataset, pages, preds)
    below = {
        metric: f"{scores.get(metric, 0.0):.4f} < {floor}"
        for metric, floor in FLOORS[dataset].items()
        if scores.get(metric, 0.0) < floor
    }
    assert not below, f"{dataset} dropped below its floor: {below}"
