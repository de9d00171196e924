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
from functools import cache, lru_cache

from babel.dates import get_day_names, get_month_names

LANGUAGES = ("fr", "es", "de")
Span = tuple[int, int]
_ENGLISH_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_MONTH_WORD = re.compile(r"[^\W\d_]+\.?")

# Words that mark a language. Function words count in lower case only (capitalized they are
# names: "Chez Panisse", "MIT", "Comic Con"); other words and the month and weekday names unlike
# the English ones count in lower case or as the first word in French and Spanish ("Mayo
# Clinic", "Julio", "Mardi Gras" are names), in any case in German, whose nouns are capitalized.
_FUNCTION = {
    "fr": "à avec pour pendant chez dans aux",
    "es": "con para durante",
    "de": "mit um im für bei über und vom zum zur",
}
_CONTENT = {
    "fr": """réunion heure heures demain aujourd'hui chaque semaine prochain prochaine salle
        déjeuner appel matin soir après-midi minuit rdv équipe dîner entretien atelier dentiste""",
    "es": """reunión cita hora horas minutos mañana hoy cada próximo próxima semana almuerzo
        llamada tarde noche equipo oficina junta cena desayuno entrevista empresa médico""",
    "de": """besprechung termin treffen stunde stunden minuten morgen heute übermorgen jeden
        jede nächsten nächste woche raum mittagessen anruf büro uhr""",
}
# English words a request is made of: a language must show more of its own markers than these.
_ENGLISH = frozenset(
    """with at on for the and to from about of in my our by is meeting call sync lunch dinner
    tomorrow today next every pm am please""".split()
)
# Phrases that mark a language the same way: "a las 10", "de la", "3. März".
_PHRASES = {
    "fr": re.compile(r"\bà la\b|\bde la\b"),
    "es": re.compile(r"\ba las?\b|\bde la\b"),
    "de": re.compile(r"\b\d{1,2}\. [A-ZÄÖÜ]"),
}
# Words a time follows ("à 14h", "a las 9:30", "um 14 Uhr").
_TIME_LEADS = {
    "fr": r"à|vers|dès",
    "es": r"a\s+las?|sobre\s+las?|hacia\s+las?",
    "de": r"um|gegen|ab",
}
_RELATIVE = {
    "fr": r"aujourd'hui|après-demain|demain|la\s+semaine\s+prochaine",
    "es": r"hoy|pasado\s+mañana|(?<!de la )(?<!por la )mañana(?!\s+(?:por|en))"
    r"|la\s+próxima\s+semana",
    "de": r"heute|übermorgen|morgen|nächste\s+woche",
}
_NEXT = {"fr": r"prochain", "es": r"(?:el\s+)?próximo", "de": r"(?:am\s+)?nächsten"}
_DAY_PARTS = {
    "fr": r"matin|après-midi|soir|midi|minuit",
    "es": r"(?:por|de)\s+la\s+(?:mañana|tarde|noche)|mediodía|medianoche",
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
_AMOUNT = r"\d+(?:[.,]\d+)?"  # "1,5 Stunden"
_DURATIONS = {
    "fr": rf"une\s+heure\s+et\s+demie|(?<!à ){_AMOUNT}\s+(?:minutes?|heures?)"
    r"|(?<!à )(?:une?|deux|trois)\s+(?:minutes?|heures?)|une\s+demi-heure"
    r"|(?:(?<=pendant )|(?<=durant ))\d+\s*h\s*\d{2}",  # "pendant 1h30"; "à 9h30" is a time
    "es": rf"una\s+hora\s+y\s+media|media\s+hora|(?:{_AMOUNT}|una?|dos|tres)\s+(?:minutos?|horas?)",
    "de": rf"(?:{_AMOUNT}|eine?|zwei|drei)\s+(?:minuten?|stunden?)|eine\s+halbe\s+stunde"
    r"|(?:anderthalb|eineinhalb)\s+stunden",
}
# The length of a time range, spelled as the request's language spells an amount ("2 heures").
_UNITS = {
    "fr": ("heure", "heures", "minutes"),
    "es": ("hora", "horas", "minutos"),
    "de": ("Stunde", "Stunden", "Minuten"),
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


@cache
def local_date_words() -> frozenset[str]:
    """Words (accents folded, [a-z] runs) that make a French, Spanish or German value a date:
    month and weekday names, relative days."""
    names = [
        name
        for lang in LANGUAGES
        for names in (get_month_names("wide", locale=lang), get_day_names("wide", locale=lang))
        for name in names.values()
    ]
    relative = "aujourd hui demain hoy manana heute morgen ubermorgen prochain prochaine"
    relative += " proximo proxima nachsten nachste semaine semana woche"
    words = {w for name in names for w in re.findall(r"[a-z]+", fold_accents(name))}
    return frozenset(words | set(relative.split()))


def is_local_date_token(token: str) -> bool:
    """Whether a word can be part of a French, Spanish or German date: a month or weekday name,
    "de"/"del" ("3 de marzo de 2025"), a day with "er"/"º" ("1er")."""
    folded = fold_accents(token).rstrip(".")
    return (
        folded in month_numbers()
        or folded in _folded_weekdays()
        or folded in ("de", "del")
        or bool(re.fullmatch(r"\d{1,2}(?:er|º|ª)", folded))
    )


@cache
def local_time_words() -> frozenset[str]:
    """Words (accents folded) that make a French, Spanish or German value a time: named times
    and parts of the day."""
    words = """midi minuit matin soir apres mediodia medianoche manana tarde noche morgens
        vormittags nachmittags abends mittag mittags mitternacht uhr"""
    return frozenset(words.split())


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


@cache
def _markers(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """(function words, other words) of ``lang``, the latter with its month and weekday names
    unlike the English ones."""
    english = {m.lower() for m in _ENGLISH_MONTHS}
    months = {n.lower() for n in get_month_names("wide", locale=lang).values()} - english
    content = set(_CONTENT[lang].split()) | months | set(weekday_names(lang))
    return frozenset(_FUNCTION[lang].split()), frozenset(content)


def _score(lang: str, words: list[str], text: str) -> int:
    function, content = _markers(lang)
    score = len(_PHRASES[lang].findall(text))
    for i, word in enumerate(words):
        lower = word.lower()
        if word == lower and (lower in function or lower in content):
            score += 1
        elif lower in content and (lang == "de" or i == 0):
            score += 1
    return score


@lru_cache(maxsize=4096)  # asked by candidates, copy bounds and postprocess of one request
def detect(text: str) -> str:
    """The request's language: "fr", "es" or "de" when at least two of its words or phrases mark
    that language, more than mark any other and more than the English words it holds ("with",
    "at", "the"); else "en"."""
    words = re.findall(r"[\w'-]+", text)
    scores = {lang: _score(lang, words, text) for lang in LANGUAGES}
    best = max(scores, key=scores.get)
    english = sum(w.lower() in _ENGLISH for w in words)
    others = [v for lang, v in scores.items() if lang != best]
    return best if scores[best] >= 2 and scores[best] > max([english, *others]) else "en"


@cache
def _folded_weekdays() -> frozenset[str]:
    return frozenset(_weekdays_to_english())


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
    year = r"(?:\s+del?)?\s+\d{4}" if lang == "es" else r",?\s+\d{4}"
    dated = rf"{day}{of}{month}(?:{year})?"
    spans = []
    flags = re.IGNORECASE
    for match in re.finditer(rf"(?<![\w/.-])({dated})(?![\w/-])", text, flags):
        spans.append(match.span(1))
        window = max(match.start() - 40, 0)  # a weekday and an article fit in 40 characters
        before = re.search(
            rf"(?<![\w-])(?:{weekday}),?\s+(?:(?:le|el|den)\s+)?$",
            text[window : match.start()],
            flags,
        )
        if before:
            spans.append((window + before.start(), match.end(1)))
    weekdays = rf"(?:{_NEXT[lang]}\s+)?(?:{weekday})(?:\s+{_NEXT[lang]})?"
    for match in re.finditer(rf"(?<![\w-])(?:{weekdays}|{_RELATIVE[lang]})(?![\w-])", text, flags):
        if not any(s <= match.start() < e for s, e in spans):
            spans.append(match.span())
    return sorted(set(spans))


# A part of the day after a clock time says am or pm ("8 de la tarde", "8h du soir", "3 Uhr
# nachmittags"); "noche", "nuit" and "nachts" are pm from 4 to 11 ("2 Uhr nachts": 2 AM).
_PART_MERIDIEM = {
    **dict.fromkeys(("mañana", "madrugada", "matin", "morgens", "früh", "vormittags"), "am"),
    **dict.fromkeys(("tarde", "après-midi", "soir", "nachmittags", "abends"), "pm"),
    **dict.fromkeys(("noche", "nuit", "nachts"), "night"),
}
_PART = (
    r"(?:\s+(?:de\s+la\s+|du\s+|de\s+l['’]\s*)?(?P<part>mañana|madrugada|tarde|noche|matin"
    r"|après-midi|soir|nuit|morgens|früh|vormittags|nachmittags|abends|nachts))"
)
_LOCAL_CLOCK = re.compile(
    r"(?:(?P<h>\d{1,2})\s*(?:h\s*(?P<m>\d{2})?|heures?)"  # 14h, 9h30, 14 h 30, 14 heures
    r"|(?P<h2>\d{1,2})(?:[:.](?P<m2>\d{2}))?\s*uhr"  # 14 Uhr, 14.30 Uhr
    r"|(?P<h3>\d{1,2})(?::(?P<m3>\d{2}))?(?=\s+\S))"  # 8 (de la tarde): only with a part
    rf"{_PART}?"
)
# An hour said in words or with a half or quarter: "halb drei" (2:30), "Viertel nach drei",
# "trois heures et demie", "las tres y media", "las 4 menos cuarto".
_HOUR_WORDS = {
    "fr": "une deux trois quatre cinq six sept huit neuf dix onze douze",
    "es": "una dos tres cuatro cinco seis siete ocho nueve diez once doce",
    "de": "eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf",
}
_HOUR_NUMBERS = {
    word: i + 1 for words in _HOUR_WORDS.values() for i, word in enumerate(words.split())
}


def _hour(name: str) -> str:
    return rf"(?P<{name}>\d{{1,2}}|{_alternation(list(_HOUR_NUMBERS))})"


_SPOKEN = re.compile(
    rf"(?<![\w-])(?:(?P<half>halb)\s+{_hour('h1')}(?![\w-])"
    rf"|viertel\s+(?P<rel>nach|vor)\s+{_hour('h2')}(?![\w-])|dreiviertel\s+{_hour('h3')}(?![\w-])"
    rf"|(?:las?\s+)?{_hour('h4')}(?P<unit>\s*h|\s+heures?|\s+uhr)?\s+(?P<frac>et\s+demie"
    r"|et\s+quart|moins\s+(?:le\s+)?quart|y\s+media|y\s+cuarto|menos\s+cuarto))"
    rf"{_PART}?",
    re.IGNORECASE,
)


def _day_minutes(hour: int, minute: int, part: str | None) -> int | None:
    """Minutes after midnight of a 24-hour clock time, or of a 1-12 hour read with a part of
    the day."""
    meridiem = _PART_MERIDIEM.get(part.lower()) if part else None
    if hour > 23 or minute > 59 or (meridiem == "am" and not 1 <= hour <= 12):
        return None
    if meridiem == "night" and hour == 12:  # "12 de la noche": midnight
        hour = 0
    elif meridiem in ("pm", "night") and hour < 12:  # "8 de la tarde": 8 PM
        hour += 12 if hour > 3 or meridiem == "pm" else 0  # "2 de la noche": 2 AM
    return hour * 60 + minute


def _clock(hour: int, minute: int, part: str | None) -> str | None:
    """``H:MM AM/PM`` of a 24-hour clock time, or of a 1-12 hour read with a part of the day."""
    minutes = _day_minutes(hour, minute, part)
    if minutes is None:
        return None
    hour, minute = divmod(minutes, 60)
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def _spoken(match: re.Match) -> str | None:
    """The time of a :data:`_SPOKEN` match ("halb drei": 2:30). Without a part of the day or a
    unit, an hour of 1-7 is pm and 8-11 am, as an English bare hour is read
    (:func:`calendar_ner.schema.bare_hour`)."""
    word = next(match[g] for g in ("h1", "h2", "h3", "h4") if match[g])
    hour = int(word) if word.isdigit() else _HOUR_NUMBERS[word.lower()]
    frac = " ".join((match["frac"] or "").lower().split())
    if match["half"] or frac in ("et demie", "y media"):
        minute, back = 30, bool(match["half"])  # "halb drei" is half an hour before three
    elif match["rel"] == "nach" or frac in ("et quart", "y cuarto"):
        minute, back = 15, False
    else:  # "Viertel vor vier", "dreiviertel vier", "moins le quart", "menos cuarto"
        minute, back = 45, True
    hour = (hour - 1 if back else hour) or 12  # "halb eins": 12:30
    if match["part"] or match["unit"] or hour > 12:
        return _clock(hour, minute, match["part"])
    return _clock(hour + 12 if hour <= 7 else hour, minute, None)


def local_clock(value: str) -> str | None:
    """``H:MM AM/PM`` for a clock time written the French, Spanish or German way ("14h", "9h30",
    "14 h 30", "à 14 heures", "14 Uhr", "14.30 Uhr", "8 de la tarde", "8h du soir", "3 Uhr
    nachmittags"), said with a half or quarter ("halb drei", "Viertel nach 3", "trois heures et
    demie", "las cuatro menos cuarto") or a named one ("midi", "Mitternacht"), else None."""
    compact = " ".join(value.split()).lower()
    if compact in NAMED_TIMES:
        return NAMED_TIMES[compact]
    if spoken := _SPOKEN.fullmatch(compact):
        return _spoken(spoken)
    match = _LOCAL_CLOCK.fullmatch(compact)
    if not match:  # a bare "8" never matches: its branch needs the part after it
        return None
    hour = int(match["h"] or match["h2"] or match["h3"])
    return _clock(hour, int(match["m"] or match["m2"] or match["m3"] or 0), match["part"])


def time_expressions(text: str, lang: str) -> list[Span]:
    """Spans of ``text`` that are times written the ``lang`` way: "14h30", "à 9h", "à 14 heures"
    (an "h" time after a word that leads into a time, or with minutes, or of 13 h or later: "1h"
    alone is a length), "14 Uhr", "a las 9", "8 de la tarde", each with a part of the day after
    it ("8h du soir"; then not without it), hours said with a half or quarter ("halb drei"),
    ranges and their first parts (:func:`time_ranges`), and named times and parts of the day
    ("midi", "por la tarde")."""
    flags = re.IGNORECASE
    clock = (
        r"\d{1,2}(?:[:.]\d{2})?\s*uhr|\d{1,2}\s*h\s*\d{2}|(?:1[3-9]|2[0-3])\s*h"
        r"|\d{1,2}(?::\d{2})?(?=\s+de\s+la\s+(?:mañana|madrugada|tarde|noche))"
    )
    clocks = [m.span() for m in re.finditer(rf"(?<![\w:.])(?:{clock}){_PART}?(?!\w)", text, flags)]
    hour = r"\d{1,2}(?:\s*h(?:\s*\d{2})?|\s+heures?|[:.]\d{2})?"
    after_lead = rf"(?<!\w)(?:{_TIME_LEADS[lang]})\s+({hour}{_PART}?)(?![\w:.])"
    for match in re.finditer(after_lead, text, flags):
        if not re.match(r"\s*(?:uhr|min|heure|hora|stunde|minut)", text[match.end(1) :], flags):
            clocks.append(match.span(1))
    clocks += [m.span() for m in _SPOKEN.finditer(text) if _spoken(m)]
    # "8h du soir" and "halb drei" are whole; "8h" and "drei" are not times of their own there.
    spans = [
        c for c in clocks if not any(a <= c[0] and c[1] <= b and (a, b) != c for a, b in clocks)
    ]
    ranges = time_ranges(text, lang)
    spans = [s for s in spans if not any(r.start <= s[0] and s[1] <= r.end for r in ranges)]
    spans += [(r.start, r.end) for r in ranges] + [
        (r.start, r.start + len(r.first)) for r in ranges
    ]
    spans += [
        m.span() for m in re.finditer(rf"(?<![\w-])(?:{_DAY_PARTS[lang]})(?![\w-])", text, flags)
    ]
    return sorted(set(spans))


# Ranges: "de 14h à 16h", "14h-16h30", "von 14 bis 16 Uhr", "14-16 Uhr", "de 2 a 4 de la tarde",
# "entre las 9 y las 11". French and German read each end on the 24-hour clock; Spanish reads
# bare ends as an English range does ("from 9 to 11"), and ends with a part of the day after the
# range by that part (:func:`_parted_end`).
_RANGES = {
    "fr": r"(?:(?:de|entre)\s+)?(?P<a>\d{1,2}(?:\s*h(?:\s*\d{2})?)?)\s*(?:à|-|–|et)\s*"
    r"(?P<b>\d{1,2}\s*h(?:\s*\d{2})?|\d{1,2}\s+heures)",
    "es": r"(?:de|desde|entre)\s+(?:las?\s+)?(?P<a>\d{1,2}(?::\d{2})?)\s*(?:a|-|–|y|hasta)\s*"
    r"(?:las?\s+)?(?P<b>\d{1,2}(?::\d{2})?)"
    r"(?:\s+(?:de\s+la|por\s+la)\s+(?P<part>mañana|madrugada|tarde|noche))?",
    "de": r"(?:(?:von|zwischen)\s+)?(?P<a>\d{1,2}(?:[:.]\d{2})?)(?:\s*uhr)?\s*(?:bis|-|–|und)\s*"
    r"(?P<b>\d{1,2}(?:[:.]\d{2})?)\s*uhr",
}


def _english_end(part: str, lang: str) -> str:
    """One end of a French or German range as a 24-hour ``HH:MM`` ("9h30" -> "09:30"); a
    Spanish end as written ("9", "9:30")."""
    if lang == "es":
        return part
    hour, minute = _hour_minute(part)
    return f"{hour:02d}:{minute:02d}"


def _hour_minute(end: str) -> tuple[int, int]:
    """The hour and minute a range's end writes ("9h30", "14", "9:30")."""
    hour, minute = (re.findall(r"\d+", end) + ["0"])[:2]
    return int(hour), int(minute)


def _parted_end(first: str, last: str, part: str) -> tuple[str, str]:
    """Both ends of a Spanish range with a part of the day after it, as 24-hour ``HH:MM``: the
    part places the last end ("de 10 a 12 de la noche": 22:00 to 00:00); the first end is read
    by the same part, or 12 hours either side of that, whichever starts the range less than 12
    hours before its end ("de 11 a 1 de la tarde": 11:00 to 13:00; "de 11 a 1 de la mañana":
    23:00 to 01:00)."""
    start, end = (_day_minutes(*_hour_minute(e), part) for e in (first, last))
    if start is None or end is None:
        return _english_end(first, "es"), _english_end(last, "es")
    day = 24 * 60
    start = next(
        (
            s % day
            for s in (start, start - day // 2, start + day // 2)
            if 0 < (end - s) % day <= day // 2
        ),
        start,
    )
    return f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"


@lru_cache(maxsize=1024)  # asked by candidates, time_expressions and postprocess of one request
def time_ranges(text: str, lang: str) -> tuple:  # of calendar_ner.schema.TimeRange
    """Every clock-time range ``text`` writes the ``lang`` way, read by the English reader
    (:func:`calendar_ner.schema.time_ranges`) from its ends: "de 14h à 16h" as "from 14:00 to
    16:00", "de 2 a 4 de la tarde" as "from 14:00 to 16:00".

    >>> [(r.text, r.first, r.time, r.minutes) for r in time_ranges("Cours de 14h à 16h30", "fr")]
    [('14h à 16h30', '14h', '2:00 PM', 150)]
    """
    # Imported here: calendar_ner.schema imports this module.
    from calendar_ner.schema import TimeRange
    from calendar_ner.schema import time_ranges as english_ranges

    found = []
    for match in re.finditer(rf"(?<![\w:.])(?:{_RANGES[lang]})(?![\w:.])", text, re.IGNORECASE):
        part = match.groupdict().get("part")
        a, b = (
            _parted_end(match["a"], match["b"], part)
            if part
            else (_english_end(e, lang) for e in (match["a"], match["b"]))
        )
        read = english_ranges(f"from {a} to {b}")
        if read:
            start = match.start("a")
            found.append(
                TimeRange(
                    start,
                    match.end(),
                    text[start : match.end()],
                    match["a"],
                    read[0].time,
                    read[0].minutes,
                )  # fmt: skip
            )
    return tuple(found)


def duration_spelling(minutes: int, lang: str) -> str:
    """A length in ``lang``'s words, as the English labels spell one ("2 heures", "30 minutos",
    "1 Stunde 30 Minuten")."""
    one, many, of_minutes = _UNITS[lang]
    hours, rest = divmod(minutes, 60)
    parts = [f"{hours} {one if hours == 1 else many}"] if hours else []
    return " ".join(parts + ([f"{rest} {of_minutes}"] if rest else []))


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
    (
        r"une heure et demie|una hora y media|(?:anderthalb|eineinhalb) stunden",
        "an hour and a half",
    ),
    (r"(\d+),(\d+)", r"\1.\2"),  # "1,5 heures": "1.5 hours"
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
