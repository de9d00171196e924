"""Batch invariance against speed: every text decoded alone and inside shuffled mixed batches.

    python benchmarks/invariance.py --data data/splits/eval.jsonl --n 24 --batch_size 8

Per dtype, on the raw decoder (``ConstrainedDecoder.decode_batch``, no invariance mechanism):
events/s decoding each text alone (batch 1) and in shuffled batches of ``batch_size``, and how
many texts come out differently in the two (a difference breaks "same text, same answer").
The modes alternate in one process, so machine load hits both alike. Counts only: no text or
answer is printed.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time

import torch

from calendar_ner.data.io import read_rows
from calendar_ner.extract import CalendarExtractor


def _decode(decoder, texts: list[str], batch_size: int, seed: int) -> tuple[list[str], float]:
    """Raw answers in input order and the seconds taken, in shuffled batches of ``batch_size``."""
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    answers: list[str] = [""] * len(texts)
    start = time.perf_counter()
    for i in range(0, len(order), batch_size):
        chunk = order[i : i + batch_size]
        for j, raw in zip(chunk, decoder.decode_batch([texts[j] for j in chunk])):
            answers[j] = raw
    return answers, time.perf_counter() - start


def bench(model: str | None, texts: list[str], dtype: str, batch_size: int, rounds: int) -> dict:
    decoder = CalendarExtractor.from_pretrained(model, dtype=dtype).decoder
    decoder.decode_batch(texts[:2])  # warm-up
    alone_s = batched_s = 0.0
    differ: set[int] = set()
    for seed in range(rounds):
        alone, seconds = _decode(decoder, texts, 1, seed)
        alone_s += seconds
        batched, seconds = _decode(decoder, texts, batch_size, seed)
        batched_s += seconds
        differ |= {i for i, (a, b) in enumerate(zip(alone, batched)) if a != b}
    events = rounds * len(texts)
    return {
        "dtype": dtype,
        "texts": len(texts),
        "rounds": rounds,
        "events_per_s_alone": events / alone_s,
        f"events_per_s_bs{batch_size}": events / batched_s,
        "texts_differing_alone_vs_batched": len(differ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="Adapter/model folder (default: shipped).")
    parser.add_argument("--data", default="data/splits/eval.jsonl", help="JSONL with event_text.")
    parser.add_argument("--n", type=int, default=24, help="Texts to decode.")
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="Shuffles (batch neighbours) tried.")
    parser.add_argument("--dtypes", nargs="+", default=["bfloat16", "float32"])
    parser.add_argument("--output", default=None, help="Write the results as JSON here.")
    args = parser.parse_args()
    rows, _ = read_rows(args.data)
    texts = [r["event_text"] for r in rows[: args.n]]
    results = {
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, "
        f"torch {torch.__version__}",
        "command": " ".join(["python", *sys.argv]),
        "runs": [],
    }
    for dtype in args.dtypes:
        results["runs"].append(bench(args.model, texts, dtype, args.batch_size, args.rounds))
        print(json.dumps(results["runs"][-1]), flush=True)
    if args.output:
        with open(args.output, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
