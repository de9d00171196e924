"""The notebooks are committed without outputs (theirs would show real rows) and run end to end on
a tiny random model and invented rows (error_analysis: on an ``evaluate --out`` folder it makes)."""

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


def test_error_analysis_notebook(adapter_dir, tmp_path):
    from calendar_ner.data.io import write_jsonl
    from calendar_ner.evaluate import main as evaluate
    from tests.conftest import invented_rows

    data, report = tmp_path / "rows.jsonl", tmp_path / "report"
    write_jsonl(data, invented_rows(4))
    evaluate(["--data", str(data), "--model", str(adapter_dir), "--out", str(report)])
    path = next(p for p in NOTEBOOKS if p.name == "error_analysis.ipynb")
    printed = run_notebook(path, REPORT=str(report), OTHER=str(report), SHOW=2)
    assert "REPORT: 4 rows, exact match" in printed and "OTHER: 4 rows" in printed
    assert "null->value" in printed and "missed" in printed and "boundary" in printed
    assert "plot: field_scores.png" in printed and "--- action missed: 4 row(s)" in printed
    # The same folder twice: nothing fixed, nothing broken.
    assert "--- OTHER fixes: 0 row(s)" in printed and "--- OTHER breaks: 0 row(s)" in printed
