"""The Python code base stays linted, formatted and typed: ruff (lint and format) and mypy, configured in
pyproject.toml (mypy strict for ``ccsi_dao/chain`` and ``ccsi_dao/abi``), run as the README's test command runs
everything else. A finding fails the test with the tool's own report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON_PATHS = ["ccsi_dao", "tools", "tests", "benchmarks", "scripts", "ape_console_extras.py"]


def _run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_ruff_lint() -> None:
    result = _run("ruff", "check", "--no-cache", *PYTHON_PATHS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run("ruff", "format", "--check", "--no-cache", *PYTHON_PATHS)
    assert result.returncode == 0, "run: .venv/bin/ruff format\n" + result.stdout + result.stderr


@pytest.mark.slow
def test_mypy() -> None:
    result = _run("mypy", "--cache-dir", str(ROOT / ".build" / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr
