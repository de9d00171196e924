"""Decoded text → the event a user gets: the one place post-processing happens.

Every path that turns model output into an event calls :func:`postprocess`: the Python API and
CLI (:mod:`calendar_ner.extract`), the REST server, validation/test metrics and ``predict``
(:mod:`calendar_ner.models.module`) and the benchmarks.

    >>> raw = '{"action": "Sync", "duration": "1 hour and a half"}'
    >>> postprocess(raw, "Sync for an hour and a half", DecodeConfig())["duration"]
    '1 hour 30 minutes'
    >>> event = postprocess('{"time": "3-5pm"}', "Office hours 3-5pm", DecodeConfig())
    >>> event["time"], event["duration"]
    ('3:00 PM', '2 hours')
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from calendar_ner import languages
from calendar_ner.date_ranges import date_ranges, days_spelling
from calendar_ner.decode.config import DecodeConfig
from calendar_ner.decode.copy import is_fragment
from calendar_ner.decode.types import (
    WITH,
    date_expressions,
    is_frequency_word,
    leads,
    length_spans,
    recurrence_expressions,
    time_expressions,
    written_lengths,
)
from calendar_ner.schema import (
    CALENDAR_WORDS,
    Event,
    bare_hour,
    canonicalize,
    duration_spelling,
    ground_duration,
    normalize_date,
    stated_durations,
    time_ranges,
)
from calendar_ner.spans import copied, fold
from calendar_ner.styles import glued_as_written, spell_out_glued, spells_out_glued_units
from calendar_ner.words import MONTHS


def _object(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text``, as written."""
    start = text.find("{")
    if start < 0:
        return None
    try:
        obj, _ = json.JSONDecoder().raw_decode(text[start:])
    except json.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None


def parse_event(text: str) -> Event | None:
    """The canonical event in generated ``text``; None when it holds no JSON object.

    Trailing text after the first complete object is ignored (free-form models often run on).
    """
    obj = _object(text)
    return None if obj is None else canonicalize(obj, strict=False)


def read_time(written: str, event: Event, request: str, config: DecodeConfig) -> None:
    """Set ``event``'s time (and a missing duration) from a time ``written`` as a range of the
    request or its first part (``time_ranges``), or as a bare hour (``bare_hours``; in English
    with its minutes too: "tonight at 7:30" is 7:30 PM).

    >>> event = postprocess('{"time": "7:30"}', "Yoga class tonight at 7:30", DecodeConfig())
    >>> event["time"], postprocess('{"time": "7:30"}', "Yoga at 7:30", DecodeConfig())["time"]
    ('7:30 PM', '7:30 PM')
    >>> postprocess('{"time": "07:30"}', "Yoga at 07:30", DecodeConfig())["time"]
    '7:30 AM'
    """
    lang = languages.detect(request)
    if config.time_ranges:
        text = " ".join(request.split())
        ranges = time_ranges(text)
        if lang != "en":  # "de 14h à 16h": its length in the request's language, "2 heures"
            ranges = [*languages.time_ranges(text, lang), *ranges]
        for found in ranges:
            if fold(written.strip()) in (fold(found.first), fold(found.text)):
                event["time"] = found.time
                if event["duration"] is None:
                    event["duration"] = (
                        duration_spelling(found.minutes)
                        if lang == "en"
                        else languages.duration_spelling(found.minutes, lang)
                    )
                return
    if config.bare_hours and event["time"] is not None:
        # An English "7:30" as written, before it became "7:30 AM"; other languages write a
        # 24-hour clock.
        written = written.strip()
        read = bare_hour(written, request) if lang == "en" else written
        event["time"] = read if read != written else bare_hour(event["time"], request)


def read_date(written: str, event: Event, request: str) -> None:
    """Set ``event``'s date (and the missing duration of an all-day, one-off event) from a date
    ``written`` as a range of days of the request or its first day (``date_ranges``).

    >>> event = postprocess('{"date": "May 14-16, 2027"}', "Expo May 14-16, 2027", DecodeConfig())
    >>> event["date"], event["duration"]
    ('14/05/2027', '3 days')
    """
    text = " ".join(request.split())
    value = fold(written.strip())
    for found in date_ranges(text):
        # Its first day alone, only where the request writes that day nowhere else ("Dentist
        # May 14, offsite May 14-16": the dentist's "May 14" is no range).
        alone = fold(text[: found.start] + " " + text[found.end :]).count(value) == 0
        if value == fold(found.text) or (value == fold(found.first or found.text) and alone):
            event["date"] = normalize_date(found.date)
            if event["duration"] is None and event["time"] is None and not event["recurrence"]:
                event["duration"] = days_spelling(found.days)
            return


