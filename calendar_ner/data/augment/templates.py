"""Render an event as a request text: random date/time surface forms, phrasings and word orders.

Dates and times get a surface form that normalizes back to the canonical value; every other value
is copied verbatim, so the event stays the exact label of the rendered text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date, datetime

from calendar_ner.schema import Event, location_kind, normalize_date, normalize_time

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_CANON_TIME = re.compile(r"(\d{1,2}):(\d{2}) ([AP])M")


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _month(d: date, rng: random.Random) -> str:
    name = _MONTHS[d.month - 1]
    return rng.choice((name, name[:3]))


DATE_FORMATS: dict[str, Callable[[date, random.Random], str]] = {
    "ordinal_comma_month": lambda d, r: f"{_ordinal(d.day)}, {_month(d, r)} {d.year}",
    "ordinal_month_comma": lambda d, r: f"{_ordinal(d.day)} {_month(d, r)}, {d.year}",
    "iso": lambda d, r: d.isoformat(),
    "dashed": lambda d, r: f"{d.day:02d} - {_month(d, r)} - {d.year}",
    "month_day_year": lambda d, r: f"{_month(d, r)} {d.day}, {d.year}",
    "slash_day_first": lambda d, r: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "day_month_year": lambda d, r: f"{d.day} {_month(d, r)} {d.year}",
    "weekday_month_day_year": (
        lambda d, r: f"{_WEEKDAYS[d.weekday()]}, {_month(d, r)} {d.day}, {d.year}"
    ),
}


def _h12(hour: int) -> int:
    return hour % 12 or 12


def _ap(hour: int) -> str:
    return "am" if hour < 12 else "pm"


def _hm(hour: int, minute: int, *, drop_zero: bool) -> str:
    return f"{_h12(hour)}" if drop_zero and minute == 0 else f"{_h12(hour)}:{minute:02d}"


# Each takes a 24-hour (hour, minute); None where the form does not exist for that time.
TIME_FORMATS: dict[str, Callable[[int, int], str | None]] = {
    "compact": lambda h, m: f"{_hm(h, m, drop_zero=True)}{_ap(h)}",
    "spaced_lower": lambda h, m: f"{_hm(h, m, drop_zero=False)} {_ap(h)}",
    "spaced_upper": lambda h, m: f"{_hm(h, m, drop_zero=True)} {_ap(h).upper()}",
    "canonical": lambda h, m: f"{_hm(h, m, drop_zero=False)} {_ap(h).upper()}",
    "narrow_space": lambda h, m: f"{_hm(h, m, drop_zero=False)}\u202f{_ap(h)}",
    "24h": lambda h, m: f"{h:02d}:{m:02d}",
    "24h_unpadded": lambda h, m: f"{h}:{m:02d}",
    "dotted": lambda h, m: f"{_hm(h, m, drop_zero=True)} {_ap(h)[0]}.m.",
    "named": lambda h, m: "noon" if (h, m) == (12, 0) else None,
}


def date_surface(value: str, rng: random.Random, fmt: str | None = None) -> str:
    """A surface form of a ``DD/MM/YYYY`` date (``value`` itself when it is not one)."""
    try:
        d = datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        return value
    text = DATE_FORMATS[fmt or rng.choice(list(DATE_FORMATS))](d, rng)
    return text if normalize_date(text) == value else value


def time_surface(value: str, rng: random.Random, fmt: str | None = None) -> str:
    """A surface form of an ``H:MM AM/PM`` time (``value`` itself when it is not one)."""
    match = _CANON_TIME.fullmatch(value)
    if not match:
        return value
    hour, minute = int(match[1]) % 12 + (12 if match[3] == "P" else 0), int(match[2])
    if fmt is None:
        options = [f(hour, minute) for f in TIME_FORMATS.values()]
        text = rng.choice([t for t in options if t])
    else:
        text = TIME_FORMATS[fmt](hour, minute) or value
    return text if normalize_time(text) == value else value


def join_names(names: list[str], rng: random.Random) -> str:
    """Join names: "Ann & Bo", "Ann + Bo", "Ann, Bo, and Cy", "Ann, Bo and Cy", "Ann, Bo, Cy"."""
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return rng.choice((" and ", " & ", " + ", ", ")).join(names)
    head, last = ", ".join(names[:-1]), names[-1]
    return rng.choice(
        (f"{head}, and {last}", f"{head} and {last}", f"{head}, {last}", " + ".join(names))
    )


def _pick(rng: random.Random, options: tuple[str, ...], value: str) -> str:
    return rng.choice(options).format(value)


def _location_phrase(location: str, terse: bool, rng: random.Random) -> str:
    kind = location_kind(location)
    if kind == "platform":
        options = ("{}", "on {}", "via {}") if terse else ("on {}", "via {}", "over {}", "using {}")
    elif kind == "virtual":
        options = ("{}",) if terse else ("{}", "({})")
    else:
        options = ("{}", "at {}", "@ {}") if terse else ("at {}", "in {}", "@ {}")
        if location[0].islower() and not location.startswith(("the ", "my ", "our ")):
            options += ("at the {}",)
    return _pick(rng, options, location)


def _recurrence_phrase(recurrence: str, terse: bool, rng: random.Random) -> str:
    if " " in recurrence:
        return _pick(rng, ("{}", "repeating {}", "({})"), recurrence)
    options = ("{}", "({})") if terse else ("({})", "recurring {}", "repeats {}", "{}")
    return _pick(rng, options, recurrence)


def _phrases(event: Event, terse: bool, rng: random.Random) -> dict[str, str]:
    """One phrase per non-null field, keyed by field name."""
    out: dict[str, str] = {}
    if event["action"]:
        out["action"] = event["action"]
    if event["date"]:
        d = date_surface(event["date"], rng)
        if d == event["date"] and not d[:1].isdigit():  # "tomorrow", "next Friday"
            options = ("on {}", "{}") if d.split()[0] in _WEEKDAYS else ("{}",)
            out["date"] = _pick(rng, options, d)
        else:
            out["date"] = d if terse else _pick(rng, ("on {}", "on {}", "{}"), d)
    if event["time"]:
        t = time_surface(event["time"], rng)
        options = (
            ("{}", "{}", "@ {}", "at {}")
            if terse
            else ("at {}", "at {}", "{}", "around {}", "starting {}", "from {}", "@ {}")
        )
        out["time"] = _pick(rng, options, t)
    if event["attendees"]:
        names = join_names(event["attendees"], rng)
        options = ("w/ {}", "{}", "with {}") if terse else ("with {}", "with {}", "w/ {}")
        out["attendees"] = _pick(rng, options, names)
    if event["location"]:
        out["location"] = _location_phrase(event["location"], terse, rng)
    if event["duration"]:
        options = (
            ("{}", "{}", "for {}", "({})")
            if terse
            else ("for {}", "lasting {}", "for about {}", "({})", "- {}")
        )
        out["duration"] = _pick(rng, options, event["duration"])
    recurrence = event["recurrence"]
    if recurrence and recurrence.lower() not in (event["action"] or "").lower():
        out["recurrence"] = _recurrence_phrase(recurrence, terse, rng)
    if event["notes"]:
        options = (
            ("({})", "- {}", "note: {}")
            if terse
            else ("Note: {}", "({})", "- {}", "notes: {}", "re: {}")
        )
        out["notes"] = _pick(rng, options, event["notes"])
    return out


def _order(phrases: dict[str, str], rng: random.Random) -> list[str]:
    """Field order: action first most of the time, else the date or time leads."""
    rest = [f for f in phrases if f not in ("action", "notes")]
    rng.shuffle(rest)
    if "date" in rest and "time" in rest and rng.random() < 0.6:
        rest.remove("time")
        rest.insert(rest.index("date") + 1, "time")
    order = list(rest)
    if "action" in phrases:
        roll = rng.random()
        lead = [f for f in ("date", "time") if f in rest]
        if roll < 0.7 or not lead:
            order.insert(0, "action")
        else:  # "July 30, 2025 11am review budget …" / "12:30 pm brainstorming …"
            first = lead[0] if roll < 0.85 else lead[-1]
            order.remove(first)
            order[:0] = [first, "action"]
    if "notes" in phrases:
        order.insert(len(order) if rng.random() < 0.7 else rng.randint(1, len(order)), "notes")
    return order


def render(event: Event, rng: random.Random) -> str:
    """A request text whose label is exactly ``event`` (a canonical event)."""
    terse = rng.random() < 0.45
    phrases = _phrases(event, terse, rng)
    text = ""
    for i, field in enumerate(_order(phrases, rng)):
        phrase = phrases[field]
        if i:
            comma = 0.1 if terse else 0.3
            text += ", " if rng.random() < comma and not phrase.startswith(("(", "-")) else " "
        text += phrase
    if not terse and not text.endswith(".") and rng.random() < 0.55:
        text += "."
    return text
