"""calendar_ner.calendar.resolve and .rrule: each phrase kind, DST, errors, RRULE validity and
a property: resolve never raises on arbitrary event values or text (invented requests)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_ner.calendar import resolve, to_rrule
from calendar_ner.calendar.resolve import iso, parse_duration
from calendar_ner.decode.types import recurrence_expressions
from calendar_ner.schema import FIELDS

REF = datetime(2026, 11, 25, 9, 0)  # a Wednesday
BERLIN = "Europe/Berlin"


def _resolve(text: str = "", **values):
    return resolve(dict.fromkeys(FIELDS) | values, text, REF, BERLIN)


@pytest.mark.parametrize(
    ("values", "text", "start"),
    [
        ({"date": "today", "time": "1pm"}, "", "2026-11-25T13:00:00+01:00"),
        ({"date": "tonight", "time": "8"}, "dinner tonight at 8", "2026-11-25T20:00:00+01:00"),
        ({"date": "tomorrow", "time": "7"}, "tomorrow morning at 7", "2026-11-26T07:00:00+01:00"),
        ({"date": "tmrw", "time": "4"}, "", "2026-11-26T16:00:00+01:00"),
        ({"date": "the day after tomorrow"}, "", "2026-11-27"),
        ({"date": "Friday", "time": "3pm"}, "", "2026-11-27T15:00:00+01:00"),
        ({"date": "this Friday"}, "", "2026-11-27"),
        ({"date": "next Friday"}, "", "2026-12-04"),
        ({"date": "Wednesday", "time": "4pm"}, "", "2026-11-25T16:00:00+01:00"),
        ({"date": "next Wednesday"}, "", "2026-12-02"),
        ({"date": "next weekend"}, "", "2026-12-05"),
        ({"date": "in 3 days"}, "", "2026-11-28"),
        ({"date": "in a fortnight", "time": "9:30 AM"}, "", "2026-12-09T09:30:00+01:00"),
        ({"time": "in 2 hours"}, "", "2026-11-25T11:00:00+01:00"),
        ({"time": "in 90 minutes"}, "", "2026-11-25T10:30:00+01:00"),
        ({"date": "the 15th"}, "", "2026-12-15"),
        ({"date": "the 31st"}, "", "2026-12-31"),
        ({"date": "3 January", "time": "10am"}, "", "2027-01-03T10:00:00+01:00"),
        ({"date": "Nov 20"}, "", "2027-11-20"),
        ({"date": "Feb 29"}, "", "2028-02-29"),
        ({"date": "10/05/2025", "time": "11:00 AM"}, "", "2025-05-10T11:00:00+02:00"),
        ({"date": "2025-05-10"}, "", "2025-05-10"),
        ({"time": "8:00 AM"}, "breakfast at 8am", "2026-11-26T08:00:00+01:00"),
        (
            {"date": "tomorrow", "time": "6:45 AM"},
            "run tomorrow at 6:45",
            "2026-11-26T18:45:00+01:00",
        ),
        ({"date": "tomorrow", "time": "08:15"}, "", "2026-11-26T08:15:00+01:00"),
        ({"date": "Friday", "time": "quarter to 9"}, "", "2026-11-27T08:45:00+01:00"),
        ({"date": "tomorrow", "time": "half past 3"}, "", "2026-11-26T15:30:00+01:00"),
        ({"date": "Thursday", "time": "afternoon"}, "", "2026-11-26"),
        ({"date": "Friday", "time": "9"}, "party Friday night at 9", "2026-11-27T21:00:00+01:00"),
        ({"date": "Friday", "time": "night"}, "", "2026-11-27"),
        ({"date": "Friday night", "time": "9"}, "", "2026-11-27T21:00:00+01:00"),
        ({"date": "Friday", "time": "7ish"}, "", "2026-11-27T19:00:00+01:00"),
        ({"date": "Friday", "time": "9 o'clock"}, "", "2026-11-27T09:00:00+01:00"),
        ({"date": "Friday", "time": "2:30pm-ish"}, "", "2026-11-27T14:30:00+01:00"),
        ({"time": "8"}, "Good morning! Drinks tonight at 8?", "2026-11-25T20:00:00+01:00"),
        ({"time": "9"}, "Follow up on last night's outage at 9", "2026-11-25T09:00:00+01:00"),
    ],
)
def test_phrase_kinds(values, text, start):
    resolved = _resolve(text, **values)
    assert iso(resolved.start) == start
    assert resolved.all_day == (len(start) == 10)


@pytest.mark.parametrize(
    ("time", "text", "start", "end"),
    [
        ("3-5pm", "", "15:00", "17:00"),
        ("10:00-10:30", "", "10:00", "10:30"),
        ("from 2 to 4pm", "", "14:00", "16:00"),
        ("between 1 and 3", "", "13:00", "15:00"),
        ("11-1pm", "", "11:00", "13:00"),
        ("10am to noon", "", "10:00", "12:00"),
        ("09:00–12:30", "", "09:00", "12:30"),
        ("3:00 PM", "office hours 3-5pm", "15:00", "17:00"),  # the range read from the text
    ],
)
def test_ranges(time, text, start, end):
    resolved = _resolve(text, date="tomorrow", time=time)
    assert f"{resolved.start:%H:%M}" == start
    assert f"{resolved.end:%H:%M}" == end and resolved.end.date() == date(2026, 11, 26)


def test_a_range_past_midnight_ends_the_next_day():
    resolved = _resolve(date="Saturday", time="11pm-1am")
    assert iso(resolved.end) == "2026-11-29T01:00:00+01:00"
    assert resolved.duration == "PT2H"


@pytest.mark.parametrize(
    ("values", "end", "duration"),
    [
        ({"time": "2pm", "duration": "45 minutes"}, "2026-11-26T14:45:00+01:00", "PT45M"),
        ({"time": "2pm", "duration": "1hr"}, "2026-11-26T15:00:00+01:00", "PT1H"),
        ({"time": "2pm", "duration": "1 hour 30 minutes"}, "2026-11-26T15:30:00+01:00", "PT1H30M"),
        ({"duration": "3 days"}, "2026-11-29", "P3D"),
        ({"duration": "2 hours"}, None, "PT2H"),  # all-day: no end
    ],
)
def test_durations(values, end, duration):
    resolved = _resolve(date="tomorrow", **values)
    assert (iso(resolved.end), resolved.duration) == (end, duration)
    assert parse_duration(duration).total_seconds() > 0


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"date": "sometime soon"}, "names no calendar day"),
        ({"date": "next week", "time": "3pm"}, "names no calendar day"),
        ({"time": "later"}, "names no day or time"),
        ({}, "names no day or time"),
        ({"date": "31/02/2026"}, "February 2026 has 28 days"),
        ({"date": "30 February"}, "February never has a day 30"),
        ({"date": "29/02/2027"}, "February 2027 has 28 days"),
        ({"date": "2027-13-05"}, "no month 13"),
        ({"date": "tomorrow", "time": "25:00"}, "impossible time '25:00'"),
        ({"recurrence": "every blue moon"}, "names no day or time"),
    ],
)
def test_unresolvable_and_impossible_give_a_null_start_and_a_reason(values, reason):
    resolved = _resolve(**values)
    assert resolved.start is None and resolved.end is None and resolved.rrule is None
    assert any(reason in note for note in resolved.notes), resolved.notes


def test_ambiguous_numeric_dates_are_day_first_and_noted():
    resolved = _resolve("meeting 05/04/2025 at 5pm", date="05/04/2025", time="5:00 PM")
    assert iso(resolved.start) == "2025-04-05T17:00:00+02:00"
    assert any("DD/MM" in note for note in resolved.notes)
    assert not _resolve("on 13/01/2027", date="13/01/2027").notes


@pytest.mark.parametrize(
    ("date", "start", "noted"),
    [
        ("7/15", "2027-07-15", False),  # only month first names a day
        ("15/7", "2027-07-15", False),
        ("4/3", "2027-03-04", True),  # both do: day first, noted
        ("3/3", "2027-03-03", False),
        ("1/12", "2026-12-01", True),  # the next such day
    ],
)
def test_a_numeric_day_without_a_year_is_the_next_such_day(date, start, noted):
    resolved = _resolve(f"landlord on {date}", date=date)
    assert iso(resolved.start) == start
    assert any("DD/MM" in note for note in resolved.notes) is noted


def test_a_numeric_day_that_is_no_day_is_impossible():
    resolved = _resolve("on 13/13", date="13/13")
    assert resolved.start is None
    assert any("no order reads as a day and a month" in note for note in resolved.notes)


@pytest.mark.parametrize(
    ("zone", "values", "start", "word"),
    [
        (BERLIN, {"date": "29/03/2026", "time": "2:30 AM"}, "2026-03-29T03:30:00+02:00", "spring"),
        (BERLIN, {"date": "25/10/2026", "time": "2:30 AM"}, "2026-10-25T02:30:00+02:00", "fall"),
        (
            "America/New_York",
            {"date": "08/03/2026", "time": "2:30 AM"},
            "2026-03-08T03:30:00-04:00",
            "spring",
        ),
    ],
)
def test_dst_gaps_and_overlaps_follow_zoneinfo_fold_0(zone, values, start, word):
    resolved = resolve(dict.fromkeys(FIELDS) | values, "", REF, zone)
    assert iso(resolved.start) == start and resolved.start.fold == 0
    assert any(word in note for note in resolved.notes)


def test_a_duration_across_fall_back_is_elapsed_time():
    resolved = _resolve(date="25/10/2026", time="1:30 AM", duration="2 hours")
    assert iso(resolved.end) == "2026-10-25T02:30:00+01:00"


def test_a_weekly_rule_keeps_its_wall_time_across_dst():
    event = dict.fromkeys(FIELDS) | {"time": "9:00 AM", "recurrence": "every Saturday"}
    resolved = resolve(event, "", "2026-03-06T10:00", "America/New_York")
    assert [iso(o) for o in resolved.occurrences(2)] == [
        "2026-03-07T09:00:00-05:00",
        "2026-03-14T09:00:00-04:00",
    ]


def test_errors_name_the_zone_and_the_reference():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        resolve({}, "", REF, "Mars/Base")
    with pytest.raises(ValueError, match="malformed reference"):
        resolve({}, "", "next tuesday-ish", BERLIN)
    with pytest.raises(ValueError, match="malformed reference"):
        resolve({}, "", 12345, BERLIN)


def test_an_aware_reference_is_converted_to_the_zone():
    resolved = resolve({"time": "in 1 hour"}, "", "2026-11-25T08:00:00+00:00", BERLIN)
    assert iso(resolved.start) == "2026-11-25T10:00:00+01:00"


@pytest.mark.parametrize(
    ("recurrence", "text", "start", "rule"),
    [
        ("daily", "", date(2026, 11, 25), "FREQ=DAILY"),
        ("every 3 days", "", date(2026, 11, 25), "FREQ=DAILY;INTERVAL=3"),
        ("weekly", "yoga on Thursdays", date(2026, 11, 26), "FREQ=WEEKLY;BYDAY=TH"),
        ("every weekday", "", date(2026, 11, 25), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("every Monday and Wednesday", "", date(2026, 11, 25), "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("every other Friday", "", date(2026, 11, 27), "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"),
        ("Tuesdays and Thursdays", "", date(2026, 11, 26), "FREQ=WEEKLY;BYDAY=TU,TH"),
        (
            "weekly",
            "on Mondays, Wednesdays & Fridays",
            date(2026, 11, 25),
            "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        ),
        ("every evening", "", date(2026, 11, 25), "FREQ=DAILY"),
        ("biweekly", "", date(2026, 11, 25), "FREQ=WEEKLY;INTERVAL=2"),
        ("every afternoon", "", date(2026, 11, 25), "FREQ=DAILY"),
        ("bi-monthly", "", date(2026, 11, 25), "FREQ=MONTHLY;INTERVAL=2"),
        ("semi-annually", "", date(2026, 11, 25), "FREQ=MONTHLY;INTERVAL=6"),
        ("half-yearly", "", date(2026, 11, 25), "FREQ=MONTHLY;INTERVAL=6"),
        ("monthly", "on the 15th", date(2026, 12, 15), "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("first Monday of every month", "", date(2026, 12, 7), "FREQ=MONTHLY;BYDAY=1MO"),
        ("last Friday of each month", "", date(2026, 11, 27), "FREQ=MONTHLY;BYDAY=-1FR"),
        ("quarterly", "", date(2026, 11, 25), "FREQ=MONTHLY;INTERVAL=3"),
        ("Annual", "", date(2026, 11, 25), "FREQ=YEARLY"),
        ("every Tuesday", "for 6 weeks", date(2026, 12, 1), "FREQ=WEEKLY;COUNT=6;BYDAY=TU"),
        ("weekly", "10 times", date(2026, 11, 25), "FREQ=WEEKLY;COUNT=10"),
        ("every Monday", "until March", date(2026, 11, 30), "FREQ=WEEKLY;UNTIL=20270228;BYDAY=MO"),
        ("every day except sunday", "", date(2026, 11, 25), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA"),
        ("daily excluding weekends", "", date(2026, 11, 25), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("weekdays, but not Fridays", "", date(2026, 11, 25), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH"),
        (
            "every Monday and Wednesday except Monday",
            "",
            date(2026, 11, 25),
            "FREQ=WEEKLY;BYDAY=WE",
        ),
        (
            "every 2 days except Sun",
            "",
            date(2026, 11, 25),
            "FREQ=DAILY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR,SA",
        ),
        ("monthly", "at the end of the month", date(2026, 11, 30), "FREQ=MONTHLY;BYMONTHDAY=-1"),
    ],
)
def test_rrules_parse_and_start_on_their_first_occurrence(recurrence, text, start, rule):
    found = to_rrule(recurrence, text, date(2026, 11, 25), today=date(2026, 11, 25))
    assert (found.rrule, found.start) == (rule, start)
    first = next(iter(rrulestr(found.rrule, dtstart=datetime.combine(start, datetime.min.time()))))
    assert first.date() == start


def test_a_start_off_the_rule_moves_to_its_first_occurrence_and_says_so():
    resolved = _resolve(date="tomorrow", time="7:00 PM", recurrence="every Tuesday")
    assert iso(resolved.start) == "2026-12-01T19:00:00+01:00"
    assert any("moves" in note for note in resolved.notes)


@pytest.mark.parametrize(
    ("date", "recurrence", "start"),
    [
        ("Wednesday", "every Wednesday", "2026-12-02T08:00:00+01:00"),  # 8:00 today has passed
        ("Wednesday", "every Monday and Wednesday", "2026-11-30T08:00:00+01:00"),
        ("Wednesday", "monthly", "2026-11-25T08:00:00+01:00"),  # not a weekday it repeats on
        ("today", "daily", "2026-11-25T08:00:00+01:00"),  # a day, not a weekday: kept
    ],
)
def test_a_weekday_of_a_repeat_starts_it_no_earlier_than_the_reference(date, recurrence, start):
    resolved = _resolve(f"{recurrence} at 8am", date=date, time="8:00 AM", recurrence=recurrence)
    assert iso(resolved.start) == start


def test_until_a_day_is_utc_for_timed_events():
    resolved = _resolve("standup daily at 5pm until tomorrow", time="5:00 PM", recurrence="daily")
    assert resolved.rrule == "FREQ=DAILY;UNTIL=20261126T225959Z"
    assert len(resolved.occurrences(10)) == 2


@pytest.mark.parametrize(
    "text",
    [
        "Yoga every afternoon", "Standup every other week", "Review bi-monthly",
        "Audit semi-annually", "Board meeting half-yearly", "Sync each Monday and Thursday",
        "Pay rent the 1st of every month", "Retro last Friday of each month",
        "Gym Tuesdays and Thursdays", "Check-in every 3 days", "Call weekdays", "Annual review",
        "Gym every day except Sunday",
    ],
)  # fmt: skip
def test_every_recurrence_candidate_but_a_count_names_a_rule(text):
    """What the decoder may give as a recurrence, the resolver reads ("twice a week" aside: it
    says how often, not when)."""
    (span,) = recurrence_expressions(text)
    found = to_rrule(text[span[0] : span[1]], text, date(2026, 11, 25))
    assert found.rrule is not None, text


@pytest.mark.parametrize(
    ("date", "start"),
    [
        ("next wendesday", "2026-12-02T10:00:00+01:00"),
        ("thrusday", "2026-11-26T10:00:00+01:00"),
        ("tomorow", "2026-11-26T10:00:00+01:00"),
        ("3rd Febuary", "2027-02-03T10:00:00+01:00"),
    ],
)
def test_a_misspelt_day_is_read_as_the_name_with_a_note(date, start):
    resolved = _resolve(date=date, time="10:00 AM")
    assert iso(resolved.start) == start
    assert any(note.startswith(f"{date!r} read as") for note in resolved.notes)


@pytest.mark.parametrize(
    ("date", "start"),
    [
        ("this coming Monday", "2026-11-30"),
        ("the 3rd of next month", "2026-12-03"),
        ("the 15th of this month", "2026-11-15"),
        ("a week from Friday", "2026-12-04"),
        ("3 weeks from today", "2026-12-16"),
        ("2 days from now", "2026-11-27"),
        ("a week from tomorrow", "2026-12-03"),
        ("two weeks from next Friday", "2026-12-18"),
        ("the last Friday of March", "2027-03-26"),  # March 2026 is past
        ("the first Monday in December", "2026-12-07"),
        ("the second Tuesday of next month", "2026-12-08"),
        ("end of the month", "2026-11-30"),
        ("the end of next month", "2026-12-31"),
        ("the end of February", "2027-02-28"),
        ("this coming weekend", "2026-11-28"),
    ],
)
def test_day_phrases_of_more_words(date, start):
    assert iso(_resolve(date=date).start) == start


def test_a_weekday_a_month_lacks_is_impossible():
    resolved = _resolve(date="the fifth Monday of February")
    assert resolved.start is None
    assert resolved.notes == [
        "impossible date 'the fifth Monday of February': February 2027 has 4 Mondays"
    ]


def test_a_weekday_that_is_not_the_numbered_day_is_noted():
    resolved = _resolve(date="Thursday the 5th")  # 5 December 2026 is a Saturday
    assert iso(resolved.start) == "2026-12-05"
    assert resolved.notes == ["Thursday the 5th: 5 December 2026 is a Saturday"]
    assert _resolve(date="Saturday the 5th").notes == []


def test_a_skipped_day_the_rule_cannot_hold_is_noted():
    found = to_rrule("monthly except Monday", "", date(2026, 11, 25))
    assert found.rrule == "FREQ=MONTHLY"
    assert found.notes == ["'except monday' is not read"]
    assert to_rrule("every Monday except Monday", "", date(2026, 11, 25)).rrule is None


def test_a_recurrence_without_a_rule_keeps_the_day():
    resolved = _resolve(date="Monday", time="6pm", recurrence="twice a week")
    assert resolved.rrule is None and iso(resolved.start) == "2026-11-30T18:00:00+01:00"
    assert any("names no rule" in note for note in resolved.notes)


_VALUE = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(
        [
            "in 99999999 days",
            "the 99th",
            "31/02/2026",
            "9999-12-31",
            "every 0 days",
            "00:00-00:00",
            "in 0 hours",
            "every 999999 weeks",
            "quarter to 13",
            "12 am",
            "until",
            "for 0 weeks",
        ]
    ),
    st.integers(),
    st.lists(st.text(max_size=5), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(
    values=st.fixed_dictionaries({k: _VALUE for k in FIELDS}),
    text=st.one_of(st.text(max_size=80), st.none()),
    reference=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9998, 12, 30)),
)
def test_resolve_never_raises(values, text, reference):
    resolved = resolve(values, text, reference, BERLIN)
    out = resolved.to_dict()
    assert set(out) >= {"start", "end", "all_day", "duration", "rrule", "notes"}
    if resolved.start is None:
        assert out["rrule"] is None
    if resolved.rrule:
        assert resolved.occurrences(1) == [resolved.start]
