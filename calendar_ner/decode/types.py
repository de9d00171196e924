"""Typed values: the dates, times, durations and recurrences a request allows, and where copies
may not go.

A date is a whole date expression of the request (absolute, partial like "May 10", or relative
like "tomorrow", "next Friday") or null; a time is a whole time expression (a clock time, a bare
hour after "at", a part of the day, a range or its first part) or null; a duration is an amount
the request states (or the length of a range it writes), spelled as written or as the labels
spell amounts, or null; a recurrence is a whole recurrence expression of the request ("weekly",
"every other Friday", "Tuesdays and Thursdays") or null. The constrained decoder
(:mod:`calendar_ner.decode.decoder`) lets the model write only a prefix of one of these
candidates and close a string only at a whole one, so the model's scores still choose which
candidate (or null). And a copied string (action, location, attendees) never overlaps a date,
time or duration expression of the request (:attr:`Candidates.blocked`).

    >>> c = candidates("Retro at Pier 39 on 12 - Mar - 2025 at 7 for 45min, every other week")
    >>> c.date, c.time, c.recurrence
    (('12 - Mar - 2025',), ('7',), ('every other week',))
    >>> c.duration
    ('45min', '45 minutes', '45 mins', '45 min')

``python benchmarks/label_audit.py`` counts how many of the 600 dev labels each rule allows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from calendar_ner import languages, words
from calendar_ner.date_ranges import date_ranges, days_spelling
from calendar_ner.holidays import HOLIDAY
from calendar_ner.schema import (
    CANONICAL_TIME,
    DAY_BEFORE,
    MOVES,
    PLATFORMS,
    VIRTUAL,
    duration_spans,
    duration_spelling,
    moved_from,
    normalize_time,
    respell,
    stated_durations,
    time_ranges,
)
from calendar_ner.spans import Span, date_spans, fold, word_spans

# Full names first: "sat(?:day)?" would miss "Saturday", "wed(?:day)?" "Wednesday".
_WEEKDAY = (
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)"
)
_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"(?:uary|ruary|ch|il|e|y|ust|tember|ober|ember)?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d\b(?!:)"  # a year after a day phrase: not a clock "1030"
_HOW_MANY = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten)"
_ORDINAL = r"(?:first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)"
# A day of the month as an ordinal, in digits or words ("21st", "twenty-first").
_NTH = rf"(?:\d{{1,2}}(?:st|nd|rd|th)|{words.DAY_ORDINAL_WORD})"
# After an ordinal alone, no noun: "the 3rd floor" is a place.
_NO_NOUN = r"(?!\s+(?!(?:at|for|from|with|and|in|on|to|by|until)\b)[a-z])"
_LEADING_WEEKDAY = re.compile(rf"^{_WEEKDAY}\.?,?\s*$", re.IGNORECASE)


def _partial(weekday: str, month: str, tomorrow: str) -> re.Pattern[str]:
    """Partial and relative dates, longest forms first, with these patterns of a weekday, a month
    and "tomorrow". A day and month: "10 May", but not the "39 May" of "Pier 39 May 10"; with a
    weekday before it ("Friday, May 10", "Thursday the 5th"). An ordinal alone ("the 15th") only
    where no noun follows ("the 3rd floor" is a place), or of this or next month. A weekday of
    a month ("the last Friday of March", "the second Tuesday of next month"). An amount of days
    or weeks from a day ("a week from Friday", "3 days from now"). The end of a month ("end of
    the month", "the end of March")."""
    month_day = (
        rf"{month}\.?\s+{_DAY}(?!\d)"
        rf"|{month}\s+(?:the\s+)?{words.DAY_ORDINAL_WORD}(?![\w-]){_NO_NOUN}"
        rf"|{_DAY}(?:\s+of)?\s+{month}\b\.?(?!\s+\d{{1,2}}(?:st|nd|rd|th)?(?![\w:.]))"
        rf"|{words.DAY_ORDINAL_WORD}\s+of\s+{month}\b\.?"
    )
    return re.compile(
        rf"(?<![\w/.-])(?:(?:the\s+)?{_ORDINAL}\s+{weekday}\s+(?:of|in)\s+"
        rf"(?:{month}\b(?:,?\s+{_YEAR})?|this\s+month|next\s+month)"
        rf"|(?:the\s+)?end\s+of\s+(?:the\s+month|this\s+month|next\s+month|{month}\b)"
        rf"|(?:(?<!\bevery\s)(?<!\beach\s){_HOW_MANY}\s+(?:days?|weeks?)\s+from\s+)?"
        rf"(?:(?:this\s+coming|next|this|coming)\s+)?{weekday}"
        rf"(?:,?\s+(?:(?:the\s+)?(?:{month_day})|the\s+{_NTH}(?![\w-]){_NO_NOUN}))?"
        rf"|{month_day}"
        rf"|the\s+{_NTH}\s+of\s+(?:this|next|the\s+next)\s+month"
        rf"|the\s+\d{{1,2}}(?:st|nd|rd|th){_NO_NOUN}"
        rf"|(?<=\bon\s)the\s+{words.DAY_ORDINAL_WORD}(?![\w-]){_NO_NOUN}"
        rf"|(?<!\bevery\s)(?<!\beach\s){_HOW_MANY}\s+(?:days?|weeks?)\s+from\s+(?:today|now|{tomorrow})"
        rf"|(?:the\s+)?day\s+after\s+{tomorrow}|today|tonight|{tomorrow}|tmrw|tmr"
        r"|(?:next|this|coming)\s+(?:week(?:end)?|month|fortnight)|the\s+weekend"
        rf"|in\s+{_HOW_MANY}\s+(?:days?|weeks?|fortnights?))"
        r"(?![\w/-])",
        re.IGNORECASE,
    )


_PARTIAL = _partial(_WEEKDAY, _MONTH, "tomorrow")
# A holiday by name ("Christmas Eve", "next Thanksgiving", "Easter 2027", "the day after
# Thanksgiving"; calendar_ner.holidays). It is a date after a word that leads to a day ("on",
# "for", "until", "over", …) or in a request that writes no other date: "Christmas party at
# 7pm", not "Christmas party on Dec 20", where it names the event. It wins over the weekday it
# holds ("Good Friday"). Not another calendar's holiday ("Lunar New Year", "Orthodox Easter"),
# nor a span of days ("Easter weekend", "Christmas week", "Christmas in July"). No dev request
# names a holiday.
_HOLIDAY = re.compile(
    r"(?<![\w-])(?<!lunar\s)(?<!chinese\s)(?<!orthodox\s)(?<!canadian\s)(?<!jewish\s)"
    rf"(?:(?:this|next)\s+|(?:the\s+)?day\s+(?:after|before)\s+)?{HOLIDAY}(?:,?\s+{_YEAR})?"
    rf"(?![\w'’-]|\s+(?:in\s+{_MONTH}|week|weekend|break|holidays|season|vacation)\b)",
    re.IGNORECASE,
)
_HOLIDAY_NAME = re.compile(rf"(?:(?:this|next)\s+)?{HOLIDAY}", re.IGNORECASE)
_HOLIDAY_LEAD = re.compile(
    r"\b(?:on|for|by|until|till|before|after|over|from|through|during|around|since|this|next)"
    r"\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# Where a misspelt weekday names a day: after these words or "next"/"this"/"coming", or with a
# day of the month ("on thrusday", "next wendesday", "Wendesday, May 10"; not "with Sundar").
_DAY_LEAD = re.compile(r"(?:\b(?:on|by|until|till|from|before|after|due)\s+)$", re.IGNORECASE)


def _misspelt_dates(text: str) -> list[Span]:
    """Partial and relative dates of ``text`` with a misspelt day or month name
    (:func:`calendar_ner.schema.respell`): a month only beside a day ("Febuary 3"), a weekday
    only where a word or a day says it is one (:data:`_DAY_LEAD`), "tomorow" anywhere."""
    kinds: dict[str, list[str]] = {"weekday": [], "month": [], "tomorrow": []}
    for word in dict.fromkeys(re.findall(r"[A-Za-z]{6,}", text)):
        if name := respell(word):
            kind = "tomorrow" if name == "tomorrow" else "month"
            kind = "weekday" if name.endswith("day") else kind
            kinds[kind].append(re.escape(word))
    if not any(kinds.values()):
        return []
    names = (_WEEKDAY, _MONTH, "tomorrow")
    pattern = _partial(*(f"(?:{'|'.join([*w, n])})" for w, n in zip(kinds.values(), names)))
    typo = re.compile("|".join(w for words in kinds.values() for w in words))
    weekday = re.compile("|".join(kinds["weekday"]) or "(?!)")
    spans = []
    for m in pattern.finditer(text):
        if not typo.search(m[0]) or (
            weekday.search(m[0])
            and not re.search(r"\d", m[0])
            and not re.match(r"(?:next|this|coming)\s", m[0], re.IGNORECASE)
            and not _DAY_LEAD.search(text, max(m.start() - 12, 0), m.start())
        ):
            continue
        spans.append(m.span())
    return spans


# A day and month in numbers without a year ("on 7/15", "by 15/7", "3/14 at 2pm"), where a word
# before it or a time after it says it is a date (not "1/2 hour", "24/7", "2/3 of the team"), and
# where one order reads as a day and a month: read day first unless only month first names a day
# (calendar_ner.calendar.phrases.read_day), as a numeric date with a year is. No dev request
# writes one.
_NUMERIC_DAY = re.compile(
    rf"(?<![\w/.-])(?:on|by|due|until|till|from|to|before|after|{_WEEKDAY}\.?,?)\s+"
    r"(?P<day>\d{1,2}/\d{1,2})(?![\w/-]|\.\d|\s*(?:hours?|hrs?|min|mins|minutes|of)\b)"
    r"|(?<![\w/.-])(?P<timed>\d{1,2}/\d{1,2})"
    r"(?=,?\s*(?:at\s+|@\s*)?\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|,?\s*(?:at|@)\s*\d)",
    re.IGNORECASE,
)


def _numeric_days(text: str) -> list[Span]:
    """The spans of ``text`` that are a day and month in numbers (:data:`_NUMERIC_DAY`)."""
    spans = []
    for m in _NUMERIC_DAY.finditer(text):
        group = "day" if m["day"] else "timed"
        a, b = map(int, m[group].split("/"))
        if (1 <= a <= 31 and 1 <= b <= 12) or (1 <= b <= 31 and 1 <= a <= 12):
            spans.append(m.span(group))
    return spans


# What a date expression holds when it cannot be part of a name: a number, or no weekday at all.
_NAMES_A_DATE = re.compile(rf"\d|^(?!.*\b{_WEEKDAY}\b)", re.IGNORECASE)
# A weekday that only names when an event repeats ("every Monday", "each other Friday") or a
# day of every month ("the 1st of every month").
_RECURRING = re.compile(
    rf"\b(?:every|each)\s+(?:other\s+)?{_WEEKDAY}\b"
    rf"|\b(?:the\s+)?{_NTH}\s+of\s+(?:every|each)\s+month\b",
    re.IGNORECASE,
)
# A clock time after "at", "@", "from", "by" or "around", possible or not ("at 25:00", "at
# 9:75"): one no clock shows is still the request's time, and the calendar resolver says it is
# impossible rather than the event losing its time. No dev request writes one.
_NO_CLOCK = re.compile(
    r"(?:\bat|@|\bfrom|\bby|\baround)\s+(?P<clock>\d{1,2}:\d{2})(?![\w:])", re.IGNORECASE
)
# What ends a repeat ("until Friday", "through 18 December"), as calendar_ner.calendar.rrule
# reads it; searched up to a date's start.
_UNTIL = re.compile(r"\b(?:until|till|through|thru)\s+(?:the\s+)?$", re.IGNORECASE)
# A bare hour: a number 1-12 after "at"/"@"/"around"/"by" that no unit, ordinal or clock follows
# (a full stop may: "on April 2 at 11.").
_BARE_HOUR = re.compile(
    r"(?:\bat|@|\baround|\bby)\s+(?P<h>1[0-2]|[1-9])(?![\w:/-]|\.\d|\s*(?:%|o'clock|[ap]\.?m\b)"
    r"|\s+(?:(?:min|hour|hr|h\b|day|week|month|year)(?!ly\b)|people|ppl|person|guests|st\b|nd\b"
    r"|rd\b|th\b))",
    re.IGNORECASE,
)
# "7ish", "9 o'clock": an hour that says it is a time wherever it stands.
_SUFFIXED_HOUR = re.compile(
    r"(?<![\w:.,/-])(?<!\bfor\s)(?:1[0-2]|[1-9])(?:\s*-?ish|\s*o['’]?\s*clock)(?![\w'’-])"
    r"(?!\s+(?!(?:on|at|in|with|and|or|for|to|sharp|tomorrow|today|tonight|tmrw|next|this)\b)[a-z])",
    re.IGNORECASE,
)  # not an amount: "a table for 6ish", "5ish bagels"
# A clock time said in words (calendar_ner.words.spoken_clock): wherever it stands when it says
# how far past an hour it is or is half or a quarter to one ("half past 3", "ten past five",
# "quarter to nine") or ends in am/pm or o'clock ("seven pm", "eleven o'clock"); "ten to five"
# only before no other word, as it may count things ("five to ten slides"), and never after
# "from" or "between" (a range); after "at", "@", "around", "by" or "from" when it is only an
# hour and its minutes ("at six thirty", "at six-thirty", "around eleven", British "at half six"),
# and then before no other word (not "at one of the cafes", "at Seven Dials"). Capitalized
# inside a sentence it is a name ("Seven Eleven", "the Five O'Clock Club"). No dev request says
# a time in words.
_AFTER_CLOCK = (
    rf"on|at|in|with|and|or|for|to|sharp|tomorrow|today|tonight|tmrw|next|this|every|each|daily"
    rf"|weekly|weekdays|before|after|until|till|{_WEEKDAY}|{_MONTH}"
    r"|utc|gmt|bst|cet|cest|eet|ist|est|edt|cst|cdt|mst|mdt|pst|pdt|local"
)
_NOT_A_NOUN = (
    rf"(?![\w'’-])(?!\s+(?!(?:{_AFTER_CLOCK})\b)[a-z])"  # any case: the patterns ignore it
)
_SAID_SUFFIX = r"(?:\s*o['’]?\s*clock|\s*[ap]\.?\s?m\b\.?)"
_SAID_HOUR = rf"(?:{words.HOUR_WORD}|1[0-2]|[1-9])"
_SAID_PAST = re.compile(
    rf"(?<![\w-])(?<!\bfrom\s)(?<!\bbetween\s)(?:(?:(?:half|quarter)(?:\s+minutes)?\s+(?:past|after|to)"
    rf"|(?:five|ten|twenty|twenty[\s-]five|\d{{1,2}})(?:\s+minutes)?\s+(?:past|after))"
    rf"\s+{_SAID_HOUR}{_SAID_SUFFIX}?(?![\w'’-]|\s+(?:min|hour|hr|people|ppl|person|guests))"
    rf"|(?:five|ten|twenty|twenty[\s-]five)(?:\s+minutes)?\s+to\s+{_SAID_HOUR}"
    rf"(?:{_SAID_SUFFIX}(?![\w'’-])|{_NOT_A_NOUN}))",
    re.IGNORECASE,
)
_SAID_SUFFIXED = re.compile(
    rf"(?<![\w-]){words.HOUR_WORD}(?:[\s-]+{words.MINUTE_WORD})?{_SAID_SUFFIX}(?![\w'’-])",
    re.IGNORECASE,
)
_SAID_AFTER_LEAD = re.compile(
    rf"(?:\bat|@|\baround|\bby|\bfrom)\s+(?P<clock>(?:half\s+)?{words.HOUR_WORD}"
    rf"(?:[\s-]+{words.MINUTE_WORD})?){_NOT_A_NOUN}",
    re.IGNORECASE,
)
# A 24-hour clock without a colon after "at" or "@" ("at 1430", "@ 0900"), after "around" or
# "from" or right after a day ("monday 0930", "easter sunday 1030") unless it reads as a year
# ("from 2024", "Monday 2024"), or anywhere with "hrs" or "h" ("0900 hrs"; not
# "about 1200 hours" of work); never before another number (a phone number "0800 123 4567", a
# street "1200 5th Ave") or another word (a street "at 1200 Main St"), nor a year after "by". No
# dev request writes one.
_CLOCK_4 = r"(?:[01]\d|2[0-3])[0-5]\d"
_MILITARY = re.compile(
    rf"(?:(?:\bat|@)\s+(?P<clock>{_CLOCK_4}(?:\s*(?:hrs?|hours|h)\b)?)"
    rf"|(?:\baround|\bfrom)\s+(?P<near>(?!19\d\d|20\d\d){_CLOCK_4}(?:\s*(?:hrs?|hours|h)\b)?)"
    r"|(?<![\w.,:/-])(?<!\bfor\s)(?<!\babout\s)(?<!\bover\s)"
    rf"(?P<suffixed>{_CLOCK_4}\s*(?:hrs?|h)\b)"
    rf"|(?<![\w.,:/-])(?P<dated>(?!19\d\d|20\d\d){_CLOCK_4}))(?!\s+\d)"
    # "1745 hrs ferry": with its suffix a clock may go on to any word but "of" ("1200 hrs of work")
    rf"(?:(?:(?<=hrs)|(?<=hr)|(?<=h))(?![\w'’-])(?!\s+of\b)|{_NOT_A_NOUN})",
    re.IGNORECASE,
)
# "in 2 hours", "in 30 minutes", "in an hour": a time from now, not a length.
_OFFSET = re.compile(
    r"(?<![\w-])in\s+(?:\d+|an?|one|two|three|four|five|six|ten|twelve|half\s+an|a\s+couple\s+of)"
    r"\s+(?:min(?:ute)?s?|hours?|hrs?)(?![\w-])",
    re.IGNORECASE,
)
# An amount of minutes or hours, in digits or words, in one or two parts ("1 hour 30 minutes").
_AMOUNT = (
    r"(?:\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|fifteen|twenty|thirty|forty|forty-five|fifty|ninety|half\s+an|a\s+couple\s+of|a\s+few)"
    r"\s*(?:min(?:ute)?s?|hours?|hrs?|h)(?![\w-])"
)
# Words that book time for the event: a length after them is its length ("for an hour", "block
# out 30 minutes", "reserve 60 minutes", "keep it around an hour").
_BOOKS = (
    r"(?:for|lasting|lasts?|block|reserve|book|allow|allot|set\s+aside|spend|spending|takes?"
    r"|taking|needs?|keep\s+it|cap\s+it\s+at|plan\s+for|give\s+it)"
    r"(?:\s+(?:out|off|aside|to|at|around|under))?"
    r"\s+(?:about\s+|around\s+|approximately\s+|roughly\s+|maybe\s+|just\s+|only\s+)?"
)
# "15 minutes before", "10 min after the standup", "an hour early", "1 hour 30 minutes before":
# how far the event lies from another moment, not how long it lasts. After a booking verb it is
# a length again ("block out 2 hours before the demo"), and after "for" too ("run for 30 minutes
# after work") unless its clause asks for a reminder ("set a reminder for 15 minutes before").
_LEAD = re.compile(
    rf"(?<![\w-]){_AMOUNT}(?:\s+(?:and\s+)?{_AMOUNT})?\s+(?:before|after|early|earlier|late"
    r"|later|ahead|prior|beforehand|in\s+advance)(?![\w-])",
    re.IGNORECASE,
)
# How far a request moves an event it names ("push it back an hour", "move it forward 30
# minutes", "delay the 1:1 with Oscar by 30 minutes"; not "back to back 30 minute interviews",
# "shift briefing followed by 30 minutes of Q&A"): not how long it lasts. No dev request moves one
# so.
_SHIFT = re.compile(
    r"\b(?:push|move|shift|bump|delay|postpone|slide)(?:ed|ing|s)?\s+"
    r"(?:it|my|the|our|this|that|his|her|their|your|today['’]s|tomorrow['’]s)\b[^,.;!?]*?"
    rf"\b(?:(?:back|forward)\s+(?:by\s+)?|by\s+)(?P<amount>{_AMOUNT})",
    re.IGNORECASE,
)


def _shifts(text: str) -> list[Span]:
    """Where ``text`` says how far it moves an event: the amounts of :data:`_SHIFT`."""
    return [m.span("amount") for m in _SHIFT.finditer(text)]


# More than one of a unit written in the singular, as an adjective is ("15 minute", "2 hour").
_SINGULAR_UNIT = re.compile(r"(?!1\s)(?:\d+(?:\.\d+)?)\s*(?:minute|hour)", re.IGNORECASE)
_BOOKED_BEFORE = re.compile(rf"\b{_BOOKS}$", re.IGNORECASE)  # a length after it is booked
# A length that ends its phrase ("…, 45 mins.", "Zoom 1hr w/ Tom", "20 mins via Zoom", "2 hours
# long").
_ENDS_PHRASE = re.compile(
    r"\s*(?:[.,;!?)]|$|(?:w/|with|via|on|at|in|\+|&|or\s+so|max|tops|should\s+do|total|long)"
    r"(?![\w/]))",
    re.IGNORECASE,
)
# The verbs among those words, which make a lead a length again ("block out 2 hours before").
_BOOKING_VERB = re.compile(r"\b(?!for\b|keep\b|cap\b|plan\b|give\b)" + _BOOKS + "$", re.I)
_FOR = re.compile(r"\bfor\s+(?:about\s+|around\s+|approximately\s+|roughly\s+|just\s+)?$", re.I)
_REMINDER = re.compile(r"\b(?:remind\w*|alerts?|alarms?|notif\w*|ping|nudge|heads[- ]up)\b", re.I)
_NIGHT_AFTER = (
    *(f"{d}day" for d in "mon tues wednes thurs fri satur sun".split()),
    "tomorrow",
    "tmrw",
)
_DAY_PART = re.compile(  # not a greeting: "Good morning!", "good evening"
    r"(?<![\w-])(?<!good\s)(?:morning|afternoon|evening|tonight|noon|midday|midnight|eod|end of day"
    r"|(?:" + "|".join(rf"(?<=\b{d}\s)" for d in _NIGHT_AFTER) + r")night"
    r")(?![\w-])",  # "Friday night", "tomorrow night"; not "Game night", "Birthday night"
    re.IGNORECASE,
)

# Recurrence expressions, as the calendar resolver reads them (calendar_ner.calendar.rrule).
# Words that name a review cycle more than a repeat: "Quarterly review" and "Annual review" are
# mostly one event to the labels (3 of 10 and 2 of 5 name a recurrence), "Weekly sync" a repeat.
_CYCLE_WORD = r"quarterly|semi-?annual(?:ly)?|bi-?annual(?:ly)?|half-?yearly|annual(?:ly)?"
_CYCLE = re.compile(_CYCLE_WORD, re.IGNORECASE)
_FREQUENCY_WORD = (
    r"hourly|daily|nightly|bi-?weekly|weekly|fortnightly|bi-?monthly|monthly|yearly|" + _CYCLE_WORD
)
_EVERY_COUNT = r"(?:other|\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_EVERY_UNIT = (
    r"(?:hours?|hrs?|days?|nights?|weekdays?|weekends?|weeks?|fortnights?|months?|quarters?|years?"
    r"|morning|afternoon|evening)"
)
_PLURAL_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)days"
_AND = r"(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*|\s+or\s+)"
# The days a repeat skips ("every day except Sunday", "weekdays but not Fridays", "daily
# excluding weekends"): part of the recurrence, which calendar_ner.calendar.rrule reads, and never
# the event's date. No dev request writes one.
_EXCEPT = (
    rf"(?:\s*,)?\s+(?:except|excluding|but\s+not|apart\s+from|other\s+than)(?:\s+on)?\s+"
    rf"(?:{_WEEKDAY}s?(?:{_AND}{_WEEKDAY}s?)*|weekends?|weekdays?)(?![\w-])"
)
_RECURRENCE = re.compile(
    rf"(?<![\w-])(?:(?:every|each)\s+(?:{_EVERY_COUNT}\s+)?"
    rf"(?:{_WEEKDAY}s?(?:{_AND}{_WEEKDAY}s?)*|{_EVERY_UNIT})"
    rf"|{_ORDINAL}\s+(?:{_WEEKDAY}|day)\s+of\s+(?:every|each|the)\s+month"
    rf"|{_NTH}\s+of\s+(?:every|each)\s+month"
    r"|(?:once|twice|thrice|\d+\s+times|(?:two|three|four|five)\s+times)\s+(?:a|per|each|every)"
    r"\s+(?:day|week|month|year)"
    rf"|{_PLURAL_WEEKDAY}(?:{_AND}{_PLURAL_WEEKDAY})*|weekdays|weekends"
    rf"|{_FREQUENCY_WORD})(?:{_EXCEPT})?(?![\w-])",
    re.IGNORECASE,
)
_SKIPPED = re.compile(_EXCEPT, re.IGNORECASE)

