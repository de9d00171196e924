"""Rows → token ids: prompt/target encoding, label masking (in the Dataset) and a collate factory.

Labels are ``-100`` on prompt and padding, so the loss falls on the JSON target and EOS only.
With ``surface_datetime`` the target's date and time are copied as written in the request
("12 - Dec - 2023", "3pm") and canonicalized after decoding by :mod:`calendar_ner.schema`: the
model copies spans instead of re-typing digits in another order.
Every segment of :mod:`calendar_ner.prompt` is tokenized on its own there (no special tokens) and
the ids are concatenated: the constrained decoder feeds exactly these ids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch.utils.data import Dataset
from transformers import PreTrainedTokenizerBase

from calendar_ner import languages
from calendar_ner.data.io import Row
from calendar_ner.prompt import encode_prompt, encode_target
from calendar_ner.spans import date_spans, time_spans

IGNORE_INDEX = -100


def training_target(text: str, event: dict[str, Any]) -> dict[str, Any]:
    """``event`` with date and time replaced by the shortest text span that normalizes to them
    (read the way the request's language writes them: :mod:`calendar_ner.languages`)."""
    target = dict(event)
    local = languages.detect(text) != "en"
    finders = {
        "date": lambda value: date_spans(text, value, date_words_only=True, local=local),
        "time": lambda value: time_spans(text, value, local=local),
    }
    for field, find in finders.items():
        if target[field] is not None:
            spans = find(target[field])
            if spans:
                target[field] = text[spans[0][0] : spans[0][1]]
    return target


class EventDataset(Dataset):
    """Tokenized ``(prompt, target)`` rows with masked labels; keeps text and gold for metrics."""

    def __init__(
        self,
        rows: Sequence[Row],
        tokenizer: PreTrainedTokenizerBase,
        max_length: int = 256,
        surface_datetime: bool = True,
    ) -> None:
        self.rows = list(rows)
        self.items: list[dict[str, Any]] = []
        for row in self.rows:
            text = " ".join(row["event_text"].split())  # as the prompt shows it
            event = training_target(text, row["output"]) if surface_datetime else row["output"]
            target, is_value = encode_target(tokenizer, event)
            prompt, _ = encode_prompt(tokenizer, row["event_text"], max_length - len(target))
            self.items.append(
                {
                    "input_ids": prompt + target,
                    "labels": [IGNORE_INDEX] * len(prompt) + target,
                    "value_mask": [False] * len(prompt) + is_value,
                    "prompt_len": len(prompt),
                    "event_text": row["event_text"],
                    "output": row["output"],
                }
            )

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.items[index]

    def lengths(self) -> list[int]:
        """Sequence lengths, for length-grouped batching."""
        return [len(item["input_ids"]) for item in self.items]


def make_collate(pad_token_id: int, pad_to_multiple_of: int | None = None) -> Callable:
    """Collate factory: right-pads to the longest sequence in the batch (dynamic padding).

    Returns ``input_ids``, ``attention_mask``, ``labels`` (padding = ``-100``), ``value_mask``
    (True on tokens of JSON values, for the field-aware loss), plus the lists
    ``event_text`` and ``output`` that generation metrics need.
    """

    def collate(batch: Sequence[dict[str, Any]]) -> dict[str, Any]:
        longest = max(len(item["input_ids"]) for item in batch)
        if pad_to_multiple_of:
            longest = -(-longest // pad_to_multiple_of) * pad_to_multiple_of
        input_ids = torch.full((len(batch), longest), pad_token_id, dtype=torch.long)
        labels = torch.full((len(batch), longest), IGNORE_INDEX, dtype=torch.long)
        attention_mask = torch.zeros((len(batch), longest), dtype=torch.long)
        value_mask = torch.zeros((len(batch), longest), dtype=torch.bool)
        for i, item in enumerate(batch):
            n = len(item["input_ids"])
            input_ids[i, :n] = torch.tensor(item["input_ids"])
            labels[i, :n] = torch.tensor(item["labels"])
            attention_mask[i, :n] = 1
            value_mask[i, :n] = torch.tensor(item["value_mask"])
        return {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "labels": labels,
            "value_mask": value_mask,
            "event_text": [item["event_text"] for item in batch],
            "output": [item["output"] for item in batch],
        }

    return collate
