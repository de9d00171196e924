"""calendar_ner.calendar.ics: the iCalendar text parses back with icalendar, carries each field,
skips events without a start, and recurring_ical_events expands the same occurrences as
dateutil (invented requests)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import islice

import pytest
from icalendar import Calendar

from calendar_ner.calendar import resolve, to_ics
from calendar_ner.calendar.ics import event_uid
from calendar_ner.calendar.resolve import iso
from calendar_ner.schema import FIELDS

REF = datetime(2026, 11, 25, 9, 0)
STAMP = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)

EVENTS = [
    (
        "Design review with Priya and Omar tomorrow 3-5pm in Room 4B, bring the mockups",
        {"action": "Design review", "date": "tomorrow", "time": "3-5pm",
         "attendees": ["Priya", "Omar"], "location": "Room 4B", "notes": "bring the mockups"},
    ),
    ("Catch up with Lena sometime soon", {"action": "Catch up", "date": "sometime soon"}),
    (
        "Offsite in Lisbon on 14/01/2027 for 3 days",
        {"action": "Offsite", "date": "14/01/2027", "duration": "3 days", "location": "Lisbon"},
    ),
    (
        "Gym every Monday and Wednesday at 7am for 4 weeks",
        {"action": "Gym", "time": "7:00 AM", "recurrence": "every Monday and Wednesday"},
    ),
    (
        "Server migration on 29/03/2026 at 2:30 AM for 1hr",
        {"action": "Server migration", "date": "29/03/2026", "time": "2:30 AM", "duration": "1hr"},
    ),
]  # fmt: skip


def _items(events=EVENTS, zone="Europe/Berlin", reference=REF):
    items = []
    for text, values in events:
        event = dict.fromkeys(FIELDS) | values
        items.append((text, event, resolve(event, text, reference, zone)))
    return items


def test_one_vevent_per_placed_event_in_order_and_skips_with_a_reason():
    result = to_ics(_items(), stamp=STAMP)
    calendar = Calendar.from_ical(result.text)
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == [
        "Design review",
        "Offsite",
        "Gym",
        "Server migration",
    ]
    assert [position for position, _ in result.skipped] == [1]
    assert "names no calendar day" in result.skipped[0][1]
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {"Europe/Berlin"}
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]


def test_fields_timed_event():
    text, event, resolved = _items()[0]
    vevent = Calendar.from_ical(to_ics([(text, event, resolved)], stamp=STAMP).text).walk("VEVENT")[
        0
    ]
    assert vevent.decoded("DTSTART") == resolved.start
    assert "TZID=Europe/Berlin" in vevent.to_ical().decode()
    assert vevent.decoded("DURATION") == timedelta(hours=2)
    assert str(vevent["LOCATION"]) == "Room 4B"
    assert str(vevent["UID"]) == event_uid(text, resolved)
    assert vevent.decoded("DTSTAMP") == STAMP
    assert "bring the mockups" in str(vevent["DESCRIPTION"])
    attendees = vevent["ATTENDEE"]
    assert [a.params["CN"] for a in attendees] == ["Priya", "Omar"]
    assert all(str(a).startswith("urn:uuid:") for a in attendees)


def test_all_day_uses_value_date_and_an_exclusive_dtend():
    text, event, resolved = _items()[2]
    body = to_ics([(text, event, resolved)], stamp=STAMP).text
    assert "DTSTART;VALUE=DATE:20270114" in body and "DTEND;VALUE=DATE:20270117" in body


def test_uids_are_stable():
    first, second = (to_ics(_items()[:1], stamp=STAMP).text for _ in range(2))
    assert first == second


@pytest.mark.parametrize(
    ("zone", "reference", "text", "values"),
    [
        ("Europe/Berlin", REF, *EVENTS[3]),
        (
            "Europe/Berlin",
            REF,
            "Town hall on the last Friday of each month at 4pm until June",
            {"action": "Town hall", "time": "4:00 PM", "recurrence": "last Friday of each month"},
        ),
        (
            "Europe/Berlin",
            REF,
            "Water the plants every 3 days",
            {"action": "Water the plants", "recurrence": "every 3 days"},
        ),
        (
            "America/New_York",
            datetime(2026, 3, 6, 10),
            "Night backup every Sunday at 2:30am",
            {"action": "Night backup", "time": "2:30 AM", "recurrence": "every Sunday"},
        ),
        (
            "America/New_York",
            datetime(2026, 3, 6, 10),
            "Weekly sync every Saturday at 9am",
            {"action": "sync", "time": "9:00 AM", "recurrence": "every Saturday"},
        ),
    ],
)
def test_round_trip_expands_the_same_occurrences(zone, reference, text, values):
    recurring_ical_events = pytest.importorskip("recurring_ical_events")
    ((_, event, resolved),) = _items([(text, values)], zone, reference)
    assert resolved.rrule
    calendar = Calendar.from_ical(to_ics([(text, event, resolved)], stamp=STAMP).text)
    start = resolved.start if resolved.all_day else resolved.start.date()
    expanded = islice(recurring_ical_events.of(calendar).after(start), 6)
    found = [e.decoded("DTSTART") for e in expanded]

    def same(value: datetime | date) -> str:
        return iso(value) if isinstance(value, datetime) else value.isoformat()

    assert [same(o) for o in found] == [same(o) for o in resolved.occurrences(6)]