# A length stated without a number ("a few hours"): the labels copy it as written.
_VAGUE = re.compile(
    r"\b(?:a few|few|several|a couple of|couple of|some)\s+(?:hours?|hrs?|minutes?|mins?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Candidates:
    """The values a request allows per typed field (None: that field is not constrained), and
    the spans of the request a copied string may not overlap."""

    date: tuple[str, ...] | None = None
    time: tuple[str, ...] | None = None
    duration: tuple[str, ...] | None = None
    recurrence: tuple[str, ...] | None = None
    recurrence_stated: bool = False  # it says it repeats ("weekly", "every Monday")
    duration_stated: bool = False  # it says how long ("for an hour", "…, 45 mins.")
    attendees_stated: bool = False  # it says who with ("with Sarah", "w/ team", "sync Kyle 7th")
    blocked: tuple[Span, ...] = ()
    platforms: tuple[Span, ...] = ()  # meeting platforms and "online": never an attendee

    def platform_outside(self, action: Span | None) -> bool:
        """Whether a platform or "online" of the request lies outside the ``action`` span
        (``platform_location``): the request then has a location."""
        start, end = action or (0, 0)
        return any(e <= start or end <= s for s, e in self.platforms)

    def of(self, field: str) -> tuple[str, ...] | None:
        """The candidates of ``field``; None for a field with no type."""
        typed = ("date", "time", "duration", "recurrence")
        return getattr(self, field, None) if field in typed else None


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(a < span[1] and span[0] < b for a, b in others)


def _masked(text: str, spans: list[Span]) -> str:
    """``text`` with ``spans`` blanked out (same length, so the same indices)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _repeats(text: str) -> list[Span]:
    """The recurrence expressions of ``text`` that say it repeats: not a review cycle
    ("Annual leave", "Quarterly review"; see ``recurrence_stated``)."""
    return [m.span() for m in _RECURRENCE.finditer(text) if not _CYCLE.fullmatch(m[0])]


def _ends_span(text: str, date: Span, starts: list[Span]) -> bool:
    """Whether the ``date`` span follows "until"/"till"/"through" after one of ``starts`` (a
    repeat or another date) of ``text``: the last day of what they start ("every weekday until
    Friday", "tues & thurs through end of June"; not "Wait until Friday to send the report")."""
    before = max(date[0] - 16, 0)
    return bool(_UNTIL.search(text, before, date[0])) and any(e <= date[0] for _, e in starts)


def _kept(find: Callable[[str], list[Span]]) -> Callable[[str], list[Span]]:
    """``find`` with its answers for the latest texts kept: the candidates and the copy bounds of
    one request ask for its dates and times several times. Each call gets a list of its own."""
    answers = functools.lru_cache(maxsize=256)(lambda text: tuple(find(text)))

    @functools.wraps(find)
    def spans(text: str) -> list[Span]:
        return list(answers(text))

    return spans


@_kept
def date_expressions(text: str) -> list[Span]:
    """Spans of ``text`` that are whole date expressions: the shortest span that reads as a full
    date (``DD/MM/YYYY``, as the training targets copy them: :func:`calendar_ner.spans.date_spans`)
    and it with a weekday before it (not with the "39" of "Pier 39 Feb 3, 2025"), and the
    partial and relative dates outside them, a weekday with its day as one ("Saturday the 21st",
    "Friday, May 10": never the day alone, so the resolver can say when they disagree), and
    ranges of days with their first day (:mod:`calendar_ner.date_ranges`). A weekday or day of
    a recurrence phrase ("every Monday", "every Monday and Wednesday", "the 1st of every month")
    counts only when the request has no other date. A date after "until" that follows a repeat
    or another date is among them (it is written there), but :func:`candidates` never offers it
    as the event's.
    """
    absolute = []
    for start, end in date_spans(text, None, date_words_only=True):  # shortest first per end
        shortest = next((s for s, e in absolute if e == end), None)
        if shortest is None or _LEADING_WEEKDAY.match(text[start:shortest]):
            absolute.append((start, end))  # "3rd Feb 2025", "Monday, 3rd Feb 2025"
    others = [
        span
        for span in [m.span() for m in _PARTIAL.finditer(text)]
        + _numeric_days(text)
        + _misspelt_dates(text)
        if not any(s < span[1] and span[0] < e for s, e in absolute)
    ]
    for start, end in [m.span() for m in _HOLIDAY.finditer(text)]:
        held = [s for s in others if start <= s[0] and s[1] <= end]  # "Friday" of "Good Friday"
        rest = [s for s in absolute + others if s not in held]
        lead = _HOLIDAY_LEAD.search(text, max(start - 12, 0), start)
        if not _overlaps((start, end), rest) and (lead or not rest):
            others = [s for s in others if s not in held] + [(start, end)]
    repeats = _repeats(text)
    # The days a repeat skips ("every day except Sunday") are never the date.
    skipped = [m.span() for a, b in repeats if (m := _SKIPPED.search(text, a, b))]
    others = [s for s in others if not any(a <= s[0] and s[1] <= b for a, b in skipped)]
    recurring = [m.span() for m in _RECURRING.finditer(text)] + repeats
    plain = [s for s in others if not any(a <= s[0] and s[1] <= b for a, b in recurring)]
    ends = [s for s in absolute + plain if _ends_span(text, s, repeats + absolute + others)]
    if set(absolute + plain) - set(ends):  # "every Monday until 18 December": still Monday
        others = plain
    # A range of days ("May 14-16", "Dec 28 - Jan 3"): it and its first day, not the days in it;
    # in a series its first day, and its last where the series ends ("every Monday from 3 March
    # until 30 June": the rule's UNTIL, calendar_ner.calendar.rrule).
    ranges = date_ranges(text)
    spans = [(r.start, r.end) for r in ranges if not (repeats and r.first)]
    firsts = [(r.start, r.start + len(r.first)) for r in ranges if r.first]
    found = [s for s in absolute + others if not _overlaps(s, spans)]
    return sorted(set(found + spans + firsts))


# Words a number with a letter labels ("room 12a", "gate 4a", "apt 3a", "suite #5a"); not
# everyday places, where "studio 7p" or "court 6p" may well be a clock.
_NUMBERED = re.compile(
    r"\b(?:room|rm|gate|suite|ste|apt|apartment|unit|seat|locker|terminal)"
    r"\.?\s*(?:no\.?\s*|#\s*)?$",
    re.IGNORECASE,
)


@_kept
def time_expressions(text: str) -> list[Span]:
    """Spans of ``text`` that are whole time expressions: clock times of one or two words
    ("3pm", "9:30 am", "15:00", "noon"; "9:30" inside "9:30 am" is not one), ranges ("3-5pm")
    and their first parts, bare hours after "at" ("at 7"), parts of the day ("morning"), and a
    clock time no clock shows ("at 25:00"), which the resolver then calls impossible.
    The French and German clock forms ("14h", "14 Uhr") count in requests of those languages
    only: in an English one "1h" is a length."""
    spans = []
    english = languages.detect(text) == "en"
    tokens = word_spans(text)
    said = _said_clocks(text)
    in_range = [(r.start, r.end) for r in time_ranges(text)]
    for i, (start, _) in enumerate(tokens):
        for j in (i + 1, i):
            if j >= len(tokens):
                continue
            end = tokens[j][1]
            value = text[start:end]
            if (english and languages.local_clock(value)) or words.military_clock(value):
                continue
            labelled = _NUMBERED.search(text, max(start - 16, 0), start)
            if re.fullmatch(r"\d{1,2}[AP]", value) or (
                labelled and re.fullmatch(r"\d{1,2}[ap]", value)
            ):
                continue  # "Room 12A", "Gate 4P", "room 12a": a label, no "9a"
            if not value.isdigit() and CANONICAL_TIME.fullmatch(normalize_time(value)):
                spans.append((start, end))
                break
    spans = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in in_range + said)]
    spans += said
    for found in time_ranges(text):
        first = text.index(found.first, found.start)  # after "between"
        spans += [(found.start, found.end), (first, first + len(found.first))]
    spans += [m.span("h") for m in _BARE_HOUR.finditer(text)]
    spans += [m.span() for m in _SUFFIXED_HOUR.finditer(text)]
    spans += [m.span() for m in _DAY_PART.finditer(text)]
    spans += [m.span() for m in _OFFSET.finditer(text)]
    spans += [m.span("clock") for m in _NO_CLOCK.finditer(text) if _impossible_clock(m["clock"])]
    # Nothing inside a clock said in words ("12 past 3" is no "12").
    return sorted(
        {s for s in spans if s in said or not any(a <= s[0] and s[1] <= b for a, b in said)}
    )


