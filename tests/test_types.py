"""Typed values: candidate dates, times, durations and recurrences, ranges and bare hours
(invented requests)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_ner.calendar import resolve
from calendar_ner.data.augment.pools import RECURRENCES
from calendar_ner.decode import ConstrainedDecoder, DecodeConfig
from calendar_ner.decode.copy import joined_names_missing
from calendar_ner.decode.postprocess import postprocess
from calendar_ner.decode.types import allows, candidates, date_expressions
from calendar_ner.models.weights import load_model
from calendar_ner.prompt import encode_segment
from calendar_ner.schema import bare_hour, time_ranges
from calendar_ner.spans import copied, fold
from tests.conftest import TINY

_DATES = [
    "3rd, Feb 2025",
    "2025-02-03",
    "03 - Feb - 2025",
    "03-Feb-2025",
    "Feb 3, 2025",
    "22/11/2025",
    "tomorrow",
    "next Friday",
    "May 10",
    "Monday",
]
_TIMES = ["3pm", "9:30 am", "15:00", "noon", "7", "3-5pm", "10:00-10:30"]
_DURATIONS = ["45min", "2 hours", "1hr 30min", "30 mins", "a few hours"]
# Amounts in words, and the spelling in digits the labels give them.
_IN_WORDS = {"an hour": "1 hour", "half an hour": "30 minutes", "two hours": "2 hours"}
_DAY_LENGTHS = ["3 days", "a week", "two weeks"]  # lengths only where nothing repeats
_UNTIL = ["Friday", "18 December", "tomorrow", "the 15th"]  # the end of a repeat
# Leads before or after another moment (amount, rest): no length of the event.
_LEADS = [("15 minutes", "before"), ("10 min", "after the standup"), ("half an hour", "early")]
_ACTIONS = ["Design review", "Lunch", "Budget sync", "Team standup", "Pairing"]
_PLACES = ["Room 4B", "Pier 39", "the Oak Cafe", "Studio 2"]
_NAMES = ["Priya", "Omar", "Lena", "Kofi"]
_RECURRENCES = [
    *RECURRENCES,
    "every Monday and Wednesday",
    "Tuesdays and Thursdays",
    "first Monday of every month",
    "every 3 days",
    "twice a week",
    "every day except Sunday",
]


@st.composite
def requests(draw) -> tuple[str, dict[str, str | None]]:
    """An invented request and the date, time, duration and recurrence it was written with."""
    date = draw(st.sampled_from(_DATES))
    time = draw(st.sampled_from(_TIMES))
    duration = draw(st.none() | st.sampled_from(_DURATIONS + _DAY_LENGTHS + [*_IN_WORDS]))
    recurrence = draw(st.none() | st.sampled_from(_RECURRENCES))
    repeats = recurrence and candidates(recurrence).recurrence_stated  # not "Quarterly"
    until = draw(st.none() | st.sampled_from(_UNTIL)) if repeats else None
    lead = draw(st.none() | st.sampled_from(_LEADS))
    parts = [draw(st.sampled_from(_ACTIONS))]
    if draw(st.booleans()):
        parts.append("with " + " + ".join(draw(st.sets(st.sampled_from(_NAMES), min_size=1))))
    parts.append(f"at {draw(st.sampled_from(_PLACES))}")
    parts += ["on" if date[0].isdigit() else "", date, "at" if time.isdigit() else "", time]
    if duration:
        parts.append(f"for {duration}")
    if recurrence:
        parts.append(recurrence)
    if until:
        parts.append(f"until {until}")
    text = " ".join(" ".join(parts).split())
    if lead:
        text += f", remind me {' '.join(lead)}"
    values = {"date": date, "time": time, "duration": duration, "recurrence": recurrence}
    return text, values | {"until": until, "lead": lead and lead[0]}


def test_a_date_joined_by_dashes_is_one_and_a_code_is_none():
    assert candidates("Sprint demo 23-Feb-2027 10am Main Hall").date == ("23-Feb-2027",)
    assert candidates("Call 2027/Mar/05 3pm").date == ("2027/Mar/05",)
    assert candidates("Fix UI-Bug-2027 on 05/03/2027 3pm").date == ("05/03/2027",)


@settings(max_examples=150, deadline=None)
@given(requests())
def test_candidates_hold_the_generated_values(request):
    text, values = request
    found = candidates(text)
    assert values["date"] in found.date
    assert values["time"] in found.time
    if values["duration"] in _DAY_LENGTHS and values["recurrence"]:
        assert values["duration"] not in found.duration  # "for 3 days": how long it repeats
    elif values["duration"] in _IN_WORDS:  # "an hour": only in digits
        assert _IN_WORDS[values["duration"]] in found.duration
        assert values["duration"] not in found.duration
    elif values["duration"]:
        assert values["duration"] in found.duration
    if values["lead"]:  # "remind me 15 minutes before": how far from another moment
        assert values["lead"] not in found.duration
    if values["until"]:  # the repeat's end is written there, but is never the event's date
        end = text.rindex(values["until"])
        assert any(start == end for start, _ in date_expressions(text))
        assert values["until"] not in found.date or values["until"] == values["date"]
    if values["recurrence"]:
        assert values["recurrence"] in found.recurrence
    # The place, the action and the names stay copyable: none of them is blocked.
    for word in _PLACES + _ACTIONS + _NAMES:
        if word in text:
            assert copied(f' "{word}"', fold(text), blocked=found.blocked), word


@pytest.mark.parametrize(
    "text, date, not_date",
    [
        ("Retro at Pier 39 on 12 - Mar - 2025", "12 - Mar - 2025", "Mar - 2025"),
        ("Retro at Pier 39 on 12 - Mar - 2025", "12 - Mar - 2025", "39"),
        ("Standup every Monday from 3rd Feb 2025 at 9am", "3rd Feb 2025", "Monday"),
        ("Rent the 1st of every month, review the 15th at noon", "the 15th", "1st"),
        ("Tour of the 3rd floor tomorrow", "tomorrow", "the 3rd"),
        ("Dentist in a fortnight at 9:30am", "in a fortnight", "a fortnight"),
        ("Brunch on the weekend at 11", "the weekend", "weekend"),
    ],
)
def test_date_candidates_are_whole_expressions(text, date, not_date):
    found = candidates(text).date
    assert date in found and not_date not in found


def test_recurring_weekday_is_a_date_only_without_another():
    assert candidates("Standup every Monday at 9am").date == ("Monday",)
    assert candidates("Gym every Monday and Wednesday at 7am, from May 4").date == ("May 4",)


def test_a_clock_time_no_clock_shows_is_still_the_time():
    assert candidates("Meeting at 25:00 tomorrow").time == ("25:00",)
    assert candidates("Deadline at 24:00 Friday").time == ()  # midnight: as before, no candidate
    assert candidates("Score 2:99 today").time == ()  # no "at": no time
    assert candidates("2:1 sync at 3pm").time == ("3pm",)


@pytest.mark.parametrize(
    "text, dates",
    [
        ("Standup every weekday at 9:15 until Friday", ()),
        ("Daily check-in at 5pm till tomorrow", ()),
        ("Yoga every Monday from 3 March 2025 until 30 June 2025", ("3 March 2025",)),
        ("Offsite until Friday at 3pm", ("Friday",)),  # no repeat: the only day it names
        ("Wait until Friday to send the weekly report", ("Friday",)),  # the repeat comes after
        ("Annual leave until 3 March", ("3 March",)),  # a review cycle is no repeat
    ],
)
def test_the_end_of_a_repeat_is_no_date(text, dates):
    assert candidates(text).date == dates


@pytest.mark.parametrize(
    "text, durations",
    [
        ("Conference in Lisbon on 14/01/2027 for 3 days", ("3 days",)),
        ("Camp for a week in June", ("a week",)),
        ("Offsite in Porto for two weeks, from May 4", ("two weeks",)),
        ("Annual conference in Lisbon for 3 days starting 14 May", ("3 days",)),
        ("Meet Sam for a day trip on Friday", ()),  # a noun phrase, no length
        ("Yoga weekly for 6 weeks", ()),  # how long the series runs
        ("Stretch break every 2 hours starting at 10am", ()),  # how often, not how long
        ("Review in 3 days at 2pm", ()),  # when
    ],
)
def test_lengths_in_days_only_where_nothing_repeats(text, durations):
    assert candidates(text).duration == durations


@pytest.mark.parametrize(
    "text, time, not_time",
    [
        ("Sync 10:00 Main Hall", "10:00", "10:00 Main"),
        ("Dinner at 7 with Omar", "7", None),
        ("Call 2025-02-03 3-5pm", "3-5pm", "5pm"),
        ("Party at 7 people max", None, "7"),
        ("Tea with Agnes tomorrow at half past 3", "half past 3", "3"),
        ("quarter to nine call with the Mumbai team", "quarter to nine", None),
        ("Check the oven in 2 hours", "in 2 hours", None),
        ("Call back in an hour", "in an hour", None),
        ("Tax review on April 2 at 11.", "11", None),  # a full stop after the hour
        ("Meet at 7.30 tonight", "7.30", "7"),
        ("Retro on Wednesday afternoon in Room 12A", "afternoon", "12A"),  # a room's label
        ("standup in room 12a at 9:30", "9:30", "12a"),  # in lower case too
        ("meet at gate 4a at 3p", "3p", "4a"),
        ("call bo at 9a", "9a", None),  # no room before it: a clock
        ("Yoga studio 7p Thursday", "7p", None),  # an everyday place: a clock
        ("Good morning! Plumber Thursday between 1 and 3", "between 1 and 3", "morning"),
    ],
)
def test_time_candidates_are_whole_expressions(text, time, not_time):
    found = candidates(text).time
    assert time is None or time in found
    assert not_time is None or not_time not in found


@pytest.mark.parametrize(
    "text, durations",
    [
        ("Standup at 9am, remind me 15 minutes before", ()),
        ("Call mom 10 min after the standup tomorrow", ()),
        ("Dinner at 7pm, arrive half an hour early", ()),
        ("Set a reminder for 15 minutes before the call", ()),
        ("Remind me at 5pm for 10 minutes before dinner", ()),  # "for" inside a reminder
        ("Gym for 30 minutes after lunch", ("30 minutes",)),  # "for": how long
        ("Walk the dog for about 20 min after work", ("20 min",)),
        ("Block 2 hours before the demo to prepare", ("2 hours",)),  # booked: how long
        ("Lunch 1h after the standup for 45 min", ("45 min",)),
        ("Can you push my call with Ingrid back an hour, to 3pm tomorrow?", ()),  # a shift
        ("Need to delay the 1:1 with Oscar by 30 minutes, make it 2:30", ()),
        ("Move the sync forward by 15 min", ()),
        ("Book back to back 30 minute interviews Thursday", ("30 minutes",)),  # no move
        ("Early shift briefing followed by 30 minutes of Q&A on Monday", ("30 minutes",)),
        ("Push the review to Friday for 30 minutes", ("30 minutes",)),  # how long, after "for"
    ],
)
def test_a_lead_before_or_after_another_moment_is_no_length(text, durations):
    assert candidates(text).duration[: len(durations) or None] == durations


@pytest.mark.parametrize(
    "text, stated",
    [
        ("Review for an hour at 3pm", True),
        ("Block out 2 hours before the demo to prepare", True),  # booked
        ("Sync Feb 5, 2025 2pm 1hr w/ Tom", True),  # ends its phrase
        ("Sync on Teams April 17, 2025 at 3:00 pm, 1 hr.", True),
        ("Coffee 9am, 30 mins Zoom.", True),  # then a platform that ends the request
        ("Call 2-5pm Friday", True),  # a range
        ("Lunch at noon, 5 min walk from the office", False),
        ("Gym at 24 Hour Fitness at 7am", False),
        ("Dentist Friday 3pm, set a reminder for 15 minutes before", False),  # a lead
        ("Run for 30 minutes after work tomorrow", True),  # booked by "for"
    ],
)
def test_a_length_is_stated_where_it_is_booked_or_ends_its_phrase(text, stated):
    assert candidates(text).duration_stated is stated


def test_durations_are_stated_amounts():
    # An amount in words only in digits, as every dev label writes one: "an hour" is "1 hour".
    assert candidates("Review for an hour").duration[:2] == ("1 hour", "1 hr")
    assert candidates("Call for half an hour").duration[0] == "30 minutes"
    assert candidates("Call for a couple of hours").duration[0] == "2 hours"
    assert candidates("Hike for a few hours").duration == ("a few hours",)  # no number: as written
    # An adjective's singular is spelled as the noun: "a 15 minute check-in" lasts 15 minutes.
    assert candidates("Put a 15 minute check-in on Monday").duration[0] == "15 minutes"
    assert candidates("Book a 2 hour slot").duration[0] == "2 hours"
    assert candidates("Review for 1 hour").duration[0] == "1 hour"
    # A time from now is no length: "in 1 hour" is when, "15 mins" how long.
    assert candidates("Sync with Dara in 1 hour for 15 mins").duration[0] == "15 mins"
    assert candidates("Check the oven in 2 hours").duration == ()
    assert "10 hours" not in candidates("Review at ten for an hour").duration
    assert candidates("Review 3-5pm").duration == ("2 hours",)
    assert candidates("Review at 3pm").duration == ()
    # A compound adjective is an amount, written as a noun: "90 minutes", never "90-minute".
    assert candidates("Demo at 4 PM, a 90-minute workshop.").duration[:3] == (
        "1 hour 30 minutes",
        "1.5 hours",
        "90 minutes",
    )
    assert candidates("Take a one-hour hike").duration[0] == "1 hour"


@pytest.mark.parametrize(
    "text, recurrences",
    [
        ("Quarterly review 2025-02-24 3pm with Nadia", ("Quarterly",)),
        ("Weekly retro every Friday 4-5pm", ("Weekly", "every Friday")),
        ("Swim every Monday and Thursday at 8am", ("every Monday and Thursday",)),
        ("Yoga Tuesdays and Thursdays at 7", ("Tuesdays and Thursdays",)),
        ("Board meeting the first Monday of every month", ("first Monday of every month",)),
        ("Rent the 1st of every month", ("1st of every month",)),
        ("Tennis twice a week with Joao", ("twice a week",)),
        ("Sync bi-weekly on Zoom", ("bi-weekly",)),
        ("Lunch at the Weeklyn Diner on Monday", ()),
        ("Every Wednesday at 8am team breakfast", ("Every Wednesday",)),
        ("gym session 6am every day except sunday", ("every day except sunday",)),
        ("Standup weekdays, but not Fridays, 9:15", ("weekdays, but not Fridays",)),
        ("Run daily excluding weekends", ("daily excluding weekends",)),
        ("Lunch every Monday except holidays", ("every Monday",)),
    ],
)
def test_recurrence_candidates_are_whole_expressions(text, recurrences):
    assert candidates(text).recurrence == recurrences


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("gym session 6am every day except sunday", ()),
        ("Standup every weekday except Wed and Thu at 9", ()),
        ("Walk every day except Sunday, starting next Monday", ("next Monday",)),
        ("Everyone is out except Friday, so book the demo then", ("Friday",)),  # no repeat
        ("Soccer tues & thurs 5:30-7 at the park through end of June", ("thurs", "tues")),
        ("Vacation June 3 until June 10", ("June 3", "June 3 until June 10")),  # a range of days
        ("Yoga every Monday until 18 December at 7pm", ("Monday",)),  # the end of a repeat
        ("Wait until Friday to send the report", ("Friday",)),
    ],
)
def test_a_day_a_repeat_skips_is_never_the_date(text, dates):
    assert tuple(sorted(candidates(text).date)) == tuple(sorted(dates))


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("Doctor apointment next wendesday at 10:30", ("next wendesday",)),
        ("dentist on thrusday 2pm", ("thrusday",)),
        ("Wendesday, May 10 party", ("May 10", "Wendesday, May 10")),
        ("call Sam tomorow at 3", ("tomorow",)),
        ("day after tommorow lunch", ("day after tommorow",)),
        ("Review 3rd Febuary at 9am", ("3rd Febuary",)),
        ("Review Febuary 3, 2026 at 9am", ("Febuary 3, 2026",)),
        ("standup wensday 9am", ()),  # a misspelt weekday needs a word or a day saying so
        ("Trip to Augusta with Jo", ()),  # a misspelt month needs a day beside it
        ("Lunch with Sundar on Friday", ("Friday",)),
    ],
)
def test_a_misspelt_day_is_a_date_where_a_date_is_written(text, dates):
    assert tuple(sorted(candidates(text).date)) == tuple(sorted(dates))


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("Dentist the 3rd of next month at 10", ("the 3rd of next month",)),
        ("Call a week from Friday at 2pm", ("a week from Friday",)),
        ("Party 3 weeks from today", ("3 weeks from today",)),
        ("Pay the gardener every 4 weeks from next Monday", ("next Monday",)),  # a repeat's
        ("Lunch 2 days from now", ("2 days from now",)),
        ("Catch up this coming Monday at 10:00", ("this coming Monday",)),
        ("Review on Thursday the 5th at 9", ("Thursday the 5th",)),  # the whole expression
        ("Meeting on the 3rd floor on Monday", ("Monday",)),
        ("Monday the 3rd floor lounge at 2", ("Monday",)),
        ("Trip the last Friday of March", ("the last Friday of March",)),
        ("Review the second Tuesday of next month", ("the second Tuesday of next month",)),
        ("Board meeting the first Monday of every month", ("Monday",)),  # a repeat
        ("Submit the report by the end of the month", ("the end of the month",)),
        ("Trip at the end of March", ("the end of March",)),
        ("Meet at the end of the hall", ()),
    ],
)
def test_day_phrases_of_more_words_are_whole_dates(text, dates):
    assert tuple(sorted(candidates(text).date)) == tuple(sorted(dates))


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("Take out the trash every Tuesday night", ("night",)),
        ("movie tomorrow night", ("night",)),
        ("Party Friday night at 9", ("9", "night")),
        ("Game night at my place", ()),  # "night" of the event's name
        ("Birthday night out with Sam", ()),
    ],
)
def test_night_after_a_day_is_a_time(text, times):
    assert tuple(sorted(candidates(text).time)) == times


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("Call at 2:30pm-ish tomorrow", ("2:30pm-ish",)),
        ("Coffee around noonish", ("noonish",)),
        ("Drinks Friday 7ish", ("7ish",)),
        ("Call at 9 o'clock on Friday", ("9 o'clock",)),
        ("Ride the 7 train", ()),
        ("Table for 6ish at 8", ("8",)),  # amounts
        ("Grab 5ish bagels", ()),
    ],
)
def test_a_clock_time_may_end_in_ish_or_o_clock(text, times):
    assert tuple(sorted(candidates(text).time)) == times


def test_recurrences_of_other_languages_stay_untyped():
    assert candidates("Réunion hebdomadaire avec Marie le 3 mars 2025 à 14h").recurrence is None
    assert (
        candidates("Réunion avec Marie le 3 mars 2025 à 14h", recurrences=False).recurrence is None
    )


def test_copies_stay_off_dates_times_and_durations():
    text = "Review 3rd Feb 2025 at Room 4B 1hr"
    blocked = candidates(text).blocked
    assert copied(' "Room 4B"', fold(text), blocked=blocked)
    assert not copied(' "Room 4B 1', fold(text), blocked=blocked)
    assert not copied(' "Review 3rd', fold(text), blocked=blocked)


@pytest.mark.parametrize(
    "text, allowed, refused",
    [
        ("GYM TOMORROW 6AM FOR 1 HOUR", "GYM", "GYM TOMORROW"),
        ("Review next week at 3pm", "Review", "Review next"),
        ("Team standup weekdays at 9", "Team standup", "Team standup weekdays"),
        ("Review the first Friday of every month", "Review", "Review the first"),
        # A weekday or a frequency word may be part of a name.
        ("Friday drinks at 6pm", "Friday drinks", "Friday drinks at 6"),
        ("Weekly sync every Monday at 10am", "Weekly sync", "Weekly sync every"),
        # Not one that no word of a name goes on from: it is the date alone.
        ("Wed 12:30-1:15 lunch & learn", "lunch & learn", "Wed"),
        ("next Thu quarter to 9 standup", "standup", "next Thu"),
        ("Friday the twenty-first: cousin Mia's recital", "cousin Mia", "the twenty-first"),
        ("Dinner on Friday", "Dinner", "Friday"),
        ("Monday Night Football at 8pm", "Monday Night Football", "Monday Night Football at 8"),
        ("Thanksgiving at Grandma's 4pm", "Thanksgiving", "Thanksgiving at Grandma's 4"),
    ],
)
def test_copies_stay_off_relative_days_and_repeat_phrases(text, allowed, refused):
    blocked = candidates(text).blocked
    assert copied(f' "{allowed}"', fold(text), blocked=blocked)
    assert not copied(f' "{refused}', fold(text), blocked=blocked)


@pytest.mark.parametrize(
    "text, date, time",
    [
        ("Move the design review from Thursday to Friday at 3pm", ("Friday",), ("3pm",)),
        ("Push my call with Bo from 2pm to 4pm tomorrow", ("tomorrow",), ("4pm",)),  # no range
        ("reschedule my dentist appt from tuesday to thursday at 2", ("thursday",), ("2",)),
        ("Team offsite from June 10 to June 12", ("June 10", "June 10 to June 12"), ()),  # a span
        ("Move the offsite from June 10 to June 12", ("June 12",), ()),  # it moves
        ("Can we move the offsite from June 10 to June 12", ("June 12",), ()),
        ("Let's push the sync from 2pm to 4pm tomorrow", ("tomorrow",), ("4pm",)),
        ("I need to reschedule my dentist from Tuesday to Thursday", ("Thursday",), ()),
        ("We'd like to move the retreat from the 14th to the 16th of May", ("16th of May",), ()),
        ("Can we meet from 2 to 4 tomorrow", ("tomorrow",), ("2", "2 to 4")),  # no move
        ("I need to move my stuff from 2 to 5pm Saturday", ("Saturday",), ("2", "2 to 5pm")),
        ("We need to change the oil from 9 to 11 tomorrow", ("tomorrow",), ("9", "9 to 11")),
        ("Coffee from 2 to 4 tomorrow", ("tomorrow",), ("2", "2 to 4")),  # a range
        ("Night shift from 10pm to 6am on Friday", ("Friday",), ("10pm", "10pm to 6am")),
        ("Standup moved from 9am to 10am", (), ("10am",)),  # a participle moves too
        ("Please move it from 7/15 to 7/16", ("7/16",), ()),
        ("Reschedule my dentist to Monday from 10 to 11am", ("Monday",), ("10", "10 to 11am")),
        ("Party for Tom who moved to Berlin, from 6pm to 9pm", (), ("6pm", "6pm to 9pm")),
    ],
)
def test_a_moved_event_never_takes_the_date_or_time_it_leaves(text, date, time):
    found = candidates(text)
    assert (found.date, found.time) == (date, time)


@pytest.mark.parametrize(
    "text, dates",
    [
        ("Meeting with the landlord at 123 Main St on 7/15 at 5:30pm", ("7/15",)),
        ("Dentist 4/3 at 2pm", ("4/3",)),  # a time after it says it is a date
        ("due 31/12", ("31/12",)),
        ("Dentist on 7/15.", ("7/15",)),  # a full stop after it
        ("24/7 on-call rotation starting Monday", ("Monday",)),
        ("Study 1/2 hour on Monday", ("Monday",)),  # an amount, not a day
        ("Open 24/7 gym on Monday", ("Monday",)),
        ("Meet 2/3 of the team on 5/6", ("5/6",)),
        ("on 13/13", ()),  # neither number is a month
    ],
)
def test_a_numeric_day_without_a_year_is_a_date_where_the_request_says_so(text, dates):
    assert candidates(text).date == dates


@pytest.mark.parametrize(
    "text",
    [
        "1:1 with Kevin in two weeks at 11",
        "Dentist in a week",
        "Check in three days at 9am",
        "Review in 2 weeks, Friday 3pm",
        "Drinks tonight at 7:30",
        "Deep work tomorrow afternoon",
        "Lunch at noon on the 3rd",
        "Meeting with the landlord on 7/15 at 5:30pm",
        "Party Friday night at 9",
        "Call at 2:30pm-ish tomorrow",
        "Drinks Friday 7ish",
        "Call at 9 o'clock on Friday",
    ],
)
def test_every_candidate_survives_post_processing(text):
    """A date or time the decoder may write is never dropped afterwards as naming none."""
    found = candidates(text)
    for field in ("date", "time"):
        for value in found.of(field):
            assert postprocess(json.dumps({field: value}), text, DecodeConfig())[field], value


def test_allows_prefixes_and_whole_candidates_only():
    allowed = ("12 - Mar - 2025", "tomorrow")
    assert allows(' "12 - M', allowed) and allows(' "Tomorrow"', allowed)
    assert not allows(' "Mar', allowed) and not allows(' "12"', allowed)
    assert allows(" null", allowed) and allows(' "x', None)


@pytest.mark.parametrize(
    "written, text, time, duration",
    [
        ("3-5pm", "Office hours 3-5pm", "3:00 PM", "2 hours"),
        ("3", "Office hours 3-5pm", "3:00 PM", "2 hours"),
        ("10:00-10:30", "Sync 10:00-10:30", "10:00 AM", "30 minutes"),
        ("10:00", "Sync 10:00-10:30", "10:00 AM", "30 minutes"),
        ("2 to 4", "Workshop from 2 to 4", "2:00 PM", "2 hours"),
        ("11-1pm", "Brunch 11-1pm", "11:00 AM", "2 hours"),
        ("9:30 - 11am", "Review 9:30 - 11am", "9:30 AM", "1 hour 30 minutes"),
        ("7", "Dinner at 7", "7:00 PM", None),
        ("9", "Run at 9", "9:00 AM", None),
        ("9", "Drinks tonight at 9", "9:00 PM", None),
        ("12", "Lunch at 12", "12:00 PM", None),
        ("7:30", "Yoga class tonight at 7:30", "7:30 PM", None),
        ("7:30", "Yoga at 7:30", "7:30 PM", None),
        ("6:45", "Run tomorrow morning at 6:45", "6:45 AM", None),
        ("9:30", "Drinks tonight at 9:30", "9:30 PM", None),
        ("9:30", "Standup at 9:30", "9:30 AM", None),
        ("07:30", "Standup at 07:30", "7:30 AM", None),  # a leading zero: 24-hour
        ("7:30", "Réunion avec Marie le 3 mars 2025 à 7:30", "7:30 AM", None),  # 24-hour
    ],
)
def test_ranges_and_bare_hours(written, text, time, duration):
    event = postprocess(json.dumps({"time": written}), text, DecodeConfig())
    assert (event["time"], event["duration"]) == (time, duration)
    off = postprocess(json.dumps({"time": written}), text, DecodeConfig(time_ranges=False))
    assert off["duration"] is None


def test_a_stated_duration_wins_over_the_range():
    raw = json.dumps({"time": "3-5pm", "duration": "90 mins"})
    assert postprocess(raw, "Review 3-5pm for 90 mins", DecodeConfig())["duration"] == "90 mins"


@pytest.mark.parametrize(
    "text", ["3-5pm", "10:00-10:30", "from 2 to 4", "11-1pm", "10am to noon", "9:30 - 11am"]
)
def test_ranges_read_as_the_calendar_resolver_reads_them(text):
    (found,) = time_ranges(text)
    event = {"date": "03/02/2025", "time": found.time, "duration": None}
    resolved = resolve(event, f"Review 3rd Feb 2025 {text}", datetime(2025, 2, 1), "UTC")
    assert resolved.start.strftime("%-I:%M %p") == found.time
    assert (resolved.end - resolved.start).total_seconds() == found.minutes * 60


@pytest.mark.parametrize("hour", range(1, 13))
def test_bare_hours_read_as_the_calendar_resolver_reads_them(hour):
    event = {"date": "03/02/2025", "time": f"{hour}", "duration": None}
    resolved = resolve(event, f"Call 3rd Feb 2025 at {hour}", datetime(2025, 2, 1), "UTC")
    assert resolved.start.strftime("%-I:%M %p") == bare_hour(str(hour))


@pytest.mark.parametrize("clock", [f"{h}:{m}" for h in range(1, 13) for m in ("05", "30")])
def test_bare_clocks_read_as_the_calendar_resolver_reads_them(clock):
    text = f"Call 3rd Feb 2025 at {clock}"
    event = postprocess(json.dumps({"date": "3rd Feb 2025", "time": clock}), text, DecodeConfig())
    resolved = resolve({**event, "time": clock}, text, datetime(2025, 2, 1), "UTC")
    assert resolved.start.strftime("%-I:%M %p") == event["time"]


@pytest.mark.parametrize("hour", range(1, 13))
@pytest.mark.parametrize("said", ["half past", "quarter past", "quarter to"])
def test_spoken_hours_read_as_the_calendar_resolver_reads_them(said, hour):
    event = {"date": "03/02/2025", "time": f"{said} {hour}", "duration": None}
    text = f"Call 3rd Feb 2025 at {said} {hour}"
    resolved = resolve(event, text, datetime(2025, 2, 1), "UTC")
    assert resolved.start.strftime("%-I:%M %p") == bare_hour(f"{said} {hour}", text)


class _Eager(torch.nn.Module):
    """The tiny model, pushed towards opening strings and writing digits and closing quotes:
    left alone it would write numbers that are no date, time or duration of the request."""

    def __init__(self, model: torch.nn.Module, favoured: list[int]) -> None:
        super().__init__()
        self.model = model
        self.favoured = favoured

    def forward(self, **kwargs):
        out = self.model(**kwargs)
        out.logits[..., self.favoured] += 30.0
        return out


@pytest.fixture(scope="module")
def eager_decoder(tokenizer):
    model = load_model(TINY).eval()
    pieces = [' "', '"', "1", "2", "3", "5", ":", "0", " -", " hours", "pm"]
    favoured = [encode_segment(tokenizer, p)[0] for p in pieces]
    decoder = ConstrainedDecoder(_Eager(model, favoured), tokenizer, max_value_tokens=12)
    decoder.cache_kwarg = ConstrainedDecoder(model, tokenizer).cache_kwarg
    return decoder


@settings(
    max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(requests(), min_size=4, max_size=4))
def test_decoder_writes_only_candidates(eager_decoder, batch):
    texts = [text for text, _ in batch]
    for text, raw in zip(texts, eager_decoder.decode_batch(texts)):
        found, written = candidates(text), json.loads(raw)
        for field in ("date", "time", "duration"):
            assert written[field] is None or written[field] in found.of(field), (field, raw)
        recurrence = written["recurrence"]
        assert recurrence is None or fold(recurrence) in map(fold, found.recurrence), raw
        for field in ("action", "location"):
            if written[field]:
                assert copied(f' "{written[field]}"', fold(text), blocked=found.blocked), raw


def test_the_eager_model_writes_non_candidates_unconstrained(eager_decoder):
    text = "Design review at Pier 39 on 3rd, Feb 2025 at 3pm"
    off = DecodeConfig(copy_fields=[], typed_dates=False, typed_times=False)
    decoder = ConstrainedDecoder(eager_decoder.model, eager_decoder.tokenizer, config=off)
    decoder.cache_kwarg, decoder.max_value_tokens = eager_decoder.cache_kwarg, 12
    written = json.loads(decoder.decode_batch([text])[0])
    found = candidates(text)
    assert any(written[f] not in (None, *found.of(f)) for f in ("date", "time", "duration"))


@pytest.mark.parametrize("stated_not_null", [True, False])
def test_a_stated_date_time_or_duration_is_never_left_null(tokenizer, stated_not_null):
    model = load_model(TINY).eval()
    null = encode_segment(tokenizer, " null")[0]
    config = DecodeConfig(stated_not_null=stated_not_null)
    decoder = ConstrainedDecoder(_Eager(model, [null]), tokenizer, config=config)
    decoder.cache_kwarg = ConstrainedDecoder(model, tokenizer).cache_kwarg
    stated, unstated = "Call the plumber tomorrow at 4, block an hour", "Call the plumber"
    lead = "Call the plumber tomorrow at 4, 15 minutes before the game"
    walk = "Call the plumber tomorrow at 4, a 5 min walk from here"  # no length of the event
    written, bare, led, walked = (
        json.loads(r) for r in decoder.decode_batch([stated, unstated, lead, walk])
    )
    fields = ("date", "time", "duration")
    if stated_not_null:  # the model wants null everywhere; it gets the request's expressions
        assert all(written[f] in candidates(stated).of(f) for f in fields), written
    else:
        assert all(written[f] is None for f in fields), written
    assert all(bare[f] is None for f in fields)  # nothing stated: null stays
    assert led["duration"] is None  # a lead is no length: nothing to pick
    assert (
        walked["duration"] is None
    )  # a length, but not one stated as the event's: the model's call


def test_a_copy_that_leads_nowhere_still_ends_as_a_candidate(tokenizer):
    """The time may only be "afternoon"; the model wants the token "a", which the exact-copy
    check allows (it spells the word "a" of the request) but which "afternoon" is never spelt
    with: the value goes on to the candidate rather than closing as "a"."""
    model = load_model(TINY).eval()
    favoured = [encode_segment(tokenizer, p)[0] for p in (' "', "a")]
    decoder = ConstrainedDecoder(_Eager(model, favoured), tokenizer)
    decoder.cache_kwarg = ConstrainedDecoder(model, tokenizer).cache_kwarg
    text = "Book a 2 hour slot for deep work tomorrow afternoon"
    written = json.loads(decoder.decode_batch([text])[0])
    assert written["time"] == "afternoon", written


class _Boosted(torch.nn.Module):
    """The tiny model with fixed boosts on some pieces' first tokens: a model that wants to
    write those pieces wherever the decoder lets it."""

    def __init__(self, model: torch.nn.Module, tokenizer, pieces: dict[str, float]) -> None:
        super().__init__()
        self.model = model
        self.boosts = {encode_segment(tokenizer, p)[0]: b for p, b in pieces.items()}

    def forward(self, **kwargs):
        out = self.model(**kwargs)
        for token, boost in self.boosts.items():
            out.logits[..., token] += boost
        return out


def _decode_boosted(
    tokenizer, pieces: dict[str, float], text: str, config: DecodeConfig, post: bool = True
):
    """The boosted model's event for ``text``: post-processed, or as decoded (``post`` false)."""
    model = load_model(TINY).eval()
    decoder = ConstrainedDecoder(_Boosted(model, tokenizer, pieces), tokenizer, config=config)
    decoder.cache_kwarg = ConstrainedDecoder(model, tokenizer).cache_kwarg
    raw = decoder.decode_batch([text])[0]
    return postprocess(raw, text, config) if post else json.loads(raw)


