"""Plain greedy ``generate``: the free-form decoding the constrained decoder is compared with.

Used by the LightningModule's ``decoding: free``, ``calendar_ner evaluate --baselines`` and
``benchmarks/latency.py``. The prompts are token ids (the training prompt, or a chat template
for a zero-shot base model); the batch is left-padded so every prompt ends where decoding starts.
"""

from __future__ import annotations

from typing import Any

import torch


@torch.no_grad()
def generate_free(
    model: torch.nn.Module, tokenizer: Any, prompts: list[list[int]], max_new_tokens: int
) -> list[str]:
    """The text each prompt's greedy continuation decodes to (special tokens dropped), up to EOS
    or ``max_new_tokens``."""
    longest = max(map(len, prompts))
    pad = tokenizer.pad_token_id
    ids = torch.tensor([[pad] * (longest - len(p)) + p for p in prompts])
    mask = torch.tensor([[0] * (longest - len(p)) + [1] * len(p) for p in prompts])
    device = next(model.parameters()).device
    out = model.generate(
        input_ids=ids.to(device),
        attention_mask=mask.to(device),
        max_new_tokens=max_new_tokens,
        do_sample=False,
        pad_token_id=pad,
        eos_token_id=tokenizer.eos_token_id,
    )
    return tokenizer.batch_decode(out[:, longest:], skip_special_tokens=True)
