"""The 8-key event schema: field names, types, canonicalization and date/time normalization.

Every other module imports the field list and the normalization rules from here, so a target, a
prediction and a gold label are compared under exactly one definition.

    >>> canonicalize({"action": " Lunch ", "date": "10th, May 2025", "time": "3pm",
    ...               "attendees": "Sam", "location": "", "duration": None,
    ...               "recurrence": None, "notes": None})["date"]
    '10/05/2025'
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime
from typing import Any, NamedTuple

from dateutil import parser as dateutil_parser
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from calendar_ner.holidays import HOLIDAY
from calendar_ner.languages import (
    english_months,
    fold_accents,
    local_clock,
    local_date_words,
    local_time_words,
)
from calendar_ner.words import (
    HOUR_WORD,
    MINUTE_WORD,
    military_clock,
    spoken_clock,
    with_day_numbers,
)

SCHEMA_VERSION = "1"

FIELDS: tuple[str, ...] = (
    "action",
    "date",
    "time",
    "attendees",
    "location",
    "duration",
    "recurrence",
    "notes",
)
LIST_FIELDS = frozenset({"attendees"})
# Meeting platforms and the words for no place: what a location can be besides a place, and what
# an attendee never is (calendar_ner.decode.types.platform_spans).
PLATFORMS: tuple[str, ...] = (
    "Zoom",
    "Google Meet",
    "Teams",
    "Microsoft Teams",
    "MS Teams",
    "Webex",
    "Skype",
    "Slack",
    "Discord",
    "BlueJeans",
    "GoToMeeting",
    "FaceTime",
    "Jitsi",
    "Google Hangouts",
)
VIRTUAL: tuple[str, ...] = ("online", "virtual", "remote")


_PLATFORMS_LOWER = frozenset(p.lower() for p in PLATFORMS)


def location_kind(location: str) -> str:
    """``"platform"`` (Zoom, Teams…), ``"virtual"`` (online, virtual) or ``"place"``."""
    lowered = location.lower()
    if lowered in _PLATFORMS_LOWER:
        return "platform"
    if lowered in VIRTUAL:
        return "virtual"
    return "place"


Event = dict[str, Any]


class SchemaError(ValueError):
    """A value that does not fit the schema; the message names the field and what is wrong."""


def empty_event() -> Event:
    """An event with every field null."""
    return dict.fromkeys(FIELDS)


def _clean_str(value: str) -> str | None:
    value = " ".join(value.split())
    return value or None


def canonicalize(obj: Any, *, strict: bool = True, local: bool = False) -> Event:
    """Return the canonical form of an event object.

    All 8 keys present in schema order; strings trimmed (inner whitespace collapsed); ``""`` and
    ``[]`` become null; a lone attendee string becomes a one-item list; dates become
    ``DD/MM/YYYY`` and times ``H:MM AM/PM`` where they can be read unambiguously.

    A prediction (not ``strict``) loses a date or time that names none ("you" as a date, "9am"
    as a date, "HELLO" as a time): a model that always writes a date copies something else
    from a request that has none.

    With ``strict`` (the default for labels) an unknown key, a missing key or a wrong type raises
    :class:`SchemaError`. With ``strict=False`` (for model output) unknown keys are dropped,
    missing keys become null, and a wrong-typed value is converted to a string or dropped.
    ``local``: the event is of a French, Spanish or German request (:mod:`calendar_ner.languages`),
    whose dates and times are read that language's way too.
    """
    if not isinstance(obj, dict):
        raise SchemaError(f"output must be a JSON object, got {type(obj).__name__}")
    unknown = [k for k in obj if k not in FIELDS]
    missing = [k for k in FIELDS if k not in obj]
    if strict and unknown:
        raise SchemaError(f"unknown key(s) {unknown}; allowed keys are {list(FIELDS)}")
    if strict and missing:
        raise SchemaError(f"missing key(s) {missing}")
    event = empty_event()
    for field in FIELDS:
        event[field] = _canonical_value(field, obj.get(field), strict, local)
    return event


def _canonical_value(field: str, value: Any, strict: bool, local: bool = False) -> Any:
    if value is None:
        return None
    if field in LIST_FIELDS:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            if strict:
                raise SchemaError(
                    f"field {field!r} must be a list of strings or null, got {type(value).__name__}"
                )
            return None
        items = []
        for item in value:
            if not isinstance(item, str):
                if strict:
                    raise SchemaError(
                        f"field {field!r} must hold strings only, got {type(item).__name__}"
                    )
                item = str(item)
            cleaned = _clean_str(item)
            if cleaned is not None:
                items.append(cleaned)
        return items or None
    if not isinstance(value, str):
        if strict:
            raise SchemaError(
                f"field {field!r} must be a string or null, got {type(value).__name__}"
            )
        value = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    cleaned = _clean_str(value)
    if cleaned is None:
        return None
    if field == "date":
        date = normalize_date(cleaned, local=local)
        return date if strict or is_date_like(date, local=local) else None
    if field == "time":
        time = normalize_time(cleaned, local=local)
        return time if strict or is_time_like(time, local=local) else None
    if field == "duration":
        return normalize_duration(cleaned)
    return cleaned


# --- dates -------------------------------------------------------------------------------------

_ORDINAL = re.compile(r"\b(\d{1,2})(st|nd|rd|th)\b", re.IGNORECASE)
_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_YEAR = re.compile(r"\b\d{4}\b")
_NTH_WEEKDAY = re.compile(
    r"\b(?:\d{1,2}(?:st|nd|rd|th)|last)\s+(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.IGNORECASE
)
_DAY_WORDS = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b,?", re.IGNORECASE)
# A far-off sentinel: if a component is missing, the parsed value would carry it and we can tell.
_SENTINEL = datetime(1, 1, 1)


def normalize_date(text: str, *, local: bool = False) -> str:
    """Return ``DD/MM/YYYY`` for an absolute date with day, month and year, else ``text`` unchanged.

    Reads every form in the data: ``10th, May 2025``, ``2024-02-09``, ``05 - December - 2023``,
    ``May 14, 2024``, ``21 - Oct - 2023``, ``22/11/2023`` (numeric dates are day first unless
    they start with the year), and with ``local`` French, Spanish and German ones (``3 mars
    2025``, ``3 de marzo de 2025``, ``3. März 2025``). Relative or partial dates ("tomorrow", "May
    10") are kept as
    written: filling in today's year would make the result depend on when it runs.
    python-dateutil does the parsing; the regexes only tidy ordinals and dashes around it.
    """
    original = text.strip()
    numbered = with_day_numbers(original)  # "the twenty-first of June 2027": "the 21st of …"
    if not _YEAR.search(original) or _NTH_WEEKDAY.search(numbered):
        return original  # no year, or "the second Tuesday of March 2027": no day of the month
    cleaned = english_months(numbered) if local else respelled(numbered)  # "3 mars 2025"
    cleaned = _ORDINAL.sub(r"\1", cleaned)
    cleaned = re.sub(r"\bthe\b", " ", cleaned, flags=re.IGNORECASE)  # "the 21st of June 2027"
    cleaned = _DAY_WORDS.sub(" ", cleaned)
    cleaned = re.sub(r"\s*-\s*", "-" if _ISO.match(cleaned.replace(" ", "")) else " ", cleaned)
    cleaned = re.sub(r"[,.]", " ", cleaned).strip()
    if not re.search(r"[A-Za-z]", cleaned) and not re.fullmatch(r"[\d/ .-]+", cleaned):
        return original
    try:
        yearfirst = bool(re.match(r"^\d{4}", cleaned))
        parsed = dateutil_parser.parse(
            cleaned, dayfirst=not yearfirst, yearfirst=yearfirst, default=_SENTINEL
        )
    except (ValueError, OverflowError):
        return original
    if parsed.year == 1 or not re.search(r"\d", _YEAR.sub("", cleaned)):
        return original  # no year, or no day number: not a full date
    if not re.search(r"[A-Za-z]{3}", cleaned) and len(re.findall(r"\d+", cleaned)) < 3:
        return original  # "1, 2024": no month at all
    return parsed.strftime("%d/%m/%Y")


# Month and weekday names and their abbreviations, lower case ("may", "tue").
CALENDAR_WORDS = frozenset(
    w.lower()
    for names in (calendar.month_name, calendar.month_abbr, calendar.day_name, calendar.day_abbr)
    for w in names
    if w
) | {"sept"}
CANONICAL_DATE = re.compile(r"\d{2}/\d{2}/\d{4}")
CANONICAL_TIME = re.compile(r"\d{1,2}:\d{2} [AP]M")
_DATE_WORDS = CALENDAR_WORDS | frozenset(
    "tues thur thurs today tomorrow tmrw tmr tonight yesterday day days week weeks weekend "
    "fortnight fortnights month months year years".split()
)
_TIME_WORDS = frozenset(
    "noon midday midnight morning afternoon evening night tonight lunch lunchtime breakfast "
    "dinner eod am pm".split()
)


# Day and month names a request may misspell ("wendesday", "Febuary", "tomorow"), read as the
# name one edit away (a letter added, dropped or changed, or two swapped), or two edits away in a
# name of eight letters or more ("wensday", "tommorow"), where the first two letters agree (not
# "remember") and a weekday still ends in "day" (not "Sundar"). Names under six letters ("March",
# "June") and abbreviations are left alone: too many words are an edit from them. No dev request
# misspells one; of the 32,598 words of Faker's name, place, company and lorem lists in 13
# locales, "Augusta", "Auguste" and "Augusto" read as "August" (a misspelt month counts as a date
# only beside a day: calendar_ner.decode.types), "noviembre" and "septiembre" as their month.
_NAMES_SPELT = (*(n.lower() for n in (*calendar.month_name, *calendar.day_name) if len(n) >= 6),
            "tomorrow")  # fmt: skip


def respell(word: str) -> str | None:
    """The day or month name (lower case), or "tomorrow", that a misspelt ``word`` stands for;
    None for a name, its plural, or a word no such edit away (:data:`_NAMES_SPELT`)."""
    lower = word.lower()
    if len(lower) < 6 or not lower.isalpha() or lower.rstrip("s") in _DATE_WORDS:
        return None
    found = process.extractOne(
        lower, _NAMES_SPELT, scorer=DamerauLevenshtein.distance, score_cutoff=2
    )
    if not found or lower[0] != found[0][0] or found[0].endswith("day") > lower.endswith("day"):
        return None  # a misspelt weekday still ends in "day" (not "Sundar", "Mondal", "sundae")
    return found[0] if found[1] <= 1 or (len(found[0]) >= 8 and lower[1] == found[0][1]) else None


def respelled(text: str) -> str:
    """``text`` with each misspelt day or month name written as the name (:func:`respell`)."""
    return re.sub(r"[A-Za-z]{6,}", lambda m: respell(m[0]) or m[0], text)


def _words(text: str, local: bool = False) -> set[str]:
    return set(re.findall(r"[a-z]+", fold_accents(text) if local else respelled(text).lower()))


_HOLIDAY_NAMED = re.compile(rf"(?<![\w'’-])(?:{HOLIDAY})(?![\w'’-])", re.IGNORECASE)


def is_date_like(value: str, *, local: bool = False) -> bool:
    """Whether a (normalized) date value names a date: a number that is not a clock time, a
    month or weekday, a relative day ("tomorrow", "next week"; with ``local`` "demain",
    "lunes" too) or a holiday ("Thanksgiving", "Christmas Eve")."""
    if CANONICAL_TIME.fullmatch(normalize_time(value, local=local)):
        return False
    if _HOLIDAY_NAMED.search(value):
        return True
    if local:
        words = _DATE_WORDS | local_date_words()
        return bool(re.search(r"\d", value)) or bool(_words(value, local) & words)
    return bool(re.search(r"\d", value)) or bool(_words(value) & _DATE_WORDS)


_SAID_TIME = re.compile(r"in [\w ]+ (?:min(?:ute)?s?|hours?|hrs?)")  # a time from now


def is_time_like(value: str, *, local: bool = False) -> bool:
    """Whether a (normalized) time value names a time: a number that is not a full date, a
    time of day ("noon"; with ``local`` "midi", "abends" too), an hour said in words ("quarter
    to nine", "six thirty": :func:`calendar_ner.words.spoken_clock`) or a time from now ("in an
    hour")."""
    if CANONICAL_DATE.fullmatch(normalize_date(value, local=local)):
        return False
    if _SAID_TIME.fullmatch(" ".join(value.lower().split())) or spoken_clock(value):
        return True
    if local:
        words = _TIME_WORDS | local_time_words()
        return bool(re.search(r"\d", value)) or bool(_words(value, local) & words)
    return bool(re.search(r"\d", value)) or bool(_words(value) & _TIME_WORDS)


# --- durations ---------------------------------------------------------------------------------

# Only the spellings the labels rewrite consistently (33/33 "an hour"/"one hour" → "1 hour",
# 13/14 "45mins" → "45 mins" in the dev rows); everything else ("1hr", "30m") stays verbatim.
_ONE_HOUR = re.compile(r"^(an|one|a full|full)[ -]hour$", re.IGNORECASE)
_GLUED_MINS = re.compile(r"^(\d+)mins$", re.IGNORECASE)


def normalize_duration(text: str) -> str:
    """``an hour``/``one hour`` → ``1 hour``; ``45mins`` → ``45 mins``; else ``text`` as is."""
    if _ONE_HOUR.match(text):
        return "1 hour"
    return _GLUED_MINS.sub(r"\1 mins", text)


_UNITS = "one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_WORDS = (
    {word: i + 1 for i, word in enumerate(_UNITS)}
    | {word: i + 10 for i, word in enumerate(_TEENS)}
    | {word: 10 * (i + 2) for i, word in enumerate(_TENS)}
    | {
        f"{tens}{sep}{unit}": 10 * (i + 2) + j + 1
        for i, tens in enumerate(_TENS)
        for j, unit in enumerate(_UNITS)
        for sep in ("-", " ")
    }
    | {"a": 1, "an": 1, "a full": 1, "full": 1, "a couple of": 2, "a couple": 2}
)
_SPELLED = "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True))
# "45min", "45m", "90-minute", "1.5 hrs", "an hour", "one and a half hours", "twenty-five
# minutes". Not inside a number or a range ("30-45 min", "30 to 45 mins", "1,000", "1/2 hour");
# a bare "m" or "h" only glued to digits ("45m", not "room 4 m" nor "a m").
_RANGE = r"\s*(?:-|–|to|or)\s*"
_AMOUNT = re.compile(
    rf"(?<![\w.,:/-])(?:(?P<n>\d+(?:\.\d+)?)(?!{_RANGE}\d)|(?P<word>{_SPELLED}))"
    r"(?:(?<=\d)(?P<glued>[mh])|(?:\s*-)?\s*(?P<half>and a half )?"
    r"(?P<unit>minutes?|mins?|hours?|hrs?))\b",
    re.IGNORECASE,
)
_RANGE_BEFORE = re.compile(rf"\d{_RANGE}$", re.IGNORECASE)  # the "30 to " of "30 to 45 mins"
_AND_A_HALF = re.compile(r" and a half\b", re.IGNORECASE)  # "an hour and a half"
_FIXED = (
    (re.compile(r"\bhalf(?: an | a |-| )hour\b", re.IGNORECASE), 30.0),
    (re.compile(r"\b(?:a )?quarter(?: of an |-| )hour\b", re.IGNORECASE), 15.0),
)
_BETWEEN = re.compile(r"\s*(?:and|&)?\s*")  # what joins "1hr" and "30min" into one amount


class _Amount(NamedTuple):
    start: int
    end: int
    minutes: float
    in_hours: bool  # written in hours ("1hr", "an hour"), not minutes


def _amounts(text: str) -> list[_Amount]:
    """Every duration amount written in ``text``, in order."""
    found = []
    for pattern, minutes in _FIXED:  # before "an hour" inside "half an hour" is read as 60
        found += [_Amount(m.start(), m.end(), minutes, False) for m in pattern.finditer(text)]
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    for match in _AMOUNT.finditer(text):
        if _RANGE_BEFORE.search(text, max(match.start() - 12, 0), match.start()):
            continue
        word = match["word"] and " ".join(match["word"].lower().split())
        amount = float(match["n"] or _NUMBER_WORDS[word]) + (0.5 if match["half"] else 0)
        end, in_hours = match.end(), (match["glued"] or match["unit"])[0] in "hH"
        if in_hours:
            half = _AND_A_HALF.match(text, end)
            if half:
                amount, end = amount + 0.5, half.end()
            amount *= 60
        found.append(_Amount(match.start(), end, amount, in_hours))
    return sorted(found)


def duration_minutes(value: str) -> float | None:
    """The minutes a duration value states ("1hr 30min" -> 90, "half an hour" -> 30), or None
    when it states no amount."""
    found = _amounts(value)
    return sum(amount.minutes for amount in found) if found else None


def _spellings(minutes: float) -> list[str]:
    """How the labels spell ``minutes``: "45 minutes", "2 hours", "1 hour 30 minutes", …"""
    count = f"{minutes:g}"
    if minutes == 1:
        forms = ["1 minute", "1 min"]
    else:
        forms = [f"{count} minutes", f"{count} mins", f"{count} min"]
    if minutes < 60:
        return forms
    hours, rest = divmod(minutes, 60)
    if not rest:
        if hours == 1:
            return ["1 hour", "1 hr", *forms]
        return [f"{hours:g} hours", f"{hours:g} hrs", f"{hours:g} hr", *forms]
    mixed = f"{hours:g} {'hour' if hours == 1 else 'hours'} {rest:g} minute{'s' * (rest != 1)}"
    decimal = [f"{minutes / 60:g} hours"] if rest in (15, 30, 45) else []
    return [mixed, *decimal, *forms]


def _two_part(found: list[_Amount], text: str) -> list[tuple[_Amount, _Amount]]:
    """Amounts written in two parts, hours then minutes: "1hr 15min", "2 hours and 30 minutes"."""
    return [
        (first, second)
        for first, second in zip(found, found[1:])
        if first.in_hours
        and first.minutes % 60 == 0
        and not second.in_hours
        and 0 < second.minutes < 60
        and _BETWEEN.fullmatch(text, first.end, second.start)
    ]


def stated_durations(text: str) -> dict[float, list[str]]:
    """Every duration amount ``text`` states (minutes), with the spellings a label may give it.

    The labels copy most durations as written and rewrite the rest into a few spellings (dev
    rows: "an hour"/"one-hour" -> "1 hour", "45mins" -> "45 mins", "20min" -> "20 minutes", "an
    hour and a half" -> "1 hour 30 minutes" or "1.5 hours", "a couple of hours" -> "2 hours");
    every one of the 490 labelled durations of the 600 dev rows is a span of its request or one
    of these. An amount in two parts ("1hr 30min") states its sum too. Hand-written: duration
    parsers (pytimeparse, dateparser) return seconds, and the task is the labels' spellings.
    """
    found = _amounts(text)
    return _stated(found, _two_part(found, text))


_IN_MINUTES = re.compile(r"[\d.]+ min", re.IGNORECASE)


def _stated(found: list[_Amount], pairs: list[tuple[_Amount, _Amount]]) -> dict[float, list[str]]:
    """Each amount's spellings. An amount of an hour or more written in hours is never spelled
    in minutes alone ("2 hrs" is no "120 mins"): no dev label changes a stated amount's unit
    that way."""
    stated: dict[float, list[str]] = {}
    amounts = [(a.minutes, a.in_hours) for a in found]
    amounts += [(first.minutes + rest.minutes, True) for first, rest in pairs]
    for minutes, in_hours in amounts:
        forms = _spellings(minutes)
        if in_hours and minutes >= 60:  # "0.5 hours" keeps "30 minutes"
            forms = [form for form in forms if not _IN_MINUTES.match(form)]
        known = stated.setdefault(minutes, [])
        known += [form for form in forms if form not in known]
    return stated


def is_stated_duration(value: str, text: str) -> bool:
    """Whether ``value`` is a span of ``text`` or a label spelling of an amount it states (case
    ignored)."""
    text = " ".join(text.split())
    return _is_stated(value, text, stated_durations(text))


def _is_stated(value: str, text: str, stated: dict[float, list[str]]) -> bool:
    value, text = value.lower(), text.lower()
    spellings = {form.lower() for forms in stated.values() for form in forms}
    return value in spellings or bool(re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text))


