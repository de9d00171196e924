"""Recurrence values ("weekly", "every other Friday", "last Friday of each month") to RFC 5545
RRULE strings, with detail the request adds (weekdays, "for 6 weeks", "until March").

    >>> from datetime import date
    >>> to_rrule("every Monday and Wednesday", "", date(2026, 11, 25)).rrule
    'FREQ=WEEKLY;BYDAY=MO,WE'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

from calendar_ner.calendar.phrases import (
    COUNT,
    ORDINALS,
    WEEKDAY,
    WEEKDAYS,
    clean,
    number,
    read_day,
    read_month,
)
from calendar_ner.date_ranges import date_ranges
from calendar_ner.words import MONTH, MONTHS, with_day_numbers

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_N = rf"(?P<n>{COUNT}|other)"
# (pattern, FREQ, INTERVAL or None to read it from the pattern's n), most specific first.
_FREQUENCIES = (
    (rf"\bevery {_N} (?:hours?|hrs?)\b", "HOURLY", None),
    (r"\b(?:hourly|every hour)\b", "HOURLY", 1),
    (rf"\bevery {_N} days?\b", "DAILY", None),
    (r"\b(?:daily|nightly|(?:every|each) ?(?:day|morning|afternoon|evening|night))\b", "DAILY", 1),
    (rf"\bevery {_N} weeks?\b", "WEEKLY", None),
    (r"\b(?:bi-?weekly|fortnightly|every fortnight)\b", "WEEKLY", 2),
    (r"\b(?:weekly|every week|each week)\b", "WEEKLY", 1),
    (r"\b(?:quarterly|every quarter)\b", "MONTHLY", 3),
    # "bi-monthly" as "bi-weekly" is read (every other one); semi-annual is twice a year.
    (r"\bbi-?monthly\b", "MONTHLY", 2),
    (
        r"\b(?:semi-?annual(?:ly)?|bi-?annual(?:ly)?|half-?yearly)\b",
        "MONTHLY",
        6,
    ),
    (rf"\bevery {_N} months?\b", "MONTHLY", None),
    (r"\b(?:monthly|every month|each month|of (?:every|each|the) month)\b", "MONTHLY", 1),
    (rf"\bevery {_N} years?\b", "YEARLY", None),
    (r"\b(?:yearly|annual(?:ly)?|every year|each year)\b", "YEARLY", 1),
)
_WEEKDAY_LIST = re.compile(
    rf"\b(?:every|each|on)(?: (?P<other>other))? (?P<days>(?:{WEEKDAY})s?"
    rf"(?:(?: ?, ?| and | ?& ?| or )(?:{WEEKDAY})s?)*)\b"
)
_PLURAL = r"(?:mon|tues|wednes|thurs|fri|satur|sun)days"
# "Tuesdays", "Tuesdays and Thursdays", "Mondays, Wednesdays & Fridays".
_PLURAL_WEEKDAY = re.compile(rf"\b{_PLURAL}(?:(?: ?, ?(?:and )?| and | ?& ?| or ){_PLURAL})*\b")
_WEEKDAY_NAME = re.compile(rf"\b({WEEKDAY})s?\b")
# The days a repeat skips: "every day except Sunday", "weekdays but not Friday", "daily
# excluding weekends" (the recurrence value holds them: calendar_ner.decode.types).
_EXCEPT = re.compile(
    r" ?,? ?\b(?:except|excluding|but not|apart from|other than)(?: on)? (?P<days>"
    rf"(?:{WEEKDAY})s?(?:(?: ?, ?(?:and )?| and | ?& ?| or )(?:{WEEKDAY})s?)*"
    r"|weekends?|weekdays?)\b"
)
_WORKDAYS = re.compile(r"\b(?:every|each|on) weekdays?\b|\bweekdays\b")
_WEEKENDS = re.compile(r"\b(?:every|each|on) weekends?\b|\bweekends\b")
_NTH_WEEKDAY = re.compile(
    rf"\b(?P<nth>{'|'.join(ORDINALS)}) (?P<wd>{WEEKDAY})\b"
    rf"(?: of (?:(?P<every>every|each|the) month|(?P<month>{MONTH})))?"
)
_LAST_DAY = re.compile(r"\b(?:last day|end) of (?:every|each|the) month\b")
# "monthly on the 15th", "the 15th of every month": that day of each month.
_MONTH_DAY = re.compile(
    r"\b(?:on the (\d{1,2})(?:st|nd|rd|th)\b(?! (?:of|" + WEEKDAY + r"))"
    r"|(\d{1,2})(?:st|nd|rd|th) of (?:every|each) month)"
)
_COUNT = re.compile(
    rf"\bfor (?P<n>{COUNT}) (?P<unit>sessions?|times|occurrences|classes|lessons|meetings"
    r"|days?|weeks?|months?|years?)\b|\b(?P<times>\d+|two|three|four|five|six|seven|eight|nine"
    r"|ten|eleven|twelve) times\b"
)
_UNTIL = re.compile(r"\b(?:until|till|through|thru) (?P<rest>.+)$")


@dataclass(frozen=True)
class Rule:
    """An RRULE string (or None) and the event's start: the rule's first occurrence."""

    rrule: str | None
    start: datetime | date
    notes: list[str] = field(default_factory=list)


def _as_datetime(value: datetime | date) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time())


def occurrences(rule: str, start: datetime | date, count: int = 3) -> list[datetime | date]:
    """The first ``count`` occurrences of ``rule`` from ``start`` (dates for an all-day start;
    wall times, as zoneinfo keeps them, for a timed one)."""
    found = islice(rrulestr(rule, dtstart=_as_datetime(start)), count)
    return [o if isinstance(start, datetime) else o.date() for o in found]


def _frequency(value: str) -> tuple[str, int] | None:
    for pattern, freq, interval in _FREQUENCIES:
        if m := re.search(pattern, value):
            n = m.groupdict().get("n")
            return freq, interval or (2 if n == "other" else number(n))
    return None


def _weekdays(value: str, text: str) -> tuple[list[str], bool]:
    """BYDAY codes named in the recurrence value (or else the text), and whether "every other"
    was said."""
    for source in (value, text):
        if _WORKDAYS.search(source):
            return list(WEEKDAY_CODES[:5]), False
        if _WEEKENDS.search(source):
            return list(WEEKDAY_CODES[5:]), False
        m = _WEEKDAY_LIST.search(source) or _PLURAL_WEEKDAY.search(source)
        if m:
            days = _WEEKDAY_NAME.findall(m.group("days") if "days" in m.groupdict() else m[0])
            codes = [WEEKDAY_CODES[WEEKDAYS[d]] for d in days]
            return sorted(set(codes), key=WEEKDAY_CODES.index), bool(m.groupdict().get("other"))
    return [], False


def _skipped(value: str) -> list[str]:
    """BYDAY codes of the days the recurrence ``value`` skips ("except Sunday")."""
    m = _EXCEPT.search(value)
    if m is None:
        return []
    codes = [WEEKDAY_CODES[WEEKDAYS[d]] for d in _WEEKDAY_NAME.findall(m["days"])]
    codes += WEEKDAY_CODES[:5] if re.search(r"\bweekdays?\b", m["days"]) else ()
    return codes + list(WEEKDAY_CODES[5:] if re.search(r"\bweekends?\b", m["days"]) else ())


def _parts(value: str, text: str) -> dict[str, str] | None:
    """The rule's parts without COUNT/UNTIL, or None when the value names no rule."""
    skipped = _skipped(value)
    value, text = _EXCEPT.sub("", value), _EXCEPT.sub("", text)
    found = _frequency(value)
    nth = _NTH_WEEKDAY.search(value) or _NTH_WEEKDAY.search(text)
    if _LAST_DAY.search(value) or _LAST_DAY.search(text) and found and found[0] == "MONTHLY":
        return {"FREQ": "MONTHLY", "INTERVAL": str(found[1] if found else 1), "BYMONTHDAY": "-1"}
    if nth and (nth["every"] or nth["month"] or (found and found[0] in ("MONTHLY", "YEARLY"))):
        code = f"{ORDINALS[nth['nth']]}{WEEKDAY_CODES[WEEKDAYS[nth['wd']]]}"
        if nth["month"]:
            return {"FREQ": "YEARLY", "INTERVAL": str(found[1] if found else 1),
                    "BYMONTH": str(MONTHS[nth["month"]]), "BYDAY": code}  # fmt: skip
        return {"FREQ": "MONTHLY", "INTERVAL": str(found[1] if found else 1), "BYDAY": code}
    days, other = _weekdays(value, text if found and found[0] == "WEEKLY" else "")
    if found is None and days and re.search(r"\b(?:every|each)\b|s\b", value):
        found = ("WEEKLY", 2 if other else 1)
    if found is None:
        return None
    freq, interval = found
    parts = {"FREQ": freq, "INTERVAL": str(interval)}
    if skipped and (days or freq == "DAILY"):  # "every day except Sunday": the other six
        days = [d for d in days or WEEKDAY_CODES if d not in skipped]
        if not days:
            return None
    if days and freq in ("WEEKLY", "DAILY"):
        parts["BYDAY"] = ",".join(days)
        parts["FREQ"] = "WEEKLY" if freq == "DAILY" and interval == 1 else freq
    if freq == "MONTHLY" and (m := _MONTH_DAY.search(value) or _MONTH_DAY.search(text)):
        if 1 <= int(day := m[1] or m[2]) <= 31:
            parts["BYMONTHDAY"] = day
    return parts


