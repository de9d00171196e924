"""Requests in French, Spanish and German: which language a request is written in, and how each
language writes dates, times and durations.

    >>> detect("Réunion avec Marie le 3 mars 2025 à 14h pendant 1 heure")
    'fr'
    >>> [text for s, e in date_expressions("Cita con Ana el 3 de marzo de 2025", "es")
    ...  for text in ["Cita con Ana el 3 de marzo de 2025"[s:e]]]
    ['3 de marzo de 2025']
    >>> english_months("3. März 2025"), local_clock("14h30"), local_clock("9 Uhr")
    ('3. March 2025', '2:30 PM', '9:00 AM')

Month and weekday names are CLDR's (Babel); the short word lists (prepositions, relative days,
parts of the day, units) are hand-written, as no library lists them for this task. English
requests take none of these paths: :func:`detect` gives "en" for every one of the 600 dev
requests (``python benchmarks/label_audit.py``, ``languages``), so their candidates and copy
rules are exactly the English ones.

Label convention (``benchmarks/data/multilingual_probe.jsonl``): copied values (action, location,
attendees, duration) stay in the request's language as written; the date and time take the
canonical ``DD/MM/YYYY`` and ``H:MM AM/PM``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from babel.dates import get_day_names, get_month_names

LANGUAGES = ("fr", "es", "de")
Span = tuple[int, int]

# Words that mark a language and are not English words or parts of English names ("team",
# "point", "die", "am", "in"; "Le", "Las", "Los", "Des", "Del" of places), with the month and
# weekday names that differ from the English ones ("April", "August" do not count).
_MARKERS = {
    "fr": """à avec pour pendant chez dans réunion rendez-vous heure heures demain aujourd'hui
        chaque semaine prochain prochaine salle déjeuner appel matin soir après-midi midi minuit
        rdv équipe aux dîner entretien atelier dentiste""",
    "es": """con para durante reunión cita hora horas minutos mañana hoy cada próximo próxima
        semana almuerzo llamada tarde noche equipo oficina junta cena desayuno entrevista taller
        empresa médico""",
    "de": """mit um uhr im für bei über besprechung termin treffen stunde stunden minuten morgen
        heute übermorgen jeden jede nächsten nächste woche raum mittagessen anruf und vom zum
        zur büro""",
}
# Phrases that mark a language the same way: "a las 10", "de la", "3. März".
_PHRASES = {
    "fr": re.compile(r"\bà la\b|\bde la\b", re.IGNORECASE),
    "es": re.compile(r"\ba las?\b|\bde la\b", re.IGNORECASE),
    "de": re.compile(r"\b\d{1,2}\. [A-ZÄÖÜ]"),
}
# Words a time follows ("à 14h", "a las 9:30", "um 14 Uhr").
_TIME_LEADS = {
    "fr": r"à|a|vers|dès",
    "es": r"a\s+las?|sobre\s+las?|hacia\s+las?",
    "de": r"um|gegen|ab",
}
_RELATIVE = {
    "fr": r"aujourd'hui|après-demain|demain|la\s+semaine\s+prochaine",
    "es": r"hoy|pasado\s+mañana|mañana(?!\s+(?:por|en))|la\s+próxima\s+semana",
    "de": r"heute|übermorgen|morgen|nächste\s+woche",
}
_NEXT = {"fr": r"prochain", "es": r"(?:el\s+)?próximo", "de": r"(?:am\s+)?nächsten"}
_DAY_PARTS = {
    "fr": r"matin|après-midi|soir|midi|minuit",
    "es": r"por\s+la\s+mañana|por\s+la\s+tarde|por\s+la\s+noche|mediodía|medianoche",
    "de": r"morgens|vormittags|nachmittags|abends|mittags|mittag|mitternacht",
}
NAMED_TIMES = {
    "midi": "12:00 PM",
    "minuit": "12:00 AM",
    "mediodía": "12:00 PM",
    "medianoche": "12:00 AM",
    "mittag": "12:00 PM",
    "mittags": "12:00 PM",
    "mitternacht": "12:00 AM",
}
# Stated lengths: "45 minutes", "1 heure", "una hora", "media hora", "2 Stunden".
_DURATIONS = {
    "fr": r"(?:\d+|une?|deux|trois)\s+(?:minutes?|heures?)|une\s+demi-heure"
    r"|(?:(?<=pendant )|(?<=durant ))\d+\s*h\s*\d{2}",  # "pendant 1h30"; "à 9h30" is a time
    "es": r"(?:\d+|una?|dos|tres)\s+(?:minutos?|horas?)|media\s+hora|una\s+hora\s+y\s+media",
    "de": r"(?:\d+|eine?|zwei|drei)\s+(?:minuten?|stunden?)|eine\s+halbe\s+stunde"
    r"|anderthalb\s+stunden",
}
# Where a copied action may start (after a determiner or planning verb) and end (before a
# preposition or a relative date), like calendar_ner.decode.copy's English lists.
LEAD_WORDS = {
    "fr": "un une le la les mon ma mes notre nos planifier organiser prévoir réserver ajouter",
    "es": "un una el la los las mi mis nuestro nuestra programar organizar reservar agendar",
    "de": "ein eine einen der die das den mein meine unser unsere planen buchen eintragen",
}
END_WORDS = {
    "fr": "avec le la à au pour pendant chez dans en sur par via chaque demain ce cette de du",
    "es": "con el la a en para durante por via cada mañana hoy de del este esta",
    "de": "mit am um im in für bei über via jeden jede morgen heute vom von ab an",
}


def fold_accents(text: str) -> str:
    """Lower case without accents ("Février" -> "fevrier")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def month_numbers() -> dict[str, int]:
    """Every French, Spanish and German month name and abbreviation, accents folded, without
    its period -> month number. Spanish "ago" (agosto) is left out: "2 days ago" is English."""
    names = {}
    for lang in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=lang).items():
                names[fold_accents(name).rstrip(".")] = number
    names.pop("ago", None)
    return names


