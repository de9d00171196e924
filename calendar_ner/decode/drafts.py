"""Rule-based guesses of every value, used only as drafts by the constrained decoder.

The decoder verifies a draft in the same forward that feeds the tokens before it, so a right
guess lets a whole value, the fixed JSON after it and the next values be accepted at once, and a
wrong guess costs only the extra positions in one forward (~0.5 ms per token in bf16 on 2 cores).
Guesses never reach the output: the model's own greedy choice always wins. Hand-written because
they only have to be cheap and usually right, and they read the same surface forms the training
targets copy (see :func:`calendar_ner.data.tokens.training_target`).

    >>> guess_event("Lunch with Sam at 1pm")[0]["attendees"]
    ['Sam']

Measured agreement with the training targets (``python benchmarks/drafts.py``): every field
right on about two thirds of the real rows; one wrong field costs about one extra forward.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from calendar_ner.schema import FIELDS, Event, normalize_duration
from calendar_ner.spans import date_span, time_span

_DURATION = re.compile(
    r"\b(?:\d+(?:\.\d+)?\s?(?:hours?|hrs?|h|minutes?|mins?|m)|(?:an?|one)[ -]hour)\b", re.I
)
_RECURRENCE = re.compile(
    r"\b(?:every (?:other )?\w+|daily|weekly|bi-?weekly|monthly|annually|yearly)\b", re.I
)
_PLATFORM = re.compile(
    r"\b(?:Zoom|Microsoft Teams|Teams|Google Meet|Webex|Skype|Slack|FaceTime|Discord)\b"
)
_NAME = r"[A-Z][a-z]+"
_JOIN = r",\s*(?:and\s+)?|\s+and\s+|\s*[&+]\s*"  # "Ana, Bo, and Cy", "Ana & Bo", "Ana + Bo"
_NAMES = re.compile(rf"(?:\bwith|\bw/|\b[Mm]eet)\s+({_NAME}(?:(?:{_JOIN}){_NAME})*)")
_NAME_LIST = re.compile(rf"({_NAME}(?:,\s*(?:and\s+)?{_NAME})+)")  # "... 3pm Ana, Bo, Cy"
_NAME_SPLIT = re.compile(_JOIN)
_PLACE = re.compile(r"\b(?:at|in)\s+(?:the\s+)?([A-Za-z][\w'-]*(?:\s+[A-Z0-9][\w'-]*|\s+[a-z]+)*)")
# Where an action or a place usually ends in the text.
_BOUNDARY = re.compile(
    r",|;|\.(?:\s|$)|\s(?:with|w/|at|on|for|in|from|using|via|starting|scheduled|hosted|"
    r"planned|arranged|set|to|about)(?=\s|$)"
)
# A place written bare after the time in short notes: "... 14:00 Conference Room 1hr".
_BARE_PLACE = re.compile(r"\s*([A-Z][\w'-]*(?:\s[A-Z0-9][\w'-]*)*)")


def value_end(text: str, start: int, stops: Sequence[int] = ()) -> int:
    """Where a value that starts at ``start`` most likely ends: the next boundary or stop."""
    match = _BOUNDARY.search(text, start)
    ends = [match.start() if match else len(text.rstrip(".!?"))]
    end = min(ends + [s for s in stops if s > start])
    return start + len(text[start:end].rstrip())


def guess_event(text: str) -> tuple[Event, list[int]]:
    """A draft of every field of ``text`` (whitespace already collapsed), and where its date,
    time and duration spans start (a value being copied most likely ends before them)."""
    event: Event = dict.fromkeys(FIELDS)
    spans = {"date": date_span(text), "time": time_span(text)}
    for field, span in spans.items():
        if span:
            event[field] = text[span[0] : span[1]]
    duration = _DURATION.search(text)
    if duration:
        event["duration"] = normalize_duration(duration.group(0))
    taken = sorted(s for s in (*spans.values(), duration and duration.span()) if s)
    stops = [s for s, _ in taken]
    start = 0
    for span_start, span_end in taken:  # "2024-03-01 10am Standup ...": skip leading date/time
        if text[start:span_start].strip(" ,") == "":
            start = span_end
    start += len(text[start:]) - len(text[start:].lstrip(" ,"))
    event["action"] = text[start : value_end(text, start, stops)].strip() or None
    names = _NAMES.search(text)
    bare_names = _NAME_LIST.search(text)
    words = (event["action"] or "").split()
    if names or bare_names:
        found = (names or bare_names).group(1)
        event["attendees"] = [n for n in _NAME_SPLIT.split(found) if n]
    elif len(words) > 1 and words[-1].istitle() and words[-1][1:].isalpha():
        event["action"], event["attendees"] = " ".join(words[:-1]), [words[-1]]  # "Sync Alex …"
    platform = _PLATFORM.search(text)
    place = _PLACE.search(text)
    bare = _BARE_PLACE.match(text, spans["time"][1]) if spans["time"] else None
    if platform:
        event["location"] = platform.group(0)
    elif place and not _BOUNDARY.match(text, place.start(1) - 1):
        event["location"] = text[place.start(1) : value_end(text, place.start(1), stops)] or None
    elif bare and not bare_names and not _NAMES.match(text, bare.start(1)):
        event["location"] = text[bare.start(1) : value_end(text, bare.start(1), stops)] or None
    recurrence = _RECURRENCE.search(text)
    if recurrence:
        event["recurrence"] = recurrence.group(0)
    return event, stops
