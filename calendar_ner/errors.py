"""User-facing errors: one line naming the file, flag or field, exit status 2, no traceback.

Every command runs under :func:`run`; a :class:`UserError` (or a data, schema, model-spec,
file-system or encoding error) prints ``calendar_ner: error: <message>`` on stderr and exits 2.
``--debug`` anywhere on the command line, or ``CALENDAR_NER_DEBUG=1``, shows the traceback
instead. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

PROG = "calendar_ner"
DEBUG_FLAG = "--debug"
DEBUG_ENV = "CALENDAR_NER_DEBUG"


class UserError(Exception):
    """A problem with what the user gave (a path, a flag, a row); the message says what and
    where in one line."""


def _user_errors() -> tuple[type[BaseException], ...]:
    from calendar_ner.data.io import DataError
    from calendar_ner.models.weights import ModelLoadError
    from calendar_ner.schema import SchemaError

    return (UserError, DataError, SchemaError, ModelLoadError, OSError, UnicodeError)


def message(err: BaseException) -> str:
    """The one-line message for a user error (file-system errors name their file)."""
    if isinstance(err, OSError) and err.filename is not None:
        return f"{err.filename}: {err.strerror or err}"
    return " ".join(str(err).split()) or type(err).__name__


def debug_enabled(argv: list[str]) -> bool:
    """Whether ``--debug`` is on the command line or ``CALENDAR_NER_DEBUG`` is set (not 0)."""
    return DEBUG_FLAG in argv or os.environ.get(DEBUG_ENV, "0") not in ("", "0")


def run(command: Callable[[list[str]], object], argv: list[str]) -> None:
    """Run ``command(argv)`` (``--debug`` removed); user errors end in one line and exit 2."""
    debug = debug_enabled(argv)
    argv = [a for a in argv if a != DEBUG_FLAG]
    try:
        command(argv)
    except _user_errors() as err:
        if debug:
            raise
        print(f"{PROG}: error: {message(err)}", file=sys.stderr)
        sys.exit(2)
