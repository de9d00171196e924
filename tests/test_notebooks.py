"""The notebooks are committed without outputs (theirs would show real rows) and run end to end on
a tiny random model and invented rows."""

import contextlib
import io
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_saved_without_outputs(path):
    for cell in _code_cells(path):
        assert cell["outputs"] == [] and cell["execution_count"] is None, (
            f"{path.name}: clear the outputs before committing "
            "(jupyter nbconvert --clear-output --inplace notebooks/*.ipynb)"
        )


def run_notebook(path: Path, **parameters) -> str:
    """Run the code cells in one namespace, with ``parameters`` set after the cell tagged
    ``parameters`` (as papermill does); returns what the cells printed."""
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for cell in _code_cells(path):
            exec("".join(cell["source"]), namespace)  # noqa: S102 - our own notebook
            if "parameters" in cell["metadata"].get("tags", []):
                assert set(parameters) <= set(namespace), "unknown notebook parameter"
                namespace.update(parameters)
    return out.getvalue()


def test_error_analysis_notebook(adapter_dir, raw_file):
    path = next(p for p in NOTEBOOKS if p.name == "error_analysis.ipynb")
    printed = run_notebook(
        path, MODEL=str(adapter_dir), OTHER=str(adapter_dir), DATA=str(raw_file), SHOW=2
    )
    assert "MODEL: 36 rows, exact match" in printed and "OTHER: 36 rows" in printed
    assert "field" in printed and "missed" in printed and "invented" in printed
    # The same model twice: nothing fixed, nothing broken.
    assert "--- OTHER fixes: 0 row(s)" in printed and "--- OTHER breaks: 0 row(s)" in printed