def _said_clocks(text: str) -> list[Span]:
    """The clock times of ``text`` said in words or written as a 24-hour clock without a colon
    (:data:`_SAID_PAST`, :data:`_SAID_SUFFIXED`, :data:`_SAID_AFTER_LEAD`, :data:`_MILITARY`),
    longest first: "six thirty" and not its "six"."""
    spans = [m.span() for m in _SAID_PAST.finditer(text)]
    spans += [m.span() for m in _SAID_SUFFIXED.finditer(text)]
    spans += [m.span("clock") for m in _SAID_AFTER_LEAD.finditer(text)]
    spans = [(a, b) for a, b in spans if a == 0 or not re.search(r"\b[A-Z]", text[a:b])]
    spans += _military(text)
    return sorted(
        s for s in set(spans) if not any(a <= s[0] and s[1] <= b and (a, b) != s for a, b in spans)
    )


def _military(text: str) -> list[Span]:
    """The 24-hour clocks without a colon of ``text`` (:data:`_MILITARY`): "1430", "0900 hrs"."""
    return [
        m.span(m.lastgroup)
        for m in _MILITARY.finditer(text)
        if m.lastgroup != "dated" or DAY_BEFORE.search(text, max(m.start() - 30, 0), m.start())
    ]


def _impossible_clock(value: str) -> bool:
    """Whether an ``H:MM`` ``value`` is a time no clock shows ("25:00", "9:75"; "24:00" is
    midnight)."""
    hour, minute = map(int, value.split(":"))
    return minute > 59 or hour > 24 or (hour == 24 and minute > 0)


