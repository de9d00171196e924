"""A real learning signal on the tiny Llama and 8 invented rows.

The fast check (about 15 s): 40 steps take the share of target tokens the model predicts right,
teacher-forced, from about 1% to over 40% (measured: 0.008 before, 0.56 after 40 steps, 0.81
after 80). The slow one (1.5-4 min on 2 cores, 150-325 steps): training goes on until
greedy decoding reproduces every row exactly, free-form and constrained. The masked loss falls
far more slowly than the argmax sharpens (10.8 = ln 49152 before, 9.7 after 100 steps): LoRA
leaves the random 49152-way head as it is, so the loss is not what these tests read.
"""

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from calendar_ner.data.tokens import IGNORE_INDEX, EventDataset, make_collate
from calendar_ner.decode import DecodeConfig
from calendar_ner.models.metrics import score
from calendar_ner.models.module import AdapterConfig, CalendarNER, OptimConfig
from tests.conftest import TINY, invented_rows


class _StopWhenMemorized(L.Callback):
    """Stop once free-form greedy decoding reproduces every row (checked every 25 steps)."""

    def __init__(self, texts: list[str], gold: list[dict]) -> None:
        self.texts, self.gold = texts, gold

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step % 25 or trainer.global_step < 150:
            return
        pl_module.eval()
        trainer.should_stop = (
            score(pl_module.generate_free(self.texts), self.gold)["exact_match"] == 1.0
        )
        pl_module.train()


def _model_and_loader(rows: list[dict]) -> tuple[CalendarNER, DataLoader]:
    L.seed_everything(0)
    model = CalendarNER(
        TINY,
        adapter=AdapterConfig(
            r=16,
            alpha=32,
            dropout=0.0,
            target_modules=[
                "q_proj",
                "k_proj",
                "v_proj",
                "o_proj",
                "gate_proj",
                "up_proj",
                "down_proj",
            ],
        ),
        optim=OptimConfig(lr=0.01, warmup_ratio=0.0, min_lr_ratio=1.0),
        max_new_tokens=100,
        # The dates and times below are canonical, not as written: only names and places are
        # copied, and dates and times are not kept to the request's own expressions.
        decode=DecodeConfig(
            copy_fields=["attendees", "location"], typed_dates=False, typed_times=False
        ),
    )
    loader = DataLoader(
        # Canonical targets: a random 2-layer model memorizes them in 150-325 steps (the step
        # depends on the CPU's kernels: 325 on a 2-core AMD EPYC without AVX512-BF16, where
        # constrained decoding is exact by 300 and free-form still misses one recurrence);
        # copying dates as written (the default) takes it longer.
        EventDataset(rows, model.tokenizer, surface_datetime=False),
        batch_size=8,
        collate_fn=make_collate(model.tokenizer.pad_token_id),
    )
    return model, loader


def _trainer(max_steps: int, callbacks: list | None = None) -> L.Trainer:
    return L.Trainer(
        max_steps=max_steps,
        callbacks=callbacks or [],
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )


@torch.no_grad()
def _target_accuracy(model: CalendarNER, loader: DataLoader) -> float:
    """Share of target tokens whose teacher-forced argmax is right, over every batch."""
    model.eval()
    right = total = 0
    for batch in loader:
        logits = model(batch["input_ids"], batch["attention_mask"])
        labels = batch["labels"][:, 1:]  # logits[:, i] predicts token i + 1
        mask = labels != IGNORE_INDEX
        right += int(((logits[:, :-1].argmax(-1) == labels) & mask).sum())
        total += int(mask.sum())
    model.train()
    return right / total


def test_forty_steps_teach_most_target_tokens():
    model, loader = _model_and_loader(invented_rows(8))
    assert _target_accuracy(model, loader) < 0.05
    _trainer(40).fit(model, loader)
    assert _target_accuracy(model, loader) > 0.4


@pytest.mark.slow
def test_tiny_model_overfits_to_exact_match():
    rows = invented_rows(8)
    model, loader = _model_and_loader(rows)
    texts, gold = [r["event_text"] for r in rows], [r["output"] for r in rows]
    # 500 steps leave room above the slowest measured kernels; the callback stops at memorizing.
    trainer = _trainer(500, [_StopWhenMemorized(texts, gold)])
    assert score(model.generate_free(texts), gold)["exact_match"] == 0.0
    trainer.fit(model, loader)
    model.eval()
    free = score(model.generate_free(texts), gold)
    constrained = score(model.generate(texts), gold)  # forced JSON text + drafts
    assert free["json_validity"] == constrained["json_validity"] == 1.0
    assert free["exact_match"] == constrained["exact_match"] == 1.0
