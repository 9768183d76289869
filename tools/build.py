"""Compile ``contracts/`` into deterministic JSON artifacts.

``python -m tools.build`` writes one artifact per deployable contract: contracts under
``contracts/test/`` go to ``tests/artifacts/``, all others to ``ccsi_dao/abi/artifacts/``; artifacts of
contracts that no longer exist are removed. ``--check`` writes nothing and exits 1, listing the
artifacts that differ from a fresh build. Sources (ours plus the OpenZeppelin files they import) are
passed to solc by content under stable names, so the same sources always give the same bytes.

Every build prints each contract's runtime and init-code size and fails when a deployable contract (outside
``contracts/test/``) comes within :data:`SIZE_MARGIN` bytes of EIP-170's runtime limit or EIP-3860's init-code
limit: a contract that grows into the limit should fail here, not at its first deployment.

solc's output is kept under ``.build/solc-cache`` by the SHA-256 of its input and version (:mod:`tools.compile_cache`):
a build of unchanged sources reuses it and takes a second. ``--force`` compiles regardless.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccsi_dao.errors import CcsiDaoError, ConfigError, UserError
from tools import compile_cache
from tools.solc import PROJECT_ROOT, SOLC_LONG_VERSION, atomic_write, ensure_solc

OZ_PREFIX = "@openzeppelin/contracts/"
OZ_VERSION = "5.7.0"
OZ_DIR = PROJECT_ROOT / "node_modules" / "@openzeppelin" / "contracts"
ARTIFACT_DIRS = (Path("ccsi_dao/abi/artifacts"), Path("tests/artifacts"))
# viaIR with 200 runs: the smallest governor that keeps every vote's gas at its best (runs 1 saves 600 bytes for
# about 1,000 gas more per vote; 1,000 runs costs 1,800 bytes and saves no gas). See DEVELOPERS.md.
SETTINGS: dict[str, Any] = {"optimizer": {"enabled": True, "runs": 200}, "viaIR": True, "evmVersion": "cancun"}
EIP170_RUNTIME_LIMIT = 24_576
EIP3860_INITCODE_LIMIT = 49_152
SIZE_MARGIN = 1_024
"""Bytes every deployable contract keeps free below both limits."""
OUTPUTS = [
    "abi",
    "evm.bytecode.object",
    "evm.bytecode.linkReferences",
    "evm.deployedBytecode.object",
    "evm.deployedBytecode.linkReferences",
    "metadata",
]

# Comments are dropped, string literals kept, so commented-out imports are ignored.
_COMMENT_OR_STRING = re.compile(r"""("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|//[^\n]*|/\*.*?\*/""", re.S)
_IMPORT = re.compile(r"""\bimport\s+(?:[^;"']*?\bfrom\s+)?["']([^"']+)["']""")


def _imports(code: str) -> list[str]:
    """Import paths named by a Solidity source."""
    return _IMPORT.findall(_COMMENT_OR_STRING.sub(lambda m: m.group(1) or " ", code))


def _source_file(unit: str, root: Path, importer: str | None) -> Path:
    """The file holding source unit ``unit`` (``contracts/...`` or ``@openzeppelin/contracts/...``)."""
    if unit.startswith("contracts/"):
        return root / unit
    if unit.startswith(OZ_PREFIX):
        return OZ_DIR / unit[len(OZ_PREFIX) :]
    raise ConfigError(f"{importer} imports {unit}, which is neither under contracts/ nor {OZ_PREFIX}.")


def collect_sources(root: Path = PROJECT_ROOT) -> dict[str, str]:
    """Every ``.sol`` under ``root/contracts`` plus the OpenZeppelin files they import, by source unit name."""
    oz_package = OZ_DIR / "package.json"
    if not oz_package.is_file() or json.loads(oz_package.read_text(encoding="utf-8")).get("version") != OZ_VERSION:
        raise ConfigError(f"OpenZeppelin Contracts {OZ_VERSION} is not installed in {OZ_DIR.parents[1]}: run npm ci.")
    ours = sorted(p.relative_to(root) for p in (root / "contracts").rglob("*.sol"))
    # Hidden folders are tool caches (ape unpacks dependencies into contracts/.cache), not sources.
    pending: list[tuple[str, str | None]] = [
        (p.as_posix(), None) for p in reversed(ours) if not any(part.startswith(".") for part in p.parts)
    ]
    if not pending:
        raise ConfigError(f"There are no .sol files under {root / 'contracts'}.")
    sources: dict[str, str] = {}
    while pending:
        unit, importer = pending.pop()
        if unit in sources:
            continue
        path = _source_file(unit, root, importer)
        if not path.is_file():
            raise ConfigError(f"{importer} imports {unit}, but {path} does not exist.")
        sources[unit] = path.read_text(encoding="utf-8")
        for imported in _imports(sources[unit]):
            if imported.startswith(("./", "../")):
                imported = posixpath.normpath(posixpath.join(posixpath.dirname(unit), imported))
            pending.append((imported, unit))
    return dict(sorted(sources.items()))


