"""``calendar_ner crossval``: k-fold cross-validation of a training recipe on the real rows outside
the lockbox, and paired comparison of two cross-validations.

    calendar_ner crossval --config configs/default.yaml --config configs/release.yaml \
        --config configs/crossval-cpu.yaml --folds 5 --out runs/crossval/cpu-release
    calendar_ner crossval --decode_only runs/crossval/cpu-release \
        --out runs/crossval/cpu-release-noexact --decode.exact_copy false
    calendar_ner crossval compare runs/crossval/cpu-release runs/crossval/cpu-release-noexact
    calendar_ner crossval report runs/crossval/cpu-release      # rewrite the pooled report

The config stack and every ``--trainer.*``, ``--model.*``, ``--data.*`` ... flag go to ``fit``
unchanged. The lockbox is the test split of the stack's corpus config (``data.corpus``: seed 42
and 0.75/0.15/0.10 in ``configs/default.yaml``: 60 of the 600 dev rows); it is left out
entirely. The other real rows are dealt into ``--folds`` folds by seed, before any augmentation
(:class:`calendar_ner.data.pipeline.CorpusConfig` ``folds``/``fold``/``fold_seed``); each fold
builds its own corpus from its training rows only (the leak filter drops generated rows near its
held-out rows), fits a fixed number of steps and exports the last one (no checkpoint choice, no
early stopping), then decodes its held-out rows with
:class:`calendar_ner.extract.CalendarExtractor`.

``<out>/seed-<s>/fold-<k>/`` holds the fold's corpus (``data/``), logs, ``adapter/``,
``predictions.jsonl`` (line, text, gold, prediction) and ``fold.json``; ``<out>/report.md`` and
``<out>/metrics.json`` the scores pooled over every held-out row, with 95% bootstrap intervals
(rows resampled, fixed seed), per-field scores and every wrong row. A fold whose adapter and
predictions exist is never fitted or decoded again, so an interrupted run resumes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from jsonargparse import ArgumentParser, Namespace

from calendar_ner import calibration, report
from calendar_ner.data.io import load_jsonl, write_json, write_jsonl, write_text
from calendar_ner.models.metrics import ROW_STATS, bootstrap, paired_bootstrap, row_scores
from calendar_ner.schema import FIELDS

PROG = "calendar_ner crossval"
FIT_KEYS = (
    "config",
    "seed_everything",
    "trainer",
    "model",
    "data",
    "export",
    "checkpoint",
    "last_checkpoint",
    "early_stopping",
    "lr_monitor",
    "optimizer",
    "lr_scheduler",
)
"""Flags passed to ``fit`` (``--config`` and the keys of the fit config); the rest are ours."""

NEVER_STOP = 1_000_000
"""Early-stopping patience that never stops: every fold trains its fixed number of steps."""


def fail(message: str) -> None:
    """Stop with a one-line error."""
    sys.exit(f"{PROG}: {message}")


@dataclass
class Fold:
    """One fold of one seed: where it lives and how it is fitted."""

    seed: int
    index: int
    folds: int
    dir: str

    @property
    def path(self) -> Path:
        return Path(self.dir)

    @property
    def adapter(self) -> Path:
        return self.path / "adapter"

    @property
    def predictions(self) -> Path:
        return self.path / "predictions.jsonl"

    @property
    def held_out(self) -> Path:
        """The fold's held-out rows: the ``test`` split of its own corpus."""
        return self.path / "data" / "splits" / "test.jsonl"

    def fit_args(self, user_args: list[str]) -> list[str]:
        """``fit`` arguments: the user's stack, then this fold's corpus, folders and the rules that
        keep held-out rows out of every choice (held-out rows never trained on, last step
        exported, early stopping off)."""
        d = self.path
        return [
            "fit",
            *user_args,
            f"--seed_everything={self.seed}",
            f"--data.corpus.folds={self.folds}",
            f"--data.corpus.fold={self.index}",
            f"--data.corpus.fold_seed={self.seed}",
            "--data.corpus.train_on_test=false",  # a recipe's final fit trains on every row
            f"--data.corpus.data_dir={d / 'data'}",
            f"--export.run_dir={d}",
            f"--trainer.logger.init_args.save_dir={d / 'logs'}",
            "--checkpoint.save_top_k=0",
            f"--early_stopping.patience={NEVER_STOP}",
            "--early_stopping.strict=false",
        ]


