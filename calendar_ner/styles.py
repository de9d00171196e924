"""Request styles: small features of how a request is written that some label conventions follow.

A request may have several styles; "plain" when it has none. ``python benchmarks/label_audit.py``
counts each convention per style over the dev labels (``conventions_by_style``); generated rows
(:func:`calendar_ner.data.augment.style.restyle`, ``data.corpus.style_conventions``) and decoded
values (:func:`calendar_ner.decode.postprocess.postprocess`, ``decode.style_conventions``) can
follow the convention of the request's style.

    >>> styles("Budget sync 3rd, Feb 2025 3pm w/ Omar + Li 45min")
    ['compact (w/, +)', 'compact with am/pm time']
    >>> spell_out_glued("45min"), spell_out_glued("1hr"), spell_out_glued("1hr 15min")
    ('45 minutes', '1 hour', '1 hour 15 minutes')
    >>> glued_as_written("20 minutes", "Check-in 2025-04-10 2pm w/ Yusuf 20min")
    '20min'
"""

from __future__ import annotations

import re

STYLES: dict[str, re.Pattern[str]] = {
    "compact (w/, +)": re.compile(r"\bw/|\s\+\s"),
    "compact with am/pm time": re.compile(
        r"^(?=.*(?:\bw/|\s\+\s))(?=.*\b\d{1,2}(?::\d\d)?\s?[ap]m\b)", re.I
    ),
    "ISO date": re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),
    "dashed date": re.compile(r"\b\d{1,2}\s*-\s*[A-Za-z]{3,}\s*-\s*\d{4}\b"),
    "sentence": re.compile(r"^(?:please|can|could|i|we|let's|would)\b|[.?!]$", re.I),
}

GLUED = re.compile(r"(\d+(?:\.\d+)?)(min|mins|m|hr|hrs|h)", re.I)  # "45min", "1.5hrs"


def styles(text: str) -> list[str]:
    """The styles of a request (:data:`STYLES`), or ["plain"]."""
    return [name for name, pattern in STYLES.items() if pattern.search(text)] or ["plain"]


def spells_out_glued_units(text: str) -> bool:
    """Whether the labels of a request in this style spell a glued amount out ("45min" →
    "45 minutes", "2hr" → "2 hours"): compact requests with an am/pm time and no ISO date. Of
    the 600 dev labels with a glued amount, that style spells out 17 of 20 glued minute amounts
    and 6 of 10 glued hours; every other style copies them (47 of 47;
    ``benchmarks/label_audit.py``, ``conventions_by_style``)."""
    found = styles(text)
    return "compact with am/pm time" in found and "ISO date" not in found


_SPELLED = re.compile(r"(\d+(?:\.\d+)?) (minutes?|hours?|mins?|hrs?)", re.IGNORECASE)


def glued_as_written(value: str, text: str) -> str:
    """A glued amount of ``text`` that ``value`` spells out in words or spaced ("20 minutes" or
    "20 min" for "20min", "2 hr" for "2hrs"), as written, where the labels of the request's style
    copy glued amounts: outside the style of :func:`spells_out_glued_units`, the dev labels copy
    95 of 95 glued `h`, `hr`, `hrs`, `m` and `min` amounts and spell none out in words or
    spaced; they space 14 of 15 `mins` ("45mins" → "45 mins"). Other values, and requests in
    that style, as given."""
    spelled = _SPELLED.fullmatch(value.strip())
    if not spelled or spells_out_glued_units(text):
        return value
    number, unit = spelled[1], spelled[2][0].lower()
    written = {
        f"{m[1]} {m[2]}" if m[2].lower() == "mins" else m[0]
        for m in re.finditer(rf"\b{GLUED.pattern}\b", text, re.IGNORECASE)
        if m[1] == number and m[2][0].lower() == unit
    }
    return written.pop() if len(written) == 1 else value


def spell_out_glued(value: str) -> str:
    """A glued amount as those labels spell it ("45min" → "45 minutes"), each of the amounts of
    a compound one ("1hr 15min" → "1 hour 15 minutes"); other values as given."""
    amounts = [GLUED.fullmatch(amount) for amount in value.split()]
    if not amounts or not all(amounts):
        return value
    spelled = []
    for number, unit in (amount.groups() for amount in amounts):
        unit = "minute" if unit.lower().startswith("m") else "hour"
        spelled.append(f"{number} {unit}{'' if number == '1' else 's'}")
    return " ".join(spelled)
