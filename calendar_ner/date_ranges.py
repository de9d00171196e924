"""Ranges of days: "May 14-16", "14-16 May 2027", "Dec 28 - Jan 3", "June 3rd through the 7th".

A range of days is read the way a time range is (:func:`calendar_ner.schema.time_ranges`): the
event's date is the first day, written as a date ("May 14", "14/05/2027" with a year), and its
length, when the request states none, the number of days the range covers, first and last
included ("3 days"); the calendar resolver makes that an all-day span. The decoder offers the
range and its first day as date candidates and blocks the whole range from copied strings
(:mod:`calendar_ner.decode.types`); post-processing reads the one it chose
(:mod:`calendar_ner.decode.postprocess`). No dev request writes one.

    >>> [(r.text, r.first, r.date, r.days) for r in date_ranges("Offsite May 14-16 in Austin")]
    [('May 14-16', 'May 14', 'May 14', 3)]
    >>> [(r.date, r.days) for r in date_ranges("Trip 28 Dec 2026 - 3 Jan 2027")]
    [('28 Dec 2026', 7)]

Read: a month name and day with another day or month and day after a dash or "to",
"through", "thru", "till", "until" ("May 14-16", "May 30 to June 2"), the same with the days
before the month ("14-16 May", "3rd-5th of August", "28 Dec - 3 Jan"), a year after either
part, and two whole numeric dates ("2027-05-14 to 2027-05-16"). Not read: a second part that
is a clock time ("May 14 - 16:00", "June 3 to 5pm"), numeric days without a year ("12/20-12/24":
the order of day and month is unsure), ranges of weekdays ("Monday to Friday" says which days
a series repeats on as often as one span), a last day before the first, another language's,
and the days a moved event leaves and gets.
Without a year the length is counted in a year without 29 February (one with it where a part
is 29 February), so it never depends on when the request is read.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from dateutil import parser as dateutil_parser

from calendar_ner.words import MONTH, MONTHS, WEEKDAY

_M = rf"(?:{MONTH})\b\.?"
_D = r"\d{1,2}(?:st|nd|rd|th)?(?![\w:])"
_Y = r"(?:19|20)\d\d\b(?![:\d])"
_TO = r"(?:\s*[-–—]\s*|\s+(?:to|through|thru|till|until)\s+(?:the\s+)?)"
_WEEKDAY = rf"(?:{WEEKDAY})\b\.?,?\s+"
# Not a clock or a count after the last day ("June 3 to 5pm", "May 14 - 16:00", "3-5 hours",
# "June 3 to 5 people"); a year may follow ("May 14-16 2027").
_NOT_A_CLOCK = (
    r"(?!\d|\s*(?:[ap]\.?m\b|o['’]?clock|h\b|hrs?\b|hours?\b|min|:|\.\d|,\d)"
    r"|\s+(?:people|ppl|persons?|guests|attendees|participants|pax|seats|of\s+us)\b)"
)
_RANGE = re.compile(
    r"(?<![\w/.:-])(?:"
    # May 14-16, May 30 to June 2, Dec 28, 2026 - Jan 3, 2027, Wed May 14 - Fri May 16
    rf"(?:{_WEEKDAY})?(?P<m1>{_M})\s+(?P<d1>{_D})(?:,?\s+(?P<y1>{_Y}))?{_TO}"
    rf"(?:(?:{_WEEKDAY})?(?P<m2>{_M})\s+)?(?P<d2>{_D}){_NOT_A_CLOCK}(?:,?\s+(?P<y2>{_Y}))?"
    # 14-16 May, 3rd-5th of August, 28 Dec - 3 Jan 2027 (not "9-11 May 3": a time, then a date)
    rf"|(?P<d3>{_D})(?:\s+(?:of\s+)?(?P<m3>{_M})(?:,?\s+(?P<y3>{_Y}))?)?{_TO}"
    rf"(?P<d4>{_D})\s+(?:of\s+)?(?P<m4>{_M})(?!\s*\d{{1,2}}(?:st|nd|rd|th)?\b(?![:\d]))"
    rf"(?:,?\s+(?P<y4>{_Y}))?"
    r")",
    re.IGNORECASE,
)
# "Can we move the offsite from June 10 to June 12", "Move the retreat from the 14th to the
# 16th of May": a request that moves an event writes where it leaves after "from" (a "shift"
# moves only something it names: "Night shift from June 10 to 12" is a span).
_MOVED = re.compile(
    r"(?:\b(?:mov|reschedul|push|postpon|bump|delay|chang)\w*"
    r"|\bshift(?:ed|ing)?(?=\s+(?:it|my|the|our|this|that|his|her|their)\b)"
    r")\b[^.?!]*\bfrom\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_NUMERIC = r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{4})"
_NUMERIC_RANGE = re.compile(rf"(?<![\w/.:-])(?P<a>{_NUMERIC}){_TO}(?P<b>{_NUMERIC})(?![\w/])")


class DateRange(NamedTuple):
    """A range of days written in a request."""

    start: int  # where the range starts in the text
    end: int
    text: str  # the range as written ("May 14-16", "14-16 May 2027")
    first: str | None  # its first day as written ("May 14"), None if it is no date ("14-16 May")
    date: str  # the first day as a date ("May 14", "14 May 2027")
    days: int  # the days it covers, first and last included


def _span(
    m1: str, d1: str, m2: str, d2: str, y1: str | None, y2: str | None
) -> tuple[date, int] | None:
    """The first day from ``d1 m1`` to ``d2 m2`` and the days they cover, both included; None
    when there is no such span."""
    a, b = MONTHS[m1.lower().rstrip(".")], MONTHS[m2.lower().rstrip(".")]
    first, last = (a, int(re.sub(r"\D", "", d1))), (b, int(re.sub(r"\D", "", d2)))
    if b == a and last <= first:
        return None  # "May 16-14"
    wraps = b < a  # "Dec 28 - Jan 3": the last day is in the next year
    if y1 or y2:  # "Dec 28 - Jan 3, 2027": a year on one part gives the other's
        start_year = int(y1) if y1 else int(y2) - wraps
        end_year = int(y2) if y2 else int(y1) + wraps
    elif last == (2, 29):
        end_year = 2028
        start_year = end_year - wraps
    else:
        start_year = 2028 if first == (2, 29) else 2027
        end_year = start_year + wraps
    try:
        start, end = date(start_year, *first), date(end_year, *last)
    except ValueError:  # "April 31"
        return None
    days = (end - start).days + 1
    return (start, days) if 1 < days <= 366 else None


def date_ranges(text: str) -> list[DateRange]:
    """Every range of days in ``text`` (see the module's docstring), but not "from X to Y" in a
    request that moves an event (``Move the offsite from June 10 to June 12``: where it leaves,
    where it goes; :data:`calendar_ner.schema.MOVES`)."""
    found = []
    for m in _RANGE.finditer(text):
        if m["m1"]:
            m1, d1, y1, m2, d2, y2 = m["m1"], m["d1"], m["y1"], m["m2"] or m["m1"], m["d2"], m["y2"]
            first = text[m.start() : m.end("y1") if y1 else m.end("d1")]
        else:
            m1, d1, y1, m2, d2, y2 = m["m3"] or m["m4"], m["d3"], m["y3"], m["m4"], m["d4"], m["y4"]
            first = text[m.start() : m.end("y3") if y1 else m.end("m3")] if m["m3"] else None
        if spanned := _span(m1, d1, m2, d2, y1, y2):
            start, days = spanned  # a year on either part: the first day's ("Dec 28, 2026")
            year = f"{',' if m['m1'] else ''} {start.year}" if y1 or y2 else ""
            written = f"{m1} {d1}{year}" if m["m1"] else f"{d1} {m1}{year}"
            found.append(DateRange(m.start(), m.end(), m[0], first, written, days))
    for m in _NUMERIC_RANGE.finditer(text):
        a, b = (_numeric(m[g]) for g in ("a", "b"))
        if a and b and a < b and (b - a).days <= 366:
            found.append(DateRange(m.start(), m.end(), m[0], m["a"], m["a"], (b - a).days + 1))
    return sorted(r for r in found if not _MOVED.search(text, 0, r.start))


def _numeric(written: str) -> date | None:
    """A numeric date with its year: year first ("2027-05-14") or day first ("14/05/2027")."""
    yearfirst = bool(re.match(r"\d{4}", written))
    try:
        return dateutil_parser.parse(written, dayfirst=not yearfirst, yearfirst=yearfirst).date()
    except (ValueError, OverflowError):
        return None


def days_spelling(days: int) -> str:
    """A length in days as the labels spell amounts: "3 days"."""
    return f"{days} day" if days == 1 else f"{days} days"


def whole_range(value: str) -> DateRange | None:
    """The range of days ``value`` is, all of it ("May 14-16"), else None."""
    found = [r for r in date_ranges(value.strip()) if r.start == 0 and r.end == len(value.strip())]
    return found[0] if found else None
