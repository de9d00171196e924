"""Raw rows in, canonical rows out: JSONL reading with file:line errors, and atomic writes."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from calendar_ner.schema import SchemaError, canonicalize

Row = dict[str, Any]


class DataError(ValueError):
    """A bad input row; the message starts with ``file:line:``."""


def parse_request(obj: Any) -> Row:
    """Validate one extraction request: an object with a string ``event_text`` (kept whole)."""
    if not isinstance(obj, dict):
        raise SchemaError(f"row must be a JSON object, got {type(obj).__name__}")
    text = obj.get("event_text")
    if not isinstance(text, str):
        raise SchemaError(f"'event_text' must be a string, got {type(text).__name__}")
    return obj


def parse_row(obj: Any) -> Row:
    """Validate one labelled row and return ``{"event_text", "output"}`` (output canonical)."""
    text = parse_request(obj)["event_text"]
    if not text.strip():
        raise SchemaError("'event_text' is empty")
    if "output" not in obj:
        raise SchemaError("missing 'output'")
    return {"event_text": text.strip(), "output": canonicalize(obj["output"], strict=True)}


def parse_jsonl(
    path: str | os.PathLike,
    parse: Callable[[Any], Row],
    *,
    skip_invalid: bool = False,
    hint: str = "",
) -> tuple[list[tuple[int, Row]], list[Row]]:
    """``(line, parse(obj))`` for each non-blank line, and the skipped ``{"line", "reason"}``.

    A bad line raises :class:`DataError` naming ``file:line`` and the problem unless
    ``skip_invalid`` is set (``hint`` is appended to that message).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: data file not found")
    parsed: list[tuple[int, Row]] = []
    skipped: list[Row] = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                parsed.append((lineno, parse(json.loads(line))))
                continue
            except json.JSONDecodeError as err:
                reason = f"malformed JSON ({err.msg} at column {err.colno})"
            except SchemaError as err:
                reason = str(err)
            if not skip_invalid:
                raise DataError(f"{path}:{lineno}: {reason}{hint}")
            skipped.append({"line": lineno, "reason": reason})
    return parsed, skipped


def read_rows(
    path: str | os.PathLike, *, skip_invalid: bool = False
) -> tuple[list[Row], list[Row]]:
    """Read a ``{"event_text", "output"}`` JSONL file.

    Returns ``(rows, skipped)``. Each row gains ``"line"`` (1-based). A bad line raises
    :class:`DataError` naming ``file:line`` and the problem, unless ``skip_invalid`` is set; then
    it is returned in ``skipped`` as ``{"line", "reason"}`` so the data card can list it.
    """
    parsed, skipped = parse_jsonl(
        path, parse_row, skip_invalid=skip_invalid, hint=" (pass --skip_invalid to skip such rows)"
    )
    if not parsed:
        raise DataError(f"{path}: no valid rows")
    return [{**row, "line": lineno} for lineno, row in parsed], skipped


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a text file atomically (a crash never leaves a half-written file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_jsonl(path: str | os.PathLike, rows: Iterable[Row]) -> None:
    """Write rows as JSONL atomically."""
    write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write one JSON document atomically."""
    write_text(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def load_jsonl(path: str | os.PathLike) -> list[Row]:
    """Read a JSONL file this project wrote (splits, predictions)."""
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