@pytest.mark.parametrize("outside_action", [["location"], []])
def test_a_location_stays_outside_the_action(tokenizer, outside_action):
    # Opening a string first, then "Zoom", then closing it: the model would write "Zoom" for
    # every copied field.
    pieces = {' "': 50.0, "Zoom": 40.0, '"': 30.0, " interview": 20.0}
    text = "Zoom interview April 21, 2025, 11:00 am, 1 hr"
    written = _decode_boosted(tokenizer, pieces, text, DecodeConfig(outside_action=outside_action))
    assert written["action"] == "Zoom interview"
    if outside_action:  # "Zoom" is the action's: no other span of the request is left
        assert written["location"] is None
    else:
        assert written["location"] == "Zoom"


@pytest.mark.parametrize("platform_in_action", [True, False])
def test_a_length_last_request_keeps_its_platform_in_the_action(tokenizer, platform_in_action):
    pieces = {' "': 50.0, "Sync": 40.0, '"': 30.0, "Teams": 20.0}  # "Sync" first, then "Teams"
    text = "Sync on Teams April 17, 2025 at 3:00 pm, 1 hr."
    written = _decode_boosted(
        tokenizer, pieces, text, DecodeConfig(platform_in_action=platform_in_action)
    )
    if platform_in_action:  # the labels of this style: "Sync on Teams", no location
        assert (written["action"], written["location"]) == ("Sync on Teams", None)
    else:  # "Sync", and the platform outside it is the location
        assert (written["action"], written["location"]) == ("Sync", "Teams")


