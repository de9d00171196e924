"""Event details: the 8-key output with its resolved start/end/RRULE, the span of the request
each value came from, and the model's confidence in each value (docs/details.md).

    >>> text = "Lunch  with Sam tomorrow at 1pm"
    >>> event = {"action": "Lunch", "date": "tomorrow", "time": "1:00 PM", "attendees": ["Sam"],
    ...          "location": None, "duration": None, "recurrence": None, "notes": None}
    >>> spans = find_spans(text, event)
    >>> [text[s:e] for s, e in (spans["action"], spans["date"], spans["time"])]
    ['Lunch', 'tomorrow', '1pm']
    >>> spans["attendees"], spans["location"]
    ([[12, 15]], None)
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from calendar_ner import languages
from calendar_ner.calendar import IcsResult, Resolved, resolve, to_ics
from calendar_ner.calendar.resolve import reference_in, zone
from calendar_ner.schema import (
    CANONICAL_DATE,
    CANONICAL_TIME,
    FIELDS,
    Event,
    duration_minutes,
)
from calendar_ner.spans import date_spans, time_spans, word_spans

SpanList = list[int] | None


@dataclass
class EventDetails:
    """One request's answer in full. ``to_dict()`` is the JSON shape every interface returns:
    ``{"output", "resolved", "spans", "confidence"}``; ``text`` is the request as given."""

    text: str
    output: Event
    resolved: Resolved
    spans: dict[str, Any]
    confidence: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": dict(self.output),
            "resolved": self.resolved.to_dict(),
            "spans": self.spans,
            "confidence": self.confidence,
        }


# --- reference and time zone -------------------------------------------------------------------


def local_timezone() -> str:
    """The IANA name of the local zone: ``$TZ``, else ``/etc/timezone``, else the
    ``/etc/localtime`` link's target, else ``UTC``."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text().strip())
    except OSError:
        pass
    link = os.path.realpath("/etc/localtime")
    if "zoneinfo/" in link:
        candidates.append(link.split("zoneinfo/", 1)[1].removeprefix("posix/"))
    for name in candidates:
        try:
            zone(name)
            return name
        except ValueError:
            continue
    return "UTC"


def check_when(reference: str | datetime | None, timezone: str | None) -> tuple[datetime, str]:
    """``(reference as an aware datetime in the zone, zone name)``; None means now and the local
    zone. ValueError with a one-line reason for an unknown zone or a malformed reference.

    >>> check_when("2026-11-25T09:00", "Europe/Berlin")[0].isoformat()
    '2026-11-25T09:00:00+01:00'
    >>> check_when("25/11/2026", "UTC")
    Traceback (most recent call last):
    ...
    ValueError: malformed reference '25/11/2026': expected ISO 8601
    """
    name = timezone if timezone is not None else local_timezone()
    tz = zone(name)
    return (datetime.now(tz) if reference is None else reference_in(reference, tz)), name


# --- spans -------------------------------------------------------------------------------------


def _verbatim(text: str, value: str) -> list[tuple[int, int]]:
    """Word-start, case-insensitive matches of ``value`` in ``text``, any run of whitespace
    matching a space (the decoder reads the text with its whitespace collapsed)."""
    words = value.split()
    if not words:
        return []
    pattern = r"\s+".join(map(re.escape, words))
    found = [m.span() for m in re.finditer(rf"(?<!\w){pattern}(?!\w)", text, re.IGNORECASE)]
    return found or [m.span() for m in re.finditer(rf"(?<!\w){pattern}", text, re.IGNORECASE)]


def _duration_spans(text: str, value: str) -> list[tuple[int, int]]:
    """The tightest word windows of ``text`` that state as many minutes as ``value``."""
    minutes = duration_minutes(value)
    if minutes is None:
        return []
    words = word_spans(text)
    found = [
        (words[i][0], words[j][1])
        for i in range(len(words))
        for j in range(i, min(i + 6, len(words)))
        if duration_minutes(text[words[i][0] : words[j][1]]) == minutes
    ]
    return [a for a in found if not any(b != a and a[0] <= b[0] and b[1] <= a[1] for b in found)]


def _candidates(field: str, text: str, value: str) -> list[tuple[int, int]]:
    found = _verbatim(text, value)
    local = languages.detect(text) != "en"  # "3 mars 2025", "14h"
    if field == "date" and CANONICAL_DATE.fullmatch(value):
        found += date_spans(text, value, date_words_only=True, local=local) or date_spans(
            text, value, local=local
        )
    elif field == "time" and CANONICAL_TIME.fullmatch(value):
        found += time_spans(text, value, local=local)
    elif field == "duration" and not found:
        found = _duration_spans(text, value)
    return sorted(set(found))


def _pick(found: list[tuple[int, int]], taken: list[tuple[int, int]], after: int) -> SpanList:
    """The first match after the previous field's that overlaps no span already given, else
    the first free one, else the first."""
    free = [s for s in found if not any(s[0] < t[1] and t[0] < s[1] for t in taken)]
    for pool in ([s for s in free if s[0] >= after], free, found):
        if pool:
            taken.append(pool[0])
            return list(pool[0])
    return None


def find_spans(text: str, event: Event) -> dict[str, Any]:
    """``{field: [start, end]}`` (attendees: one per name) in ``text`` as given, of the written
    expression each value came from; None where a value has no span."""
    spans: dict[str, Any] = {}
    taken: list[tuple[int, int]] = []
    after = 0
    for field in FIELDS:
        value = event.get(field)
        if value is None:
            spans[field] = None
        elif isinstance(value, list):
            spans[field] = [_pick(_verbatim(text, name), taken, after) for name in value]
            found = [s for s in spans[field] if s]
            after = found[-1][1] if found else after
        else:
            spans[field] = _pick(_candidates(field, text, str(value)), taken, after)
            after = spans[field][1] if spans[field] else after
    return spans


# --- confidence and the whole answer -----------------------------------------------------------


def confidence(logprobs: dict[str, float]) -> dict[str, float]:
    """Each value's probability: ``exp`` of the sum of its tokens' log-probabilities, the
    model's probability of writing that whole value (null included), rounded to 4 places.

    >>> confidence({"action": -0.105, "date": 0.0})
    {'action': 0.9003, 'date': 1.0}
    """
    return {field: round(math.exp(score), 4) for field, score in logprobs.items()}


def describe(
    text: str, event: Event, logprobs: dict[str, float], reference: datetime, timezone: str
) -> EventDetails:
    """The details of one decoded event (``reference``, ``timezone`` from :func:`check_when`)."""
    return EventDetails(
        text=text,
        output=event,
        resolved=resolve(event, text, reference, timezone),
        spans=find_spans(text, event),
        confidence=confidence(logprobs),
    )


def ics(details: list[EventDetails]) -> IcsResult:
    """One iCalendar with a VEVENT per event that has a start, in order."""
    return to_ics((d.text, d.output, d.resolved) for d in details)
