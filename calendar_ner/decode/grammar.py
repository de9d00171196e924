"""The JSON value grammar of the constrained decoder: `` null``, `` "…"`` or `` ["…", …]``.

A value is written with its leading space; strings hold no escapes or control characters, so
every complete value is valid JSON.

    >>> [value_status(v, allow_list=True) for v in (' "Lun', ' "Lunch"', ' nul', ' [1]')]
    [1, 2, 1, 0]
"""

from __future__ import annotations

INVALID, PARTIAL, COMPLETE = 0, 1, 2


def _scan_string(body: str, start: int) -> tuple[int, int]:
    """Scan a JSON string opening at ``body[start]``; returns (status, index after it)."""
    i = start + 1
    while i < len(body):
        char = body[i]
        if char == '"':
            return COMPLETE, i + 1
        if char == "\\" or char < " ":
            return INVALID, i  # no escapes or control characters: always valid JSON
        i += 1
    return PARTIAL, i


def value_status(text: str, allow_list: bool) -> int:
    """Whether ``text`` (a value with its leading space) is invalid, a valid prefix, or complete."""
    if not text:
        return PARTIAL
    if text[0] != " ":
        return INVALID
    body = text[1:]
    if not body:
        return PARTIAL
    if "null".startswith(body):
        return COMPLETE if body == "null" else PARTIAL
    if body[0] == '"':
        status, end = _scan_string(body, 0)
        return status if end == len(body) else INVALID
    if body[0] != "[" or not allow_list:
        return INVALID
    i = 1
    if i == len(body):
        return PARTIAL
    if body[i] == "]":
        return COMPLETE if i + 1 == len(body) else INVALID
    while True:  # expect a string, then ", " or "]"
        if i == len(body):
            return PARTIAL
        if body[i] != '"':
            return INVALID
        status, i = _scan_string(body, i)
        if status != COMPLETE:
            return status
        rest = body[i:]
        if rest == "":
            return PARTIAL
        if rest == "]":
            return COMPLETE
        if rest.startswith(", "):
            i += 2
        elif ", ".startswith(rest):
            return PARTIAL
        else:
            return INVALID
