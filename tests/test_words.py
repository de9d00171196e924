"""Times and days said in words, 24-hour clocks without a colon and holidays: read alike by the
decoder's candidates, post-processing and the calendar resolver (calendar_ner.words,
calendar_ner.holidays)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from calendar_ner.calendar import resolve
from calendar_ner.calendar.resolve import iso
from calendar_ner.decode import DecodeConfig
from calendar_ner.decode.postprocess import postprocess
from calendar_ner.decode.types import candidates
from calendar_ner.holidays import holiday_day, is_holiday
from calendar_ner.schema import FIELDS, normalize_date, normalize_time, time_ranges
from calendar_ner.words import Clock, military_clock, spoken_clock, with_day_numbers

REF = datetime(2026, 11, 25, 9, 0)  # a Wednesday


def _start(**values) -> str | None:
    return iso(resolve(dict.fromkeys(FIELDS) | values, "", REF, "Europe/Berlin").start)


@pytest.mark.parametrize(
    ("said", "clock"),
    [
        ("six thirty", Clock(6, 30, None)),
        ("seven oh five", Clock(7, 5, None)),
        ("twelve forty-five", Clock(12, 45, None)),
        ("ten past five", Clock(5, 10, None)),
        ("twenty-five past 4", Clock(4, 25, None)),
        ("10 past 5", Clock(5, 10, None)),
        ("twenty to one", Clock(12, 40, None)),
        ("quarter to nine", Clock(8, 45, None)),
        ("half six", Clock(6, 30, None)),  # British: 6:30
        ("eleven o'clock", Clock(11, 0, None)),
        ("seven p.m.", Clock(7, 0, "pm")),
        ("Six Thirty AM", Clock(6, 30, "am")),
        ("2 to 4pm", None),  # a range
        ("thirteen", None),
        ("61 past 3", None),
    ],
)
def test_spoken_clocks(said, clock):
    assert spoken_clock(said) == clock


def test_military_clocks_and_day_ordinals():
    assert [military_clock(v) for v in ("1430", "0900 hrs", "2359h", "2400", "930")] == [
        (14, 30),
        (9, 0),
        (23, 59),
        None,
        None,
    ]
    assert with_day_numbers("the thirty-first and the twenty second") == "the 31st and the 22nd"
    assert normalize_time("seven thirty pm") == "7:30 PM"
    assert normalize_time("1430") == "2:30 PM"
    assert normalize_time("six thirty") == "six thirty"  # no am/pm: the bare-hour rule's
    assert normalize_date("the twenty-first of June 2027") == "21/06/2027"


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("Dinner at six thirty tomorrow", ("six thirty",)),
        ("Call mom at 1430 on Friday", ("1430",)),
        ("Drill at 1430 hrs Thursday", ("1430 hrs",)),
        ("Brunch Sunday at eleven", ("eleven",)),
        ("Lunch at half six on Tuesday", ("half six",)),
        ("Call at ten to five", ("ten to five",)),
        ("Party at seven pm Friday", ("seven pm",)),
        ("Gym at twenty past nine in the morning", ("twenty past nine", "morning")),
        ("Drinks at Seven Dials on Friday", ()),  # a place
        ("Meet at one of the cafes on Monday", ()),
        ("Open from ten to five on Saturday", ("ten", "ten to five")),  # a range, not 4:50
        ("A five to ten minute walk on Monday", ()),
        ("Deadline by 2030", ()),  # a year
        ("Meet at 1200 Main St", ()),  # a street number
        ("Run for 1500 hours", ()),
    ],
)
def test_time_candidates_said_in_words(text, times):
    assert candidates(text).time == times


def test_a_24_hour_clock_is_no_length_and_a_clock_in_words_no_copy():
    found = candidates("Drill at 1430 hrs Thursday")
    assert found.duration == ()
    text = "Dinner at six thirty with Ana"
    assert (text.index("six"), text.index(" with")) in candidates(text).blocked


@pytest.mark.parametrize(
    ("text", "written", "time"),
    [
        ("Dinner at six thirty tomorrow", "six thirty", "6:30 PM"),
        ("Brunch Sunday at eleven", "eleven", "11:00 AM"),
        ("Lunch at half twelve", "half twelve", "12:30 PM"),
        ("Run tomorrow morning at quarter past seven", "quarter past seven", "7:15 AM"),
        ("Call at 1430 on Friday", "1430", "2:30 PM"),
        ("Party at seven pm Friday", "seven pm", "7:00 PM"),
        ("Anniversary dinner on Friday at eight", "eight", "8:00 PM"),  # a meal says which half
        ("Breakfast with Jo at seven", "seven", "7:00 AM"),
    ],
)
def test_post_processing_reads_them_as_the_resolver_does(text, written, time):
    assert postprocess(json.dumps({"time": written}), text, DecodeConfig())["time"] == time


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("Meet Jo the twenty-first of June at 3pm", ("twenty-first of June",)),
        ("Lunch on June twenty-first", ("June twenty-first",)),
        ("Dinner March the first at 7pm", ("March the first",)),
        ("Call on the third at 2pm", ("the third",)),
        ("Review on the first of next month", ("the first of next month",)),
        ("Party on the 3rd of March 2027 at 7pm", ("3rd of March 2027",)),
        ("Gala on the twenty-first of June 2027", ("twenty-first of June 2027",)),
        ("The first meeting on Monday", ("Monday",)),
        ("March second quarter review on Friday", ("Friday",)),
        ("Party on Christmas Eve at 7pm", ("Christmas Eve",)),
        ("Lunch on New Year's Day at noon", ("New Year's Day",)),
        ("Christmas party at 7pm", ("Christmas",)),  # no other date
        ("Christmas party on Dec 20 at 7pm", ("Dec 20",)),
        ("Easter egg hunt Sunday 10am", ("Sunday",)),
        ("BBQ over Labor Day", ("Labor Day",)),
        ("Trip over Easter 2027", ("Easter 2027",)),
    ],
)
def test_date_candidates_said_in_words_and_holidays(text, dates):
    assert candidates(text).date == dates


@pytest.mark.parametrize("written", ["Thanksgiving", "Christmas Eve", "next Christmas", "tmr"])
def test_a_decoded_holiday_or_short_day_stays_the_date(written):
    event = postprocess(json.dumps({"date": written}), f"Dinner {written} at 3", DecodeConfig())
    assert event["date"] == written


def test_a_holiday_may_name_the_event():
    text = "Christmas Eve dinner at grandma's at 5pm"
    assert candidates(text).date == ("Christmas Eve",)
    assert not any(start == 0 for start, _ in candidates(text).blocked)  # as "Friday drinks"


def test_an_absolute_date_with_a_day_in_words_is_normalized():
    text = "Gala on the twenty-first of June 2027"
    event = postprocess(json.dumps({"date": "twenty-first of June 2027"}), text, DecodeConfig())
    assert event["date"] == "21/06/2027"


@pytest.mark.parametrize(
    ("values", "start"),
    [
        ({"date": "tomorrow", "time": "six thirty"}, "2026-11-26T18:30:00+01:00"),
        ({"date": "tomorrow", "time": "ten to five"}, "2026-11-26T16:50:00+01:00"),
        ({"date": "tomorrow", "time": "seven am"}, "2026-11-26T07:00:00+01:00"),
        ({"date": "tomorrow", "time": "1430"}, "2026-11-26T14:30:00+01:00"),
        ({"date": "tomorrow", "time": "0900 hrs"}, "2026-11-26T09:00:00+01:00"),
        ({"date": "the twenty-first of June"}, "2027-06-21"),
        ({"date": "March the first"}, "2027-03-01"),
        ({"date": "Christmas Eve"}, "2026-12-24"),
        ({"date": "New Year's Eve", "time": "9pm"}, "2026-12-31T21:00:00+01:00"),
        ({"date": "Easter Monday"}, "2027-03-29"),
        ({"date": "Easter 2028"}, "2028-04-16"),
        ({"date": "Halloween"}, "2027-10-31"),  # this year's is past
    ],
)
def test_the_resolver_reads_them(values, start):
    assert _start(**values) == start


def test_a_holiday_whose_date_is_a_countrys_is_noted():
    resolved = resolve(dict.fromkeys(FIELDS) | {"date": "Thanksgiving"}, "", REF, "UTC")
    assert iso(resolved.start) == "2026-11-26"  # the fourth Thursday of November
    assert resolved.notes == ["'Thanksgiving' read as the United States' date"]
    assert resolve(dict.fromkeys(FIELDS) | {"date": "Christmas"}, "", REF, "UTC").notes == []


def test_moving_holidays():
    today = date(2026, 1, 1)
    assert holiday_day("Memorial Day", today) == date(2026, 5, 25)  # the last Monday of May
    assert holiday_day("Labour Day", today) == date(2026, 9, 7)
    assert holiday_day("Mother's Day", today) == date(2026, 5, 10)
    assert holiday_day("Good Friday", today) == date(2026, 4, 3)
    assert not is_holiday("Christmas party")


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("Standup at 0900 hrs every weekday", ("0900 hrs",)),
        ("Gym 0600 hrs daily", ("0600 hrs",)),
        ("tmrw 1745 hrs ferry to Arran", ("1745 hrs",)),  # with "hrs", any word may follow
        ("Overtime: 1200 hrs of work by Friday at 3pm", ("3pm",)),  # not "of"
        ("Run at six thirty before work", ("six thirty",)),
        ("Call at 1430 GMT on Friday", ("1430",)),
        ("Dinner at six-thirty", ("six-thirty",)),
        ("Review the sales figures from 2024 on Monday", ()),  # a year
        ("Call at 0800 123 4567 tomorrow", ()),  # a phone number
        ("Meet at 1200 5th Avenue on Friday", ()),
        ("Invite five to ten colleagues on Friday", ()),  # a count
        ("Stop at Seven Eleven on the way home at 6pm", ("6pm",)),  # a name
        ("Drinks at the Five O'Clock Club on Friday", ()),
        ("Meet at 12 past 3 on Friday", ("12 past 3",)),  # no "12" of its own
        ("Meeting between 9 and 11 on Friday", ("between 9 and 11", "9")),
    ],
)
def test_review_findings_on_times(text, times):
    assert candidates(text).time == times


def test_about_a_number_of_hours_is_a_length():
    text = "The project took about 1200 hours, retro on Monday at 3pm"
    assert "1200 hours" in candidates(text).duration


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("Conference on the second Tuesday of March 2027", ("the second Tuesday of March 2027",)),
        ("Good Friday service at noon", ("Good Friday",)),  # not "Friday"
        ("Easter Monday picnic", ("Easter Monday",)),
        ("Dentist appointment the day after Thanksgiving", ("the day after Thanksgiving",)),
        ("Call Nye about the contract at 3pm", ()),  # a surname
        ("Dinner with Valentine at 7pm", ()),
        ("New Year planning meeting at 10am", ()),
        ("Lunar New Year dinner", ()),  # another calendar's
        ("Christmas in July party", ()),
        ("Trip over Easter weekend", ()),  # more than a day
        ("Drinks at the Christmas Tree pub on Friday", ("Friday",)),
    ],
)
def test_review_findings_on_dates(text, dates):
    assert candidates(text).date == dates


@pytest.mark.parametrize(
    ("values", "start", "end"),
    [
        ({"date": "the second Tuesday of March 2027"}, "2027-03-09", None),
        ({"date": "the day after Thanksgiving"}, "2026-11-27", None),
        ({"date": "tomorrow", "time": "from ten to five"}, "2026-11-26T10:00:00+01:00", "17:00"),
    ],
)
def test_review_findings_in_the_resolver(values, start, end):
    resolved = resolve(dict.fromkeys(FIELDS) | values, "", REF, "Europe/Berlin")
    assert iso(resolved.start) == start
    assert (resolved.end and f"{resolved.end:%H:%M}") == end
    assert normalize_date("the second Tuesday of March 2027") == "the second Tuesday of March 2027"


@pytest.mark.parametrize(
    ("text", "date", "time"),
    [
        ("easter egg hunt at the park easter sunday 1030", ("easter sunday",), ("1030",)),
        ("Standup monday 0930 in room 4", ("monday",), ("0930",)),
        ("Flight 1130 to Boston on Monday", ("Monday",), ()),  # no day before it
        ("Call Monday 2024 budget", ("Monday",), ()),  # a year
    ],
)
def test_a_24_hour_clock_right_after_a_day_is_no_year(text, date, time):
    found = candidates(text)
    assert (found.date, found.time) == (date, time)


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("Work from ten to five on Monday", [("ten to five", "10:00 AM", 420)]),
        ("Party from six thirty to eight thirty", [("six thirty to eight thirty", "6:30 PM", 120)]),
        ("Shift between nine and eleven", [("between nine and eleven", "9:00 AM", 120)]),
        ("Meeting 1430-1530 on Friday", [("1430-1530", "2:30 PM", 60)]),
        ("Dinner from 7 to 9", [("7 to 9", "7:00 PM", 120)]),  # not 7 PM to 9 AM
        ("Compare results 2019-2023", []),  # years
        ("Call at ten to five", []),  # 4:50
        ("Quit my nine to five job", []),
    ],
)
def test_ranges_in_words_and_24_hour_clocks(text, ranges):
    assert [(r.text, r.time, r.minutes) for r in time_ranges(text)] == ranges


def test_a_range_in_words_gives_the_start_and_the_length():
    text = "Work from ten to five on Monday"
    assert "ten to five" in candidates(text).time
    event = postprocess(json.dumps({"time": "ten to five"}), text, DecodeConfig())
    assert (event["time"], event["duration"]) == ("10:00 AM", "7 hours")
    resolved = resolve(dict.fromkeys(FIELDS) | {"date": "Monday", "time": "7 to 9"}, "", REF, "UTC")
    assert (f"{resolved.start:%H:%M}", f"{resolved.end:%H:%M}") == ("19:00", "21:00")


def test_a_bare_range_right_after_a_day_is_hours():
    assert [(r.text, r.time, r.minutes) for r in time_ranges("volunteer shift saturday 9-12")] == [
        ("9-12", "9:00 AM", 180)
    ]
    assert [r.text for r in time_ranges("lunch n learn next wed 12-1, room 4B")] == ["12-1"]
    assert time_ranges("Score was 2-4 on Friday") == []  # no day right before it


def test_a_clock_in_words_is_never_copied():
    text = "4th of july cookout at the Hendersons' at one"
    at = text.rindex("one")
    assert (at, at + 3) in candidates(text).blocked


@pytest.mark.parametrize(
    ("text", "recurrence", "rule"),
    [
        (
            "pay rent on the first of every month",
            "first of every month",
            "FREQ=MONTHLY;BYMONTHDAY=1",
        ),
        (
            "pay rent on the 15th of every month",
            "15th of every month",
            "FREQ=MONTHLY;BYMONTHDAY=15",
        ),
        ("stretch every 2 hrs during work", "every 2 hrs", "FREQ=HOURLY;INTERVAL=2"),
    ],
)
def test_repeats_with_a_day_in_words_or_hrs(text, recurrence, rule):
    assert recurrence in candidates(text).recurrence
    values = {"recurrence": recurrence}
    assert resolve(dict.fromkeys(FIELDS) | values, text, REF, "UTC").rrule == rule
