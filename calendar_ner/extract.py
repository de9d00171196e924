"""Python API: load an adapter (or merged model) and turn requests into canonical 8-key events.

    from calendar_ner.extract import CalendarExtractor
    extractor = CalendarExtractor.from_pretrained()          # the shipped adapter, bundled base
    extractor.extract("Lunch with Sam on 3rd, Feb 2025 at 1pm")

``path`` may be an exported adapter folder (``adapter_config.json`` + ``calendar_ner.json``), a
run folder holding ``adapter/``, or a merged HF model folder (``config.json``). The LoRA weights
are merged into the base for inference (no adapter overhead per forward).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import yaml

from calendar_ner.data.io import unicode_text
from calendar_ner.decode import ConstrainedDecoder, DecodeConfig, Steps, postprocess, run_steps
from calendar_ner.models.weights import DEFAULT_BUNDLED, load_model, load_tokenizer
from calendar_ner.schema import Event, empty_event

if TYPE_CHECKING:
    from datetime import datetime

    from jsonargparse import ArgumentParser, Namespace

    from calendar_ner.details import EventDetails

log = logging.getLogger(__name__)

ADAPTER_WEIGHTS = ("adapter_model.safetensors",)  # safetensors only: models/weights.py

# The shipped adapter: inside the package of an installed wheel (pyproject maps it there), else
# in the source checkout this package runs from (an editable install, `python -m` in the repo).
_PACKAGED_ADAPTER = Path(__file__).resolve().parent / "release"
_CHECKOUT_ADAPTER = Path(__file__).resolve().parents[1] / "checkpoints" / "release" / "adapter"
RELEASE_ADAPTER = _PACKAGED_ADAPTER if _PACKAGED_ADAPTER.is_dir() else _CHECKOUT_ADAPTER
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}
DTYPE_CHOICES = ("auto", *DTYPES)
DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(device: str = "auto") -> str:
    """``auto`` → CUDA if present, else CPU (MPS only when asked: its bf16 support varies)."""
    if device not in DEVICE_CHOICES:
        raise ValueError(f"device must be one of {DEVICE_CHOICES}, got {device!r}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _cpu_has_native_bf16() -> bool:
    """AVX512-BF16 or AMX (Linux flags): bf16 matmuls there run ~2x faster than fp32."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def resolve_dtype(dtype: str = "auto", device: str = "cpu") -> str:
    """``auto`` → bfloat16 where the hardware computes it natively, else float32.

    Measured with the shipped adapter on the 60 held-out test rows: bf16 and fp32 outputs agree
    on 149/150 test+eval rows and score the same field F1 (``benchmarks/latency.py``).
    """
    if dtype not in DTYPE_CHOICES:
        raise ValueError(f"dtype must be one of {DTYPE_CHOICES}, got {dtype!r}")
    if dtype != "auto":
        return dtype
    if device == "cuda":
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
    return "bfloat16" if device == "cpu" and _cpu_has_native_bf16() else "float32"


def default_model_path() -> Path:
    """``$CALENDAR_NER_MODEL`` if set, else the shipped adapter (``checkpoints/release/adapter``,
    carried inside the package by a wheel install)."""
    return Path(os.environ.get("CALENDAR_NER_MODEL") or RELEASE_ADAPTER)


def _adapter_dir(path: Path) -> Path | None:
    for candidate in (path, path / "adapter"):
        if (candidate / "adapter_config.json").is_file():
            return candidate
    return None


