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
left as they are by :func:`calendar_ner.schema.ground_duration`.

Typed values (:mod:`calendar_ner.decode.types`, the ``typed_*``, ``time_ranges``,
``date_ranges`` and ``bare_hours`` options of :class:`calendar_ner.decode.config.DecodeConfig`):
per rule, how many labels it allows, and each exception by line number, field and a short
category, and how many requests :func:`calendar_ner.languages.detect` reads as English
(``languages``: the French, Spanish and German candidates and copy words apply to no other
request). And per request
style (compact ``w/ A + B`` notes, ISO or dashed dates, sentences) which way the labels go for
each convention, and with ``--predictions`` (a crossval folder) how many of those labels the
held-out predictions reproduce. Prints counts, line numbers and field names only, never row
text, and writes them, stamped, to ``benchmarks/results/label_audit.json``.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from calendar_ner import languages
from calendar_ner.data.io import Row, read_rows
from calendar_ner.data.tokens import training_target
from calendar_ner.decode.config import DecodeConfig
from calendar_ner.decode.copy import (
    action_ends,
    action_span,
    action_starts,
    is_fragment,
    joined_names_missing,
    name_bounds,
    name_breaks,
    place_bounds,
    platform_in_action,
)
from calendar_ner.decode.postprocess import (
    action_without_attendees,
    is_place,
    note_apart,
    postprocess,
    purpose_note,
    typed_note,
)
from calendar_ner.decode.types import (
    candidates,
    date_expressions,
    is_frequency_word,
    time_expressions,
)
from calendar_ner.schema import FIELDS, duration_spans, ground_duration, is_stated_duration
from calendar_ner.spans import copied, fold
from calendar_ner.styles import GLUED, spell_out_glued, styles

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


def shorthand_session(text: str, event: dict) -> str | None:
    """A request that says "sess.": copied, or spelled out as "session"?"""
    action = (event["action"] or "").lower()
    if not re.search(r"\bsess\.", text, re.I):
        return None
    if "sess." in action:
        return "kept"
    return "changed" if "session" in action else None


def location_article(text: str, event: dict) -> str | None:
    """A location written after "the" ("at the pier"): is "the" in the label?"""
    location = event["location"]
    if not location or not re.search(rf"\bthe {re.escape(location)}", text, re.I):
        if not location or not location.lower().startswith("the "):
            return None
    return "kept" if location.lower().startswith("the ") else "changed"


PROBES: dict[str, Probe] = {
    "leading planning verb in the action": leading_verb,
    "glued duration unit (45min, 1hr)": glued_duration,
    '"mtg" in the action': shorthand_meeting,
    '"sess." in the action': shorthand_session,
    "article before the location": location_article,
}


def by_style(texts: list[str], rows: list[Row]) -> dict:
    """For each convention and style, how many labels keep and change the wording."""
    table: dict[str, dict[str, dict[str, int]]] = {}
    for label, probe in PROBES.items():
        table[label] = {}
        for text, row in zip(texts, rows):
            way = probe(text, row["output"])
            for style in styles(text) if way else ():
                counts = table[label].setdefault(style, {"kept": 0, "changed": 0})
                counts[way] += 1
    return table


def learned(predictions: list[dict], groups: Callable[[str], list[str]] = styles) -> dict:
    """For each convention and style (``groups`` of a text), on held-out predictions
    (``{event_text, gold, pred}``): how many labels have the wording, and how many predictions
    go the label's way. A row counts once in each of its styles."""
    table: dict[str, dict[str, dict[str, int]]] = {}
    for label, probe in PROBES.items():
        table[label] = {}
        for row in predictions:
            text = row["event_text"]
            way = probe(text, row["gold"])
            got = probe(text, row["pred"]) if row["pred"] else None
            for style in groups(text) if way else ():
                counts = table[label].setdefault(style, {"labels": 0, "reproduced": 0})
                counts["labels"] += 1
                counts["reproduced"] += got == way
    return table


def load_predictions(path: Path) -> list[dict]:
    """The rows of a predictions.jsonl, or of every fold of a ``calendar_ner crossval`` folder."""
    files = sorted(path.glob("seed-*/fold-*/predictions.jsonl")) if path.is_dir() else [path]
    return [json.loads(line) for f in files for line in f.read_text().splitlines() if line]


def _overlap(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in spans)


