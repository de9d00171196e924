"""LightningCLI for fit/validate/test/predict: linked arguments, per-hardware precision, callbacks.

    python -m calendar_ner fit --config configs/default.yaml
    python -m calendar_ner test --config configs/default.yaml \
        --ckpt_path checkpoints/default/last.ckpt
    python -m calendar_ner fit --config configs/default.yaml --ckpt_path last   # resume

Crash safety: ``last.ckpt`` is rewritten every ``--step_checkpoint.every_n_train_steps`` steps
(default 50) and at each validation, always atomically (temp file in the run folder, then
``os.replace``), and holds the RNG state, so a killed ``fit`` resumed with ``--ckpt_path last``
replays the rest of the epoch in the same order and reaches the same weights. Checkpoints are
read with ``torch.load(weights_only=True)``. Input files and output folders are checked before
the model is built (:func:`check_run_paths`).
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from lightning.pytorch import Callback
from lightning.pytorch.callbacks import (
    EarlyStopping,
    LearningRateMonitor,
    ModelCheckpoint,
)
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI
from lightning.pytorch.utilities import rank_zero_info

from calendar_ner.data.datamodule import CalendarDataModule
from calendar_ner.data.io import check_input_file, check_output_path, write_bytes
from calendar_ner.export import ExportAdapter
from calendar_ner.models.module import CalendarNER
from calendar_ner.models.weights import check_device

# ckpt_path values Lightning resolves itself (no file to check).
SPECIAL_CKPT_PATHS = ("last", "best", "hpc", "registry")


class AtomicCheckpointIO(TorchCheckpointIO):
    """``torch.save`` into a temp file beside the target, then ``os.replace`` (Lightning's own
    transaction stages the file in the system temp folder, which may be another file system);
    loads with ``weights_only=True``."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path, storage_options=None) -> None:
        with tempfile.SpooledTemporaryFile(max_size=1 << 30) as buffer:
            torch.save(checkpoint, buffer)
            buffer.seek(0)
            write_bytes(path, buffer.read())

    def load_checkpoint(self, path, map_location=None, weights_only: bool | None = None):
        return super().load_checkpoint(path, map_location=map_location, weights_only=True)


class RngState(Callback):
    """Saves the Python, NumPy and torch RNG states in each checkpoint and restores them on
    resume, so dropout after a resume draws what an uninterrupted run draws."""

    def state_dict(self) -> dict[str, Any]:
        _, python, gauss = random.getstate()
        state = {
            "python": list(python),
            "python_gauss": gauss,
            "numpy": np.random.get_state()[1].tolist(),
            "numpy_pos": int(np.random.get_state()[2]),
            "torch": torch.get_rng_state(),
        }
        if torch.cuda.is_available():
            state["cuda"] = torch.cuda.get_rng_state_all()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        random.setstate((3, tuple(state["python"]), state["python_gauss"]))
        np.random.set_state(
            ("MT19937", np.array(state["numpy"], dtype=np.uint32), state["numpy_pos"], 0, 0.0)
        )
        torch.set_rng_state(state["torch"])
        if "cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])


def check_run_paths(config: Any, subcommand: str | None) -> None:
    """Before anything is built: the raw file is readable UTF-8, the data and run folders are
    writable, ``--ckpt_path`` exists, and a CUDA/MPS accelerator is present when asked for."""
    corpus = config.data.corpus
    if corpus.raw:
        check_input_file(corpus.raw, "--data.corpus.raw")
    check_output_path(Path(corpus.data_dir) / "splits" / "train.jsonl", "--data.corpus.data_dir")
    if subcommand in (None, "fit"):
        check_output_path(Path(config.export.run_dir) / "last.ckpt", "--export.run_dir")
    ckpt = config.get("ckpt_path")
    if ckpt and ckpt not in SPECIAL_CKPT_PATHS:
        check_input_file(ckpt, "--ckpt_path", text=False)
    check_device(str(config.trainer.accelerator), "--trainer.accelerator")


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
        # And mid-epoch, into the same last.ckpt, so a killed run loses at most N steps.
        parser.add_lightning_class_args(ModelCheckpoint, "step_checkpoint")
        parser.set_defaults(
            {
                "step_checkpoint.filename": "last",
                "step_checkpoint.monitor": None,
                "step_checkpoint.save_top_k": 1,
                "step_checkpoint.enable_version_counter": False,
                "step_checkpoint.every_n_train_steps": 50,
            }
        )
        parser.link_arguments("export.run_dir", "step_checkpoint.dirpath")

    def before_instantiate_classes(self) -> None:
        config = self.config[self.subcommand] if self.subcommand else self.config
        trainer = config.trainer
        if trainer.precision in (None, "auto"):
            trainer.precision = default_precision(str(trainer.accelerator))
        rank_zero_info(f"accelerator {trainer.accelerator}, precision {trainer.precision}")

    def instantiate_classes(self) -> None:
        config = self.config[self.subcommand] if self.subcommand else self.config
        check_run_paths(config, self.subcommand)  # before the model is built
        super().instantiate_classes()

    def instantiate_trainer(self, **kwargs: Any):
        trainer = super().instantiate_trainer(**kwargs)
        trainer.strategy.checkpoint_io = AtomicCheckpointIO()
        trainer.callbacks.insert(0, RngState())
        return trainer


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