def ground_duration(value: str | None, text: str) -> str | None:
    """``value``, respelled as the labels spell its amount where ``text`` never writes it.

    A predicted duration that is neither a span of ``text`` nor a label spelling of an amount
    ``text`` states (:func:`is_stated_duration`; "1 hour and a half" for "an hour and a half")
    becomes the spelling of that amount closest to it in words ("1 hour 30 minutes"); case is
    ignored. A value whose amount the request does not state, or that states none, is left as
    it is. And a value that is one part of an amount written in two ("15 minutes" or "1 hour"
    for "1hr 15min"), where the request does not also write that part on its own, becomes the
    whole amount as written: half of it is no answer. ``python benchmarks/label_audit.py``
    counts the dev labels this leaves as they are (all 490).
    """
    if value is None:
        return None
    text = " ".join(text.split())
    minutes = duration_minutes(value)
    found = _amounts(text)
    pairs = _two_part(found, text)
    alone = {a.minutes for a in found if not any(a in pair for pair in pairs)}
    for first, second in pairs:
        if minutes in (first.minutes, second.minutes) and minutes not in alone:
            return text[first.start : second.end]
    stated = _stated(found, pairs)
    if _is_stated(value, text, stated) or minutes not in stated:
        return value
    best = process.extractOne(value.lower(), stated[minutes], scorer=fuzz.token_set_ratio)
    return best[0]


