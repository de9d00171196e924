"""Where values are written in a request: the one home of span finding.

Augmentation (:mod:`calendar_ner.data.augment`), training targets (:mod:`calendar_ner.data.tokens`),
the decoder's drafts and copy constraint (:mod:`calendar_ner.decode`) and the label audit all find
dates, times and copied strings in a request text with these functions.

    >>> from calendar_ner.spans import date_span, time_span
    >>> text = "Lunch with Sam on 3rd, Feb 2025 at 1pm"
    >>> [text[s:e] for s, e in (date_span(text), time_span(text))]
    ['3rd, Feb 2025', '1pm']
"""

from __future__ import annotations

import re
from collections.abc import Collection

from calendar_ner.languages import is_local_date_token
from calendar_ner.schema import (
    CALENDAR_WORDS,
    CANONICAL_DATE,
    CANONICAL_TIME,
    normalize_date,
    normalize_time,
    respell,
)
from calendar_ner.words import DAY_ORDINALS

Span = tuple[int, int]

_TOKEN = re.compile(r"\S+")
_EDGE = "()[]{},.;:!?\"'@"
_YEAR = re.compile(r"\d{4}")
_MAX_DATE_TOKENS = 6
_MAX_TIME_TOKENS = 2
_DATE_TOKEN = re.compile(r"\d{1,2}(st|nd|rd|th)|[\d/.-]+|[A-Za-z]+", re.IGNORECASE)
_JOINED_DATE = re.compile(r"\w+(?:[-/.]\w+)+")
_STARTS_DATE = re.compile(r"^(\d|[A-Z][a-z]{2})")  # "3rd", "2024-", "May", "Friday"


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


def _date_like(token: str, local: bool = False) -> bool:
    if local and is_local_date_token(token):
        return True
    if token.lower() in ("of", *DAY_ORDINALS):  # "3rd of March 2027", "the twenty-first of June"
        return True
    if _JOINED_DATE.fullmatch(token):  # "23-Feb-2027", "2027/Mar/05": numbers and a month
        return all(p.isdigit() or is_calendar_word(p) for p in re.split(r"[-/.]", token))
    if not _DATE_TOKEN.fullmatch(token):
        return False
    return not token.isalpha() or is_calendar_word(token) or respell(token) is not None


def date_spans(
    text: str, value: str | None, *, date_words_only: bool = False, local: bool = False
) -> list[Span]:
    """Spans of ``text`` (ending at a token with a 4-digit year) that normalize to ``value``
    (None: to any ``DD/MM/YYYY``).

    With ``date_words_only`` every token of the span must look like part of a date (numbers,
    ordinals, dashes, month and weekday names), so "on" or "at" are never inside a span.
    ``local``: the text is French, Spanish or German (``3 de marzo de 2025``, ``3. März 2025``).
    """
    tokens = _tokens(text)
    spans = []
    for j, (_, end) in enumerate(tokens):
        if not _YEAR.search(text[tokens[j][0] : end]):
            continue
        for i in range(j, max(-1, j - _MAX_DATE_TOKENS), -1):
            start = tokens[i][0]
            if date_words_only and not _date_like(text[start : tokens[i][1]], local):
                break
            date = normalize_date(text[start:end], local=local)
            if date == value or (value is None and CANONICAL_DATE.fullmatch(date)):
                spans.append((start, end))
    return spans


def time_spans(text: str, value: str, *, local: bool = False) -> list[Span]:
    """Spans of one or two tokens that normalize to ``value`` ("3pm", "9:30 am", "15:00"; with
    ``local`` "14h", "14 Uhr")."""
    tokens = _tokens(text)
    spans = []
    for i in range(len(tokens)):
        for j in range(min(len(tokens), i + _MAX_TIME_TOKENS) - 1, i - 1, -1):
            start, end = tokens[i][0], tokens[j][1]
            parsed = normalize_time(text[start:end], local=local)
            if CANONICAL_TIME.fullmatch(parsed):
                if parsed == value:
                    spans.append((start, end))
                break  # "9:30" inside "9:30 pm" is not a time of its own
    return spans


def word_spans(text: str) -> list[Span]:
    """Whitespace words with trailing punctuation cut off."""
    return [
        (m.start(), m.end() - len(m.group(0)) + len(m.group(0).rstrip(",.;:!?)")))
        for m in _TOKEN.finditer(text)
    ]


def time_span(text: str) -> Span | None:
    """The first span (longest at its start) that normalizes to ``H:MM AM/PM``."""
    words = word_spans(text)
    for i in range(len(words)):
        for width in (2, 1):
            start, end = words[i][0], words[min(i + width, len(words)) - 1][1]
            span = text[start:end]
            if not span.isdigit() and CANONICAL_TIME.fullmatch(normalize_time(span)):
                return start, end
    return None


def date_span(text: str, max_parses: int = 200) -> Span | None:
    """The first span (shortest at its end) that normalizes to ``DD/MM/YYYY``.

    Each candidate is parsed by dateutil (~0.1-0.3 ms); ``max_parses`` bounds a text full of
    numbers (real requests hold their date within the first few dozen words).
    """
    words = word_spans(text)
    for j, (_, end) in enumerate(words):
        if not any(c.isdigit() for c in text[words[j][0] : end]):
            continue  # every full date ends with a number (the year, or a numeric date)
        for start, _ in reversed(words[max(j - 4, 0) : j + 1]):
            span = text[start:end]
            if not _STARTS_DATE.match(span):
                continue
            max_parses -= 1
            if CANONICAL_DATE.fullmatch(normalize_date(span)):
                return start, end
            if max_parses <= 0:
                return None
    return None


def fold(text: str) -> str:
    """``text`` case-folded character by character, keeping its length (and so its indices):
    a character whose folding is longer ("ß" -> "ss") stays as it is."""
    return "".join(c if len(f := c.casefold()) != 1 else f for c in text)


def copied(
    value: str,
    folded_text: str,
    starts: Collection[int] | None = None,
    ends: Collection[int] | None = None,
    blocked: Collection[Span] = (),
) -> bool:
    """Whether every string in a value's text is a span of the request text (``folded_text``,
    :func:`fold`-ed) that starts at a word start (one of ``starts`` when given) and, once the
    string is closed, ends at a word end (one of ``ends`` when given; while it is open, one of
    ``ends`` must still lie ahead of it before a blocked span, so a string never runs where it
    could not close), and overlaps none of the ``blocked`` spans (the request's dates, times
    and durations: :mod:`calendar_ner.decode.types`).

    ``value`` is a valid prefix (:func:`calendar_ner.decode.grammar.value_status`), so its
    quotes alternate open, close.
    """
    parts = fold(value).split('"')
    for i in range(1, len(parts), 2):
        closed = i + 1 < len(parts)
        found = re.finditer(
            "(?<!\\w)" + re.escape(parts[i]) + ("(?!\\w)" if closed else ""), folded_text
        )
        if not any(
            (starts is None or m.start() in starts)
            and all(m.end() <= s or e <= m.start() for s, e in blocked)
            and (
                ends is None
                or (m.end() in ends if closed else _end_ahead(m.start(), m.end(), ends, blocked))
            )
            for m in found
        ):
            return False
    return True


def _end_ahead(start: int, at: int, ends: Collection[int], blocked: Collection[Span]) -> bool:
    """Whether a span open from ``start`` to ``at`` can still close at one of ``ends`` without
    running into a ``blocked`` span."""
    return any(at <= end and all(end <= s or e <= start for s, e in blocked) for end in ends)
