"""Resolve an 8-key event onto the calendar: a start and end in a time zone, all-day or timed,
an ISO 8601 duration and an RFC 5545 RRULE, from the event's date/time/duration/recurrence
values and detail in the request text. The reading conventions are in docs/calendar.md.

    >>> from datetime import datetime
    >>> event = {"date": "next Friday", "time": "3-5pm"}
    >>> resolve(event, "", datetime(2026, 11, 25, 9), "Europe/Berlin").to_dict()["start"]
    '2026-12-04T15:00:00+01:00'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calendar_ner import languages
from calendar_ner.calendar.phrases import (
    COUNT,
    WEEKDAY,
    DayReading,
    clean,
    number,
    read_day,
)
from calendar_ner.calendar.rrule import WEEKDAY_CODES, occurrences, to_rrule
from calendar_ner.date_ranges import days_spelling, whole_range
from calendar_ner.schema import (
    CANONICAL_TIME,
    CLOCK_SUFFIX,
    ClockTime,
    duration_minutes,
    infer_hour,
    meridiem_hint,
    range_hours,
    respelled,
)
from calendar_ner.words import military_clock, spoken_clock

UTC = timezone.utc


@dataclass
class Resolved:
    """A calendar-ready event. ``start``/``end`` are timezone-aware wall times (zoneinfo,
    ``fold=0``) or dates for an all-day event; ``duration`` is ISO 8601; ``rrule`` is an RFC 5545
    rule without the ``RRULE:`` prefix; ``notes`` say how ambiguous values were read and why a
    value is null."""

    start: datetime | date | None
    end: datetime | date | None
    duration: str | None
    all_day: bool
    timezone: str
    rrule: str | None = None
    notes: list[str] = field(default_factory=list)

    def occurrences(self, count: int = 3) -> list[datetime | date]:
        """The first ``count`` occurrence starts (just the start without a rule; none without
        a start)."""
        if self.start is None:
            return []
        return occurrences(self.rrule, self.start, count) if self.rrule else [self.start][:count]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ISO 8601 strings (real local times with their offsets), first three
        occurrences when there is a rule."""
        return {
            "start": iso(self.start),
            "end": iso(self.end),
            "all_day": self.all_day,
            "duration": self.duration,
            "timezone": self.timezone,
            "rrule": self.rrule,
            "occurrences": [iso(o) for o in self.occurrences()] if self.rrule else None,
            "notes": list(self.notes),
        }


