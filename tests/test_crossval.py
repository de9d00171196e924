"""``calendar_ner crossval`` end to end on the tiny model and 12 invented rows (2 folds): the folds
partition the rows outside the lockbox, nothing a fold trains on or is chosen by comes from its
held-out rows, resuming refits nothing, the intervals hold the point estimates, compare works."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from calendar_ner import crossval
from calendar_ner.data.io import load_jsonl, write_jsonl
from calendar_ner.data.pipeline import CorpusConfig, build_corpus, load_splits
from calendar_ner.models.metrics import bootstrap, paired_bootstrap
from calendar_ner.schema import FIELDS
from tests.conftest import invented_rows

ROOT = Path(__file__).resolve().parents[1]
ROWS = 12


def _args(raw: Path, out: Path) -> list[str]:
    return [
        "--config", str(ROOT / "configs/default.yaml"),
        "--config", str(ROOT / "configs/debug.yaml"),
        f"--data.corpus.raw={raw}",
        "--data.corpus.synth=4",
        "--data.corpus.train_on_eval=true",
        "--data.corpus.train_on_test=true",  # a final-fit recipe: folds still hold rows out
        "--trainer.max_epochs=1",
        "--trainer.limit_val_batches=0",
        "--trainer.enable_progress_bar=false",
        "--folds", "2",
        "--bootstrap", "300",
        "--out", str(out),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def cv(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("crossval")
    raw = root / "raw.jsonl"
    write_jsonl(raw, invented_rows(ROWS))
    out = root / "a"
    metrics = crossval.main(_args(raw, out))
    folds = sorted(out.glob("seed-42/fold-*"))
    return {"root": root, "raw": raw, "out": out, "metrics": metrics, "folds": folds}


def _lockbox(raw: Path, tmp: Path) -> set[int]:
    cfg = CorpusConfig(raw=str(raw), data_dir=str(tmp / "base"), synth=0, variants_per_row=0)
    build_corpus(cfg)
    return {r["line"] for r in load_splits(cfg)["test"]}


def test_every_row_outside_the_lockbox_is_held_out_exactly_once(cv, tmp_path):
    lockbox = _lockbox(cv["raw"], tmp_path)
    held = [[r["line"] for r in load_jsonl(f / "predictions.jsonl")] for f in cv["folds"]]
    assert len(cv["folds"]) == 2 and all(held)
    lines = [line for fold in held for line in fold]
    assert len(lines) == len(set(lines))  # disjoint folds
    assert set(lines) == set(range(1, ROWS + 1)) - lockbox and lockbox
    assert cv["metrics"]["rows"] == ROWS - len(lockbox)


def test_nothing_a_fold_trains_or_validates_on_comes_from_its_held_out_rows(cv, tmp_path):
    lockbox = _lockbox(cv["raw"], tmp_path)
    for fold in cv["folds"]:
        splits = {s: load_jsonl(fold / f"data/splits/{s}.jsonl") for s in ("train", "eval")}
        held = {r["line"] for r in load_jsonl(fold / "predictions.jsonl")}
        real = [r for r in splits["train"] if r["source"] == "real"]
        generated = [r for r in splits["train"] if r["source"] != "real"]
        assert generated and all(r["source"] != "real" for r in splits["train"][len(real) :])
        assert not ({r["line"] for r in real + splits["eval"]} & (held | lockbox))
        # A variant names the real training row it was made from (index into the real rows).
        parents = {real[r["parent"]]["line"] for r in generated if r["parent"] is not None}
        assert parents and not parents & held
        held_texts = {r["event_text"] for r in load_jsonl(fold / "data/splits/test.jsonl")}
        assert not held_texts & {r["event_text"] for r in generated}


def test_the_last_step_is_exported_and_nothing_is_chosen_on_held_out_rows(cv):
    for fold in cv["folds"]:
        meta = json.loads((fold / "adapter/calendar_ner.json").read_text())
        assert meta["best_checkpoint"] == ""  # no checkpoint picked by a monitored metric
        config = yaml.safe_load((fold / "adapter/config.yaml").read_text())
        assert config["checkpoint"]["save_top_k"] == 0
        assert config["early_stopping"]["patience"] == crossval.NEVER_STOP
        assert config["data"]["corpus"]["folds"] == 2
        assert config["data"]["corpus"]["train_on_test"] is False


def test_report_holds_pooled_scores_inside_their_intervals(cv):
    metrics = json.loads((cv["out"] / "metrics.json").read_text())
    for key in ("exact_match", "field_f1"):
        lo, hi = metrics["intervals"][key]["interval"]
        value = metrics["intervals"][key]["value"]
        assert lo <= value <= hi and value == pytest.approx(metrics[key])
    report = (cv["out"] / "report.md").read_text()
    assert "# Cross-validation" in report and "| exact_match |" in report
    # The random tiny model gets rows wrong; the report lists them.
    assert metrics["exact_match"] < 1 and "## Wrong rows by field and kind" in report
    # Calibration of the held-out values' confidences: 8 per parsed answer.
    assert metrics["calibration"]["overall"]["n"] == 8 * round(
        metrics["json_validity"] * metrics["count"]
    )
    assert "## Calibration" in report and (cv["out"] / "reliability.png").is_file()
    for row in load_jsonl(cv["folds"][0] / "predictions.jsonl"):
        assert set(row) == {"line", "event_text", "gold", "pred", "confidence"}
        assert set(row["confidence"]) == set(FIELDS)


def test_resume_fits_and_decodes_nothing(cv, monkeypatch):
    stamps = {p: p.stat().st_mtime_ns for f in cv["folds"] for p in f.rglob("*") if p.is_file()}
    fits = []
    real = crossval.lightning
    monkeypatch.setattr(
        crossval, "lightning", lambda args: fits.append(args) if "--print_config" not in args
        else real(args)
    )  # fmt: skip
    monkeypatch.setattr(
        "calendar_ner.extract.CalendarExtractor.from_pretrained",
        lambda *a, **k: pytest.fail("decoded again"),
    )
    crossval.main(_args(cv["raw"], cv["out"]))
    assert fits == []
    assert stamps == {p: p.stat().st_mtime_ns for p in stamps}


def test_report_rewrites_the_pooled_report_from_predictions_alone(cv, tmp_path, monkeypatch):
    copy = tmp_path / "copy"
    shutil.copytree(cv["out"], copy)
    (copy / "metrics.json").unlink()
    (copy / "report.md").unlink()
    monkeypatch.setattr(crossval, "lightning", lambda args: pytest.fail("fitted"))
    metrics = crossval.main(["report", str(copy), "--bootstrap", "300"])
    assert metrics["exact_match"] == cv["metrics"]["exact_match"]
    assert metrics["intervals"] == cv["metrics"]["intervals"]
    assert "fit arguments" in (copy / "report.md").read_text()
    with pytest.raises(SystemExit, match="no seed-"):
        crossval.main(["report", str(tmp_path)])


def test_other_fit_arguments_in_the_same_folder_are_refused(cv):
    with pytest.raises(SystemExit, match="fitted with other fit arguments"):
        crossval.main([*_args(cv["raw"], cv["out"]), "--trainer.max_steps=1"])


def test_compare_gives_the_paired_difference(cv, capsys):
    b = cv["root"] / "b"
    shutil.copytree(cv["out"], b)
    path = next(b.glob("seed-42/fold-0/predictions.jsonl"))
    rows = load_jsonl(path)
    rows[0]["pred"] = rows[0]["gold"]  # B gets one more row right
    write_jsonl(path, rows)
    result = crossval.main(["compare", str(cv["out"]), str(b), "--bootstrap", "300"])
    n = cv["metrics"]["rows"]
    assert result["rows"] == n and result["fixed"] == 1 and result["broken"] == 0
    em = result["exact_match"]
    assert em["difference"] == pytest.approx(1 / n)
    assert em["interval"][0] <= em["difference"] <= em["interval"][1]
    assert result["field_f1"]["difference"] > 0
    assert "| exact_match |" in capsys.readouterr().out


def test_compare_refuses_different_rows(cv, tmp_path):
    other = tmp_path / "other" / "seed-42" / "fold-0"
    other.mkdir(parents=True)
    shutil.copy(cv["folds"][0] / "predictions.jsonl", other / "predictions.jsonl")
    with pytest.raises(SystemExit, match="hold different rows"):
        crossval.main(["compare", str(cv["out"]), str(tmp_path / "other")])


@pytest.mark.slow
def test_decode_only_decodes_the_fold_adapters_again_with_other_options(cv):
    out = cv["root"] / "no-exact-copy"
    metrics = crossval.main(
        ["--decode_only", str(cv["out"]), "--out", str(out), "--decode.exact_copy", "false"]
    )
    assert metrics["rows"] == cv["metrics"]["rows"]
    record = json.loads((out / "seed-42/fold-0/fold.json").read_text())
    assert record["decode"]["exact_copy"] is False
    assert record["adapter"] == str(cv["folds"][0] / "adapter")
    assert not (out / "seed-42/fold-0/adapter").exists()  # nothing fitted
    source = json.loads((cv["folds"][0] / "fold.json").read_text())
    assert metrics["folds"][0]["fit_args"] == source["fit_args"]  # how its adapter was fitted


def test_a_fold_decoded_again_keeps_how_its_adapter_was_fitted(tmp_path):
    fitted = tmp_path / "a" / "seed-42" / "fold-0"
    (fitted / "adapter").mkdir(parents=True)
    (fitted / "fold.json").write_text(
        json.dumps({"fit_args": ["--config", "x.yaml"], "fit_seconds": 60.0, "fit_commit": "abc"})
    )
    decoded = tmp_path / "b" / "fold.json"
    decoded.parent.mkdir()
    decoded.write_text(json.dumps({"adapter": str(fitted / "adapter"), "decode_seconds": 1.0}))
    record = crossval.with_fit(decoded)
    assert record["fit_args"] == ["--config", "x.yaml"] and record["fit_commit"] == "abc"
    assert record["decode_seconds"] == 1.0
    (fitted / "fold.json").unlink()  # the source is gone: the record stays as written
    assert "fit_args" not in crossval.with_fit(decoded)


def test_fold_options_are_checked():
    with pytest.raises(ValueError, match="0 <= fold < folds"):
        CorpusConfig(raw="x.jsonl", folds=3, fold=3)
    with pytest.raises(ValueError, match="need a raw file"):
        CorpusConfig(raw=None, folds=3)


def test_split_argv_sends_fit_keys_to_fit():
    own, fit = crossval.split_argv(
        ["--config", "a.yaml", "--model.decode.exact_copy", "false", "--decode.exact_copy",
         "false", "--data.corpus.synth=3", "--seeds", "[1, 2]"]
    )  # fmt: skip
    assert own == ["--decode.exact_copy", "false", "--seeds", "[1, 2]"]
    assert fit == ["--config", "a.yaml", "--model.decode.exact_copy", "false",
                   "--data.corpus.synth=3"]  # fmt: skip


def test_bootstrap_intervals():
    exact = np.array([1, 0, 1, 1, 0, 1, 1, 1])
    counts = np.array([[8, 0, 0], [6, 1, 2]] + [[8, 0, 0]] * 6)
    out = bootstrap(exact, counts, samples=500)
    assert out["exact_match"]["value"] == 0.75
    lo, hi = out["exact_match"]["interval"]
    assert lo < 0.75 < hi
    same = paired_bootstrap((exact, counts), (exact, counts), samples=200)
    assert same["exact_match"]["difference"] == 0 and same["exact_match"]["interval"] == [0, 0]


def test_crossval_result_keeps_totals_and_the_ceiling_of_the_held_out_rows(cv, tmp_path):
    from benchmarks import crossval_result

    out = tmp_path / "crossval_cpu.json"
    result = crossval_result.main(
        ["--run", str(cv["out"]), "--data", str(cv["raw"]), "--output", str(out)]
    )
    saved = json.loads(out.read_text())
    assert saved["metrics"] == {k: cv["metrics"][k] for k in crossval_result.HEADLINE}
    assert saved["rows"] == cv["metrics"]["rows"] and 0 < saved["consistency_ceiling"] <= 1
    assert saved["command"].startswith("python benchmarks/crossval_result.py --run")
    assert "event_text" not in out.read_text()  # totals only
    assert result["fit_args"] and len(result["folds"]) == 2
