"""Entity swap: replace one field's value in the text by another value, and in the label too."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

from calendar_ner.data.augment.pools import EntityPools, has_word
from calendar_ner.data.augment.templates import date_surface, time_surface
from calendar_ner.schema import Event, location_kind
from calendar_ner.spans import Span, date_spans, time_spans

SWAP_FIELDS = ("action", "date", "time", "attendees", "location", "duration", "recurrence", "notes")
_FIRST_DAY, _DAYS = date(2023, 1, 1), (date(2027, 12, 31) - date(2023, 1, 1)).days


def random_date(rng: random.Random) -> str:
    """A ``DD/MM/YYYY`` date in 2023–2027."""
    return (_FIRST_DAY + timedelta(days=rng.randint(0, _DAYS))).strftime("%d/%m/%Y")


def random_time(rng: random.Random) -> str:
    """An ``H:MM AM/PM`` time between 6 am and 9:45 pm on a 5- or 15-minute grid."""
    hour = rng.randint(6, 21)
    if rng.random() < 0.8:
        minute = rng.choice((0, 0, 0, 15, 30, 30, 45))
    else:
        minute = rng.randrange(0, 60, 5)
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def _word(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(value)}(?!\w)")


def _single_span(spans: list[Span]) -> Span | None:
    """The longest span, provided every other span lies inside it (one mention)."""
    if not spans:
        return None
    start, end = max(spans, key=lambda s: s[1] - s[0])
    return (start, end) if all(start <= s and e <= end for s, e in spans) else None


def _swap_date_time(
    text: str, event: Event, field: str, rng: random.Random
) -> tuple[str, Event] | None:
    value = event[field]
    if field == "date":
        span = _single_span(date_spans(text, value, date_words_only=True))
        new, surface = random_date(rng), date_surface
    else:
        span = _single_span(time_spans(text, value))
        new, surface = random_time(rng), time_surface
    if span is None or new == value:
        return None
    return text[: span[0]] + surface(new, rng) + text[span[1] :], {**event, field: new}


def _candidates(field: str, old: str, text: str, event: Event, pools: EntityPools) -> list[str]:
    lowered = text.lower()
    options = [v for v in pools.for_field(field) if v != old and v.lower() not in lowered]
    if field == "location":
        options = [v for v in options if location_kind(v) == location_kind(old)]
    if field == "recurrence":
        options = [v for v in options if (" " in v) == (" " in old)]
        if has_word(old, event["action"]):  # the new word lands in the action too
            options = [v for v in options if v.lower() not in pools.unlabelled_in_action]
    return options


def swap(
    text: str, event: Event, field: str, pools: EntityPools, rng: random.Random
) -> tuple[str, Event] | None:
    """Replace ``field``'s value (mentioned exactly once, as a whole word) by another value.

    Returns the new ``(text, event)``, or None when the value is not mentioned exactly once or
    there is nothing to swap in. Another label that contains the old value as a whole word (the
    "Weekly" of action "Weekly check-in") is updated the same way.
    """
    value = event.get(field)
    if not value:
        return None
    if field in ("date", "time"):
        return _swap_date_time(text, event, field, rng)
    olds = list(value) if field == "attendees" else [value]
    old = rng.choice(olds)
    matches = list(_word(old).finditer(text))
    options = _candidates(field, old, text, event, pools)
    if len(matches) != 1 or not options:
        return None
    new = rng.choice(options)
    start, end = matches[0].span()
    if text[:start].lower().endswith("the ") and new.lower().startswith("the "):
        new = new[4:]
    if start == 0 and old[:1].isupper():
        new = new[:1].upper() + new[1:]
    pattern = _word(old)
    updated = dict(event)
    for key, current in event.items():
        if key in ("date", "time") or current is None:
            continue
        if isinstance(current, list):
            updated[key] = [new if item == old else item for item in current]
        else:
            updated[key] = pattern.sub(lambda _: new, current)
    return text[:start] + new + text[end:], updated