def is_frequency_word(value: str) -> bool:
    """Whether a recurrence is a frequency word alone ("Weekly", "bi-weekly", "Annual")."""
    return re.fullmatch(_FREQUENCY_WORD, value.strip(), re.IGNORECASE) is not None


def recurrence_expressions(text: str) -> list[Span]:
    """Spans of ``text`` that are whole recurrence expressions: a frequency word ("weekly",
    "Annual", "bi-weekly"), "every"/"each" with a unit or a list of weekdays ("every other
    week", "every 3 days", "each Monday and Thursday"), a weekday of the month ("last Friday of
    each month", "the 1st of every month" without its article), a count per period ("twice a
    week") and plural weekdays ("Tuesdays and Thursdays", "weekdays")."""
    return [m.span() for m in _RECURRENCE.finditer(text)]


_PEOPLE = r"(?:teams?|staff|colleagues|workers?|employees|members|participants|group|folks|crew)\b"
# A platform's name in any case ("skype", "google meet"), but a name that is also a word only as
# written or after "on"/"via"/"over"/"using" ("on zoom"; "zoom in on", "some slack" are not
# platforms), and "Teams" only as written: "the marketing teams" are people; "remote team" is no
# place either.
_WORD_NAMES = ("Zoom", "Slack", "Discord")
_AFTER = "|".join(rf"(?<={w} )" for w in ("on", "via", "over", "using"))