# --- times -------------------------------------------------------------------------------------

# One regex reads every clock form in the data (``3pm``, ``8:15\u202fam``, ``15:00``, ``9 A.M.``);
# dateutil would also accept bare numbers ("3") as times, which are durations or days here.
_TIME = re.compile(
    r"^(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ap>[ap])?\.?\s*(?:m\.?)?$", re.IGNORECASE
)
_NAMED_TIMES = {"noon": "12:00 PM", "midday": "12:00 PM", "midnight": "12:00 AM"}
# What a clock time may end with and still be that time: "7ish", "2:30pm-ish", "noonish",
# "9 o'clock". No dev time label ends so.
CLOCK_SUFFIX = re.compile(r"(?:\s*-?\s*ish|\s*o['’]?\s*clock)$", re.IGNORECASE)


def normalize_time(text: str, *, local: bool = False) -> str:
    """Return ``H:MM AM/PM`` for a clock time, else ``text`` unchanged.

    ``3pm`` → ``3:00 PM``; ``8:15\u202fam`` → ``8:15 AM``; ``15:00`` → ``3:00 PM``;
    ``noon`` → ``12:00 PM``; ``1430`` and ``0900 hrs`` (24-hour) → ``2:30 PM``, ``9:00 AM``; a
    time said in words with am/pm, ``seven thirty pm`` → ``7:30 PM``
    (:func:`calendar_ner.words.spoken_clock`); with ``local`` the French, Spanish and German ways
    too (``14h30``, ``14 Uhr``, ``midi``: :func:`calendar_ner.languages.local_clock`; in English
    "1h" is a length). A bare hour with no minutes and no am/pm, or said in words without am/pm
    (``six thirty``), stays as written: :func:`bare_hour` reads it.
    """
    original = text.strip()
    compact = " ".join(original.replace("\u202f", " ").replace("\xa0", " ").split()).lower()
    compact = CLOCK_SUFFIX.sub("", compact)  # "2:30pm-ish", "noonish"
    if compact in _NAMED_TIMES:
        return _NAMED_TIMES[compact]
    if military := military_clock(compact):
        return _clock_text(*military)
    if (spoken := spoken_clock(compact)) and spoken.meridiem:
        return _clock_text(spoken.hour24, spoken.minute)
    match = _TIME.match(compact)
    if not match or (match["m"] is None and match["ap"] is None):
        return (local and local_clock(compact)) or original  # "14h30", "14 Uhr", "midi"
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if minute > 59:
        return original
    if match["ap"]:
        if not 1 <= hour <= 12:
            return original
        suffix = "AM" if match["ap"].lower() == "a" else "PM"
    else:
        if hour > 23:
            return original
        suffix = "AM" if hour < 12 else "PM"
        hour = hour % 12 or 12
    return f"{hour}:{minute:02d} {suffix}"


