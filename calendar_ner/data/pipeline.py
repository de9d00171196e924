"""Raw rows → canonical → dedup → split → augment (train only) → leak filter → files + data card.

    python -m calendar_ner data --raw ../shared/data/event_text_mapping.dev.jsonl --synth 1000

writes ``data/processed/augmented.jsonl``, ``data/splits/{train,eval,test}.jsonl`` and
``data/processed/data_card.{json,md}``. The build is cached: it is skipped when the manifest's
key (a hash of the raw file, this config and ``PIPELINE_VERSION``) matches the files on disk.

Label rules: a raw row whose date or time label is not a date or time expression is an error
naming ``file:line`` and the field (``--skip_invalid``: skipped and listed), never training
material. Rows with the same text (case and spacing aside) but different labels are conflicts:
every row of such a group is dropped (neither label is trusted) and the data card lists their
line numbers under ``dropped.conflict``. Rows with the same text and the same label are
duplicates: the first is kept.

Leakage rules: real rows are deduplicated and split *first*; only the train split is augmented;
eval/test hold real rows only; a generated training row that is a near-duplicate of any
eval/test text is dropped. Without a raw file the corpus is synthetic-only and labelled so.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from calendar_ner.data import augment as augmentation
from calendar_ner.data.augment.synth import check_date_shares
from calendar_ner.data.io import (
    DataError,
    Row,
    load_jsonl,
    read_rows,
    write_json,
    write_jsonl,
    write_text,
)
from calendar_ner.data.splits import (
    SPLITS,
    dedup,
    drop_leaks,
    kfold,
    max_cross_similarity,
    split_rows,
)
from calendar_ner.schema import FIELDS

PIPELINE_VERSION = "3"  # 2: label validation, conflicting labels dropped; 3: spelled-out
# durations of a stated amount count as expressed (variants of such rows are kept)


@dataclass
class CorpusConfig:
    """How the training corpus is built from raw rows."""

    raw: str | None = None
    """JSONL of real rows ``{"event_text", "output"}``; None builds a synthetic-only corpus."""
    data_dir: str = "data"
    """Where ``processed/`` and ``splits/`` are written."""
    synth: int = 1000
    """Number of Faker-synthesized rows added to the train split (all splits if no raw file)."""
    variants_per_row: int = 1
    """Augmented variants per real train row (0 or 1)."""
    rare_min_frac: float = 0.15
    """Minimum fraction of train rows with a recurrence or notes value."""
    dedup_threshold: float = 95.0
    """rapidfuzz ``ratio`` (0-100) at or above which two texts count as near-duplicates."""
    split: tuple[float, float, float] = (0.75, 0.15, 0.10)
    """train/eval/test fractions of the real rows."""
    seed: int = 42
    """Seed for splitting, augmentation and synthesis."""
    skip_invalid: bool = False
    """Skip bad raw rows (listed in the data card) instead of stopping at the first one."""
    relative_dates: float = 0.0
    """Share of synthetic rows whose date is relative ("tomorrow", "next Friday"), labelled as
    written (``configs/release.yaml``: 0.08)."""
    undated: float = 0.0
    """Share of synthetic rows with no date, labelled null."""
    untimed: float = 0.0
    """Share of dated synthetic rows with no time, labelled null."""
    match_action_recurrence: bool = False
    """Never prepend or swap a frequency word into a generated action, labelled, when the real
    train rows mostly leave it unlabelled there: they label "Weekly sync" weekly but leave most
    "Quarterly review" rows null (words no action holds, and ties, are still labelled;
    ``configs/release.yaml``: true)."""
    style_conventions: bool = False
    """Style variants follow the label conventions of the request style they end up in
    (:func:`calendar_ner.data.augment.style.spells_out_glued_units`: an amount glued in a
    compact am/pm request, "45min", stays spelled out in its label) instead of copying every
    shorthand into the label."""
    multilingual: float = 0.0
    """French, Spanish and German synthetic rows, as a share of ``synth``, from each language's
    own templates (:mod:`calendar_ner.data.augment.multilingual`); added after every other
    generated row, which stay as they are. 0 in ``configs/release.yaml``: on a cross-validation
    fold it cost English rows (docs/languages.md)."""
    train_on_eval: bool = False
    """Final-fit mode: the eval split's real rows also go into train (and are augmented); val
    metrics are then in-sample and the card says so. The test split stays held out."""
    train_on_test: bool = False
    """Every real row is trained on: the usual final fit once a recipe has been chosen by
    cross-validation (needs ``train_on_eval``; not with ``folds``). The test split's rows (the
    lockbox) also go into train and are augmented, so nothing real is held out: test metrics are
    in-sample, the cards say so and ``benchmarks/release_eval.py`` refuses such an adapter. The
    cross-validated figure of the recipe is its estimate (``configs/release.yaml``: true)."""
    folds: int = 0
    """Cross-validation (``calendar_ner crossval``): with ``folds`` >= 2 the real rows outside the
    test split (the lockbox, which is then left out entirely) are dealt into that many folds;
    fold ``fold`` becomes the held-out ``test`` split and the other folds are split into train
    and eval by ``split``'s train:eval ratio. Augmentation and the leak filter then work as
    usual, on that fold's rows only. 0: no folds."""
    fold: int = 0
    """The held-out fold, 0 to ``folds - 1``."""
    fold_seed: int | None = None
    """Seed that deals the folds (None: ``seed``, which also fixes the lockbox)."""

    def __post_init__(self) -> None:
        if self.synth < 0:
            raise ValueError(f"synth must be >= 0, got {self.synth}")
        if self.variants_per_row not in (0, 1):
            raise ValueError(f"variants_per_row must be 0 or 1, got {self.variants_per_row}")
        check_date_shares(self.relative_dates, self.undated, self.untimed)
        if not 0 <= self.multilingual <= 1:
            raise ValueError(f"multilingual must be in [0, 1], got {self.multilingual}")
        if not 0 <= self.dedup_threshold <= 100:
            raise ValueError(f"dedup_threshold must be in [0, 100], got {self.dedup_threshold}")
        if self.train_on_test and (not self.train_on_eval or self.folds):
            raise ValueError("train_on_test needs train_on_eval and no folds (a final fit)")
        if self.raw is None and self.synth == 0:
            raise ValueError("no raw file and synth=0: nothing to build (give --raw or --synth)")
        self.split = tuple(float(f) for f in self.split)
        if self.folds:
            if self.folds < 2 or not 0 <= self.fold < self.folds:
                raise ValueError(
                    f"need folds >= 2 and 0 <= fold < folds, got {self.fold}/{self.folds}"
                )
            if self.raw is None or self.split[0] + self.split[1] == 0:
                raise ValueError("folds need a raw file and rows outside the test split")

    @property
    def splits_dir(self) -> Path:
        return Path(self.data_dir) / "splits"

    @property
    def processed_dir(self) -> Path:
        return Path(self.data_dir) / "processed"


