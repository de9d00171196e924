"""Errors before work (one line, file:line:column, no traceback), label validation, conflicting
labels, atomic umask-respecting writes, safe loading, and crash-safe training (slow)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import lightning as L
import pytest
import torch
from safetensors.torch import load_file

from calendar_ner.__main__ import main
from calendar_ner.data.datamodule import LengthGroupedSampler
from calendar_ner.data.io import (
    DataError,
    check_input_file,
    check_output_path,
    read_rows,
    write_text,
)
from calendar_ner.data.pipeline import CorpusConfig, build_corpus
from calendar_ner.export import publish_dir
from calendar_ner.models.weights import ModelLoadError, check_model_dir
from tests.conftest import invented_rows

ROOT = Path(__file__).resolve().parents[1]
RUNS = ("whole", "resumed")


def _jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def _fails(argv: list[str], capsys, monkeypatch) -> str:
    """Run the CLI; it must exit 2 with one ``calendar_ner: error:`` line and load no model."""

    def no_model(*args, **kwargs):
        raise AssertionError("a model was loaded before the inputs were checked")

    monkeypatch.setattr("calendar_ner.extract.load_for_inference", no_model)
    monkeypatch.delenv("CALENDAR_NER_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("calendar_ner: error: "), err
    assert "Traceback" not in err[0]
    return err[0]


def test_extract_input_problems_are_one_line_before_the_model(tmp_path, capsys, monkeypatch):
    out = str(tmp_path / "out.jsonl")
    missing = str(tmp_path / "missing.jsonl")
    assert "--input" in _fails(
        ["extract", "--input", missing, "--output", out], capsys, monkeypatch
    )
    bad_json = _jsonl(tmp_path / "bad.jsonl", ['{"event_text": "Lunch"}', '{"event_text": 1, }'])
    line = _fails(["extract", "--input", str(bad_json), "--output", out], capsys, monkeypatch)
    assert f"{bad_json}:2:19: malformed JSON" in line  # the real column of the error
    binary = tmp_path / "latin1.jsonl"
    binary.write_bytes(b'{"event_text": "ok"}\n{"event_text": "caf\xe9"}\n')
    line = _fails(["extract", "--input", str(binary), "--output", out], capsys, monkeypatch)
    assert f"--input {binary}:2:20: not UTF-8 text (byte 0xe9)" in line
    good = _jsonl(tmp_path / "good.jsonl", [{"event_text": "Lunch at 1pm"}])
    line = _fails(
        ["extract", "--input", str(good), "--output", "/dev/null/out.jsonl"], capsys, monkeypatch
    )
    assert line.endswith("--output /dev/null/out.jsonl: /dev/null is not a folder")
    line = _fails(["extract", "--model", str(tmp_path), "Lunch"], capsys, monkeypatch)
    assert f"--model {tmp_path}: neither an adapter" in line


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA message")
def test_device_without_cuda_is_one_line(adapter_dir, capsys, monkeypatch):
    argv = ["extract", "--model", str(adapter_dir), "--device", "cuda", "Lunch"]
    assert "--device cuda: CUDA is not available" in _fails(argv, capsys, monkeypatch)


def test_debug_shows_the_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("CALENDAR_NER_DEBUG", "1")
    with pytest.raises(DataError, match="file not found"):
        main(["extract", "--input", str(tmp_path / "x.jsonl"), "--output", str(tmp_path / "o")])
    monkeypatch.delenv("CALENDAR_NER_DEBUG")
    with pytest.raises(DataError):
        main(["extract", "--debug", "--input", str(tmp_path / "x.jsonl"), "--output", "o"])


def test_fit_checks_its_files_before_building_the_model(tmp_path, capsys, monkeypatch):
    config = ["--config", str(ROOT / "configs/default.yaml")]
    config += ["--config", str(ROOT / "configs/debug.yaml")]
    raw = tmp_path / "none.jsonl"
    line = _fails(["fit", *config, f"--data.corpus.raw={raw}"], capsys, monkeypatch)
    assert line.endswith(f"--data.corpus.raw {raw}: file not found")


def test_extract_skip_invalid_lists_rows_and_writes_the_rest(adapter_dir, tmp_path, capsys):
    rows = [{"event_text": "Lunch at 1pm"}, "not json", {"text": "x"}, {"event_text": "Tea"}]
    src = _jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    argv = ["extract", "--input", str(src), "--output", str(out), "--model", str(adapter_dir)]
    main([*argv, "--skip_invalid"])
    err = capsys.readouterr().err
    assert f"skipped 2 invalid row(s) in {src}:" in err
    assert f"{src}:2: malformed JSON" in err and f"{src}:3: 'event_text' must be a string" in err
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["event_text"] for r in written] == ["Lunch at 1pm", "Tea"]


def test_skip_invalid_is_the_same_flag_everywhere(capsys):
    for command in ("data", "extract", "evaluate"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        help_text = capsys.readouterr().out
        assert re.search(r"--skip_invalid\s+Skip bad rows", help_text), command


def _row(**output) -> dict:
    row = invented_rows(1)[0]
    return {"event_text": row["event_text"], "output": {**row["output"], **output}}


@pytest.mark.parametrize(
    ("field", "value"),
    [("date", "not a date at all"), ("date", "9am"), ("time", "HELLO"), ("time", "12/05/2025")],
)
def test_a_label_that_is_no_date_or_time_is_an_error(tmp_path, field, value):
    raw = _jsonl(tmp_path / "raw.jsonl", [*invented_rows(3), _row(**{field: value})])
    with pytest.raises(DataError, match=rf"raw.jsonl:4: field '{field}': .* is not a {field}"):
        read_rows(raw)
    rows, skipped = read_rows(raw, skip_invalid=True)
    assert len(rows) == 3 and [s["line"] for s in skipped] == [4]


def test_every_invented_label_form_is_accepted(tmp_path):
    rows, skipped = read_rows(_jsonl(tmp_path / "raw.jsonl", invented_rows(36)))
    assert len(rows) == 36 and not skipped


def test_conflicting_labels_are_dropped_and_listed_by_line(tmp_path):
    rows = invented_rows(36)
    twin = {**rows[0], "output": {**rows[0]["output"], "time": "11:00 PM"}}
    twin["event_text"] = "  " + rows[0]["event_text"].upper()
    raw = _jsonl(tmp_path / "raw.jsonl", [*rows, twin])
    card = build_corpus(CorpusConfig(raw=str(raw), data_dir=str(tmp_path / "data"), synth=10))
    conflict = card["dropped"]["conflict"]
    assert [c["line"] for c in conflict] == [1, 37]
    assert all("different label" in c["reason"] and "Design" not in c["reason"] for c in conflict)
    texts = {
        json.loads(line)["event_text"].casefold()
        for split in ("train", "eval", "test")
        for line in (tmp_path / "data/splits" / f"{split}.jsonl").read_text().splitlines()
    }
    assert rows[0]["event_text"].casefold() not in texts
    assert "conflict 2" in (tmp_path / "data/processed/data_card.md").read_text()


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_writes_respect_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_text(tmp_path / "sub" / "f.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "sub" / "f.txt").stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["f.txt"]  # no temp file left


def test_write_errors_name_the_target_not_the_temp_file():
    with pytest.raises(DataError, match=r"^/dev/null/out.json: cannot write"):
        write_text("/dev/null/out.json", "x")


def test_path_checks(tmp_path):
    with pytest.raises(DataError, match="--data .*: not a file"):
        check_input_file(tmp_path, "--data")
    assert check_output_path(tmp_path / "new" / "deeper" / "r.json", "--report")
    assert not (tmp_path / "new").exists()  # checking creates nothing
    with pytest.raises(DataError, match="is a folder"):
        check_output_path(tmp_path, "--report")


def test_pickle_weights_are_refused(adapter_dir, tmp_path):
    assert check_model_dir(adapter_dir) == adapter_dir
    assert check_model_dir(adapter_dir.parent) == adapter_dir  # a run folder
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "adapter_config.json").write_text("{}")
    (pickled / "adapter_model.bin").write_bytes(b"")
    with pytest.raises(ModelLoadError, match="only safetensors .* adapter_model.bin"):
        check_model_dir(pickled)
    merged = tmp_path / "merged"
    merged.mkdir()
    (merged / "config.json").write_text("{}")
    (merged / "pytorch_model.bin").write_bytes(b"")
    with pytest.raises(ModelLoadError, match="pytorch_model.bin"):
        check_model_dir(merged)


def test_no_unsafe_loading_in_the_package():
    sources = {p: p.read_text() for p in (ROOT / "calendar_ner").rglob("*.py")}
    for path, text in sources.items():
        assert not re.search(r"trust_remote_code\s*=\s*True", text), path
        for call in re.findall(r"torch\.load\([^)]*\)", text):
            assert "weights_only=True" in call, (path, call)


def test_server_binds_localhost_by_default():
    from calendar_ner.serve import ServeConfig

    assert ServeConfig().host == "127.0.0.1"


def test_publish_dir_swaps_whole_folders(tmp_path):
    target, staged = tmp_path / "adapter", tmp_path / ".adapter.tmp"
    target.mkdir()
    (target / "old.txt").write_text("old")
    staged.mkdir()
    (staged / "new.txt").write_text("new")
    publish_dir(staged, target)
    assert [p.name for p in tmp_path.iterdir()] == ["adapter"]
    assert [p.name for p in target.iterdir()] == ["new.txt"]


def test_sampler_resumes_mid_epoch():
    lengths = [i % 7 for i in range(37)]
    sampler = LengthGroupedSampler(lengths, batch_size=4, seed=3)
    sampler.set_epoch(2)
    full = list(sampler)
    sampler.skip_batches(3)
    assert list(sampler) == full[12:]
    assert list(sampler) == full  # only the resumed pass is shortened
    assert len(sampler) == 37


# --- crash-safe training ---------------------------------------------------------------------


class KillAtStep(L.Callback):
    """Test-only: SIGKILL this process at the end of training step ``step`` (before that step's
    checkpoint, as checkpoint callbacks run last)."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, *args) -> None:
        if trainer.global_step == self.step:
            os.kill(os.getpid(), signal.SIGKILL)


