"""Training-data augmentation: entity swaps, template re-renders, style rewrites, synthesis and
synthetic requests in French, Spanish and German.

Every generated row is checked: its output is canonical and every non-null value is expressed in
its text (:func:`missing_in_text`); a row that fails is dropped, never returned.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from calendar_ner.data.augment.consistency import missing_in_text
from calendar_ner.data.augment.multilingual import multilingual_rows
from calendar_ner.data.augment.pools import EntityPools
from calendar_ner.data.augment.style import restyle
from calendar_ner.data.augment.swap import SWAP_FIELDS, swap
from calendar_ner.data.augment.synth import Synthesizer
from calendar_ner.data.augment.templates import render
from calendar_ner.schema import Event, SchemaError, canonicalize

__all__ = ["EntityPools", "augment", "missing_in_text"]

Row = dict[str, Any]
_VARIANT_KINDS = ("swap", "template", "style")


def _row(text: str, event: Event, source: str, parent: int | None) -> Row | None:
    """A generated row, or None when its output is not canonical or not expressed in its text."""
    try:
        output = canonicalize(event, strict=True)
    except SchemaError:
        return None
    if output != event or missing_in_text(text, output):
        return None
    return {"event_text": text, "output": output, "source": source, "parent": parent}


def _variant(
    index: int,
    text: str,
    event: Event,
    pools: EntityPools,
    rng: random.Random,
    style_conventions: bool = False,
) -> Row | None:
    """One swap, template or style variant of a real row (kinds tried in random order)."""
    for kind in rng.sample(_VARIANT_KINDS, len(_VARIANT_KINDS)):
        if kind == "swap":
            fields = [f for f in SWAP_FIELDS if event[f]]
            results = (swap(text, event, f, pools, rng) for f in rng.sample(fields, len(fields)))
            result = next((r for r in results if r is not None), None)
        elif kind == "template":
            result = (render(event, rng), event)
        else:
            result = restyle(text, event, rng, style_conventions)
        if result is not None and result[0] != text:
            row = _row(*result, kind, index)
            if row is not None:
                return row
    return None


def _is_rare(output: Event) -> bool:
    return output["recurrence"] is not None or output["notes"] is not None


def _synth_row(synthesizer: Synthesizer, *, rare: bool, event: Event | None = None) -> Row:
    """A valid synthetic row for ``event`` (a new one if None), with a recurrence or note if
    ``rare``; re-rendered, or finally replaced, until the check passes."""
    for attempt in range(20):
        if event is None or attempt >= 10:
            event = synthesizer.event()
        if rare and not _is_rare(event):
            event = synthesizer.add_rare(event)
        row = _row(synthesizer.render(event), event, "synth", None)
        if row is not None:
            return row
    raise RuntimeError("could not render a valid synthetic row")


def augment(
    train_rows: Sequence[Row],
    *,
    variants_per_row: int = 1,
    synth: int = 0,
    rare_min_frac: float = 0.15,
    seed: int = 0,
    relative_dates: float = 0.0,
    undated: float = 0.0,
    untimed: float = 0.0,
    match_action_recurrence: bool = False,
    style_conventions: bool = False,
    multilingual: float = 0.0,
) -> list[Row]:
    """Generated rows for ``train_rows`` (the real rows themselves are not included).

    Up to ``variants_per_row`` (0 or 1) variants per real row (``parent`` is its index), then
    ``synth`` synthetic rows. Synthetic rows then get a recurrence or note until such rows are at
    least ``rare_min_frac`` of real plus generated rows; when every synthetic row has one, more
    rare synthetic rows are added. ``relative_dates``, ``undated`` and ``untimed`` go to the
    :class:`Synthesizer`; ``match_action_recurrence`` to :meth:`EntityPools.from_rows`;
    ``style_conventions`` to :func:`restyle`. Then ``multilingual`` x ``synth`` French, Spanish
    and German rows (:func:`multilingual_rows`, their own random stream, so every row before them
    is the same as without them). Same inputs and seed, same list.
    """
    if not 0 <= multilingual <= 1:
        raise ValueError(f"multilingual must be in [0, 1], got {multilingual}")
    if variants_per_row not in (0, 1):
        raise ValueError(f"variants_per_row must be 0 or 1, got {variants_per_row}")
    if not 0 <= rare_min_frac < 1:
        raise ValueError(f"rare_min_frac must be in [0, 1), got {rare_min_frac}")
    real = [(r["event_text"], canonicalize(r["output"], strict=True)) for r in train_rows]
    pools = EntityPools.from_rows(
        [{"event_text": t, "output": o} for t, o in real],
        seed=seed,
        match_action_recurrence=match_action_recurrence,
    )
    rng = random.Random(f"variants-{seed}")
    generated = []
    if variants_per_row:
        for index, (text, event) in enumerate(real):
            row = _variant(index, text, event, pools, rng, style_conventions)
            if row is not None:
                generated.append(row)

    synthesizer = Synthesizer(
        pools, seed, relative_dates=relative_dates, undated=undated, untimed=untimed
    )
    synthetic = [_synth_row(synthesizer, rare=False) for _ in range(synth)]
    rare = sum(_is_rare(o) for _, o in real) + sum(_is_rare(r["output"]) for r in generated)
    rare += sum(_is_rare(r["output"]) for r in synthetic)
    total = len(real) + len(generated) + len(synthetic)
    for i, row in enumerate(synthetic):
        if rare >= rare_min_frac * total:
            break
        if not _is_rare(row["output"]):
            synthetic[i] = _synth_row(synthesizer, rare=True, event=row["output"])
            rare += 1
    if rare < rare_min_frac * total:  # (rare + k) / (total + k) >= frac
        extra = math.ceil((rare_min_frac * total - rare) / (1 - rare_min_frac))
        synthetic += [_synth_row(synthesizer, rare=True) for _ in range(extra)]
    foreign = multilingual_rows(round(multilingual * synth), seed)
    checked = [_row(r["event_text"], r["output"], "multilingual", None) for r in foreign]
    return generated + synthetic + [row for row in checked if row is not None]
