"""The README.md (model card) written beside an exported adapter.

PEFT's ``save_pretrained`` writes a template card full of "[More Information Needed]" that names
the base model by a local cache path; ``calendar_ner fit`` replaces it with this one, built from
the run's own facts: base model spec, LoRA settings, the corpus's data card (counts only, never
rows) and the final metrics. Hand-edit it for a release (``checkpoints/release/adapter``).
"""

from __future__ import annotations

from typing import Any

from calendar_ner.schema import FIELDS


def _lora_line(adapter_config: dict[str, Any], trainable: int) -> str:
    targets = adapter_config.get("target_modules") or []  # a list, or PEFT's regex / "all-linear"
    targets = targets if isinstance(targets, str) else ", ".join(sorted(targets))
    return (
        f"LoRA r={adapter_config.get('r')}, alpha={adapter_config.get('lora_alpha')}, "
        f"dropout {adapter_config.get('lora_dropout')} on {targets or '?'}; "
        f"{trainable:,} trainable parameters."
    )


def _data_section(card: dict[str, Any]) -> list[str]:
    """Counts from the data card. Never read its ``dropped`` lists: they hold row texts."""
    cfg = card.get("config", {})
    lines = ["## Training data", ""]
    if card.get("synthetic_only"):
        lines.append("Synthetic only (no raw file): every split is generated.")
    else:
        lines.append(
            f"`{cfg.get('raw')}`: {card.get('raw_rows_read')} real rows, split "
            f"{'/'.join(str(f) for f in cfg.get('split', []))} (train/eval/test) by seed "
            f"{cfg.get('seed')}, plus augmented variants and synthetic rows (counts below)."
        )
    if cfg.get("train_on_test"):
        lines.append("Every real row was trained on (final fit): the `val/*` and `test/*` metrics")
        lines.append("are in-sample; the recipe's cross-validated figure is the estimate.")
    elif cfg.get("train_on_eval"):
        lines.append("The eval split was trained on (final mode): the `val/*` metrics below are")
        lines.append("in-sample. The test split stays held out.")
    lines += [
        f"Data card key `{card.get('key')}`; the most similar train and held-out texts score "
        f"{card.get('max_train_vs_heldout_ratio')} (rapidfuzz ratio).",
        "",
        "| split | rows | sources | " + " | ".join(FIELDS) + " |",
        "|---|---:|---|" + "---:|" * len(FIELDS),
    ]
    coverage = card.get("field_coverage", {})
    for split, count in card.get("counts", {}).items():
        sources = ", ".join(f"{k} {v}" for k, v in card.get("sources", {}).get(split, {}).items())
        cells = [f"{coverage.get(split, {}).get(f, 0):.2f}" for f in FIELDS]
        lines.append(f"| {split} | {count} | {sources} | " + " | ".join(cells) + " |")
    lines += ["", "(field columns: share of rows where the field is non-null)", ""]
    return lines


def model_card(
    meta: dict[str, Any],
    adapter_config: dict[str, Any],
    trainable: int,
    data_card: dict[str, Any] | None = None,
    val_rows: int | None = None,
) -> str:
    """Markdown card for an adapter folder; ``meta`` is its ``calendar_ner.json``, ``val_rows``
    the number of validation rows decoded for the generation metrics."""
    base = meta["base_model"]
    lines = [
        "---",
        "library_name: peft",
        "tags: [calendar_ner, lora, calendar, information-extraction]",
        "---",
        "",
        f"# calendar_ner adapter for `{base}`",
        "",
        "Turns a calendar request into a JSON object with exactly the keys "
        + ", ".join(f"`{f}`" for f in FIELDS)
        + f" (schema version {meta.get('schema_version')}), decoded under the schema.",
        _lora_line(adapter_config, trainable),
        "",
        "## Use",
        "",
        "```bash",
        'calendar_ner extract --model <this folder> "Lunch with Sam tomorrow at 1pm"',
        "calendar_ner extract --model <this folder> --input requests.jsonl --output out.jsonl",
        "calendar_ner evaluate --model <this folder> --data labelled.jsonl",
        "```",
        "",
        "or `CalendarExtractor.from_pretrained('<this folder>')` in Python.",
        "`calendar_ner.json` holds the base model, prompt template, schema version and the",
        "decoding options (`decode`: copied fields, action bounds, exact copy, duration",
        "grounding);",
        "`config.yaml` is the resolved training config.",
        "",
    ]
    if data_card:
        lines += _data_section(data_card)
    metrics = {
        k: v
        for k, v in (meta.get("metrics") or {}).items()
        if not k.endswith(("_precision", "_recall"))  # all of them are in calendar_ner.json
    }
    if metrics:
        lines += ["## Final metrics", ""]
        if val_rows and "val/exact_match" in metrics:
            lines += [
                "The generation metrics (`val/exact_match`, `val/field_f1`, ...) cover the eval",
                f"batches up to the first {val_rows} rows of each validation (per device);",
                "`calendar_ner evaluate` scores a whole split.",
                "",
            ]
        lines += ["| metric | value |", "|---|---:|"]
        lines += [f"| {k} | {v:.4g} |" for k, v in sorted(metrics.items())]
        lines.append("")
    return "\n".join(lines)