@pytest.mark.parametrize("place_bounds", [True, False])
def test_a_location_does_not_start_inside_a_place_name(tokenizer, place_bounds):
    pieces = {' "': 50.0, "Office": 40.0, '"': 30.0}  # a model that wants "Office"
    text = "Kickoff 17/03/2025 9am HQ Office with Nadia 1hr."
    written = _decode_boosted(tokenizer, pieces, text, DecodeConfig(place_bounds=place_bounds))
    assert written["location"] != "Office" if place_bounds else written["location"] == "Office"


@pytest.mark.parametrize("typed_copies", [True, False])
def test_nothing_is_copied_from_the_words_to_the_assistant(tokenizer, typed_copies):
    pieces = {' "': 50.0, "Thanks": 40.0, "Dear": 35.0, '"': 30.0}  # a model that wants them
    text = "Dear assistant, please book a tax call on May 2, 2026 at 11am. Thanks so much!"
    written = _decode_boosted(tokenizer, pieces, text, DecodeConfig(typed_copies=typed_copies))
    values = [written[f] for f in ("action", "location", "notes")] + (written["attendees"] or [])
    courtesy = [v for v in values if v and v.startswith(("Thanks", "Dear", "assistant"))]
    assert courtesy == [] if typed_copies else courtesy


@pytest.mark.parametrize("name_bounds", [True, False])
def test_a_name_is_not_cut_before_its_surname(tokenizer, name_bounds):
    pieces = {' "': 50.0, "Jordan": 40.0, '"': 30.0}  # a model that closes after "Jordan"
    text = "Interview with Jordan Lee on Google Meet Thursday 4:30pm"
    config = DecodeConfig(name_bounds=name_bounds)
    written = _decode_boosted(tokenizer, pieces, text, config, post=False)
    assert written["attendees"] == ("Jordan Lee" if name_bounds else "Jordan")


