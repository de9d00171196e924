"""``calendar_ner evaluate``: score a model with constrained decoding on labelled rows.

calendar_ner evaluate --data data/splits/test.jsonl            # the shipped adapter
calendar_ner evaluate --model checkpoints/quickstart/adapter --report runs/eval.json
calendar_ner evaluate --data benchmarks/data/probe.jsonl --baselines   # calendar_ner.baselines
"""

from __future__ import annotations

import time

from jsonargparse import ArgumentParser

from calendar_ner.baselines import add_baseline_args, check_baselines, run_baselines
from calendar_ner.data.io import read_rows, write_json
from calendar_ner.extract import add_model_args, load_extractor
from calendar_ner.models.metrics import field_errors, score


def main(args: list[str]) -> None:
    """Score a model with constrained decoding on labelled rows; print and save the metrics."""
    parser = ArgumentParser(prog="calendar_ner evaluate", description=main.__doc__)
    parser.add_argument("--data", default="data/splits/test.jsonl", help="Labelled JSONL.")
    parser.add_argument("--batch_size", type=int, default=8, help="Texts decoded together.")
    parser.add_argument(
        "--report", default=None, help="Write metrics + wrong rows (fields, how) here."
    )
    parser.add_argument("--skip_invalid", action="store_true", help="Skip bad rows, count them.")
    add_model_args(parser)
    add_baseline_args(parser)
    ns = parser.parse_args(args)
    check_baselines(ns)
    rows, skipped = read_rows(ns.data, skip_invalid=ns.skip_invalid)
    if skipped:
        print(f"skipped {len(skipped)} invalid row(s): lines {[s['line'] for s in skipped]}")
    extractor = load_extractor(ns)
    start = time.perf_counter()
    preds = extractor.extract_batch([r["event_text"] for r in rows], ns.batch_size)
    seconds = time.perf_counter() - start
    gold = [r["output"] for r in rows]
    metrics = score(preds, gold)
    metrics["events_per_second"] = len(rows) / seconds
    metrics["inference"] = extractor.meta.get("inference", {})
    metrics["decode"] = extractor.config.to_dict()
    print(f"{len(rows)} rows, {metrics['inference']}, batch size {ns.batch_size}")
    for key in ("json_validity", "field_f1", "exact_match", "events_per_second"):
        print(f"{key:>18}: {metrics[key]:.3f}")
    if ns.report:
        errors = [
            {
                "line": row["line"],
                "event_text": row["event_text"],
                "fields": wrong,
                "gold": g,
                "pred": p,
            }
            for row, g, p in zip(rows, gold, preds)
            if (wrong := field_errors(p, g))
        ]
        write_json(
            ns.report, {"data": ns.data, "rows": len(rows), "metrics": metrics, "errors": errors}
        )
    if ns.baselines:
        run_baselines(ns, rows, extractor)