def _platform(name: str) -> str:
    """The pattern of one platform's name (:data:`calendar_ner.schema.PLATFORMS`)."""
    if name == "Teams":
        return re.escape(name)
    if name in _WORD_NAMES:
        return rf"{re.escape(name)}|(?:{_AFTER}){re.escape(name.lower())}"
    return f"(?i:{re.escape(name)})"


_PLATFORM = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(_platform(p) for p in sorted(PLATFORMS, key=len, reverse=True))
    + rf"|(?i:{'|'.join(VIRTUAL)})(?!\s+{_PEOPLE}))(?![\w-])"
)
# "with Sarah", "w/ the team": a request that says who the event is with ("w/o" and "w/c" do
# not; nor "with Zoom", a platform). With the names below, 380 of the 382 dev requests that say
# who have attendees (``python benchmarks/label_audit.py``, ``typed_rules.stated_attendees``).
WITH = re.compile(r"(?<![\w/])(?:with\s+|w/\s*(?![a-z]\b))(?=[^\W\d_])", re.IGNORECASE)


# "Feedback wrap-up Tomas 9th, Dec 2025 10:30 HQ 1hr": a capitalized word between a lower-case
# word (not one that leads to a place: "at Olive") and the date is a name, and is among the
# attendees in all 10 dev labels of such requests (a title-case action, "Budget Review 3rd Feb",
# is not read so).
_NAME = re.compile(r"[A-Z][a-z]+")
# Words a place follows whatever their case ("at Olive", "AT NANDOS", "The | Grand Hotel"): no
# name comes after them, and a place may (calendar_ner.decode.copy.place_bounds).
PLACE_LEADS = frozenset("at in on the a an to for with near by from via".split())


