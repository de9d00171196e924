"""Style diversification: shorthand, punctuation and abbreviations, in text and labels alike.

Every rewrite is applied to the text and, identically, to each copied label (never to the
normalized date and time), so the labels stay verbatim copies of the text; except, with
``conventions``, where the labels of the style the text ends up in spell a shorthand out
(:func:`calendar_ner.styles.spells_out_glued_units`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from calendar_ner.schema import Event
from calendar_ner.styles import GLUED, spells_out_glued_units

StyleOp = Callable[[str, Event, random.Random], tuple[str, Event] | None]

_MINUTES = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:minutes|minute|mins|min)\b")
_HOURS = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:hours|hour|hrs|hr)\b")
_MINUTE_FORMS = ("{} mins", "{}min", "{}m", "{} min", "{}mins")
_HOUR_FORMS = ("{}hr", "{} hr", "{}h", "{}hrs", "{} hrs")
_ONE_HOUR_FORMS = ("{}hr", "{} hr", "{}h")


def _rewrite(pattern: str, repl: str) -> StyleOp:
    """An op that applies one regex rewrite to the text and to every copied label."""
    regex = re.compile(pattern)

    def op(text: str, event: Event, rng: random.Random) -> tuple[str, Event] | None:
        new_text = regex.sub(repl, text)
        if new_text == text:
            return None
        updated = dict(event)
        for key, value in event.items():
            if key in ("date", "time") or value is None:
                continue
            if isinstance(value, list):
                updated[key] = [regex.sub(repl, item) for item in value]
            else:
                updated[key] = regex.sub(repl, value)
        return new_text, updated

    return op


def _abbreviate_duration(text: str, event: Event, rng: random.Random) -> tuple[str, Event] | None:
    """Abbreviate the duration in text and label: "45 minutes" → "45m", "2 hours" → "2hrs"."""
    old = event["duration"]
    if not old:
        return None
    new = _MINUTES.sub(lambda m: rng.choice(_MINUTE_FORMS).format(m[1]), old)
    new = _HOURS.sub(
        lambda m: rng.choice(_ONE_HOUR_FORMS if m[1] == "1" else _HOUR_FORMS).format(m[1]), new
    )
    matches = list(re.finditer(rf"(?<!\w){re.escape(old)}(?!\w)", text))
    if new == old or len(matches) != 1:
        return None
    start, end = matches[0].span()
    return text[:start] + new + text[end:], {**event, "duration": new}


def _drop_commas(text: str, event: Event, rng: random.Random) -> tuple[str, Event] | None:
    """Drop commas before a space, except between attendee names ("Ann, Bo" stays)."""
    names = "|".join(re.escape(name) for name in event["attendees"] or [])
    keep = rf"(?!(?:{names})(?!\w))" if names else ""
    return _rewrite(rf",(?= {keep})", "")(text, event, rng)


def _toggle_period(text: str, event: Event, rng: random.Random) -> tuple[str, Event] | None:
    """Drop a trailing period, or add one."""
    if text.endswith("."):
        return (text[:-1], event) if not text.endswith(".m.") else None
    return text + ".", event


STYLE_OPS: dict[str, StyleOp] = {
    "meeting_to_mtg": _rewrite(r"\b([Mm])eeting\b", r"\1tg"),
    "with_to_w_slash": _rewrite(r"\bwith\b", "w/"),
    "and_to_ampersand": _rewrite(r" and ", " & "),
    "at_to_symbol": _rewrite(r"\bat (?=\d)", "@ "),
    "drop_commas": _drop_commas,
    "abbreviate_duration": _abbreviate_duration,
}


def restyle(
    text: str, event: Event, rng: random.Random, conventions: bool = False
) -> tuple[str, Event] | None:
    """Apply one to three applicable style ops (and maybe toggle the final period); with
    ``conventions``, labels follow the style of the text they end up in
    (:func:`calendar_ner.styles.spells_out_glued_units`).

    None when no op applies: punctuation alone does not make a new row.
    """
    names = list(STYLE_OPS)
    rng.shuffle(names)
    wanted, applied = rng.randint(1, 3), 0
    spelled = event["duration"]
    for name in names:
        result = STYLE_OPS[name](text, event, rng)
        if result is None:
            continue
        text, event = result
        applied += 1
        if applied == wanted:
            break
    if not applied:
        return None
    glued = event["duration"] != spelled and GLUED.fullmatch(event["duration"] or "")
    if conventions and glued and spells_out_glued_units(text):
        event = {**event, "duration": spelled}  # as the labels of this style write it
    toggled = _toggle_period(text, event, rng) if rng.random() < 0.3 else None
    return toggled or (text, event)