def split_argv(argv: list[str]) -> tuple[list[str], list[str]]:
    """``(crossval flags, fit flags)``: a flag goes to ``fit`` when its first key is one of
    :data:`FIT_KEYS`, with its value when that is the next item.

        >>> split_argv(["--config", "a.yaml", "--folds", "3", "--trainer.max_steps=5"])
        (['--folds', '3'], ['--config', 'a.yaml', '--trainer.max_steps=5'])
    """
    own: list[str] = []
    fit: list[str] = []
    i = 0
    while i < len(argv):
        item = argv[i]
        key = item[2:].split("=", 1)[0].split(".", 1)[0] if item.startswith("--") else ""
        take = (
            2 if "=" not in item and i + 1 < len(argv) and not argv[i + 1].startswith("--") else 1
        )
        (fit if key in FIT_KEYS else own).extend(argv[i : i + take])
        i += take
    return own, fit


def build_parser() -> ArgumentParser:
    """The crossval flags (the fit flags are split off first, :func:`split_argv`)."""
    from calendar_ner.extract import DEVICE_CHOICES, DTYPE_CHOICES, add_decode_args

    parser = ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="Cross-validation folder.")
    parser.add_argument("--folds", type=int, default=5, help="Number of folds (k >= 2).")
    parser.add_argument(
        "--seeds",
        type=list[int],
        default=None,
        help="One k-fold pass per seed (seed_everything and the fold deal), e.g. '[42, 7]'; "
        "default: the config's seed_everything.",
    )
    parser.add_argument("--parallel", type=int, default=1, help="Folds fitted side by side.")
    parser.add_argument(
        "--decode_only",
        default=None,
        help="A crossval folder whose fold adapters are decoded again (with --decode.* options) "
        "into --out; nothing is fitted.",
    )
    parser.add_argument("--batch_size", type=int, default=8, help="Texts decoded together.")
    parser.add_argument("--dtype", default="float32", choices=DTYPE_CHOICES, help="Decode dtype.")
    parser.add_argument(
        "--device",
        default="auto",
        choices=DEVICE_CHOICES,
        help="Decode device (auto: CUDA if any).",
    )
    parser.add_argument("--bootstrap", type=int, default=2000, help="Bootstrap resamples.")
    add_decode_args(parser)
    return parser


def lightning(args: list[str]) -> Any:
    """:func:`calendar_ner.cli.run_cli` on ``args`` alone (not this command's own ``sys.argv``)."""
    from calendar_ner.cli import run_cli

    argv, sys.argv = sys.argv, sys.argv[:1]
    try:
        return run_cli(args)
    finally:
        sys.argv = argv


def resolve_fit_config(fit_args: list[str]) -> dict[str, Any]:
    """The fit config the stack resolves to (``fit ... --print_config``, in this process): bad
    flags fail here, before any work."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        lightning(["fit", *fit_args, "--print_config"])
    if not out.getvalue().strip():
        fail("the fit arguments did not resolve to a config (see the error above)")
    return yaml.safe_load(out.getvalue())


_FIT_KEYS = ("fit_args", "fit_seconds", "fit_commit", "fit_dirty")


def with_fit(path: Path) -> dict[str, Any]:
    """A ``fold.json``; a fold decoded again (``--decode_only``) takes how its adapter was
    fitted from the source fold's ``fold.json``."""
    record = json.loads(path.read_text())
    source = Path(record.get("adapter", "")).parent / "fold.json"
    if "fit_args" not in record and record.get("adapter") and source.is_file():
        fitted = json.loads(source.read_text())
        record |= {k: fitted[k] for k in _FIT_KEYS if k in fitted}
    return record