def standard_input(sources: dict[str, str]) -> dict[str, Any]:
    """The solc standard-JSON input compiling ``sources`` with the pinned settings."""
    return {
        "language": "Solidity",
        "sources": {unit: {"content": code} for unit, code in sorted(sources.items())},
        "settings": {**SETTINGS, "outputSelection": {"*": {"*": OUTPUTS}}},
    }


def compile_input(
    input_json: dict[str, Any], *, kept: dict[str, Any] | None = None, cache: Path | None = compile_cache.CACHE_DIR
) -> dict[str, Any]:
    """Run solc on ``input_json`` (or take ``kept``, the output of an identical compile) and keep the output in
    ``cache`` (see :mod:`tools.compile_cache`); print warnings, raise :class:`UserError` listing any errors."""
    fresh = kept is None
    output = _solc(input_json) if kept is None else kept
    for message in output.get("errors", []):
        print(_format(message), file=sys.stderr)
    if extra := set(output.get("sources", {})) - set(input_json["sources"]):
        raise ConfigError(f"solc read sources that were not given to it: {', '.join(sorted(extra))}.")
    if fresh and cache:
        compile_cache.store(input_json, output, cache)
    return output


def _solc(input_json: dict[str, Any]) -> dict[str, Any]:
    """solc's output for ``input_json``; :class:`UserError` listing the errors if it has any."""
    import solcx

    try:
        output: dict[str, Any] = solcx.compile_standard(input_json, solc_binary=ensure_solc())
    except solcx.exceptions.SolcError as exc:
        if not exc.error_dict:
            raise UserError(f"solc failed: {exc}") from exc
        messages = "\n".join(_format(e) for e in exc.error_dict if e["severity"] == "error")
        raise UserError(f"Compilation failed:\n{messages}") from exc
    return output


def _format(message: dict[str, Any]) -> str:
    """One solc error or warning as solc prints it."""
    return str(message.get("formattedMessage") or message["message"]).rstrip()


@dataclass(frozen=True)
class ContractSize:
    """Bytes of one compiled contract: its runtime code and its init code (without constructor arguments)."""

    name: str
    unit: str
    runtime: int
    init: int

    @property
    def deployable(self) -> bool:
        """Contracts under ``contracts/test/`` are only deployed by tests, on devnets."""
        return not self.unit.startswith("contracts/test/")

    def problems(self) -> list[str]:
        """Why this contract is too close to a limit, if it is."""
        if not self.deployable:
            return []
        out = []
        for what, size, limit, eip in (
            ("runtime code", self.runtime, EIP170_RUNTIME_LIMIT, "EIP-170"),
            ("init code", self.init, EIP3860_INITCODE_LIMIT, "EIP-3860"),
        ):
            if size > limit - SIZE_MARGIN:
                out.append(
                    f"{self.name}'s {what} is {size:,} bytes, within {SIZE_MARGIN:,} bytes of {eip}'s {limit:,}-byte "
                    f"limit ({limit - size:,} left): make it smaller before adding to it"
                )
        return out


