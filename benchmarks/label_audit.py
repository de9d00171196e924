"""How consistent the labels are: where the same wording gets different labels.

    python benchmarks/label_audit.py --data ../shared/data/event_text_mapping.dev.jsonl

Exact match needs every field right, label conventions included. This counts, for a few
wordings that recur in the requests, how often the label keeps the wording and how often it
changes it; a model can follow only one way per wording, so the minority rows are misses for it
unless it finds another cue. Also prints, per field, how often the target (dates and times as
written, :func:`calendar_ner.data.tokens.training_target`) is a verbatim span of the request,
and how many copied actions start and end where the decoder lets an action start and end
(:func:`calendar_ner.decode.action_starts`, :func:`calendar_ner.decode.action_ends`), and how
many labelled durations are a span of the request or a spelling of an amount it states, and are
left as they are by :func:`calendar_ner.schema.ground_duration`. Prints counts only, never row
text, and writes them, stamped, to ``benchmarks/results/label_audit.json``.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable

from calendar_ner.data.io import Row, read_rows
from calendar_ner.data.tokens import training_target
from calendar_ner.decode.copy import action_ends, action_starts
from calendar_ner.schema import FIELDS, ground_duration, is_stated_duration
from calendar_ner.spans import copied, fold

try:  # `python benchmarks/label_audit.py` puts benchmarks/ on the path; tests import benchmarks.*
    from stamp import write_result
except ImportError:
    from benchmarks.stamp import write_result

# A probe looks at one row and says which way its label went for that wording ("kept" or
# "changed"), or None where the row does not have the wording.
Probe = Callable[[str, dict], str | None]

_LEADING_VERB = re.compile(r"^(schedule|plan|book|arrange|organi[sz]e|set up|add)\b", re.I)
_GLUED_UNIT = re.compile(r"\b\d+(?:\.\d+)?(min|hr)\b", re.I)


def leading_verb(text: str, event: dict) -> str | None:
    """A request that starts with a planning verb ("Schedule …"): is the verb in the action?"""
    match = _LEADING_VERB.match(text)
    if not match or not event["action"]:
        return None
    return "kept" if event["action"].lower().startswith(match.group(1).lower()) else "changed"


def glued_duration(text: str, event: dict) -> str | None:
    """A duration written without a space ("45min", "1hr"): copied or spelled out?"""
    match = _GLUED_UNIT.search(text)
    if not match or not event["duration"]:
        return None
    return "kept" if match.group(0) in event["duration"] else "changed"


def shorthand_meeting(text: str, event: dict) -> str | None:
    """A request that says "mtg": is it copied into the action, or spelled out as "meeting"?"""
    action = (event["action"] or "").lower()
    if not re.search(r"\bmtg\b", text, re.I):
        return None
    if re.search(r"\bmtg\b", action):
        return "kept"
    return "changed" if re.search(r"\bmeeting\b", action) else None


PROBES: dict[str, Probe] = {
    "leading planning verb in the action": leading_verb,
    "glued duration unit (45min, 1hr)": glued_duration,
    '"mtg" in the action': shorthand_meeting,
}


def verbatim(text: str, value: object) -> bool:
    """Whether the value (every name of a list) appears in the text as written."""
    names = value if isinstance(value, list) else [value]
    return all(str(name) in text for name in names)


def audit(rows: list[Row]) -> dict:
    """Verbatim counts per field, both ways of each convention, and the minority rows."""
    texts = [" ".join(row["event_text"].split()) for row in rows]
    targets = [training_target(t, row["output"]) for t, row in zip(texts, rows)]
    fields = {}
    for name in FIELDS:
        present = [(t, e[name]) for t, e in zip(texts, targets) if e[name] is not None]
        hits = sum(verbatim(t, v) for t, v in present)
        fields[name] = {"labelled": len(present), "verbatim": hits}
    probes, minority_rows = {}, set()
    for label, probe in PROBES.items():
        ways: dict[str, list[int]] = {"kept": [], "changed": []}
        for i, (text, row) in enumerate(zip(texts, rows)):
            way = probe(text, row["output"])
            if way:
                ways[way].append(i)
        minority = min(ways.values(), key=len)
        minority_rows.update(minority)
        probes[label] = {way: len(idx) for way, idx in ways.items()}
    actions = [(t, f' "{e["action"]}"') for t, e in zip(texts, targets) if e["action"]]
    actions = [(t, a) for t, a in actions if copied(a, fold(t))]
    durations = [(t, row["output"]["duration"]) for t, row in zip(texts, rows)]
    durations = [(t, d) for t, d in durations if d]
    return {
        "rows": len(rows),
        "verbatim_targets": fields,
        "action_bounds": {
            "copied_actions": len(actions),
            "at_allowed_start": sum(copied(a, fold(t), action_starts(t)) for t, a in actions),
            "at_allowed_start_and_end": sum(
                copied(a, fold(t), action_starts(t), action_ends(t)) for t, a in actions
            ),
        },
        "durations": {
            "labelled": len(durations),
            "span_or_stated_spelling": sum(is_stated_duration(d, t) for t, d in durations),
            "left_as_is_by_grounding": sum(ground_duration(d, t) == d for t, d in durations),
        },
        "conventions": probes,
        "minority_rows": len(minority_rows),
        "minority_share": len(minority_rows) / len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="Labelled JSONL ({event_text, output}).")
    parser.add_argument(
        "--output", default=None, help="Result JSON (default: benchmarks/results/label_audit.json)."
    )
    args = parser.parse_args()
    rows, _ = read_rows(args.data)
    result = audit(rows)
    print(json.dumps(result, indent=2))
    print(f"wrote {write_result('label_audit', result, path=args.output)}")


if __name__ == "__main__":
    main()