def run_fold(
    fold: Fold, user_args: list[str] | None, adapter: str, options: dict[str, Any]
) -> dict[str, Any]:
    """Fit the fold (``user_args``; None: only decode) unless done, then decode its held-out rows
    with ``adapter`` unless done; returns ``fold.json``."""
    from calendar_ner.decode import DecodeConfig
    from calendar_ner.evaluate import predict_scored
    from calendar_ner.extract import CalendarExtractor

    record_path = fold.path / "fold.json"
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    fitted = (fold.adapter / "calendar_ner.json").is_file() and "fit_args" in record
    if user_args is not None and fitted and record["fit_args"] != user_args:
        fail(f"{fold.dir} was fitted with other fit arguments; give another --out")
    if user_args is not None and not fitted:
        env = report.environment()
        start = time.perf_counter()
        lightning(fold.fit_args(user_args))
        record = {
            **asdict(fold),
            "fit_args": user_args,
            "fit_seconds": time.perf_counter() - start,
            "fit_commit": env["git_commit"],
            "fit_dirty": env["git_dirty"],
        }
        write_json(record_path, record)
    meta = json.loads((Path(adapter) / "calendar_ner.json").read_text())
    decode = DecodeConfig.from_meta(meta, **options["decode"]).to_dict()
    if fold.predictions.is_file():
        if record.get("decode") != decode:
            fail(f"{fold.predictions} was decoded with other options; give another --out")
        return record
    rows = load_jsonl(fold.held_out if user_args is not None else options["held_out"])
    extractor = CalendarExtractor.from_pretrained(
        adapter, dtype=options["dtype"], device=options["device"], **options["decode"]
    )
    start = time.perf_counter()
    preds, scores = predict_scored(
        extractor,
        [r["event_text"] for r in rows],
        options["batch_size"],
        desc=f"seed {fold.seed} fold {fold.index}",
    )
    record |= {
        **asdict(fold),
        "adapter": str(adapter),
        "decode": decode,
        "inference": extractor.meta.get("inference"),
        "held_out_rows": len(rows),
        "decode_seconds": time.perf_counter() - start,
    }
    write_jsonl(
        fold.predictions,
        [
            {
                "line": r["line"],
                "event_text": r["event_text"],
                "gold": r["output"],
                "pred": p,
                "confidence": c,
            }
            for r, p, c in zip(rows, preds, scores)
        ],
    )
    write_json(record_path, record)
    return record


