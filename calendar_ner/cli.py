"""LightningCLI for fit/validate/test/predict: linked arguments, per-hardware precision, callbacks.

    python -m calendar_ner fit --config configs/default.yaml
    python -m calendar_ner test --config configs/default.yaml \
        --ckpt_path checkpoints/default/last.ckpt
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.callbacks import (
    EarlyStopping,
    LearningRateMonitor,
    ModelCheckpoint,
)
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI
from lightning.pytorch.utilities import rank_zero_info

from calendar_ner.data.datamodule import CalendarDataModule
from calendar_ner.models.card import model_card
from calendar_ner.models.module import CalendarNER
from calendar_ner.prompt import PROMPT_HEAD, PROMPT_TAIL, PROMPT_VERSION
from calendar_ner.schema import FIELDS, SCHEMA_VERSION


def default_precision(accelerator: str) -> str:
    """CPU → 32-true; MPS → 32-true (16-mixed is opt-in); CUDA → bf16-mixed where supported."""
    cuda = accelerator in ("cuda", "gpu") or (accelerator == "auto" and torch.cuda.is_available())
    if cuda:
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    return "32-true"


class ExportAdapter(L.Callback):
    """At the end of ``fit``, export the best adapter in PEFT/HF format to ``<run_dir>/adapter``.

    Beside it: tokenizer files, ``calendar_ner.json`` (prompt template, schema version, base model,
    copy fields, best checkpoint, final metrics), the resolved ``config.yaml`` and a model card
    (``README.md``, :mod:`calendar_ner.models.card`), so the run
    reloads with ``PeftModel.from_pretrained`` or ``calendar_ner extract --model <run>/adapter``.
    """

    def __init__(self, run_dir: str = "checkpoints/run") -> None:
        """
        Args:
            run_dir: Run folder: best/last checkpoints and the exported ``adapter/``.
        """
        self.run_dir = Path(run_dir)

    def on_fit_end(self, trainer: L.Trainer, pl_module: CalendarNER) -> None:
        log_dir = trainer.log_dir  # a collective call under DDP: every rank must make it
        if not trainer.is_global_zero:
            return
        monitored = [
            c for c in trainer.checkpoint_callbacks if isinstance(c, ModelCheckpoint) and c.monitor
        ]
        best = monitored[0].best_model_path if monitored else ""
        if best:
            state = torch.load(best, map_location="cpu", weights_only=True)["state_dict"]
            pl_module.load_state_dict(state, strict=False)
        out = self.run_dir / "adapter"
        pl_module.model.save_pretrained(out)
        pl_module.tokenizer.save_pretrained(out)
        meta = {
            "base_model": pl_module.hparams.base_model,
            "schema_version": SCHEMA_VERSION,
            "fields": list(FIELDS),
            "prompt_version": PROMPT_VERSION,
            "prompt_head": PROMPT_HEAD,
            "prompt_tail": PROMPT_TAIL,
            "copy_fields": pl_module.copy_fields,
            "action_bounds": pl_module.hparams.action_bounds,
            "exact_copy": pl_module.hparams.exact_copy,
            "ground_durations": pl_module.hparams.ground_durations,
            "best_checkpoint": best,
            "metrics": {k: float(v) for k, v in trainer.callback_metrics.items()},
        }
        (out / "calendar_ner.json").write_text(json.dumps(meta, indent=2) + "\n")
        config = Path(log_dir or "") / "config.yaml"
        if config.is_file():
            shutil.copy(config, out / "config.yaml")
        trainable = sum(p.numel() for p in pl_module.model.parameters() if p.requires_grad)
        card = model_card(
            meta,
            json.loads((out / "adapter_config.json").read_text()),
            trainable,
            self._data_card(trainer),
            pl_module.hparams.val_generate_rows,
        )
        (out / "README.md").write_text(card)  # replaces PEFT's template card

    @staticmethod
    def _data_card(trainer: L.Trainer) -> dict | None:
        datamodule = getattr(trainer, "datamodule", None)
        corpus = getattr(datamodule, "corpus", None)
        path = corpus.processed_dir / "data_card.json" if corpus is not None else None
        return json.loads(path.read_text()) if path is not None and path.is_file() else None


class CalendarCLI(LightningCLI):
    """LightningCLI with the tokenizer linked to the model and per-hardware defaults."""

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        parser.link_arguments("model.base_model", "data.tokenizer")
        parser.add_lightning_class_args(ExportAdapter, "export")
        parser.add_lightning_class_args(LearningRateMonitor, "lr_monitor")
        parser.add_lightning_class_args(EarlyStopping, "early_stopping")
        parser.set_defaults({"early_stopping.monitor": "val/loss", "early_stopping.patience": 3})
        parser.add_lightning_class_args(ModelCheckpoint, "checkpoint")
        parser.set_defaults(
            {
                "checkpoint.monitor": "val/loss",
                "checkpoint.save_top_k": 1,
                "checkpoint.filename": "best-{epoch}-{step}",
            }
        )
        parser.link_arguments("export.run_dir", "checkpoint.dirpath")
        # ModelCheckpoint(save_last=True) refreshes last.ckpt only when the monitored metric
        # improves; this second one rewrites it at every validation, and on Ctrl-C/exceptions.
        parser.add_lightning_class_args(ModelCheckpoint, "last_checkpoint")
        parser.set_defaults(
            {
                "last_checkpoint.filename": "last",
                "last_checkpoint.monitor": None,
                "last_checkpoint.save_top_k": 1,
                "last_checkpoint.enable_version_counter": False,
                "last_checkpoint.save_on_exception": True,
            }
        )
        parser.link_arguments("export.run_dir", "last_checkpoint.dirpath")

    def before_instantiate_classes(self) -> None:
        trainer = (self.config[self.subcommand] if self.subcommand else self.config).trainer
        if trainer.precision in (None, "auto"):
            trainer.precision = default_precision(str(trainer.accelerator))
        rank_zero_info(f"accelerator {trainer.accelerator}, precision {trainer.precision}")


def run_cli(args: list[str] | None = None) -> CalendarCLI:
    """Entry point for ``fit``, ``validate``, ``test`` and ``predict``."""
    return CalendarCLI(
        CalendarNER,
        CalendarDataModule,
        args=args,
        save_config_kwargs={"overwrite": True},
        trainer_defaults={
            "logger": {
                "class_path": "lightning.pytorch.loggers.TensorBoardLogger",
                "init_args": {"save_dir": "logs", "name": "calendar_ner"},
            },
            "precision": None,
        },
        parser_kwargs={"default_env": False},
    )