def iso(value: datetime | date | None) -> str | None:
    """ISO 8601; a wall time that a clock change skipped is shown as the real time it means."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).astimezone(value.tzinfo).isoformat()
    return None if value is None else value.isoformat()


def iso_duration(delta: timedelta) -> str:
    """``timedelta`` → ISO 8601: whole days as ``P3D``, else hours/minutes (``PT1H30M``)."""
    seconds = int(delta.total_seconds())
    if seconds and seconds % 86400 == 0:
        return f"P{seconds // 86400}D"
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    body = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return "PT" + (body or "0S")


def parse_duration(value: str) -> timedelta:
    """ISO 8601 duration (as :func:`iso_duration` writes it) → ``timedelta``."""
    m = re.fullmatch(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", value)
    if not m or value in ("P", "PT"):
        raise ValueError(f"not an ISO 8601 duration: {value!r}")
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in m.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError naming it when there is none."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}") from None


def reference_in(reference: datetime | str, tz: ZoneInfo) -> datetime:
    """``reference`` (a datetime or an ISO 8601 string; naive means wall time in ``tz``) as an
    aware datetime in ``tz``; ValueError when it is neither."""
    if isinstance(reference, str):
        try:
            reference = datetime.fromisoformat(reference.strip())
        except ValueError:
            raise ValueError(f"malformed reference {reference!r}: expected ISO 8601") from None
    if not isinstance(reference, datetime):
        raise ValueError(f"malformed reference {reference!r}: expected a datetime")
    if reference.tzinfo is None:
        return reference.replace(tzinfo=tz)
    return reference.astimezone(tz)


# --- clock times -------------------------------------------------------------------------------


class _Impossible(ValueError):
    """A clock time that cannot exist ("25:00", "13pm")."""


_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(?:([ap])\.?\s?m\.?)?$")
_NAMED = {"noon": 12, "midday": 12, "midnight": 0}
_LEAD = re.compile(r"^(?:from|at|around|about|approx\.?|starting at|starting|by|@) ")
_SPLIT = re.compile(r"\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*")
_CLK = r"\d{1,2}(?:[:.]\d{2})?(?:\s*[ap]\.?m\.?)?|noon|midday|midnight"
_TEXT_RANGE = re.compile(
    rf"(?<![\w:/.-])(?:between (?P<a>{_CLK}) and (?P<b>{_CLK})"
    rf"|(?P<c>{_CLK})\s*(?:-|–|—|to|until|till)\s*(?P<d>{_CLK}))(?![\w/-])"
)


def _clock(part: str) -> ClockTime | None:
    """A clock time written in ``part``, or None; raises _Impossible for one that cannot be."""
    p = CLOCK_SUFFIX.sub("", _LEAD.sub("", clean(part)))  # "7ish", "9 o'clock"
    if p in _NAMED:
        return ClockTime(_NAMED[p], 0, "pm" if p != "midnight" else "am")
    if military := military_clock(p):  # "1430", "0900 hrs"
        return ClockTime(*military)
    if spoken := spoken_clock(p):  # "half past 3", "six thirty", "seven pm"
        if spoken.meridiem:
            return ClockTime(spoken.hour24, spoken.minute, spoken.meridiem)
        return ClockTime(spoken.hour, spoken.minute, fixed=False)
    m = _CLOCK.match(p)
    if not m:
        return None
    hour, minute = int(m[1]), int(m[2] or 0)
    if minute > 59 or hour > 23 or (m[3] and not 1 <= hour <= 12):
        raise _Impossible(f"impossible time {part!r}")
    if m[3]:
        return ClockTime(hour % 12 + 12 * (m[3] == "p"), minute, m[3] + "m")
    return ClockTime(hour, minute, fixed=hour == 0 or hour >= 13 or m[1].startswith("0"))


def _span(a: ClockTime, b: ClockTime, hint: str | None) -> tuple[time, time]:
    """A range's two ends (:func:`calendar_ner.schema.range_hours`)."""
    start, end = range_hours(a, b, hint)
    return time(start, a.minute), time(end, b.minute)


@dataclass(frozen=True)
class _TimeReading:
    start: time | None = None
    end: time | None = None
    shift: timedelta | None = None
    reason: str | None = None
    impossible: bool = False


def _written_bare(clock: ClockTime, text: str) -> bool:
    """Whether the request writes a canonical "H:MM AM" as a bare "H:MM" (no am/pm), the form
    schema.normalize_time reads as 24-hour."""
    pattern = rf"(?<![\d:.]){clock.hour}[:.]{clock.minute:02d}(?!\d)(?!\s*[ap]\.?\s?m\b)"
    return bool(re.search(pattern, text, re.IGNORECASE))


def _read_time(value: str, text: str, hint: str | None, today: date) -> _TimeReading:
    p = clean(value)
    if p.startswith(("in ", "within ")) and (shift := read_day(p, today).shift):
        return _TimeReading(shift=shift)
    p = _LEAD.sub("", p)
    try:
        m = re.match(r"^between (.+?) and (.+)$", p)
        parts = [m[1], m[2]] if m else _SPLIT.split(p)
        # "ten to five" is 4:50, not a range; "from ten to five" is one
        spoken = not re.match(r"(?:from|between) ", clean(value)) and spoken_clock(p)
        if len(parts) == 2 and not spoken and (a := _clock(parts[0])) and (b := _clock(parts[1])):
            start, end = _span(a, b, hint)
            return _TimeReading(start=start, end=end)
        clock = _clock(p)
    except _Impossible as error:
        return _TimeReading(reason=str(error), impossible=True)
    if clock is None:
        return _TimeReading(reason=f"time {value!r} names no clock time")
    if CANONICAL_TIME.fullmatch(value.strip()) and clock.meridiem == "am" and clock.hour:
        if _written_bare(clock, text):
            clock = ClockTime(clock.hour, clock.minute, fixed=False)
    start = time(infer_hour(clock, hint), clock.minute)
    return _TimeReading(start=start, end=_end_in_text(start, text, hint))


