"""Training throughput: the Lightning step against a plain transformers + peft loop, one process.

    PYTHONPATH=. python benchmarks/train_throughput.py --rounds 3 --steps 4   # bundled 135M

Both loops train the same model: the base of ``--base_model`` with the LoRA adapter of
``configs/default.yaml`` (r=8, alpha 16, dropout 0.1 on q/k/v/o), AdamW, gradient clipping at
1.0 and the cosine schedule, on the same batches (rows of ``--data``, ``--batch_size`` per step,
length-grouped as in training). The Lightning side is :class:`CalendarNER` under a ``Trainer``
(its ``training_step``: masked causal-LM loss on the target tokens); the plain side calls the
PEFT model with ``labels`` and steps the optimizer by hand. A step is timed from the start of
the batch to the end of the optimizer step (Lightning: ``on_train_batch_start`` to
``on_train_batch_end``, so its per-step bookkeeping counts). Throughput is non-pad tokens per
second. A third loop, by hand on the module's own loss (:meth:`CalendarNER.loss`, which sends
only target positions through the LM head), tells what Lightning itself costs
(``ratio_to_module_loss``) apart from what that loss saves over the plain one. The loops
alternate for ``--rounds`` rounds of ``--steps`` steps after a warm-up; each ratio is the median
over rounds.

Pad waste: the share of padded positions in the batches of one epoch of the train split
(``--train_data``; token counts only), shuffled as ``DataLoader(shuffle=True)`` does and
length-grouped (:class:`calendar_ner.data.datamodule.LengthGroupedSampler`), averaged over 3
epochs. Peak memory: the process's maximum RSS, and on CUDA ``max_memory_allocated`` per loop.

Goals: ratio >= 0.95 and length-grouped pad waste <= 10%. Writes the stamped result to
``benchmarks/results/train_throughput.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import lightning as L
import torch
from peft import LoraConfig, get_peft_model
from torch.utils.data import DataLoader
from transformers import get_cosine_with_min_lr_schedule_with_warmup

from calendar_ner.data.datamodule import LengthGroupedSampler
from calendar_ner.data.io import read_rows
from calendar_ner.data.tokens import EventDataset, make_collate
from calendar_ner.models.module import AdapterConfig, CalendarNER, OptimConfig
from calendar_ner.models.weights import DEFAULT_BUNDLED, load_model, load_tokenizer

try:  # `python benchmarks/train_throughput.py` puts benchmarks/ on the path; tests import it
    from stamp import write_result
except ImportError:
    from benchmarks.stamp import write_result

GOAL_RATIO = 0.95
GOAL_PAD_WASTE = 0.10
Batch = dict[str, Any]


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def pad_waste(lengths: list[int], order: list[int], batch_size: int) -> float:
    """Padded share of the positions when ``order`` is cut into batches padded to their longest.

    >>> pad_waste([2, 4, 4, 4], [0, 1, 2, 3], 2)
    0.25
    """
    slots = real = 0
    for start in range(0, len(order), batch_size):
        batch = [lengths[i] for i in order[start : start + batch_size]]
        slots += max(batch) * len(batch)
        real += sum(batch)
    return 1 - real / slots


def pad_report(lengths: list[int], batch_size: int, seed: int, epochs: int = 3) -> dict:
    """Mean pad waste over ``epochs`` of shuffled and of length-grouped batches."""
    shuffled, grouped = [], []
    sampler = LengthGroupedSampler(lengths, batch_size, seed)
    for epoch in range(epochs):
        order = list(range(len(lengths)))
        random.Random(seed + epoch).shuffle(order)
        shuffled.append(pad_waste(lengths, order, batch_size))
        sampler.set_epoch(epoch)
        grouped.append(pad_waste(lengths, list(sampler), batch_size))
    return {
        "rows": len(lengths),
        "batch_size": batch_size,
        "epochs": epochs,
        "shuffled": statistics.mean(shuffled),
        "length_grouped": statistics.mean(grouped),
    }


class StepTimer(L.Callback):
    """Seconds of each training step, from batch start to the end of the optimizer step."""

    def __init__(self, device: str) -> None:
        self.device, self.seconds, self._start = device, [], 0.0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        _sync(self.device)
        self._start = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        _sync(self.device)
        self.seconds.append(time.perf_counter() - self._start)


def lightning_round(module: CalendarNER, batches: list[Batch], device: str) -> float:
    """Seconds of ``len(batches)`` Lightning training steps (a fresh ``Trainer.fit``)."""
    timer = StepTimer(device)
    trainer = L.Trainer(
        accelerator=device,
        devices=1,
        precision="bf16-mixed" if device == "cuda" else "32-true",
        max_steps=len(batches),
        gradient_clip_val=1.0,
        limit_val_batches=0,
        num_sanity_val_steps=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[timer],
    )
    trainer.fit(module, train_dataloaders=DataLoader(batches, batch_size=None))
    return sum(timer.seconds)


def hand_round(
    model: torch.nn.Module,
    loss_fn: Callable[[Batch], torch.Tensor],
    batches: list[Batch],
    device: str,
    optim: OptimConfig,
) -> float:
    """Seconds of ``len(batches)`` steps of a hand-written loop over ``model``'s trainable
    parameters: ``loss_fn``, AdamW, clipping at 1.0 and the cosine schedule, as in the recipe."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=optim.lr, weight_decay=optim.weight_decay)
    schedule = get_cosine_with_min_lr_schedule_with_warmup(
        optimizer,
        num_warmup_steps=int(len(batches) * optim.warmup_ratio),
        num_training_steps=len(batches),
        min_lr_rate=optim.min_lr_ratio,
    )
    autocast = torch.autocast("cuda", torch.bfloat16) if device == "cuda" else nullcontext()
    model.train()
    seconds = 0.0
    for batch in batches:
        _sync(device)
        start = time.perf_counter()
        on_device = {k: v.to(device) for k, v in batch.items() if isinstance(v, torch.Tensor)}
        with autocast:
            loss = loss_fn(on_device)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        _sync(device)
        seconds += time.perf_counter() - start
    return seconds


