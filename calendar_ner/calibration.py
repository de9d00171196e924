"""How far to trust a value's confidence: reliability bins, expected calibration error (ECE) and
the accuracy of high-confidence values, per field and overall (docs/details.md).

A row is one value of one prediction: ``{"field", "p", "correct"}``; :func:`field_rows` makes
them from predictions with confidences and gold events, judging a value right exactly when the
field metrics do (:func:`calendar_ner.models.metrics.field_errors`).

    >>> rows = [{"field": "date", "p": 0.95, "correct": True},
    ...         {"field": "date", "p": 0.95, "correct": False}]
    >>> calibration(rows, bins=2)["overall"]["ece"]
    0.45
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from calendar_ner.models.metrics import field_errors
from calendar_ner.schema import FIELDS, Event


def field_rows(output: Event, confidence: dict[str, float], gold: Event) -> list[dict]:
    """One row per field of one prediction (its confidence, and whether the value is right)."""
    wrong = field_errors(output, gold)
    return [{"field": f, "p": confidence[f], "correct": f not in wrong} for f in FIELDS]


def _summary(rows: list[dict], bins: int, threshold: float) -> dict[str, Any]:
    """Equal-width bins of confidence: mean confidence and accuracy in each, and
    ECE = sum over bins of (rows in bin / rows) * |accuracy - mean confidence|."""
    table = []
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [r for r in rows if lo <= r["p"] < hi or (b == bins - 1 and r["p"] == 1.0)]
        if not inside:
            table.append({"lo": lo, "hi": hi, "n": 0, "confidence": None, "accuracy": None})
            continue
        conf = sum(r["p"] for r in inside) / len(inside)
        acc = sum(r["correct"] for r in inside) / len(inside)
        ece += len(inside) / len(rows) * abs(acc - conf)
        table.append({"lo": lo, "hi": hi, "n": len(inside), "confidence": conf, "accuracy": acc})
    high = [r for r in rows if r["p"] >= threshold]
    return {
        "n": len(rows),
        "accuracy": sum(r["correct"] for r in rows) / len(rows) if rows else None,
        "ece": round(ece, 4),
        "high_confidence": {
            "threshold": threshold,
            "n": len(high),
            "share": len(high) / len(rows) if rows else None,
            "accuracy": sum(r["correct"] for r in high) / len(high) if high else None,
        },
        "reliability": table,
    }


def calibration(rows: Iterable[dict], bins: int = 10, threshold: float = 0.9) -> dict[str, Any]:
    """``{"bins", "overall": summary, "fields": {field: summary}}``; a summary holds ``n``,
    ``accuracy``, ``ece``, ``high_confidence`` (values with p >= ``threshold``: how many, and
    how often right) and the ``reliability`` bins."""
    rows = list(rows)
    fields = [f for f in FIELDS if any(r["field"] == f for r in rows)]
    fields += sorted({r["field"] for r in rows} - set(fields))
    return {
        "bins": bins,
        "overall": _summary(rows, bins, threshold),
        "fields": {
            f: _summary([r for r in rows if r["field"] == f], bins, threshold) for f in fields
        },
    }


def of_predictions(
    preds: list[Event | None], confidences: list[dict[str, float]], golds: list[Event]
) -> dict[str, Any]:
    """:func:`calibration` of every value of ``preds`` (an invalid answer, None, has none)."""
    rows = [
        row
        for pred, conf, gold in zip(preds, confidences, golds)
        if pred is not None and conf
        for row in field_rows(pred, conf, gold)
    ]
    return calibration(rows)


def markdown(report: dict[str, Any], plot: str | None = None) -> str:
    """A report section: ECE and what the confidence threshold buys, overall and per field."""
    overall = report["overall"]
    high = overall["high_confidence"]
    if not overall["n"]:
        return "\n## Calibration\n\nNo values to calibrate (no answer parsed).\n"
    bar = f"p ≥ {high['threshold']}"
    found = (
        f"Values with confidence {bar} are {high['share']:.1%} of all and right "
        f"{high['accuracy']:.1%} of the time."
        if high["n"]
        else f"No value has confidence {bar}."
    )
    lines = [
        "\n## Calibration\n",
        f"Expected calibration error over {overall['n']} values ({report['bins']} bins): "
        f"**{overall['ece']:.3f}**. {found}\n",
        f"| field | values | accuracy | ECE | share {bar} | accuracy there |",
        "|---|---|---|---|---|---|",
    ]
    for name, summary in {"overall": overall, **report["fields"]}.items():
        h = summary["high_confidence"]
        there = "–" if h["accuracy"] is None else f"{h['accuracy']:.3f}"
        lines.append(
            f"| {name} | {summary['n']} | {summary['accuracy']:.3f} | {summary['ece']:.3f} "
            f"| {h['share']:.3f} | {there} |"
        )
    if plot:
        lines.append(f"\n![reliability]({plot})")
    return "\n".join(lines) + "\n"


def plot_reliability(report: dict[str, Any], path: str | Path) -> Path:
    """A reliability diagram of a :func:`calibration` report (accuracy against confidence per
    bin, overall and per field, with the diagonal of perfect calibration) saved to ``path``.
    Needs matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="calibrated")
    series = {"overall": report["overall"], **report["fields"]}
    for name, summary in series.items():
        points = [(b["confidence"], b["accuracy"]) for b in summary["reliability"] if b["n"]]
        if points:
            style = {"linewidth": 2.5, "color": "black"} if name == "overall" else {"alpha": 0.6}
            label = f"{name} (ECE {summary['ece']:.3f})"
            ax.plot(*zip(*points), marker="o", markersize=3, label=label, **style)
    ax.set(xlabel="confidence", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1))
    ax.legend(fontsize=7, loc="upper left")
    path = Path(path)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path
