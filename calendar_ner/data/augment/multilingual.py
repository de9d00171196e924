"""Synthetic requests in French, Spanish and German (``data.corpus.multilingual``).

Each language has its own hand-written templates, actions and room words (not English templates
with foreign names), CLDR month and weekday names (Babel) and Faker's locale for names and places.
Labels follow the convention of :mod:`calendar_ner.languages`: copied values (action, location,
attendees, duration) as written in the request's language; the date ``DD/MM/YYYY`` and the time
``H:MM AM/PM``.

    >>> rows = multilingual_rows(3, seed=1)
    >>> [languages.detect(r["event_text"]) for r in rows]
    ['fr', 'es', 'de']
"""

from __future__ import annotations

import random
from datetime import date

from babel.dates import get_day_names, get_month_names
from faker import Faker

from calendar_ner import languages
from calendar_ner.schema import Event, empty_event

_LOCALES = {"fr": "fr_FR", "es": "es_ES", "de": "de_DE"}
_ACTIONS = {
    "fr": """Réunion|Point d'équipe|Déjeuner|Appel|Entretien|Atelier|Revue de projet|Formation
        |Dîner|Rendez-vous client|Bilan trimestriel|Visioconférence""",
    "es": """Reunión|Almuerzo|Llamada|Entrevista|Taller|Revisión del proyecto|Formación|Cena
        |Cita con el cliente|Reunión de equipo|Presentación|Videollamada""",
    "de": """Besprechung|Mittagessen|Telefonat|Vorstellungsgespräch|Workshop|Projektbesprechung
        |Schulung|Abendessen|Kundentermin|Teammeeting|Präsentation|Videokonferenz""",
}
# Room words and the phrase each goes in ("dans la salle Monet": the label is "salle Monet").
_ROOMS = {
    "fr": {"salle": " dans la {}", "bureau": " au {}"},
    "es": {"sala": " en la {}", "oficina": " en la {}"},
    "de": {"Raum": " in {}", "Büro": " im {}"},
}
_PLACES = {"fr": (" à {}", " chez {}"), "es": (" en {}", " en {}"), "de": (" in {}", " bei {}")}
_DURATIONS = {
    "fr": ("15 minutes", "30 minutes", "45 minutes", "1 heure", "2 heures", "une heure"),
    "es": ("15 minutos", "30 minutos", "45 minutos", "1 hora", "2 horas", "una hora"),
    "de": ("15 Minuten", "30 Minuten", "45 Minuten", "1 Stunde", "2 Stunden", "eine Stunde"),
}
_AND = {"fr": "et", "es": "y", "de": "und"}
# {a}ction, {d}ate, {t}ime and the optional parts: {w}ith attendees, {l}ocation, {f}or a length.
_TEMPLATES = {
    "fr": (
        "{a}{w} le {d} à {t}{l}{f}",
        "{a} le {d} à {t}{w}{l}{f}",
        "{d} à {t} : {a}{w}{l}{f}",
        "{a}{l} le {d} à {t}{w}{f}",
    ),
    "es": (
        "{a}{w} el {d} a las {t}{l}{f}",
        "{a} el {d} a las {t}{w}{l}{f}",
        "{d}, a las {t}: {a}{w}{l}{f}",
        "{a}{l} el {d} a las {t}{w}{f}",
    ),
    "de": (
        "{a}{w} am {d} um {t}{l}{f}",
        "{a} am {d} um {t}{w}{l}{f}",
        "{d}, {t}: {a}{w}{l}{f}",
        "{a}{l} am {d} um {t}{w}{f}",
    ),
}
_WITH = {"fr": " avec {}", "es": " con {}", "de": " mit {}"}
_FOR = {"fr": " pendant {}", "es": " durante {}", "de": " für {}"}


def _date(day: date, lang: str, rng: random.Random) -> str:
    """The date the ``lang`` way: "lundi 3 mars 2025", "3 de marzo de 2025", "3. März 2025"."""
    month = get_month_names("wide", locale=lang)[day.month]
    number = f"{day.day}er" if lang == "fr" and day.day == 1 else str(day.day)
    written = {
        "fr": f"{number} {month} {day.year}",
        "es": f"{number} de {month} de {day.year}",
        "de": f"{number}. {month} {day.year}",
    }[lang]
    if rng.random() < 0.3:
        weekday = get_day_names("wide", locale=lang)[day.weekday()]
        written = f"{weekday} {written}" if lang == "fr" else f"{weekday}, {written}"
    return written


def _time(hour: int, minute: int, lang: str, rng: random.Random) -> str:
    """The time the ``lang`` way: "14h30", "14:30", "14 Uhr", "14:30 Uhr"."""
    if lang == "fr":
        return f"{hour}h{minute:02d}" if minute else f"{hour}h"
    if lang == "de":
        return f"{hour}:{minute:02d} Uhr" if minute or rng.random() < 0.3 else f"{hour} Uhr"
    return f"{hour}:{minute:02d}"


def _location(fake: Faker, lang: str, rng: random.Random) -> tuple[str, str]:
    """(label, phrase): a room ("salle Monet") or a place (a company name)."""
    if rng.random() < 0.5:
        room = rng.choice(sorted(_ROOMS[lang]))
        name = fake.last_name() if rng.random() < 0.6 else str(rng.randint(1, 420))
        label = f"{room} {name}"
        return label, _ROOMS[lang][room].format(label)
    city, company = _PLACES[lang]
    if rng.random() < 0.5:
        return (label := fake.city()), city.format(label)
    return (label := fake.company()), company.format(label)


def multilingual_row(lang: str, fake: Faker, rng: random.Random) -> tuple[str, Event]:
    """One request in ``lang`` and its label."""
    action = rng.choice([a.strip() for a in _ACTIONS[lang].split("|")])
    day = date(rng.randint(2024, 2026), rng.randint(1, 12), rng.randint(1, 28))
    hour, minute = rng.randint(7, 20), rng.choice((0, 0, 15, 30, 45))
    event = empty_event() | {
        "action": action,
        "date": day.strftime("%d/%m/%Y"),
        "time": f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}",
    }
    parts = {"a": action, "d": _date(day, lang, rng), "t": _time(hour, minute, lang, rng)}
    parts |= {"w": "", "l": "", "f": ""}
    if rng.random() < 0.6:
        names = [fake.first_name() for _ in range(rng.choice((1, 1, 2)))]
        event["attendees"] = names
        parts["w"] = _WITH[lang].format(f" {_AND[lang]} ".join(names))
    if rng.random() < 0.5:
        event["location"], parts["l"] = _location(fake, lang, rng)
    if rng.random() < 0.5:
        event["duration"] = rng.choice(_DURATIONS[lang])
        parts["f"] = _FOR[lang].format(event["duration"])
    return rng.choice(_TEMPLATES[lang]).format(**parts), event


def multilingual_rows(count: int, seed: int) -> list[dict]:
    """``count`` rows ``{"event_text", "output"}``, the languages taken in turn; same seed, same
    rows (their own random stream: the other generated rows do not change)."""
    rng = random.Random(f"multilingual-{seed}")
    fakes = {lang: Faker(locale) for lang, locale in _LOCALES.items()}
    for i, fake in enumerate(fakes.values()):
        fake.seed_instance(seed + i)
    rows = []
    for i in range(count):
        lang = languages.LANGUAGES[i % len(languages.LANGUAGES)]
        text, event = multilingual_row(lang, fakes[lang], rng)
        rows.append({"event_text": text, "output": event})
    return rows
