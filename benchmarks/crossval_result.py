"""The cross-validated headline: a ``calendar_ner crossval`` folder's pooled scores with their 95%
intervals, beside the label-consistency ceiling of the same rows, stamped.

    calendar_ner crossval --config configs/default.yaml --config configs/release.yaml \\
        --config configs/crossval-cpu.yaml --folds 5 --out runs/crossval/cpu-release
    python benchmarks/crossval_result.py --run runs/crossval/cpu-release \\
        --data ../shared/data/event_text_mapping.dev.jsonl    # benchmarks/results/crossval_cpu.json
    calendar_ner crossval --config configs/default.yaml --config configs/release.yaml \\
        --config configs/crossval-gpu.yaml --folds 5 --parallel 5 --out runs/crossval/gpu-release
    python benchmarks/crossval_result.py --run runs/crossval/gpu-release \\
        --data ../shared/data/event_text_mapping.dev.jsonl \\
        --output benchmarks/results/crossval_full.json    # the full recipe, one GPU

Keeps totals only, never a row: held-out row count, validity, field F1 and exact match (these
two with their bootstrap intervals), per-field F1, the calibration summary, the recipe (fit
arguments, rows held out and minutes per fold), the commits the folds were fitted at (as their
``fold.json`` records them) and the one the report was written at, the label-consistency ceiling
(``benchmarks/label_audit.py``) of the held-out rows, and how many of their labelled conventions
the held-out predictions reproduce. The README's headline table is checked against this file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from calendar_ner.data.io import read_rows

try:  # `python benchmarks/crossval_result.py` puts benchmarks/ on the path; tests import it
    from label_audit import audit, learned, load_predictions
    from stamp import write_result
except ImportError:
    from benchmarks.label_audit import audit, learned, load_predictions
    from benchmarks.stamp import write_result

HEADLINE = ("json_validity", "field_f1", "exact_match")


def summary(run: Path, rows: list[dict]) -> dict:
    """The totals of a crossval folder; ``rows``: the labelled rows it was cut from."""
    metrics = json.loads((run / "metrics.json").read_text())
    predictions = load_predictions(run)
    held_out = {p["line"] for p in predictions}
    ceiling = audit([r for r in rows if r["line"] in held_out])
    # One group for every row: a row with several styles counts once.
    totals = learned(predictions, groups=lambda text: ["all"])
    none = {"labels": 0, "reproduced": 0}
    conventions = {label: groups.get("all", none) for label, groups in totals.items()}
    calibration = metrics.get("calibration", {}).get("overall", {})
    return {
        "run": str(run),
        "rows": metrics["rows"],
        "seeds": metrics["seeds"],
        "fitted_at": sorted({f.get("fit_commit") for f in metrics["folds"]} - {None}),
        "reported_at": metrics.get("git_commit"),
        "metrics": {k: metrics[k] for k in HEADLINE},
        "intervals": {k: v["interval"] for k, v in metrics["intervals"].items()},
        "exact_match_rows": round(metrics["exact_match"] * metrics["count"]),
        "field_f1": {f: m["f1"] for f, m in metrics["per_field"].items()},
        "calibration": {k: calibration.get(k) for k in ("n", "accuracy", "ece")}
        | {"high_confidence": calibration.get("high_confidence")},
        "consistency_ceiling": ceiling["consistency_ceiling"],
        "conventions_reproduced": conventions,
        "folds": [
            {
                k: fold.get(k)
                for k in ("seed", "index", "held_out_rows", "fit_seconds", "decode_seconds")
            }
            for fold in metrics["folds"]
        ],
        "fit_args": metrics["folds"][0].get("fit_args") if metrics["folds"] else None,
        "decode": metrics["folds"][0].get("decode") if metrics["folds"] else None,
        "inference": metrics["folds"][0].get("inference") if metrics["folds"] else None,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="A `calendar_ner crossval` --out.")
    parser.add_argument("--data", required=True, help="The labelled rows it was cut from.")
    parser.add_argument(
        "--output",
        default=None,
        help="Result JSON (default: benchmarks/results/crossval_cpu.json).",
    )
    args = parser.parse_args(argv)
    rows, _ = read_rows(args.data)
    result = summary(args.run, rows)
    for key in HEADLINE:
        lo, hi = result["intervals"].get(key, (None, None))
        interval = f" [{lo:.3f}, {hi:.3f}]" if lo is not None else ""
        print(f"{key:>14}: {result['metrics'][key]:.3f}{interval}")
    print(f"{'ceiling':>14}: {result['consistency_ceiling']:.3f}")
    command = None if argv is None else ["benchmarks/crossval_result.py", *argv]
    print(f"wrote {write_result('crossval_cpu', result, command, path=args.output)}")
    return result


if __name__ == "__main__":
    main()
