"""Decoded text → the event a user gets: the one place post-processing happens.

Every path that turns model output into an event calls :func:`postprocess`: the Python API and
CLI (:mod:`calendar_ner.extract`), the REST server, validation/test metrics and ``predict``
(:mod:`calendar_ner.models.module`) and the benchmarks.

    >>> raw = '{"action": "Sync", "duration": "1 hour and a half"}'
    >>> postprocess(raw, "Sync for an hour and a half", DecodeConfig())["duration"]
    '1 hour 30 minutes'
"""

from __future__ import annotations

import json

from calendar_ner.decode.config import DecodeConfig
from calendar_ner.schema import Event, canonicalize, ground_duration


def parse_event(text: str) -> Event | None:
    """The canonical event in generated ``text``; None when it holds no JSON object.

    Trailing text after the first complete object is ignored (free-form models often run on).
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
    return canonicalize(obj, strict=False)


def postprocess(raw: str, request: str, config: DecodeConfig) -> Event | None:
    """The event in ``raw`` (None when it holds none), its values tidied as ``config`` says:
    with ``ground_durations`` a duration the ``request`` never writes is respelled the way the
    labels spell the amount it states."""
    event = parse_event(raw)
    if event is not None and config.ground_durations:
        event["duration"] = ground_duration(event["duration"], request)
    return event
