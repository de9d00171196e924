"""Near-duplicate removal (rapidfuzz) and the deterministic train/eval/test split."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz, process, utils

from calendar_ner.data.io import Row

SPLITS = ("train", "eval", "test")


def _texts(rows: Sequence[Row]) -> list[str]:
    return [utils.default_process(r["event_text"]) for r in rows]


def dedup(rows: Sequence[Row], threshold: float) -> tuple[list[Row], list[Row]]:
    """Drop rows whose text is a near-duplicate (``fuzz.ratio >= threshold``) of an earlier row.

    Returns ``(kept, dropped)``; each dropped row records ``"reason"`` naming the row it repeats.
    """
    texts = _texts(rows)
    scores = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=threshold, workers=1)
    kept_mask = np.zeros(len(rows), dtype=bool)
    kept: list[Row] = []
    dropped: list[Row] = []
    for i, row in enumerate(rows):
        dups = np.nonzero((scores[i, :i] >= threshold) & kept_mask[:i])[0]
        if dups.size == 0:
            kept_mask[i] = True
            kept.append(row)
        else:
            reason = (
                f"near-duplicate (ratio {scores[i, dups[0]]:.0f}) of {_describe(rows[dups[0]])}"
            )
            dropped.append({**row, "reason": reason})
    return kept, dropped


def _describe(row: Row) -> str:
    return f"line {row['line']}" if "line" in row else repr(row["event_text"][:60])


def drop_leaks(
    rows: Sequence[Row], held_out: Sequence[Row], threshold: float
) -> tuple[list[Row], list[Row]]:
    """Drop training rows that are near-duplicates of any held-out (eval/test) row."""
    if not rows or not held_out:
        return list(rows), []
    scores = process.cdist(_texts(rows), _texts(held_out), scorer=fuzz.ratio, workers=1)
    best = scores.argmax(axis=1)
    kept: list[Row] = []
    dropped: list[Row] = []
    for i, row in enumerate(rows):
        score = float(scores[i, best[i]])
        if score >= threshold:
            source = _describe(held_out[best[i]])
            reason = f"leak: near-duplicate (ratio {score:.0f}) of held-out {source}"
            dropped.append({**row, "reason": reason})
        else:
            kept.append(row)
    return kept, dropped


def max_cross_similarity(rows: Sequence[Row], others: Sequence[Row]) -> float:
    """Highest ``fuzz.ratio`` between any text of ``rows`` and any of ``others`` (0 if empty)."""
    if not rows or not others:
        return 0.0
    return float(np.max(process.cdist(_texts(rows), _texts(others), scorer=fuzz.ratio, workers=1)))


def split_rows(rows: Sequence[Row], fractions: Sequence[float], seed: int) -> dict[str, list[Row]]:
    """Deterministic split into ``train/eval/test`` by ``fractions`` (e.g. 0.75/0.15/0.10).

    Rows are ordered by a hash of their text before the seeded shuffle, so the split depends on
    the rows and the seed only, not on the file's line order.
    """
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(
            f"split fractions must be 3 non-negative numbers summing to 1, got {list(fractions)}"
        )
    ordered = sorted(rows, key=lambda r: hashlib.sha1(r["event_text"].encode()).hexdigest())
    random.Random(seed).shuffle(ordered)
    n = len(ordered)
    n_eval = round(n * fractions[1])
    n_test = round(n * fractions[2])
    n_train = n - n_eval - n_test
    return {
        "train": ordered[:n_train],
        "eval": ordered[n_train : n_train + n_eval],
        "test": ordered[n_train + n_eval :],
    }


def kfold(rows: Sequence[Row], folds: int, seed: int) -> list[list[Row]]:
    """Deal ``rows`` into ``folds`` disjoint folds whose sizes differ by at most one.

    Rows are ordered by a hash of their text before the seeded shuffle, as in :func:`split_rows`,
    so the folds depend on the rows and the seed only.

        >>> rows = [{"event_text": f"row {i}"} for i in range(7)]
        >>> [len(f) for f in kfold(rows, 3, seed=42)]
        [3, 2, 2]
    """
    if folds < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    ordered = sorted(rows, key=lambda r: hashlib.sha1(r["event_text"].encode()).hexdigest())
    random.Random(seed).shuffle(ordered)
    return [ordered[i::folds] for i in range(folds)]
