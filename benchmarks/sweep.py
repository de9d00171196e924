"""Recipe sweep: choose a training recipe on the eval split and the probe, never on test.

Each recipe (a stack of configs and flags on top of ``configs/default.yaml``) is fitted once per
seed in *select* mode (``train_on_eval=false``: the eval split's 90 real rows stay out of
training) and scored on the eval split plus ``benchmarks/data/probe.jsonl``. The winner is the
recipe with the highest exact match pooled over those rows, averaged over seeds (ties: field F1).
Each recipe is also fitted once in *final* mode (``train_on_eval=true``, first seed) and scored on
the test split, so the winner's shippable adapter and its test score come out of the same sweep;
the test score is reported for every recipe but never picks one. Every run exports its last
epoch, so a select run and its final run train alike; the epoch count is part of the recipe.

    python benchmarks/sweep.py --out runs/sweep --accelerator cuda --parallel 9 --seeds 42 7 \
        --recipe "absolute=configs/release.yaml --data.corpus.relative_dates=0
                  --data.corpus.undated=0 --data.corpus.untimed=0" \
        --recipe "relative=configs/release.yaml" \
        --recipe "relative5=configs/release.yaml --trainer.max_epochs=5"

On one H200 those 9 fits ran side by side, 3.6-5.4 minutes each, and the whole sweep took
about 6 minutes (docs/experiments.md).

Seeds alone change only the LoRA initialisation and batch order: in the second sweep the two
seeds of a 2-epoch recipe got the very same eval rows wrong, with the same answers. ``--resplit``
also makes each select run's seed its corpus seed (its own eval rows and generated rows), so the
selection score averages over data as well, like cross-validation.

Runs go in parallel (``--parallel``), each in ``<out>/<recipe>-<seed|final>/`` with its own data
folder, logs, adapter and evaluation reports; ``<out>/summary.json`` (stamped with the commit,
date, versions and machine: ``benchmarks/stamp.py``) is rewritten after each run.
Finished fits and evaluations are skipped when the sweep is run again, so an interrupted sweep
resumes (``--eval_device cpu`` re-scores on the CPU). On 2 CPU cores one release fit takes about
an hour, so there it is an overnight job with ``--parallel 1``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from calendar_ner.data.pipeline import CorpusConfig

try:  # `python benchmarks/sweep.py` puts benchmarks/ on the path; tests import benchmarks.*
    from stamp import write_result
except ImportError:
    from benchmarks.stamp import write_result

ROOT = Path(__file__).resolve().parents[1]
RAW = "../shared/data/event_text_mapping.dev.jsonl"
PROBE = str(ROOT / "benchmarks/data/probe.jsonl")


@dataclass
class Run:
    """One fit and its evaluations."""

    recipe: str
    seed: int
    final: bool
    dir: str
    rc: int | None = None
    fit_seconds: float | None = None
    scores: dict[str, dict] = field(default_factory=dict)
    error: str | None = None

    @property
    def name(self) -> str:
        return Path(self.dir).name

    @property
    def data_dir(self) -> str:
        """The run's own corpus folder (``data.corpus.data_dir``)."""
        return f"{self.dir}/data"


def parse_recipe(text: str) -> tuple[str, list[str]]:
    """``"name=cfg.yaml other.yaml --flag=value"`` -> (name, fit arguments)."""
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise argparse.ArgumentTypeError(
            f"--recipe {text!r}: expected 'name=config.yaml [more.yaml] [--flag=value ...]'"
        )
    args = []
    for item in shlex.split(rest):
        if item.startswith("--"):
            args.append(item)
        elif not (ROOT / item).is_file() and not Path(item).is_file():
            raise argparse.ArgumentTypeError(f"--recipe {name}: config file not found: {item}")
        else:
            args += ["--config", item]
    return name.strip(), args


