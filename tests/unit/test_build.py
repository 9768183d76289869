"""The build is reproducible and the pinned compiler works the way py-solc-x and ape-solidity call it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import solcx
from packaging.version import Version

from ccsi_dao.abi.artifacts import (
    TEST_ARTIFACTS_DIR,
    artifact_names,
    artifact_sha256,
    load_artifact,
    load_test_artifact,
)
from tools import build, compile_cache
from tools.solc import PROJECT_ROOT, SOLC_LONG_VERSION, ensure_solc, install_shim, is_shim

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[Path, bytes], Path]:
    """The build of contracts/, written into a temp tree: solc's output for exactly these sources, kept in
    .build/solc-cache by scripts/setup.sh's ``tools.build --check``, or compiled here (about 40 s) where it is not."""
    files = build.build_files()
    dest = tmp_path_factory.mktemp("fresh-build")
    build.write_files(files, dest)
    return files, dest


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The solc-js shim, installed in a temp folder whatever ensure_solc() picks on this machine."""
    return install_shim(tmp_path_factory.mktemp("solcx") / "solc-v0.8.28")


def test_committed_artifacts_match_a_fresh_build(fresh: tuple[dict[Path, bytes], Path]) -> None:
    files, dest = fresh
    assert files, "the build produced no artifacts"
    for folder in build.ARTIFACT_DIRS:
        assert sorted(p.name for p in (dest / folder).glob("*.json")) == sorted(
            p.name for p in (PROJECT_ROOT / folder).glob("*.json")
        ), f"{folder}: run python -m tools.build"
    assert build.differences(files, PROJECT_ROOT) == [], "run python -m tools.build and commit the artifacts"


def test_artifacts_load_and_match_their_source(fresh: tuple[dict[Path, bytes], Path]) -> None:
    files, _ = fresh
    for rel in files:
        directory = TEST_ARTIFACTS_DIR if rel.parent == build.ARTIFACT_DIRS[1] else None
        artifact = load_artifact(rel.stem, directory)
        assert artifact.name == rel.stem and artifact.compiler_version == SOLC_LONG_VERSION
        assert artifact.creation_code and artifact.runtime_code and artifact.source_name.startswith("contracts/")
        assert (rel.parent == build.ARTIFACT_DIRS[1]) == artifact.source_name.startswith("contracts/test/")
        assert len(artifact_sha256(rel.stem, directory)) == 64
    assert artifact_names() == sorted(p.stem for p in files if p.parent == build.ARTIFACT_DIRS[0])
    assert artifact_names(TEST_ARTIFACTS_DIR) == sorted(p.stem for p in files if p.parent == build.ARTIFACT_DIRS[1])
    for name in artifact_names(TEST_ARTIFACTS_DIR):
        assert load_test_artifact(name).source_name.startswith("contracts/test/")


def test_write_files_is_idempotent_and_removes_stale_artifacts(
    fresh: tuple[dict[Path, bytes], Path], tmp_path: Path
) -> None:
    files, _ = fresh
    build.write_files(files, tmp_path)
    some = next(iter(files))
    (tmp_path / some).write_text("{}\n")
    (tmp_path / build.ARTIFACT_DIRS[0] / "Gone.json").write_text("{}\n")
    assert build.differences(files, tmp_path) == [f"changed: {some}", f"stale: {build.ARTIFACT_DIRS[0] / 'Gone.json'}"]
    build.write_files(files, tmp_path)
    assert build.differences(files, tmp_path) == []
    assert build.write_files(files, tmp_path) == []


def test_imports_ignore_comments() -> None:
    code = 'import "a.sol"; // import "b.sol";\n/* import "c.sol"; */ import {X as Y} from "./d.sol";\nimport * as Z from \'../e.sol\';'
    assert build._imports(code) == ["a.sol", "./d.sol", "../e.sol"]


def test_ensure_solc_is_idempotent_and_reports_the_pinned_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path))
    first = ensure_solc()
    stat = first.stat()
    assert ensure_solc() == first == tmp_path / "solc-v0.8.28"
    assert (first.stat().st_ino, first.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    assert solcx.wrapper.get_solc_version(first, with_commit_hash=True) == Version(SOLC_LONG_VERSION)
    assert solcx.get_installed_solc_versions() == [Version("0.8.28")]
    assert [p.name for p in tmp_path.iterdir()] == ["solc-v0.8.28"]


def test_ensure_solc_prefers_a_native_solc_and_replaces_a_broken_one(
    shim: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, bin_dir = tmp_path / "solcx", tmp_path / "bin"
    folder.mkdir()
    bin_dir.mkdir()
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(folder))
    (folder / "solc-v0.8.28").write_text("#!/bin/sh\necho 'Version: 0.8.27+commit.40a35a09'\n")
    (folder / "solc-v0.8.28").chmod(0o755)
    native = bin_dir / "solc"  # stands in for a native solc 0.8.28 on PATH
    native.write_text(f'#!/bin/sh\nexec {shim} "$@"\n')
    native.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert ensure_solc() == folder / "solc-v0.8.28"
    assert (folder / "solc-v0.8.28").read_bytes() == native.read_bytes()
    native.unlink()
    (folder / "solc-v0.8.28").write_text("#!/bin/sh\nexit 1\n")
    assert is_shim(ensure_solc())


def test_shim_version_satisfies_solcx(shim: Path) -> None:
    assert is_shim(shim)
    assert solcx.wrapper.get_solc_version(shim, with_commit_hash=True) == Version(SOLC_LONG_VERSION)
    assert solcx.wrapper.get_solc_version(shim) == Version("0.8.28")


def test_shim_standard_json_resolves_imports_like_ape_solidity(shim: Path) -> None:
    """ape-solidity calls compile_standard(..., base_path=<project>); missing imports go through the callback."""
    source = 'pragma solidity 0.8.28;\nimport {Context} from "@openzeppelin/contracts/utils/Context.sol";\ncontract C is Context {}\n'
    out = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": {"contracts/C.sol": {"content": source}},
            "settings": {"outputSelection": {"*": {"*": ["evm.bytecode.object"]}}},
        },
        base_path=PROJECT_ROOT,
        solc_binary=shim,
    )
    assert set(out["sources"]) == {"contracts/C.sol", "@openzeppelin/contracts/utils/Context.sol"}
    assert out["contracts"]["contracts/C.sol"]["C"]["evm"]["bytecode"]["object"]


def test_shim_combined_json_like_ape_compile_code(shim: Path) -> None:
    """ape-solidity's compile_code uses solcx.compile_source: --help, then --combined-json on stdin."""
    out = solcx.compile_source(
        "pragma solidity 0.8.28; contract A { function f() external pure returns (uint) { return 1; } }",
        solc_binary=shim,
        optimize=True,
        evm_version="cancun",
    )
    contract = out["<stdin>:A"]
    assert contract["abi"][0]["name"] == "f" and contract["bin"] and contract["bin-runtime"]
    assert contract["ast"]["nodeType"] == "SourceUnit" and "f()" in json.dumps(contract["hashes"])
    with pytest.raises(solcx.exceptions.SolcError, match="ParserError"):
        solcx.compile_source("contract {", solc_binary=shim)


