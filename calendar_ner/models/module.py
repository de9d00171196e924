"""The LightningModule: SmolLM + PEFT LoRA (QLoRA on CUDA), masked causal-LM loss, metrics.

    python -m calendar_ner fit --config configs/default.yaml

Checkpoints hold the adapter weights only (the frozen base is reloaded from ``base_model``), so a
``.ckpt`` of the 135M model with r=8 on q/k/v/o is ~7 MB instead of ~540 MB.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import lightning as L
import torch
import torch.nn.functional as F
from peft import LoraConfig, get_peft_model
from transformers import get_cosine_with_min_lr_schedule_with_warmup

from calendar_ner.data.tokens import IGNORE_INDEX
from calendar_ner.decode import ConstrainedDecoder, DecodeConfig, postprocess
from calendar_ner.decode.free import generate_free
from calendar_ner.models.metrics import ExtractionMetrics
from calendar_ner.models.tracking import log_predictions, prediction_rows, save_run_files
from calendar_ner.models.weights import DEFAULT_BUNDLED, TINY_PREFIX, load_model, load_tokenizer
from calendar_ner.prompt import encode_prompt


@dataclass
class AdapterConfig:
    """LoRA adapter hyper-parameters."""

    r: int = 8
    """LoRA rank (> 0)."""
    alpha: int = 16
    """LoRA alpha; the update is scaled by alpha / r."""
    dropout: float = 0.1
    """Dropout on the LoRA input."""
    target_modules: list[str] = field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"]
    )
    """Linear layers that get adapters (Llama names; add gate_proj/up_proj/down_proj for MLPs)."""

    def __post_init__(self) -> None:
        if self.r <= 0:
            raise ValueError(f"adapter.r (LoRA rank) must be > 0, got {self.r}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"adapter.dropout must be in [0, 1), got {self.dropout}")
        if not self.target_modules:
            raise ValueError("adapter.target_modules must name at least one module")


@dataclass
class OptimConfig:
    """AdamW with linear warmup then cosine decay to ``min_lr_ratio * lr``."""

    lr: float = 2e-4
    """Peak learning rate."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    warmup_ratio: float = 0.05
    """Fraction of the total optimizer steps spent warming up."""
    min_lr_ratio: float = 0.1
    """Final learning rate as a fraction of ``lr``."""


def _wants_qlora(quantization: str, base_model: str) -> bool:
    if quantization == "none" or base_model.startswith(TINY_PREFIX):
        return False
    available = torch.cuda.is_available() and importlib.util.find_spec("bitsandbytes") is not None
    if quantization == "nf4" and not available:
        raise ValueError("model.quantization=nf4 needs CUDA and `pip install bitsandbytes`")
    return available