def fit_corpus(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """The ``data.corpus`` settings a model was fitted with (from the ``config.yaml`` the fit
    saved beside its adapter; {} when there is none, e.g. a merged model)."""
    adapter = _adapter_dir(Path(path) if path is not None else default_model_path())
    config = adapter / "config.yaml" if adapter is not None else None
    if config is None or not config.is_file():
        return {}
    return ((yaml.safe_load(config.read_text()) or {}).get("data") or {}).get("corpus") or {}


def load_for_inference(
    path: str | os.PathLike | None = None, dtype: str = "auto", device: str = "auto"
) -> tuple[torch.nn.Module, Any, dict]:
    """``(model, tokenizer, metadata)`` with LoRA merged, in eval mode, ``dtype`` and ``device``
    (``auto``: see :func:`resolve_dtype`, :func:`resolve_device`); ``metadata["inference"]``
    says which were used."""
    device = resolve_device(device)
    dtype = resolve_dtype(dtype, device)
    path = Path(path) if path is not None else default_model_path()
    if not path.exists():
        raise FileNotFoundError(
            f"model path {path} does not exist: give --model, or train one with `python -m "
            "calendar_ner fit --config configs/default.yaml --config configs/release.yaml`"
        )
    adapter = _adapter_dir(path)
    if adapter is not None:
        from peft import PeftModel

        meta_file = adapter / "calendar_ner.json"
        meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
        base_spec = meta.get("base_model", DEFAULT_BUNDLED)
        if not any((adapter / name).is_file() for name in ADAPTER_WEIGHTS):
            raise FileNotFoundError(
                f"{adapter} has adapter_config.json but no adapter weights "
                f"({' or '.join(ADAPTER_WEIGHTS)}): an unfinished copy or export?"
            )
        model = PeftModel.from_pretrained(load_model(base_spec), adapter).merge_and_unload()
        tokenizer = load_tokenizer(str(adapter))
    elif (path / "config.json").is_file():
        meta = {"base_model": str(path)}
        model, tokenizer = load_model(str(path)), load_tokenizer(str(path))
    else:
        raise FileNotFoundError(
            f"{path} holds neither an adapter (adapter_config.json) nor a model (config.json)"
        )
    meta["inference"] = {"dtype": dtype, "device": device}
    return model.to(device=device, dtype=DTYPES[dtype]).eval(), tokenizer, meta


class CalendarExtractor:
    """Calendar request text → schema-valid, normalized 8-key event."""

    def __init__(
        self,
        model: torch.nn.Module,
        tokenizer: Any,
        meta: dict | None = None,
        decode: DecodeConfig | None = None,
    ) -> None:
        """``decode``: the decoding options (None: those saved in the model's
        ``calendar_ner.json``, else :class:`DecodeConfig`'s defaults); ``meta["decode"]`` then
        records the options in use."""
        self.meta = meta or {}
        self.config = decode or DecodeConfig.from_meta(self.meta)
        self.meta["decode"] = self.config.to_dict()
        # The weights stay fixed from here on, so the prompt head is computed once.
        self.decoder = ConstrainedDecoder(
            model, tokenizer, config=self.config, cache_prompt_head=True
        )
        # Most texts decoded together (None: any number). Batch shape and padding change how
        # matmuls round, which in bfloat16 flips near-tied tokens: a text's answer would depend
        # on its batch neighbours. So below float32 each text is decoded alone, which costs
        # little on CPU (benchmarks/invariance.py).
        dtype = next(model.parameters()).dtype
        self.max_batch_size: int | None = None if dtype == torch.float32 else 1

    @classmethod
    def from_pretrained(
        cls,
        path: str | os.PathLike | None = None,
        *,
        dtype: str = "auto",
        device: str = "auto",
        **options: Any,
    ) -> CalendarExtractor:
        """Load an adapter or merged model (None → the shipped adapter on the bundled base).

        ``options`` override the model's saved decoding options by name (the fields of
        :class:`DecodeConfig`, e.g. ``exact_copy=False``); None leaves one as saved.
        """
        model, tokenizer, meta = load_for_inference(path, dtype, device)
        return cls(model, tokenizer, meta, DecodeConfig.from_meta(meta, **options))

    def extract(
        self,
        text: str,
        *,
        details: bool = False,
        reference: str | datetime | None = None,
        timezone: str | None = None,
    ) -> Event | EventDetails:
        """One request → one event (``details``: an :class:`~calendar_ner.details.EventDetails`,
        resolved at ``reference`` in ``timezone``, default now in the local zone)."""
        return self.extract_batch(
            [text], 1, details=details, reference=reference, timezone=timezone
        )[0]

    def extract_batch(
        self,
        texts: list[str],
        batch_size: int = 8,
        *,
        details: bool = False,
        reference: str | datetime | None = None,
        timezone: str | None = None,
    ) -> list[Event] | list[EventDetails]:
        """Many requests → events in the same order, decoded in batches of similar length (at
        most :attr:`max_batch_size`, so a text's event does not depend on its neighbours).
        Over-long texts are cut with a warning; a non-string counts as ``""`` and a lone
        surrogate as U+FFFD (:func:`calendar_ner.data.io.unicode_text`). ``details``: see
        :meth:`extract`."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        batch_size = min(batch_size, self.max_batch_size or batch_size)
        when = None
        if details:
            from calendar_ner.details import check_when

            when = check_when(reference, timezone)
        texts = [unicode_text(t) for t in texts]
        before = self.decoder.prompt_truncated
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        events: list[Any] = [None] * len(texts)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            steps = self.extract_steps([texts[i] for i in chunk], [when] * len(chunk))
            for i, event in zip(chunk, run_steps(steps)):
                events[i] = event
        if self.decoder.prompt_truncated > before:
            log.warning(
                "%d request text(s) were longer than the model's prompt budget (%d tokens) and "
                "were cut",
                self.decoder.prompt_truncated - before,
                self.decoder.max_prompt_tokens,
            )
        return events

    def extract_steps(
        self, texts: list[str], when: list[tuple[datetime, str] | None] | None = None
    ) -> Steps[list[Event | EventDetails]]:
        """One batch of ``texts`` (at most :attr:`max_batch_size`) decoded a forward per step
        (:meth:`ConstrainedDecoder.decode_steps`): a generator that returns each text's event,
        or its :class:`~calendar_ner.details.EventDetails` where ``when[i]`` is the
        ``(reference, zone name)`` of :func:`calendar_ner.details.check_when`."""
        texts = [unicode_text(t) for t in texts]
        when = when or [None] * len(texts)
        decoded = yield from self.decoder.decode_steps(texts)
        events: list[Event | EventDetails] = []
        for text, found, at in zip(texts, decoded, when):
            event = postprocess(found.raw, text, self.config) or empty_event()
            if at is not None:
                from calendar_ner.details import describe

                event = describe(text, event, found.logprobs, *at)
            events.append(event)
        return events


def add_model_args(parser: ArgumentParser) -> None:
    """The flags that pick a model and how it decodes: ``--model``, ``--dtype``, ``--device``
    and ``--decode.<option>`` (:func:`add_decode_args`)."""
    parser.add_argument(
        "--model",
        default=None,
        help="Adapter/run/merged-model folder "
        "(default: $CALENDAR_NER_MODEL or checkpoints/release/adapter).",
    )
    parser.add_argument(
        "--dtype",
        default="auto",
        choices=DTYPE_CHOICES,
        help="Inference weights dtype (auto: bfloat16 where the CPU/GPU has native bf16).",
    )
    parser.add_argument(
        "--device",
        default="auto",
        choices=DEVICE_CHOICES,
        help="Inference device (auto: CUDA if present, else CPU).",
    )
    add_decode_args(parser)


def add_decode_args(parser: ArgumentParser) -> None:
    """``--decode.<option>`` for every field of :class:`DecodeConfig` (its docstring is the help;
    unset keeps the model's saved value)."""
    from docstring_parser import parse_from_object

    docs = {p.arg_name: p.description for p in parse_from_object(DecodeConfig).params}
    hints = typing.get_type_hints(DecodeConfig)
    for option in dataclasses.fields(DecodeConfig):
        parser.add_argument(
            f"--decode.{option.name}",
            type=typing.Optional[hints[option.name]],  # noqa: UP045 - a runtime type
            default=None,
            help=f"{docs.get(option.name, '')} Unset: as saved in the model's calendar_ner.json.",
        )


def check_model_args(ns: Namespace) -> None:
    """Check ``--model`` and ``--device`` (the :func:`calendar_ner.extract.add_model_args`
    flags) before loading: a folder with safetensors weights, a device that is present."""
    from calendar_ner.models.weights import check_device, check_model_dir

    if ns.model:
        check_model_dir(ns.model, "--model")
    else:
        env = os.environ.get("CALENDAR_NER_MODEL")
        check_model_dir(default_model_path(), "$CALENDAR_NER_MODEL" if env else "shipped adapter")
    check_device(ns.device)


def load_extractor(ns: Namespace) -> CalendarExtractor:
    """The extractor that the :func:`add_model_args` flags in ``ns`` ask for."""
    options = ns.decode.as_dict() if ns.get("decode") else {}
    return CalendarExtractor.from_pretrained(ns.model, dtype=ns.dtype, device=ns.device, **options)