def _copy_exception(text: str, value: str) -> str | None:
    """Why a copied label is disallowed by ``typed_copies`` (None: it is allowed)."""
    folded, blocked = fold(text), candidates(text).blocked
    quoted = f' "{value}"'
    if not copied(quoted, folded) or copied(quoted, folded, blocked=blocked):
        return None
    spans = [m.span() for m in re.finditer(re.escape(fold(value)), folded)]
    kinds = (("date", date_expressions(text)), ("time", time_expressions(text)))
    for kind, found in (*kinds, ("duration", duration_spans(text))):
        if all(_overlap(span, found) for span in spans):
            return f"overlaps a {kind}"
    return "overlaps a date, time or duration"


def _time_of(text: str, value: str) -> str | None:
    return postprocess(json.dumps({"time": value}), text, DecodeConfig())["time"]


_ACTION_STYLE_RULES = ("planned_action", "platform_in_action")


def _action_style_rules(text: str, action: str) -> list[tuple[str, bool, bool]]:
    """(rule, whether it applies to the request, whether the action label agrees) for the
    ``action_bounds`` rules that follow a way of writing a request."""
    text = " ".join(text.split())
    starts = action_starts(text, planned=True)
    platform = platform_in_action(text)
    word = platform is not None and text[platform[0] : platform[1]].split()[0].lower()
    return [
        (
            "planned_action",
            starts != action_starts(text),
            copied(f' "{action}"', fold(text), starts),
        ),
        ("platform_in_action", platform is not None, bool(word) and word in action.lower()),
    ]


