"""Read the contract artifacts written by ``python -m tools.build``.

Production artifacts ship in the package (``ccsi_dao/abi/artifacts/``); test-only contracts live in
``tests/artifacts/`` and are read with :func:`load_test_artifact` (or ``directory=TEST_ARTIFACTS_DIR``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ccsi_dao.errors import ConfigError

TEST_ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "tests" / "artifacts"
"""Where a source checkout keeps the artifacts of ``contracts/test/`` (not part of the wheel)."""


@dataclass(frozen=True)
class Artifact:
    """One compiled contract. Shared between callers: treat ``abi`` as read-only."""

    name: str
    source_name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes
    metadata: str
    compiler_version: str


def _read(name: str, directory: Path | str | None) -> bytes:
    if not name.isidentifier():
        raise ConfigError(f"{name!r} is not a contract name.")
    try:
        if directory is None:
            return resources.files("ccsi_dao.abi").joinpath("artifacts", f"{name}.json").read_bytes()
        return (Path(directory) / f"{name}.json").read_bytes()
    except FileNotFoundError:
        where = directory or "ccsi_dao/abi/artifacts"
        raise ConfigError(
            f"There is no artifact for contract {name!r} in {where}: run python -m tools.build."
        ) from None


@cache
def load_artifact(name: str, directory: Path | str | None = None) -> Artifact:
    """The artifact of contract ``name``, from the package or from ``directory`` (e.g. TEST_ARTIFACTS_DIR)."""
    raw = _read(name, directory)
    try:
        data = json.loads(raw)
        return Artifact(
            name=data["contractName"],
            source_name=data["sourceName"],
            abi=data["abi"],
            bytecode=bytes.fromhex(data["bytecode"].removeprefix("0x")),
            deployed_bytecode=bytes.fromhex(data["deployedBytecode"].removeprefix("0x")),
            metadata=data["metadata"],
            compiler_version=data["compiler"]["version"],
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"The artifact of {name} is malformed ({exc!r}): run python -m tools.build.") from exc


def load_test_artifact(name: str) -> Artifact:
    """The artifact of a test-only contract (``contracts/test/``), from ``tests/artifacts/``."""
    return load_artifact(name, TEST_ARTIFACTS_DIR)


def artifact_sha256(name: str, directory: Path | str | None = None) -> str:
    """Hex sha256 of the artifact file's bytes, recorded with a deployment to pin what was deployed."""
    return hashlib.sha256(_read(name, directory)).hexdigest()


artifact_hash = artifact_sha256


def abi_type(item: dict[str, Any]) -> str:
    """The canonical type of an ABI input (tuples spelled out), as used in signatures and selectors."""
    t = str(item["type"])
    if t.startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in item["components"]) + ")" + t[5:]
    return t


def artifact_names(directory: Path | str | None = None) -> list[str]:
    """Names of the contracts with an artifact, sorted."""
    folder = resources.files("ccsi_dao.abi").joinpath("artifacts") if directory is None else Path(directory)
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))
