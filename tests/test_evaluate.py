"""``calendar_ner evaluate --out``: the files it writes, its scores against an independent scorer
written here in plain Python, and the errors it reports before any work."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from calendar_ner import evaluate
from calendar_ner.data.io import load_jsonl, write_jsonl
from calendar_ner.schema import FIELDS, canonicalize
from tests.conftest import invented_rows


def _key(value: str) -> str:
    return " ".join(value.split()).casefold()


def independent_scores(preds: list[dict | None], golds: list[dict]) -> dict:
    """Field F1 and exact match as docs/metrics.md defines them, counted afresh."""
    counts = {f: [0, 0, 0] for f in FIELDS}  # TP, FP, FN
    exact = valid = 0
    for pred, gold in zip(preds, golds):
        gold = canonicalize(gold)
        valid += pred is not None
        pred = canonicalize(pred, strict=False) if pred is not None else dict.fromkeys(FIELDS)
        right = True
        for f in FIELDS:
            p, g = pred[f], gold[f]
            if f == "attendees":
                pn, gn = Counter(map(_key, p or [])), Counter(map(_key, g or []))
                tp = sum((pn & gn).values())
                row = [tp, sum(pn.values()) - tp, sum(gn.values()) - tp]
            elif g is None:
                row = [0, int(p is not None), 0]
            elif p is None:
                row = [0, 0, 1]
            else:
                row = [1, 0, 0] if _key(p) == _key(g) else [0, 1, 1]
            counts[f] = [a + b for a, b in zip(counts[f], row)]
            right &= row[1] == row[2] == 0
        exact += right and valid and pred is not None
    f1 = {f: 2 * c[0] / max(2 * c[0] + c[1] + c[2], 1) for f, c in counts.items()}
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    n = len(golds)
    return {
        "json_validity": valid / n,
        "exact_match": exact / n,
        "field_f1": 2 * tp / max(2 * tp + fp + fn, 1),
        "per_field_f1": f1,
    }


def _check_against_independent(metrics: dict, preds: list, golds: list) -> None:
    expected = independent_scores(preds, golds)
    for key in ("json_validity", "exact_match", "field_f1"):
        assert metrics[key] == pytest.approx(expected[key], abs=1e-6), key
    for f in FIELDS:
        assert metrics["per_field"][f]["f1"] == pytest.approx(expected["per_field_f1"][f], abs=1e-6)


def _training_logs(run: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(run / "logs" / "version_0"))
    for step in range(5):
        writer.add_scalar("train/loss", 2.0 / (step + 1), step)
    writer.close()
    (run / "csv").mkdir()
    (run / "csv" / "metrics.csv").write_text("epoch,step,val/loss\n0,4,1.5\n1,9,1.1\n")


def test_out_folder_on_the_tiny_adapter(adapter_dir, tmp_path):
    data, out, run = tmp_path / "rows.jsonl", tmp_path / "out", tmp_path / "run"
    write_jsonl(data, invented_rows(6))
    _training_logs(run)
    args = ["--data", str(data), "--model", str(adapter_dir), "--out", str(out), "--run", str(run)]
    evaluate.main([*args, "--dtype", "float32"])
    for name in ("metrics.json", "report.md", "predictions.jsonl", "field_scores.png",
                 "field_confusion.png", "training_curves.png"):  # fmt: skip
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    rows = load_jsonl(out / "predictions.jsonl")
    assert metrics["count"] == len(rows) == 6
    _check_against_independent(metrics, [r["pred"] for r in rows], [r["gold"] for r in rows])
    assert metrics["decode"]["exact_copy"] is True and metrics["model"] == str(adapter_dir)
    assert metrics["machine"]["torch_threads"] >= 1 and metrics["versions"]["torch"]
    assert "git_commit" in metrics and metrics["events_per_second"] > 0
    for f in FIELDS:
        confusion = metrics["per_field"][f]["confusion"]
        assert sum(confusion.values()) == 6
    assert "| field | precision |" in (out / "report.md").read_text()


def test_scores_and_report_with_every_kind_of_answer(adapter_dir, tmp_path, monkeypatch):
    rows = invented_rows(6)
    golds = [r["output"] for r in rows]
    preds = [
        {**golds[0], "action": golds[0]["action"].upper()},  # right: case does not count
        None,  # did not parse: invalid, all-null
        {**golds[2], "action": golds[2]["action"] + " prep"},  # boundary
        {**golds[3], "date": None, "notes": "bring slides"},  # missed and invented
        {**golds[4], "time": "11:59 PM"},  # wrong value
        {**golds[5], "attendees": ["Somebody"]},
    ]
    sure = [dict.fromkeys(FIELDS, 0.95) for _ in preds]
    monkeypatch.setattr(evaluate, "predict_scored", lambda extractor, texts, *a: (preds, sure))
    data, out = tmp_path / "rows.jsonl", tmp_path / "out"
    write_jsonl(data, rows)
    metrics = evaluate.main(["--data", str(data), "--model", str(adapter_dir), "--out", str(out)])
    _check_against_independent(metrics, preds, golds)
    assert metrics["json_validity"] == pytest.approx(5 / 6)
    saved = {r["line"]: r for r in load_jsonl(out / "predictions.jsonl")}
    assert saved[1]["errors"] == {} and saved[2]["pred"] is None
    assert saved[3]["errors"] == {"action": "boundary"}
    assert saved[4]["errors"] == {"date": "missed", "notes": "invented"}
    assert saved[5]["errors"] == {"time": "wrong"}
    report = (out / "report.md").read_text()
    assert "### action: boundary (1)" in report and "(answer did not parse)" in report
    assert metrics["per_field"]["time"]["confusion"]["value_wrong"] == 1
    # Calibration over the 5 parsed answers' 40 values, all at p = 0.95: 5 of them wrong.
    overall = metrics["calibration"]["overall"]
    assert overall["n"] == 40 and overall["accuracy"] == pytest.approx(35 / 40)
    assert overall["ece"] == pytest.approx(abs(35 / 40 - 0.95), abs=1e-4)
    assert "## Calibration" in report and (out / "reliability.png").is_file()


def test_empty_data_fails_before_the_model_loads(tmp_path, monkeypatch):
    monkeypatch.setattr(evaluate, "load_extractor", lambda ns: pytest.fail("model loaded"))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(SystemExit, match=r"evaluate: .*empty\.jsonl: no valid rows"):
        evaluate.main(["--data", str(empty), "--out", str(tmp_path / "out")])


def test_unwritable_out_is_reported_first(tmp_path, monkeypatch):
    monkeypatch.setattr(evaluate, "read_rows", lambda *a, **k: pytest.fail("data read"))
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(SystemExit, match=r"--out .*a-file/out is not writable"):
        evaluate.main(["--data", "nope.jsonl", "--out", str(blocker / "out")])


def test_report_flag_still_works_and_says_it_is_deprecated(adapter_dir, tmp_path, capsys):
    data, legacy = tmp_path / "rows.jsonl", tmp_path / "legacy.json"
    write_jsonl(data, invented_rows(2))
    evaluate.main(["--data", str(data), "--model", str(adapter_dir), "--report", str(legacy)])
    assert "--report is deprecated" in capsys.readouterr().out
    saved = json.loads(legacy.read_text())
    assert saved["rows"] == 2 and "field_f1" in saved["metrics"]


def test_rows_a_final_fit_trained_on_are_counted_as_in_sample(adapter_dir, tmp_path, capsys):
    final, raw, data = tmp_path / "final", tmp_path / "raw.jsonl", tmp_path / "rows.jsonl"
    shutil.copytree(adapter_dir, final)
    write_jsonl(raw, invented_rows(4))
    write_jsonl(data, invented_rows(6))  # the first 4 are the raw rows
    corpus = {"raw": str(raw), "train_on_eval": True, "train_on_test": True}
    (final / "config.yaml").write_text(yaml.safe_dump({"data": {"corpus": corpus}}))
    metrics = evaluate.main(["--data", str(data), "--model", str(final), "--dtype", "float32"])
    assert metrics["rows_trained_on"] == 4
    assert "fitted on 4 of these 6 rows" in capsys.readouterr().out
    corpus["train_on_test"] = False
    (final / "config.yaml").write_text(yaml.safe_dump({"data": {"corpus": corpus}}))
    assert evaluate.rows_trained_on(str(final), invented_rows(6)) is None
