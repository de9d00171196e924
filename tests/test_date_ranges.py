"""Ranges of days ("May 14-16", "Dec 28 - Jan 3"): read alike by the decoder's candidates,
post-processing and the calendar resolver (calendar_ner.date_ranges)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_ner.calendar import resolve
from calendar_ner.calendar.resolve import iso
from calendar_ner.date_ranges import date_ranges, days_spelling, whole_range
from calendar_ner.decode import DecodeConfig
from calendar_ner.decode.postprocess import postprocess
from calendar_ner.decode.types import candidates
from calendar_ner.schema import FIELDS, normalize_date

REF = datetime(2026, 11, 25, 9, 0)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Offsite May 14-16 in Austin", ("May 14-16", "May 14", "May 14", 3)),
        ("Expo May 14–16, 2027", ("May 14–16, 2027", "May 14", "May 14, 2027", 3)),
        ("Book the cabin for June 3rd-5th", ("June 3rd-5th", "June 3rd", "June 3rd", 3)),
        ("Workshop May 14 to 16", ("May 14 to 16", "May 14", "May 14", 3)),
        ("Trip June 3rd through the 7th", ("June 3rd through the 7th", "June 3rd", "June 3rd", 5)),
        ("Trip from June 3 to June 7", ("June 3 to June 7", "June 3", "June 3", 5)),
        ("Leave Dec 28 - Jan 3", ("Dec 28 - Jan 3", "Dec 28", "Dec 28", 7)),
        ("Off from may 30 until june 2", ("may 30 until june 2", "may 30", "may 30", 4)),
        ("Camping 3rd-5th August", ("3rd-5th August", None, "3rd August", 3)),
        ("Course 14th to 16th of May 2027", ("14th to 16th of May 2027", None, "14th May 2027", 3)),
        ("Trip 28 Dec - 3 Jan 2027", ("28 Dec - 3 Jan 2027", "28 Dec", "28 Dec 2026", 7)),
        (
            "Leave Dec 28, 2026 - Jan 3, 2027",
            ("Dec 28, 2026 - Jan 3, 2027", "Dec 28, 2026", "Dec 28, 2026", 7),
        ),
        ("Sprint Feb 27 - Mar 1", ("Feb 27 - Mar 1", "Feb 27", "Feb 27", 3)),  # no 29 Feb
        ("Visit Feb 28-29", ("Feb 28-29", "Feb 28", "Feb 28", 2)),  # a year with 29 Feb
        ("Hack 2027-05-14 to 2027-05-16", ("2027-05-14 to 2027-05-16", "2027-05-14", None, 3)),
        ("Retreat 14/05/2027 - 16/05/2027", ("14/05/2027 - 16/05/2027", "14/05/2027", None, 3)),
        ("Trip May 14-16 2027", ("May 14-16 2027", "May 14", "May 14, 2027", 3)),  # a bare year
        ("Camp Aug 3-7 8:30am-3pm", ("Aug 3-7", "Aug 3", "Aug 3", 5)),  # then a time range
        ("Offsite Wed May 14 - Fri May 16", ("Wed May 14 - Fri May 16", "Wed May 14", "May 14", 3)),
        ("Night shift from June 10 to 12", ("June 10 to 12", "June 10", "June 10", 3)),
    ],
)
def test_a_range_of_days_is_read_with_its_first_day_and_length(text, found):
    (got,) = date_ranges(text)
    written, first, day, days = found
    assert (got.text, got.first, got.date, got.days) == (written, first, day or first, days)


@pytest.mark.parametrize(
    "text",
    [
        "Meeting June 3 to 5pm",  # a clock after it
        "Call May 14 - 16:00",
        "Call May 14 - 10 am",
        "Standup June 3 - 30 mins",
        "Yoga 9-11 May 3",  # a time range, then a date
        "Visit May 16-14",  # the last day before the first
        "Visit Apr 30-31",  # no 31 April
        "Out of office 12/20-12/24",  # day and month unsure without a year
        "Team week Monday to Friday",  # the days a series repeats on as often as a span
        "Room 3-5 on May 10",
        "Standup June 3 to 5 people",  # a count after it
        "Workshop June 3 - 5 attendees max",
        "Move the retreat from the 14th to the 16th of May",  # where a moved event leaves
        "Please reschedule the offsite from June 10 to June 12",
        "Postponed from May 3 to 5",
    ],
)
def test_not_a_range_of_days(text):
    assert date_ranges(text) == []


def test_a_range_ending_in_the_next_year_counts_across_new_year():
    (found,) = date_ranges("Leave Dec 30 - Jan 2, 2027")
    assert (found.date, found.days) == ("Dec 30, 2026", 4)


MONTH = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@given(st.dates(date(2000, 1, 1), date(2098, 12, 1)), st.integers(2, 40), st.integers(0, 3))
def test_every_form_gives_the_first_day_and_the_days_covered(first, days, form):
    last = first + timedelta(days=days - 1)
    a, b, y = f"{MONTH[first.month - 1]} {first.day}", MONTH[last.month - 1], last.year
    if form == 0:
        text = f"Trip {a} - {b} {last.day}, {y}"
    elif form == 1:
        text = f"Trip {first.day} {MONTH[first.month - 1]} to {last.day} {b} {y}"
    elif form == 2:
        text = f"Trip {a}, {first.year} through {b} {last.day}, {y}"
    else:
        text = f"Trip {first:%Y-%m-%d} to {last:%Y-%m-%d}"
    (found,) = date_ranges(text)
    assert found.days == days
    assert normalize_date(found.date) == f"{first:%d/%m/%Y}"


def test_candidates_offer_the_range_and_its_first_day_and_its_length():
    found = candidates("Team offsite May 14-16 in Austin")
    assert found.date == ("May 14", "May 14-16")
    assert found.duration == ("3 days",) and found.duration_stated
    assert (13, 22) in found.blocked  # "May 14-16": no copied string may hold it


@pytest.mark.parametrize(
    "text",
    [
        "Yoga every day May 14-16 at 7am",  # the days a series runs on
        "Workshop May 14-16 at 9am",  # the days an event at a clock time is held on
    ],
)
def test_no_length_in_days_for_a_series_or_an_event_at_a_time(text):
    assert "3 days" not in candidates(text).duration


def _post(written: dict, text: str, **config) -> dict:
    return postprocess(json.dumps(written), text, DecodeConfig(**config))


@pytest.mark.parametrize("written", ["May 14-16, 2027", "May 14"])
def test_postprocess_reads_the_range_or_its_first_day(written):
    event = _post({"date": written}, "Expo May 14-16, 2027 in Austin")
    assert (event["date"], event["duration"]) == ("14/05/2027", "3 days")  # the range's year


def test_postprocess_keeps_a_stated_length_time_or_series():
    text = "Expo May 14-16 at 9am"
    assert _post({"date": "May 14-16", "time": "9am"}, text)["duration"] is None
    assert _post({"date": "May 14-16", "duration": "2 hours"}, text)["duration"] == "2 hours"
    series = _post({"date": "May 14-16", "recurrence": "daily"}, "Run daily May 14-16")
    assert (series["date"], series["duration"]) == ("May 14", None)


def test_postprocess_leaves_the_range_as_written_when_switched_off():
    event = _post({"date": "May 14-16"}, "Expo May 14-16", date_ranges=False)
    assert (event["date"], event["duration"]) == ("May 14-16", None)


@pytest.mark.parametrize(
    ("values", "start", "end"),
    [
        ({"date": "May 14-16"}, "2027-05-14", "2027-05-17"),
        ({"date": "May 14", "duration": "3 days"}, "2027-05-14", "2027-05-17"),
        ({"date": "Dec 28 - Jan 3"}, "2026-12-28", "2027-01-04"),
        ({"date": "14-16 May 2027"}, "2027-05-14", "2027-05-17"),
        ({"date": "May 14-16", "time": "9am"}, "2027-05-14T09:00:00+02:00", None),
    ],
)
def test_the_resolver_makes_a_range_an_all_day_span(values, start, end):
    resolved = resolve(dict.fromkeys(FIELDS) | values, "", REF, "Europe/Berlin")
    assert (iso(resolved.start), iso(resolved.end)) == (start, end)


def test_whole_range_and_spelling():
    assert whole_range(" May 14-16 ").days == 3
    assert whole_range("Expo May 14-16") is None
    assert (days_spelling(1), days_spelling(3)) == ("1 day", "3 days")


def test_a_first_day_written_elsewhere_too_is_no_range():
    text = "Dentist May 14, offsite May 14-16"
    assert _post({"date": "May 14"}, text)["duration"] is None  # the dentist's day
    assert _post({"date": "May 14-16"}, text)["duration"] == "3 days"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Yoga every day May 14-16 at 7am", "FREQ=DAILY;UNTIL=20270516T215959Z"),  # in UTC
        ("Daily standup at 9am, skip Dec 24-26", "FREQ=DAILY"),  # days left out
        ("Standup daily at 9am from Dec 1, offsite Feb 10-12", "FREQ=DAILY"),  # another span
    ],
)
def test_a_series_ends_on_the_last_day_of_the_range_it_starts_on(text, rule):
    found = candidates(text)
    values = {"date": found.date[0], "time": found.time[0], "recurrence": found.recurrence[0]}
    resolved = resolve(dict.fromkeys(FIELDS) | values, text, REF, "Europe/Berlin")
    assert resolved.rrule == rule
