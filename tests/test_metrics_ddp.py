"""The metrics synced over 2 CPU processes (gloo) equal a single-process run over all rows."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import torch.distributed as dist
import torch.multiprocessing as mp

from calendar_ner.models.metrics import ExactMatch, ExtractionMetrics, FieldF1, JSONValidity, score
from calendar_ner.schema import Event, empty_event

WORLD_SIZE = 2


def _event(**values: object) -> Event:
    return {**empty_event(), **values}


GOLD = _event(action="Lunch", date="09/02/2024", attendees=["Sam", "Ana"], location="Cafe")
# Eleven rows so the two ranks get unequal shares (6 and 5).
PREDS: list[object] = [
    '{"action": "Lunch", "date": "2024-02-09", "attendees": ["sam", "Ana"], "location": "Cafe"}',
    '{"action": "lunch", "date": "10/02/2024", "attendees": ["Sam"], "location": null}',
    '{"action": "Dinner", "attendees": ["Sam", "Ana", "Bo"], "notes": "bring cake"}',
    "I could not find an event.",
    {"action": "Lunch", "date": "9 Feb 2024", "attendees": ["Ana", "Sam"], "location": "cafe"},
    None,
    '{"action": "Lunch"} trailing words',
    '{"action": "Lunch", "date": "09/02/2024", "time": "3pm", "location": "Cafe"}',
    "[1, 2, 3]",
    '{"attendees": "Sam", "location": "Cafe", "recurrence": "weekly"}',
    '{"action": "Lunch", "date": "09/02/2024", "attendees": ["Sam", "Ana"], "location": "Cafe"',
]
TARGETS = [GOLD] * len(PREDS)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _worker(rank: int, port: int, out_dir: str) -> None:
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=WORLD_SIZE)
    try:
        rows = range(rank, len(PREDS), WORLD_SIZE)
        preds, targets = [PREDS[i] for i in rows], [TARGETS[i] for i in rows]
        bundle = ExtractionMetrics()
        singles = {"json_validity": JSONValidity(), "exact_match": ExactMatch(), "f1": FieldF1()}
        for start in range(0, len(preds), 2):  # several updates per rank
            bundle.update(preds[start : start + 2], targets[start : start + 2])
            for metric in singles.values():
                metric.update(preds[start : start + 2], targets[start : start + 2])
        result = {
            "bundle": bundle.compute_flat(),
            "json_validity": float(singles["json_validity"].compute()),
            "exact_match": float(singles["exact_match"].compute()),
            "f1": {k: float(v) for k, v in singles["f1"].compute().items()},
            "local_rows": int(singles["json_validity"].total),
        }
        Path(out_dir, f"rank{rank}.json").write_text(json.dumps(result))
    finally:
        dist.destroy_process_group()


def test_ddp_sync_matches_single_process(tmp_path: Path) -> None:
    mp.spawn(_worker, args=(_free_port(), str(tmp_path)), nprocs=WORLD_SIZE, join=True)
    expected = score(PREDS, TARGETS)
    assert 0 < expected["exact_match"] < expected["json_validity"] < 1
    for rank in range(WORLD_SIZE):
        result = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert result["local_rows"] == len(range(rank, len(PREDS), WORLD_SIZE))
        assert result["bundle"] == expected
        assert result["json_validity"] == expected["json_validity"]
        assert result["exact_match"] == expected["exact_match"]
        assert result["f1"]["f1"] == expected["field_f1"]
        assert result["f1"]["attendees_recall"] == expected["attendees_recall"]
