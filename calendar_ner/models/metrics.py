"""Evaluation metrics for the 8-key event JSON: JSON validity, field F1 and exact match.

Metric definitions
------------------

- **Normalization.** A prediction given as text is parsed with `calendar_ner.decode.parse_event`
  (the first JSON object in the text, canonicalized); a prediction given as a dict and every gold
  label go through `calendar_ner.schema.canonicalize` (dates `DD/MM/YYYY`, times `H:MM AM/PM`,
  whitespace collapsed, `""` and `[]` become null). Two strings are then equal when they are
  equal after case-folding and collapsing whitespace, so `"Weekly"` equals `"weekly"` and a
  predicted date `"2024-02-09"` equals a gold `"09/02/2024"`. Field F1 and exact match both use
  this comparison.
- **JSON validity** = predictions that parse to a JSON object / all predictions. A prediction
  passed as a dict counts as valid, one passed as `None` as invalid.
- **Field counts.** A prediction that is not a JSON object counts as all-null. For each row and
  each scalar field (every field but `attendees`):
  - gold non-null, prediction equal: 1 TP;
  - gold non-null, prediction null: 1 FN;
  - gold non-null, prediction a different non-null value: 1 FP and 1 FN;
  - gold null, prediction non-null: 1 FP;
  - both null: nothing.

  `attendees` is counted per name, comparing the two lists as multisets of names: each predicted
  name matched to a gold name is 1 TP, each unmatched predicted name 1 FP, each unmatched gold
  name 1 FN (gold `[Sam, Ana, Bo]`, prediction `[sam, Ana, Zed]`: TP 2, FP 1, FN 1).
- **Precision** = TP / (TP + FP), **recall** = TP / (TP + FN), **F1** = 2 TP / (2 TP + FP + FN),
  each 0 when its denominator is 0. Per-field scores use that field's counts; the overall field
  F1, precision and recall are micro-averaged: counts summed over all fields and rows first.
- **Exact match** = rows whose 8 fields are all equal under the comparison above (no FP and no
  FN in any field; attendee order does not matter) / all rows. A prediction that is not a JSON
  object is never a match.

All metric states are summed count tensors, so they reduce correctly across DDP processes.

Beyond the torchmetrics classes, the same counts give per-row scores (:func:`row_scores`) for
bootstrap intervals (:func:`bootstrap`, :func:`paired_bootstrap`: resample rows with a fixed
seed, 95% percentile interval), the per-field null-vs-value confusion
(:func:`field_confusion`) and the kind of each wrong field (:func:`error_kinds`, which adds
``boundary`` to :func:`field_errors`' kinds).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torchmetrics import Metric, MetricCollection

from calendar_ner.decode.postprocess import parse_event
from calendar_ner.schema import FIELDS, LIST_FIELDS, Event, canonicalize

Prediction = str | Event | None

_MICRO = ("f1", "precision", "recall")


def _key(value: str) -> str:
    """The comparison key of a string: case-folded, whitespace collapsed."""
    return " ".join(value.split()).casefold()


def _parse_prediction(pred: Prediction) -> Event | None:
    """A canonical event for a raw string, dict or None; None when it is not a JSON object."""
    if pred is None:
        return None
    if isinstance(pred, str):
        return parse_event(pred)
    if isinstance(pred, dict):
        return canonicalize(pred, strict=False)
    raise TypeError(f"prediction must be a string, a dict or None, got {type(pred).__name__}")


def _prepare(
    preds: Sequence[Prediction], targets: Sequence[Event]
) -> list[tuple[Event | None, Event]]:
    """Pair parsed predictions with canonical (strictly validated) gold events."""
    if len(preds) != len(targets):
        raise ValueError(f"got {len(preds)} predictions for {len(targets)} targets")
    return [(_parse_prediction(p), canonicalize(t)) for p, t in zip(preds, targets)]


def _field_counts(field: str, pred: Any, gold: Any) -> tuple[int, int, int]:
    """``(TP, FP, FN)`` for one field of one row (see the module docstring)."""
    if field in LIST_FIELDS:
        pred_names = Counter(_key(name) for name in pred or [])
        gold_names = Counter(_key(name) for name in gold or [])
        tp = sum((pred_names & gold_names).values())
        return tp, pred_names.total() - tp, gold_names.total() - tp
    if gold is None:
        return 0, int(pred is not None), 0
    if pred is None:
        return 0, 0, 1
    if _key(pred) == _key(gold):
        return 1, 0, 0
    return 0, 1, 1


def _row_counts(pred: Event | None, gold: Event) -> list[tuple[int, int, int]]:
    """``(TP, FP, FN)`` per field in :data:`FIELDS` order; an unparsed prediction is all-null."""
    pred = pred or {}
    return [_field_counts(f, pred.get(f), gold[f]) for f in FIELDS]


def _ratio(num: Tensor, den: Tensor) -> Tensor:
    """``num / den`` as float, 0 where ``den`` is 0."""
    num, den = num.double(), den.double()
    return torch.where(den > 0, num / den.clamp(min=1), torch.zeros_like(num)).float()


class _RowFraction(Metric):
    """Fraction of rows meeting :meth:`_hit`, with summed ``hits``/``total`` count states."""

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    hits: Tensor
    total: Tensor

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("hits", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")
        self.add_state("total", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def _hit(self, pred: Event | None, gold: Event) -> bool:
        raise NotImplementedError

    def update(self, preds: Sequence[Prediction], targets: Sequence[Event]) -> None:
        """Add a batch of predictions (raw strings, parsed dicts or None) and gold events."""
        rows = _prepare(preds, targets)
        self.hits += sum(self._hit(p, g) for p, g in rows)
        self.total += len(rows)

    def compute(self) -> Tensor:
        """The fraction of rows so far (0 before any row)."""
        return _ratio(self.hits, self.total)


class JSONValidity(_RowFraction):
    """Fraction of predictions that parse to a JSON object."""

    def _hit(self, pred: Event | None, gold: Event) -> bool:
        return pred is not None


class ExactMatch(_RowFraction):
    """Fraction of rows whose 8 fields all equal the gold under the metric comparison."""

    def _hit(self, pred: Event | None, gold: Event) -> bool:
        return pred is not None and all(fp == fn == 0 for _, fp, fn in _row_counts(pred, gold))


class FieldF1(Metric):
    """Micro-averaged field F1, precision and recall, plus the same per field."""

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    counts: Tensor

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state(
            "counts", default=torch.zeros(len(FIELDS), 3, dtype=torch.long), dist_reduce_fx="sum"
        )

    def update(self, preds: Sequence[Prediction], targets: Sequence[Event]) -> None:
        """Add a batch of predictions (raw strings, parsed dicts or None) and gold events."""
        rows = _prepare(preds, targets)
        if rows:
            batch = torch.tensor([_row_counts(p, g) for p, g in rows], dtype=torch.long)
            self.counts += batch.sum(dim=0).to(self.counts.device)

    def compute(self) -> dict[str, Tensor]:
        """``f1``, ``precision``, ``recall`` (micro) and ``{field}_f1/_precision/_recall``."""
        tp, fp, fn = self.counts.T
        per_field = {
            "f1": _ratio(2 * tp, 2 * tp + fp + fn),
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
        }
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
        result = {
            "f1": _ratio(2 * tp, 2 * tp + fp + fn),
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
        }
        for i, field in enumerate(FIELDS):
            for name, values in per_field.items():
                result[f"{field}_{name}"] = values[i]
        return result


class ExtractionMetrics(MetricCollection):
    """JSON validity, exact match and field F1 in one collection (one instance per stage)."""

    def __init__(self) -> None:
        super().__init__(
            {"json_validity": JSONValidity(), "exact_match": ExactMatch(), "field": FieldF1()},
            compute_groups=False,
        )

    def compute_flat(self, prefix: str = "") -> dict[str, float]:
        """Every score as a float keyed ``{prefix}{name}``.

        Names: ``json_validity``, ``exact_match``, ``field_f1``, ``field_precision``,
        ``field_recall``, and ``{field}_f1``, ``{field}_precision``, ``{field}_recall`` per field.
        """
        scores = {
            "json_validity": self["json_validity"].compute(),
            "exact_match": self["exact_match"].compute(),
        }
        for name, value in self["field"].compute().items():
            scores[f"field_{name}" if name in _MICRO else name] = value
        return {f"{prefix}{name}": float(value) for name, value in scores.items()}


def field_errors(pred: Prediction, gold: Event) -> dict[str, str]:
    """The fields one prediction gets wrong, under the comparison above, each with its kind:
    ``missed`` (a gold value, or gold name, left out), ``invented`` (a value or name the label
    lacks) or ``wrong`` (both: another value, or names missing and added). An unparsed
    prediction counts as all-null."""
    ((parsed, target),) = _prepare([pred], [gold])
    errors = {}
    for field, (_, fp, fn) in zip(FIELDS, _row_counts(parsed, target)):
        if fp or fn:
            errors[field] = "wrong" if fp and fn else "invented" if fp else "missed"
    return errors


def score(preds: Sequence[Prediction], targets: Sequence[Event]) -> dict[str, float]:
    """All scores for one prediction set, keyed as in :meth:`ExtractionMetrics.compute_flat`."""
    metrics = ExtractionMetrics()
    metrics.update(preds, targets)
    return metrics.compute_flat()


ROW_STATS = ("exact_match", "field_f1")
"""The scores :func:`bootstrap` and :func:`paired_bootstrap` give intervals for."""


def row_scores(preds: Sequence[Prediction], targets: Sequence[Event]) -> dict[str, np.ndarray]:
    """Per-row scores: ``valid`` and ``exact`` (``[n]`` bool) and ``counts`` (``[n, fields, 3]``:
    TP, FP, FN per field in :data:`FIELDS` order). Summed over rows they give :func:`score`."""
    rows = _prepare(preds, targets)
    counts = np.array([_row_counts(p, g) for p, g in rows], dtype=np.int64).reshape(
        -1, len(FIELDS), 3
    )
    valid = np.array([p is not None for p, _ in rows], dtype=bool)
    return {
        "valid": valid,
        "exact": valid & (counts[:, :, 1:].sum(axis=(1, 2)) == 0),
        "counts": counts,
    }


def _stats(exact: np.ndarray, counts: np.ndarray, index: np.ndarray) -> dict[str, np.ndarray]:
    """Exact match and micro field F1 of each resample (``index``: ``[samples, n]`` row picks);
    ``exact`` is ``[n]`` (a row's share of exact answers), ``counts`` ``[n, 3]`` (TP, FP, FN)."""
    tp, fp, fn = np.moveaxis(counts[index].sum(axis=1), -1, 0)
    den = 2 * tp + fp + fn
    return {
        "exact_match": exact[index].mean(axis=1),
        "field_f1": np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0),
    }