class CalendarNER(L.LightningModule):
    """SmolLM with LoRA adapters that writes the 8-key event JSON."""

    def __init__(
        self,
        base_model: str = DEFAULT_BUNDLED,
        adapter: AdapterConfig | None = None,
        optim: OptimConfig | None = None,
        quantization: Literal["auto", "none", "nf4"] = "auto",
        gradient_checkpointing: bool = False,
        value_loss_weight: float = 1.0,
        val_generate_rows: int = 32,
        max_new_tokens: int = 160,
        decoding: Literal["constrained", "free"] = "constrained",
        decode: DecodeConfig | None = None,
    ) -> None:
        """
        Args:
            base_model: ``bundled:smollm2-135m-instruct``, a hub id, a local HF dir, a ``.gguf``
                file, or ``tiny:<tokenizer spec>`` (random 2-layer Llama, for tests).
            adapter: LoRA rank/alpha/dropout/target modules.
            optim: Optimizer and schedule.
            quantization: ``auto`` = QLoRA (NF4, double quant, bf16 compute) when CUDA and
                bitsandbytes are present, plain LoRA elsewhere; ``none``; ``nf4`` (required).
            gradient_checkpointing: Trade compute for activation memory.
            value_loss_weight: Field-aware loss: weight of tokens inside JSON values relative to
                the fixed JSON keys and punctuation (1.0 = plain causal-LM loss).
            val_generate_rows: Validation rows decoded per epoch for the generation metrics.
            max_new_tokens: Generation cap per event (free-form decoding).
            decoding: ``constrained`` (schema-constrained, as ``calendar_ner extract`` does) or
                ``free`` (plain greedy ``generate``) for the val/test/predict metrics.
            decode: Constrained decoding options for the val/test/predict metrics, saved with
                the exported adapter for ``extract`` (:class:`DecodeConfig`). Copying date and
                time needs ``data.surface_datetime`` (the default).
        """
        super().__init__()
        self.save_hyperparameters()
        self.adapter = adapter or AdapterConfig()
        self.optim = optim or OptimConfig()
        if value_loss_weight <= 0:
            raise ValueError(f"value_loss_weight must be > 0, got {value_loss_weight}")
        self.tokenizer = load_tokenizer(base_model)
        self.model = self._build_model()
        self.decode_config = decode or DecodeConfig()
        self._decoder: ConstrainedDecoder | None = None
        self.val_metrics = ExtractionMetrics()
        self.test_metrics = ExtractionMetrics()
        self._val_rows: list[list[str]] = []  # the decoded val rows, for the logger
        # Checkpoints store only trainable (adapter) weights; the frozen base comes from disk.
        self.strict_loading = False

    def _build_model(self) -> torch.nn.Module:
        hp = self.hparams
        kwargs: dict[str, Any] = {}
        qlora = _wants_qlora(hp.quantization, hp.base_model)
        if qlora:
            from transformers import BitsAndBytesConfig

            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=torch.bfloat16,
            )
        model = load_model(hp.base_model, **kwargs)
        if qlora:
            from peft import prepare_model_for_kbit_training

            model = prepare_model_for_kbit_training(
                model, use_gradient_checkpointing=hp.gradient_checkpointing
            )
        elif hp.gradient_checkpointing:
            model.gradient_checkpointing_enable()
            model.enable_input_require_grads()
        lora = LoraConfig(
            r=self.adapter.r,
            lora_alpha=self.adapter.alpha,
            lora_dropout=self.adapter.dropout,
            target_modules=list(self.adapter.target_modules),
            task_type="CAUSAL_LM",
        )
        return get_peft_model(model, lora)

    def setup(self, stage: str) -> None:
        data = self.trainer.datamodule if self._trainer is not None else None
        config = self.decode_config
        copied = sorted({"date", "time"} & set(config.copy_fields))
        copied += [f"typed_{f}s" for f in ("date", "time") if getattr(config, f"typed_{f}s")]
        if copied and data is not None and not getattr(data, "surface_datetime", True):
            raise ValueError(
                f"model.decode has {copied} but data.surface_datetime is false: the targets "
                "hold canonical dates and times, which need not appear in the text; turn them "
                "off, e.g. --model.decode.copy_fields '[attendees, location]' "
                "--model.decode.typed_dates false --model.decode.typed_times false"
            )

    # --- training ------------------------------------------------------------------------------

    def on_fit_start(self) -> None:
        # from_pretrained returns eval mode and Lightning does not call .train(): without this,
        # LoRA dropout would silently stay off.
        self.model.train()
        config_dir = self.trainer.log_dir  # a collective call under DDP: every rank makes it
        corpus = getattr(self.trainer.datamodule, "corpus", None)
        card = [corpus.processed_dir / "data_card.json"] if corpus is not None else []
        save_run_files(self.loggers, [Path(config_dir or ".") / "config.yaml", *card])

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, logits_to_keep: int = 0
    ) -> torch.Tensor:
        return self.model(
            input_ids=input_ids, attention_mask=attention_mask, logits_to_keep=logits_to_keep
        ).logits

    def loss(self, batch: dict[str, Any]) -> torch.Tensor:
        """Causal-LM loss on target tokens; value tokens weighted by ``value_loss_weight``.

        Only positions from the earliest target token on go through the LM head (49152-way for
        SmolLM2): the prompt's logits would be masked anyway. The last position's logits (they
        predict past the end) are scored against an ignored label rather than sliced off: a
        slice's backward would fill and copy a gradient the size of all the logits (about a
        third of a tiny model's step).
        """
        labels = batch["labels"]
        first_target = int((labels != IGNORE_INDEX).float().argmax(dim=1).min())
        keep = labels.size(1) - max(first_target - 1, 0)
        logits = self(batch["input_ids"], batch["attention_mask"], keep)
        start = labels.size(1) - keep + 1  # logits[:, i] predicts the token at start + i

        def shifted(values: torch.Tensor, pad: float) -> torch.Tensor:
            return F.pad(values[:, start:], (0, 1), value=pad)

        labels = shifted(labels, IGNORE_INDEX)
        per_token = F.cross_entropy(
            logits.float().reshape(-1, logits.size(-1)),
            labels.reshape(-1),
            ignore_index=IGNORE_INDEX,
            reduction="none",
        ).view_as(labels)
        mask = (labels != IGNORE_INDEX).float()
        value_mask = shifted(batch["value_mask"].float(), 0.0)
        weight = 1.0 + (self.hparams.value_loss_weight - 1.0) * value_mask
        weight = weight * mask
        return (per_token * weight).sum() / weight.sum().clamp(min=1.0)

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        loss = self.loss(batch)
        self.log("train/loss", loss, prog_bar=True, batch_size=batch["input_ids"].size(0))
        return loss

    # --- evaluation ----------------------------------------------------------------------------

    def generate(self, texts: list[str]) -> list[str]:
        """The raw JSON text the model writes for each request (``decoding`` picks the method)."""
        if self.hparams.decoding == "constrained":
            if self._decoder is None:  # built once: it pre-tokenizes the fixed JSON segments
                self._decoder = ConstrainedDecoder(
                    self.model, self.tokenizer, config=self.decode_config
                )
            return self._decoder.decode_batch(texts)
        return self.generate_free(texts)

    def generate_free(self, texts: list[str]) -> list[str]:
        """Greedy free-form decoding of the JSON for each text (the training prompt)."""
        prompts = [encode_prompt(self.tokenizer, t, 192)[0] for t in texts]
        return generate_free(self.model, self.tokenizer, prompts, self.hparams.max_new_tokens)

    def _parse(self, raw: str, text: str) -> dict[str, Any] | None:
        """The event in ``raw`` JSON, post-processed as ``extract`` does."""
        return postprocess(raw, text, self.decode_config)

    def _eval_step(self, batch: dict[str, Any], stage: str, generate: bool) -> None:
        size = batch["input_ids"].size(0)
        self.log(f"{stage}/loss", self.loss(batch), prog_bar=True, batch_size=size, sync_dist=True)
        if generate:
            texts = batch["event_text"]
            preds = [self._parse(raw, text) for raw, text in zip(self.generate(texts), texts)]
            getattr(self, f"{stage}_metrics").update(preds, batch["output"])
            if stage == "val":
                self._val_rows += prediction_rows(texts, batch["output"], preds)

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        seen = batch_idx * batch["input_ids"].size(0)
        self._eval_step(batch, "val", generate=seen < self.hparams.val_generate_rows)

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self._eval_step(batch, "test", generate=True)

    def _log_metrics(self, stage: str) -> None:
        metrics = getattr(self, f"{stage}_metrics")
        if metrics["json_validity"].update_count:
            self.log_dict(metrics.compute_flat(prefix=f"{stage}/"), sync_dist=True)
        metrics.reset()

    def on_validation_epoch_end(self) -> None:
        self._log_metrics("val")
        if self._val_rows and not self.trainer.sanity_checking:
            log_predictions(self.loggers, self._val_rows, self.global_step)
        self._val_rows = []

    def on_test_epoch_end(self) -> None:
        self._log_metrics("test")

    def predict_step(self, batch: dict[str, Any], batch_idx: int) -> list[dict[str, Any]]:
        return [
            {"event_text": text, "output": self._parse(raw, text), "raw": raw}
            for text, raw in zip(batch["event_text"], self.generate(batch["event_text"]))
        ]

    # --- optimizer and checkpoints -------------------------------------------------------------

    def configure_optimizers(self) -> dict[str, Any]:
        params = [p for p in self.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(
            params, lr=self.optim.lr, weight_decay=self.optim.weight_decay
        )
        total = max(int(self.trainer.estimated_stepping_batches), 1)
        # Linear warmup from 0 over warmup_ratio * total steps, then cosine to min_lr_ratio * lr.
        scheduler = get_cosine_with_min_lr_schedule_with_warmup(
            optimizer,
            num_warmup_steps=int(total * self.optim.warmup_ratio),
            num_training_steps=total,
            min_lr_rate=self.optim.min_lr_ratio,
        )
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        trainable = {name for name, p in self.named_parameters() if p.requires_grad}
        checkpoint["state_dict"] = {
            k: v for k, v in checkpoint["state_dict"].items() if k in trainable
        }