def _render(parts: dict[str, str]) -> str:
    order = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYDAY", "BYMONTHDAY")
    return ";".join(
        f"{k}={parts[k]}" for k in order if k in parts and not (k == "INTERVAL" and parts[k] == "1")
    )


# Days a series leaves out, right before a range of days ("except Dec 24-26", "skip", "off").
_SKIPPED = re.compile(r"\b(?:except|excluding|skip(?:ping)?|but\s+not|not\s+on|off|out)\s+$")


def _until(text: str, today: date, start: date) -> date | None:
    """The last day an "until …" phrase allows: that day, or the day before a named month; or
    the last day of the range of days the series starts on ("daily May 14-16"; not "daily,
    skip Dec 24-26")."""
    m = _UNTIL.search(text)
    if not m:
        for days in date_ranges(text):
            if read_day(days.date, today).day == start and not _SKIPPED.search(text, 0, days.start):
                return start + timedelta(days=days.days - 1)
        return None
    words = re.split(r"[\s,;.!?]+", m["rest"].strip())
    for size in range(min(len(words), 4), 0, -1):
        phrase = " ".join(words[:size])
        if first := read_month(phrase, today):
            return first - relativedelta(days=1)
        reading = read_day(phrase, today)
        if reading.day:
            return reading.day
    return None


