"""Calendar-hard: how often events land on the calendar where the frozen expectations say.

    python benchmarks/calendar_hard.py
    python benchmarks/calendar_hard.py --model checkpoints/release/adapter   # end to end too

Scores, on benchmarks/data/calendar_hard.jsonl (conventions in calendar_hard.md):

(a) the resolver alone on each row's gold 8-key output: the share of rows whose start (and
    all-day flag), end and duration, and recurrence (first three occurrences, and the count and
    last occurrence of a rule that ends) all match;
(b) dateparser's ``search_dates`` on the request text with the same reference and zone, the
    library a user might pick instead (start only: it gives no end, duration or rule);
(c) with ``--model``, the resolver on the model's outputs instead of the gold ones.

Times are compared as instants, all-day starts as dates. Writes a JSON report stamped with the
commit, date, versions, machine and command line (``benchmarks/stamp.py``) and prints a small
table.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dateutil.rrule import rrulestr

from calendar_ner.calendar import Resolved, resolve
from calendar_ner.calendar.resolve import iso, parse_duration

try:  # `python benchmarks/calendar_hard.py` puts benchmarks/ on the path; tests import benchmarks.*
    from stamp import write_result
except ImportError:
    from benchmarks.stamp import write_result

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "calendar_hard.jsonl"
OUT = ROOT / "benchmarks" / "results" / "calendar_hard.json"
_TAIL_CAP = 1000  # occurrences counted for a rule that ends
PACKAGES = ("python-dateutil", "icalendar", "dateparser", "tzdata")


def read_rows(path: Path = DATA) -> list[dict[str, Any]]:
    """The benchmark rows."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _instant(value: str | None) -> str | float | None:
    """A comparable form: an all-day date as is, a time as its POSIX timestamp."""
    if value is None or len(value) == 10:
        return value
    return datetime.fromisoformat(value).timestamp()


def _tail(rule: str | None, start: str | None) -> tuple[int, float | str | None] | None:
    """(count, last occurrence) of a rule that ends (COUNT/UNTIL), else None."""
    if not rule or not start or ("COUNT=" not in rule and "UNTIL=" not in rule):
        return None
    first = datetime.fromisoformat(start)
    found = list(rrulestr(rule, dtstart=first).xafter(first, count=_TAIL_CAP, inc=True))
    last = found[-1].date().isoformat() if len(start) == 10 else found[-1].timestamp()
    return len(found), last


def compare(expected: dict[str, Any], resolved: Resolved) -> dict[str, bool]:
    """Which parts of ``resolved`` match ``expected`` (start, end_duration, recurrence, row)."""
    got = resolved.to_dict()
    start = (
        _instant(got["start"]) == _instant(expected["start"])
        and got["all_day"] == expected["all_day"]
    )
    durations = [d and parse_duration(d) for d in (got["duration"], expected["duration"])]
    end = _instant(got["end"]) == _instant(expected["end"]) and durations[0] == durations[1]
    occurrences = [[_instant(o) for o in side["occurrences"] or []] for side in (got, expected)]
    recurrence = occurrences[0] == occurrences[1] and _tail(
        got["rrule"], iso(resolved.start)
    ) == _tail(expected["rrule"], expected["start"])
    return {
        "start": start,
        "end_duration": end,
        "recurrence": recurrence,
        "row": start and end and recurrence,
    }


def score_resolver(rows: list[dict], outputs: list[dict] | None = None) -> dict[str, Any]:
    """Shares of rows the resolver gets right from ``outputs`` (default: the gold outputs)."""
    totals = dict.fromkeys(("start", "end_duration", "recurrence", "row"), 0)
    failures = []
    for row, output in zip(rows, outputs or [r["output"] for r in rows]):
        resolved = resolve(output, row["event_text"], row["reference"], row["timezone"])
        match = compare(row["expected"], resolved)
        for key, ok in match.items():
            totals[key] += ok
        if not match["row"]:
            failures.append({"event_text": row["event_text"], "got": resolved.to_dict()})
    return {k: v / len(rows) for k, v in totals.items()} | {"failures": failures}


def dateparser_start(text: str, reference: str, zone: str) -> datetime | None:
    """The first date ``dateparser.search.search_dates`` finds in ``text``, or None."""
    from dateparser.search import search_dates

    settings = {
        "RELATIVE_BASE": datetime.fromisoformat(reference),
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": zone,
        "TO_TIMEZONE": zone,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "DATE_ORDER": "DMY",
    }
    found = search_dates(text, languages=["en"], settings=settings)
    return found[0][1] if found else None


def score_dateparser(rows: list[dict]) -> dict[str, Any]:
    """Share of rows whose start dateparser finds (all-day rows: the right day)."""
    hits = 0
    for row in rows:
        found = dateparser_start(row["event_text"], row["reference"], row["timezone"])
        expected = row["expected"]["start"]
        if expected is None or found is None:
            hits += expected is None and found is None
        elif len(expected) == 10:
            hits += found.date() == date.fromisoformat(expected)
        else:
            hits += found.timestamp() == _instant(expected)
    return {"start": hits / len(rows)}


def model_outputs(path: str, texts: list[str]) -> list[dict]:
    """The 8-key outputs of the model at ``path`` (imports the model stack only when asked)."""
    from calendar_ner.extract import CalendarExtractor

    return CalendarExtractor.from_pretrained(path).extract_batch(texts)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--model", help="an adapter directory: also score end to end")
    args = parser.parse_args(argv)
    rows = read_rows(args.data)
    report: dict[str, Any] = {
        "data": str(args.data.relative_to(ROOT) if args.data.is_relative_to(ROOT) else args.data),
        "rows": len(rows),
        "resolver_on_gold": score_resolver(rows),
        "dateparser_search_dates": score_dateparser(rows),
    }
    if args.model:
        outputs = model_outputs(args.model, [r["event_text"] for r in rows])
        report["resolver_on_model"] = score_resolver(rows, outputs) | {"model": args.model}
    command = None if argv is None else ["benchmarks/calendar_hard.py", *argv]
    write_result("calendar_hard", report, command, path=args.out, packages=PACKAGES)
    print(f"{'method':<26}{'start':>8}{'end/dur':>9}{'rrule':>8}{'row':>8}")
    for name in ("resolver_on_gold", "resolver_on_model", "dateparser_search_dates"):
        if name in report:
            cells = [report[name].get(k) for k in ("start", "end_duration", "recurrence", "row")]
            shown = ["-" if c is None else f"{c:.3f}" for c in cells]
            print(f"{name:<26}{shown[0]:>8}{shown[1]:>9}{shown[2]:>8}{shown[3]:>8}")
    return report


if __name__ == "__main__":
    main()