def _worker_init(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def run_folds(jobs: list[tuple], parallel: int) -> list[dict[str, Any]]:
    """:func:`run_fold` for each job: one after another, or ``parallel`` processes side by side."""
    if parallel <= 1:
        return [run_fold(*job) for job in jobs]
    threads = max(1, (os.cpu_count() or 1) // parallel)
    with ProcessPoolExecutor(
        parallel, mp_context=get_context("spawn"), initializer=_worker_init, initargs=(threads,)
    ) as pool:
        return list(pool.map(run_fold, *zip(*jobs)))


def load_predictions(out: str | Path) -> list[dict[str, Any]]:
    """Every held-out prediction under a crossval folder, each with its ``seed`` and ``fold``."""
    rows = []
    for path in sorted(Path(out).glob("seed-*/fold-*/predictions.jsonl")):
        seed, fold = int(path.parts[-3][5:]), int(path.parts[-2][5:])
        rows += [{**r, "seed": seed, "fold": fold} for r in load_jsonl(path)]
    if not rows:
        fail(f"{out} holds no seed-*/fold-*/predictions.jsonl")
    return rows


def per_line(rows: list[dict[str, Any]]) -> dict[int, tuple[float, np.ndarray]]:
    """Line -> (share of its predictions, over seeds, that match exactly; TP, FP, FN summed over
    fields and seeds): the unit a bootstrap resamples."""
    scores = row_scores([r["pred"] for r in rows], [r["gold"] for r in rows])
    table: dict[int, list] = {}
    for row, exact, counts in zip(rows, scores["exact"], scores["counts"].sum(axis=1)):
        hits, total, summed = table.get(row["line"], (0, 0, np.zeros(3, dtype=np.int64)))
        table[row["line"]] = (hits + int(exact), total + 1, summed + counts)
    return {line: (hits / total, summed) for line, (hits, total, summed) in sorted(table.items())}


def _arrays(table: dict[int, tuple[float, np.ndarray]], lines: list[int]):
    return np.array([table[i][0] for i in lines]), np.array([table[i][1] for i in lines])


def summarize(out: Path, samples: int, facts: dict[str, Any]) -> dict[str, Any]:
    """Pooled scores with bootstrap intervals, per seed and per fold; writes metrics.json and
    report.md (every wrong row) in ``out``."""
    rows = load_predictions(out)
    seeds = sorted({r["seed"] for r in rows})
    table = per_line(rows)
    intervals = bootstrap(*_arrays(table, list(table)), samples=samples)
    pooled = report.evaluation([r["pred"] for r in rows], [r["gold"] for r in rows])
    by_seed = {
        seed: report.evaluation(
            [r["pred"] for r in rows if r["seed"] == seed],
            [r["gold"] for r in rows if r["seed"] == seed],
        )
        for seed in seeds
    }
    if all(r.get("confidence") for r in rows):
        pooled["calibration"] = calibration.of_predictions(
            [r["pred"] for r in rows], [r["confidence"] for r in rows], [r["gold"] for r in rows]
        )
    folds = [with_fit(p) for p in sorted(out.glob("seed-*/fold-*/fold.json"))]
    env = report.environment(folds[0].get("inference", {}).get("device") if folds else None)
    metrics = (
        pooled
        | {
            "rows": len(table),
            "seeds": seeds,
            "intervals": intervals,
            "bootstrap": {"samples": samples, "seed": 0, "unit": "row (line), seeds kept together"},
            "per_seed": {
                str(s): {k: m[k] for k in ("count", *report.HEADLINE)} for s, m in by_seed.items()
            },
            "folds": folds,
        }
        | env
    )
    if len(seeds) > 1:
        em = [m["exact_match"] for m in by_seed.values()]
        metrics["seed_sd"] = {"exact_match": float(np.std(em, ddof=1))}
    write_json(out / "metrics.json", metrics)
    facts = facts | {
        "commit": f"{env['git_commit']}" + (" (with changes)" if env["git_dirty"] else ""),
        "held-out rows": f"{len(table)} (each held out once per seed), seeds {seeds}",
        "folds": ", ".join(
            f"seed {f['seed']} fold {f['index']}: {f.get('held_out_rows')} held out"
            + (f", fit {f['fit_seconds'] / 60:.1f} min" if "fit_seconds" in f else "")
            for f in folds
        ),
    }
    if len(seeds) > 1:
        facts["per seed exact match"] = ", ".join(
            f"{s}: {m['exact_match']:.3f}" for s, m in by_seed.items()
        )
    errors = report.wrong_rows(
        [{**r, "output": r["gold"]} for r in rows], [r["pred"] for r in rows]
    )
    text = report.markdown(
        "Cross-validation", facts, metrics, errors, show=None, intervals=intervals
    )
    if "calibration" in metrics:
        plot = calibration.plot_reliability(metrics["calibration"], out / "reliability.png")
        text += calibration.markdown(metrics["calibration"], plot.name)
    write_text(out / "report.md", text)
    report.plot_fields(metrics, out)
    return metrics


def discover(source: Path) -> list[Fold]:
    """The folds of a crossval folder (those with an exported adapter)."""
    folds = []
    for adapter in sorted(source.glob("seed-*/fold-*/adapter/calendar_ner.json")):
        record = json.loads((adapter.parents[1] / "fold.json").read_text())
        folds.append(Fold(record["seed"], record["index"], record["folds"], ""))
    if not folds:
        fail(f"--decode_only {source}: no seed-*/fold-*/adapter folders")
    return folds


def main(args: list[str]) -> dict[str, Any]:
    """Cross-validate a recipe (or decode existing folds again); ``compare`` compares two;
    ``report`` writes a folder's pooled report again."""
    if args[:1] == ["compare"]:
        return compare_main(args[1:])
    if args[:1] == ["report"]:
        return report_main(args[1:])
    own, fit_args = split_argv(args)
    ns = build_parser().parse_args(own)
    return run(ns, fit_args)


def run(ns: Namespace, fit_args: list[str]) -> dict[str, Any]:
    """Check, fit and decode every fold not yet done, then write the pooled report."""
    from calendar_ner.evaluate import check_writable

    out = Path(ns.out).resolve()
    check_writable(out, "--out")
    options = {
        "decode": ns.decode.as_dict() if ns.get("decode") else {},  # None: as saved
        "dtype": ns.dtype,
        "device": ns.device,
        "batch_size": ns.batch_size,
    }
    if ns.decode_only:
        if fit_args:
            fail(f"--decode_only fits nothing: drop {fit_args}")
        source = Path(ns.decode_only).resolve()
        if source == out:
            fail("--decode_only needs another --out than the folder it decodes")
        jobs = []
        for f in discover(source):
            src = source / f"seed-{f.seed}" / f"fold-{f.index}"
            fold = Fold(f.seed, f.index, f.folds, str(out / f"seed-{f.seed}" / f"fold-{f.index}"))
            held = {**options, "held_out": str(src / "data" / "splits" / "test.jsonl")}
            jobs.append((fold, None, str(src / "adapter"), held))
        facts = {"decoded again from": f"`{source}`", "decode options": f"`{options['decode']}`"}
    else:
        if ns.folds < 2:
            fail(f"--folds must be >= 2, got {ns.folds}")
        config = resolve_fit_config(fit_args)
        corpus = config["data"]["corpus"]
        if not corpus.get("raw") or not Path(corpus["raw"]).is_file():
            fail(f"data.corpus.raw {corpus.get('raw')!r}: cross-validation needs the real rows")
        seeds = ns.seeds or [config.get("seed_everything") or 0]
        jobs = []
        for seed in seeds:
            for k in range(ns.folds):
                fold = Fold(seed, k, ns.folds, str(out / f"seed-{seed}" / f"fold-{k}"))
                jobs.append((fold, fit_args, str(fold.adapter), options))
        facts = {
            "fit arguments": f"`{' '.join(fit_args)}`",
            "corpus": f"`{corpus['raw']}`, lockbox = test split of seed {corpus['seed']} "
            f"and split {corpus['split']} (left out)",
            "decode options": f"`{options['decode']}` (unset: as saved in each fold adapter)",
        }
    run_folds(jobs, ns.parallel)
    metrics = summarize(out, ns.bootstrap, facts)
    em, f1 = metrics["intervals"]["exact_match"], metrics["intervals"]["field_f1"]
    print(
        f"{metrics['rows']} held-out rows, seeds {metrics['seeds']}: exact match "
        f"{em['value']:.3f} [{em['interval'][0]:.3f}, {em['interval'][1]:.3f}], field F1 "
        f"{f1['value']:.3f} [{f1['interval'][0]:.3f}, {f1['interval'][1]:.3f}]; {out}/report.md"
    )
    return metrics


def report_main(args: list[str]) -> dict[str, Any]:
    """``crossval report DIR``: write DIR's pooled report (metrics.json, report.md, plots) again
    from its folds' predictions, fitting and decoding nothing (after the report or the scorer
    changed, or to change ``--bootstrap``)."""
    parser = ArgumentParser(prog=f"{PROG} report", description=report_main.__doc__)
    parser.add_argument("dir", help="A crossval --out folder.")
    parser.add_argument("--bootstrap", type=int, default=2000, help="Bootstrap resamples.")
    ns = parser.parse_args(args)
    out = Path(ns.dir).resolve()
    records = [with_fit(p) for p in sorted(out.glob("seed-*/fold-*/fold.json"))]
    if not list(out.glob("seed-*/fold-*/predictions.jsonl")):
        fail(f"{ns.dir}: no seed-*/fold-*/predictions.jsonl")
    facts = {"decode options": f"`{records[0].get('decode')}`"}
    if records[0].get("fit_args"):
        facts = {"fit arguments": f"`{' '.join(records[0]['fit_args'])}`"} | facts
    return summarize(out, ns.bootstrap, facts)


def compare_main(args: list[str]) -> dict[str, Any]:
    """``crossval compare A B``: B minus A on the rows both hold, with paired 95% intervals."""
    parser = ArgumentParser(prog=f"{PROG} compare", description=compare_main.__doc__)
    parser.add_argument("a", help="Crossval folder A (the baseline).")
    parser.add_argument("b", help="Crossval folder B.")
    parser.add_argument("--bootstrap", type=int, default=2000, help="Bootstrap resamples.")
    parser.add_argument("--out", default=None, help="Also write the comparison as JSON here.")
    ns = parser.parse_args(args)
    rows_a, rows_b = load_predictions(ns.a), load_predictions(ns.b)
    table_a, table_b = per_line(rows_a), per_line(rows_b)
    if set(table_a) != set(table_b):
        fail(f"{ns.a} and {ns.b} hold different rows ({len(table_a)} and {len(table_b)} lines)")
    lines = list(table_a)
    result = paired_bootstrap(
        _arrays(table_a, lines), _arrays(table_b, lines), samples=ns.bootstrap
    )
    scored = [
        report.evaluation([r["pred"] for r in x], [r["gold"] for r in x]) for x in (rows_a, rows_b)
    ]
    per_field = {f: {k: s["per_field"][f]["f1"] for k, s in zip("ab", scored)} for f in FIELDS}
    fixed = sum(table_a[i][0] < table_b[i][0] for i in lines)
    broken = sum(table_a[i][0] > table_b[i][0] for i in lines)
    result |= {"rows": len(lines), "fixed": fixed, "broken": broken, "per_field_f1": per_field}
    print(f"{len(lines)} rows; A = {ns.a}, B = {ns.b}; B - A with a paired bootstrap 95% interval")
    print("| score | A | B | B - A | 95% interval |\n|---|---:|---:|---:|---|")
    for key in ROW_STATS:
        r = result[key]
        lo, hi = r["interval"]
        cells = f"{r['a']:.3f} | {r['b']:.3f} | {r['difference']:+.3f} | {lo:+.3f} – {hi:+.3f}"
        print(f"| {key} | {cells} |")
    for f in FIELDS:
        print(f"| {f}_f1 | {per_field[f]['a']:.3f} | {per_field[f]['b']:.3f} | "
              f"{per_field[f]['b'] - per_field[f]['a']:+.3f} | |")  # fmt: skip
    print(f"rows B gets exactly right more often than A: {fixed}; less often: {broken}")
    if ns.out:
        write_json(ns.out, result)
    return result
