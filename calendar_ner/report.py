"""What ``evaluate`` and ``crossval`` write: scores, wrong rows, Markdown, plots, environment.

The scores come from :mod:`calendar_ner.models.metrics` (the same definitions validation and
test use); this module only arranges them. Plots need matplotlib (``pip install
'calendar_ner[report]'``); without it they are skipped with a note.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from calendar_ner.data.io import Row
from calendar_ner.models.metrics import CONFUSION, Prediction, error_kinds, field_confusion, score
from calendar_ner.schema import FIELDS, Event

KINDS = ("missed", "invented", "wrong", "boundary")
"""Error kinds (:func:`calendar_ner.models.metrics.error_kinds`)."""
PACKAGES = ("calendar_ner", "torch", "transformers", "peft", "lightning", "torchmetrics")
HEADLINE = ("json_validity", "field_f1", "field_precision", "field_recall", "exact_match")


def evaluation(preds: Sequence[Prediction], golds: Sequence[Event]) -> dict[str, Any]:
    """``count``, the headline scores (:data:`HEADLINE`) and ``per_field``: precision, recall,
    F1, accuracy (rows whose field is right, null included) and the null-vs-value confusion."""
    flat = score(preds, golds)
    confusion = field_confusion(preds, golds)
    n = len(golds)
    per_field = {
        field: {name: flat[f"{field}_{name}"] for name in ("precision", "recall", "f1")}
        | {
            "accuracy": (confusion[field]["null_null"] + confusion[field]["value_right"])
            / max(n, 1),
            "confusion": confusion[field],
        }
        for field in FIELDS
    }
    return {"count": n, **{k: flat[k] for k in HEADLINE}, "per_field": per_field}


def wrong_rows(rows: Sequence[Row], preds: Sequence[Prediction]) -> list[dict[str, Any]]:
    """Each row with a wrong field: ``line``, ``event_text``, ``gold``, ``pred`` (None when it
    did not parse) and ``errors`` (field -> kind); most wrong fields first."""
    wrong = [
        {**_ident(row), "gold": row["output"], "pred": pred, "errors": errors}
        for row, pred in zip(rows, preds)
        if (errors := error_kinds(pred, row["output"]))
    ]
    return sorted(wrong, key=lambda r: -len(r["errors"]))


def _ident(row: Row) -> dict[str, Any]:
    keys = ("seed", "line", "event_text")
    return {k: row[k] for k in keys if k in row}


def _show(value: Any) -> str:
    return "null" if value is None else f"`{json.dumps(value, ensure_ascii=False)}`"


def markdown(
    title: str,
    facts: dict[str, Any],
    metrics: dict[str, Any],
    errors: list[dict[str, Any]],
    show: int | None = 10,
    intervals: dict[str, dict] | None = None,
) -> str:
    """The report: ``facts`` (model, data, ...), headline scores (with 95% ``intervals`` where
    given), per-field scores and confusion, error kinds per field, then the wrong rows grouped by
    field and kind (``show`` per group, None for all, 0 for none)."""
    lines = [f"# {title}", ""] + [f"- {k}: {v}" for k, v in facts.items()] + [""]
    lines += ["| score | value | 95% interval |", "|---|---:|---|"]
    for key in ("count", *HEADLINE):
        value = metrics[key]
        cell = f"{value:.3f}" if isinstance(value, float) else str(value)
        lo_hi = (intervals or {}).get(key, {}).get("interval")
        lines.append(f"| {key} | {cell} | {f'{lo_hi[0]:.3f} – {lo_hi[1]:.3f}' if lo_hi else ''} |")
    lines += [
        "",
        "## Per field",
        "",
        "Confusion columns: gold null or value → prediction null or value; a value under a gold "
        "value is right or wrong.",
        "",
        "| field | precision | recall | F1 | accuracy | " + " | ".join(CONFUSION) + " |",
        "|---|" + "---:|" * (4 + len(CONFUSION)),
    ]
    for field, s in metrics["per_field"].items():
        scores = " | ".join(f"{s[k]:.3f}" for k in ("precision", "recall", "f1", "accuracy"))
        counts = " | ".join(str(s["confusion"][k]) for k in CONFUSION)
        lines.append(f"| {field} | {scores} | {counts} |")
    kinds = Counter((f, k) for row in errors for f, k in row["errors"].items())
    lines += ["", "## Error kinds", "", "| field | " + " | ".join(KINDS) + " |"]
    lines += ["|---|" + "---:|" * len(KINDS)]
    lines += [f"| {f} | " + " | ".join(str(kinds[f, k]) for k in KINDS) + " |" for f in FIELDS]
    lines += ["", f"{len(errors)} wrong row(s) of {metrics['count']}.", ""]
    if show != 0:
        lines += _error_sections(errors, show)
    return "\n".join(lines) + "\n"


def _error_sections(errors: list[dict[str, Any]], show: int | None) -> list[str]:
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in errors:
        for field, kind in row["errors"].items():
            groups[field, kind].append(row)
    lines = ["## Wrong rows by field and kind", ""]
    for field in FIELDS:
        for kind in KINDS:
            rows = groups.get((field, kind), [])
            if not rows:
                continue
            shown = rows if show is None else rows[:show]
            lines += [f"### {field}: {kind} ({len(rows)})", ""]
            for row in shown:
                where = ", ".join(f"{k} {row[k]}" for k in ("seed", "line") if k in row)
                pred = row["pred"][field] if row["pred"] is not None else None
                lines.append(
                    f"- {where}: {row.get('event_text', '')!r}: gold {_show(row['gold'][field])}"
                    f" → predicted {_show(pred)}"
                    + ("" if row["pred"] is not None else " (answer did not parse)")
                )
            if len(shown) < len(rows):
                lines.append(f"- … {len(rows) - len(shown)} more")
            lines.append("")
    return lines


def environment(device: str | None = None) -> dict[str, Any]:
    """Git commit (and whether the tree had changes), package versions and the machine."""
    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        except OSError:
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    machine = {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": device,
        "gpu": torch.cuda.get_device_name() if device == "cuda" else None,
    }
    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
        "versions": versions,
        "machine": machine,
    }


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _pyplot():
    """matplotlib's pyplot on the file-only Agg backend, or None (with a note) when missing."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no plots (pip install 'calendar_ner[report]')")
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_fields(metrics: dict[str, Any], out: Path) -> list[Path]:
    """``field_scores.png`` (precision, recall, F1 per field) and ``field_confusion.png`` (the
    null-vs-value confusion per field, as shares of rows) in ``out``."""
    plt = _pyplot()
    if plt is None:
        return []
    per_field = metrics["per_field"]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.27
    for i, name in enumerate(("precision", "recall", "f1")):
        xs = [j + (i - 1) * width for j in range(len(FIELDS))]
        ax.bar(xs, [per_field[f][name] for f in FIELDS], width, label=name)
    ax.set_xticks(range(len(FIELDS)), FIELDS, rotation=30)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"Per-field scores ({metrics['count']} rows)")
    ax.legend(loc="lower left")
    fig.tight_layout()
    paths = [out / "field_scores.png"]
    fig.savefig(paths[0], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    colors = ("#d9d9d9", "#e6550d", "#fdae6b", "#31a354", "#de2d26")
    left = [0.0] * len(FIELDS)
    n = max(metrics["count"], 1)
    for key, color in zip(CONFUSION, colors):
        shares = [per_field[f]["confusion"][key] / n for f in FIELDS]
        ax.barh(FIELDS, shares, left=left, color=color, label=key)
        left = [a + b for a, b in zip(left, shares)]
    ax.invert_yaxis()
    ax.set_xlabel("share of rows (gold_pred)")
    ax.set_title("Null vs value per field")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=5, fontsize="small")
    fig.tight_layout()
    paths.append(out / "field_confusion.png")
    fig.savefig(paths[1], dpi=100)
    plt.close(fig)
    return paths