@cache
def weekday_names(lang: str) -> tuple[str, ...]:
    """The full weekday names of ``lang`` (abbreviations clash with English: "Sam", "Do")."""
    return tuple(name.lower() for name in get_day_names("wide", locale=lang).values())


def _alternation(words: list[str]) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


@cache
def _month_pattern(lang: str) -> str:
    names = [
        name.lower().rstrip(".")
        for width in ("wide", "abbreviated")
        for name in get_month_names(width, locale=lang).values()
    ]
    return rf"(?:{_alternation(names)})\.?"


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'-]+", text.lower())


@cache
def _marker_sets() -> dict[str, frozenset[str]]:
    return {
        lang: frozenset(_MARKERS[lang].split())
        | frozenset(weekday_names(lang))
        | (
            frozenset(n.lower() for n in get_month_names("wide", locale=lang).values())
            - {m.lower() for m in _ENGLISH_MONTHS}
        )
        for lang in LANGUAGES
    }


def detect(text: str) -> str:
    """ "fr", "es" or "de" when at least two words of ``text`` mark that language (and more than
    any other), else "en"."""
    words = _words(text)
    scores = {
        lang: sum(w in markers for w in words) + len(_PHRASES[lang].findall(text))
        for lang, markers in _marker_sets().items()
    }
    best = max(scores, key=scores.get)
    ranked = sorted(scores.values(), reverse=True)
    return best if ranked[0] >= 2 and ranked[0] > ranked[1] else "en"


_MONTH_WORD = re.compile(r"[^\W\d_]+\.?")
_ENGLISH_MONTHS = (
    "January February March April May June July August September October November December"
).split()


@cache
def _folded_weekdays() -> frozenset[str]:
    return frozenset(fold_accents(d) for lang in LANGUAGES for d in weekday_names(lang))


def english_months(text: str) -> str:
    """``text`` with French, Spanish and German month names in English, their weekday names and
    the "de"/"del" of Spanish dates dropped, and "1er" read as "1": what dateutil reads. (The
    abbreviations that are English words, "mar", "may", "jun", name the same month there.)"""
    numbers, weekdays = month_numbers(), _folded_weekdays()

    def word(match: re.Match) -> str:
        folded = fold_accents(match.group(0)).rstrip(".")
        if folded in ("de", "del") or folded in weekdays:
            return " "
        return _ENGLISH_MONTHS[numbers[folded] - 1] if folded in numbers else match.group(0)

    text = re.sub(r"\b(\d{1,2})(?:er|º|ª)(?!\w)", r"\1", text)
    return _MONTH_WORD.sub(word, text)


def date_expressions(text: str, lang: str) -> list[Span]:
    """Spans of ``text`` that are whole dates written the ``lang`` way: "3 mars 2025", "1er
    mars", "3 de marzo de 2025", "3. März 2025", each also with its weekday ("lundi 3 mars
    2025"), a weekday ("lundi prochain", "el próximo lunes", "am Montag") and relative days
    ("demain", "mañana", "übermorgen")."""
    month, weekday = _month_pattern(lang), _alternation(list(weekday_names(lang)))
    day = r"\d{1,2}(?:er|º|\.)?"
    of = r"\s+de\s+" if lang == "es" else r"\s*" if lang == "de" else r"\s+"
    year = r"(?:\s+de)?\s+\d{4}" if lang == "es" else r",?\s+\d{4}"
    dated = rf"{day}{of}{month}(?:{year})?"
    spans = []
    flags = re.IGNORECASE
    for match in re.finditer(rf"(?<![\w/.-])({dated})(?![\w/-])", text, flags):
        spans.append(match.span(1))
        before = re.search(
            rf"(?:{weekday}),?\s+(?:(?:le|el|den)\s+)?$", text[: match.start()], flags
        )
        if before:
            spans.append((before.start(), match.end(1)))
    weekdays = rf"(?:{_NEXT[lang]}\s+)?(?:{weekday})(?:\s+{_NEXT[lang]})?"
    for match in re.finditer(rf"(?<![\w-])(?:{weekdays}|{_RELATIVE[lang]})(?![\w-])", text, flags):
        if not any(s <= match.start() < e for s, e in spans):
            spans.append(match.span())
    return sorted(set(spans))