def _name_before(text: str, at: int, platforms: tuple[Span, ...]) -> bool:
    """Whether a name stands right before position ``at`` (a date) of ``text``."""
    words = list(re.finditer(r"\S+", text[:at]))
    before = words[-2].group(0) if len(words) >= 2 else ""
    if not before[:1].islower() or before in PLACE_LEADS:
        return False
    name = words[-1]
    return _NAME.fullmatch(name.group(0)) is not None and not any(
        s <= name.start() < e for s, e in platforms
    )


def platform_spans(text: str) -> list[Span]:
    """Spans of ``text`` that name a meeting platform ("Google Meet", "skype", "on zoom";
    "Teams" only as written: "the marketing teams" are people) or no place ("online",
    "virtual", "remote"): a location, never an attendee."""
    return [m.span() for m in _PLATFORM.finditer(text)]


# A length in days or weeks ("for 3 days", "lasting a week") that ends a phrase (not "for a day
# trip", "for a week's notes"): an all-day span to the resolver (calendar_ner.calendar.resolve).
# Not in a request that repeats, where "for 6 weeks" is how long the series runs
# (calendar_ner.calendar.rrule). No dev request states one.
_DAY_COUNT = r"\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_DAY_LENGTH = re.compile(
    rf"(?<![\w-])(?:for|lasting|over)\s+(?P<n>{_DAY_COUNT})\s+(?:days?|weeks?)"
    r"(?=\s*(?:$|[,.;!?)]|(?:on|from|starting|beginning|in|at|with|to|next|this|and)\b))",
    re.IGNORECASE,
)


def _day_lengths(text: str) -> list[tuple[Span, str]]:
    """Each length in days or weeks ``text`` states, as written ("3 days", "a week")."""
    if _repeats(text):
        return []
    return [
        ((m.start("n"), m.end()), text[m.start("n") : m.end()]) for m in _DAY_LENGTH.finditer(text)
    ]