def _peak_cuda_mib(device: str, run: Callable[[], float]) -> tuple[float, float | None]:
    if device != "cuda":
        return run(), None
    torch.cuda.reset_peak_memory_stats()
    seconds = run()
    return seconds, torch.cuda.max_memory_allocated() / 2**20


def throughput(
    base_model: str, batches: list[Batch], rounds: int, steps: int, warmup: int, device: str
) -> dict[str, Any]:
    """Alternating rounds of the three loops over the same batches: Lightning, the plain
    transformers + peft loop, and a hand loop on the module's own loss (which separates what
    Lightning costs from what the module's loss saves); medians and ratios."""
    adapter, optim = AdapterConfig(), OptimConfig()
    module = CalendarNER(base_model, adapter=adapter, optim=optim, quantization="none")
    lora = LoraConfig(
        r=adapter.r,
        lora_alpha=adapter.alpha,
        lora_dropout=adapter.dropout,
        target_modules=list(adapter.target_modules),
        task_type="CAUSAL_LM",
    )
    plain = get_peft_model(load_model(base_model), lora).to(device)

    def hf_loss(batch: Batch) -> torch.Tensor:  # the model's own shifted causal-LM loss
        return plain(batch["input_ids"], batch["attention_mask"], labels=batch["labels"]).loss

    loops: dict[str, Callable[[list[Batch]], float]] = {
        "lightning": lambda chunk: lightning_round(module, chunk, device),
        "plain": lambda chunk: hand_round(plain, hf_loss, chunk, device, optim),
        # Lightning's teardown may move the module back to the CPU.
        "module_loss": lambda chunk: hand_round(
            module.to(device), module.loss, chunk, device, optim
        ),
    }
    if warmup:
        for run in loops.values():
            run(batches[:warmup])
    tokens: list[int] = []
    seconds: dict[str, list[float]] = {name: [] for name in loops}
    memory: dict[str, float | None] = {}
    for r in range(rounds):
        chunk = batches[warmup + r * steps : warmup + (r + 1) * steps]
        tokens.append(sum(int(b["attention_mask"].sum()) for b in chunk))
        for name, run in loops.items():
            spent, memory[name] = _peak_cuda_mib(device, lambda: run(chunk))
            seconds[name].append(spent)
    rates = {k: [t / s for t, s in zip(tokens, v)] for k, v in seconds.items()}
    ratios = [a / b for a, b in zip(rates["lightning"], rates["plain"])]
    overhead = [a / b for a, b in zip(rates["lightning"], rates["module_loss"])]
    return {
        "lora": {"r": adapter.r, "alpha": adapter.alpha, "targets": adapter.target_modules},
        "tokens_per_round": tokens,
        **{f"{name}_tokens_per_s": statistics.median(v) for name, v in rates.items()},
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "ratio_to_module_loss": statistics.median(overhead),
        "cuda_max_memory_allocated_mib": memory if device == "cuda" else None,
    }


