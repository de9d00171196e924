"""Shared fixtures: invented calendar rows (never the real data), the real SmolLM2 tokenizer and a
tiny exported adapter."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from peft import LoraConfig, get_peft_model

from calendar_ner.models.weights import DEFAULT_BUNDLED, load_model, load_tokenizer

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_MODE", "offline")

TINY = "tiny:" + DEFAULT_BUNDLED

_ACTIONS = ["Design review", "Lunch", "Budget sync", "Dentist visit", "Team standup", "Book club"]
_NAMES = [["Priya"], ["Omar", "Lena"], None, ["Kofi", "Yuki", "Mateo"], ["Ines"], None]
_PLACES = ["Webex", None, "the roof terrace", "Room 4B", None, "Google Meet"]
_DURS = ["1hr", "30 mins", None, "2 hours", "45m", None]
_DATES = [
    ("3rd, Feb 2025", "03/02/2025"),
    ("2024-07-19", "19/07/2024"),
    ("11 - Sep - 2026", "11/09/2026"),
    ("March 8, 2025", "08/03/2025"),
    ("25/12/2024", "25/12/2024"),
    ("14 - August - 2023", "14/08/2023"),
]
_TIMES = [
    ("4pm", "4:00 PM"),
    ("9:30 am", "9:30 AM"),
    ("13:15", "1:15 PM"),
    ("11 AM", "11:00 AM"),
    ("7:45 pm", "7:45 PM"),
    ("8am", "8:00 AM"),
]


def invented_rows(n: int = 36) -> list[dict]:
    """Deterministic, hand-made rows in the real data's format (no real rows are used)."""
    rows = []
    for i in range(n):
        action, names = _ACTIONS[i % 6], _NAMES[(i // 2) % 6]
        place, dur = _PLACES[(i // 3) % 6], _DURS[(i + 1) % 6]
        (date_text, date), (time_text, time) = _DATES[(i * 5) % 6], _TIMES[(i * 7 + 1) % 6]
        text = f"{action} on {date_text} at {time_text}"
        if names:
            text += " with " + (
                ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
            )
        if place:
            text += f" on {place}" if place in ("Webex", "Google Meet") else f" at {place}"
        if dur:
            text += f" for {dur}"
        recurrence = "weekly" if i % 9 == 0 else None
        if recurrence:
            text += ", every week (weekly)"
        text += f" #{i}"
        rows.append(
            {
                "event_text": text,
                "output": {
                    "action": action,
                    "date": date,
                    "time": time,
                    "attendees": names,
                    "location": place,
                    "duration": dur,
                    "recurrence": recurrence,
                    "notes": None,
                },
            }
        )
    return rows


def answer_with(decoder, answer) -> None:
    """Make ``decoder`` answer ``answer(texts)`` (a list of
    :class:`~calendar_ner.decode.decoder.Decoded`) in one step, to check what happens around
    decoding; ``decoder.calls`` records each batch's size."""
    decoder.calls = []

    def decode_steps(texts):
        decoder.calls.append(len(texts))
        yield
        return answer(texts)

    decoder.decode_steps = decode_steps


@pytest.fixture
def raw_file(tmp_path: Path) -> Path:
    path = tmp_path / "raw.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in invented_rows()))
    return path


@pytest.fixture(scope="session")
def tokenizer():
    return load_tokenizer(DEFAULT_BUNDLED)


@pytest.fixture(scope="session")
def adapter_dir(tmp_path_factory, tokenizer) -> Path:
    """A tiny exported adapter (random LoRA on the tiny Llama), laid out like ExportAdapter
    writes it. Shared: copy it before changing anything in it."""
    path = tmp_path_factory.mktemp("run") / "adapter"
    lora = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")
    get_peft_model(load_model(TINY), lora).save_pretrained(path)
    tokenizer.save_pretrained(path)
    (path / "calendar_ner.json").write_text(json.dumps({"base_model": TINY}))
    return path