def _drop_broken_copies(event: Event, request: str, config: DecodeConfig) -> None:
    """Drop a copied location, attendee or note that is not a whole-word span of the request (a
    string the decoder had to close mid-word when nothing could go on: "Te" of "Teams"), a
    location or attendee that is a fragment of a phrase ("a", "cap it at":
    :func:`calendar_ner.decode.copy.is_fragment`), and an attendee listed again (no dev label
    repeats one)."""
    folded = fold(" ".join(request.split()))

    def whole(value: str) -> bool:
        return copied(f' "{value}"', folded) and not is_fragment(value)

    if "location" in config.copy_fields and event["location"]:
        if not whole(event["location"]):
            event["location"] = None
    if "attendees" in config.copy_fields and event["attendees"]:
        event["attendees"] = [n for n in event["attendees"] if whole(n)] or None
    if event["attendees"]:  # one person once ("Mr. Dlamini" four times), case aside
        kept: dict[str, str] = {}
        for name in event["attendees"]:
            kept.setdefault(fold(name), name)
        event["attendees"] = list(kept.values())
    if "notes" in config.copy_fields and event["notes"]:  # "th" of "thx"
        if not copied(f' "{event["notes"]}"', folded):
            event["notes"] = None


# Days and pronouns, which no attendee is ("w/ HR, Tues 2pm", "they said it takes 3 hours"):
# weekdays and their abbreviations, the days named relative to today, personal pronouns.
_NO_ONE = frozenset(w for w in CALENDAR_WORDS if w not in MONTHS and len(w) > 3) | frozenset(
    "today tonight tomorrow tmrw tmr tue tues thu thur thurs fri".split()
    + "i me you he him she her it we us they them".split()
)  # not "Sun", "Wed", "Sat", "Mon": names too


# Words for a kind of place or business, which end a place's name and no person's ("Smile
# Dental", "school hall", "Rosie's Bakery"; "Hall", "Park" and "Court" in capitals are surnames
# too): no dev attendee label ends in one, 139 dev location labels do.
_PLACE_KIND = re.compile(
    r"(?i:bakery|dental|clinic|cafe|café|gym|studio|cent(?:er|re)|library|school|hospital"
    r"|restaurant|pub|hotel|salon|shop|store|museum|theat(?:er|re)|stadium|arena|station"
    r"|airport|lounge|auditorium|pharmacy|venue)|(?:hall|park|court)",
)


def is_place(name: str) -> bool:
    """Whether ``name`` ends in a word for a kind of place (:data:`_PLACE_KIND`), so names a
    place, not a person ("Smile Dental", "school hall"; not "Jordan Hall")."""
    last = re.findall(r"[\w'’]+", name)
    return bool(last) and _PLACE_KIND.fullmatch(last[-1]) is not None


def _met(name: str, request: str) -> bool:
    """Whether ``request`` writes ``name`` right after "with" or "w/" (:data:`WITH`): whom the
    event is with ("Call with Bright Dental", "Lunch w/ Maria Arena"), whatever its last word."""
    written = re.compile(rf"{re.escape(name)}(?!\w)", re.IGNORECASE)
    return any(written.match(request, m.end()) for m in WITH.finditer(request))


