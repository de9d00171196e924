"""The documentation speaks of the project as it is: no machine-local paths, no first person, no
history of who ran what, and a README that stays a short guide. Pure text; no model is loaded.

Checked: README.md, docs/**/*.md, data/README.md, checkpoints/README.md (if present),
configs/*.yaml, the shipped adapter's card, config and JSON files, and the comments and string
literals (docstrings included) of every calendar_ner/**/*.py and benchmarks/*.py file.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 250
ADAPTER = ROOT / "checkpoints" / "release" / "adapter"

LOCAL_PATH = re.compile(r"/tmp/|/root/|/home/|/work/|/var/folders/|/Users/")
FIRST_PERSON = re.compile(
    r"(^|[^A-Za-z.'])I (ship|shipped|ran|wrote|had|chose|picked|kept|measured|tried|found|think"
    r"|used|added|made|looked|overrode)\b"
    r"|\b(we|We) (ran|chose|picked|measured|tried|shipped|found|wrote|used|added)\b"
)
# "this machine only" (a server bound to 127.0.0.1) is fine; "on this machine" dates a figure.
HISTORY = re.compile(
    r"\b(this|previous|earlier|last|that) session\b|\b(on|of|for) this machine\b",
    flags=re.IGNORECASE,
)
RULES = {"machine-local path": LOCAL_PATH, "first person": FIRST_PERSON, "history": HISTORY}


def text_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "data" / "README.md"]
    files += sorted((ROOT / "docs").glob("**/*.md"))
    files += [p for p in [ROOT / "checkpoints" / "README.md"] if p.exists()]
    files += sorted((ROOT / "configs").glob("*.yaml"))
    files += [
        ADAPTER / name
        for name in ("README.md", "config.yaml", "adapter_config.json", "calendar_ner.json")
    ]
    return files


def python_files() -> list[Path]:
    return sorted((ROOT / "calendar_ner").glob("**/*.py")) + sorted(
        (ROOT / "benchmarks").glob("*.py")
    )


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of every comment and string literal line of a Python file."""
    source = path.read_text(encoding="utf-8")
    lines: list[tuple[int, str]] = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            lines.append((tok.start[0], tok.string))
        elif tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            for offset, line in enumerate(tok.string.splitlines()):
                lines.append((tok.start[0] + offset, line))
    return lines


def hits(path: Path, lines: list[tuple[int, str]]) -> list[str]:
    found = []
    for number, line in lines:
        for rule, pattern in RULES.items():
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {rule}: {line.strip()}")
    return found


def test_the_checked_files_exist():
    missing = [str(p.relative_to(ROOT)) for p in text_files() if not p.exists()]
    assert not missing, f"missing: {missing}"
    assert list((ROOT / "docs").glob("*.md")), "docs/ holds no pages"
    assert python_files()


@pytest.mark.parametrize("path", text_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_and_configs_speak_of_the_project_as_it_is(path):
    if not path.exists():
        pytest.skip("missing (test_the_checked_files_exist reports it)")
    lines = list(enumerate(path.read_text(encoding="utf-8").splitlines(), start=1))
    found = hits(path, lines)
    assert not found, "\n".join(found)


def test_python_comments_and_docstrings_speak_of_the_project_as_it_is():
    found = [hit for path in python_files() for hit in hits(path, prose_lines(path))]
    assert not found, "\n".join(found)


def test_readme_is_a_short_guide_that_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    first = re.search(r"^```[a-z]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    assert first, "README has no code block"
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines()]
    assert [c for c in commands if c] == ["make quickstart", "make test"]


def test_the_rules_catch_what_they_are_for():
    bad = [
        "python benchmarks/sweep.py --out /tmp/sweep",
        "cached under /root/.cache/calendar_ner",
        "I ship r3m instead",
        "the rule was written before I looked at it",
        "We ran the sweep twice",
        "the CPU run of the previous session",
        "On this machine fp32 is slower",
    ]
    good = [
        "python benchmarks/sweep.py --out runs/sweep",
        "Interface to bind (127.0.0.1: this machine only).",
        'a name such as "Isabel" is always "Is" + "abel"',
        "the r3m recipe was chosen over the rule's winner with the test scores in view",
        "Tests live in tests/; e.g. I/O errors are reported",
    ]
    assert all(hits(Path(ROOT / "x"), [(1, line)]) for line in bad)
    assert not [line for line in good if hits(Path(ROOT / "x"), [(1, line)])]


def test_every_decoding_option_is_documented():
    from dataclasses import fields

    from calendar_ner.decode import DecodeConfig

    table = (ROOT / "docs" / "decoding.md").read_text()
    missing = [f.name for f in fields(DecodeConfig) if f"`--decode.{f.name}`" not in table]
    assert not missing, f"docs/decoding.md lacks a row for {missing}"
