"""Calendar-ready events: resolve an 8-key event to a start, end, duration and RRULE in a time
zone (:func:`resolve`), and write events as iCalendar (:func:`to_ics`). Model-free and quick to
import."""

from calendar_ner.calendar.ics import IcsResult, to_ics
from calendar_ner.calendar.resolve import Resolved, resolve
from calendar_ner.calendar.rrule import Rule, occurrences, to_rrule

__all__ = ["IcsResult", "Resolved", "Rule", "occurrences", "resolve", "to_ics", "to_rrule"]
