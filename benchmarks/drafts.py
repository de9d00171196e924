"""How often the rule-based drafts (:mod:`calendar_ner.drafts`) match the training targets.

    python benchmarks/drafts.py --data data/splits/train.jsonl

A field whose draft matches what the model writes is verified for free inside a forward; a wrong
one costs about one extra forward. Prints per-field agreement with the targets the model is
trained to write (dates and times as written, :func:`calendar_ner.data.tokens.training_target`),
the share of rows where every field agrees, and the time the guesses take per row; writes the
stamped result to ``benchmarks/results/drafts.json``.
"""

from __future__ import annotations

import argparse
import json
import time

from calendar_ner.data.io import read_rows
from calendar_ner.data.tokens import training_target
from calendar_ner.decode.drafts import guess_event
from calendar_ner.schema import FIELDS

try:  # `python benchmarks/drafts.py` puts benchmarks/ on the path; tests import benchmarks.*
    from stamp import write_result
except ImportError:
    from benchmarks.stamp import write_result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/splits/train.jsonl", help="Labelled JSONL.")
    parser.add_argument(
        "--output", default=None, help="Result JSON (default: benchmarks/results/drafts.json)."
    )
    args = parser.parse_args()
    rows, _ = read_rows(args.data)
    texts = [" ".join(r["event_text"].split()) for r in rows]
    start = time.perf_counter()
    guesses = [guess_event(text)[0] for text in texts]
    seconds = time.perf_counter() - start
    targets = [training_target(t, r["output"]) for t, r in zip(texts, rows)]
    agree = {f: sum(g[f] == t[f] for g, t in zip(guesses, targets)) / len(rows) for f in FIELDS}
    every = sum(g == t for g, t in zip(guesses, targets)) / len(rows)
    result = {"data": args.data, "rows": len(rows), "field_agreement": agree, "all_fields": every}
    result["ms_per_row"] = 1000 * seconds / len(rows)
    print(json.dumps(result, indent=2))
    print(f"wrote {write_result('drafts', result, path=args.output)}")


if __name__ == "__main__":
    main()
