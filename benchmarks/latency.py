"""Latency and throughput of constrained decoding vs free-form ``generate``: same model, process.

    python benchmarks/latency.py --model checkpoints/release/adapter --data data/splits/test.jsonl

Reports, per dtype: p50/p90 ms per event at batch 1 for both methods, the speed-up ratio
(free-form mean / constrained mean), forwards per event, agreement of the two outputs after
normalization, the p50 of the same decoder with every typed-value option off
(``untyped_ms_p50``, timed text by text beside it: the cost of typed values is
``typed_over_untyped_p50``), batched throughput (events/s), and the floor any decoder of this
model faces: the throughput of a single teacher-forced forward over every prompt + answer token,
less the prompt head the decoder computes once (``one_forward_events_per_s``; the constrained
decoder needs at least that work, plus rejected draft positions). Writes the stamped result
(commit, date, versions, machine: ``benchmarks/stamp.py``) to ``benchmarks/results/latency.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from calendar_ner.data.io import read_rows
from calendar_ner.decode import ConstrainedDecoder, parse_event
from calendar_ner.decode.free import generate_free
from calendar_ner.extract import CalendarExtractor, load_for_inference
from calendar_ner.prompt import encode_prompt, encode_segment

try:  # `python benchmarks/latency.py` puts benchmarks/ on the path; tests import benchmarks.*
    from stamp import write_result
except ImportError:
    from benchmarks.stamp import write_result


class ForwardCounter:
    """Counts model forwards, and the tokens they compute (padding left out), through a hook."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.count = self.tokens = 0
        model.register_forward_pre_hook(self._hook, with_kwargs=True)

    def _hook(self, module: torch.nn.Module, args: tuple, kwargs: dict) -> None:
        self.count += 1
        ids, mask = kwargs["input_ids"], kwargs.get("attention_mask")
        self.tokens += ids.numel() if mask is None else int(mask[:, -ids.size(1) :].sum())


def _one_forward_seconds(decoder: ConstrainedDecoder, texts, answers, batch_size) -> float:
    """Time of one forward per batch over each prompt + its decoded answer (no decoding),
    without the prompt head when the decoder computes that once (``cache_prompt_head``)."""
    model, tokenizer, budget = decoder.model, decoder.tokenizer, decoder.max_prompt_tokens
    device = next(model.parameters()).device
    skip = len(decoder.head_ids) if decoder.cache_prompt_head else 0
    seconds = 0.0
    for start in range(0, len(texts), batch_size):
        chunk = zip(texts[start : start + batch_size], answers[start : start + batch_size])
        seqs = [
            (encode_prompt(tokenizer, text, budget)[0] + encode_segment(tokenizer, raw))[skip:]
            for text, raw in chunk
        ]
        width = max(map(len, seqs))
        ids = torch.full((len(seqs), width), decoder.pad_id)
        mask = torch.zeros_like(ids)
        for b, seq in enumerate(seqs):
            ids[b, width - len(seq) :], mask[b, width - len(seq) :] = torch.tensor(seq), 1
        begin = time.perf_counter()
        model(input_ids=ids.to(device), attention_mask=mask.to(device), logits_to_keep=width)
        seconds += time.perf_counter() - begin
    return seconds


# The decoder without typed values and the rules that keep copied fields apart (every such
# option off), timed beside it on the same texts.
UNTYPED = dict.fromkeys(
    (
        "typed_dates",
        "typed_times",
        "typed_durations",
        "typed_recurrences",
        "typed_copies",
        "people_attendees",
        "platform_location",
        "stated_attendees",
        "null_when_blocked",
        "joined_attendees",
        "location_article",
        "action_without_attendees",
        "planned_action",
        "platform_in_action",
        "lower_frequency",
        "time_ranges",
        "bare_hours",
    ),
    False,
) | {"outside_action": []}


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(int(q * len(values)), len(values) - 1)]


@torch.no_grad()
def bench(model_path: str | None, texts: list[str], dtype: str, batch_size: int) -> dict:
    model, tokenizer, meta = load_for_inference(model_path, dtype)
    extractor = CalendarExtractor(model, tokenizer, meta)
    decoder = extractor.decoder
    counter = ForwardCounter(model)
    for text in texts[:2]:  # warm-up
        decoder.decode_batch([text])
    untyped = CalendarExtractor(model, tokenizer, dict(meta), extractor.config.replace(**UNTYPED))
    constrained, free, forwards, fed, agree, answers = [], [], [], [], 0, []
    plain, same_untyped = [], 0
    for text in texts:
        before, tokens = counter.count, counter.tokens
        start = time.perf_counter()
        raw = decoder.decode_batch([text])[0]
        answers.append(raw)
        constrained.append(time.perf_counter() - start)
        forwards.append(counter.count - before)
        fed.append(counter.tokens - tokens)
        start = time.perf_counter()
        same_untyped += untyped.decoder.decode_batch([text])[0] == raw
        plain.append(time.perf_counter() - start)
        start = time.perf_counter()
        prompt = encode_prompt(tokenizer, text, decoder.max_prompt_tokens)[0]
        free_raw = generate_free(model, tokenizer, [prompt], max_new_tokens=120)[0]
        free.append(time.perf_counter() - start)
        agree += parse_event(raw) == parse_event(free_raw)
    start = time.perf_counter()
    extractor.extract_batch(texts, batch_size=batch_size)
    batched = len(texts) / (time.perf_counter() - start)
    floor = _one_forward_seconds(decoder, texts, answers, batch_size)
    return {
        "dtype": dtype,
        "events": len(texts),
        "constrained_ms_p50": 1000 * statistics.median(constrained),
        "constrained_ms_p90": 1000 * _pct(constrained, 0.9),
        "free_form_ms_p50": 1000 * statistics.median(free),
        "free_form_ms_p90": 1000 * _pct(free, 0.9),
        "speedup_mean": statistics.mean(free) / statistics.mean(constrained),
        "untyped_ms_p50": 1000 * statistics.median(plain),
        "typed_over_untyped_p50": statistics.median(constrained) / statistics.median(plain),
        "same_output_untyped_rate": same_untyped / len(texts),
        "forwards_per_event": statistics.mean(forwards),
        "tokens_per_event": statistics.mean(fed),
        "same_output_rate": agree / len(texts),
        f"batched_events_per_s_bs{batch_size}": batched,
        f"one_forward_events_per_s_bs{batch_size}": len(texts) / floor,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="Adapter/model folder (default: shipped).")
    parser.add_argument("--data", default="data/splits/test.jsonl", help="Labelled JSONL.")
    parser.add_argument("--n", type=int, default=30, help="Events to time.")
    parser.add_argument("--dtypes", nargs="+", default=["float32", "bfloat16"])
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument(
        "--output", default=None, help="Result JSON (default: benchmarks/results/latency.json)."
    )
    args = parser.parse_args()
    rows, _ = read_rows(args.data)
    texts = [r["event_text"] for r in rows[: args.n]]
    results = {
        "data": args.data,
        "model": args.model or "checkpoints/release/adapter",
        "runs": [bench(args.model, texts, dtype, args.batch_size) for dtype in args.dtypes],
    }
    print(json.dumps(results, indent=2))
    print(f"wrote {write_result('latency', results, path=args.output)}")


if __name__ == "__main__":
    main()