def _resamples(n: int, samples: int, seed: int) -> np.ndarray:
    """``[samples + 1, n]`` row indices: the rows as they are, then ``samples`` resamples."""
    rng = np.random.default_rng(seed)
    return np.vstack([np.arange(n), rng.integers(0, n, size=(samples, n))])


def _interval(values: np.ndarray, level: float) -> list[float]:
    tail = (1 - level) / 2 * 100
    return [float(v) for v in np.percentile(values, [tail, 100 - tail])]


def bootstrap(
    exact: np.ndarray, counts: np.ndarray, samples: int = 2000, seed: int = 0, level: float = 0.95
) -> dict[str, dict[str, float | list[float]]]:
    """Exact match and micro field F1 with a percentile bootstrap interval over rows.

    ``exact``: ``[n]`` per-row exact match (0/1, or a row's share over seeds); ``counts``:
    ``[n, 3]`` per-row TP, FP, FN summed over fields (and seeds). Returns
    ``{"exact_match": {"value", "interval": [lo, hi]}, "field_f1": ...}``.

        >>> out = bootstrap(np.array([1, 1, 0, 1]), np.array([[8, 0, 0]] * 3 + [[7, 1, 1]]))
        >>> out["exact_match"]["value"], out["exact_match"]["interval"][1]
        (0.75, 1.0)
    """
    stats = _stats(
        np.asarray(exact, dtype=float), np.asarray(counts), _resamples(len(exact), samples, seed)
    )
    return {
        k: {"value": float(v[0]), "interval": _interval(v[1:], level)} for k, v in stats.items()
    }