# --- time ranges and bare hours ----------------------------------------------------------------

# The same reading as the calendar resolver (docs/calendar.md, "Times"): a part without am/pm
# takes the other part's when the start stays before the end, else the opposite one; with no
# am/pm at all, hours 1-7 are PM, 8-11 AM, 12 noon, unless "tonight"/"afternoon"/"evening"
# (PM) or "morning" (AM) says otherwise; a leading zero or an hour of 13 or more is 24-hour.
# A part of a range: a clock in digits, a 24-hour clock without a colon ("1430-1530"), or an hour
# in words with its minutes ("from nine to five", "from six thirty to eight").
_PART = (
    r"(?:[01]\d|2[0-3])[0-5]\d|\d{1,2}(?:[:.]\d{2})?(?:\s*[ap]\.?m\b\.?)?|noon|midday|midnight"
    rf"|{HOUR_WORD}(?:[\s-]+{MINUTE_WORD})?(?:\s*[ap]\.?m\b\.?)?"
)
# "at 7 weeks" is no time, "at 7 weekly" is.
_NOT_A_TIME_AFTER = (
    r"(?![\w/:-]|\s*(?:(?:min|hour|hr|h\b|day|week|month|year)(?!ly\b)|people|ppl|person|%))"
)
_TIME_RANGE = re.compile(
    rf"(?<![\w:/.,-])(?:(?P<lead>from\s+)?(?P<a>{_PART})\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*"
    rf"(?P<b>{_PART})|between\s+(?P<c>{_PART})\s+and\s+(?P<d>{_PART})){_NOT_A_TIME_AFTER}",
    re.IGNORECASE,
)
# A request that moves an event ("Move the review from Thursday to Friday", "Can you push my
# call from 2pm to 4pm", "Can we move the offsite from June 10 to June 12", "I need to
# reschedule my dentist from …", "Standup moved from 9 to 10am"; not "I need to move my stuff
# from 2 to 5pm", a chore): after "from" it writes the date or time
# the event leaves, after "to" the one it gets; "from 2pm to 4pm" there is no range. The verb
# opens the request with what it moves, or is a participle right before "from": "Night shift
# from 10pm to 6am", "Oil change from 2 to 4pm" and "who moved to Berlin, from 6pm" move nothing.
# One dev request moves an event ("Session rescheduled to …", no "from").
MOVES = re.compile(
    r"\b(?:moved|rescheduled|postponed|pushed|shifted|bumped|delayed)(?:\s+(?:back|up))?(?=\s+from\b)"
    r"|^\W*(?:(?:hey|hi|hello|ok|okay|please|pls|kindly|(?:can|could|would|will)\s+you"
    r"|(?:can|could|shall|should)\s+we|let['’]?s|(?:i|we)(?:['’]d|\s+would)\s+like\s+to"
    r"|(?:would|will|is)\s+it\s+(?:be\s+)?possible\s+to)\b[\s,!.]*)*"
    r"(?:(?:move|push|shift|change)\s+|(?:(?:i|we)\s+(?:need|want|have)\s+to\s+)?"
    r"(?:reschedule|postpone|bump|delay)\s+)"
    r"(?:my|the|our|your|this|that|it|today['’]?s|tomorrow['’]?s)\b",
    re.IGNORECASE,
)


