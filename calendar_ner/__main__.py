"""``python -m calendar_ner <command>`` (also the ``calendar_ner`` console script).

Commands:
    quickstart                        data -> fit -> test -> adapter on the bundled 135M (CPU)
    data                              build augmented corpus, splits and data card
    fit | validate | test | predict   LightningCLI (see ``calendar_ner fit --help``)
    extract                           text or JSONL in, 8-key JSON out (shipped adapter by default)
    serve                             REST server (FastAPI) around the extractor
    evaluate                          score a model on a labelled JSONL (e.g. the test split)
    crossval                          k-fold cross-validation of a recipe outside the lockbox

Inputs, output paths, --model and --device are checked before any model is loaded; a problem
ends in one line (``calendar_ner: error: ...``, exit status 2) naming the file, line and
column or flag. ``--debug`` (or ``CALENDAR_NER_DEBUG=1``) shows the traceback instead.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jsonargparse import ArgumentParser, Namespace, set_parsing_settings

from calendar_ner import errors

# The string under each dataclass field (CorpusConfig, AdapterConfig, ...) is its --help text.
set_parsing_settings(docstring_parse_attribute_docstrings=True)

LIGHTNING_COMMANDS = ("fit", "validate", "test", "predict")
SKIP_INVALID_HELP = "Skip bad rows (counted and listed on stderr as file:line: reason)."


def check_data_args(ns: Namespace) -> None:
    """Check ``data``'s raw file (readable UTF-8) and its output folder before building."""
    from calendar_ner.data.io import check_input_file, check_output_path

    if ns.raw is not None:
        check_input_file(ns.raw, "--raw")
    check_output_path(Path(ns.data_dir) / "processed" / "data_card.json", "--data_dir")
    check_output_path(Path(ns.data_dir) / "splits" / "train.jsonl", "--data_dir")


def check_extract_args(ns: Namespace) -> list[tuple[int, dict]] | None:
    """Check ``extract``'s text or ``--input``/``--output`` and read the input rows as
    ``(line, row)`` (bad rows are skipped and listed with ``--skip_invalid``, else the first
    ends the run)."""
    from calendar_ner.data.io import (
        check_input_file,
        check_output_path,
        parse_jsonl,
        parse_request,
        report_skipped,
        unicode_text,
    )

    if ns.input is None:
        if unicode_text(ns.text) != ns.text:
            raise errors.UserError("TEXT: holds bytes that are not UTF-8")
        return None
    check_input_file(ns.input, "--input")
    check_output_path(ns.output, "--output")
    hint = "" if ns.skip_invalid else " (pass --skip_invalid to skip such rows)"
    parsed, skipped = parse_jsonl(ns.input, parse_request, skip_invalid=ns.skip_invalid, hint=hint)
    report_skipped(ns.input, skipped)
    return parsed


def data_main(args: list[str]) -> None:
    """Build the corpus alone and print the data card summary."""
    from calendar_ner.data.io import report_skipped
    from calendar_ner.data.pipeline import CorpusConfig, build_corpus, card_markdown

    parser = ArgumentParser(prog="calendar_ner data", description=data_main.__doc__)
    parser.add_class_arguments(CorpusConfig, skip={"skip_invalid"})
    parser.add_argument("--skip_invalid", action="store_true", help=SKIP_INVALID_HELP)
    parser.add_argument("--force", action="store_true", help="Rebuild even if cached.")
    ns = parser.parse_args(args)
    check_data_args(ns)
    force = ns.pop("force")
    cfg = CorpusConfig(**ns.as_dict())
    card = build_corpus(cfg, force=force)
    report_skipped(cfg.raw, card["dropped"]["invalid"])
    print(card_markdown(card))
    print(f"Wrote {cfg.data_dir}/splits/{{train,eval,test}}.jsonl and {cfg.data_dir}/processed/")


