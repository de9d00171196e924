"""benchmarks/calendar_hard.py: the resolver alone on the frozen gold outputs reaches the goal
(>= 0.95 of rows fully right), and the row comparison catches a wrong start, end and rule."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

_PATH = Path(__file__).parents[1] / "benchmarks" / "calendar_hard.py"
_SPEC = importlib.util.spec_from_file_location("calendar_hard", _PATH)
calendar_hard = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(calendar_hard)


def test_the_benchmark_is_large_and_labelled_canonically():
    rows = calendar_hard.read_rows()
    assert len(rows) >= 150
    keys = {"start", "end", "all_day", "duration", "rrule", "occurrences"}
    assert all(set(row["expected"]) == keys for row in rows)


def test_resolver_on_gold_outputs_reaches_the_goal():
    scores = calendar_hard.score_resolver(calendar_hard.read_rows())
    assert scores["row"] >= 0.95, [f["event_text"] for f in scores["failures"]]


def test_compare_catches_each_part():
    row = next(
        r for r in calendar_hard.read_rows() if r["expected"]["rrule"] and r["expected"]["end"]
    )
    resolved = calendar_hard.resolve(
        row["output"], row["event_text"], row["reference"], row["timezone"]
    )
    assert calendar_hard.compare(row["expected"], resolved)["row"]
    moved = replace(resolved, start=resolved.start + timedelta(hours=1))
    assert not calendar_hard.compare(row["expected"], moved)["start"]
    assert not calendar_hard.compare(row["expected"], replace(resolved, end=None))["end_duration"]
    assert not calendar_hard.compare(row["expected"], replace(resolved, rrule="FREQ=DAILY"))[
        "recurrence"
    ]
