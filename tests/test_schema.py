import pytest

from calendar_ner.decode import DecodeConfig, parse_event, postprocess
from calendar_ner.prompt import render_target
from calendar_ner.schema import (
    FIELDS,
    SchemaError,
    canonicalize,
    duration_minutes,
    ground_duration,
    is_date_like,
    is_time_like,
    normalize_date,
    normalize_duration,
    normalize_time,
    respell,
    stated_durations,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10th, May 2025", "10/05/2025"),
        ("2024-02-09", "09/02/2024"),
        ("05 - December - 2023", "05/12/2023"),
        ("May 14, 2024", "14/05/2024"),
        ("21 - Oct - 2023", "21/10/2023"),
        ("12 - Dec - 2023", "12/12/2023"),
        ("22/11/2023", "22/11/2023"),
        ("05/12/2023", "05/12/2023"),  # day first, as in the data
        ("27th Dec, 2025", "27/12/2025"),
        ("1st, Jan 2024", "01/01/2024"),
        ("Friday, March 1, 2024", "01/03/2024"),
        ("March 3rd 2024", "03/03/2024"),
        ("tomorrow", "tomorrow"),  # relative: kept as written
        ("May 10", "May 10"),  # no year: kept, never today's year
        ("next week", "next week"),
        ("Febuary 3, 2026", "03/02/2026"),  # a misspelt month
        ("3rd Septmber 2025", "03/09/2025"),
    ],
)
def test_normalize_date(text, expected):
    assert normalize_date(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("8:15\u202fam", "8:15 AM"),
        ("15:00", "3:00 PM"),
        ("3pm", "3:00 PM"),
        ("9 AM", "9:00 AM"),
        ("12:00 pm", "12:00 PM"),
        ("12am", "12:00 AM"),
        ("0:30", "12:30 AM"),
        ("10.30am", "10:30 AM"),
        ("9:00 a.m.", "9:00 AM"),
        ("noon", "12:00 PM"),
        ("3", "3"),  # a bare number is not a time
        ("25:00", "25:00"),
        ("evening", "evening"),
        ("2:30pm-ish", "2:30 PM"),  # a clock time that ends in "ish"
        ("noonish", "12:00 PM"),
        ("7ish", "7ish"),  # a bare hour stays: bare_hour reads it
    ],
)
def test_normalize_time(text, expected):
    assert normalize_time(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("an hour", "1 hour"),
        ("One hour", "1 hour"),
        ("one-hour", "1 hour"),
        ("full hour", "1 hour"),
        ("45mins", "45 mins"),
        ("45 mins", "45 mins"),
        ("1hr", "1hr"),
        ("30m", "30m"),
        ("an hour and a half", "an hour and a half"),
    ],
)
def test_normalize_duration(text, expected):
    assert normalize_duration(text) == expected


@pytest.mark.parametrize(
    "value, minutes",
    [
        ("45min", 45),
        ("90-minute", 90),
        ("1.5 hrs", 90),
        ("an hour", 60),
        ("1 hour and a half", 90),
        ("one and a half hours", 90),
        ("1hr 30min", 90),
        ("half an hour", 30),  # not 30 + the 60 of "an hour"
        ("a quarter of an hour", 15),
        ("a couple of hours", 120),
        ("forty-five minutes", 45),
        ("twenty five minutes", 25),  # not the 5 of "five minutes"
        ("45m", 45),
        ("all afternoon", None),
        ("30-45 min", None),  # a range is no one amount
        ("2-3 hours", None),
        ("1,000 minutes", None),
        ("1/2 hour", None),
        ("room 4 m", None),  # a bare "m" counts only glued to digits
        ("30 to 45 minutes", None),
        ("1 or 2 hrs", None),
    ],
)
def test_duration_minutes(value, minutes):
    assert duration_minutes(value) == minutes


