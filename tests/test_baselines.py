"""``calendar_ner evaluate --baselines``: every baseline scored on the same rows (tiny model)."""

from __future__ import annotations

import json

import pytest

from calendar_ner import baselines
from calendar_ner.__main__ import main
from calendar_ner.baselines import COLUMNS, rules_extract, sample_rows, zero_shot_prompt
from calendar_ner.schema import FIELDS
from tests.conftest import invented_rows

BASELINES = ["zero-shot base", "adapter, free-form", "adapter, constrained", "rules (dateparser)"]


@pytest.fixture
def three_rows(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in invented_rows(3)))
    return path


def test_every_baseline_is_scored_on_the_same_rows(
    adapter_dir, three_rows, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(baselines, "MAX_NEW_TOKENS", 8)  # a random model never stops on its own
    out = tmp_path / "report" / "baselines.json"
    main(
        ["evaluate", "--data", str(three_rows), "--model", str(adapter_dir), "--baselines",
         "--baseline_rows", "3", "--baselines_out", str(out)]
    )  # fmt: skip
    report = json.loads(out.read_text())
    assert report["rows"] == 3 and report["of_rows"] == 3
    assert list(report["baselines"]) == BASELINES
    for metrics in report["baselines"].values():
        assert set(COLUMNS) <= set(metrics)
        assert all(0 <= metrics[k] <= 1 for k in COLUMNS if "ms_" not in k)
        assert metrics["ms_per_event"] > 0 and metrics["cpu_ms_per_event"] > 0
    # The constrained decoder writes valid JSON even on a random model.
    assert report["baselines"]["adapter, constrained"]["json_validity"] == 1.0
    printed = capsys.readouterr().out
    assert all(f"| {name} |" in printed for name in BASELINES)
    assert out.with_suffix(".md").read_text().startswith("| baseline |")


def test_rules_get_the_obvious_dates_and_times():
    for row in invented_rows(12):
        got, gold = rules_extract(row["event_text"]), row["output"]
        assert set(got) == set(FIELDS)
        assert (got["time"], got["attendees"]) == (gold["time"], gold["attendees"])
        if " - " not in row["event_text"]:  # "11 - Sep - 2026" trips search_dates
            assert got["date"] == gold["date"], row["event_text"]
    assert rules_extract("Call Ana tomorrow at noon, every week")["date"] == "tomorrow"
    assert rules_extract("Call Ana tomorrow at noon, every week")["recurrence"] == "weekly"
    assert rules_extract("no date here")["date"] is None


def test_sample_is_fixed_and_in_file_order():
    rows = invented_rows(30)
    picked = sample_rows(rows, 5)
    assert picked == sample_rows(rows, 5)
    assert [rows.index(r) for r in picked] == sorted(rows.index(r) for r in picked)
    assert sample_rows(rows, 50) == rows


def test_zero_shot_prompt_uses_the_chat_template(tokenizer):
    text = tokenizer.decode(zero_shot_prompt(tokenizer, "Lunch  with Sam"))
    assert "<|im_start|>user\nLunch with Sam<|im_end|>" in text
    assert text.rstrip().endswith("<|im_start|>assistant")


def test_bad_baseline_rows_fails_before_loading(three_rows, capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--data", str(three_rows), "--model", "nowhere", "--baselines",
              "--baseline_rows", "0"])  # fmt: skip
    assert "baseline_rows" in capsys.readouterr().err