# An amount joined to its unit by a hyphen is a compound adjective ("a 90-minute workshop", "a
# one-hour hike"): the labels give its noun form (all 4 such dev requests: "90 minutes", "1 hour";
# no dev label's duration holds a hyphen).
_ADJECTIVE = re.compile(r"[\w.]-(?:min|hour|hr|h)", re.IGNORECASE)


def is_adjective(length: str) -> bool:
    """Whether a written length is a compound adjective ("90-minute", "one-hour")."""
    return bool(_ADJECTIVE.search(length))


def length_spans(text: str) -> list[Span]:
    """Where ``text`` writes a length: an amount ("45min", "an hour"), a length without a number
    ("a few hours"), one in days or weeks ("for 3 days"), and a time from now ("in 2 hours"),
    which is a time, but one a copied string may not overlap either."""
    offsets = [m.span() for m in _OFFSET.finditer(text)] + _shifts(text)
    lengths = duration_spans(_masked(text, offsets + _military(text))) + [
        m.span() for m in _VAGUE.finditer(text)
    ]
    return lengths + offsets + [span for span, _ in _day_lengths(text)]


def duration_values(text: str) -> tuple[str, ...]:
    """The durations ``text`` allows: each amount as written (but an amount written as a
    compound adjective, "a 90-minute workshop", only as a noun: "90 minutes", and one written
    in words, "half an hour", only in digits: "30 minutes"), the spellings the labels give the
    amounts it states (:func:`calendar_ner.schema.stated_durations`), a length
    stated without a number as written ("a few hours"), and the length of each time range it
    writes, spelled as the labels spell amounts ("3-5pm": "2 hours"), and a length in days or
    weeks ("for 3 days"). The amount of a time from now ("in 2 hours") or of a repeat ("every 2
    hours") is no length, nor is a lead before or after another moment ("15 minutes before")."""
    return _durations(text)[0]


def _durations(text: str) -> tuple[tuple[str, ...], bool]:
    """:func:`duration_values` of ``text``, and whether it states how long the event lasts
    (``Candidates.duration_stated``): a time range ("3-5pm"), a length in days, or a length
    after a word that books time ("for an hour", "block out 30 minutes", "reserve 60 minutes")
    or that ends its phrase ("…, 45 mins.", "1hr w/ Tom"); not a length inside another phrase
    ("a 5 min walk from the office", "24 Hour Fitness", "runs 10 minutes over")."""
    days = [value for _, value in _day_lengths(text)]
    # "May 14-16": "3 days", an all-day span; not the days a series runs on, nor the days an
    # event at a clock time is held on ("May 14-16 at 9am").
    if (spans := date_ranges(text)) and not _repeats(text) and not time_expressions(text):
        days += [days_spelling(r.days) for r in spans]
    ranges = time_ranges(text)
    masked, spans = _lengths(text)
    written = _nouns(masked, spans) + days
    # An amount in words only in digits, as the labels write every amount: "an hour" -> "1
    # hour" (18 of 18 dev labels), "one hour" (11 of 11), "a couple of hours" -> "2 hours" (2 of 2).
    written = [w for w in written if re.search(r"\d", w) or not stated_durations(w)]
    # An adjective's singular ("a 15 minute check-in", "2 hour slot") as the noun: "15 minutes".
    written = [w for w in written if not _SINGULAR_UNIT.fullmatch(w)]
    spelled = [form for forms in stated_durations(masked).values() for form in forms]
    values = _unique(written + spelled + [duration_spelling(r.minutes) for r in ranges])
    # "…, 30 mins Zoom.": a platform right after the length that ends the request ends its phrase.
    last = [ps for ps, pe in platform_spans(text) if not text[pe:].strip(" .!")]
    stated = bool(ranges or days) or any(
        _BOOKED_BEFORE.search(masked[:s])
        or _ENDS_PHRASE.match(masked[e:])
        or any(ps > e and not masked[e:ps].strip() for ps in last)
        for s, e in spans
    )
    return values, stated


def written_lengths(text: str) -> list[str]:
    """The lengths ``text`` writes as a noun ("an hour", "45 mins"; not "a one-hour walk", "in 2
    hours", "15 minutes before" or "every 2 hours")."""
    return _nouns(*_lengths(text))


def _nouns(masked: str, spans: list[Span]) -> list[str]:
    """The lengths at ``spans`` of ``masked`` that are written as a noun, not as a compound
    adjective ("a one-hour walk")."""
    return [masked[s:e] for s, e in spans if not is_adjective(masked[s:e])]


def _leads(text: str) -> list[Span]:
    """The leads of ``text`` ("15 minutes before"), but not one booked by a verb ("block out 2
    hours before the demo") or by "for" outside a reminder ("run for 30 minutes after work";
    not "a reminder for 15 minutes before")."""

    def booked(before: str) -> bool:
        clause = re.split(r"[.,;:!?]", before)[-1]
        return bool(
            _BOOKING_VERB.search(before) or (_FOR.search(before) and not _REMINDER.search(clause))
        )

    return [m.span() for m in _LEAD.finditer(text) if not booked(text[: m.start()])]


def leads(text: str) -> list[str]:
    """The leads ``text`` writes, as written ("remind me 10 minutes before": "10 minutes
    before"; not "block out 2 hours before the demo", a length)."""
    return [text[s:e] for s, e in _leads(text)]


def _lengths(text: str) -> tuple[str, list[Span]]:
    """``text`` with its times from now, 24-hour clocks ("1430 hrs"), leads and repeats blanked
    out, and the spans of the lengths left in it (amounts, then lengths without a number: "a few
    hours")."""
    offsets = [m.span() for m in _OFFSET.finditer(text)] + _leads(text) + _military(text)
    offsets += _shifts(text)
    text = _masked(text, offsets + recurrence_expressions(text))
    return text, duration_spans(text) + [m.span() for m in _VAGUE.finditer(text)]


_WENT = re.compile(r"\s+(?:to|till|until)\s+(?P<the>the\s+)?", re.IGNORECASE)


def _left_behind(text: str, spans: list[Span]) -> list[Span]:
    """The ``spans`` (dates, or times) that a request moving an event leaves
    (:func:`calendar_ner.schema.moved_from`) and that "to" and another of them follow ("Move the
    review from Thursday to Friday": Thursday). No dev request writes one."""
    starts, moves = {s for s, _ in spans}, list(MOVES.finditer(text))
    return [
        (start, end)
        for start, end in spans
        if (went := _WENT.match(text, end))
        and (went.end() in starts or went.start("the") in starts)  # "to the 16th of May"
        and moved_from(text, start, moves)
    ]


# Words that lead from a day into another field ("Friday at 6", "Monday with Jo").
_INTO_FIELD = frozenset(
    "at @ with w/ on for in from to by until till through thru around and or".split()
)