def _fit(raw: Path, root: Path, run: str, *extra: str) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "calendar_ner", "fit"]
    argv += ["--config", str(ROOT / "configs/default.yaml")]
    argv += ["--config", str(ROOT / "configs/debug.yaml")]
    argv += [f"--data.corpus.raw={raw}", f"--data.corpus.data_dir={root / 'data'}"]
    argv += [f"--export.run_dir={root / run}", f"--trainer.logger.init_args.save_dir={root}/logs"]
    argv += ["--trainer.limit_train_batches=5", "--trainer.max_epochs=2"]
    argv += ["--step_checkpoint.every_n_train_steps=2", "--trainer.enable_progress_bar=false"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [*argv, *extra], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_killed_fit_resumes_to_the_same_weights(tmp_path):
    """SIGKILL at step 3 of epoch 0 (5 batches per epoch, last.ckpt every 2 steps), resume with
    ``--ckpt_path last``: same final step, adapter weights and metrics as an uninterrupted run
    (tolerance 1e-6 absolute; on CPU they agree exactly)."""
    raw = _jsonl(tmp_path / "raw.jsonl", invented_rows(60))
    whole = _fit(raw, tmp_path, "whole")
    assert whole.returncode == 0, whole.stderr[-3000:]
    kill = "--trainer.callbacks+=tests.test_reliability.KillAtStep"
    killed = _fit(raw, tmp_path, "resumed", kill, "--trainer.callbacks.step=3")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    last = tmp_path / "resumed" / "last.ckpt"
    assert torch.load(last, map_location="cpu", weights_only=True)["global_step"] == 2
    assert not (tmp_path / "resumed" / "adapter").exists()
    resumed = _fit(raw, tmp_path, "resumed", "--ckpt_path", "last")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    steps = [
        torch.load(tmp_path / run / "last.ckpt", map_location="cpu", weights_only=True)[
            "global_step"
        ]
        for run in RUNS
    ]
    assert steps == [10, 10]
    a, b = (load_file(tmp_path / run / "adapter/adapter_model.safetensors") for run in RUNS)
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=1e-6, rtol=0)
    ma, mb = (
        json.loads((tmp_path / run / "adapter/calendar_ner.json").read_text())["metrics"]
        for run in RUNS
    )
    assert ma.keys() == mb.keys() and "val/loss" in ma
    for key in ma:
        assert ma[key] == pytest.approx(mb[key], abs=1e-6), key