@pytest.mark.parametrize("planned_action", [True, False])
def test_an_action_is_what_planned_time_is_for(tokenizer, planned_action):
    pieces = {' "': 50.0, "Book": 40.0, '"': 30.0}  # a model that wants to start at "Book"
    text = "Book time to polish the slides on May 2, 2026 at 14:20"
    written = _decode_boosted(tokenizer, pieces, text, DecodeConfig(planned_action=planned_action))
    if planned_action:  # another start of the request, never "Book"
        assert written["action"] and not written["action"].startswith("Book")
    else:  # not before "to": a lead-in word never ends an action
        assert written["action"] == "Book time to polish the slides"


def test_outside_action_names_copied_fields_only():
    assert DecodeConfig(outside_action=["location", "attendees"]).outside_action == [
        "attendees",
        "location",
    ]
    with pytest.raises(ValueError, match="decode.outside_action: unknown field"):
        DecodeConfig(outside_action=["date"])


@pytest.mark.parametrize(
    "text, found",
    [
        ("Call on zoom with Ana", ["zoom"]), ("Sync via slack at 3", ["slack"]),
        ("skype chat at 5", ["skype"]), ("MS teams call", ["MS teams"]),
        ("Zoom in on the budget", ["Zoom"]), ("zoom in on the budget", []),
        ("Cut some slack Friday 3pm", []), ("the marketing teams", []),
    ],
)  # fmt: skip
def test_a_platform_name_that_is_also_a_word_is_one_only_as_written_or_after_on(text, found):
    assert [text[s:e] for s, e in candidates(text).platforms] == found


