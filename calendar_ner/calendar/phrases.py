"""Day phrases read against a reference day: "tomorrow", "next Friday", "in 3 days", "the 15th",
"3 January", "31/02/2026". Shared by the resolver and the recurrence rules.

    >>> read_day("next Friday", date(2026, 11, 25)).day
    datetime.date(2026, 12, 4)
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from calendar_ner.holidays import holiday_day, is_american
from calendar_ner.words import HOURS, MONTH, MONTHS, WEEKDAY, WEEKDAYS, with_day_numbers

NUMBERS: dict[str, int] = {"a": 1, "an": 1} | {word: i + 1 for i, word in enumerate(HOURS)}
COUNT = r"\d+|" + "|".join(NUMBERS)
_ORDINAL = r"(?:st|nd|rd|th)?"
# Which weekday of a month ("the last Friday of March", "first Monday of every month").
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
            "4th": 4, "fifth": 5, "5th": 5, "last": -1}  # fmt: skip
NUMERIC_DATE = re.compile(r"(?<![\d/.])\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?![\d/.])")


@dataclass(frozen=True)
class DayReading:
    """What a day phrase names: a ``day``, a ``shift`` from the reference instant ("in 2 hours"),
    or neither with a ``reason``; ``note`` says how an ambiguous phrase was read."""

    day: date | None = None
    shift: timedelta | None = None
    reason: str | None = None
    note: str | None = None
    impossible: bool = False


def number(word: str) -> int:
    """``"3"`` → 3, ``"a"``/``"one"`` → 1, … up to twelve."""
    return int(word) if word.isdigit() else NUMBERS[word]


def clean(phrase: str) -> str:
    """Lower case, single spaces, no surrounding punctuation."""
    return " ".join(phrase.lower().replace("\u202f", " ").split()).strip(" ,.;:!?")


def _weekday_on_or_after(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _impossible(phrase: str, why: str) -> DayReading:
    return DayReading(reason=f"impossible date {phrase!r}: {why}", impossible=True)


def _dated(phrase: str, year: int, month: int, day: int) -> DayReading:
    if not 1 <= month <= 12:
        return _impossible(phrase, f"there is no month {month}")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return _impossible(phrase, f"{calendar.month_name[month]} {year} has {days} days")
    return DayReading(day=date(year, month, day))


def _next_dated(phrase: str, today: date, month: int, day: int) -> DayReading:
    """The first ``day``/``month`` on or after ``today`` (a leap day can be 8 years off)."""
    for year in range(today.year, min(today.year + 9, 10_000)):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
            return DayReading(day=date(year, month, day))
    return _impossible(phrase, f"{calendar.month_name[month]} never has a day {day}")


def _next_numbered(today: date, day: int) -> date | None:
    """The first day numbered ``day`` on or after ``today``, skipping months that lack it."""
    year, month = today.year, today.month
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
            return date(year, month, day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


_SHIFT = re.compile(
    rf"^(?:in|within) (?:(?P<n>{COUNT}|a couple of) )?(?P<unit>min(?:ute)?s?|hours?|hrs?|days?"
    r"|weeks?|fortnight)$"
)
_WEEKDAY = re.compile(rf"^(?:(?P<which>this coming|this|next|coming|on) )?(?P<wd>{WEEKDAY})s?$")
# "a week from Friday", "3 days from now": an amount of days or weeks after another day phrase.
_FROM_DAY = re.compile(rf"^(?P<n>{COUNT}) (?P<unit>days?|weeks?) from (?P<base>.+)$")
# "the last Friday of March", "the second Tuesday of next month": one day, not a repeat.
_NTH_WEEKDAY_OF = re.compile(
    rf"^(?:on )?(?:the )?(?P<nth>{'|'.join(ORDINALS)}) (?P<wd>{WEEKDAY}) (?:of|in) "
    rf"(?P<month>{MONTH}|this month|next month)(?:,? (?P<year>(?:19|20)\d\d))?$"
)
# "end of the month", "the end of March": its last day.
_MONTH_END = re.compile(
    rf"^(?:by )?(?:the )?end of (?P<month>the month|this month|next month|{MONTH})$"
)
# "the 3rd of next month", "the 15th of this month".
_NTH_OF_MONTH = re.compile(
    rf"^(?:on )?(?:the )?(\d{{1,2}}){_ORDINAL} of (this|next|the next) month$"
)
# A holiday by name, maybe with its year ("Christmas Eve", "Easter 2027": calendar_ner.holidays).
_DAY_AROUND = re.compile(r"^(?:the )?day (after|before) (.+)$")  # "the day after Thanksgiving"
_YEAR_END = re.compile(r",? ((?:19|20)\d\d)$")  # not a clock: "easter sunday 1030"
_WHICH = re.compile(r"^(?:this|next|on) ")
_WEEKEND = re.compile(r"^(?:(?P<which>this coming|this|next|the|on the|on) )?weekend$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_NUMERIC_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})$")  # "15/7", "7/15": no year
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NTH = re.compile(rf"^(?:on )?(?:the )?(\d{{1,2}}){_ORDINAL}$")
_DAY_MONTH = re.compile(rf"^(?:the )?(\d{{1,2}}){_ORDINAL} (?:of )?({MONTH})(?: (\d{{4}}))?$")
_MONTH_DAY = re.compile(rf"^({MONTH}) (?:the )?(\d{{1,2}}){_ORDINAL}(?: (\d{{4}}))?$")
_RELATIVE = {
    "today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0,
    "tomorrow": 1, "tmrw": 1, "tomorrow morning": 1, "tomorrow afternoon": 1,
    "tomorrow evening": 1, "tomorrow night": 1, "day after tomorrow": 2,
    "the day after tomorrow": 2, "overmorrow": 2,
}  # fmt: skip


def read_day(phrase: str, today: date, text: str = "") -> DayReading:
    """The day ``phrase`` names relative to ``today``; ``text`` (the request) tells whether a
    numeric date was written with numbers only (then its day-first reading is noted). A day
    said as an ordinal ("the twenty-first of June") is read as its number."""
    p = with_day_numbers(clean(phrase))
    if p in _RELATIVE:
        return DayReading(day=today + timedelta(days=_RELATIVE[p]))
    if (m := _DAY_AROUND.match(p)) and (reading := read_day(m[2], today, text)).day:
        return DayReading(  # "the day after Thanksgiving"
            day=reading.day + timedelta(days=1 if m[1] == "after" else -1), note=reading.note
        )
    year = _YEAR_END.search(p)  # "Easter 2027"
    name = _WHICH.sub("", p[: year.start()] if year else p)
    if day := holiday_day(name, today, year and int(year[1])):
        note = f"{phrase!r} read as the United States' date" if is_american(name) else None
        return DayReading(day=day, note=note)  # "Christmas Eve", "next Thanksgiving"
    part_of_day = re.match(r"^(.+) (?:morning|afternoon|evening|night)$", p)
    if part_of_day and (reading := read_day(part_of_day[1], today, text)).day:
        return reading  # "Friday night": Friday
    if m := _SHIFT.match(p):
        n = 2 if m["n"] == "a couple of" else number(m["n"] or "1")
        unit = m["unit"]
        if unit.startswith(("min", "h")):
            minutes = n * (1 if unit.startswith("min") else 60)
            return DayReading(shift=timedelta(minutes=minutes))
        days = n * {"d": 1, "w": 7, "f": 14}[unit[0]]
        return DayReading(day=today + timedelta(days=days))
    if m := _WEEKDAY.match(p):
        day = _weekday_on_or_after(today, WEEKDAYS[m["wd"]])
        return DayReading(day=day + timedelta(days=7 * (m["which"] == "next")))
    if m := _FROM_DAY.match(p):
        base = today if m["base"] in ("now", "today") else read_day(m["base"], today, text).day
        if base is None:
            return DayReading(reason=f"{phrase!r} names no calendar day")
        return DayReading(
            day=base + timedelta(days=number(m["n"]) * (7 if m["unit"][0] == "w" else 1))
        )
    if m := _MONTH_END.match(p):
        if m["month"] in MONTHS:
            year = today.year + (MONTHS[m["month"]] < today.month)
            month = MONTHS[m["month"]]
        else:
            year, month = _month_ahead(today, m["month"] == "next month")
        return DayReading(day=date(year, month, calendar.monthrange(year, month)[1]))
    if m := _NTH_WEEKDAY_OF.match(p):
        return _nth_weekday(phrase, m, today)
    if m := _NTH_OF_MONTH.match(p):
        return _dated(phrase, *_month_ahead(today, m[2] != "this"), int(m[1]))
    if m := _WEEKEND.match(p):
        day = _weekday_on_or_after(today, 5)
        return DayReading(day=day + timedelta(days=7 * (m["which"] == "next")))
    if m := _NUMERIC.match(p):
        day, month, year = map(int, m.groups())
        reading = _dated(phrase, year, month, day)
        if reading.day and day <= 12 and month <= 12 and day != month and NUMERIC_DATE.search(text):
            note = f"{phrase} read day first (DD/MM): {reading.day:%-d %B %Y}"
            return DayReading(day=reading.day, note=note)
        return reading
    if m := _ISO.match(p):
        year, month, day = map(int, m.groups())
        return _dated(phrase, year, month, day)
    if m := _NUMERIC_DAY.match(p):  # day first, as a numeric date with a year is read
        first, second = map(int, m.groups())
        order = [(first, second), (second, first)]
        day, month = next(((d, mo) for d, mo in order if 1 <= mo <= 12 and 1 <= d <= 31), (0, 0))
        if not day:
            return _impossible(phrase, "no order reads as a day and a month")
        reading = _next_dated(phrase, today, month, day)
        if reading.day and first <= 12 and second <= 12 and first != second:
            note = f"{phrase} read day first (DD/MM): {reading.day:%-d %B %Y}"
            return DayReading(day=reading.day, note=note)
        return reading
    p = re.sub(r"\s*[,-]\s*", " ", p)
    named = re.match(rf"^(?:(?:on|this|next) )?({WEEKDAY}) ", p)
    reading = _numbered(phrase, p[named.end() :] if named else p, today)
    if named and reading.day and reading.day.weekday() != WEEKDAYS[named[1]]:
        # "Thursday the 5th" where the 5th is a Saturday: the day as numbered, and a note
        note = f"{phrase}: {reading.day:%-d %B %Y} is a {reading.day:%A}"
        return DayReading(day=reading.day, note=note)
    return reading


def _month_ahead(today: date, ahead: int) -> tuple[int, int]:
    """The (year, month) ``ahead`` months after ``today``'s (0: this month)."""
    year, month = divmod(today.year * 12 + today.month - 1 + ahead, 12)
    return year, month + 1