def test_stated_durations_spell_each_amount_as_labels_do():
    stated = stated_durations("Design jam 3pm for an hour and a half, then 20min break")
    assert set(stated) == {90, 20}
    assert stated[90][:2] == ["1 hour 30 minutes", "1.5 hours"]
    assert {"20 minutes", "20 mins"} <= set(stated[20])
    assert set(stated_durations("Pairing 1hr 30min")) == {60, 30, 90}  # and their sum
    assert set(stated_durations("Pairing 1hr & 30min")) == {60, 30, 90}
    assert stated_durations("Ping Ola for a minute") == {1: ["1 minute", "1 min"]}
    assert stated_durations("Standup at 9:45 in room 12, 3 m east") == {}


def test_an_amount_written_in_hours_is_never_spelled_in_minutes():
    assert stated_durations("Server Room 1, 2 hrs") == {120: ["2 hours", "2 hrs", "2 hr"]}
    assert "90 minutes" not in stated_durations("Pairing 1hr 30min")[90]
    assert "90 minutes" in stated_durations("Pairing for 90 min")[90]  # written in minutes
    assert "60 minutes" in stated_durations("60 minutes, that is an hour")[60]  # both ways
    assert "30 minutes" in stated_durations("Sync 0.5 hours")[30]  # under an hour: minutes
    assert ground_duration("30 minutes", "Sync 0.5 hours tomorrow 3pm") == "30 minutes"


@pytest.mark.parametrize(
    "value, text, expected",
    [
        ("1 hour and a half", "Review for an hour and a half", "1 hour 30 minutes"),
        ("1 and a half hours", "Review for an hour and a half", "1.5 hours"),
        ("90 minute", "Offsite, 90-minute session", "90 minutes"),
        ("1 hours", "Lunch with Ola for an hour", "1 hour"),
        ("25min", "Sync w/ Ola 25min", "25min"),  # a span of the request stays
        ("25 minutes", "Sync w/ Ola 25min", "25 minutes"),  # a label spelling stays
        ("8 minutes", "Sync 08:45 w/ Ola 30min", "8 minutes"),  # an amount never stated stays
        ("all morning", "Retreat all morning", "all morning"),
        ("1 minute", "Ping Ola for a minute", "1 minute"),  # singular stays singular
        ("30-45 minutes", "Sync 30-45 min", "30-45 minutes"),  # a range is never respelled
        ("1 Hour 30 Minutes", "Review for an hour and a half", "1 Hour 30 Minutes"),  # case
        ("15 minutes", "Pairing w/ Ola 10am 1hr 15min", "1hr 15min"),  # half of a two-part amount
        ("2 hours", "Workshop for 2 Hours and 30 minutes", "2 Hours and 30 minutes"),
        ("1 hour 15 minutes", "Pairing w/ Ola 10am 1hr 15min", "1 hour 15 minutes"),
        ("1hr", "Lunch 1hr, 15min walk after", "1hr"),  # a comma parts two amounts
        ("30 min", "Standup 30 min then 1 hr 30 min review", "30 min"),  # the part stands alone
        ("60 min", "Run 60 min 10 min cooldown", "60 min"),  # two parts: hours, then minutes
        ("45 minutes", "Call, 30 to 45 mins", "45 minutes"),  # a range states no amount
        ("1 hour 1 minute", "Slot of 61 minutes", "1 hour 1 minute"),
        (None, "Sync w/ Ola 25min", None),
    ],
)
def test_ground_duration(value, text, expected):
    assert ground_duration(value, text) == expected


def test_postprocess_grounds_the_duration_in_its_request():
    raw = render_target(canonicalize(dict.fromkeys(FIELDS) | {"duration": "1 hour and a half"}))
    assert parse_event(raw)["duration"] == "1 hour and a half"
    request = "Board prep for an hour and a half"
    assert postprocess(raw, request, DecodeConfig())["duration"] == "1 hour 30 minutes"
    off = DecodeConfig(ground_durations=False)
    assert postprocess(raw, request, off)["duration"] == "1 hour and a half"
    assert postprocess("no json", request, DecodeConfig()) is None


