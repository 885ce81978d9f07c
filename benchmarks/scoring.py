"""Scorers, written from the metric definitions in ``../shared/corpus/README.md`` and the
dataset READMEs; checked to reproduce the reference scores printed there for the anchors.

Every scorer takes the gold labels and one tool's predictions (same order) and returns named scores.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

_WORD_RE = re.compile(r"\w+")
_CJK = "\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_CJK_RE = re.compile(f"[{_CJK}]")
#: One token per CJK character, one per run of other word characters.
_CHAR_TOKEN_RE = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")
_SPACE_RE = re.compile(r"\s+")
_NOT_WORD_RE = re.compile(r"[\W_]+")


@dataclass
class Prediction:
    """What one tool said about one page; None where the tool does not extract that field."""

    body: str | None = None
    title: str | None = None
    date: str | None = None
    images: list[dict[str, str | None]] | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _WORD_RE.findall(text)
    if not tokens:
        return Counter()
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def shingle_f1(golds: Sequence[str], preds: Sequence[str | None]) -> dict[str, float]:
    """The article-extraction-benchmark metric: per-page P/R averaged, F1 of the averages."""
    precisions: list[float] = []
    recalls: list[float] = []
    exact = 0
    for gold, pred in zip(golds, preds, strict=True):
        pred = pred or ""
        g, p = shingles(gold), shingles(pred)
        tp = sum((g & p).values())
        fp = sum(p.values()) - tp
        fn = sum(g.values()) - tp
        total = tp + fp + fn
        if total:
            tp, fp, fn = tp / total, fp / total, fn / total
        precision, recall = _prf(tp, fp, fn)
        if p:
            precisions.append(precision)
        if g:
            recalls.append(recall)
        exact += _WORD_RE.findall(gold) == _WORD_RE.findall(pred)
    p_avg = sum(precisions) / len(precisions) if precisions else 0.0
    r_avg = sum(recalls) / len(recalls) if recalls else 0.0
    return {"P": p_avg, "R": r_avg, "F1": _f1(p_avg, r_avg), "acc": exact / max(len(golds), 1)}


def _ws(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def snippet_f1(
    withs: Sequence[list[str]], withouts: Sequence[list[str]], preds: Sequence[str | None]
) -> dict[str, float]:
    """trafilatura's evaluation: pooled counts of wanted/unwanted snippets found in the text."""
    tp = fp = fn = tn = 0
    for wanted, unwanted, pred in zip(withs, withouts, preds, strict=True):
        text = _ws(pred or "")
        for snippet in wanted or []:
            if _ws(snippet) in text:
                tp += 1
            else:
                fn += 1
        for snippet in unwanted or []:
            if _ws(snippet) in text:
                fp += 1
            else:
                tn += 1
    precision, recall = _prf(tp, fp, fn)
    return {
        "P": precision,
        "R": recall,
        "F1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
        "acc": (tp + tn) / max(tp + tn + fp + fn, 1),
    }


def char_tokens(text: str) -> Counter[str]:
    """One token per CJK character, one per run of other word characters."""
    return Counter(_CHAR_TOKEN_RE.findall(unicodedata.normalize("NFKC", text)))


def char_f1(golds: Sequence[str], preds: Sequence[str | None]) -> dict[str, float]:
    """Bag-of-characters precision/recall/F1 per page, averaged over pages."""
    ps, rs, fs = [], [], []
    for gold, pred in zip(golds, preds, strict=True):
        g, p = char_tokens(gold), char_tokens(pred or "")
        tp = sum((g & p).values())
        precision = tp / sum(p.values()) if p else 0.0
        recall = tp / sum(g.values()) if g else 0.0
        ps.append(precision)
        rs.append(recall)
        fs.append(_f1(precision, recall))
    n = max(len(golds), 1)
    return {"P": sum(ps) / n, "R": sum(rs) / n, "F1": sum(fs) / n}


def norm_text(text: str | None) -> str:
    """Case, width, whitespace and punctuation folded away: the 'normalised match' key."""
    return _NOT_WORD_RE.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def title_accuracy(golds: Sequence[str | None], preds: Sequence[str | None]) -> float:
    pairs = [(g, p) for g, p in zip(golds, preds, strict=True) if g]
    if not pairs:
        return 0.0
    return sum(bool(p) and norm_text(g) == norm_text(p) for g, p in pairs) / len(pairs)


def day_accuracy(golds: Sequence[str | None], preds: Sequence[str | None]) -> dict[str, float]:
    """Exact-day accuracy over pages whose gold date gives a day (month- or year-only labels
    cannot be matched to a day and are left out)."""
    pairs = [(g, p) for g, p in zip(golds, preds, strict=True) if g and len(g) >= 10]
    hits = sum(bool(p) and p[:10] == g[:10] for g, p in pairs)
    answered = sum(bool(p) for _, p in pairs)
    n = max(len(pairs), 1)
    return {"acc": hits / n, "answered": answered / n, "P": hits / answered if answered else 0.0}


def image_text_matched(
    gold_images: Sequence[list[dict] | None], preds: Sequence[list[dict[str, str | None]] | None]
) -> dict[str, float]:
    """Share of labelled captions and alt texts that the tool returned for any image of the page."""
    found = {"caption": 0, "alt": 0}
    total = {"caption": 0, "alt": 0}
    for gold, pred in zip(gold_images, preds, strict=True):
        for key in ("caption", "alt"):
            have = {norm_text(img.get(key)) for img in pred or []} - {""}
            for img in gold or []:
                want = norm_text(img.get(key))
                if want:
                    total[key] += 1
                    found[key] += want in have
    all_found = found["caption"] + found["alt"]
    all_total = total["caption"] + total["alt"]
    return {
        "caption": found["caption"] / max(total["caption"], 1),
        "alt": found["alt"] / max(total["alt"], 1),
        "images": all_found / max(all_total, 1),
    }