def extract_main(args: list[str]) -> None:
    """Extract events: one text to stdout, or a JSONL file (rows with ``event_text``) to another."""

    from tqdm import tqdm

    from calendar_ner.data.io import write_jsonl, write_text
    from calendar_ner.extract import add_model_args, check_model_args, load_extractor

    parser = ArgumentParser(prog="calendar_ner extract", description=extract_main.__doc__)
    parser.add_argument("text", nargs="?", default=None, help="One calendar request.")
    parser.add_argument("--input", default=None, help="JSONL with an 'event_text' per row.")
    parser.add_argument("--output", default=None, help="JSONL written with 'output' added.")
    parser.add_argument("--batch_size", type=int, default=8, help="Texts decoded together.")
    parser.add_argument(
        "--details",
        action="store_true",
        help="Add 'resolved' (start/end/RRULE), 'spans' and 'confidence' (docs/details.md).",
    )
    parser.add_argument(
        "--reference", default=None, help="ISO 8601 date-time the request is read at (now)."
    )
    parser.add_argument(
        "--timezone", default=None, help="IANA time zone, e.g. Europe/Berlin (the local zone)."
    )
    parser.add_argument(
        "--format",
        default="json",
        choices=("json", "ics"),
        help="ics: an iCalendar (one VEVENT per event with a start) instead of JSON.",
    )
    parser.add_argument("--skip_invalid", action="store_true", help=SKIP_INVALID_HELP)
    add_model_args(parser)
    ns = parser.parse_args(args)
    if (ns.text is None) == (ns.input is None):
        parser.error("give either a TEXT or --input FILE")
    if bool(ns.input) != bool(ns.output):
        parser.error("--input and --output go together")
    if ns.batch_size < 1:
        parser.error("--batch_size must be >= 1")
    from calendar_ner.details import check_when, ics

    try:  # an unknown zone or malformed reference fails before the model is loaded
        when = check_when(ns.reference, ns.timezone)
    except ValueError as err:
        parser.error(f"--reference/--timezone: {err}")
    details = ns.details or ns.format == "ics"
    # Bad input fails (naming file:line) before the model is loaded.
    parsed = check_extract_args(ns)
    rows = [row for _, row in parsed] if parsed is not None else None
    check_model_args(ns)
    extractor = load_extractor(ns)
    options = {"details": details, "reference": when[0], "timezone": when[1]}
    if rows is None:
        result = extractor.extract(ns.text, **options)
        if ns.format == "ics":
            calendar = ics([result])
            for _, reason in calendar.skipped:
                print(f"no VEVENT: no start ({reason})", file=sys.stderr)
            print(calendar.text, end="")
        else:
            print(json.dumps(result.to_dict() if details else result, ensure_ascii=False))
        return
    outputs = []
    with tqdm(total=len(rows), unit="event", desc="extract") as bar:
        for start in range(0, len(rows), ns.batch_size * 4):
            texts = [r["event_text"] for r in rows[start : start + ns.batch_size * 4]]
            outputs += extractor.extract_batch(texts, ns.batch_size, **options)
            bar.update(len(texts))
    if ns.format == "ics":
        calendar = ics(outputs)
        for position, reason in calendar.skipped:
            line = parsed[position][0]
            print(f"{ns.input}:{line}: no VEVENT, no start ({reason})", file=sys.stderr)
        write_text(ns.output, calendar.text)
        written = len(outputs) - len(calendar.skipped)
        print(f"wrote {written} events to {ns.output}", file=sys.stderr)
        return
    if details:
        write_jsonl(ns.output, [{**row, **d.to_dict()} for row, d in zip(rows, outputs)])
    else:
        write_jsonl(ns.output, [{**row, "output": out} for row, out in zip(rows, outputs)])
    print(f"wrote {len(rows)} rows to {ns.output}", file=sys.stderr)


def serve_main(args: list[str]) -> None:
    """Serve ``POST /extract`` and ``GET /health`` (docs at /docs)."""
    import dataclasses

    import uvicorn

    from calendar_ner.extract import add_model_args, check_model_args, load_extractor
    from calendar_ner.serve import ServeConfig, create_app

    parser = ArgumentParser(prog="calendar_ner serve", description=serve_main.__doc__)
    parser.add_class_arguments(ServeConfig)
    add_model_args(parser)
    ns = parser.parse_args(args)
    config = ServeConfig(**{f.name: ns[f.name] for f in dataclasses.fields(ServeConfig)})
    check_model_args(ns)
    extractor = load_extractor(ns)
    app = create_app(extractor, config)
    uvicorn.run(app, host=config.host, port=config.port)


def quickstart_main(args: list[str]) -> None:
    """Fit configs/quickstart.yaml on the bundled model, test the adapter, then answer one request
    with it and with the shipped adapter side by side.

    Arguments go to ``fit`` unchanged (e.g. ``--trainer.max_epochs 1``,
    ``--data.corpus.raw null`` for a synthetic-only corpus, labelled so).
    """
    from calendar_ner.cli import run_cli
    from calendar_ner.extract import RELEASE_ADAPTER, CalendarExtractor
    from calendar_ner.models.weights import check_model_dir

    check_model_dir(RELEASE_ADAPTER, "shipped adapter")  # answered last: checked first
    configs = Path(__file__).resolve().parents[1] / "configs"
    fit = ["fit", "--config", str(configs / "default.yaml")]
    cli = run_cli([*fit, "--config", str(configs / "quickstart.yaml"), *args])
    cli.trainer.test(cli.model, datamodule=cli.datamodule, ckpt_path="best")
    adapter = Path(cli.config.fit.export.run_dir) / "adapter"
    example = "Quick meeting at the coworking space on 10th, May 2025 at 11 am for 45 minutes"
    print(f"\n{example}")
    for name, path in (("quickstart", adapter), ("shipped", RELEASE_ADAPTER)):
        event = CalendarExtractor.from_pretrained(path).extract(example)
        print(f"{name:>10} ({path}): {json.dumps(event, ensure_ascii=False)}")


def evaluate_main(args: list[str]) -> None:
    """Score a model on labelled rows (:mod:`calendar_ner.evaluate`)."""
    from calendar_ner.evaluate import main as evaluate

    evaluate(args)


def crossval_main(args: list[str]) -> None:
    """Cross-validate a training recipe (:mod:`calendar_ner.crossval`)."""
    from calendar_ner.crossval import main as crossval

    crossval(args)


COMMANDS = {
    "quickstart": quickstart_main,
    "data": data_main,
    "extract": extract_main,
    "serve": serve_main,
    "evaluate": evaluate_main,
    "crossval": crossval_main,
}


def main(argv: list[str] | None = None) -> None:
    """Dispatch a command under :func:`calendar_ner.errors.run` (one-line user errors)."""
    errors.run(_dispatch, sys.argv[1:] if argv is None else argv)


def _dispatch(argv: list[str]) -> None:
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
