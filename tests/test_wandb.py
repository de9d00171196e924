"""Tracker output of a tiny fit: the offline W&B run (scalars per field, the predictions table,
the config and data card, the adapter artifact, the group) and TensorBoard's wrong-row text."""

from __future__ import annotations

import json
import re
import struct
import time
import zlib
from pathlib import Path

import pytest

from calendar_ner.cli import run_cli
from calendar_ner.schema import FIELDS
from tests.conftest import invented_rows

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # a fit plus a W&B service start: ~20 s on 2 cores


def _args(root: Path, *extra: str, configs: tuple[str, ...] = ()) -> list[str]:
    raw = root / "raw.jsonl"
    raw.write_text("".join(json.dumps(r) + "\n" for r in invented_rows()))
    configs = ("default.yaml", "debug.yaml", *configs)
    return [
        "fit",
        *[arg for name in configs for arg in ("--config", str(ROOT / "configs" / name))],
        f"--data.corpus.raw={raw}",
        f"--data.corpus.data_dir={root / 'data'}",
        f"--export.run_dir={root / 'run'}",
        f"--trainer.logger.init_args.save_dir={root / 'logs'}",
        *extra,
    ]


def wandb_records(path: Path) -> list:
    """The protobuf records of an offline run's ``.wandb`` file (LevelDB-log framing: 32 KiB
    blocks of records with a 7-byte header ``crc32, length, kind``, long records split
    FIRST/MIDDLE/LAST). Reading stops at the first chunk not wholly on disk yet (cut short, or
    its checksum not matching): the W&B service may still be writing it."""
    from wandb.proto.wandb_internal_pb2 import Record

    data, block, records, pending = path.read_bytes(), 32768, [], b""
    assert data[:4] == b":W&B"
    offset = 7
    while offset + 7 <= len(data):
        if block - offset % block < 7:  # block tail too short for a header: padding
            offset += block - offset % block
            continue
        crc, length, kind = struct.unpack("<IHB", data[offset : offset + 7])
        chunk = data[offset + 7 : offset + 7 + length]
        if len(chunk) < length or zlib.crc32(chunk, zlib.crc32(bytes([kind]))) != crc:
            break
        offset += 7 + length
        pending = chunk if kind in (1, 2) else pending + chunk
        if kind in (1, 4):
            record = Record()
            record.ParseFromString(pending)
            records.append(record)
    return records


def finished_records(path: Path, timeout: float = 30.0) -> list:
    """The records once the ``exit`` record is on disk (the W&B service writes after
    ``finish`` returns)."""
    deadline = time.monotonic() + timeout
    while True:
        records = wandb_records(path)
        if any(r.WhichOneof("record_type") == "exit" for r in records):
            return records
        assert time.monotonic() < deadline, f"{path} has no exit record after {timeout} s"
        time.sleep(0.2)


def test_offline_wandb_run_holds_metrics_table_files_and_artifact(tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    cli = run_cli(
        _args(
            tmp_path,
            "--trainer.logger.init_args.group=crossval-test",
            "--export.wandb_artifact=true",
            configs=("wandb.yaml",),
        )
    )
    cli.trainer.logger.experiment.finish()  # flushes the .wandb file (a process exit does too)
    (run_dir,) = (tmp_path / "logs" / "wandb").glob("offline-run-*")
    records = finished_records(next(run_dir.glob("*.wandb")))
    (run,) = [r.run for r in records if r.WhichOneof("record_type") == "run"]
    assert run.run_group == "crossval-test"
    history = [i for r in records if r.HasField("history") for i in r.history.item]
    logged = {i.key or "/".join(i.nested_key) for i in history}
    for name in ("val/loss", "val/field_f1", "val/exact_match", "val/json_validity"):
        assert name in logged
    assert {f"val/{field}_f1" for field in FIELDS} <= logged
    assert "val/predictions/_type" in logged  # the table, logged by reference
    artifacts = [r.artifact for r in records if r.WhichOneof("record_type") == "artifact"]
    (model,) = [a for a in artifacts if a.type == "model"]
    assert model.name.startswith("adapter-")
    assert "adapter_config.json" in {m.path for m in model.manifest.contents}
    saved = {
        f.path for r in records if r.WhichOneof("record_type") == "files" for f in r.files.files
    }
    assert {"config.yaml", "data_card.json"} <= saved
    files = run_dir / "files"
    assert (files / "config.yaml").is_file() and not (files / "config.yaml").is_symlink()
    assert "counts" in json.loads((files / "data_card.json").read_text())
    tables = sorted((files / "media" / "table" / "val").glob("predictions_*.table.json"))
    assert len(tables) == 2  # one per validation (2 epochs), none for the sanity check
    table = json.loads(tables[-1].read_text())
    assert table["columns"] == ["text", "gold", "predicted", "wrong"]
    texts = {r["event_text"] for r in invented_rows()}
    assert len(table["data"]) == 4 and all(row[0] in texts for row in table["data"])
    assert all(json.loads(row[1])["action"] for row in table["data"])


def test_tensorboard_gets_wrong_rows_text(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_cli(_args(tmp_path))
    (events,) = (tmp_path / "logs").glob("calendar_ner/version_*")
    acc = EventAccumulator(str(events), size_guidance={"tensors": 0})
    acc.Reload()
    assert "val/field_f1" in acc.Tags()["scalars"] and "val/date_f1" in acc.Tags()["scalars"]
    texts = acc.Tensors("val/wrong_rows/text_summary")
    assert len(texts) == 2
    summary = texts[-1].tensor_proto.string_val[0].decode()
    assert re.match(
        r"\d of 4 decoded rows wrong\n\n\| text \| gold \| predicted \| wrong \|", summary
    )
