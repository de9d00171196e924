"""Raw rows in, canonical rows out: JSONL reading with file:line errors, path checks made
before any work, and atomic writes that respect the umask."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from calendar_ner.errors import UserError
from calendar_ner.schema import (
    SchemaError,
    canonicalize,
    is_date_like,
    is_time_like,
)

Row = dict[str, Any]


class DataError(UserError, ValueError):
    """A bad input row or file; the message starts with ``file:line:`` (or ``file:``)."""


def _utf8_error(path: Path) -> str | None:
    """``line:column: ...`` of the first byte that is not UTF-8, or None when all of it is."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        start = data.rfind(b"\n", 0, err.start) + 1
        column = len(data[start : err.start].decode("utf-8")) + 1
        line = data.count(b"\n", 0, err.start) + 1
        return f"{line}:{column}: not UTF-8 text (byte 0x{data[err.start]:02x})"
    return None


def check_input_file(path: str | os.PathLike, flag: str, *, text: bool = True) -> Path:
    """Check, before any work, that ``path`` (given with ``flag``) is a readable file and, with
    ``text``, UTF-8 throughout; raise :class:`DataError` with one line naming the flag, the file
    and (for bad bytes) its ``line:column``. Returns the path.

    >>> check_input_file("no/such.jsonl", "--input")
    Traceback (most recent call last):
    ...
    calendar_ner.data.io.DataError: --input no/such.jsonl: file not found
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{flag} {path}: file not found")
    if not path.is_file():
        raise DataError(f"{flag} {path}: not a file")
    try:
        path.open("rb").close()
    except OSError as err:
        raise DataError(f"{flag} {path}: not readable ({err.strerror or err})") from None
    if text and (where := _utf8_error(path)):
        raise DataError(f"{flag} {path}:{where}")
    return path


def check_output_path(path: str | os.PathLike, flag: str) -> Path:
    """Check, before any work, that a file can be written at ``path`` (given with ``flag``): it
    is not a folder and its folder exists and is writable, or can be created. Raises
    :class:`DataError` naming the flag and the path; returns the path.

    >>> check_output_path("/dev/null/report.json", "--report")
    Traceback (most recent call last):
    ...
    calendar_ner.data.io.DataError: --report /dev/null/report.json: /dev/null is not a folder
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{flag} {path}: is a folder, not a file")
    parent = path.parent
    missing = None
    while not parent.exists():  # the nearest existing folder must be writable
        missing, parent = parent, parent.parent
    if not parent.is_dir():
        raise DataError(f"{flag} {path}: {parent} is not a folder")
    try:  # a real probe: permission bits say nothing for root or on read-only mounts
        tempfile.TemporaryFile(dir=parent).close()
    except OSError as err:
        what = f"cannot create folder {missing}" if missing else f"folder {parent} is not writable"
        raise DataError(f"{flag} {path}: {what} ({err.strerror or err})") from None
    return path


def report_skipped(path: str | os.PathLike, skipped: list[Row]) -> None:
    """List rows skipped by ``--skip_invalid`` on stderr: a count, then ``file:line: reason``."""
    if not skipped:
        return
    print(f"skipped {len(skipped)} invalid row(s) in {path}:", file=sys.stderr)
    for entry in skipped:
        print(f"  {path}:{entry['line']}: {entry['reason']}", file=sys.stderr)


_SURROGATE = re.compile("[\ud800-\udfff]")


def unicode_text(value: Any) -> str:
    """``value`` as text any encoder accepts: a non-string becomes ``""`` and a lone surrogate
    (half of a UTF-16 pair, e.g. from a ``"\\ud800"`` JSON escape) becomes U+FFFD.

    >>> unicode_text("a\\ud800b"), unicode_text(None)
    ('a\\ufffdb', '')
    """
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else ""


def parse_request(obj: Any) -> Row:
    """Validate one extraction request: an object with a string ``event_text`` (kept whole) that
    holds no lone surrogate (it could not be written back as UTF-8)."""
    if not isinstance(obj, dict):
        raise SchemaError(f"row must be a JSON object, got {type(obj).__name__}")
    text = obj.get("event_text")
    if not isinstance(text, str):
        raise SchemaError(f"'event_text' must be a string, got {type(text).__name__}")
    if match := _SURROGATE.search(text):
        raise SchemaError(
            f"'event_text' holds a lone surrogate at character {match.start() + 1} (not Unicode)"
        )
    return obj


def parse_row(obj: Any) -> Row:
    """Validate one labelled row and return ``{"event_text", "output"}`` (output canonical)."""
    text = parse_request(obj)["event_text"]
    if not text.strip():
        raise SchemaError("'event_text' is empty")
    if "output" not in obj:
        raise SchemaError("missing 'output'")
    return {"event_text": text.strip(), "output": check_label(obj["output"])}


def check_label(output: Any) -> dict:
    """The canonical form of a labelled output whose date and time name a date and a time.

    A label that is not a date or time expression ("not a date at all" as a date) raises
    :class:`SchemaError` naming the field; such a row never becomes training material.

    >>> check_label({**dict.fromkeys(["action", "attendees", "location", "duration"]),
    ...     "recurrence": None, "notes": None, "date": "10th, May 2025", "time": "11 am"})["date"]
    '10/05/2025'
    >>> check_label({"action": None, "date": "not a date at all", "time": None,
    ...     "attendees": None, "location": None, "duration": None, "recurrence": None,
    ...     "notes": None})
    Traceback (most recent call last):
    ...
    calendar_ner.schema.SchemaError: field 'date': 'not a date at all' is not a date expression
    """
    event = canonicalize(output, strict=True)
    for field, like in (("date", is_date_like), ("time", is_time_like)):
        if event[field] is not None and not like(event[field]):
            raise SchemaError(f"field {field!r}: {event[field]!r} is not a {field} expression")
    return event


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
    if where := _utf8_error(path):
        raise DataError(f"{path}:{where}")
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
                where, reason = f"{lineno}:{err.colno}", f"malformed JSON ({err.msg})"
            except SchemaError as err:
                where, reason = f"{lineno}", str(err)
            if not skip_invalid:
                raise DataError(f"{path}:{where}: {reason}{hint}")
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


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write a file atomically: a temp file in the same folder, then ``os.replace``, so a kill
    never leaves a truncated file under ``path``. The file gets ``0o666 & ~umask`` like any
    new file; an error names ``path`` (never the temp file)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise DataError(f"{path}: cannot write ({err.strerror or err})") from err
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise DataError(f"{path}: cannot write ({err.strerror or err})") from err
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a UTF-8 text file atomically (see :func:`write_bytes`)."""
    write_bytes(path, text.encode("utf-8"))


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
