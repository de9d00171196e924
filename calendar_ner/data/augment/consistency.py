"""Where a label value is expressed in its text, and which values are not expressed at all."""

from __future__ import annotations

import re
from typing import Any

from calendar_ner.schema import (
    CALENDAR_WORDS,
    CANONICAL_TIME,
    FIELDS,
    normalize_date,
    normalize_time,
)

Span = tuple[int, int]

_TOKEN = re.compile(r"\S+")
_EDGE = "()[]{},.;:!?\"'@"
_YEAR = re.compile(r"\d{4}")
_MAX_DATE_TOKENS = 6
_MAX_TIME_TOKENS = 2
_DATE_TOKEN = re.compile(r"\d{1,2}(st|nd|rd|th)|[\d/.-]+|[A-Za-z]+", re.IGNORECASE)


def is_calendar_word(word: str) -> bool:
    """True for month and weekday names and their abbreviations ("May", "Tue")."""
    return word.lower() in CALENDAR_WORDS


def _tokens(text: str) -> list[Span]:
    """Whitespace tokens with surrounding punctuation trimmed off."""
    spans = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        while start < end and text[start] in _EDGE:
            start += 1
        while end > start and text[end - 1] in _EDGE:
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def _date_like(token: str) -> bool:
    if not _DATE_TOKEN.fullmatch(token):
        return False
    return not token.isalpha() or is_calendar_word(token)


def date_spans(text: str, value: str, *, date_words_only: bool = False) -> list[Span]:
    """Spans of ``text`` (ending at a token with a 4-digit year) that normalize to ``value``.

    With ``date_words_only`` every token of the span must look like part of a date (numbers,
    ordinals, dashes, month and weekday names), so "on" or "at" are never inside a span.
    """
    tokens = _tokens(text)
    spans = []
    for j, (_, end) in enumerate(tokens):
        if not _YEAR.search(text[tokens[j][0] : end]):
            continue
        for i in range(j, max(-1, j - _MAX_DATE_TOKENS), -1):
            start = tokens[i][0]
            if date_words_only and not _date_like(text[start : tokens[i][1]]):
                break
            if normalize_date(text[start:end]) == value:
                spans.append((start, end))
    return spans


def time_spans(text: str, value: str) -> list[Span]:
    """Spans of one or two tokens that normalize to ``value`` ("3pm", "9:30 am", "15:00")."""
    tokens = _tokens(text)
    spans = []
    for i in range(len(tokens)):
        for j in range(min(len(tokens), i + _MAX_TIME_TOKENS) - 1, i - 1, -1):
            start, end = tokens[i][0], tokens[j][1]
            parsed = normalize_time(text[start:end])
            if CANONICAL_TIME.fullmatch(parsed):
                if parsed == value:
                    spans.append((start, end))
                break  # "9:30" inside "9:30 pm" is not a time of its own
    return spans


def _squash(text: str) -> str:
    return " ".join(text.split()).lower()


def missing_in_text(text: str, event: dict[str, Any]) -> list[str]:
    """Fields whose non-null value is not expressed in ``text``.

    A date or time is expressed when it occurs verbatim or some span of the text normalizes to
    it; each attendee name must occur (case-insensitive); any other value must occur
    case-insensitively.
    """
    flat = _squash(text)
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
            ok = bool(date_spans(text, value))
        elif field == "time":
            ok = bool(time_spans(text, value))
        else:
            ok = False
        if not ok:
            missing.append(field)
    return missing
