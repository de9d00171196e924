"""The layout's rules: data code never imports model code, inference never imports augmentation."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "calendar_ner"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_data_code_never_imports_model_code():
    offending = {
        str(path.relative_to(PACKAGE.parent)): sorted(
            name for name in _imports(path) if name.startswith("calendar_ner.models")
        )
        for path in (PACKAGE / "data").rglob("*.py")
    }
    assert {k: v for k, v in offending.items() if v} == {}


def test_inference_imports_no_augmentation_and_no_faker():
    code = (
        "import sys, calendar_ner.extract, calendar_ner.serve, calendar_ner.decode; "
        "print(sorted(m for m in sys.modules "
        "if m == 'faker' or m.startswith(('calendar_ner.data.augment', 'lightning'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert out == "[]"