def _starts_a_name(text: str, end: int, opens: set[int]) -> bool:
    """Whether a word that can go on with a name follows ``text[:end]`` ("Friday | drinks"):
    not a mark, another date, time or length (``opens``), nor a word into another field."""
    following = re.match(r"\s+(\S+)", text[end:])
    if following is None or end + following.start(1) in opens:
        return False
    word = following[1].lower().rstrip(",;:.!?)")
    return following[1][0].isalnum() and word not in _INTO_FIELD


def candidates(
    text: str,
    *,
    dates: bool = True,
    times: bool = True,
    durations: bool = True,
    recurrences: bool = True,
    block: bool = True,
) -> Candidates:
    """The typed values of ``text`` (whitespace collapsed), for the fields switched on, and with
    ``block`` the spans of its date, time, duration and recurrence expressions that a copied
    string may not overlap (a weekday that a word of a name follows, a holiday, a part of the
    day or a frequency word is not blocked: "Friday drinks", "Morning run", "Weekly sync", nor
    are "noon" or "midi").
    A French, Spanish or German request (:func:`calendar_ner.languages.detect`) adds the dates,
    times and lengths written that language's way ("3 mars 2025", "14h", "1 heure"), and leaves
    its recurrence untyped (only English recurrence words are read)."""
    date_found, time_found = date_expressions(text), time_expressions(text)
    lengths = length_spans(text)
    lang = languages.detect(text)
    if lang == "en":
        durations_found, stated = _durations(text)
    else:  # add that language's forms: a wrong guess can only widen the choice
        local_times = languages.time_expressions(text, lang)
        local_lengths = languages.duration_expressions(text, lang)
        local_ranges = languages.time_ranges(text, lang)
        date_found = sorted(set(date_found + languages.date_expressions(text, lang)))
        in_range = [(r.start, r.end) for r in local_ranges]
        time_found = [  # "2 a" of "de 2 a 4 de la tarde" is no time
            t for t in time_found if not any(a <= t[0] and t[1] <= b for a, b in in_range)
        ]
        time_found = sorted(set(time_found + local_times))
        time_found = [t for t in time_found if not _overlaps(t, local_lengths)]  # "pendant 1h30"
        masked = _masked(text, time_found)  # "à 9h" is no length of 9 hours
        lengths = [s for s in lengths if not _overlaps(s, time_found)] + local_lengths
        written = [text[s:e] for s, e in local_lengths]
        spelled = [languages.duration_spelling(r.minutes, lang) for r in local_ranges]
        durations_found = _unique([*duration_values(masked), *written, *spelled])
        stated = bool(durations_found)  # another language's lengths: any it writes
    # A clock time in digits or words ("at one", "six thirty"; the "Seven" of "Seven Dials" is
    # no candidate), not a part of the day ("Morning run").
    clocks = [
        s
        for s in time_found
        if re.search(r"\d", said := text[s[0] : s[1]]) or words.spoken_clock(said)
    ]
    # A date with a number, or one that names no weekday or holiday ("tomorrow", "next week",
    # "in two weeks"): never inside an action or place, as "Friday drinks", "Monday Night
    # Football" and "Christmas Eve dinner" may be; nor is a weekday that no word of a name goes
    # on from ("Wed | 12:30", "next Thu | quarter to 9", "Friday the twenty-first:", "dinner on
    # Friday"). A holiday may be the event itself ("Thanksgiving at Grandma's").
    opens = {s for s, _ in date_found + clocks + lengths}
    blocked = [
        s
        for s in date_found
        if not _HOLIDAY_NAME.fullmatch(day := text[s[0] : s[1]])
        and (_NAMES_A_DATE.search(day) or not _starts_a_name(text, s[1], opens))
    ]
    blocked += clocks + lengths
    repeats = recurrence_expressions(text) if lang == "en" else []
    # A repeat written as a phrase ("every Monday", "weekdays"), not a frequency word, which
    # names events ("Weekly sync": 32 dev action labels hold one).
    blocked += [s for s in repeats if not is_frequency_word(text[s[0] : s[1]])]
    recurring = [text[s:e] for s, e in repeats]
    platforms = tuple(platform_spans(text))
    with_whom = [m.end() for m in WITH.finditer(text)] if lang == "en" else []
    # A date or time that a moved event leaves, and a date that ends a repeat or another date
    # ("every weekday until Friday", "tues & thurs through end of June"), is never the event's
    # (but still blocked); the resolver reads the end as the rule's UNTIL.
    left = set(_left_behind(text, date_found) + _left_behind(text, time_found))
    starts = _repeats(text) + date_found
    left |= {s for s in date_found if _ends_span(text, s, starts)}
    date_found = [s for s in date_found if s not in left]
    time_found = [s for s in time_found if s not in left]
    dated = [s for s in date_found if re.search(r"\d", text[s[0] : s[1]])]
    named = lang == "en" and bool(dated) and _name_before(text, min(dated)[0], platforms)
    return Candidates(
        date=_unique([text[s:e] for s, e in date_found]) if dates else None,
        time=_unique([text[s:e] for s, e in time_found]) if times else None,
        duration=durations_found if durations else None,
        recurrence=_unique(recurring) if recurrences and lang == "en" else None,
        recurrence_stated=recurrences and any(not _CYCLE.fullmatch(r) for r in recurring),
        duration_stated=durations and stated,
        attendees_stated=named or bool(set(with_whom) - {s for s, _ in platforms}),
        blocked=tuple(sorted(set(blocked))) if block else (),
        platforms=platforms,
    )


def allows(value: str, allowed: tuple[str, ...] | None, nullable: bool = True) -> bool:
    """Whether ``value`` (a value's text so far, with its leading space; a valid prefix) can
    still become null (unless ``nullable`` is false and there are candidates) or one of
    ``allowed`` (case ignored); a closed string must be one.

    >>> [allows(v, ("May 10",)) for v in (' "may', ' "May 10"', ' "May 1"', " nu")]
    [True, True, False, True]
    >>> allows(" nu", ("May 10",), nullable=False), allows(" nu", (), nullable=False)
    (False, True)
    """
    if allowed is None:
        return True
    body = value[1:]
    if not body:
        return True
    if "null".startswith(body):
        return nullable or not allowed
    if body[0] != '"':
        return False
    content = fold(body[1:])
    if content.endswith('"'):
        return any(fold(c) == content[:-1] for c in allowed)
    return any(fold(c).startswith(content) for c in allowed)


def continuations(value: str, allowed: tuple[str, ...]) -> list[str]:
    """The rest of each candidate that ``value`` (an open string) is a prefix of, with the
    closing quote: the text a decoder may go on with."""
    body = value[1:]
    if not body.startswith('"') or body.count('"') != 1:
        return []
    content = fold(body[1:])
    return [c[len(content) :] + '"' for c in allowed if fold(c).startswith(content)]
