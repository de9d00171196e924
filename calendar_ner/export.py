"""Adapter export: at the end of ``fit``, the run's adapter in PEFT format with its metadata.

python -m calendar_ner fit --config configs/default.yaml --export.run_dir checkpoints/mine
calendar_ner extract --model checkpoints/mine/adapter "Lunch with Sam at 1pm"
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from calendar_ner.data.io import write_json, write_text
from calendar_ner.models.card import model_card
from calendar_ner.models.module import CalendarNER
from calendar_ner.models.tracking import log_adapter
from calendar_ner.prompt import PROMPT_HEAD, PROMPT_TAIL, PROMPT_VERSION
from calendar_ner.schema import FIELDS, SCHEMA_VERSION


class ExportAdapter(L.Callback):
    """At the end of ``fit``, export the best adapter in PEFT/HF format to ``<run_dir>/adapter``.

    Beside it: tokenizer files, ``calendar_ner.json`` (prompt template, schema version, base model,
    decoding options, best checkpoint's file name, final metrics), the resolved ``config.yaml``
    and a model card (``README.md``, :mod:`calendar_ner.models.card`), so the run reloads
    with ``PeftModel.from_pretrained`` or ``calendar_ner extract --model <run>/adapter``.

    The folder is written beside the target and swapped in by renames (:func:`publish_dir`):
    a kill mid-export leaves the previous ``adapter/`` (or none), never a partial one.
    """

    def __init__(self, run_dir: str = "checkpoints/run", wandb_artifact: bool = False) -> None:
        """
        Args:
            run_dir: Run folder: best/last checkpoints and the exported ``adapter/``.
            wandb_artifact: Also log the exported adapter folder to the W&B run as a ``model``
                artifact (with a ``WandbLogger``; other loggers ignore it).
        """
        self.run_dir = Path(run_dir)
        self.wandb_artifact = wandb_artifact

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
        target = self.run_dir / "adapter"
        out = target.with_name(f".adapter.tmp{os.getpid()}")
        shutil.rmtree(out, ignore_errors=True)
        # adapter_config.json names the base model by its spec (``bundled:…``, a hub id), not by
        # the local cache folder it was loaded from, so the adapter is portable.
        for peft_config in pl_module.model.peft_config.values():
            peft_config.base_model_name_or_path = pl_module.hparams.base_model
        pl_module.model.save_pretrained(out)
        pl_module.tokenizer.save_pretrained(out)
        meta = {
            "base_model": pl_module.hparams.base_model,
            "schema_version": SCHEMA_VERSION,
            "fields": list(FIELDS),
            "prompt_version": PROMPT_VERSION,
            "prompt_head": PROMPT_HEAD,
            "prompt_tail": PROMPT_TAIL,
            "decode": pl_module.decode_config.to_dict(),
            "best_checkpoint": Path(best).name if best else "",
            "metrics": {k: float(v) for k, v in trainer.callback_metrics.items()},
        }
        write_json(out / "calendar_ner.json", meta)
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
        write_text(out / "README.md", card)  # replaces PEFT's template card
        publish_dir(out, target)
        if self.wandb_artifact:
            log_adapter(trainer.loggers, target, meta)

    @staticmethod
    def _data_card(trainer: L.Trainer) -> dict | None:
        datamodule = getattr(trainer, "datamodule", None)
        corpus = getattr(datamodule, "corpus", None)
        path = corpus.processed_dir / "data_card.json" if corpus is not None else None
        return json.loads(path.read_text()) if path is not None and path.is_file() else None


def publish_dir(staged: Path, target: Path) -> None:
    """Replace the folder ``target`` by ``staged`` (same parent) with renames only: the old
    folder is moved aside, the new one renamed in, then the old one deleted."""
    old = target.with_name(f".{target.name}.old{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(staged, target)
    shutil.rmtree(old, ignore_errors=True)