def fit_command(run: Run, recipe_args: list[str], ns: argparse.Namespace) -> list[str]:
    """The ``calendar_ner fit`` command line of one run (its own data, logs and run folder)."""
    d = run.dir
    return [
        sys.executable,
        "-m",
        "calendar_ner",
        "fit",
        "--config",
        "configs/default.yaml",
        *recipe_args,
        f"--seed_everything={run.seed}",
        f"--trainer.accelerator={ns.accelerator}",
        f"--data.corpus.raw={ns.raw}",
        f"--data.corpus.data_dir={run.data_dir}",
        f"--data.corpus.train_on_eval={str(run.final).lower()}",
        "--data.corpus.train_on_test=false",  # the sweep scores its final runs on the test split
        f"--export.run_dir={d}",
        # --resplit: a select run's seed also picks its split and generated rows.
        *([f"--data.corpus.seed={run.seed}"] if ns.resplit and not run.final else []),
        f"--trainer.logger.init_args.save_dir={d}/logs",
        # Export the last epoch, in both modes: picking the epoch by val loss would use the eval
        # rows in select mode (and give a select run fewer epochs than its final run gets).
        "--checkpoint.save_top_k=0",
        *ns.fit_args,
    ]


def eval_sets(run: Run, probe: str) -> dict[str, str]:
    """Split name -> labelled JSONL scored for this run."""
    split = "test" if run.final else "eval"
    sets = {split: str(CorpusConfig(data_dir=run.data_dir).splits_dir / f"{split}.jsonl")}
    if probe:
        sets["probe"] = probe
    return sets


def _tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def execute(run: Run, recipe_args: list[str], ns: argparse.Namespace, env: dict) -> Run:
    """Fit (unless its adapter exists), then score each eval set (unless its report exists)."""
    d = Path(run.dir)
    d.mkdir(parents=True, exist_ok=True)
    adapter = d / "adapter"
    if not (adapter / "calendar_ner.json").is_file():
        start = time.perf_counter()
        with open(d / "fit.log", "w") as log:
            proc = subprocess.run(
                fit_command(run, recipe_args, ns), cwd=ROOT, env=env, stdout=log, stderr=log
            )
        run.fit_seconds = time.perf_counter() - start
        run.rc = proc.returncode
        if proc.returncode:
            run.error = "fit failed:\n" + _tail(d / "fit.log")
            return run
    run.rc = 0
    for split, path in eval_sets(run, ns.probe).items():
        out = d / f"eval-{split}"
        if not (out / "metrics.json").is_file():
            cmd = [sys.executable, "-m", "calendar_ner", "evaluate", "--model", str(adapter)]
            cmd += ["--data", path, "--out", str(out), "--show", "0", "--dtype", ns.eval_dtype]
            cmd += ["--device", ns.eval_device]
            with open(d / f"eval-{split}.log", "w") as log:
                proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)
            if proc.returncode:
                run.error = f"evaluate {split} failed:\n" + _tail(d / f"eval-{split}.log")
                continue
        saved = json.loads((out / "metrics.json").read_text())
        run.scores[split] = {"rows": saved["count"]} | {
            k: saved[k] for k in ("json_validity", "field_f1", "exact_match")
        }
    return run


def pooled(scores: dict[str, dict], splits: list[str]) -> dict[str, float] | None:
    """Row-weighted exact match and field F1 over ``splits``; None if one is missing."""
    if any(s not in scores for s in splits):
        return None
    rows = sum(scores[s]["rows"] for s in splits)
    return {
        k: sum(scores[s][k] * scores[s]["rows"] for s in splits) / rows
        for k in ("exact_match", "field_f1")
    }


def summarize(runs: list[Run], recipes: dict[str, list[str]], probe: str) -> dict:
    """Per-recipe selection score (mean over seeds of pooled eval+probe), finals, the winner."""
    select_splits = ["eval", "probe"] if probe else ["eval"]
    table = {}
    for name, args in recipes.items():
        mine = [r for r in runs if r.recipe == name]
        picks = [pooled(r.scores, select_splits) for r in mine if not r.final]
        final = next((r for r in mine if r.final), None)
        complete = bool(picks) and all(p is not None for p in picks)
        table[name] = {
            "args": args,
            "select": {
                k: sum(p[k] for p in picks) / len(picks) for k in ("exact_match", "field_f1")
            }
            if complete
            else None,
            "select_per_seed": picks,
            "final": final.scores if final else None,
            "final_adapter": f"{final.dir}/adapter" if final else None,
        }
    ranked = sorted(
        (n for n, t in table.items() if t["select"]),
        key=lambda n: (table[n]["select"]["exact_match"], table[n]["select"]["field_f1"]),
        reverse=True,
    )
    return {
        "rule": f"max mean over seeds of exact match pooled over {select_splits} (ties: field F1)",
        "winner": ranked[0] if ranked else None,
        "recipes": table,
        "runs": [asdict(r) | {"name": r.name} for r in runs],
    }


