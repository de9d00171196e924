"""Baselines beside the shipped decoder: ``calendar_ner evaluate --baselines``.

    calendar_ner evaluate --data benchmarks/data/probe.jsonl --baselines --baseline_rows 20

One process scores, on the same rows (``--baseline_rows N`` of ``--data``, sampled with a fixed
seed; free-form generation is slow on a CPU) and one request at a time:

* ``zero-shot base``: the base model without the adapter, asked for the 8-key JSON in a plain
  instruction prompt (its chat template), free-form greedy ``generate``;
* ``adapter, free-form``: the fine-tuned model on its training prompt
  (:func:`calendar_ner.prompt.encode_prompt`), free-form greedy ``generate``;
* ``adapter, constrained``: the same model with the schema-constrained decoder, as
  ``calendar_ner extract`` runs it;
* ``rules (dateparser)``: no model: ``dateparser.search.search_dates`` for the date, regexes for
  the time, duration, recurrence and "with X and Y" attendees, every other field null — what a
  user might write instead of a model.

Free-form outputs are parsed with :func:`calendar_ner.decode.parse_event` (text holding no JSON
object counts as invalid). Each row of the table gives JSON validity, field F1, exact match,
the date/time/duration F1 and the mean milliseconds per event; ``--baselines_out FILE`` (or the
``--out DIR`` of ``evaluate``, as ``baselines.json``) also saves it as JSON, with a Markdown
copy beside it.
"""

from __future__ import annotations

import importlib.util
import platform
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from calendar_ner.data.io import Row, write_json
from calendar_ner.decode import postprocess
from calendar_ner.decode.free import generate_free
from calendar_ner.models.metrics import score
from calendar_ner.prompt import encode_prompt
from calendar_ner.schema import FIELDS, Event, canonicalize

if TYPE_CHECKING:
    from jsonargparse import ArgumentParser, Namespace

    from calendar_ner.extract import CalendarExtractor

SEED = 0
MAX_NEW_TOKENS = 160
COLUMNS = {
    "json_validity": "JSON validity",
    "field_f1": "field F1",
    "exact_match": "exact match",
    "date_f1": "date F1",
    "time_f1": "time F1",
    "duration_f1": "duration F1",
    "ms_per_event": "ms/event",
    "cpu_ms_per_event": "CPU ms/event",
}
ZERO_SHOT_INSTRUCTION = (
    "Extract the calendar event from the user's text. Reply with one JSON object only, with "
    f"exactly these keys: {', '.join(FIELDS)}. Use null for anything the text does not say. "
    'attendees is a list of names; date is DD/MM/YYYY; time is like "3:00 PM"; duration and '
    "recurrence as written in the text."
)

# --- the rules-only extractor ------------------------------------------------------------------

_TIME = re.compile(
    r"\b(?:\d{1,2}(?:[:.]\d{2})?\s*[ap]\.?m\.?|(?:[01]?\d|2[0-3]):[0-5]\d|noon|midnight)(?!\w)",
    re.IGNORECASE,
)
_UNIT = r"(?:hours?|hrs?|h|minutes?|mins?|m)"
_DURATION = re.compile(
    rf"\b(?:\d+(?:\.\d+)?\s*{_UNIT}(?:\s*(?:and\s*)?\d+\s*{_UNIT})?|(?:an?|one)\s+hour"
    r"(?:\s+and\s+a\s+half)?|half\s+an\s+hour)\b",
    re.IGNORECASE,
)
_RECURRENCE = re.compile(
    r"\b(?:daily|weekly|bi-?weekly|fortnightly|monthly|quarterly|yearly|annually|"
    r"every\s+(?:other\s+)?\w+)\b",
    re.IGNORECASE,
)
_EVERY = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?"
_RELATIVE = re.compile(
    rf"\b(?:today|tonight|tomorrow|(?:(?:next|this)\s+)?(?:{_WEEKDAY}|week(?:end)?))\b",
    re.IGNORECASE,
)
_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)
_NAME = r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?"
_ATTENDEES = re.compile(rf"\bwith\s+({_NAME}(?:\s*(?:,|\band\b|&)\s*{_NAME})*)")
_NAME_JOIN = re.compile(r"\s*(?:,|\band\b|&)\s*")
_LEADING_WORD = re.compile(r"^(?:on|at|by|for|from)\s+", re.IGNORECASE)


