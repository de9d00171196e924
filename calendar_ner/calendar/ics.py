"""Resolved events as iCalendar (RFC 5545) text, written with the ``icalendar`` library: one
VCALENDAR holding a VEVENT per placed event, in order, plus the VTIMEZONE components they use.

Attendees have names but no addresses; each becomes ``ATTENDEE;CN=<name>:urn:uuid:<uuid5 of the
name>``, a valid calendar address (RFC 5545 CAL-ADDRESS is any URI) that no client can mail.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from icalendar import Calendar, Event, vCalAddress, vRecur, vText

from calendar_ner.calendar.resolve import Resolved, iso, parse_duration

NAMESPACE = uuid.UUID("4f0c52b6-6a55-5a51-9a7e-2f3f0a6c1e18")
PRODID = "-//calendar_ner//calendar-ready events//EN"


@dataclass(frozen=True)
class IcsResult:
    """The calendar text and the events left out of it: (position, reason)."""

    text: str
    skipped: list[tuple[int, str]] = field(default_factory=list)


def event_uid(text: str, resolved: Resolved) -> str:
    """A stable UID: uuid5 of the request text and the resolved start."""
    return str(uuid.uuid5(NAMESPACE, f"{text}\n{iso(resolved.start)}"))


def _attendee(name: str) -> vCalAddress:
    address = vCalAddress(f"urn:uuid:{uuid.uuid5(NAMESPACE, name)}")
    address.params["CN"] = vText(name)
    return address


def _vevent(text: str, event: dict, resolved: Resolved, stamp: datetime) -> Event:
    vevent = Event()
    vevent.add("uid", event_uid(text, resolved))
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", resolved.start)
    if resolved.all_day and resolved.end is not None:
        vevent.add("dtend", resolved.end)
    elif not resolved.all_day and resolved.duration:
        vevent.add("duration", parse_duration(resolved.duration))
    for key, prop in (("action", "summary"), ("location", "location")):
        if isinstance(event.get(key), str) and event[key].strip():
            vevent.add(prop, event[key])
    for name in event.get("attendees") or []:
        if isinstance(name, str) and name.strip():
            vevent.add("attendee", _attendee(name), encode=False)
    if resolved.rrule:
        vevent.add("rrule", vRecur.from_ical(resolved.rrule))
    notes = [event["notes"]] if isinstance(event.get("notes"), str) else []
    if description := "\n".join(notes + resolved.notes):
        vevent.add("description", description)
    return vevent


def to_ics(
    items: Iterable[tuple[str, dict, Resolved]], *, stamp: datetime | None = None
) -> IcsResult:
    """One VCALENDAR for ``(request text, 8-key event, resolved)`` items, a VEVENT each, in
    order. An item without a start is left out, with its notes as the reason. ``stamp`` is the
    DTSTAMP (default: now, UTC)."""
    stamp = (stamp or datetime.now(timezone.utc)).astimezone(timezone.utc)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    skipped = []
    for position, (text, event, resolved) in enumerate(items):
        if resolved.start is None:
            skipped.append((position, "; ".join(resolved.notes) or "no start"))
            continue
        calendar.add_component(
            _vevent(text, event if isinstance(event, dict) else {}, resolved, stamp)
        )
    calendar.add_missing_timezones()
    return IcsResult(calendar.to_ical().decode(), skipped)
