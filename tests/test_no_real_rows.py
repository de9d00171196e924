"""No tracked file repeats a real request: the dev rows are read by path, never copied, and tests
and docs quote invented requests. Any run of 4 words (20 characters or more) of a real request
found in a tracked text file fails, naming the file. Skips where the real rows are not present."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "event_text_mapping.dev.jsonl"
_TEXT = (
    ".py",
    ".md",
    ".yaml",
    ".ipynb",
    ".cfg",
    ".toml",
    ".html",
    ".js",
    ".json",
    ".jsonl",
    ".txt",
)
_LARGEST = 1 << 20  # a tokenizer's vocabulary is no prose


def _runs(text: str) -> set[str]:
    """Every run of 4 words of ``text`` (markup and punctuation at word edges ignored) that is
    20 characters or longer."""
    words = [w.strip(".,;:!?()[]'") for w in re.sub(r"[`\"#*>|\\]", " ", text).split()]
    runs = (" ".join(words[i : i + 4]) for i in range(len(words) - 3))
    return {r for r in runs if len(r) >= 20}


@pytest.mark.skipif(not RAW.is_file(), reason=f"{RAW} not present")
def test_no_tracked_file_repeats_a_real_request():
    real = set().union(*(_runs(json.loads(line)["event_text"]) for line in RAW.open()))
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode:
        pytest.skip("not a git checkout")
    leaks = {}
    for name in filter(None, listed.stdout.split("\0")):
        path = ROOT / name
        if path.suffix in _TEXT and path.is_file() and path.stat().st_size <= _LARGEST:
            found = _runs(path.read_text(errors="ignore")) & real
            if found:
                leaks[name] = len(found)
    assert not leaks, f"files repeating 4+ words of a real request (count of runs): {leaks}"
