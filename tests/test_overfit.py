"""A real learning signal: the tiny Llama memorizes 8 invented rows until the JSON is exact."""

import lightning as L
from torch.utils.data import DataLoader

from calendar_ner.data.tokens import EventDataset, make_collate
from calendar_ner.models.metrics import score
from calendar_ner.models.module import AdapterConfig, CalendarNER, OptimConfig
from tests.conftest import TINY, invented_rows


def test_tiny_model_overfits_to_exact_match():
    rows = invented_rows(8)
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
    )
    loader = DataLoader(
        # Canonical targets: a random 2-layer model memorizes them within 150 steps; copying
        # dates as written (the default) takes it longer than a fast test should run.
        EventDataset(rows, model.tokenizer, surface_datetime=False),
        batch_size=8,
        collate_fn=make_collate(model.tokenizer.pad_token_id),
    )
    trainer = L.Trainer(
        max_steps=150,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    texts, gold = [r["event_text"] for r in rows], [r["output"] for r in rows]
    assert score(model.generate_free(texts), gold)["exact_match"] == 0.0
    trainer.fit(model, loader)
    model.eval()
    free = score(model.generate_free(texts), gold)
    constrained = score(model.generate(texts), gold)  # forced JSON text + drafts
    assert free["json_validity"] == constrained["json_validity"] == 1.0
    assert free["exact_match"] == constrained["exact_match"] == 1.0
