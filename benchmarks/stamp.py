"""When, where and with what a benchmark result was measured: every script under benchmarks/
writes its result through :func:`write_result`.

    from benchmarks.stamp import write_result
    write_result("latency", {"runs": [...]})   # benchmarks/results/latency.json

The stamp: the commit (``git rev-parse HEAD``) and whether tracked files outside
``benchmarks/results`` had uncommitted changes (``dirty``),
the UTC date, the command line, package versions (python, torch, transformers, peft, lightning,
plus any the script names) and the machine (platform, CPU model from ``/proc/cpuinfo``, CPU
count, torch threads, GPU name if one is visible).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from calendar_ner.report import cpu_model

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PACKAGES = ("torch", "transformers", "peft", "lightning")
STAMP_KEYS = ("commit", "dirty", "date", "command", "versions", "machine")


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def versions(packages: tuple[str, ...] = ()) -> dict[str, str | None]:
    """Python's version and each installed package's (None when not installed)."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in (*PACKAGES, *packages):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def machine() -> dict[str, Any]:
    """Platform, CPU model and count, torch threads and the GPU (None without one)."""
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "gpu": gpu,
    }


def stamp(
    result: dict[str, Any], argv: list[str] | None = None, packages: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``result`` after the stamp (:data:`STAMP_KEYS`); ``argv`` defaults to ``sys.argv``."""
    argv = list(sys.argv if argv is None else argv)
    if argv and Path(argv[0]).is_absolute() and Path(argv[0]).is_relative_to(ROOT):
        argv[0] = str(Path(argv[0]).relative_to(ROOT))  # no machine-local path in the record
    # Results being rewritten do not make the code dirty.
    status = _git(
        "status", "--porcelain", "--untracked-files=no", "--", ".", ":!benchmarks/results"
    )
    return {
        "commit": _git("rev-parse", "HEAD"),
        "dirty": None if status is None else bool(status),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["python", *argv]),
        "versions": versions(packages),
        "machine": machine(),
    } | result


def write_result(
    name: str,
    result: dict[str, Any],
    argv: list[str] | None = None,
    path: str | os.PathLike | None = None,
    packages: tuple[str, ...] = (),
) -> Path:
    """Stamp ``result`` and write it to ``path`` (default ``benchmarks/results/<name>.json``)."""
    path = Path(path) if path is not None else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stamp(result, argv, packages), indent=2, ensure_ascii=False) + "\n")
    return path