def _file_sha256(path: str) -> str:
    if not Path(path).is_file():
        raise DataError(f"{path}: data file not found")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(cfg: CorpusConfig) -> str:
    """Hash of everything the corpus depends on (raw file contents, config, pipeline version)."""
    inputs = {k: v for k, v in asdict(cfg).items() if k != "data_dir"}
    if not cfg.folds:  # corpora built before folds existed keep their key
        for name in ("folds", "fold", "fold_seed"):
            del inputs[name]
    for name in ("multilingual", "train_on_test"):  # likewise, while these are off
        if not inputs[name]:
            del inputs[name]
    inputs["raw_sha256"] = _file_sha256(cfg.raw) if cfg.raw else None
    inputs["version"] = PIPELINE_VERSION
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def _manifest_path(cfg: CorpusConfig) -> Path:
    return cfg.processed_dir / "manifest.json"


def is_cached(cfg: CorpusConfig, key: str) -> bool:
    """True when the files on disk were built under ``key`` (see :func:`cache_key`)."""
    manifest = _manifest_path(cfg)
    if not manifest.is_file():
        return False
    if json.loads(manifest.read_text()).get("key") != key:
        return False
    return all((cfg.splits_dir / f"{s}.jsonl").is_file() for s in SPLITS)


def load_splits(cfg: CorpusConfig) -> dict[str, list[Row]]:
    """The split files of a built corpus."""
    return {s: load_jsonl(cfg.splits_dir / f"{s}.jsonl") for s in SPLITS}


