import pytest

from calendar_ner.prompt import parse_output, render_target
from calendar_ner.schema import (
    FIELDS,
    SchemaError,
    canonicalize,
    normalize_date,
    normalize_duration,
    normalize_time,
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


def test_lenient_canonicalize_and_parse_output():
    event = canonicalize({"action": "Call", "time": 9, "extra": 1}, strict=False)
    assert event["action"] == "Call" and event["time"] == "9" and "extra" not in event
    target = render_target(canonicalize({f: None for f in FIELDS} | {"action": "Call"}))
    assert parse_output(target + " trailing junk {")["action"] == "Call"
    assert parse_output("no json here") is None
    assert parse_output('{"action": "Call"') is None


def test_the_eight_keys_are_the_public_contract():
    keys = "action date time attendees location duration recurrence notes"
    assert FIELDS == tuple(keys.split())