_TO = re.compile(r"\bto\b", re.IGNORECASE)
_FROM = re.compile(r"\bfrom\s+$", re.IGNORECASE)


def moved_from(text: str, at: int, moves: list[re.Match] | None = None) -> bool:
    """Whether position ``at`` of ``text`` follows the "from" of a request that moves an event
    (:data:`MOVES`; ``moves``, its matches in ``text`` when known), with no "to" between the verb
    and it ("Reschedule my dentist to Monday from 10 to 11am" gives the new slot as a range)."""
    moves = list(MOVES.finditer(text)) if moves is None else moves
    before = [m for m in moves if m.end() <= at]
    return bool(
        before
        and _FROM.search(text, max(at - 8, 0), at)
        and not _TO.search(text, before[-1].end(), at)
    )


_PART_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(?:([ap])\.?m\.?)?$", re.IGNORECASE)
# Words that say which half of the day a bare hour is in ("Friday night at 9", "dinner at eight":
# PM; "breakfast at 9": AM; not "last night's outage at 9", "Night Owl Cafe"). No dev request
# writes a bare hour; the two dev meals with a clock without am/pm are at 12, which stays noon.
_PM_HINT = re.compile(
    r"(?<!good\s)\b(?:tonight|evening|afternoon|dinner|supper)\b"
    r"|(?<!last )(?<!Last )\b(?-i:night)\b(?!['’]s)",
    re.IGNORECASE,
)
_AM_HINT = re.compile(r"(?<!good\s)\b(?:morning|breakfast)\b", re.IGNORECASE)  # no greeting