def test_canonicalize_rules():
    event = canonicalize(
        {
            "notes": "",
            "action": "  Team   sync ",
            "date": "2024-02-09",
            "time": "15:00",
            "attendees": "Sam",
            "location": " ",
            "duration": "1hr",
            "recurrence": None,
        }
    )
    assert list(event) == list(FIELDS)
    assert event == {
        "action": "Team sync",
        "date": "09/02/2024",
        "time": "3:00 PM",
        "attendees": ["Sam"],
        "location": None,
        "duration": "1hr",
        "recurrence": None,
        "notes": None,
    }
    assert canonicalize({**event, "attendees": []})["attendees"] is None
    assert canonicalize({**event, "attendees": [" Ana ", ""]})["attendees"] == ["Ana"]


@pytest.mark.parametrize(
    "obj, message",
    [
        ({f: None for f in FIELDS} | {"colour": "red"}, "unknown key"),
        ({f: None for f in FIELDS if f != "date"}, "missing key"),
        ({f: None for f in FIELDS} | {"time": 15}, "'time' must be a string"),
        ({f: None for f in FIELDS} | {"attendees": [1]}, "'attendees' must hold strings"),
        (["not", "an", "object"], "must be a JSON object"),
    ],
)
def test_canonicalize_strict_errors(obj, message):
    with pytest.raises(SchemaError, match=message):
        canonicalize(obj)


def test_lenient_canonicalize_and_parse_event():
    event = canonicalize({"action": "Call", "time": 9, "extra": 1}, strict=False)
    assert event["action"] == "Call" and event["time"] == "9" and "extra" not in event
    target = render_target(canonicalize({f: None for f in FIELDS} | {"action": "Call"}))
    assert parse_event(target + " trailing junk {")["action"] == "Call"
    assert parse_event("no json here") is None
    assert parse_event('{"action": "Call"') is None


@pytest.mark.parametrize(
    "value, date_like, time_like",
    [
        ("10/05/2025", True, False),
        ("tomorrow", True, False),
        ("next Friday", True, False),
        ("in two weeks", True, False),  # a date from now in words: plural units count too
        ("in three days", True, False),
        ("5 mars 2025", True, True),  # not read as a date in English, but it has numbers
        ("4th, March 2025", True, False),  # a full date is no time
        ("3:00 PM", False, True),  # a clock time is no date
        ("noon", False, True),
        ("you", False, False),
        ("Marketing", False, False),  # starts like "Mar", is no month
    ],
)
def test_date_and_time_likeness(value, date_like, time_like):
    assert is_date_like(value) is date_like
    assert is_time_like(value) is time_like


def test_a_prediction_loses_a_date_or_time_that_names_none():
    obj = {f: None for f in FIELDS} | {"action": "Call", "date": "you", "time": "HELLO"}
    assert canonicalize(obj, strict=False) == {f: None for f in FIELDS} | {"action": "Call"}
    assert canonicalize(obj | {"date": "9am"}, strict=False)["date"] is None
    assert canonicalize(obj | {"date": "tomorrow"}, strict=False)["date"] == "tomorrow"
    assert canonicalize(obj)["date"] == "you"  # labels are kept as they are


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("wendesday", "wednesday"),  # two letters swapped
        ("thrusday", "thursday"),
        ("Febuary", "february"),  # one dropped
        ("tommorrow", "tomorrow"),  # one added
        ("wensday", "wednesday"),  # two edits in a long name
        ("tommorow", "tomorrow"),
        ("Wednesday", None),  # names and their plurals are no misspellings
        ("Mondays", None),
        ("remember", None),  # two edits from "december", but not its first letters
        ("Sundar", None),  # a weekday ends in "day"
        ("Mondal", None),
        ("sundae", None),
        ("Marsh", None),  # names under six letters are left alone
        ("Junes", None),
    ],
)
def test_a_misspelt_day_or_month_name_reads_as_the_name(word, name):
    assert respell(word) == name


def test_the_eight_keys_are_the_public_contract():
    keys = "action date time attendees location duration recurrence notes"
    assert FIELDS == tuple(keys.split())