def build_corpus(cfg: CorpusConfig, *, force: bool = False) -> dict:
    """Build (or reuse) the corpus files; return the data card."""
    key = cache_key(cfg)  # hashes the raw file once per build
    if not force and is_cached(cfg, key):
        return json.loads((cfg.processed_dir / "data_card.json").read_text())

    skipped: list[Row] = []
    conflicts: list[Row] = []
    dates = {"relative_dates": cfg.relative_dates, "undated": cfg.undated, "untimed": cfg.untimed}
    if cfg.raw:
        real, skipped = read_rows(cfg.raw, skip_invalid=cfg.skip_invalid)
        real = [{**r, "source": "real"} for r in real]
        n_read = len(real)
        base, conflicts = drop_conflicts(real)
    else:
        # Synthetic-only: generate the whole corpus, then split it like real rows.
        base = [
            {**r, "source": "synth"}
            for r in augmentation.augment(
                [],
                synth=cfg.synth,
                rare_min_frac=cfg.rare_min_frac,
                seed=cfg.seed,
                multilingual=cfg.multilingual,
                **dates,
            )
        ]
        n_read = 0
    base, near_dups = dedup(base, cfg.dedup_threshold)
    splits = split_rows(base, cfg.split, cfg.seed)
    if cfg.folds:
        splits = _fold_splits(splits["train"] + splits["eval"], cfg)

    generated: list[Row] = []
    leaks: list[Row] = []
    if cfg.train_on_eval:
        splits["train"] = splits["train"] + splits["eval"]
    if cfg.train_on_test:
        splits["train"] = splits["train"] + splits["test"]
    if cfg.raw:
        held_out = held_out_rows(cfg, splits)
        generated = augmentation.augment(
            [{"event_text": r["event_text"], "output": r["output"]} for r in splits["train"]],
            variants_per_row=cfg.variants_per_row,
            synth=cfg.synth,
            rare_min_frac=cfg.rare_min_frac,
            seed=cfg.seed,
            match_action_recurrence=cfg.match_action_recurrence,
            style_conventions=cfg.style_conventions,
            multilingual=cfg.multilingual,
            **dates,
        )
        generated, leaks = drop_leaks(generated, held_out, cfg.dedup_threshold)
        splits["train"] = splits["train"] + generated

    card = _data_card(cfg, key, splits, n_read, skipped, conflicts, near_dups, leaks)
    write_jsonl(cfg.processed_dir / "augmented.jsonl", generated)
    for name in SPLITS:
        write_jsonl(cfg.splits_dir / f"{name}.jsonl", splits[name])
    write_json(cfg.processed_dir / "data_card.json", card)
    write_text(cfg.processed_dir / "data_card.md", card_markdown(card))
    write_json(_manifest_path(cfg), {"key": key, "config": asdict(cfg)})
    return card


def _fold_splits(rows: list[Row], cfg: CorpusConfig) -> dict[str, list[Row]]:
    """Fold ``cfg.fold`` of ``rows`` (the real rows outside the lockbox) as ``test``; the other
    folds split into train and eval by the train:eval ratio of ``cfg.split``."""
    folds = kfold(rows, cfg.folds, cfg.seed if cfg.fold_seed is None else cfg.fold_seed)
    rest = [row for i, fold in enumerate(folds) if i != cfg.fold for row in fold]
    train, val = cfg.split[0], cfg.split[1]
    inner = split_rows(rest, (train / (train + val), val / (train + val), 0.0), cfg.seed)
    return {"train": inner["train"], "eval": inner["eval"], "test": folds[cfg.fold]}


def held_out_rows(cfg: CorpusConfig, splits: dict[str, list[Row]]) -> list[Row]:
    """The real rows no training row may come near: eval and test, less what is trained on."""
    return (
        []
        if cfg.train_on_test
        else splits["test"]
        if cfg.train_on_eval
        else splits["eval"] + splits["test"]
    )