def _rules_date(text: str) -> str | None:
    """A date ``dateparser`` finds in ``text`` (times and durations masked): ``DD/MM/YYYY``
    when it has a year, else as written; else a relative day phrase ("next Monday")."""
    from dateparser.search import search_dates

    masked = text
    for pattern in (_TIME, _DURATION):
        masked = pattern.sub(lambda m: " " * len(m.group(0)), masked)
    masked = re.sub(r"\s+-\s+", " ", masked)  # "11 - Sep - 2026" → "11 Sep 2026"
    settings = {"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "future"}
    for found, when in search_dates(masked, languages=["en"], settings=settings) or []:
        if re.search(r"\d", found) and (_MONTH.search(found) or re.search(r"\d[/.-]\d", found)):
            if re.search(r"\b\d{4}\b", found):
                return when.strftime("%d/%m/%Y")
            return _LEADING_WORD.sub("", found.strip(" ,"))
    relative = _RELATIVE.search(text)
    return relative.group(0) if relative else None


def _rules_recurrence(text: str) -> str | None:
    found = _RECURRENCE.search(text)
    if not found:
        return None
    words = found.group(0).lower().split()
    return _EVERY.get(words[-1], found.group(0)) if words[0] == "every" else found.group(0)


def rules_extract(text: str) -> Event:
    """The event a rules-only extractor reads from ``text``: date, time, duration, recurrence
    and attendees (other fields null), in canonical form.

    >>> rules_extract("Lunch with Sam and Ana on 3rd, Feb 2025 at 1pm for 1 hour")["date"]
    '03/02/2025'
    """
    text = " ".join(text.split())
    time_match, duration = _TIME.search(text), _DURATION.search(text)
    names = _ATTENDEES.search(text)
    event = {
        "date": _rules_date(text),
        "time": time_match.group(0) if time_match else None,
        "attendees": _NAME_JOIN.split(names.group(1)) if names else None,
        "duration": duration.group(0) if duration else None,
        "recurrence": _rules_recurrence(text),
    }
    return canonicalize(event, strict=False)


# --- the model baselines -----------------------------------------------------------------------


def zero_shot_prompt(tokenizer: Any, text: str) -> list[int]:
    """Token ids of the plain instruction prompt (the tokenizer's chat template) for ``text``."""
    messages = [
        {"role": "system", "content": ZERO_SHOT_INSTRUCTION},
        {"role": "user", "content": " ".join(text.split())},
    ]
    rendered = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return tokenizer(rendered, add_special_tokens=False)["input_ids"]


def _zero_shot_model(extractor: CalendarExtractor) -> torch.nn.Module:
    """The base model the extractor's adapter was trained on, without the adapter."""
    from calendar_ner.models.weights import DEFAULT_BUNDLED, load_model

    inference = extractor.meta.get("inference", {})
    device = inference.get("device", "cpu")
    dtype = getattr(torch, inference.get("dtype", "float32"))
    base = load_model(extractor.meta.get("base_model", DEFAULT_BUNDLED))
    return base.to(device=device, dtype=dtype).eval()


def methods(extractor: CalendarExtractor) -> dict[str, Callable[[str], Event | str | None]]:
    """Name → one request to its prediction (an event, or raw text ``score`` parses)."""
    decoder = extractor.decoder
    model, tokenizer = decoder.model, decoder.tokenizer
    base = _zero_shot_model(extractor)

    def zero_shot(text: str) -> str:
        prompt = zero_shot_prompt(tokenizer, text)
        return generate_free(base, tokenizer, [prompt], MAX_NEW_TOKENS)[0]

    def adapter_free(text: str) -> Event | None:
        prompt = encode_prompt(tokenizer, text, decoder.max_prompt_tokens)[0]
        raw = generate_free(model, tokenizer, [prompt], MAX_NEW_TOKENS)[0]
        return postprocess(raw, text, extractor.config)

    return {
        "zero-shot base": zero_shot,
        "adapter, free-form": adapter_free,
        "adapter, constrained": extractor.extract,
        "rules (dateparser)": rules_extract,
    }


def measure(predict: Callable[[str], Event | str | None], rows: list[Row]) -> dict[str, float]:
    """Scores (raw text parsed by :func:`calendar_ner.decode.parse_event`), mean wall-clock and
    process CPU ms per event of ``predict`` on ``rows``, one request at a time after one untimed
    warm-up call. CPU time is the steadier figure on a shared machine; it counts every thread."""
    texts = [r["event_text"] for r in rows]
    predict(texts[0])
    start, cpu = time.perf_counter(), time.process_time()
    preds = [predict(text) for text in texts]
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    per_event = {"ms_per_event": seconds, "cpu_ms_per_event": cpu_seconds}
    metrics = score(preds, [r["output"] for r in rows])
    return metrics | {k: 1000 * v / len(rows) for k, v in per_event.items()}


def sample_rows(rows: list[Row], n: int, seed: int = SEED) -> list[Row]:
    """``n`` rows drawn with ``seed`` (all rows when ``n`` covers them), in file order."""
    if n >= len(rows):
        return list(rows)
    picked = sorted(random.Random(seed).sample(range(len(rows)), n))
    return [rows[i] for i in picked]


# --- the command line --------------------------------------------------------------------------


def add_baseline_args(parser: ArgumentParser) -> None:
    """``--baselines``, ``--baseline_rows`` and ``--baselines_out`` of ``calendar_ner evaluate``."""
    from jsonargparse.typing import PositiveInt

    parser.add_argument(
        "--baselines",
        action="store_true",
        help="Also score the zero-shot base model, the adapter with free-form generate and a "
        "rules-only extractor beside the constrained decoder, on the same sampled rows.",
    )
    parser.add_argument(
        "--baseline_rows",
        type=PositiveInt,
        default=20,
        help=f"Rows of --data the baselines run on (drawn with seed {SEED}).",
    )
    parser.add_argument(
        "--baselines_out",
        default=None,
        help="Write the baseline table here as JSON (and Markdown beside it, .md).",
    )


def check_baselines(ns: Namespace) -> None:
    """Fail before any model load when the baselines cannot run."""
    if ns.baselines and importlib.util.find_spec("dateparser") is None:
        raise SystemExit(
            "--baselines: the rules baseline needs dateparser (pip install 'calendar_ner[dev]')"
        )


def baseline_report(extractor: CalendarExtractor, rows: list[Row], n: int) -> dict[str, Any]:
    """Every baseline on the same ``n`` sampled rows: scores, ms/event and the setting."""
    sample = sample_rows(rows, n)
    table = {name: measure(fn, sample) for name, fn in methods(extractor).items()}
    return {
        "rows": len(sample),
        "of_rows": len(rows),
        "seed": SEED,
        "max_new_tokens": MAX_NEW_TOKENS,
        "base_model": extractor.meta.get("base_model"),
        "inference": extractor.meta.get("inference", {}),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
        "baselines": table,
    }


def markdown(report: dict[str, Any]) -> str:
    """The baselines as a Markdown table."""
    lines = [
        "| baseline | " + " | ".join(COLUMNS.values()) + " |",
        "|---|" + "---:|" * len(COLUMNS),
    ]
    for name, metrics in report["baselines"].items():
        cells = [f"{metrics[k]:.0f}" if "ms_" in k else f"{metrics[k]:.3f}" for k in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_baselines(ns: Namespace, rows: list[Row], extractor: CalendarExtractor) -> dict[str, Any]:
    """``evaluate --baselines``: score, print the table, save it where asked."""
    report = baseline_report(extractor, rows, ns.baseline_rows) | {"data": ns.data}
    table = markdown(report)
    print(f"baselines on {report['rows']} of {report['of_rows']} rows (seed {SEED}):\n{table}")
    out_dir = ns.get("out")
    path = Path(out_dir) / "baselines.json" if out_dir else ns.baselines_out
    if path:
        write_json(path, report)
        Path(path).with_suffix(".md").write_text(table + "\n")
    return report
