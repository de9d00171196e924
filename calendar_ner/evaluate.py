"""``calendar_ner evaluate``: score a model with constrained decoding on labelled rows.

    calendar_ner evaluate --data data/splits/eval.jsonl --out runs/eval      # the shipped adapter
    calendar_ner evaluate --model checkpoints/quickstart/adapter --data FILE --out DIR \
        --run checkpoints/quickstart
    calendar_ner evaluate --data benchmarks/data/probe.jsonl --baselines   # calendar_ner.baselines

``--out DIR`` gets ``metrics.json`` (scores, per-field scores and confusion, speed, model,
decoding options, git commit, package versions, machine), ``report.md`` (tables and the wrong
rows grouped by field and kind), ``predictions.jsonl`` (every row: line, text, gold, prediction,
wrong fields) and PNG plots; ``--run`` adds the training curves of a run folder. Without ``--out``
the scores are only printed. On the lockbox (the test split) give ``--show 0``: totals only.
The scores are those of :mod:`calendar_ner.models.metrics` (docs/metrics.md).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jsonargparse import ArgumentParser, Namespace
from tqdm import tqdm

from calendar_ner import calibration, report
from calendar_ner.baselines import add_baseline_args, check_baselines, run_baselines
from calendar_ner.data.io import (
    DataError,
    check_input_file,
    load_jsonl,
    read_rows,
    write_json,
    write_jsonl,
    write_text,
)
from calendar_ner.decode import postprocess
from calendar_ner.extract import (
    CalendarExtractor,
    add_model_args,
    check_model_args,
    default_model_path,
    fit_corpus,
    load_extractor,
)
from calendar_ner.models.metrics import field_errors, score
from calendar_ner.schema import Event

PROG = "calendar_ner evaluate"


def build_parser() -> ArgumentParser:
    """The ``evaluate`` flags (extend it, then hand the namespace to :func:`run`)."""
    parser = ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="data/splits/test.jsonl", help="Labelled JSONL.")
    parser.add_argument(
        "--out", default=None, help="Folder for metrics.json, report.md, predictions and plots."
    )
    parser.add_argument(
        "--run", default=None, help="Training run folder: its TensorBoard/CSV logs are plotted."
    )
    parser.add_argument(
        "--show", type=int, default=10, help="Wrong rows listed per field and kind (0: none)."
    )
    parser.add_argument("--batch_size", type=int, default=8, help="Texts decoded together.")
    parser.add_argument(
        "--report", default=None, help="Deprecated (use --out): metrics + wrong rows as JSON."
    )
    parser.add_argument("--skip_invalid", action="store_true", help="Skip bad rows, count them.")
    add_model_args(parser)
    add_baseline_args(parser)
    return parser


def fail(message: str) -> None:
    """Stop with a one-line error."""
    sys.exit(f"{PROG}: {message}")


def check_writable(folder: Path, flag: str) -> None:
    """Create ``folder`` and write a scratch file in it, or stop naming ``flag``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as err:
        fail(f"{flag} {folder} is not writable ({err.strerror or err})")


def predict_scored(
    extractor: CalendarExtractor, texts: list[str], batch_size: int = 8, desc: str = "decode"
) -> tuple[list[Event | None], list[dict[str, float]]]:
    """The extractor's answer to each text, batched as :meth:`CalendarExtractor.extract_batch`
    batches them, but None (scored as invalid) where the decoded text holds no JSON object
    instead of an all-null event; and each answer's per-field confidence
    (:func:`calendar_ner.details.confidence`). A progress bar shows on a terminal."""
    from calendar_ner.details import confidence

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    preds: list[Event | None] = [None] * len(texts)
    scores: list[dict[str, float]] = [{} for _ in texts]
    with tqdm(total=len(texts), unit="event", desc=desc, disable=None) as bar:
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            found = extractor.decoder.decode_scored([texts[i] for i in chunk])
            for i, decoded in zip(chunk, found):
                preds[i] = postprocess(decoded.raw, texts[i], extractor.config)
                scores[i] = confidence(decoded.logprobs)
            bar.update(len(chunk))
    return preds, scores


def rows_trained_on(model: str | None, rows: list[dict]) -> int | None:
    """How many of ``rows`` the model was fitted on, when its fit trained on every real row of
    its raw file (``data.corpus.train_on_test``, a final fit); None when that is not the case or
    the raw file is not here."""
    corpus = fit_corpus(model)
    raw = corpus.get("raw")
    if not corpus.get("train_on_test") or not raw or not Path(raw).is_file():
        return None
    trained = {" ".join(r["event_text"].split()) for r in load_jsonl(raw)}
    return sum(" ".join(r["event_text"].split()) in trained for r in rows)


