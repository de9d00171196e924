"""The prompt template, the JSON target and their token encoding: the train/inference contract.

The target is rendered as alternating *fixed* segments (``{"action":``, ``, "date":``, …, ``}``)
and *value* segments (`` "Lunch"``, `` null``, `` ["Sam", "Ana"]``). Training tokenizes each
segment on its own and concatenates the ids; the constrained decoder feeds the fixed segments
verbatim and lets the model write only the values, so both see exactly the same token boundaries.

    >>> render_target(dict.fromkeys(FIELDS) | {"action": "Lunch"})[:40]
    '{"action": "Lunch", "date": null, "time"'
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from calendar_ner.schema import FIELDS, Event

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

PROMPT_VERSION = "1"
# Short on purpose: every prompt token costs a prefill on CPU (~3 ms each for the 135M model).
# Three segments, tokenized separately so the text can be truncated without touching the rest.
PROMPT_HEAD = "Extract the calendar event as JSON.\nText:"
PROMPT_TAIL = "\nJSON:\n"


def prompt_segments(text: str) -> tuple[str, str, str]:
    """``(head, text, tail)``: the request text with whitespace collapsed and a leading space."""
    return PROMPT_HEAD, " " + " ".join(text.split()), PROMPT_TAIL


def build_prompt(text: str) -> str:
    """The model input for one calendar request, as a string."""
    return "".join(prompt_segments(text))


def value_text(value: Any) -> str:
    """JSON for one value with its leading space: `` "Lunch"``, `` null``, `` ["A", "B"]``."""
    return " " + json.dumps(value, ensure_ascii=False)


def fixed_text(index: int) -> str:
    """The fixed JSON text before field ``index`` (``len(FIELDS)`` gives the closing brace)."""
    if index == len(FIELDS):
        return "}"
    return ("{" if index == 0 else ", ") + json.dumps(FIELDS[index]) + ":"


def target_segments(event: Event) -> list[tuple[str, bool]]:
    """``(text, is_value)`` segments whose concatenation is the compact target JSON."""
    segments: list[tuple[str, bool]] = []
    for i, field in enumerate(FIELDS):
        segments.append((fixed_text(i), False))
        segments.append((value_text(event[field]), True))
    segments.append((fixed_text(len(FIELDS)), False))
    return segments


def render_target(event: Event) -> str:
    """The target JSON string (schema order, one space after ``:`` and ``,``)."""
    return "".join(text for text, _ in target_segments(event))


def encode_segment(tokenizer: PreTrainedTokenizerBase, text: str) -> list[int]:
    """Token ids of one segment, with no special tokens."""
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def encode_prompt(
    tokenizer: PreTrainedTokenizerBase, text: str, max_tokens: int | None = None
) -> tuple[list[int], bool]:
    """Prompt ids for ``text`` (at most ``max_tokens``, cutting the text) and whether it was cut."""
    head, body, tail = (encode_segment(tokenizer, s) for s in prompt_segments(text))
    budget = None if max_tokens is None else max(max_tokens - len(head) - len(tail), 1)
    truncated = budget is not None and len(body) > budget
    if truncated:
        body = body[:budget]
    return head + body + tail, truncated


def encode_target(
    tokenizer: PreTrainedTokenizerBase, event: dict[str, Any]
) -> tuple[list[int], list[bool]]:
    """Target ids (the JSON segments, then EOS) and, per id, whether it belongs to a value."""
    ids: list[int] = []
    is_value: list[bool] = []
    for text, value in target_segments(event):
        segment = encode_segment(tokenizer, text)
        ids += segment
        is_value += [value] * len(segment)
    return ids + [tokenizer.eos_token_id], is_value + [False]
