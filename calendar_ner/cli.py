"""LightningCLI for fit/validate/test/predict: linked arguments, per-hardware precision, callbacks.

    python -m calendar_ner fit --config configs/default.yaml
    python -m calendar_ner test --config configs/default.yaml \
        --ckpt_path checkpoints/default/last.ckpt
"""

from __future__ import annotations

import torch
from lightning.pytorch.callbacks import (
    EarlyStopping,
    LearningRateMonitor,
    ModelCheckpoint,
)
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI
from lightning.pytorch.utilities import rank_zero_info

from calendar_ner.data.datamodule import CalendarDataModule
from calendar_ner.export import ExportAdapter
from calendar_ner.models.module import CalendarNER


def default_precision(accelerator: str) -> str:
    """CPU → 32-true; MPS → 32-true (16-mixed is opt-in); CUDA → bf16-mixed where supported."""
    cuda = accelerator in ("cuda", "gpu") or (accelerator == "auto" and torch.cuda.is_available())
    if cuda:
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    return "32-true"


class CalendarCLI(LightningCLI):
    """LightningCLI with the tokenizer linked to the model and per-hardware defaults."""

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        # The data module gets the model's tokenizer object (it never loads model files).
        parser.link_arguments("model.tokenizer", "data.tokenizer", apply_on="instantiate")
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
