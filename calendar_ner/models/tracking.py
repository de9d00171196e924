"""What a run shows in the experiment tracker besides the scalars ``self.log`` sends.

* Each validation: the rows decoded for the val metrics, as a W&B table ``val/predictions``
  (text, gold, predicted, the fields it gets wrong) or, in TensorBoard, a text summary of the
  wrong rows (``val/wrong_rows``).
* At the start of ``fit`` (W&B only): the resolved ``config.yaml`` and the data card as run files.
* At the end of ``fit`` (W&B only, ``--export.wandb_artifact true``): the exported adapter folder
  as a ``model`` artifact.

Other loggers are left alone; every function is a no-op without the logger it writes to.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lightning.pytorch.loggers import Logger, TensorBoardLogger, WandbLogger

from calendar_ner.models.metrics import Prediction, field_errors
from calendar_ner.schema import Event, canonicalize

COLUMNS = ["text", "gold", "predicted", "wrong"]


def prediction_rows(
    texts: Sequence[str], golds: Sequence[Event], preds: Sequence[Prediction]
) -> list[list[str]]:
    """``[text, gold JSON, predicted JSON, wrong fields]`` per row; wrong fields read
    ``"date (wrong), notes (invented)"`` (see :func:`calendar_ner.models.metrics.field_errors`).

    >>> gold = dict.fromkeys(["action", "date", "time", "attendees", "location", "duration",
    ...                       "recurrence", "notes"]) | {"action": "Lunch"}
    >>> prediction_rows(["Lunch"], [gold], [None])[0][3]
    'action (missed)'
    """
    rows = []
    for text, gold, pred in zip(texts, golds, preds):
        wrong = ", ".join(f"{field} ({kind})" for field, kind in field_errors(pred, gold).items())
        shown = json.dumps(canonicalize(pred, strict=False)) if isinstance(pred, dict) else pred
        rows.append([text, json.dumps(canonicalize(gold)), shown or "(no JSON object)", wrong])
    return rows


def _wrong_rows_markdown(rows: list[list[str]]) -> str:
    wrong = [r for r in rows if r[3]]
    lines = [
        f"{len(wrong)} of {len(rows)} decoded rows wrong",
        "",
        "| " + " | ".join(COLUMNS) + " |",
    ]
    lines.append("|---" * len(COLUMNS) + "|")
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in wrong]
    return "\n".join(lines)


def log_predictions(loggers: Iterable[Logger], rows: list[list[str]], step: int) -> None:
    """The decoded val rows: a W&B table, or a TensorBoard text of the wrong ones."""
    for logger in loggers:
        if isinstance(logger, WandbLogger):
            logger.log_table("val/predictions", columns=COLUMNS, data=rows, step=step)
        elif isinstance(logger, TensorBoardLogger):
            logger.experiment.add_text("val/wrong_rows", _wrong_rows_markdown(rows), step)


def save_run_files(loggers: Iterable[Logger], paths: Iterable[Path]) -> None:
    """Attach a copy of each file that exists (resolved config, data card) to the W&B run."""
    for logger in loggers:
        if isinstance(logger, WandbLogger):
            run = logger.experiment
            for path in paths:
                if path.is_file():
                    copy = shutil.copy(path, Path(run.dir) / path.name)
                    run.save(str(copy), base_path=run.dir, policy="now")


def log_adapter(loggers: Iterable[Logger], folder: Path, metadata: dict[str, Any]) -> None:
    """The exported adapter folder as a W&B ``model`` artifact, named after the run."""
    for logger in loggers:
        if isinstance(logger, WandbLogger):
            import wandb

            run = logger.experiment
            artifact = wandb.Artifact(f"adapter-{run.id}", type="model", metadata=metadata)
            artifact.add_dir(str(folder))
            run.log_artifact(artifact, aliases=["latest"])
