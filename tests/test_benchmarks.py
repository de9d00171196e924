"""Benchmark results say when and where: every committed result is stamped, the README's headline
equals the stamped result it cites, and train_throughput.py writes its keys (tiny model)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from benchmarks import release_eval, train_throughput
from benchmarks import stamp as stamping
from calendar_ner.extract import RELEASE_ADAPTER, fit_corpus
from tests.conftest import TINY, invented_rows

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def committed_results() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "benchmarks/results/*.json"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    return [ROOT / name for name in listed] or sorted(RESULTS.glob("*.json"))


def assert_stamped(result: dict, name: str) -> None:
    missing = [k for k in stamping.STAMP_KEYS if k not in result]
    assert not missing, f"{name} lacks {missing}"
    assert re.fullmatch(r"[0-9a-f]{40}", result["commit"] or ""), name
    assert re.match(r"\d{4}-\d\d-\d\dT", result["date"]), name
    assert {"python", "torch", "transformers", "peft", "lightning"} <= set(result["versions"])
    assert {"platform", "cpu", "cpu_count", "torch_threads", "gpu"} <= set(result["machine"])
    assert result["command"].startswith("python benchmarks/"), name


def test_every_committed_result_is_stamped():
    paths = committed_results()
    assert {"latency.json", "release_test.json"} <= {p.name for p in paths}
    for path in paths:
        assert_stamped(json.loads(path.read_text()), path.name)


def test_readme_headline_equals_the_stamped_result():
    readme = (ROOT / "README.md").read_text()
    assert "benchmarks/results/release_test.json" in readme
    row = next(line for line in readme.splitlines() if line.startswith("| `checkpoints/release`"))
    validity, f1, em = re.findall(r"\| (\d\.\d{3}) ", row)
    metrics = json.loads((RESULTS / "release_test.json").read_text())["metrics"]
    assert (validity, f1, em) == tuple(
        f"{metrics[k]:.3f}" for k in ("json_validity", "field_f1", "exact_match")
    )


@pytest.mark.parametrize(
    "row_start, name",
    [("| cross-validated, release recipe", "crossval_full"), ("| CPU-sized", "crossval_cpu")],
)
def test_readme_cross_validated_headline_equals_the_stamped_result(row_start, name):
    readme = (ROOT / "README.md").read_text()
    assert f"benchmarks/results/{name}.json" in readme
    row = next(line for line in readme.splitlines() if line.startswith(row_start))
    result = json.loads((RESULTS / f"{name}.json").read_text())
    validity, f1, em, ceiling = re.findall(r"\| (\d\.\d{3})\b", row)
    metrics = result["metrics"]
    assert (validity, f1, em) == tuple(
        f"{metrics[k]:.3f}" for k in ("json_validity", "field_f1", "exact_match")
    )
    assert ceiling == f"{result['consistency_ceiling']:.3f}"
    for key in ("field_f1", "exact_match"):
        lo, hi = result["intervals"][key]
        assert f"[{lo:.3f}, {hi:.3f}]" in row


def test_write_result_stamps(tmp_path):
    path = stamping.write_result(
        "x", {"n": 1}, ["benchmarks/x.py", "--n", "1"], tmp_path / "x.json"
    )
    result = json.loads(path.read_text())
    assert_stamped(result, "x")
    assert result["n"] == 1 and result["command"] == "python benchmarks/x.py --n 1"
    assert isinstance(result["dirty"], bool)


def test_pad_waste_counts_padded_positions():
    assert train_throughput.pad_waste([3, 1, 3, 3], [0, 1, 2, 3], 2) == pytest.approx(2 / 12)
    report = train_throughput.pad_report([5, 50] * 40, batch_size=4, seed=0)
    assert report["length_grouped"] < 0.05 < report["shuffled"]


def test_train_throughput_writes_its_keys(tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps(r) + "\n" for r in invented_rows(16)))
    out = tmp_path / "throughput.json"
    train_throughput.main(
        ["--base_model", TINY, "--data", str(rows), "--train_data", str(rows), "--rounds", "1",
         "--steps", "1", "--warmup", "0", "--batch_size", "4", "--device", "cpu",
         "--output", str(out)]
    )  # fmt: skip
    result = json.loads(out.read_text())
    assert_stamped(result, "throughput")
    for key in ("lightning_tokens_per_s", "plain_tokens_per_s", "module_loss_tokens_per_s"):
        assert result[key] > 0
    assert min(result["ratio"], result["ratio_to_module_loss"], result["peak_rss_mib"]) > 0
    assert set(result["pad_waste"]) >= {"shuffled", "length_grouped", "rows", "batch_size"}
    assert len(result["goals"]) == 2 and result["cuda_max_memory_allocated_mib"] is None


def test_release_eval_refuses_an_adapter_trained_on_the_test_split(adapter_dir, tmp_path):
    final = tmp_path / "final"
    shutil.copytree(adapter_dir, final)
    config = {"data": {"corpus": {"train_on_eval": True, "train_on_test": True}}}
    (final / "config.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(SystemExit, match="train_on_test .* in-sample"):
        release_eval.main(["--model", str(final)])
    config["data"]["corpus"]["train_on_test"] = False
    (final / "config.yaml").write_text(yaml.safe_dump(config))
    assert fit_corpus(final) == config["data"]["corpus"]


def test_the_shipped_adapter_is_a_final_fit_that_release_eval_refuses(monkeypatch):
    monkeypatch.delenv("CALENDAR_NER_MODEL", raising=False)
    corpus = fit_corpus(RELEASE_ADAPTER)
    assert corpus["train_on_eval"] is True and corpus["train_on_test"] is True
    with pytest.raises(SystemExit, match="in-sample"):
        release_eval.main([])
