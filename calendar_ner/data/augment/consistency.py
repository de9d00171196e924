"""Which label values a generated text does not express (spans: :mod:`calendar_ner.spans`)."""

from __future__ import annotations

from typing import Any

from calendar_ner import languages
from calendar_ner.schema import FIELDS, is_stated_duration
from calendar_ner.spans import date_spans, time_spans


def _squash(text: str) -> str:
    return " ".join(text.split()).lower()


def missing_in_text(text: str, event: dict[str, Any]) -> list[str]:
    """Fields whose non-null value is not expressed in ``text``.

    A date or time is expressed when it occurs verbatim or some span of the text normalizes to
    it; each attendee name must occur (case-insensitive); a duration must occur or spell an amount
    the text states ("45 minutes" for "45min"); any other value must occur case-insensitively.
    """
    flat = _squash(text)
    local = languages.detect(text) != "en"  # "3 mars 2025", "14h"
    missing = []
    for field in FIELDS:
        value = event.get(field)
        if value is None:
            continue
        if field == "attendees":
            names = [value] if isinstance(value, str) else value
            ok = all(_squash(name) in flat for name in names)
        elif _squash(value) in flat:
            ok = True
        elif field == "date":
            ok = bool(date_spans(text, value, local=local))
        elif field == "time":
            ok = bool(time_spans(text, value, local=local))
        elif field == "duration":  # a label spelling of an amount the text states
            ok = is_stated_duration(value, text)
        else:
            ok = False
        if not ok:
            missing.append(field)
    return missing