@pytest.mark.parametrize(
    "text, stated",
    [
        ("Call w/ team 3pm", True), ("Lunch with the vendor at noon", True),
        ("Lunch w/Ana", True), ("Workout w/o weights 3pm", False),
        ("Planning w/c 5 May", False), ("Team sync with Zoom at 3pm", False),
        ("Sync without notes", False),
        ("Feedback wrap-up Tomas 9th, Dec 2025 10:30 HQ 1hr", True),  # a name before the date
        ("Budget Review 3rd Feb 2025 3pm", False), ("Dinner at Olive 3rd Feb 2025", False),
        ("Team sync Zoom 3rd Feb 2025 3pm", False),
    ],
)  # fmt: skip
def test_a_request_says_who_with(text, stated):
    assert candidates(text).attendees_stated is stated


def test_platforms_and_no_place_words_are_found():
    text = "Sync with the marketing teams 3pm Teams, then online on Google Meet"
    assert [text[s:e] for s, e in candidates(text).platforms] == ["Teams", "online", "Google Meet"]


@pytest.mark.parametrize("people_attendees", [True, False])
def test_an_attendee_is_no_platform(tokenizer, people_attendees):
    pieces = {' ["': 60.0, ' "': 50.0, "Teams": 40.0, '"]': 30.0, '"': 30.0}
    text = "Weekly check-in 23 - Sep - 2025 9:15 am Teams"
    config = DecodeConfig(people_attendees=people_attendees)
    written = _decode_boosted(tokenizer, pieces, text, config)
    # The model wants "Teams" and nothing else: closed to it, it gets no attendee at all.
    assert written["attendees"] == (None if people_attendees else ["Teams"])
    off = DecodeConfig(people_attendees=people_attendees, null_when_blocked=False)
    forced = _decode_boosted(tokenizer, pieces, text, off, post=False)["attendees"]
    assert forced and ("Teams" in forced) is not people_attendees  # else another span


