"""benchmarks/constraints.py decodes with each copy constraint off in turn (tiny model)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from calendar_ner.extract import CalendarExtractor
from calendar_ner.models.weights import load_model
from tests.conftest import TINY, invented_rows

_PATH = Path(__file__).parents[1] / "benchmarks" / "constraints.py"
_SPEC = importlib.util.spec_from_file_location("constraints", _PATH)
constraints = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(constraints)


def test_each_variant_turns_one_constraint_off(tokenizer):
    extractor = CalendarExtractor(load_model(TINY).eval(), tokenizer)
    settings = {k: v.to_dict() for k, v in constraints.variants(extractor.config).items()}
    full = settings.pop("full")
    assert full["action_bounds"] and full["exact_copy"] and "action" in full["copy_fields"]
    assert full["ground_durations"]
    off = {name: {k for k in full if s[k] != full[k]} for name, s in settings.items()}
    assert off == {
        "no exact copy": {"exact_copy"},
        "no action bounds": {"action_bounds"},
        "no copy constraint": {"copy_fields"},
        "no duration grounding": {"ground_durations"},
    }
    rows = invented_rows(3)
    result = constraints.compare(extractor, rows, batch_size=2)
    assert list(result) == ["full", *settings]
    assert result["full"]["answers_changed"] == 0
    for metrics in result.values():
        assert 0 <= metrics["of_those_right_here"] <= metrics["answers_changed"] <= len(rows)
        assert 0 <= metrics["exact_match"] <= 1 and 0 <= metrics["field_f1"] <= 1
