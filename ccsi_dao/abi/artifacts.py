"""Read the contract artifacts written by ``python -m tools.build``.

Production artifacts ship in the package (``ccsi_dao/abi/artifacts/``); test-only contracts live in
``tests/artifacts/`` and are read with :func:`load_test_artifact` (or ``directory=TEST_ARTIFACTS_DIR``).

A contract that calls linked libraries (the registry, the governor) has placeholders in its code where each
library's address goes (solc's ``linkReferences``): :meth:`Artifact.linked` fills them in; its ``bytecode`` and
``deployed_bytecode`` refuse to be read unlinked.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ccsi_dao.errors import ConfigError

TEST_ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "tests" / "artifacts"
"""Where a source checkout keeps the artifacts of ``contracts/test/`` (not part of the wheel)."""


LinkReferences = dict[str, dict[str, list[dict[str, int]]]]
"""solc's ``linkReferences``: source unit -> library name -> places (byte ``start`` and ``length``) in the code."""


@dataclass(frozen=True)
class Artifact:
    """One compiled contract. Shared between callers: treat ``abi`` as read-only."""

    name: str
    source_name: str
    abi: list[dict[str, Any]]
    creation_code: bytes
    runtime_code: bytes
    metadata: str
    compiler_version: str
    link_references: LinkReferences = field(default_factory=dict)
    deployed_link_references: LinkReferences = field(default_factory=dict)

    @property
    def libraries(self) -> tuple[str, ...]:
        """Names of the libraries this contract's code must be linked with, sorted."""
        return tuple(sorted({lib for refs in self.link_references.values() for lib in refs}))

    @property
    def bytecode(self) -> bytes:
        """The creation code; a contract that needs libraries must be :meth:`linked` first."""
        self._refuse_unlinked()
        return self.creation_code

    @property
    def deployed_bytecode(self) -> bytes:
        """The runtime code; a contract that needs libraries must be :meth:`linked` first."""
        self._refuse_unlinked()
        return self.runtime_code

    def linked(self, libraries: Mapping[str, str]) -> Artifact:
        """This artifact with each library's address (``libraries``: name -> address) written into its code."""
        missing = [name for name in self.libraries if name not in libraries]
        if missing:
            raise ConfigError(f"{self.name} needs the address of {', '.join(missing)} to be linked.")
        return replace(
            self,
            creation_code=_link(self.creation_code, self.link_references, libraries),
            runtime_code=_link(self.runtime_code, self.deployed_link_references, libraries),
            link_references={},
            deployed_link_references={},
        )

    def _refuse_unlinked(self) -> None:
        if self.link_references or self.deployed_link_references:
            raise ConfigError(f"{self.name} calls {', '.join(self.libraries)}: link it first (Artifact.linked).")


def _link(code: bytes, references: LinkReferences, libraries: Mapping[str, str]) -> bytes:
    out = bytearray(code)
    for refs in references.values():
        for library, places in refs.items():
            address = bytes.fromhex(libraries[library].removeprefix("0x"))
            if len(address) != 20:
                raise ConfigError(f"{libraries[library]!r} is not an address for library {library}.")
            for place in places:
                out[place["start"] : place["start"] + place["length"]] = address
    return bytes(out)


def _code(hex_code: str) -> bytes:
    """Code with solc's library placeholders (``__$<34 hex>$__``) read as zero bytes, to be filled by linking."""
    return bytes.fromhex(re.sub(r"__\$[0-9a-fA-F]{34}\$__", "0" * 40, hex_code.removeprefix("0x")))


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
            creation_code=_code(data["bytecode"]),
            runtime_code=_code(data["deployedBytecode"]),
            metadata=data["metadata"],
            compiler_version=data["compiler"]["version"],
            link_references=data.get("linkReferences", {}),
            deployed_link_references=data.get("deployedLinkReferences", {}),
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
