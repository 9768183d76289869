"""ape users get the same project: `ape compile` builds contracts/ offline, and `ape console` on the devnet
network has the library and the consortium of the deployment record at hand."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ccsi_dao.abi.artifacts import load_artifact
from tests.support import ROOT

pytestmark = pytest.mark.slow  # ape in subprocesses: a compile and a console

APE = str(Path(sys.executable).with_name("ape"))


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [APE, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_ape_compile_builds_the_contracts_offline(tmp_path: Path) -> None:
    """ape compiles through this checkout's compiler, with OpenZeppelin from node_modules, to the same bytecode as
    tools.build. The project leaves out the governor and the registry (ape's exclude): they link libraries, so
    ape-solidity compiles them (25 s of viaIR) only to say it cannot build them without the libraries' addresses
    (``add_library``); the contracts it does build, with their OpenZeppelin imports, show the same compiler and
    settings."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(ROOT / "contracts", project / "contracts", ignore=shutil.ignore_patterns("test"))
    config = (ROOT / "ape-config.yaml").read_text()
    assert "\ncompile:" not in config
    linked = ("ConsortiumGovernor", "ConsortiumMembership")
    (project / "ape-config.yaml").write_text(
        config + "compile:\n  exclude:\n" + "".join(f"    - {n}.sol\n" for n in linked)
    )
    (project / "node_modules").symlink_to(ROOT / "node_modules")
    result = _run(["compile"], project)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((project / ".build" / "__local__.json").read_text())
    types = manifest["contractTypes"]
    assert not set(linked) & set(types)
    for name in ("RuleBook", "ClassPower", "DecisionRules", "ConsortiumTimelock"):
        runtime = bytes.fromhex(types[name]["runtimeBytecode"]["bytecode"].removeprefix("0x"))
        ours = load_artifact(name).deployed_bytecode
        # Same compiler and settings: only the CBOR metadata at the end differs (ape names the sources differently).
        assert _without_metadata(runtime) == _without_metadata(ours)


def _without_metadata(code: bytes) -> bytes:
    return code[: -(int.from_bytes(code[-2:], "big") + 2)]


def test_ape_console_finds_the_consortium(deployed, anvil_url: str, tmp_path: Path) -> None:
    record = tmp_path / "deployment.json"
    deployed.record.save(record)
    code = "print('MEMBERS', len(dao.members()), dao.record.governor)"
    result = _run(
        [
            "console",
            "--network",
            "ethereum:local:node",
            "--provider-settings",
            json.dumps({"uri": anvil_url}),
            "-c",
            code,
        ],
        ROOT,
        {"CCSI_DAO_DEPLOYMENT": str(record)},
    )
    assert f"MEMBERS 12 {deployed.record.governor}" in result.stdout, result.stdout + result.stderr
