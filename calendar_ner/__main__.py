"""``python -m calendar_ner <command>`` (also the ``calendar_ner`` console script).

Commands:
    quickstart                        data -> fit -> test -> adapter on the bundled 135M (CPU)
    data                              build augmented corpus, splits and data card
    fit | validate | test | predict   LightningCLI (see ``calendar_ner fit --help``)
    extract                           text or JSONL in, 8-key JSON out (shipped adapter by default)
    serve                             REST server (FastAPI) around the extractor
    evaluate                          score a model on a labelled JSONL (e.g. the test split)
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from jsonargparse import ArgumentParser, Namespace, set_parsing_settings

if TYPE_CHECKING:
    from calendar_ner.extract import CalendarExtractor

# The string under each dataclass field (CorpusConfig, AdapterConfig, ...) is its --help text.
set_parsing_settings(docstring_parse_attribute_docstrings=True)

LIGHTNING_COMMANDS = ("fit", "validate", "test", "predict")


def data_main(args: list[str]) -> None:
    """Build the corpus alone and print the data card summary."""
    from calendar_ner.data.pipeline import CorpusConfig, build_corpus, card_markdown

    parser = ArgumentParser(prog="calendar_ner data", description=data_main.__doc__)
    parser.add_class_arguments(CorpusConfig)
    parser.add_argument("--force", action="store_true", help="Rebuild even if cached.")
    ns = parser.parse_args(args)
    force = ns.pop("force")
    cfg = CorpusConfig(**ns.as_dict())
    card = build_corpus(cfg, force=force)
    print(card_markdown(card))
    print(f"Wrote {cfg.data_dir}/splits/{{train,eval,test}}.jsonl and {cfg.data_dir}/processed/")


# Flags of _model_args that CalendarExtractor.from_pretrained takes as keywords.
_LOAD_KEYS = ("dtype", "device", "copy_fields", "action_bounds", "exact_copy", "ground_durations")


def _load_extractor(ns: Namespace) -> CalendarExtractor:
    """The extractor that the :func:`_model_args` flags in ``ns`` ask for."""
    from calendar_ner.extract import CalendarExtractor

    return CalendarExtractor.from_pretrained(ns.model, **{k: ns[k] for k in _LOAD_KEYS})


def _model_args(parser: ArgumentParser) -> None:
    from calendar_ner.extract import DEVICE_CHOICES, DTYPE_CHOICES

    parser.add_argument(
        "--model",
        default=None,
        help="Adapter/run/merged-model folder "
        "(default: $CALENDAR_NER_MODEL or checkpoints/release/adapter).",
    )
    parser.add_argument(
        "--dtype",
        default="auto",
        choices=DTYPE_CHOICES,
        help="Inference weights dtype (auto: bfloat16 where the CPU/GPU has native bf16).",
    )
    parser.add_argument(
        "--device",
        default="auto",
        choices=DEVICE_CHOICES,
        help="Inference device (auto: CUDA if present, else CPU).",
    )
    parser.add_argument(
        "--copy_fields",
        type=list[str] | None,
        default=None,
        help="Fields whose values must be spans of the request text, e.g. '[attendees, "
        "location]'; '[]' turns the constraint off (default: the model's calendar_ner.json, "
        "else action, date, time, attendees, location).",
    )
    parser.add_argument(
        "--action_bounds",
        type=bool | None,
        default=None,
        help="Start and end a copied action only where a request's action can: not inside a "
        "phrase of content words (default: the model's calendar_ner.json, else true).",
    )
    parser.add_argument(
        "--exact_copy",
        type=bool | None,
        default=None,
        help="Spell copied strings with the tokens and case a training target uses for that "
        "span of the text (default: the model's calendar_ner.json, else true).",
    )
    parser.add_argument(
        "--ground_durations",
        type=bool | None,
        default=None,
        help="Respell a duration the request never writes as the labels spell the amount the "
        "request states, e.g. '1 hour and a half' -> '1 hour 30 minutes' (default: the model's "
        "calendar_ner.json, else true).",
    )


def extract_main(args: list[str]) -> None:
    """Extract events: one text to stdout, or a JSONL file (rows with ``event_text``) to another."""
    from tqdm import tqdm

    from calendar_ner.data.io import parse_jsonl, parse_request, write_jsonl

    parser = ArgumentParser(prog="calendar_ner extract", description=extract_main.__doc__)
    parser.add_argument("text", nargs="?", default=None, help="One calendar request.")
    parser.add_argument("--input", default=None, help="JSONL with an 'event_text' per row.")
    parser.add_argument("--output", default=None, help="JSONL written with 'output' added.")
    parser.add_argument("--batch_size", type=int, default=8, help="Texts decoded together.")
    _model_args(parser)
    ns = parser.parse_args(args)
    if (ns.text is None) == (ns.input is None):
        parser.error("give either a TEXT or --input FILE")
    if bool(ns.input) != bool(ns.output):
        parser.error("--input and --output go together")
    if ns.batch_size < 1:
        parser.error("--batch_size must be >= 1")
    # Bad input fails (naming file:line) before the model is loaded.
    rows = [row for _, row in parse_jsonl(ns.input, parse_request)[0]] if ns.input else None
    extractor = _load_extractor(ns)
    if rows is None:
        print(json.dumps(extractor.extract(ns.text), ensure_ascii=False))
        return
    outputs = []
    with tqdm(total=len(rows), unit="event", desc="extract") as bar:
        for start in range(0, len(rows), ns.batch_size * 4):
            texts = [r["event_text"] for r in rows[start : start + ns.batch_size * 4]]
            outputs += extractor.extract_batch(texts, ns.batch_size)
            bar.update(len(texts))
    write_jsonl(ns.output, [{**row, "output": out} for row, out in zip(rows, outputs)])
    print(f"wrote {len(rows)} rows to {ns.output}", file=sys.stderr)


def serve_main(args: list[str]) -> None:
    """Serve ``POST /extract`` and ``GET /health`` (docs at /docs)."""
    import uvicorn

    from calendar_ner.serve import ServeConfig, create_app

    parser = ArgumentParser(prog="calendar_ner serve", description=serve_main.__doc__)
    parser.add_class_arguments(ServeConfig)
    _model_args(parser)
    ns = parser.parse_args(args)
    extractor = _load_extractor(ns)
    for key in ("model", *_LOAD_KEYS):
        ns.pop(key)
    config = ServeConfig(**ns.as_dict())
    app = create_app(extractor, config)
    uvicorn.run(app, host=config.host, port=config.port)


def evaluate_main(args: list[str]) -> None:
    """Score a model with constrained decoding on labelled rows; print and save the metrics."""
    import time

    from calendar_ner.data.io import read_rows, write_json
    from calendar_ner.models.metrics import field_errors, score

    parser = ArgumentParser(prog="calendar_ner evaluate", description=evaluate_main.__doc__)
    parser.add_argument("--data", default="data/splits/test.jsonl", help="Labelled JSONL.")
    parser.add_argument("--batch_size", type=int, default=8, help="Texts decoded together.")
    parser.add_argument(
        "--report", default=None, help="Write metrics + wrong rows (fields, how) here."
    )
    parser.add_argument("--skip_invalid", action="store_true", help="Skip bad rows, count them.")
    _model_args(parser)
    ns = parser.parse_args(args)
    rows, skipped = read_rows(ns.data, skip_invalid=ns.skip_invalid)
    if skipped:
        print(f"skipped {len(skipped)} invalid row(s): lines {[s['line'] for s in skipped]}")
    extractor = _load_extractor(ns)
    start = time.perf_counter()
    preds = extractor.extract_batch([r["event_text"] for r in rows], ns.batch_size)
    seconds = time.perf_counter() - start
    gold = [r["output"] for r in rows]
    metrics = score(preds, gold)
    metrics["events_per_second"] = len(rows) / seconds
    metrics["inference"] = extractor.meta.get("inference", {})
    print(f"{len(rows)} rows, {metrics['inference']}, batch size {ns.batch_size}")
    for key in ("json_validity", "field_f1", "exact_match", "events_per_second"):
        print(f"{key:>18}: {metrics[key]:.3f}")
    if ns.report:
        errors = []
        for row, g, p in zip(rows, gold, preds):
            if wrong := field_errors(p, g):
                errors.append(
                    {
                        "line": row["line"],
                        "event_text": row["event_text"],
                        "fields": wrong,
                        "gold": g,
                        "pred": p,
                    }
                )
        write_json(
            ns.report, {"data": ns.data, "rows": len(rows), "metrics": metrics, "errors": errors}
        )


def quickstart_main(args: list[str]) -> None:
    """Fit configs/quickstart.yaml on the bundled model, test the best adapter, try it once.

    ``--raw PATH`` picks the real rows (``--raw none``: a synthetic-only corpus, labelled so);
    other arguments go to ``fit`` unchanged (e.g. ``--trainer.max_epochs 1``).
    """
    import argparse
    from pathlib import Path

    from calendar_ner.cli import run_cli
    from calendar_ner.extract import CalendarExtractor

    parser = argparse.ArgumentParser(prog="calendar_ner quickstart", add_help=False)
    parser.add_argument("--raw", default=None)
    known, rest = parser.parse_known_args(args)
    if known.raw is not None:
        rest = [f"--data.corpus.raw={'null' if known.raw == 'none' else known.raw}", *rest]
    configs = Path(__file__).resolve().parents[1] / "configs"
    cli = run_cli(
        [
            "fit",
            "--config",
            str(configs / "default.yaml"),
            "--config",
            str(configs / "quickstart.yaml"),
            *rest,
        ]
    )
    cli.trainer.test(cli.model, datamodule=cli.datamodule, ckpt_path="best")
    adapter = Path(cli.config.fit.export.run_dir) / "adapter"
    example = "Quick meeting at the coworking space on 10th, May 2025 at 11 am for 45 minutes"
    event = CalendarExtractor.from_pretrained(adapter).extract(example)
    print(f"\nadapter: {adapter}\n{example}\n-> {json.dumps(event, ensure_ascii=False)}")


COMMANDS = {
    "quickstart": quickstart_main,
    "data": data_main,
    "extract": extract_main,
    "serve": serve_main,
    "evaluate": evaluate_main,
}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return
    command, rest = argv[0], argv[1:]
    if command in LIGHTNING_COMMANDS:
        from calendar_ner.cli import run_cli

        run_cli(argv)
    elif command in COMMANDS:
        COMMANDS[command](rest)
    else:
        sys.exit(f"calendar_ner: unknown command {command!r}; see `calendar_ner --help`")


if __name__ == "__main__":
    main()
