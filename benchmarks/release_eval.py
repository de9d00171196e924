"""The README's headline figures: the shipped adapter on the held-out test split, stamped.

    PYTHONPATH=. python benchmarks/release_eval.py     # benchmarks/results/release_test.json

The same decoding and scorer as ``make evaluate`` (``calendar_ner evaluate --data
data/splits/test.jsonl``): :meth:`CalendarExtractor.extract_batch` with the adapter's saved
decoding options, then :func:`calendar_ner.models.metrics.score`. Writes the metrics and the count
of exactly matched rows only, never a row of the test split (it is a lockbox), with the commit,
date, versions and machine (``benchmarks/stamp.py``). An adapter whose fit trained on the test
split (``data.corpus.train_on_test``, the final fit on every real row) is refused: its score
there is in-sample; its estimate is the recipe's cross-validated figure.
"""

from __future__ import annotations

import argparse
import json
import sys

from calendar_ner.data.io import read_rows
from calendar_ner.extract import DTYPE_CHOICES, CalendarExtractor, default_model_path, fit_corpus
from calendar_ner.models.metrics import score

try:  # `python benchmarks/release_eval.py` puts benchmarks/ on the path; tests import it
    from stamp import write_result
except ImportError:
    from benchmarks.stamp import write_result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/splits/test.jsonl", help="Labelled JSONL.")
    parser.add_argument("--model", default=None, help="Adapter or merged model (default: shipped).")
    parser.add_argument("--dtype", default="float32", choices=DTYPE_CHOICES)
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument(
        "--output",
        default=None,
        help="Result JSON (default: benchmarks/results/release_test.json).",
    )
    args = parser.parse_args(argv)
    model = args.model or default_model_path()
    if fit_corpus(model).get("train_on_test"):
        sys.exit(
            f"release_eval: {model} was fitted with data.corpus.train_on_test (every real row "
            "trained on): its test-split score is in-sample; quote the cross-validated figure"
        )
    rows, _ = read_rows(args.data)
    extractor = CalendarExtractor.from_pretrained(args.model, dtype=args.dtype, device="cpu")
    preds = extractor.extract_batch([r["event_text"] for r in rows], args.batch_size)
    metrics = score(preds, [r["output"] for r in rows])
    result = {
        "data": args.data,
        "model": args.model or "checkpoints/release/adapter",
        "rows": len(rows),
        "exact_match_rows": round(metrics["exact_match"] * len(rows)),
        "inference": extractor.meta["inference"],
        "decode": extractor.config.to_dict(),
        "metrics": metrics,
    }
    print(json.dumps({k: result[k] for k in ("rows", "exact_match_rows")}, indent=2))
    for key in ("json_validity", "field_f1", "exact_match"):
        print(f"{key:>14}: {metrics[key]:.3f}")
    command = None if argv is None else ["benchmarks/release_eval.py", *argv]
    print(f"wrote {write_result('release_test', result, command, path=args.output)}")
    return result


if __name__ == "__main__":
    main()