class ClockTime(NamedTuple):
    """A clock time as written, before the bare-hour rule: shared by the candidates' ranges and
    the calendar resolver."""

    hour: int  # 0-23 when ``fixed`` or ``meridiem`` is set, else 1-12 as written
    minute: int
    meridiem: str | None = None  # "am"/"pm" when written
    fixed: bool = True  # 24-hour: needs no am/pm


_WORDED = re.compile(HOUR_WORD, re.IGNORECASE)
# A day right before a number says it is a clock time: "saturday 9-12", "next wed 12-1",
# "monday 0930", "easter sunday 1030" (searched up to the number, from 30 characters before it).
DAY_BEFORE = re.compile(
    r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"
    rf"|today|tonight|tomorrow|tmrw|{HOLIDAY})\.?,?\s+$",
    re.IGNORECASE,
)


def _part(text: str) -> ClockTime | None:
    text = text.lower()
    if military := military_clock(text):
        return ClockTime(*military)
    if spoken := spoken_clock(text):
        if spoken.meridiem:
            return ClockTime(spoken.hour24, spoken.minute, spoken.meridiem)
        return ClockTime(spoken.hour, spoken.minute, fixed=False)
    if text in ("noon", "midday"):
        return ClockTime(12, 0, "pm", True)
    if text == "midnight":
        return ClockTime(0, 0, "am", True)
    match = _PART_CLOCK.match(text)
    if not match:
        return None
    hour, minute, meridiem = int(match[1]), int(match[2] or 0), match[3]
    if minute > 59 or hour > 23 or (meridiem and not 1 <= hour <= 12):
        return None
    if meridiem:
        return ClockTime(hour % 12 + 12 * (meridiem == "p"), minute, meridiem + "m", True)
    return ClockTime(hour, minute, None, hour == 0 or hour >= 13 or match[1].startswith("0"))