def _input(code: str, runs: int = 200) -> dict[str, object]:
    return {
        "language": "Solidity",
        "sources": {"contracts/A.sol": {"content": code}},
        "settings": {
            "optimizer": {"enabled": True, "runs": runs},
            "outputSelection": {"*": {"*": ["evm.bytecode.object"]}},
        },
    }


A = "pragma solidity 0.8.28; contract A { function f() external pure returns (uint) { return 1; } }"


def test_a_kept_compile_serves_only_the_same_input_and_compiler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build.compile_input(_input(A), cache=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f"{compile_cache.cache_key(_input(A))}.json"]
    assert compile_cache.load(_input(A), tmp_path) == first
    # Any other byte of source, another setting or another compiler is another entry.
    assert compile_cache.load(_input(A.replace("return 1", "return 2")), tmp_path) is None
    assert compile_cache.load(_input(A, runs=201), tmp_path) is None
    assert compile_cache.cache_key(_input(A)) != compile_cache.cache_key(_input(A + " "))
    second = build.compile_input(_input(A.replace("return 1", "return 2")), cache=tmp_path)
    assert second["contracts"]["contracts/A.sol"]["A"] != first["contracts"]["contracts/A.sol"]["A"]
    assert len(list(tmp_path.iterdir())) == 2
    monkeypatch.setattr(compile_cache, "SOLC_LONG_VERSION", "0.8.29+commit.ab55807c")
    assert compile_cache.load(_input(A), tmp_path) is None


def test_a_damaged_entry_is_compiled_again_and_replaced(tmp_path: Path) -> None:
    entry = tmp_path / f"{compile_cache.cache_key(_input(A))}.json"
    for damage in (b"", b'{"contracts": ', b"[]", b'{"errors": []}'):
        entry.write_bytes(damage)
        assert compile_cache.load(_input(A), tmp_path) is None
        output = build.compile_input(_input(A), cache=tmp_path)
        assert output["contracts"]["contracts/A.sol"]["A"]["evm"]["bytecode"]["object"]
        assert compile_cache.load(_input(A), tmp_path) == output


def test_a_failed_compile_is_not_kept(tmp_path: Path) -> None:
    with pytest.raises(build.UserError, match="ParserError"):
        build.compile_input(_input("contract {"), cache=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_most_recently_used_entries_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compile_cache, "KEEP", 2)
    inputs = [_input(A, runs=r) for r in (1, 2, 3)]
    for i, one in enumerate(inputs[:2]):
        compile_cache.store(one, {"contracts": {"n": i}}, tmp_path)
        os.utime(tmp_path / f"{compile_cache.cache_key(one)}.json", ns=(10**18 + i, 10**18 + i))
    assert compile_cache.load(inputs[0], tmp_path) == {"contracts": {"n": 0}}  # used now: newer than the second
    compile_cache.store(inputs[2], {"contracts": {"n": 2}}, tmp_path)
    assert [compile_cache.load(one, tmp_path) is not None for one in inputs] == [True, False, True]
    (tmp_path / "a-file").write_text("")
    assert compile_cache.store(inputs[1], {"contracts": {}}, tmp_path / "a-file" / "cache") is None  # cannot be written


def test_force_compiles_past_a_kept_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build reuses what the cache holds for its sources (the cache is trusted as the checkout is); --force does
    not read it, and replaces it."""
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "A.sol").write_text(A)
    cache = tmp_path / "cache"
    monkeypatch.setattr(compile_cache, "CACHE_DIR", cache)
    real = build.build_files(tmp_path)
    input_json = build.standard_input(build.collect_sources(tmp_path))
    planted = compile_cache.load(input_json, cache)
    assert planted is not None
    planted["contracts"]["contracts/A.sol"]["A"]["abi"] = [{"type": "fallback", "stateMutability": "payable"}]
    compile_cache.store(input_json, planted, cache)
    assert build.build_files(tmp_path) != real
    assert build.build_files(tmp_path, force=True) == real
    assert build.build_files(tmp_path) == real
