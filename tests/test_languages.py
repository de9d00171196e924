"""French, Spanish and German requests: language detection, dates, times and lengths written
those ways, copy rules, the generated rows and the hand-written probe."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_ner import languages
from calendar_ner.calendar.resolve import resolve
from calendar_ner.data.augment import augment
from calendar_ner.data.augment.consistency import missing_in_text
from calendar_ner.data.augment.multilingual import _date, _time, multilingual_rows
from calendar_ner.data.io import read_rows
from calendar_ner.decode.config import DecodeConfig
from calendar_ner.decode.copy import action_ends, action_starts
from calendar_ner.decode.postprocess import postprocess
from calendar_ner.decode.types import candidates
from calendar_ner.schema import canonicalize, normalize_date, normalize_time
from calendar_ner.spans import date_span, time_span
from tests.conftest import invented_rows


def local_date(value: str) -> str:
    return normalize_date(value, local=True)


def local_time(value: str) -> str:
    return normalize_time(value, local=True)


PROBE = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "multilingual_probe.jsonl"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Réunion avec Marie le 3 mars 2025 à 14h", "fr"),
        ("Dîner d'équipe le 19 décembre 2025 à 19h30", "fr"),
        ("Cena de empresa el 18 de diciembre de 2025 a las 21:00", "es"),
        ("Llamada con Javier el 21 de enero de 2026 a las 16:00", "es"),
        ("Besprechung mit Anna am 3. März 2025 um 14 Uhr", "de"),
        ("Weihnachtsfeier am 19. Dezember 2025 um 18 Uhr im Ratskeller", "de"),
        # English, with words other languages share: names of places and people, months.
        ("Team sync in April with Mai at Le Pain Quotidien", "en"),
        ("Trip planning for Las Vegas and Los Angeles on 3 May 2025 at 9am", "en"),
        ("Lunch at Del Taco with Des on August 4, 2025 at noon", "en"),
        ("Sync 1h at 3pm on 12 - Mar - 2025 with Sam", "en"),
        ("Visit Mayo Clinic with Julio on Friday at 2pm", "en"),
        ("Rendez-vous with Sam at Chez Panisse at 7pm", "en"),
        ("Wine pour at Chez Nous on Friday", "en"),
        ("Call Bei Wang at MIT at 10am", "en"),
        ("IM Bob about the MIT application", "en"),
        ("Volunteer at Comic Con, con badge pickup", "en"),
        ("Mardi Gras party and Mars bar", "en"),
    ],
)
def test_detect(text, lang):
    assert languages.detect(text) == lang


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("3 mars 2025", "03/03/2025"),
        ("lundi 1er décembre 2025", "01/12/2025"),
        ("17 févr. 2026", "17/02/2026"),
        ("3 de marzo de 2025", "03/03/2025"),
        ("miércoles, 5 de febrero de 2025", "05/02/2025"),
        ("3. März 2025", "03/03/2025"),
        ("Freitag, 12. Okt. 2025", "12/10/2025"),
        ("10th, May 2025", "10/05/2025"),  # English unchanged
        ("2 days ago 2025", "2 days ago 2025"),  # "ago" is not agosto
    ],
)
def test_local_dates_normalize(written, canonical):
    assert local_date(written) == canonical


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("14h", "2:00 PM"),
        ("9h30", "9:30 AM"),
        ("14 h 30", "2:30 PM"),
        ("14 Uhr", "2:00 PM"),
        ("14.30 Uhr", "2:30 PM"),
        ("midi", "12:00 PM"),
        ("Mitternacht", "12:00 AM"),
        ("25h", "25h"),
        ("3pm", "3:00 PM"),
        ("8h du soir", "8:00 PM"),
        ("9h du matin", "9:00 AM"),
        ("3 heures de l'après-midi", "3:00 PM"),
        ("3 Uhr nachmittags", "3:00 PM"),
        ("2 Uhr nachts", "2:00 AM"),
        ("11 Uhr nachts", "11:00 PM"),
        ("8 de la tarde", "8:00 PM"),
        ("12 de la noche", "12:00 AM"),
        ("halb drei", "2:30 PM"),  # half an hour before three; bare: 1-7 pm
        ("halb neun", "8:30 AM"),
        ("halb eins", "12:30 PM"),
        ("Viertel nach 3", "3:15 PM"),
        ("viertel vor vier", "3:45 PM"),
        ("halb acht abends", "7:30 PM"),
        ("14h et demie", "2:30 PM"),
        ("16 heures moins le quart", "3:45 PM"),
        ("las tres y media", "3:30 PM"),
        ("la una y cuarto", "1:15 PM"),
        ("las 10 menos cuarto de la noche", "9:45 PM"),
    ],
)
def test_local_times_normalize(written, canonical):
    assert local_time(written) == canonical


def test_an_english_length_in_hours_is_not_a_time():
    c = candidates("Sync 1h at 3pm with Sam")
    assert c.time == ("3pm",) and "1h" in c.duration
    assert time_span("1h review with Bob at 3pm") == (22, 25)
    assert canonicalize({"time": "2h"}, strict=False)["time"] == "2h"


def test_english_reading_takes_no_local_form():
    assert normalize_date("3 mars 2025") == "3 mars 2025"
    assert normalize_time("14h") == "14h" and normalize_time("midi") == "midi"
    assert date_span("Team Mai 3 2025 review on 5 May 2025") == (26, 36)


def test_french_request_candidates_and_copy_rules():
    text = "Réunion avec Marie le lundi 3 mars 2025 à 9h pendant 1 heure"
    c = candidates(text)
    assert set(c.date) == {"3 mars 2025", "lundi 3 mars 2025"}
    assert c.time == ("9h",) and c.duration == ("1 heure",)
    blocked = {text[s:e] for s, e in c.blocked}
    assert {"3 mars 2025", "9h", "1 heure"} <= blocked
    assert text.index(" avec") in action_ends(text)  # "Réunion | avec Marie"
    assert text.index("Marie") not in action_starts(text)


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("Cita con Ana el 3 de marzo de 2025 a las 9", {"9"}),
        ("Termin mit Jonas morgen um 10 Uhr für 30 Minuten", {"10 Uhr"}),
        ("Réunion demain à 9h pendant 1h30", {"9h"}),  # "1h30" after "pendant" is a length
        ("Rendez-vous chez le dentiste demain vers midi", {"midi"}),
        ("Réunion demain à 14 heures", {"14 heures"}),
        ("Réunion demain à 10h pendant 2h", {"10h"}),
        # "8" alone would read as 8 AM: with its part of the day it is one expression.
        ("Cita con Ana mañana a las 8 de la tarde", {"8 de la tarde", "de la tarde"}),
        ("Dîner avec Paul demain à 8h du soir", {"8h du soir", "soir"}),
        ("Anruf mit Tom morgen um 3 Uhr nachmittags", {"3 Uhr nachmittags", "nachmittags"}),
        ("Treffen mit Paul morgen um halb drei", {"halb drei"}),
        ("Almuerzo con Ana mañana a las tres y media", {"las tres y media"}),
        # A range and its first part, never its second part or "2 a" ("2 am").
        ("Réunion avec Marie demain de 14h à 16h", {"14h", "14h à 16h"}),
        ("Besprechung mit Anna morgen von 14 bis 16 Uhr", {"14", "14 bis 16 Uhr"}),
        ("Termin mit Jonas morgen 14-16 Uhr", {"14", "14-16 Uhr"}),
        ("Cita con Ana mañana de 2 a 4 de la tarde", {"2", "2 a 4 de la tarde", "de la tarde"}),
        ("Reunión con el equipo mañana entre las 9 y las 11:30", {"9", "9 y las 11:30"}),
        ("Marie a 3 dossiers pour la réunion de demain", set()),
    ],
)
def test_local_time_expressions(text, times):
    assert set(candidates(text).time) == times


@pytest.mark.parametrize(
    ("text", "durations"),
    [
        ("Réunion demain à 14 heures pendant 2 heures", {"2 heures"}),
        # Written in hours, never spelled in minutes alone.
        ("Réunion demain à 10h pendant 2h", {"2h", "2 hours", "2 hrs", "2 hr"}),
        ("Taller con Ana hoy a las 10:00 durante una hora y media", {"una hora y media"}),
        ("Treffen mit Paul morgen um 14 Uhr für 1,5 Stunden", {"1,5 Stunden"}),
        ("Dîner avec Paul demain à 20h pendant une heure et demie", {"une heure et demie"}),
        ("Besprechung mit Anna morgen um 9 Uhr für eineinhalb Stunden",
         {"eineinhalb Stunden"}),
        # The length of a range, in the request's language.
        ("Réunion avec Marie demain de 14h à 16h30", {"2 heures 30 minutes"}),
        ("Besprechung mit Anna morgen von 14 bis 15 Uhr", {"1 Stunde"}),
        ("Cita con Ana mañana de 2 a 4 de la tarde", {"2 horas"}),
    ],
)  # fmt: skip
def test_local_lengths(text, durations):
    assert set(candidates(text).duration) == durations


def test_local_dates_the_regexes_must_read():
    assert candidates("Cita con Ana el 1º de marzo del 2025 a las 10:00").date == (
        "1º de marzo del 2025",
    )
    assert local_date("1º de marzo del 2025") == "01/03/2025"
    assert "mañana" not in candidates("Reunión con Ana hoy a las 10 de la mañana").date
    assert local_time("8 de la tarde") == "8:00 PM" and local_time("12 de la noche") == "12:00 AM"


def test_relative_dates_are_candidates_as_written():
    assert candidates("Réunion avec Paul demain à 10h").date == ("demain",)
    assert candidates("Llamada con Ana mañana a las 10:00").date == ("mañana",)
    assert candidates("Besprechung mit Anna am nächsten Montag um 9 Uhr").date == (
        "am nächsten Montag",
    )


def test_postprocess_gives_canonical_dates_and_times_and_keeps_lengths():
    raw = json.dumps(
        {"action": "Réunion", "date": "3 mars 2025", "time": "14h", "duration": "1 heure"}
    )
    event = postprocess(raw, "Réunion le 3 mars 2025 à 14h pendant 1 heure", DecodeConfig())
    assert (event["date"], event["time"], event["duration"]) == (
        "03/03/2025",
        "2:00 PM",
        "1 heure",
    )


@settings(max_examples=200, deadline=None)
@given(
    lang=st.sampled_from(languages.LANGUAGES),
    day=st.dates(date(1990, 1, 1), date(2099, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.sampled_from((0, 5, 15, 30, 45)),
    seed=st.integers(0, 1000),
)
def test_every_generated_date_and_time_reads_back(lang, day, hour, minute, seed):
    rng = random.Random(seed)
    assert local_date(_date(day, lang, rng)) == day.strftime("%d/%m/%Y")
    clock = f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"
    assert local_time(_time(hour, minute, lang, rng)) == clock


def test_generated_rows_are_valid_typed_and_in_their_language():
    rows = multilingual_rows(120, seed=3)
    assert rows == multilingual_rows(120, seed=3)
    for i, row in enumerate(rows):
        text, event = row["event_text"], row["output"]
        assert languages.detect(text) == languages.LANGUAGES[i % 3], text
        assert canonicalize(event, local=True) == event, text
        assert not missing_in_text(text, event), text
        c = candidates(text)
        assert any(local_date(v) == event["date"] for v in c.date), text
        assert any(local_time(v) == event["time"] for v in c.time), text
        assert event["duration"] is None or event["duration"] in c.duration, text


def test_multilingual_rows_come_after_the_others_unchanged():
    real = invented_rows(8)
    plain = augment(real, synth=12, seed=5)
    mixed = augment(real, synth=12, seed=5, multilingual=0.5)
    assert mixed[: len(plain)] == plain
    added = mixed[len(plain) :]
    assert len(added) == 6 and {r["source"] for r in added} == {"multilingual"}
    with pytest.raises(ValueError, match="multilingual must be in"):
        augment(real, synth=12, multilingual=1.5)


def test_the_probe_labels_are_among_the_decoders_candidates():
    rows, skipped = read_rows(PROBE)
    assert len(rows) == 24 and not skipped
    langs = [json.loads(line)["lang"] for line in PROBE.read_text().splitlines()]
    assert [languages.detect(r["event_text"]) for r in rows] == langs
    for row in rows:
        text, event = row["event_text"], row["output"]
        c = candidates(text)
        assert any(local_date(v) == event["date"] for v in c.date), text
        assert any(local_time(v) == event["time"] for v in c.time), text
        assert event["duration"] is None or event["duration"] in c.duration, text


@pytest.mark.parametrize(
    ("text", "written", "time", "duration"),
    [
        ("Réunion avec Marie demain de 14h à 16h30", "14h", "2:00 PM", "2 heures 30 minutes"),
        ("Besprechung mit Anna morgen von 14 bis 16 Uhr", "14 bis 16 Uhr", "2:00 PM", "2 Stunden"),
        ("Cita con Ana mañana de 2 a 4 de la tarde", "2", "2:00 PM", "2 horas"),
        ("Cena con Ana mañana de 10 a 12 de la noche", "10", "10:00 PM", "2 horas"),
        ("Cita con Ana mañana de 11 a 1 de la tarde", "11", "11:00 AM", "2 horas"),
        ("Guardia mañana de 2 a 4 de la madrugada", "2", "2:00 AM", "2 horas"),
        ("Fiesta mañana de 11 a 1 de la mañana", "11", "11:00 PM", "2 horas"),
        ("Reunión mañana de 3 a 5 de la noche", "3", "3:00 PM", "2 horas"),
    ],
)  # fmt: skip
def test_a_range_reads_as_its_start_and_length(text, written, time, duration):
    event = postprocess(json.dumps({"time": written}), text, DecodeConfig())
    assert (event["time"], event["duration"]) == (time, duration)
    resolved = resolve(event | {"date": "demain"}, text, datetime(2026, 11, 25, 9), "UTC")
    assert resolved.end - resolved.start == _length(duration)


def _length(spelled: str) -> timedelta:
    numbers = [int(n) for n in spelled.split() if n.isdigit()]
    return timedelta(hours=numbers[0], minutes=numbers[1] if len(numbers) > 1 else 0)


@pytest.mark.parametrize(
    ("event", "text", "start", "end"),
    [
        (
            {"date": "demain", "time": "14h", "duration": "1 heure"},
            "Réunion demain à 14h pendant 1 heure",
            "2026-11-26T14:00:00+01:00",
            "2026-11-26T15:00:00+01:00",
        ),
        (
            {"date": "el próximo lunes", "time": "10:00 AM", "duration": "media hora"},
            "Llamada con Ana el próximo lunes a las 10:00 durante media hora",
            "2026-12-07T10:00:00+01:00",
            "2026-12-07T10:30:00+01:00",
        ),
        (
            {"date": "3. März", "time": "14 Uhr", "duration": "2 Stunden"},
            "Besprechung mit Anna am 3. März um 14 Uhr für 2 Stunden",
            "2027-03-03T14:00:00+01:00",
            "2027-03-03T16:00:00+01:00",
        ),
        (
            {"date": "morgen", "time": "halb drei", "duration": "1,5 Stunden"},
            "Treffen mit Paul morgen um halb drei für 1,5 Stunden",
            "2026-11-26T14:30:00+01:00",
            "2026-11-26T16:00:00+01:00",
        ),
        (
            {"date": "demain", "time": "8h du soir", "duration": "une heure et demie"},
            "Dîner avec Paul demain à 8h du soir pendant une heure et demie",
            "2026-11-26T20:00:00+01:00",
            "2026-11-26T21:30:00+01:00",
        ),
    ],
)
def test_calendar_ready_events_from_other_languages(event, text, start, end):
    resolved = resolve(event, text, datetime(2026, 11, 25, 9), "Europe/Paris").to_dict()
    assert (resolved["start"], resolved["end"]) == (start, end)


def test_an_english_request_is_resolved_as_before():
    event = {"date": "morgen", "time": "3:00 PM", "duration": None}  # not an English word
    resolved = resolve(event, "Call Morgen at 3pm", datetime(2026, 11, 25, 9), "UTC")
    assert resolved.start is None


def test_a_said_hour_starts_at_a_word():
    text = "Besprechung am Montag, deshalb elf Leute einladen"
    assert [text[s:e] for s, e in languages.time_expressions(text, "de")] == []