@pytest.mark.parametrize("platform_location", [True, False])
def test_a_request_on_a_platform_has_a_location(tokenizer, platform_location):
    pieces = {" null": 60.0, "Teams": 20.0}  # a model that would leave everything null
    config = DecodeConfig(platform_location=platform_location)
    on_teams = "Weekly check-in 23 - Sep - 2025 9:15 am Teams"
    written = _decode_boosted(tokenizer, pieces, on_teams, config)
    assert written["location"] == ("Teams" if platform_location else None)
    nowhere = _decode_boosted(tokenizer, pieces, "Weekly check-in 23 - Sep - 2025 9:15 am", config)
    assert nowhere["location"] is None  # no platform named: null stays


@pytest.mark.parametrize("stated_attendees", [True, False])
def test_a_request_that_says_who_with_has_attendees(tokenizer, stated_attendees):
    pieces = {" null": 60.0, "team": 20.0}  # a model that would leave everything null
    config = DecodeConfig(stated_attendees=stated_attendees)
    with_team = "Call w/ team April 12, 2025, 2:00 pm, 45 mins"
    written = _decode_boosted(tokenizer, pieces, with_team, config)
    assert written["attendees"] == (["team"] if stated_attendees else None)
    alone = _decode_boosted(
        tokenizer, pieces, "Call April 12, 2025, 2:00 pm, without notes", config
    )
    assert alone["attendees"] is None  # nobody named ("without" is no "with"): null stays


