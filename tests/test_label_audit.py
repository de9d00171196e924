"""benchmarks/label_audit.py counts each label convention both ways (invented rows)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

_PATH = Path(__file__).parents[1] / "benchmarks" / "label_audit.py"
_SPEC = importlib.util.spec_from_file_location("label_audit", _PATH)
label_audit = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(label_audit)


def _row(text: str, **fields: object) -> dict:
    event = dict.fromkeys(label_audit.FIELDS)
    event.update({"date": "03/02/2025", "time": "3:00 PM"}, **fields)
    return {"event_text": text, "output": event}


def _audit(rows: list[dict], tmp_path: Path) -> dict:
    """The audit of ``rows``, read back from a JSONL file as the script reads its data."""
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return label_audit.audit(label_audit.read_rows(path)[0])


def test_audit_counts_conventions_and_verbatim_spans(tmp_path: Path) -> None:
    rows = [
        _row(
            "Schedule design sync 3rd, Feb 2025 3pm w/ Omar 45min",
            action="Schedule design",
            attendees=["Omar"],
            duration="45 minutes",
        ),
        _row(
            "Schedule a budget mtg on 3rd, Feb 2025 at 3pm for 1hr",
            action="budget mtg",
            duration="1hr",
        ),
        _row("Plan team mtg 3rd, Feb 2025 3pm 30min", action="Plan team meeting", duration="30min"),
        _row("Lunch on 3rd, Feb 2025 at 3pm at the pier", action="Lunch", location="pier"),
        _row("Zoom chat about hiring 3rd, Feb 2025 3pm", action="hiring"),
        _row(
            "Pairing 3rd, Feb 2025 3pm 2 hours 15 minutes", action="Pairing", duration="15 minutes"
        ),
    ]
    report = _audit(rows, tmp_path)
    assert report["conventions"] == {
        "leading planning verb in the action": {"kept": 2, "changed": 1},
        "glued duration unit (45min, 1hr)": {"kept": 2, "changed": 1},
        '"mtg" in the action': {"kept": 1, "changed": 1},
        '"sess." in the action': {"kept": 0, "changed": 0},
        "article before the location": {"kept": 0, "changed": 1},
    }
    assert report["conventions_by_style"]["glued duration unit (45min, 1hr)"] == {
        "compact (w/, +)": {"kept": 0, "changed": 1},
        "compact with am/pm time": {"kept": 0, "changed": 1},
        "plain": {"kept": 2, "changed": 0},
    }
    # Minority rows: the dropped verb (row 2), the spelled-out 45min (row 1), and one "mtg"
    # way (a tie picks "kept", row 2): rows 1 and 2.
    assert report["minority_rows"] == 2
    assert report["consistency_ceiling"] == 1 - 2 / report["rows"]
    assert report["verbatim_targets"]["action"] == {"labelled": 6, "verbatim": 5}
    assert report["verbatim_targets"]["duration"] == {"labelled": 4, "verbatim": 3}
    assert report["verbatim_targets"]["date"] == {"labelled": 6, "verbatim": 6}
    # "45 minutes" spells a stated 45; "15 minutes" is a span, but half of "2 hours 15 minutes",
    # which grounding makes whole.
    assert report["durations"] == {
        "labelled": 4,
        "span_or_stated_spelling": 4,
        "left_as_is_by_grounding": 3,
    }
    # "budget mtg" starts after "a", "hiring" inside a phrase; "Schedule design" would end
    # inside one; "Plan team meeting" is not a span of its text.
    assert report["action_bounds"] == {
        "copied_actions": 5,
        "at_allowed_start": 4,
        "at_allowed_start_and_end": 3,
    }


def test_typed_rules_list_exceptions_by_line(tmp_path: Path) -> None:
    rows = [
        _row("Lunch 3rd, Feb 2025 3pm at Room 4B 1hr", action="Lunch", location="Room 4B"),
        _row("Lunch 3rd, Feb 2025 3pm at Room 4B 1hr", location="Room 4B 1hr", duration="1 hour"),
        _row("Lunch 3rd, Feb 2025 3pm", date="04/02/2025", duration="2 hours"),
        _row("Office hours 3rd, Feb 2025 3-5pm", duration="2 hours"),
    ]
    report = _audit(rows, tmp_path)["typed_rules"]
    assert report["typed_dates"] == {
        "labelled": 4,
        "allowed": 3,
        "exceptions": [{"line": 3, "field": "date", "category": "not a date expression"}],
    }
    assert report["typed_durations"]["exceptions"] == [
        {"line": 3, "field": "duration", "category": "amount not stated"}
    ]
    assert report["typed_copies"]["exceptions"] == [
        {"line": 2, "field": "location", "category": "overlaps a duration"}
    ]
    assert report["time_ranges"] == {"applies": 1, "agrees": 1}
    assert report["date_ranges"] == {"applies": 0, "agrees": 0}  # no row writes a range of days
    assert report["typed_times"]["allowed"] == 4
    # Every row writes a date and a time, and every label has them: the rule never contradicts.
    assert report["stated_not_null"]["date"] == {
        "stated": 4,
        "stated_and_labelled": 4,
        "unstated_and_labelled": 0,
    }
    # Rows 1, 2 and 4 state a length (row 4 as a range), row 1 is labelled without one (the rule
    # would contradict it), row 3 is labelled with one it never states.
    assert report["stated_not_null"]["duration"] == {
        "stated": 3,
        "stated_and_labelled": 2,
        "unstated_and_labelled": 1,
    }
    # Glued "1hr" in rows 1-2 (neither compact): the rule leaves it, as the labels there do.
    assert report["style_conventions"]["glued"] == 1
    assert report["style_conventions"]["applies"] == 0
    # Decoded as "1 hour" instead, it is written as the request glues it again.
    assert report["style_conventions"]["spelled_agrees"] == report["style_conventions"]["agrees"]


def test_learned_counts_predictions_that_follow_the_labels_way(tmp_path: Path) -> None:
    text = "Sync 3rd, Feb 2025 3pm w/ Omar 45min"
    gold = _row(text, action="Sync", duration="45 minutes")["output"]
    rows = [
        {"event_text": text, "gold": gold, "pred": gold},  # spelled out, as the label
        {"event_text": text, "gold": gold, "pred": {**gold, "duration": "45min"}},  # copied
        {"event_text": text, "gold": gold, "pred": None},  # did not parse
    ]
    fold = tmp_path / "cv" / "seed-42" / "fold-0"
    fold.mkdir(parents=True)
    (fold / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = label_audit.learned(label_audit.load_predictions(tmp_path / "cv"))
    assert table["glued duration unit (45min, 1hr)"] == {
        "compact (w/, +)": {"labels": 3, "reproduced": 1},
        "compact with am/pm time": {"labels": 3, "reproduced": 1},
    }
    assert table["article before the location"] == {}
    # Grouped once per row (as crossval_result totals them), a row in two styles counts once.
    totals = label_audit.learned(label_audit.load_predictions(tmp_path / "cv"), lambda t: ["all"])
    assert totals["glued duration unit (45min, 1hr)"] == {"all": {"labels": 3, "reproduced": 1}}


def test_an_attendee_that_is_the_location_is_an_exception(tmp_path: Path) -> None:
    text = "Pick up books 3rd, Feb 2025 3pm at Harbor Books with Ana"
    rows = [_row(text, attendees=["Harbor Books", "Ana"], location="Harbor Books")]
    report = _audit(rows, tmp_path)["typed_rules"]
    assert report["people_attendees"] == {
        "labelled": 2,
        "allowed": 1,
        "exceptions": [{"line": 1, "field": "attendees", "category": "the location"}],
    }
