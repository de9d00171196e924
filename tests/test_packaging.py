"""A wheel (`pip install .`, not editable) carries every code package and the shipped adapter,
and an installed wheel finds that adapter by default from any working directory."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]


def _setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_code_package_is_listed():
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "calendar_ner").rglob("__init__.py")
    }
    listed = set(_setuptools_config()["packages"])
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


def test_release_package_maps_the_shipped_adapter():
    mapped = ROOT / _setuptools_config()["package-dir"]["calendar_ner.release"]
    assert mapped == ROOT / "checkpoints" / "release" / "adapter"
    assert (mapped / "adapter_config.json").is_file()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the sources in a temporary folder (setuptools writes its
    build/ and egg-info folders beside the sources, never into the checkout here)."""
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("wheel")
    for name in ("pyproject.toml", "setup.cfg", "README.md"):
        shutil.copy(ROOT / name, src / name)
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "calendar_ner", src / "calendar_ner", ignore=skip)
    adapter = Path("checkpoints") / "release" / "adapter"
    shutil.copytree(ROOT / adapter, src / adapter)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
         "--no-build-isolation", "-q", "-w", str(out)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (path,) = out.glob("calendar_ner-*.whl")
    return path


def test_wheel_carries_the_code_and_the_adapter(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "calendar_ner").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert modules - names == set()
    adapter = ROOT / "checkpoints" / "release" / "adapter"
    shipped = {f"calendar_ner/release/{p.name}" for p in adapter.iterdir() if p.is_file()}
    assert "calendar_ner/release/adapter_model.safetensors" in shipped
    assert shipped - names == set()


def test_installed_wheel_defaults_to_its_packaged_adapter(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
         str(wheel)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("CALENDAR_NER_MODEL", None)
    code = "import calendar_ner.extract as e; print(e.default_model_path())"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env,
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    assert Path(out) == site / "calendar_ner" / "release"
    assert (Path(out) / "adapter_model.safetensors").is_file()