def _limit(text: str, parts: dict[str, str], first: datetime, all_day: bool, today: date):
    """Add COUNT or UNTIL from "for 6 weeks", "10 times", "until Friday"; returns a note."""
    if m := _COUNT.search(text):
        if m["times"] or not m["unit"].startswith(("day", "week", "month", "year")):
            parts["COUNT"] = str(number(m["times"] or m["n"]))
            return None
        unit = m["unit"].rstrip("s") + "s"
        end = first + relativedelta(**{unit: number(m["n"])})
        base = rrulestr(_render(parts), dtstart=first)
        parts["COUNT"] = str(sum(1 for o in base.between(first, end, inc=True) if o < end))
        return f"{m[0]!r}: {parts['COUNT']} occurrences"
    last = _until(text, today, first.date())
    if last is None:
        return None
    if all_day:
        parts["UNTIL"] = f"{last:%Y%m%d}"
    else:
        end_of_day = datetime.combine(last, time(23, 59, 59), first.tzinfo)
        parts["UNTIL"] = end_of_day.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"ends after {last:%d/%m/%Y}"


def to_rrule(
    recurrence: str,
    text: str,
    start: datetime | date,
    *,
    not_before: datetime | date | None = None,
    today: date | None = None,
) -> Rule:
    """The RRULE for ``recurrence`` (detail read from ``text``) and the first occurrence at or
    after ``not_before`` (default ``start``), which becomes the event's start.

    ``start`` is a timezone-aware wall time, or a date for an all-day event. ``today`` is the
    reference day for "until Friday" (default the start's day). A value that names no rule
    ("twice a week") gives ``rrule=None`` and a note; the returned rule always parses with
    ``dateutil.rrule.rrulestr`` and its first occurrence is the returned start.
    """
    all_day = not isinstance(start, datetime)
    # "the first of every month": the 1st
    value, text_l = with_day_numbers(clean(recurrence)), with_day_numbers(clean(text))
    today = today or (start.date() if isinstance(start, datetime) else start)
    parts = _parts(value, text_l)
    if parts is None:
        return Rule(None, start, [f"recurrence {recurrence!r} names no rule"])
    notes = []
    if (skip := _EXCEPT.search(value)) and "BYDAY" not in parts:  # "monthly except Monday"
        notes.append(f"{skip[0].strip(' ,')!r} is not read")
    first = rrulestr(_render(parts), dtstart=_as_datetime(start)).after(
        _as_datetime(not_before or start), inc=True
    )
    if first is None:
        return Rule(None, start, [f"recurrence {recurrence!r} has no occurrence"])
    if first != _as_datetime(start):
        shown = f"{first:%d/%m/%Y}" if all_day else f"{first:%d/%m/%Y %H:%M}"
        notes.append(f"the start moves to the rule's first occurrence, {shown}")
    if note := _limit(text_l, parts, first, all_day, today):
        notes.append(note)
    rule = _render(parts)
    if next(iter(rrulestr(rule, dtstart=first)), None) != first:
        notes.append(f"the rule {rule} ends before it starts; no recurrence kept")
        return Rule(None, first if not all_day else first.date(), notes)
    return Rule(rule, first if not all_day else first.date(), notes)
