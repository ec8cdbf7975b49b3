"""ruff and mypy, configured in pyproject.toml, stay clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed: pip install -e '.[test]'")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("check", "src", "tests", "benchmarks", "notebooks"),
        ("format", "--check", "src", "tests", "benchmarks"),
    ],
    ids=["lint", "format"],
)
def test_ruff_is_clean(args):
    proc = subprocess.run([_tool("ruff"), *args], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_mypy_strict_is_clean():
    proc = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True, check=False, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
