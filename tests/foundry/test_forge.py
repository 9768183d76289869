"""The Solidity tests of the contracts (``tests/foundry/*.t.sol``): unit and fuzz tests of every extension, run by forge.

forge (the npm package @foundry-rs/forge) compiles ``contracts/`` and ``tests/foundry/`` offline with the project's
pinned solc 0.8.28 (the solc-js shim where no native solc is installed) and runs every test; ``foundry.toml`` sets the
fuzz runs (some heavy tests lower theirs with a ``forge-config`` comment). One forge run per session: its ``--json``
report is parsed, and the tests here fail naming every failing Solidity test with forge's reason, and if any
``.t.sol`` file contributed no test (a file that compiles to nothing would otherwise pass silently).

Run the Solidity tests by hand (``--match-path``/``--match-test`` to select, ``-vvv`` for traces)::

    node_modules/@foundry-rs/forge-linux-amd64/bin/forge test --offline --use .build/solcx/solc-v0.8.28
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOUNDRY_TESTS = ROOT / "tests" / "foundry"
FORGE = ROOT / "node_modules" / "@foundry-rs" / "forge-linux-amd64" / "bin" / "forge"
FORGE_TIMEOUT = 900  # a cold compile through solc-js takes about half a minute here


def pinned_solc() -> Path:
    """The pinned solc (native, or the checkout's solc-js shim), as the build finds it."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools.solc import ensure_solc

    return Path(ensure_solc())


def run_forge() -> dict[str, Any]:
    """``forge test --json`` over tests/foundry: the report, keyed by ``<file>:<contract>``."""
    assert FORGE.is_file(), f"forge is missing ({FORGE}): run scripts/setup.sh"
    result = subprocess.run(
        [
            str(FORGE),
            "test",
            "--offline",
            "--use",
            str(pinned_solc()),
            "--json",
            "--skip",
            "contracts/test/**",
        ],  # the benchmark and fixture contracts are not needed here
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=FORGE_TIMEOUT,
    )
    report = next((line for line in reversed(result.stdout.splitlines()) if line.startswith("{")), None)
    if report is None:
        # No report: the build failed (a compiler error names the file and line).
        pytest.fail(
            f"forge test produced no report (exit {result.returncode}):\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
        )
    return json.loads(report)


@pytest.fixture(scope="module")
def forge_report() -> dict[str, Any]:
    return run_forge()


def results(report: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(``<file>:<contract>``, test name, result) for every test in the report."""
    return [(suite, name, r) for suite, body in report.items() for name, r in body["test_results"].items()]


def describe(suite: str, name: str, result: dict[str, Any]) -> str:
    reason = result.get("reason") or "reverted or failed without a reason"
    text = f"  {suite}::{name}: {reason}"
    if result.get("counterexample"):
        example = result["counterexample"]
        args = example.get("Single", example).get("args") if isinstance(example, dict) else example
        text += f" [counterexample: {args}]"
    return text


@pytest.mark.slow
def test_every_solidity_test_passes(forge_report: dict[str, Any]) -> None:
    everything = results(forge_report)
    assert everything, "forge ran no test at all"
    failed = [describe(suite, name, r) for suite, name, r in everything if r["status"] != "Success"]
    assert not failed, f"{len(failed)} of {len(everything)} Solidity tests failed:\n" + "\n".join(failed)


@pytest.mark.slow
def test_every_solidity_test_file_contributes_tests(forge_report: dict[str, Any]) -> None:
    files = sorted(p.relative_to(ROOT).as_posix() for p in FOUNDRY_TESTS.rglob("*.t.sol"))
    assert files, "no .t.sol file under tests/foundry"
    counts = dict.fromkeys(files, 0)
    for suite, _, _ in results(forge_report):
        path = suite.rsplit(":", 1)[0]
        counts[path] = counts.get(path, 0) + 1
    silent = [f for f, n in counts.items() if n == 0 and f in files]
    assert not silent, "these .t.sol files contributed no test to forge's run:\n" + "\n".join(f"  {f}" for f in silent)


@pytest.mark.slow
def test_fuzz_tests_ran_their_runs(forge_report: dict[str, Any]) -> None:
    """Every fuzz test ran at least the runs its configuration asks for (the lowest configured is 96)."""
    short = []
    for suite, name, r in results(forge_report):
        fuzz = r.get("kind", {}).get("Fuzz")
        if fuzz is not None and r["status"] == "Success" and fuzz["runs"] < 96:
            short.append(f"  {suite}::{name}: {fuzz['runs']} runs")
    assert not short, "fuzz tests that ran fewer than 96 runs:\n" + "\n".join(short)