def paired_bootstrap(
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    samples: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, dict[str, float | list[float]]]:
    """B minus A in exact match and micro field F1 on the same rows, each ``(exact, counts)`` as
    in :func:`bootstrap`; both are resampled with the same row picks (a paired bootstrap).
    Returns ``{"exact_match": {"a", "b", "difference", "interval": [lo, hi]}, "field_f1": ...}``."""
    if len(a[0]) != len(b[0]):
        raise ValueError(f"paired rows differ in number: {len(a[0])} and {len(b[0])}")
    index = _resamples(len(a[0]), samples, seed)
    sa = _stats(np.asarray(a[0], dtype=float), np.asarray(a[1]), index)
    sb = _stats(np.asarray(b[0], dtype=float), np.asarray(b[1]), index)
    return {
        k: {
            "a": float(sa[k][0]),
            "b": float(sb[k][0]),
            "difference": float(sb[k][0] - sa[k][0]),
            "interval": _interval(sb[k][1:] - sa[k][1:], level),
        }
        for k in ROW_STATS
    }


CONFUSION = ("null_null", "null_value", "value_null", "value_right", "value_wrong")
"""Keys of :func:`field_confusion`: gold null/value, then the prediction null/value; a value
under a gold value is right or wrong."""


def field_confusion(
    preds: Sequence[Prediction], targets: Sequence[Event]
) -> dict[str, dict[str, int]]:
    """Per field, rows counted by gold null/value x prediction null/value, a value under a gold
    value split into right and wrong (the metric comparison; attendee lists as multisets). An
    unparsed prediction counts as all-null."""
    table = {field: dict.fromkeys(CONFUSION, 0) for field in FIELDS}
    for pred, gold in _prepare(preds, targets):
        for field, (_, fp, fn) in zip(FIELDS, _row_counts(pred, gold)):
            value = (pred or {}).get(field) is not None
            if gold[field] is None:
                key = "null_value" if value else "null_null"
            elif not value:
                key = "value_null"
            else:
                key = "value_wrong" if fp or fn else "value_right"
            table[field][key] += 1
    return table


def _text(value: Any) -> str:
    return ", ".join(_key(v) for v in value) if isinstance(value, list) else _key(value)


def error_kinds(pred: Prediction, gold: Event) -> dict[str, str]:
    """:func:`field_errors`, with a ``wrong`` value that contains, or is contained in, the gold
    value (compared as the metric compares; attendee lists joined by commas) called
    ``boundary``.

        >>> gold = {"action": "Team lunch", "date": None, "time": None, "attendees": None,
        ...         "location": None, "duration": None, "recurrence": None, "notes": None}
        >>> error_kinds({**gold, "action": "lunch", "notes": "x"}, gold)
        {'action': 'boundary', 'notes': 'invented'}
    """
    errors = field_errors(pred, gold)
    ((parsed, target),) = _prepare([pred], [gold])
    for field, kind in errors.items():
        if kind == "wrong":
            p, g = _text(parsed[field]), _text(target[field])
            if p in g or g in p:
                errors[field] = "boundary"
    return errors
