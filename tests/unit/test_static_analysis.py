"""Static analysis: slither over the contracts, offline, with every High or Medium finding justified.

forge (the npm package @foundry-rs/forge) compiles ``contracts/`` (without ``contracts/test/``, and without the Foundry
tests under ``tests/foundry/``, which foundry.toml's ``test`` setting would otherwise add) with the project's
pinned solc 0.8.28 (``tools.solc.ensure_solc``, offline) with build info, into a folder of its own per
version of the sources (``.build/slither/<hash>``, reused while they do not change); slither reads that build
(``--foundry-ignore-compile``) and reports findings outside OpenZeppelin and the test contracts. Each
High or Medium finding must be accepted in ``contracts/SLITHER.md`` (detector, file, function, statement and a
justification), and each entry there must still match a finding.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import ROOT
from tools.build import collect_sources
from tools.solc import SOLC_LONG_VERSION, ensure_solc

FORGE_DIR = ROOT / "node_modules" / "@foundry-rs" / "forge-linux-amd64" / "bin"
ACCEPTED = ROOT / "contracts" / "SLITHER.md"
FAILING_IMPACTS = {"High", "Medium"}


@dataclass(frozen=True)
class Finding:
    detector: str
    impact: str
    file: str
    function: str
    text: str  # slither's description, which quotes the statement


@dataclass(frozen=True)
class Accepted:
    detector: str
    file: str
    function: str
    statement: str
    justification: str

    def matches(self, finding: Finding) -> bool:
        return (self.detector, self.file, self.function) == (finding.detector, finding.file, finding.function) and (
            self.statement in finding.text
        )


def accepted_findings(path: Path = ACCEPTED) -> list[Accepted]:
    """The table of ``contracts/SLITHER.md``: one accepted finding per row."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| detector") or line.startswith("|---"):
            continue
        cells = [c.strip().replace("\\|", "|") for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == 5 and all(cells), f"malformed row in {path.name}: {line}"
        rows.append(Accepted(*cells))
    return rows


def _function_of(finding: dict) -> str:
    first = finding["elements"][0]
    if first["type"] == "function":
        return first["name"]
    return first.get("type_specific_fields", {}).get("parent", {}).get("name", "")


def sources_key() -> str:
    """Hash of everything the build depends on: our sources (not the test contracts), the OpenZeppelin files they
    import, foundry.toml and the compiler version."""
    digest = hashlib.sha256(SOLC_LONG_VERSION.encode())
    digest.update((ROOT / "foundry.toml").read_bytes())
    for unit, code in collect_sources(ROOT).items():
        if not unit.startswith("contracts/test/"):
            digest.update(f"\0{unit}\0{code}".encode())
    return digest.hexdigest()[:16]


def forge_build(env: dict[str, str]) -> Path:
    """A forge build with build info of the current sources, made once per version of them.

    Each build goes to its own folder (``.build/slither/<sources key>``), so slither never sees build info of
    sources that have changed since (it refuses stale source maps).
    """
    out = ROOT / ".build" / "slither" / sources_key()
    if (out / "build-info").is_dir():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="building-", dir=out.parent))  # same file system: the rename is atomic
    try:
        build = subprocess.run(
            [
                str(FORGE_DIR / "forge"),
                "build",
                "--build-info",
                "--offline",
                "--use",
                str(ensure_solc()),
                "--skip",
                "contracts/test/**",
                "tests/foundry/**",  # neither the test contracts nor the Foundry tests
                "--out",
                str(scratch / "out"),
                "--cache-path",
                str(scratch / "cache"),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert build.returncode == 0, f"forge build failed:\n{build.stdout}\n{build.stderr}"
        shutil.rmtree(out, ignore_errors=True)
        os.replace(scratch / "out", out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out


def run_slither(work: Path) -> list[Finding]:
    """Build the contracts with forge (or reuse the build of the same sources), run slither; every finding."""
    env = {**os.environ, "PATH": f"{FORGE_DIR}{os.pathsep}{os.environ.get('PATH', '')}"}
    out, report = forge_build(env), work / "slither.json"
    analysis = subprocess.run(
        [
            sys.executable,
            "-m",
            "slither",
            ".",
            "--foundry-ignore-compile",
            "--foundry-out-directory",
            str(out),
            "--filter-paths",
            "node_modules|contracts/test",
            "--exclude-informational",
            "--exclude-low",
            "--exclude-optimization",
            "--json",
            str(report),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert report.is_file(), f"slither wrote no report:\n{analysis.stdout}\n{analysis.stderr}"
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["success"], f"slither failed: {result.get('error')}\n{analysis.stderr}"
    return [
        Finding(
            f["check"],
            f["impact"],
            f["elements"][0]["source_mapping"]["filename_relative"],
            _function_of(f),
            f["description"],
        )
        for f in result["results"].get("detectors", [])
    ]


@pytest.mark.slow
def test_no_unexplained_high_or_medium_finding(tmp_path: Path) -> None:
    findings = run_slither(tmp_path)
    accepted = accepted_findings()
    serious = [f for f in findings if f.impact in FAILING_IMPACTS]
    assert all(f.file.startswith("contracts/") and not f.file.startswith("contracts/test/") for f in findings)

    unexplained = [f for f in serious if not any(a.matches(f) for a in accepted)]
    stale = [a for a in accepted if not any(a.matches(f) for f in serious)]
    assert not unexplained, "slither findings not justified in contracts/SLITHER.md:\n" + "\n".join(
        f"  {f.impact} {f.detector} {f.file} {f.function}: {f.text.strip()}" for f in unexplained
    )
    assert not stale, "contracts/SLITHER.md justifies findings slither no longer reports:\n" + "\n".join(
        f"  {a.detector} {a.file} {a.function}: {a.statement}" for a in stale
    )


def test_the_accepted_findings_file_is_well_formed() -> None:
    rows = accepted_findings()
    assert rows, "contracts/SLITHER.md lists no finding"
    for row in rows:
        assert (ROOT / row.file).is_file(), row
        assert row.function in (ROOT / row.file).read_text(encoding="utf-8"), row
        assert len(row.justification) > 40, f"justify {row.detector} in {row.function} in a sentence"