def _cell(scores: dict, key: str) -> str:
    return f"{scores[key]:.3f}" if key in scores else "–"


def write_summary(out: Path, summary: dict) -> None:
    """``<out>/summary.json``, stamped (commit, date, versions, machine, command)."""
    write_result("sweep", summary, path=out / "summary.json")


def markdown(summary: dict) -> str:
    """The summary as a table: one row per recipe, the winner marked."""
    lines = [
        "| recipe | select EM | select F1 | test EM | test F1 | final probe EM |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, t in summary["recipes"].items():
        sel, fin = t["select"] or {}, t["final"] or {}
        test, probe = fin.get("test", {}), fin.get("probe", {})
        mark = " (winner)" if name == summary["winner"] else ""
        cells = [_cell(sel, "exact_match"), _cell(sel, "field_f1"), _cell(test, "exact_match")]
        cells += [_cell(test, "field_f1"), _cell(probe, "exact_match")]
        lines.append(f"| {name}{mark} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="Sweep folder (one subfolder per run).")
    parser.add_argument(
        "--recipe",
        action="append",
        type=parse_recipe,
        required=True,
        help="'name=config.yaml [more.yaml] [--flag=value ...]' (repeat for each recipe).",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 7], help="seed_everything.")
    parser.add_argument(
        "--resplit",
        action="store_true",
        help="Select runs also use their seed as data.corpus.seed: each is scored on its own "
        "held-out eval rows and trains on its own generated rows (final runs keep the default "
        "split, so the test split stays the same). Without it seeds vary only initialisation "
        "and batch order, which here moved answers by a row or two.",
    )
    parser.add_argument("--raw", default=RAW, help="Real rows (read by path, never copied).")
    parser.add_argument("--probe", default=PROBE, help="Extra selection rows ('' for none).")
    parser.add_argument("--accelerator", default="auto", help="trainer.accelerator for fits.")
    parser.add_argument("--parallel", type=int, default=1, help="Runs at the same time.")
    parser.add_argument("--eval_device", default="auto", help="evaluate --device.")
    parser.add_argument("--eval_dtype", default="float32", help="evaluate --dtype.")
    parser.add_argument(
        "--fit_args", nargs=argparse.REMAINDER, default=[], help="More fit flags, for every run."
    )
    ns = parser.parse_args(argv)
    recipes = dict(ns.recipe)
    if len(recipes) != len(ns.recipe):
        parser.error("--recipe names must be unique")
    out = Path(ns.out).resolve()
    runs = [
        Run(name, seed, final, str(out / f"{name}-{'final' if final else seed}"))
        for final in (True, False)
        for name in recipes
        for seed in (ns.seeds[:1] if final else ns.seeds)
    ]
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // ns.parallel)))
    lock = threading.Lock()
    done: list[Run] = []

    def job(run: Run) -> None:
        execute(run, recipes[run.recipe], ns, env)
        with lock:
            done.append(run)
            write_summary(out, summarize(runs, recipes, ns.probe))
            status = "ok" if not run.error else run.error.splitlines()[0]
            print(f"[{len(done)}/{len(runs)}] {run.name}: {status} {run.scores}", flush=True)

    with ThreadPoolExecutor(max_workers=ns.parallel) as pool:
        list(pool.map(job, runs))
    summary = summarize(runs, recipes, ns.probe)
    write_summary(out, summary)
    (out / "summary.md").write_text(markdown(summary) + "\n")
    print(markdown(summary))
    print(f"winner: {summary['winner']} ({summary['rule']})")
    return summary


if __name__ == "__main__":
    main()