def contract_sizes(output: dict[str, Any]) -> list[ContractSize]:
    """Sizes of every deployable contract solc compiled from ``contracts/``, by source unit and name."""
    sizes = []
    for unit, contracts in sorted(output.get("contracts", {}).items()):
        if not unit.startswith("contracts/"):
            continue
        for name, data in sorted(contracts.items()):
            bytecode = data["evm"]["bytecode"]["object"]
            if bytecode and data["abi"]:
                sizes.append(
                    ContractSize(name, unit, len(data["evm"]["deployedBytecode"]["object"]) // 2, len(bytecode) // 2)
                )
    return sizes


def check_sizes(sizes: list[ContractSize]) -> None:
    """Raise :class:`UserError` naming every deployable contract within the margin of a size limit."""
    problems = [problem for size in sizes for problem in size.problems()]
    if problems:
        raise UserError("Contract size:\n" + "\n".join(f"  {p}" for p in problems))


def format_sizes(sizes: list[ContractSize]) -> str:
    """The size table a build prints."""
    lines = [f"{'contract':<28} {'runtime':>8} {'free':>7} {'init':>8} {'free':>7}"]
    for size in sizes:
        if size.deployable:
            lines.append(
                f"{size.name:<28} {size.runtime:>8,} {EIP170_RUNTIME_LIMIT - size.runtime:>7,} "
                f"{size.init:>8,} {EIP3860_INITCODE_LIMIT - size.init:>7,}"
            )
    return "\n".join(lines)


def render_artifacts(output: dict[str, Any]) -> dict[Path, bytes]:
    """Artifact files (path relative to the project root -> bytes) for each deployable contract in ``contracts/``."""
    files: dict[Path, bytes] = {}
    for unit, contracts in sorted(output.get("contracts", {}).items()):
        if not unit.startswith("contracts/"):
            continue
        folder = ARTIFACT_DIRS[1] if unit.startswith("contracts/test/") else ARTIFACT_DIRS[0]
        for name, data in sorted(contracts.items()):
            bytecode = data["evm"]["bytecode"]["object"]
            if not bytecode or not data["abi"]:  # interfaces, abstract contracts, internal-only libraries
                continue
            path = folder / f"{name}.json"
            if path in files:
                raise ConfigError(f"Two deployable contracts are named {name}; artifact names must be unique.")
            metadata = json.loads(data["metadata"])
            if metadata["compiler"]["version"] != SOLC_LONG_VERSION:
                raise ConfigError(
                    f"{name} was compiled by solc {metadata['compiler']['version']}, not {SOLC_LONG_VERSION}."
                )
            artifact = {
                "contractName": name,
                "sourceName": unit,
                "abi": data["abi"],
                "bytecode": "0x" + bytecode,
                "deployedBytecode": "0x" + data["evm"]["deployedBytecode"]["object"],
                "linkReferences": data["evm"]["bytecode"]["linkReferences"],
                "deployedLinkReferences": data["evm"]["deployedBytecode"]["linkReferences"],
                "metadata": data["metadata"],
                "compiler": {"version": SOLC_LONG_VERSION, "settings": SETTINGS},
            }
            files[path] = (json.dumps(artifact, sort_keys=True, indent=2) + "\n").encode()
    return files


def build_files(root: Path = PROJECT_ROOT, *, report: bool = False, force: bool = False) -> dict[Path, bytes]:
    """Compile the sources under ``root`` and return the artifact files a build writes; with ``report``, print
    the size table; with ``force``, compile even when the output of an identical compile is kept (see
    :mod:`tools.compile_cache`). Raises :class:`UserError` if a deployable contract is within :data:`SIZE_MARGIN`
    of a limit."""
    input_json = standard_input(collect_sources(root))
    cache = compile_cache.CACHE_DIR
    kept = None if force else compile_cache.load(input_json, cache)
    if report and kept is not None:
        print(
            "The sources are those of the compile kept in .build/solc-cache: its output is reused (--force compiles)."
        )
    output = compile_input(input_json, kept=kept, cache=cache)
    sizes = contract_sizes(output)
    if report:
        print(format_sizes(sizes))
    check_sizes(sizes)
    return render_artifacts(output)


def differences(files: dict[Path, bytes], dest: Path = PROJECT_ROOT) -> list[str]:
    """Artifacts under ``dest`` that are missing, changed or stale compared with ``files``."""
    existing = {p.relative_to(dest) for d in ARTIFACT_DIRS for p in (dest / d).glob("*.json")}
    out = [f"added: {p}" for p in sorted(set(files) - existing)]
    out += [f"changed: {p}" for p in sorted(set(files) & existing) if (dest / p).read_bytes() != files[p]]
    out += [f"stale: {p}" for p in sorted(existing - set(files))]
    return out


def write_files(files: dict[Path, bytes], dest: Path = PROJECT_ROOT) -> list[str]:
    """Make the artifact folders under ``dest`` hold exactly ``files``; return what changed."""
    changes = differences(files, dest)
    for rel, data in files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_file() and target.read_bytes() == data:
            continue
        atomic_write(target, data)
    for d in ARTIFACT_DIRS:
        for stale in (dest / d).glob("*.json"):
            if stale.relative_to(dest) not in files:
                stale.unlink()
    return changes


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m tools.build", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the artifacts differ from a fresh build")
    parser.add_argument("--force", action="store_true", help="compile even if .build/solc-cache holds these sources")
    args = parser.parse_args(argv)
    try:
        files = build_files(report=True, force=args.force)
    except CcsiDaoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.check:
        if diffs := differences(files):
            print(
                "Artifacts differ from a fresh build (run python -m tools.build):", *diffs, sep="\n  ", file=sys.stderr
            )
            return 1
        print(f"{len(files)} artifacts are up to date.")
        return 0
    changes = write_files(files)
    print(f"{len(files)} artifacts, {len(changes)} updated" + "".join(f"\n  {c}" for c in changes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