def drop_conflicts(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """Drop every row whose text (case and spacing aside) another row repeats with a different
    label; return ``(kept, dropped)``, each dropped row with a ``"reason"`` naming the other
    lines (never the text).

    >>> a = {"event_text": "Lunch at 1pm", "output": {"time": "1:00 PM"}, "line": 1}
    >>> b = {"event_text": "lunch  at 1pm", "output": {"time": "1:00 AM"}, "line": 2}
    >>> kept, dropped = drop_conflicts([a, b, {**a, "line": 3, "event_text": "Tea"}])
    >>> [r["line"] for r in kept], [r["reason"] for r in dropped][0]
    ([3], 'same text as line(s) [2], different label')
    """
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(" ".join(row["event_text"].casefold().split()), []).append(row)
    kept: list[Row] = []
    dropped: list[Row] = []
    for row in rows:
        group = groups[" ".join(row["event_text"].casefold().split())]
        if all(other["output"] == row["output"] for other in group):
            kept.append(row)
            continue
        others = [other.get("line") for other in group if other is not row]
        dropped.append({**row, "reason": f"same text as line(s) {others}, different label"})
    return kept, dropped


def _coverage(rows: list[Row]) -> dict[str, float]:
    n = max(len(rows), 1)
    return {f: round(sum(r["output"][f] is not None for r in rows) / n, 3) for f in FIELDS}


def _data_card(
    cfg: CorpusConfig,
    key: str,
    splits: dict[str, list[Row]],
    n_read: int,
    skipped: list[Row],
    conflicts: list[Row],
    near_dups: list[Row],
    leaks: list[Row],
) -> dict:
    held_out = held_out_rows(cfg, splits)
    rare = sum(
        r["output"]["recurrence"] is not None or r["output"]["notes"] is not None
        for r in splits["train"]
    )
    return {
        "synthetic_only": cfg.raw is None,
        "held_out_source": "synthetic" if cfg.raw is None else "real",
        "config": asdict(cfg),
        "key": key,
        "raw_rows_read": n_read,
        "counts": {s: len(splits[s]) for s in SPLITS},
        "sources": {s: dict(Counter(r["source"] for r in splits[s])) for s in SPLITS},
        "field_coverage": {s: _coverage(splits[s]) for s in SPLITS},
        "train_rare_field_fraction": round(rare / max(len(splits["train"]), 1), 3),
        "max_train_vs_heldout_ratio": round(max_cross_similarity(splits["train"], held_out), 1),
        "dropped": {
            "invalid": skipped,
            "conflict": [{"line": r["line"], "reason": r["reason"]} for r in conflicts],
            "near_duplicate": [_drop_entry(r) for r in near_dups],
            "leak": [_drop_entry(r) for r in leaks],
        },
    }


def _drop_entry(row: Row) -> dict:
    entry = {"reason": row["reason"], "source": row["source"] if "source" in row else "generated"}
    if "line" in row:
        entry["line"] = row["line"]
    else:
        entry["event_text"] = row["event_text"]
    return entry


def card_markdown(card: dict) -> str:
    """The data card's summary as Markdown tables (no row text, so it can go into a README)."""
    label = " (synthetic — no real rows)" if card["synthetic_only"] else ""
    lines = [
        f"### Data card{label}",
        "",
        f"Raw rows read: {card['raw_rows_read']}; dropped: "
        + ", ".join(f"{k} {len(v)}" for k, v in card["dropped"].items())
        + f"; key `{card['key']}`.",
        "",
        "| split | rows | sources | " + " | ".join(FIELDS) + " |",
        "|---|---:|---|" + "---:|" * len(FIELDS),
    ]
    for split in SPLITS:
        sources = ", ".join(f"{k} {v}" for k, v in sorted(card["sources"][split].items()))
        coverage = " | ".join(f"{card['field_coverage'][split][f]:.2f}" for f in FIELDS)
        name = f"{split} ({card['held_out_source']})" if split != "train" else split
        if split == "eval" and card["config"].get("train_on_eval"):
            name = "eval (in train)"
        if split == "test" and card["config"].get("train_on_test"):
            name = "test (in train)"
        lines.append(f"| {name} | {card['counts'][split]} | {sources} | {coverage} |")
    lines += [
        "",
        "Field columns: fraction of rows where the field is non-null. "
        f"Train rows with recurrence or notes: {card['train_rare_field_fraction']:.1%}. "
        f"Highest train-vs-held-out similarity: {card['max_train_vs_heldout_ratio']} "
        f"(near-duplicate threshold {card['config']['dedup_threshold']}).",
        "",
    ]
    return "\n".join(lines)