def _nth_weekday(phrase: str, m: re.Match, today: date) -> DayReading:
    """The day a ``_NTH_WEEKDAY_OF`` match names: in this or next month, or in the first such
    named month whose day is not before ``today``."""
    nth, weekday = ORDINALS[m["nth"]], WEEKDAYS[m["wd"]]
    if m["month"] in ("this month", "next month"):
        months = [_month_ahead(today, m["month"] == "next month")]
    elif m["year"]:  # "the second Tuesday of March 2027"
        months = [(int(m["year"]), MONTHS[m["month"]])]
    else:
        months = [(today.year + k, MONTHS[m["month"]]) for k in (0, 1)]
    for year, month in months:
        last = calendar.monthrange(year, month)[1]
        if len(months) > 1 and date(year, month, last) < today:
            continue  # "the last Friday of March" said in December: next March
        days = [d for d in range(1, last + 1) if date(year, month, d).weekday() == weekday]
        if nth > len(days):
            name = f"{calendar.month_name[month]} {year}"
            return _impossible(phrase, f"{name} has {len(days)} {calendar.day_name[weekday]}s")
        found = date(year, month, days[nth - 1 if nth > 0 else -1])
        if found >= today or len(months) == 1:
            return DayReading(day=found)
    return DayReading(reason=f"{phrase!r} names no calendar day")


def _numbered(phrase: str, p: str, today: date) -> DayReading:
    """The day a numbered day phrase ``p`` ("the 15th", "3 January", "May 10 2026") names."""
    if m := _NTH.match(p):
        day = int(m[1])
        found = _next_numbered(today, day) if 1 <= day <= 31 else None
        return DayReading(day=found) if found else _impossible(phrase, f"no month has a day {day}")
    for pattern, order in ((_DAY_MONTH, (0, 1)), (_MONTH_DAY, (1, 0))):
        if m := pattern.match(p):
            day, month = int(m[order[0] + 1]), MONTHS[m[order[1] + 1]]
            if m[3]:
                return _dated(phrase, int(m[3]), month, day)
            return _next_dated(phrase, today, month, day)
    return DayReading(reason=f"{phrase!r} names no calendar day")


def read_month(phrase: str, today: date) -> date | None:
    """The first day of the next month named by ``phrase`` alone ("March") after ``today``."""
    month = MONTHS.get(clean(phrase))
    if month is None:
        return None
    year = today.year + (month <= today.month)
    return date(year, month, 1)