def meridiem_hint(*sources: str | None) -> str | None:
    """The half of the day the ``sources`` give a bare hour: "pm" for tonight, afternoon,
    evening, night, dinner or supper (also beside "morning": "Good morning! Drinks tonight at
    8"), "am" for morning or breakfast, else None."""
    joined = " ".join(s for s in sources if s)
    return "pm" if _PM_HINT.search(joined) else "am" if _AM_HINT.search(joined) else None


def _with(clock: ClockTime, meridiem: str) -> int:
    return clock.hour % 12 + 12 * (meridiem == "pm")


def infer_hour(clock: ClockTime, hint: str | None) -> int:
    """The hour of a clock written without am/pm: 1-7 PM, 8-11 AM, 12 noon; ``hint`` ("pm"
    for tonight/afternoon/evening, "am" for morning: :func:`meridiem_hint`) wins."""
    if clock.fixed:
        return clock.hour
    if hint:
        return _with(clock, hint) if clock.hour != 12 else 12
    return clock.hour + 12 if clock.hour <= 7 else clock.hour


def _clock_text(hour: int, minute: int) -> str:
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


# An hour with no am/pm, alone or with its minutes, and no leading zero ("07:30" is 24-hour).
_BARE_CLOCK = re.compile(r"(?P<hour>[1-9]|1[0-2])(?::(?P<minute>[0-5]\d))?")


def bare_hour(value: str, text: str = "") -> str:
    """A bare hour ("7", "7:30" with no am/pm and no leading zero, or said in words: "half past
    3", "quarter to nine", "six thirty", :func:`calendar_ner.words.spoken_clock`) as
    ``H:MM AM/PM`` by the resolver's rule: 1-7 PM, 8-11 AM, 12 noon,
    unless ``text`` says "tonight"/"afternoon"/"evening" (PM) or "morning" (AM); anything else
    (a 24-hour "07:30" or "19:30", "7pm") is returned unchanged. Every dev time label is still
    one of its request's time candidates read this way (``benchmarks/label_audit.py``:
    ``typed_rules.typed_times`` 600 of 600); the dev requests write clocks with minutes and no
    am/pm only with an hour of 8-12 or a leading zero, so ``bare_hours`` changes none of them.

    >>> [bare_hour(h) for h in ("7", "9", "12", "0", "7pm", "7:30", "07:30", "19:30", "12:15")]
    ['7:00 PM', '9:00 AM', '12:00 PM', '0', '7pm', '7:30 PM', '07:30', '19:30', '12:15 PM']
    >>> bare_hour("9", "dinner this evening at 9"), bare_hour("9:30", "drinks tonight at 9:30")
    ('9:00 PM', '9:30 PM')
    >>> bare_hour("half past 3"), bare_hour("quarter to nine"), bare_hour("quarter to 1")
    ('3:30 PM', '8:45 AM', '12:45 PM')
    >>> bare_hour("six thirty"), bare_hour("eleven"), bare_hour("ten past seven am")
    ('6:30 PM', '11:00 AM', '7:10 AM')
    >>> bare_hour("7ish"), bare_hour("9 o'clock")
    ('7:00 PM', '9:00 AM')
    """
    spoken = spoken_clock(value)
    if spoken:  # "half past 3": 3:30, "six thirty": 6:30
        if spoken.meridiem:
            return _clock_text(spoken.hour24, spoken.minute)
        hint = meridiem_hint(text)
        return _clock_text(infer_hour(ClockTime(spoken.hour, 0, fixed=False), hint), spoken.minute)
    bare = _BARE_CLOCK.fullmatch(CLOCK_SUFFIX.sub("", value.strip()))  # "7ish", "9 o'clock"
    if not bare or not 1 <= int(bare["hour"]) <= 12:
        return value
    minute = int(bare["minute"] or 0)
    return _clock_text(
        infer_hour(ClockTime(int(bare["hour"]), minute, fixed=False), meridiem_hint(text)), minute
    )