def _end_in_text(start: time, text: str, hint: str | None) -> time | None:
    """The end of a range the request writes that starts at ``start`` ("3-5pm" for "3:00 PM")."""
    for m in _TEXT_RANGE.finditer(clean(text)):
        try:
            a, b = _clock(m["a"] or m["c"]), _clock(m["b"] or m["d"])
        except _Impossible:
            continue
        if a and b and (span := _span(a, b, hint))[0] == start:
            return span[1]
    return None


# --- durations ---------------------------------------------------------------------------------

_DAYS = re.compile(rf"\b({COUNT}|\d+(?:\.\d+)?) ?(days?|weeks?|fortnights?)\b")


def _duration(value: str) -> tuple[timedelta | None, bool]:
    """The elapsed time a duration value states and whether it is in whole days."""
    if m := _DAYS.search(clean(value)):
        n = float(m[1]) if m[1][0].isdigit() else number(m[1])
        days = n * {"d": 1, "w": 7, "f": 14}[m[2][0]]
        return timedelta(days=days), float(days).is_integer()
    minutes = duration_minutes(value)
    return (None, False) if minutes is None else (timedelta(minutes=minutes), False)


# --- resolving ---------------------------------------------------------------------------------

# A weekday alone ("Wednesday", "on Monday"; not "next Monday").
_BARE_WEEKDAY = re.compile(rf"^(?:on )?(?:{WEEKDAY})s?$")


def _on_its_weekday(rule: str | None, date_v: str | None, start: datetime | date) -> bool:
    """Whether the date is a weekday alone that the weekly ``rule`` repeats on ("Wednesday" of
    "every Wednesday", "Monday" of "every Monday and Wednesday"): it names the repeat's weekday,
    not one day, so a timed series starts at its first occurrence at or after the reference
    ("Every Wednesday at 8am" said on a Wednesday at 9: next week's). Not for other rules
    ("Monthly review on Wednesday" keeps that Wednesday)."""
    if not (rule and date_v and isinstance(start, datetime) and _BARE_WEEKDAY.match(clean(date_v))):
        return False
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    weekday = WEEKDAY_CODES[start.weekday()]
    return parts.get("FREQ") == "WEEKLY" and weekday in parts.get("BYDAY", weekday).split(",")