def typed_rules(texts: list[str], rows: list[Row]) -> dict:
    """Per typed rule: labels it concerns, labels it allows, exceptions (line, field, why)."""
    report: dict[str, dict] = {
        rule: {"labelled": 0, "allowed": 0, "exceptions": []}
        for rule in (
            "typed_dates",
            "typed_times",
            "typed_durations",
            "typed_recurrences",
            "typed_copies",
            "outside_action",
            "people_attendees",
            "place_bounds",
            "name_bounds",
        )
    }
    rules = ("time_ranges", "date_ranges", "bare_hours")
    report |= {rule: {"applies": 0, "agrees": 0} for rule in rules}
    # stated_not_null: a date (time) is never null where the request writes one, a duration
    # where it states one (booked or ending its phrase: Candidates.duration_stated).
    # joined_attendees: attendee labels that lack a name the request joins to one of theirs.
    report["joined_attendees"] = {"labelled": 0, "allowed": 0, "exceptions": []}
    # location_article: location labels the rule would change (those that keep "the").
    report["location_article"] = {"labelled": 0, "changed": 0, "exceptions": []}
    # action_without_attendees: action labels the rule would cut (an attendee or a "with" at
    # the end).
    report["action_without_attendees"] = {"labelled": 0, "changed": 0, "exceptions": []}
    # planned_action: a request that opens by planning time ("Book time to …") and whose label
    # starts after that opening; platform_in_action: a "length last" request with a platform
    # before its date and whose label's action holds it.
    report |= {r: {"applies": 0, "agrees": 0, "exceptions": []} for r in _ACTION_STYLE_RULES}
    # fragments: location and attendee labels that is_fragment would drop ("a", "cap it at").
    report["fragments"] = {"labelled": 0, "allowed": 0, "exceptions": []}
    # lower_frequency: recurrence labels that are a frequency word, and are in lower case.
    report["lower_frequency"] = {"applies": 0, "agrees": 0, "exceptions": []}
    # purpose_notes: requests that state a purpose after the labelled location, and whose note
    # is that purpose.
    report["purpose_notes"] = {"applies": 0, "agrees": 0, "exceptions": []}
    # stated_not_null for recurrences: a request that states one ("weekly") has one.
    report["stated_recurrence"] = {"applies": 0, "agrees": 0, "exceptions": []}
    # stated_attendees: a request that says who with ("w/ team") has attendees.
    report["stated_attendees"] = {"applies": 0, "agrees": 0, "exceptions": []}
    # platform_location: a request that names a platform outside its action has a location.
    report["platform_location"] = {"applies": 0, "agrees": 0, "exceptions": []}
    report["stated_not_null"] = {
        f: {"stated": 0, "stated_and_labelled": 0, "unstated_and_labelled": 0}
        for f in ("date", "time", "duration")
    }
    # Glued durations ("45min") copied as written, then read with style_conventions on and off;
    # "spelled_agrees": the amount decoded spelled out in words ("45 minutes"), read with it on.
    report["style_conventions"] = {
        "glued": 0,
        "applies": 0,
        "agrees": 0,
        "agrees_without": 0,
        "spelled_agrees": 0,
    }
    # Requests read as English: only those take none of the French, Spanish and German paths.
    report["languages"] = dict(Counter(languages.detect(text) for text in texts))

    def check(rule: str, ok: bool, line: int, field: str, why: str) -> None:
        report[rule]["labelled"] += 1
        report[rule]["allowed"] += ok
        if not ok:
            report[rule]["exceptions"].append({"line": line, "field": field, "category": why})

    for text, row in zip(texts, rows):
        gold, line = row["output"], row["line"]
        found = candidates(text)
        target = training_target(text, gold)
        for f in ("date", "time", "duration"):
            counts = report["stated_not_null"][f]
            stated = found.duration_stated if f == "duration" else bool(found.of(f))
            counts["stated"] += stated
            counts["stated_and_labelled"] += stated and gold[f] is not None
            counts["unstated_and_labelled"] += not stated and gold[f] is not None
        if gold["date"] is not None:
            ok = fold(target["date"]) in map(fold, found.date)
            why = "no date expression" if not found.date else "not a date expression"
            check("typed_dates", ok, line, "date", why)
            plain = DecodeConfig(date_ranges=False)  # rows where the rule reads a candidate
            changed = set()
            for value in found.date:
                raw = json.dumps({"date": value})
                read = postprocess(raw, text, plain.replace(date_ranges=True))["date"]
                if read != postprocess(raw, text, plain)["date"]:
                    changed.add(read)
            report["date_ranges"]["applies"] += bool(changed)
            report["date_ranges"]["agrees"] += gold["date"] in changed
        if gold["time"] is not None:
            ok = any(_time_of(text, c) == gold["time"] for c in found.time)
            why = "no time expression" if not found.time else "not a time expression"
            check("typed_times", ok, line, "time", why)
            plain = DecodeConfig(time_ranges=False, bare_hours=False)
            for rule in ("time_ranges", "bare_hours"):  # rows where the rule reads a candidate
                changed = set()
                for value in found.time:
                    raw = json.dumps({"time": value})
                    read = postprocess(raw, text, plain.replace(**{rule: True}))["time"]
                    if read != postprocess(raw, text, plain)["time"]:
                        changed.add(read)
                report[rule]["applies"] += bool(changed)
                report[rule]["agrees"] += gold["time"] in changed
        if gold["duration"] is not None:
            typed_only = DecodeConfig(style_conventions=False)  # the candidate set alone
            ok = any(
                postprocess(json.dumps({"duration": c}), text, typed_only)["duration"]
                == gold["duration"]
                for c in found.duration
            )
            why = "amount not stated" if not found.duration else "spelling not a candidate"
            check("typed_durations", ok, line, "duration", why)
            glued = re.search(rf"\b{GLUED.pattern}\b", text)
            if glued:
                raw = json.dumps({"duration": glued.group(0)})
                read = {
                    on: postprocess(raw, text, DecodeConfig(style_conventions=on))["duration"]
                    for on in (True, False)
                }
                counts = report["style_conventions"]
                counts["glued"] += 1
                counts["applies"] += read[True] != read[False]
                counts["agrees"] += read[True] == gold["duration"]
                counts["agrees_without"] += read[False] == gold["duration"]
                words = json.dumps({"duration": spell_out_glued(glued.group(0))})
                spelled = postprocess(words, text, DecodeConfig())["duration"]
                counts["spelled_agrees"] += spelled == gold["duration"]
        if found.recurrence_stated:
            counts = report["stated_recurrence"]
            counts["applies"] += 1
            counts["agrees"] += gold["recurrence"] is not None
            if gold["recurrence"] is None:
                why = {"line": line, "field": "recurrence", "category": "null"}
                counts["exceptions"].append(why)
        if gold["recurrence"] is not None:
            ok = fold(gold["recurrence"]) in map(fold, found.recurrence or ())
            why = "no recurrence expression" if not found.recurrence else "not one of them"
            check("typed_recurrences", ok, line, "recurrence", why)
        if gold["location"]:
            counts = report["location_article"]
            counts["labelled"] += 1
            if gold["location"].startswith("the "):
                counts["changed"] += 1
                counts["exceptions"].append({"line": line, "field": "location", "category": "the"})
        if gold["attendees"]:
            ok = not joined_names_missing(gold["attendees"], text)  # none missing
            check("joined_attendees", ok, line, "attendees", "a joined name left out")
        if gold["action"]:
            counts = report["action_without_attendees"]
            counts["labelled"] += 1
            if action_without_attendees(gold["action"], gold["attendees"]) != gold["action"]:
                counts["changed"] += 1
                counts["exceptions"].append({"line": line, "field": "action", "category": "cut"})
        span = isinstance(gold["action"], str) and action_span(
            gold["action"], text, action_starts(text)
        )
        for rule, applies, agrees in _action_style_rules(text, gold["action"] or ""):
            if applies:
                counts = report[rule]
                counts["applies"] += 1
                counts["agrees"] += agrees
                if not agrees:
                    counts["exceptions"].append({"line": line, "field": "action"})
        if found.attendees_stated:
            counts = report["stated_attendees"]
            counts["applies"] += 1
            counts["agrees"] += bool(gold["attendees"])
            if not gold["attendees"]:
                counts["exceptions"].append({"line": line, "field": "attendees"})
        if found.platform_outside(span or None):
            counts = report["platform_location"]
            counts["applies"] += 1
            counts["agrees"] += gold["location"] is not None
            if gold["location"] is None:
                why = "action not a span" if not span else "location null"
                counts["exceptions"].append({"line": line, "field": "location", "category": why})
        if gold["recurrence"] and is_frequency_word(gold["recurrence"]):
            counts = report["lower_frequency"]
            counts["applies"] += 1
            counts["agrees"] += gold["recurrence"] == gold["recurrence"].lower()
            if gold["recurrence"] != gold["recurrence"].lower():
                counts["exceptions"].append({"line": line, "field": "recurrence"})
        if purpose := purpose_note(gold["location"], text):
            counts = report["purpose_notes"]
            counts["applies"] += 1
            counts["agrees"] += purpose == gold["notes"]
            if purpose != gold["notes"]:
                counts["exceptions"].append({"line": line, "field": "notes"})
        if gold["notes"]:
            ok = typed_note(gold["notes"], gold["duration"], text) == gold["notes"]
            when = (target["date"], target["time"])  # as the request writes them
            ok = ok and note_apart(gold["notes"], gold, when, text) == gold["notes"]
            why = "states the event's length, cuts a lead or repeats another field"
            check("typed_copies", ok, line, "notes", why)
        names = name_bounds(text, found.blocked)
        for field in ("action", "location", "attendees"):
            values = gold[field] if isinstance(gold[field], list) else [gold[field]]
            for value in filter(None, values):
                if field != "action":
                    check("fragments", not is_fragment(value), line, field, "a fragment")
                if field == "location" and copied(f' "{value}"', fold(text)):
                    ok = copied(f' "{value}"', fold(text), *place_bounds(text, found.blocked))
                    check("place_bounds", ok, line, field, "starts or ends inside a place")
                why = _copy_exception(text, value)
                check("typed_copies", why is None, line, field, why or "")
                if field == "attendees" and copied(f' "{value}"', fold(text)):
                    ok = copied(f' "{value}"', fold(text), *names, name_breaks(text))
                    check("name_bounds", ok, line, field, "starts or ends inside a name")
                if field == "attendees":
                    person = copied(f' "{value}"', fold(text), blocked=found.platforms)
                    person = person and not is_place(value)
                    elsewhere = fold(value) != fold(gold["location"] or "")
                    why = "a platform or no place" if not person else "the location"
                    check("people_attendees", person and elsewhere, line, field, why)
                if field != "action" and span:
                    ok = copied(f' "{value}"', fold(text), blocked=[span])
                    check("outside_action", ok, line, field, "inside the action")
    return report


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
        # The label-consistency ceiling: the share of rows whose label follows the majority
        # convention for each of its wordings, the exact match a model that follows the
        # majority everywhere (and is otherwise perfect) would reach on these rows.
        "consistency_ceiling": 1 - len(minority_rows) / len(rows),
        "conventions_by_style": by_style(texts, rows),
        "typed_rules": typed_rules(texts, rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="Labelled JSONL ({event_text, output}).")
    parser.add_argument(
        "--output", default=None, help="Result JSON (default: benchmarks/results/label_audit.json)."
    )
    parser.add_argument(
        "--predictions",
        default=None,
        help="Held-out predictions to check against the conventions: a `calendar_ner crossval` "
        "folder or an `evaluate --out` predictions.jsonl (adds conventions_learned).",
    )
    args = parser.parse_args()
    rows, _ = read_rows(args.data)
    result = audit(rows)
    if args.predictions:
        predictions = load_predictions(Path(args.predictions))
        result["conventions_learned"] = {"rows": len(predictions)} | learned(predictions)
    print(json.dumps(result, indent=2))
    print(f"wrote {write_result('label_audit', result, path=args.output)}")


if __name__ == "__main__":
    main()