class TimeRange(NamedTuple):
    """A clock-time range written in a request ("3-5pm", "from 2 to 4", "10:00-10:30")."""

    start: int  # where the range starts in the text (after "from")
    end: int
    text: str  # the range as written ("3-5pm", "2 to 4", "between 1 and 3")
    first: str  # its first part as written ("3" of "3-5pm")
    time: str  # the start, ``H:MM AM/PM``
    minutes: int  # its length


def time_ranges(text: str) -> list[TimeRange]:
    """Every clock-time range in ``text``, read as the calendar resolver reads one.

    A range with neither am/pm, minutes, "from"/"between" nor a day right before it ("2-4";
    not "saturday 9-12") is not read: it is as often a count; nor is "from X to Y" in a request
    that moves an event (:data:`MOVES`).

    >>> [(r.time, r.minutes) for r in time_ranges("Office hours 3-5pm, then 11:30 to 1")]
    [('3:00 PM', 120), ('11:30 AM', 90)]
    """
    hint = meridiem_hint(text)
    moves = list(MOVES.finditer(text))
    found = []
    for match in _TIME_RANGE.finditer(text):
        first, second = match["a"] or match["c"], match["b"] or match["d"]
        a, b = _part(first), _part(second)
        marked = match["lead"] or match["c"] or re.search(r"[:.apnm]", first + second, re.I)
        marked = marked or DAY_BEFORE.search(text, max(match.start() - 30, 0), match.start())
        if _WORDED.match(first) or _WORDED.match(second):  # "ten to five" is 4:50
            marked = match["lead"] or match["c"] or re.search(r"[ap]\.?m\b", second, re.I)
        elif military_clock(first) and military_clock(second):  # "1430-1530", not "2019-2023"
            marked = not any(re.match(r"19|20", p) for p in (first, second))
        if a is None or b is None or not marked:
            continue
        if match["lead"] and moved_from(text, match.start("a"), moves):
            continue  # "Move my call from 2pm to 4pm": where it leaves, where it goes
        start, end = range_hours(a, b, hint)
        minutes = (end * 60 + b.minute - start * 60 - a.minute) % (24 * 60)
        if minutes:
            at = match.start("a") if match["a"] else match.start()
            span = text[at : match.end()]
            found.append(
                TimeRange(at, match.end(), span, first, _clock_text(start, a.minute), minutes)
            )
    return found


def range_hours(a: ClockTime, b: ClockTime, hint: str | None) -> tuple[int, int]:
    """A range's two hours (0-23): a part without am/pm takes the other part's when that keeps
    the start before the end, else the opposite one; with neither, :func:`infer_hour` reads both
    and an end that would come before the start takes the start's half of the day."""
    other = {"am": "pm", "pm": "am"}
    if not a.fixed and b.meridiem:
        start, end = _with(a, b.meridiem), b.hour
        if (start, a.minute) >= (end, b.minute):
            start = _with(a, other[b.meridiem])
        return start, end
    if not b.fixed and a.meridiem:
        start, end = a.hour, _with(b, a.meridiem)
        if (end, b.minute) <= (start, a.minute):
            end = _with(b, other[a.meridiem])
        return start, end
    if not b.fixed and a.fixed:
        return a.hour, b.hour  # "09:00-12:30": both 24-hour
    start, end = infer_hour(a, hint), infer_hour(b, hint)
    if not b.fixed and (end, b.minute) <= (start, a.minute):  # "from 7 to 9": 7-9 PM
        end = _with(b, "pm" if start >= 12 else "am")
    return start, end


def duration_spelling(minutes: float) -> str:
    """How the labels spell an amount they write themselves: "2 hours", "30 minutes",
    "1 hour 30 minutes"."""
    return _spellings(minutes)[0]


def duration_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` writes a duration amount ("45min", "an hour", "1hr 30min" and its parts)."""
    found = _amounts(text)
    return [(a.start, a.end) for a in found] + [
        (first.start, second.end) for first, second in _two_part(found, text)
    ]