def _values(event: Any, notes: list[str]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    fields = ("date", "time", "duration", "recurrence")
    for key in fields:
        value = event.get(key) if isinstance(event, dict) else None
        if value is not None and not isinstance(value, str):
            notes.append(f"{key} {value!r} is not text; ignored")
            value = None
        values[key] = value if value and value.strip() else None
    return values


def _in_english(values: dict[str, str | None]) -> dict[str, str | None]:
    """The date, time and duration of a French, Spanish or German request in the English the
    readers below know (:func:`calendar_ner.languages.english_phrase`, ``local_clock``)."""
    date_v, time_v, duration_v = (values[k] for k in ("date", "time", "duration"))
    return values | {
        "date": date_v and languages.english_phrase(date_v),
        "time": time_v and (languages.local_clock(time_v) or time_v),
        "duration": duration_v and languages.english_phrase(duration_v),
    }


def _dst_note(start: datetime) -> str | None:
    """Say when a wall time falls in a clock change: skipped (gap) or repeated (overlap)."""
    real = start.astimezone(UTC).astimezone(start.tzinfo)
    if real.replace(tzinfo=None) != start.replace(tzinfo=None):
        return (
            f"{start:%H:%M} does not exist on {start:%d/%m/%Y} in {start.tzinfo} (clocks "
            f"spring forward); read with the offset before the change: {real:%H:%M %Z}"
        )
    if start.replace(fold=1).utcoffset() != start.utcoffset():
        return (
            f"{start:%H:%M} happens twice on {start:%d/%m/%Y} in {start.tzinfo} (clocks fall "
            f"back); read as the first, {start:%H:%M %Z}"
        )
    return None


def resolve(event: dict, text: str, reference: datetime | str, timezone: str) -> Resolved:
    """Place ``event`` (the 8-key output for ``text``) on the calendar of ``timezone`` as seen
    at ``reference``.

    Raises ValueError only for an unknown zone or a malformed reference. Whatever the event's
    values, it returns: a value that names no day, or an impossible one, gives ``start=None``
    and a note saying why; nothing is invented.
    """
    tz = zone(timezone)
    ref = reference_in(reference, tz)
    text = text if isinstance(text, str) else ""
    result = Resolved(None, None, None, False, timezone)
    values = _values(event, result.notes)
    if languages.detect(text) != "en":  # "demain", "14h", "1 heure": read as the English
        values = _in_english(values)
    try:
        _resolve_into(result, values, text, ref)
    except (ValueError, OverflowError) as error:  # out-of-range arithmetic on odd values
        result.start = result.end = result.rrule = None
        result.all_day = False
        result.notes.append(f"could not resolve: {error}")
    return result


def _resolve_into(result: Resolved, values: dict, text: str, ref: datetime) -> None:
    notes, tz, today = result.notes, ref.tzinfo, ref.date()
    date_v, time_v, duration_v, recurrence_v = (
        values[k] for k in ("date", "time", "duration", "recurrence")
    )
    if date_v and (days := whole_range(date_v)):  # "May 14-16": May 14, all three days
        date_v = days.date
        if not (duration_v or time_v or recurrence_v):
            duration_v = days_spelling(days.days)
    delta, whole_days = _duration(duration_v) if duration_v else (None, False)
    if duration_v and delta is None:
        notes.append(f"duration {duration_v!r} states no amount")
    result.duration = iso_duration(delta) if delta is not None else None
    hint = meridiem_hint(date_v, time_v, text)
    times = _read_time(time_v, text, hint, today) if time_v else _TimeReading()
    spelt = respelled(date_v) if date_v else None  # "next wendesday": next Wednesday
    day = read_day(spelt, today, text) if spelt else DayReading()
    if day.day and spelt != date_v:
        notes.append(f"{date_v!r} read as {spelt!r}")
    if date_v is None and times.reason and not times.impossible:
        day = read_day(time_v, today, text)  # "tonight" given as the time
        times = _TimeReading() if day.day else times
    if day.note:
        notes.append(day.note)
    shift = times.shift or day.shift
    if not shift and (day.impossible or times.impossible or (day.reason and date_v)):
        notes.append(day.reason or times.reason)
        return
    if times.reason:
        notes.append(times.reason)
    not_before: datetime | date
    if shift:
        start: datetime | date = (ref.astimezone(UTC) + shift).astimezone(tz)
        not_before = start
    elif day.day:
        start = datetime.combine(day.day, times.start, tz) if times.start else day.day
        not_before = start
    elif times.start:
        start, not_before = datetime.combine(today, times.start, tz), ref
        if not recurrence_v:
            if start < ref:
                start += timedelta(days=1)
            notes.append(f"no day stated: the next {times.start:%H:%M} after the reference")
    elif recurrence_v:
        start = not_before = today
    else:
        notes.append("the event names no day or time")
        return
    if recurrence_v:
        rule = to_rrule(recurrence_v, text, start, not_before=not_before, today=today)
        if _on_its_weekday(rule.rrule, date_v, start) and rule.start < ref:
            rule = to_rrule(recurrence_v, text, start, not_before=ref, today=today)
        start, result.rrule = rule.start, rule.rrule
        notes.extend(rule.notes)
        if rule.rrule is None and not (day.day or times.start or shift):
            notes.append("the event names no day or time")
            return
    result.start, result.all_day = start, not isinstance(start, datetime)
    if isinstance(start, datetime):
        if note := _dst_note(start):
            notes.append(note)
        if start < ref and not recurrence_v:
            notes.append("the start is before the reference")
    _set_end(result, times, delta, whole_days)


def _set_end(result: Resolved, times: _TimeReading, delta: timedelta | None, days: bool) -> None:
    start, tz = result.start, getattr(result.start, "tzinfo", None)
    if isinstance(start, datetime) and times.end is not None and times.start is not None:
        end_day = start.date() + timedelta(days=times.end <= times.start)
        end = datetime.combine(end_day, times.end, tz)
        span = end.astimezone(UTC) - start.astimezone(UTC)
        if delta is not None and delta != span:
            result.notes.append(f"the range {iso_duration(span)} wins over the stated duration")
        result.end, result.duration = end, iso_duration(span)
    elif delta is not None and isinstance(start, datetime):
        end = start + delta if days else (start.astimezone(UTC) + delta).astimezone(tz)
        result.end = end
    elif delta is not None and days:
        result.end = start + delta
    elif delta is not None:
        result.notes.append("an all-day event with a duration in hours or minutes has no end")