def read_scalars(run_dir: str | Path) -> dict[str, list[tuple[int, float]]]:
    """Every logged scalar under a training run folder: TensorBoard event files (read with
    tensorboard's ``EventAccumulator``) and Lightning ``metrics.csv`` files; tag -> (step, value)
    sorted by step."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    scalars: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for path in sorted(Path(run_dir).rglob("events.out.tfevents.*")):
        acc = EventAccumulator(str(path), size_guidance={"scalars": 0})
        acc.Reload()
        for tag in acc.Tags()["scalars"]:
            scalars[tag] += [(e.step, e.value) for e in acc.Scalars(tag)]
    for path in sorted(Path(run_dir).rglob("metrics.csv")):
        with path.open() as handle:
            for record in csv.DictReader(handle):
                step = int(float(record.get("step") or 0))
                for tag, value in record.items():
                    if tag not in ("step", "epoch") and value not in ("", None):
                        scalars[tag].append((step, float(value)))
    return {tag: sorted(points) for tag, points in sorted(scalars.items()) if tag != "epoch"}


def plot_training(run_dir: str | Path, out: Path) -> Path | None:
    """``training_curves.png``: one panel per scalar logged under ``run_dir``; None when the
    folder holds no logs (or matplotlib is missing)."""
    scalars = read_scalars(run_dir)
    if not scalars:
        print(f"no TensorBoard or CSV logs under {run_dir}: no training curves", file=sys.stderr)
        return None
    plt = _pyplot()
    if plt is None:
        return None
    cols = min(3, len(scalars))
    rows = -(-len(scalars) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, (tag, points) in zip(axes.flat, scalars.items()):
        steps, values = zip(*points)
        ax.plot(steps, values, marker="." if len(points) < 30 else None)
        ax.set_title(tag, fontsize="small")
        ax.set_xlabel("step")
    for ax in list(axes.flat)[len(scalars) :]:
        ax.axis("off")
    fig.tight_layout()
    path = out / "training_curves.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