def _named_after(name: str, location: str | None, request: str) -> bool:
    """Whether ``location`` is a place named after ``name`` ("Luigi’s Trattoria", "Manager's
    Office") and ``request`` writes the name nowhere else: whom a place is named after is no
    attendee (none of the 6 dev requests with such a name labels it one). "Dinner at Sarah's"
    or "Mia's joining" keep theirs."""
    owner = rf"(?<!\w){re.escape(name)}(?=['’]s\s+\w)"
    if not location or not re.search(owner, location, re.IGNORECASE):
        return False
    found = list(re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", request, re.IGNORECASE))
    return all(re.match(r"['’]s\s+\w", request[m.end() :]) for m in found)


def _without_article(name: str) -> str:
    """``name`` folded, without a leading "the" ("the Johnsons" and "Johnsons" are one)."""
    return re.sub(r"^the\s+", "", fold(name))


def typed_note(note: str | None, duration: str | None, request: str = "") -> str | None:
    """``note``, or None where it states the event's length, the amount of ``duration`` ("keep
    it an hour", "for 2 hours" beside a duration of 1 or 2 hours): those words are the
    duration's. A length written as a compound adjective describes the event and may stay
    ("one-hour walk"), as may another amount ("remind me 15 minutes before"). A note that is
    only the amount of a lead of the ``request`` is the whole lead: "10 minutes" alone would
    read as a length. None of the 9 dev notes states its row's length or is a lead's amount
    (``benchmarks/label_audit.py``, ``typed_rules.typed_copies``).

    >>> typed_note("keep it an hour", "1 hour"), typed_note("one-hour walk", "1 hour")
    (None, 'one-hour walk')
    >>> typed_note("10 minutes", None, "Dentist at 3pm, remind me 10 minutes before")
    '10 minutes before'
    """
    if not note:
        return note
    if duration:
        amounts = set(stated_durations(duration))
        if any(amounts & set(stated_durations(w)) for w in written_lengths(note)):
            return None
    text = " ".join(request.split())
    whole = [lead for lead in leads(text) if fold(lead).startswith(fold(note) + " ")]
    return whole[0] if whole else note


def note_apart(
    note: str | None, event: Event, when: Sequence[object] = (), request: str = ""
) -> str | None:
    """``note``, or None where it is a lone function word ("a") or holds or lies inside the
    event's action, location or an attendee ("lunch" beside the action "lunch", "w/ Marta"
    beside the attendee "Marta", "Lantern Café" of the location "Paper Lantern Café"), runs
    up to an attendee in the ``request`` ("my sis" of "w/ my sis Nora": it describes her) or
    holds the event's date and time as the request writes them (``when``, those that are
    given: "can you block 2pm on 1 Oct for a call") or is one of them ("the day after
    tomorrow"): each word of a request belongs to one field. A note that repeats only one of
    them may stay ("Party Friday at 9, bring 9 chairs", "send the deck by Friday"). None of
    the 9 dev notes does (``benchmarks/label_audit.py``, ``typed_rules.typed_copies``).

    >>> event = {"action": "lunch", "location": None, "attendees": ["Marta"]}
    >>> note_apart("w/ Marta", event), note_apart("bring the slides", event)
    (None, 'bring the slides')
    >>> note_apart("block 2pm Friday for it", event, ("Friday", "2pm"))
    >>> note_apart("bring 2 chairs", event, ("Friday", "2"))
    'bring 2 chairs'
    """
    if not note or (len(note.split()) == 1 and is_fragment(note)):
        return None
    mine = fold(note)
    given = [fold(w) for w in when if isinstance(w, str) and w]
    if given and (all(copied(f' "{w}"', mine) for w in given) or mine in given):
        return None
    folded = fold(" ".join(request.split()))
    if any(copied(f' "{mine} {fold(name)}"', folded) for name in event["attendees"] or []):
        return None
    for value in (event["action"], event["location"], *(event["attendees"] or [])):
        theirs = fold(value or "")
        if theirs and (copied(f' "{theirs}"', mine) or copied(f' "{mine}"', theirs)):
            return None
    return note


def action_without_attendees(action: str | None, attendees: list[str] | None) -> str | None:
    """``action`` without the attendees it ends with, and the "with"/"w/"/"and" before them:
    no dev label's action holds one of its attendees (``benchmarks/label_audit.py``,
    ``typed_rules.outside_action``), so the model kept a name in the action. A trailing
    "with"/"w/"/"and"/"&" goes too, names cut or not: no dev label's action ends in one.

    >>> action_without_attendees("Meet Omar", ["Omar"])
    'Meet'
    >>> action_without_attendees("Run with Megan and Jo", ["Megan", "Jo"])
    'Run'
    >>> action_without_attendees("Alex's farewell", ["Alex"])
    "Alex's farewell"
    >>> action_without_attendees("Catch up with", None)
    'Catch up'
    """
    if not action:
        return action
    cut = action
    if names := "|".join(re.escape(n) for n in sorted(attendees or [], key=len, reverse=True)):
        tail = rf"(?:[\s,]+(?:(?:with|w/|and|&|\+)\s+)?(?:{names}))+\s*$"
        cut = re.sub(tail, "", action, flags=re.IGNORECASE).rstrip(" ,")
    cut = re.sub(r"\s+(?:with|w/|and|&)$", "", cut, flags=re.IGNORECASE)
    return cut or action


# What may follow a location and start a purpose ("for dinner", "to discuss the plan"): not an
# amount, a length or a time ("for 2 hours", "for an hour", "to 5pm").
_PURPOSE = re.compile(
    r"\s+(?:for|to)\s+(?!(?:an?|one|two|three|four|five|half|about|around|over|the\s+next)\b)"
    r"(?P<purpose>[a-z][\w'-]*(?:\s+[\w'-]+)*?)\s*(?:[,.;!?]|$|\s(?:with|w/)\s)",
)


def purpose_note(location: str | None, request: str) -> str | None:
    """The purpose ``request`` states right after its ``location``, up to the next comma, full
    stop or "with", as written: "brunch" of "Meet Ana at Harbor Diner for brunch, 1 hour". None
    when there is none, or when that phrase holds a date, time, length or recurrence of the
    request ("for my birthday on Saturday", "for the weekend", "for brunch weekly").

    >>> purpose_note("atrium", "Meet Bo at the atrium to plan the fair.")
    'plan the fair'
    >>> purpose_note("the gym", "Run at the gym for an hour") is None
    True
    """
    if not location or languages.detect(request) != "en":
        return None
    text = " ".join(request.split())
    place = rf"(?<!\w){re.escape(fold(location))}(?!\w)"
    found = [m for at in re.finditer(place, fold(text)) if (m := _PURPOSE.match(text, at.end()))]
    if not found:
        return None
    taken = [*date_expressions(text), *time_expressions(text)]
    taken += [*recurrence_expressions(text), *length_spans(text)]
    for m in found:
        start, end = m.span("purpose")
        if not any(s < end and start < e for s, e in taken):
            return m["purpose"]
    return None


def postprocess(raw: str, request: str, config: DecodeConfig) -> Event | None:
    """The event in ``raw`` (None when it holds none; dates and times read the way the request's
    language writes them: :mod:`calendar_ner.languages`), its values tidied as ``config`` says:
    a time that is a range or a bare hour is read as one (:func:`read_time`), so is a date
    that is a range of days (:func:`read_date`), with
    ``ground_durations`` a duration the ``request`` never writes is respelled the way the
    labels spell the amount it states, with ``style_conventions`` a glued duration is
    spelled out where the labels of the request's style do and kept as written where they
    copy it, with ``location_article`` a
    location loses a leading lower-case "the", with ``people_attendees`` an attendee that is
    the location is dropped, with ``typed_copies`` a note that states the event's length or
    repeats another field is dropped, with ``action_without_attendees`` the action
    loses the attendees it ends with, with ``lower_frequency`` a recurrence that is a
    frequency word is written in lower case, and with ``purpose_notes`` a null note becomes
    the purpose stated after the location."""
    obj = _object(raw)
    if obj is None:
        return None
    event = canonicalize(obj, strict=False, local=languages.detect(request) != "en")
    if isinstance(obj.get("time"), str):  # "ten to eleven thirty": a range, no clock alone
        read_time(obj["time"], event, request, config)
    if config.date_ranges and event["date"] is not None and isinstance(obj.get("date"), str):
        read_date(obj["date"], event, request)
    if config.ground_durations:
        event["duration"] = ground_duration(event["duration"], request)
    if config.style_conventions and event["duration"]:
        if spells_out_glued_units(request):
            event["duration"] = spell_out_glued(event["duration"])
        else:
            event["duration"] = glued_as_written(event["duration"], request)
    _drop_broken_copies(event, request, config)
    if config.people_attendees and event["attendees"]:
        places = [n for n in event["attendees"] if is_place(n) and not _met(n, request)]
        if places and event["location"] is None:  # "Dentist 9am Smile Dental": the place
            event["location"] = places[0]
        place = _without_article(event["location"] or "")
        event["attendees"] = [
            n
            for n in event["attendees"]
            if n not in places
            and _without_article(n) != place
            and fold(n) not in _NO_ONE
            and not _named_after(n, event["location"], request)
        ] or None
    if config.location_article and event["location"] and event["location"].startswith("the "):
        event["location"] = event["location"][4:]
    if config.action_without_attendees:
        event["action"] = action_without_attendees(event["action"], event["attendees"])
    if config.lower_frequency and event["recurrence"] and is_frequency_word(event["recurrence"]):
        event["recurrence"] = event["recurrence"].lower()
    if config.typed_copies:
        event["notes"] = typed_note(event["notes"], event["duration"], request)
        when = (obj.get("date"), obj.get("time"))  # as the request writes them
        event["notes"] = note_apart(event["notes"], event, when, request)
    if config.purpose_notes and event["notes"] is None:
        event["notes"] = purpose_note(event["location"], request)
    return event
