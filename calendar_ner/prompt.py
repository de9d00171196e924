"""The prompt template and the JSON target, kept in one module so training and decoding agree.

The target is rendered as alternating *fixed* segments (``{"action":``, ``, "date":``, …, ``}``)
and *value* segments (`` "Lunch"``, `` null``, `` ["Sam", "Ana"]``). Training tokenizes each
segment on its own and concatenates the ids; the constrained decoder feeds the fixed segments
verbatim and lets the model write only the values, so both see exactly the same token boundaries.
"""

from __future__ import annotations

import json
from typing import Any

from calendar_ner.schema import FIELDS, Event, canonicalize, ground_duration

PROMPT_VERSION = "1"
# Short on purpose: every prompt token costs a prefill on CPU (~3 ms each for the 135M model).
# Three segments, tokenized separately so the text can be truncated without touching the rest.
PROMPT_HEAD = "Extract the calendar event as JSON.\nText:"
PROMPT_TAIL = "\nJSON:\n"


def prompt_segments(text: str) -> tuple[str, str, str]:
    """``(head, text, tail)``: the request text with whitespace collapsed and a leading space."""
    return PROMPT_HEAD, " " + " ".join(text.split()), PROMPT_TAIL


def build_prompt(text: str) -> str:
    """The model input for one calendar request, as a string."""
    return "".join(prompt_segments(text))


def value_text(value: Any) -> str:
    """JSON for one value with its leading space: `` "Lunch"``, `` null``, `` ["A", "B"]``."""
    return " " + json.dumps(value, ensure_ascii=False)


def fixed_text(index: int) -> str:
    """The fixed JSON text before field ``index`` (``len(FIELDS)`` gives the closing brace)."""
    if index == len(FIELDS):
        return "}"
    return ("{" if index == 0 else ", ") + json.dumps(FIELDS[index]) + ":"


def target_segments(event: Event) -> list[tuple[str, bool]]:
    """``(text, is_value)`` segments whose concatenation is the compact target JSON."""
    segments: list[tuple[str, bool]] = []
    for i, field in enumerate(FIELDS):
        segments.append((fixed_text(i), False))
        segments.append((value_text(event[field]), True))
    segments.append((fixed_text(len(FIELDS)), False))
    return segments


def render_target(event: Event) -> str:
    """The target JSON string (schema order, one space after ``:`` and ``,``)."""
    return "".join(text for text, _ in target_segments(event))


def parse_output(text: str, request: str | None = None) -> Event | None:
    """Parse generated text into a canonical event; None when it is not a JSON object.

    Trailing text after the first complete object is ignored (free-form models often run on).
    Given the ``request`` it answers, a duration the request never writes is respelled the way
    the labels spell the amount, where the request states it
    (:func:`calendar_ner.schema.ground_duration`).
    """
    start = text.find("{")
    if start < 0:
        return None
    try:
        obj, _ = json.JSONDecoder().raw_decode(text[start:])
    except json.JSONDecodeError:
        return None
    if not isinstance(obj, dict):
        return None
    event = canonicalize(obj, strict=False)
    if request is not None:
        event["duration"] = ground_duration(event["duration"], request)
    return event