@pytest.mark.parametrize("joined_attendees", [True, False])
def test_a_joined_name_keeps_the_list_open(tokenizer, joined_attendees):
    # A model that names Sarah and closes the list at once.
    pieces = {' ["': 60.0, "Sarah": 50.0, '"]': 40.0, '",': 20.0, ' "': 15.0, "team": 10.0}
    text = "End-of-day sync Mar 3, 2025 6pm w/ Sarah + team 45min"
    config = DecodeConfig(joined_attendees=joined_attendees)
    written = _decode_boosted(tokenizer, pieces, text, config, post=False)
    assert written["attendees"] == (["Sarah", "team"] if joined_attendees else ["Sarah"])


def test_joined_names():
    assert joined_names_missing(["Sarah"], "w/ Sarah + team 45min") == {11}
    assert joined_names_missing(["Ana"], "Lunch with Ana and Bo") == {19}
    assert not joined_names_missing(["Ana", "Bo"], "Lunch with Ana, and Bo.")
    assert not joined_names_missing(["Ana"], "Lunch with Ana and then coffee")  # no name


@pytest.mark.parametrize("stated_not_null", [True, False])
def test_a_recurrence_stated_in_a_phrase_is_never_null(tokenizer, stated_not_null):
    pieces = {" null": 60.0}  # a model that would leave everything null
    config = DecodeConfig(stated_not_null=stated_not_null)
    text = "Every Wednesday at 10am status call"
    written = _decode_boosted(tokenizer, pieces, text, config)
    assert written["recurrence"] == ("Every Wednesday" if stated_not_null else None)
    word = _decode_boosted(tokenizer, pieces, "Quarterly review on 15/01/2027 at 2pm", config)
    assert word["recurrence"] is None  # "Quarterly" of the action: the model's call


