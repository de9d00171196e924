"""The learning-rate schedule comes from transformers; per step it matches the cosine the module
used to hand-write, except the first warmup steps (linear from 0 instead of from lr / (w + 1))."""

from __future__ import annotations

import math

import pytest

from calendar_ner.models.module import CalendarNER, OptimConfig
from tests.conftest import TINY


def _hand_written(step: int, total: int, warmup: int, floor: float) -> float:
    """The schedule of commit b428850 (models/module.py), as a multiplier of lr."""
    if step < warmup:
        return (step + 1) / (warmup + 1)
    progress = min((step - warmup) / max(total - warmup, 1), 1.0)
    return floor + (1 - floor) * 0.5 * (1 + math.cos(progress * math.pi))


@pytest.mark.parametrize("total, ratio", [(555, 0.05), (100, 0.05), (40, 0.0)])
def test_schedule_per_step(total, ratio, monkeypatch):
    optim = OptimConfig(lr=4e-4, warmup_ratio=ratio, min_lr_ratio=0.1)
    module = CalendarNER(base_model=TINY, optim=optim)
    trainer = type("T", (), {"estimated_stepping_batches": total})()
    monkeypatch.setattr(CalendarNER, "trainer", property(lambda self: trainer))
    scheduler = module.configure_optimizers()["lr_scheduler"]["scheduler"]
    warmup = int(total * ratio)
    for step in range(total + 1):
        got = scheduler.lr_lambdas[0](step)
        if step < warmup:  # linear warmup from 0: step / warmup
            assert got == pytest.approx(step / warmup)
        else:  # the same cosine to min_lr_ratio * lr, step by step
            assert got == pytest.approx(_hand_written(step, total, warmup, 0.1), abs=1e-9)
    assert scheduler.optimizer.defaults["lr"] == 4e-4
