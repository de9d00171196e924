"""What each constraint of the decoder buys: one model, labelled rows, each constraint off.

    python benchmarks/constraints.py --data data/splits/test.jsonl [--model PATH]

Decodes the rows with the model's own decoding options (``calendar_ner.json``), then again with
one constraint off at a time: exact copy (tokens and case of the training targets), the action
bounds (where an action may start and end), the whole copy constraint (``copy_fields``
empty), and the grounding of durations in the request's own amounts
(:func:`calendar_ner.schema.ground_duration`). Prints, per variant, exact match and field F1,
how many answers differ from the full decoder's, and how many of those rows are right under
each (as exact match counts it: case-insensitively). One model load, one process; prints
counts only, never row text, and writes them, stamped, to ``benchmarks/results/constraints.json``.
"""

from __future__ import annotations

import argparse
import json

from calendar_ner.data.io import read_rows
from calendar_ner.decode import DecodeConfig
from calendar_ner.extract import DTYPE_CHOICES, CalendarExtractor
from calendar_ner.models.metrics import score

try:  # `python benchmarks/constraints.py` puts benchmarks/ on the path; tests import benchmarks.*
    from stamp import write_result
except ImportError:
    from benchmarks.stamp import write_result


def variants(config: DecodeConfig) -> dict[str, DecodeConfig]:
    """Decoding options per variant: the model's own, then each constraint off."""
    return {
        "full": config,
        "no exact copy": config.replace(exact_copy=False),
        "no action bounds": config.replace(action_bounds=False),
        "no copy constraint": config.replace(copy_fields=[]),
        "no duration grounding": config.replace(ground_durations=False),
    }


def compare(extractor: CalendarExtractor, rows: list[dict], batch_size: int = 8) -> dict:
    """Metrics of each variant on ``rows``, and its differing answers against the full one."""
    texts, gold = [r["event_text"] for r in rows], [r["output"] for r in rows]

    def right(preds: list, i: int) -> bool:
        return score([preds[i]], [gold[i]])["exact_match"] == 1

    model, tokenizer = extractor.decoder.model, extractor.decoder.tokenizer
    out, full = {}, None
    for name, config in variants(extractor.config).items():
        variant = CalendarExtractor(model, tokenizer, dict(extractor.meta), config)
        preds = variant.extract_batch(texts, batch_size)
        metrics = score(preds, gold)
        full = full or preds
        changed = [i for i, (p, f) in enumerate(zip(preds, full)) if p != f]
        out[name] = {
            "exact_match": metrics["exact_match"],
            "field_f1": metrics["field_f1"],
            "answers_changed": len(changed),
            "of_those_right_here": sum(right(preds, i) for i in changed),
            "of_those_right_with_full": sum(right(full, i) for i in changed),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/splits/test.jsonl", help="Labelled JSONL.")
    parser.add_argument("--model", default=None, help="Adapter or merged model (default: shipped).")
    parser.add_argument("--dtype", default="float32", choices=DTYPE_CHOICES)
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument(
        "--output", default=None, help="Result JSON (default: benchmarks/results/constraints.json)."
    )
    args = parser.parse_args()
    rows, _ = read_rows(args.data)
    extractor = CalendarExtractor.from_pretrained(args.model, dtype=args.dtype, device="cpu")
    full = extractor.config.to_dict()
    result = {"data": args.data, "rows": len(rows), "full": full}
    result |= compare(extractor, rows, args.batch_size)
    print(json.dumps(result, indent=2))
    print(f"wrote {write_result('constraints', result, path=args.output)}")


if __name__ == "__main__":
    main()