def test_a_joined_name_with_accents_is_read():
    assert not joined_names_missing(["Zoë", "Renée"], "Lunch w/ Zoë + Renée at noon")
    assert joined_names_missing(["Zoë"], "Lunch w/ Zoë + Renée at noon") == {15}


def test_review_findings_hold():
    # An hour said in words and a time from now stay times after post-processing.
    for text, said, read in [
        ("Dentist tomorrow at quarter to nine", "quarter to nine", "8:45 AM"),
        ("Call back in an hour", "in an hour", "in an hour"),
    ]:
        assert postprocess(json.dumps({"time": said}), text, DecodeConfig())["time"] == read
    # "remote" before a noun describes people, it is no place.
    assert candidates("Weekly sync with the remote team at 3pm").platforms == ()
    assert candidates("Webinar 06 - Jan - 2025 6:00 pm online").platforms == ((32, 38),)


def test_a_greeting_says_no_half_of_the_day():
    text = "Good morning! The plumber visit is Thursday between 1 and 3"
    event = postprocess(json.dumps({"time": "between 1 and 3"}), text, DecodeConfig())
    assert (event["time"], event["duration"]) == ("1:00 PM", "2 hours")


def test_a_range_in_words_is_read_though_no_clock_alone():
    text = "Yoga at Studio 9 on Sunday from ten to eleven thirty"
    event = postprocess(json.dumps({"time": "ten to eleven thirty"}), text, DecodeConfig())
    assert (event["time"], event["duration"]) == ("10:00 AM", "1 hour 30 minutes")


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("next Friday drinks at the pub", "Friday drinks"),  # a copy starts inside a date
        ("Board dinner next Christmas at 7", "Board dinner next"),  # or ends inside one
    ],
)
def test_no_copy_cuts_a_date_expression(text, cut):
    from calendar_ner.decode.copy import action_ends, action_starts, inside_dates

    start, end = text.index(cut), text.index(cut) + len(cut)
    assert start in inside_dates(text) or end in inside_dates(text)
    assert start not in action_starts(text) or end not in action_ends(text)