def run(ns: Namespace) -> dict[str, Any]:
    """Check the paths, decode every row, print the scores and write what the flags ask for."""
    if ns.batch_size < 1:
        fail("--batch_size must be >= 1")
    out = Path(ns.out) if ns.out else None
    if out is not None:
        check_writable(out, "--out")
    if ns.report:
        check_writable(Path(ns.report).parent, "--report")
        print("note: --report is deprecated; use --out DIR (metrics.json, report.md, plots)")
    try:
        check_input_file(ns.data, "--data")
        rows, skipped = read_rows(ns.data, skip_invalid=ns.skip_invalid)
    except DataError as err:  # names the flag and file, or file:line, or an empty file
        fail(str(err))
    check_model_args(ns)
    check_baselines(ns)
    if skipped:
        print(f"skipped {len(skipped)} invalid row(s): lines {[s['line'] for s in skipped]}")
    trained = rows_trained_on(ns.model, rows)
    if trained:
        print(
            f"note: the model was fitted on {trained} of these {len(rows)} rows (a final fit on "
            "every real row): their scores are in-sample, not an estimate"
        )

    extractor = load_extractor(ns)
    start = time.perf_counter()
    preds, confidences = predict_scored(extractor, [r["event_text"] for r in rows], ns.batch_size)
    seconds = time.perf_counter() - start
    gold = [r["output"] for r in rows]
    inference = extractor.meta.get("inference", {})
    metrics = report.evaluation(preds, gold) | {
        "events_per_second": len(rows) / seconds,
        "seconds": seconds,
        "data": str(ns.data),
        "skipped_lines": [s["line"] for s in skipped],
        "rows_trained_on": trained,
        "model": str(Path(ns.model or default_model_path()).resolve()),
        "base_model": extractor.meta.get("base_model"),
        "decode": extractor.config.to_dict(),
        "inference": inference,
        "batch_size": ns.batch_size,
        "calibration": calibration.of_predictions(preds, confidences, gold),
    }
    print(f"{len(rows)} rows, {inference}, batch size {ns.batch_size}")
    for key in ("json_validity", "field_f1", "exact_match", "events_per_second"):
        print(f"{key:>18}: {metrics[key]:.3f}")
    if out is not None:
        metrics |= report.environment(inference.get("device"))
        write_outputs(out, rows, preds, confidences, metrics, ns)
    if ns.report:
        write_legacy_report(ns, rows, preds, metrics)
    if ns.baselines:
        run_baselines(ns, rows, extractor)
    return metrics


def write_outputs(
    out: Path,
    rows: list[dict],
    preds: list[Event | None],
    confidences: list[dict[str, float]],
    metrics: dict,
    ns: Namespace,
) -> None:
    """metrics.json, predictions.jsonl, report.md and the plots in ``out``."""
    errors = report.wrong_rows(rows, preds)
    write_json(out / "metrics.json", metrics)
    kinds = {e["line"]: e["errors"] for e in errors}
    write_jsonl(
        out / "predictions.jsonl",
        [
            {"line": r["line"], "event_text": r["event_text"], "gold": r["output"], "pred": p}
            | {"confidence": c, "errors": kinds.get(r["line"], {})}
            for r, p, c in zip(rows, preds, confidences)
        ],
    )
    facts = {
        "data": f"`{metrics['data']}`",
        "model": f"`{metrics['model']}` (base `{metrics['base_model']}`)",
        "decode": f"`{metrics['decode']}`",
        "inference": f"{metrics['inference']}, batch size {ns.batch_size}, "
        f"{metrics['events_per_second']:.2f} events/s",
        "commit": f"{metrics['git_commit']}" + (" (with changes)" if metrics["git_dirty"] else ""),
        "machine": f"{metrics['machine']['cpu']}, {metrics['machine']['torch_threads']} threads",
    }
    plots = report.plot_fields(metrics, out)
    if ns.run:
        curve = report.plot_training(ns.run, out)
        plots += [curve] if curve else []
    reliability = calibration.plot_reliability(metrics["calibration"], out / "reliability.png")
    text = report.markdown("Evaluation", facts, metrics, errors, show=ns.show)
    text += calibration.markdown(metrics["calibration"], reliability.name)
    text += "".join(f"\n![{p.stem}]({p.name})\n" for p in plots)
    write_text(out / "report.md", text)
    print(f"wrote {out}/metrics.json, report.md, predictions.jsonl and {len(plots)} plot(s)")


def write_legacy_report(ns: Namespace, rows: list[dict], preds: list, metrics: dict) -> None:
    """The ``--report`` JSON of earlier versions: flat scores and the wrong rows' fields."""
    gold = [r["output"] for r in rows]
    flat = score(preds, gold) | {
        k: metrics[k] for k in ("events_per_second", "inference", "decode")
    }
    errors = [
        {"line": r["line"], "event_text": r["event_text"], "fields": wrong, "gold": g, "pred": p}
        for r, g, p in zip(rows, gold, preds)
        if (wrong := field_errors(p, g))
    ]
    write_json(ns.report, {"data": ns.data, "rows": len(rows), "metrics": flat, "errors": errors})


def main(args: list[str]) -> dict[str, Any]:
    """Score a model with constrained decoding on labelled rows; print and save the metrics."""
    return run(build_parser().parse_args(args))
