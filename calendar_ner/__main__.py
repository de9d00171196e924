"""``python -m calendar_ner <command>`` (also the ``calendar_ner`` console script).

Commands:
    data                          build augmented corpus, splits and data card
    fit | validate | test | predict   LightningCLI (see ``calendar_ner fit --help``)
"""

from __future__ import annotations

import sys

from jsonargparse import ArgumentParser

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


COMMANDS = {"data": data_main}


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