def local_clock(value: str) -> str | None:
    """``H:MM AM/PM`` for a clock time written the French or German way ("14h", "9h30",
    "14 h 30", "14 Uhr", "14.30 Uhr") or a named one ("midi", "Mitternacht"), else None."""
    compact = " ".join(value.split()).lower()
    if compact in NAMED_TIMES:
        return NAMED_TIMES[compact]
    match = re.fullmatch(r"(\d{1,2})\s*h\s*(\d{2})?|(\d{1,2})(?:[:.](\d{2}))?\s*uhr", compact)
    if not match:
        return None
    hour = int(match[1] or match[3])
    minute = int(match[2] or match[4] or 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def time_expressions(text: str, lang: str) -> list[Span]:
    """Spans of ``text`` that are times written the ``lang`` way: "14h30", "à 9h" (an "h" time
    after a word that leads into a time, or with minutes, or of 13 h or later: "1h" alone is a
    length), "14 Uhr", "a las 9", and named times and parts of the day ("midi", "por la tarde")."""
    flags = re.IGNORECASE
    clock = r"\d{1,2}(?:[:.]\d{2})?\s*uhr|\d{1,2}\s*h\s*\d{2}|(?:1[3-9]|2[0-3])\s*h"
    spans = [m.span() for m in re.finditer(rf"(?<![\w:.])(?:{clock})(?!\w)", text, flags)]
    after_lead = rf"(?<!\w)(?:{_TIME_LEADS[lang]})\s+(\d{{1,2}}(?:\s*h|[:.]\d{{2}})?)(?![\w:.])"
    for match in re.finditer(after_lead, text, flags):
        if not re.match(
            r"\s*(?:h\s*\d|uhr|min|heure|hora|stunde|minut)", text[match.end(1) :], flags
        ):
            spans.append(match.span(1))
    spans += [
        m.span() for m in re.finditer(rf"(?<![\w-])(?:{_DAY_PARTS[lang]})(?![\w-])", text, flags)
    ]
    return sorted(set(spans))


def duration_expressions(text: str, lang: str) -> list[Span]:
    """Spans of ``text`` that state a length the ``lang`` way ("1 heure", "media hora", "zwei
    Stunden"); the labels copy them as written."""
    pattern = rf"(?<![\w.,:/-])(?:{_DURATIONS[lang]})(?!\w)"
    return [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]


# What the calendar resolver (English) needs of a French, Spanish or German date or length:
# phrases first, then words (accents folded), articles dropped.
_PHRASES_TO_ENGLISH = (
    (r"apres-demain|pasado manana|ubermorgen", "the day after tomorrow"),
    (r"la semaine prochaine|la proxima semana|nachste woche", "next week"),
    (r"une demi-heure|media hora|eine halbe stunde", "half an hour"),
    (r"una hora y media|anderthalb stunden", "an hour and a half"),
)
_WORDS_TO_ENGLISH = {
    **dict.fromkeys(("aujourd'hui", "hoy", "heute"), "today"),
    **dict.fromkeys(("demain", "manana", "morgen"), "tomorrow"),
    **dict.fromkeys(("prochain", "prochaine", "proximo", "proxima", "nachsten", "nachste"), "next"),
    **dict.fromkeys(("minute", "minuto", "minuten"), "minute"),
    **dict.fromkeys(("minutes", "minutos"), "minutes"),
    **dict.fromkeys(("heure", "hora", "stunde"), "hour"),
    **dict.fromkeys(("heures", "horas", "stunden"), "hours"),
    **dict.fromkeys(("un", "une", "una", "uno", "ein", "eine", "einen"), "one"),
    **dict.fromkeys(("deux", "dos", "zwei"), "two"),
    **dict.fromkeys(("trois", "tres", "drei"), "three"),
    **dict.fromkeys(("le", "la", "el", "am", "den", "de", "del"), ""),
}


@cache
def _weekdays_to_english() -> dict[str, str]:
    english = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
    return {
        fold_accents(name): english[number]
        for lang in LANGUAGES
        for number, name in get_day_names("wide", locale=lang).items()
    }


def english_phrase(value: str) -> str:
    """A French, Spanish or German date or length in the English the calendar resolver reads:
    "lundi prochain" -> "next Monday", "mañana" -> "tomorrow", "1 heure" -> "1 hour", "eine
    halbe Stunde" -> "half an hour", "3 mars" -> "3 March". Words it does not know stay as they
    are."""
    text = re.sub(r"\b(\d{1,2})(?:er|º|ª|\.)(?!\w)", r"\1", fold_accents(value))
    for pattern, english in _PHRASES_TO_ENGLISH:
        text = re.sub(rf"(?<![\w-]){pattern}(?![\w-])", english, text)
    weekdays, months = _weekdays_to_english(), month_numbers()
    words = [
        _ENGLISH_MONTHS[months[w.rstrip(".")] - 1]
        if w.rstrip(".") in months
        else _WORDS_TO_ENGLISH.get(w, weekdays.get(w, w))
        for w in text.split()
    ]
    words = [w for w in words if w]
    if len(words) == 2 and words[1] == "next":  # "lundi prochain": the adjective comes after
        words.reverse()
    return " ".join(words)
