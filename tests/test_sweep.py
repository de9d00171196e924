"""benchmarks/sweep.py: recipe parsing, the selection rule, resuming, the fit flags it writes."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import pytest
import yaml

from calendar_ner.__main__ import main

_PATH = Path(__file__).parents[1] / "benchmarks" / "sweep.py"
_SPEC = importlib.util.spec_from_file_location("sweep", _PATH)
sweep = importlib.util.module_from_spec(_SPEC)
sys.modules["sweep"] = sweep  # dataclasses look their module up by name
_SPEC.loader.exec_module(sweep)


def test_parse_recipe_stacks_configs_and_flags():
    name, args = sweep.parse_recipe(
        "rel5=configs/release.yaml configs/debug.yaml --trainer.max_epochs=5"
    )
    assert name == "rel5"
    assert args == [
        "--config",
        "configs/release.yaml",
        "--config",
        "configs/debug.yaml",
        "--trainer.max_epochs=5",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("configs/release.yaml", "expected 'name=config.yaml"),
        ("x=configs/nope.yaml", "config file not found: configs/nope.yaml"),
        ("x=", "expected 'name=config.yaml"),
    ],
)
def test_parse_recipe_names_what_is_wrong(text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        sweep.parse_recipe(text)


def _run(recipe: str, seed: int, final: bool, **scores: tuple[int, float, float]) -> object:
    run = sweep.Run(recipe, seed, final, f"/tmp/{recipe}-{'final' if final else seed}", rc=0)
    run.scores = {
        split: {"rows": n, "json_validity": 1.0, "exact_match": em, "field_f1": f1}
        for split, (n, em, f1) in scores.items()
    }
    return run


def test_winner_is_the_best_mean_pooled_select_score_and_test_never_picks():
    recipes = {"a": [], "b": [], "c": []}
    runs = [
        # a: pooled EM per seed (90*0.8 + 10*1.0)/100 = 0.82 and 0.80 -> mean 0.81
        _run("a", 1, False, eval=(90, 0.8, 0.97), probe=(10, 1.0, 1.0)),
        _run("a", 2, False, eval=(90, 0.8, 0.97), probe=(10, 0.8, 0.9)),
        _run("a", 1, True, test=(60, 0.5, 0.9)),
        # b: 0.80 and 0.82 -> the same mean; loses on F1 despite a perfect test score
        _run("b", 1, False, eval=(90, 0.8, 0.95), probe=(10, 0.8, 0.9)),
        _run("b", 2, False, eval=(90, 0.8, 0.95), probe=(10, 1.0, 0.9)),
        _run("b", 1, True, test=(60, 1.0, 1.0)),
        # c: best eval score, but one seed has no probe score: not ranked
        _run("c", 1, False, eval=(90, 1.0, 1.0), probe=(10, 1.0, 1.0)),
        _run("c", 2, False, eval=(90, 1.0, 1.0)),
    ]
    summary = sweep.summarize(runs, recipes, probe="probe.jsonl")
    assert summary["recipes"]["a"]["select"]["exact_match"] == pytest.approx(0.81)
    assert summary["recipes"]["b"]["select"]["exact_match"] == pytest.approx(0.81)
    assert summary["recipes"]["c"]["select"] is None
    assert summary["winner"] == "a"
    assert summary["recipes"]["b"]["final"]["test"]["exact_match"] == 1.0
    table = sweep.markdown(summary)
    assert "| a (winner) | 0.810 |" in table and "| c | – |" in table


def test_a_finished_run_is_not_fitted_or_scored_again(tmp_path, monkeypatch):
    run = sweep.Run("a", 42, False, str(tmp_path / "a-42"))
    (tmp_path / "a-42" / "adapter").mkdir(parents=True)
    (tmp_path / "a-42" / "adapter" / "calendar_ner.json").write_text("{}")
    for split, rows in (("eval", 90), ("probe", 20)):
        metrics = {"count": rows, "json_validity": 1.0, "field_f1": 0.9, "exact_match": 0.5}
        (tmp_path / "a-42" / f"eval-{split}").mkdir()
        (tmp_path / "a-42" / f"eval-{split}" / "metrics.json").write_text(json.dumps(metrics))

    def refuse(*args, **kwargs):
        raise AssertionError("nothing should run")

    monkeypatch.setattr(sweep.subprocess, "run", refuse)
    ns = argparse.Namespace(probe="probe.jsonl", eval_device="cpu", eval_dtype="float32")
    sweep.execute(run, [], ns, env={})
    assert run.rc == 0 and run.error is None
    assert run.scores["probe"] == {
        "rows": 20,
        "json_validity": 1.0,
        "field_f1": 0.9,
        "exact_match": 0.5,
    }


def test_fit_command_is_a_valid_fit(tmp_path, capsys):
    ns = argparse.Namespace(
        accelerator="cpu", raw="raw.jsonl", fit_args=["--trainer.max_steps=3"], resplit=True
    )
    run = sweep.Run("rel", 7, True, str(tmp_path / "rel-final"))
    _, recipe = sweep.parse_recipe("rel=configs/release.yaml --data.corpus.undated=0.1")
    command = sweep.fit_command(run, recipe, ns)
    assert command[1:4] == ["-m", "calendar_ner", "fit"]
    with pytest.raises(SystemExit):
        main([*command[3:], "--print_config"])
    config = yaml.safe_load(capsys.readouterr().out)
    assert config["seed_everything"] == 7 and config["trainer"]["max_steps"] == 3
    corpus = config["data"]["corpus"]
    assert corpus["train_on_eval"] is True and corpus["undated"] == 0.1
    assert corpus["train_on_test"] is False  # release.yaml's final fit; the sweep scores test
    assert corpus["relative_dates"] == 0.08  # from release.yaml
    assert config["export"]["run_dir"] == str(tmp_path / "rel-final")
    assert config["checkpoint"]["save_top_k"] == 0  # no best-by-val-loss: the last epoch
    assert corpus["seed"] == 42  # --resplit leaves the final run's split (and test) alone


def test_resplit_gives_each_select_run_its_own_corpus_seed():
    _, recipe = sweep.parse_recipe("rel=configs/release.yaml")
    ns = argparse.Namespace(accelerator="cpu", raw="raw.jsonl", fit_args=[], resplit=True)
    select = sweep.Run("rel", 7, False, "/tmp/rel-7")
    assert "--data.corpus.seed=7" in sweep.fit_command(select, recipe, ns)
    ns.resplit = False
    assert not [a for a in sweep.fit_command(select, recipe, ns) if "corpus.seed" in a]