def make_batches(dataset: EventDataset, pad_id: int, batch_size: int, count: int) -> list[Batch]:
    """``count`` training batches of ``dataset`` in length-grouped order (cycled if too few)."""
    order = list(LengthGroupedSampler(dataset.lengths(), batch_size, seed=0))
    collate = make_collate(pad_id)
    starts = range(0, len(order) - batch_size + 1, batch_size)
    batches = [collate([dataset[i] for i in order[s : s + batch_size]]) for s in starts]
    return (batches * (count // max(len(batches), 1) + 1))[:count]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base_model", default=DEFAULT_BUNDLED, help="Base model spec.")
    parser.add_argument("--data", default="data/splits/train.jsonl", help="Rows to train on.")
    parser.add_argument(
        "--train_data", default="data/splits/train.jsonl", help="Split for the pad-waste count."
    )
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="Alternating rounds per loop.")
    parser.add_argument("--steps", type=int, default=10, help="Steps per round.")
    parser.add_argument("--warmup", type=int, default=2, help="Untimed steps per loop first.")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument(
        "--output", default=None, help="Result JSON (default: benchmarks/results/<name>.json)."
    )
    args = parser.parse_args(argv)
    for flag in ("data", "train_data"):
        if not Path(getattr(args, flag)).is_file():
            parser.error(f"--{flag} {getattr(args, flag)}: no such file (`make data` builds it)")
    if min(args.rounds, args.steps, args.batch_size) < 1 or args.warmup < 0:
        parser.error("--rounds, --steps and --batch_size must be >= 1, --warmup >= 0")
    device = (
        args.device if args.device != "auto" else "cuda" if torch.cuda.is_available() else "cpu"
    )
    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)  # one line per Trainer
    L.seed_everything(0, verbose=False)
    tokenizer = load_tokenizer(args.base_model)
    datasets = {
        path: EventDataset(read_rows(path)[0], tokenizer) for path in {args.data, args.train_data}
    }
    waste = pad_report(datasets[args.train_data].lengths(), args.batch_size, seed=42)
    waste["data"] = args.train_data
    count = args.warmup + args.rounds * args.steps
    batches = make_batches(datasets[args.data], tokenizer.pad_token_id, args.batch_size, count)
    speed = throughput(args.base_model, batches, args.rounds, args.steps, args.warmup, device)
    result = {
        "base_model": args.base_model,
        "device": device,
        "data": args.data,
        "batch_size": args.batch_size,
        "rounds": args.rounds,
        "steps": args.steps,
        "warmup": args.warmup,
        **speed,
        "pad_waste": waste,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "goals": {
            f"ratio >= {GOAL_RATIO}": speed["ratio"] >= GOAL_RATIO,
            f"pad waste <= {GOAL_PAD_WASTE:.0%}": waste["length_grouped"] <= GOAL_PAD_WASTE,
        },
    }
    print(json.dumps(result, indent=2))
    command = None if argv is None else ["benchmarks/train_throughput.py", *argv]
    print(f"wrote {write_result('train_throughput', result, command, path=args.output)}")
    return result


if __name__ == "__main__":
    main()
