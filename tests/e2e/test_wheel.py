"""``pip install .`` builds a wheel that works with no compiler and no Node.js: the committed artifacts are inside,
the build tooling (tools/) and the tests are not, and the installed ``ccsi-dao`` runs.

The wheel is built from a copy of the package's sources and installed without its dependencies into a fresh venv
that sees this venv's installed dependencies (but not its editable ccsi_dao), with a PATH holding only that venv.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, f"$ {' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "ccsi_dao", source / "ccsi_dao", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, source, cwd=source)
    (built,) = out.glob("ccsi_dao-*.whl")
    return built


def test_the_wheel_holds_the_library_and_its_artifacts_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for artifact in ("ConsortiumGovernor", "ConsortiumMembership", "ConsortiumTimelock"):
        assert f"ccsi_dao/abi/artifacts/{artifact}.json" in names
    assert "ccsi_dao/py.typed" in names and "ccsi_dao/chain/connection.py" in names
    for part in ("templates/base.html", "templates/log.html", "static/dashboard.css", "static/dashboard.js"):
        assert f"ccsi_dao/web/{part}" in names  # ccsi-dao serve's pages, stylesheet and script
    assert not [
        n for n in names if n.startswith(("tools/", "tests/", "benchmarks/", "contracts/")) or n.endswith(".sol")
    ]


def test_the_installed_wheel_runs_without_compiler_or_node(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "venv"
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # dependencies only: no .pth runs there
    _run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    env = {"PATH": str(target / "bin"), "HOME": str(tmp_path), "CCSI_DAO_HOME": str(tmp_path / "home"), "CI": "true"}
    assert shutil.which("node", path=env["PATH"]) is None and shutil.which("solc", path=env["PATH"]) is None

    code = (
        "import ccsi_dao, pathlib; from ccsi_dao.abi.artifacts import load_artifact; "
        "print(pathlib.Path(ccsi_dao.__file__).parent); "
        "governor = load_artifact('ConsortiumGovernor'); "
        "print(len(governor.linked({n: '0x' + '11' * 20 for n in governor.libraries}).deployed_bytecode)); "
        "print(ccsi_dao.load_agreement('small.yaml').consortium)"
    )
    shutil.copy(ROOT / "examples" / "small.yaml", tmp_path / "small.yaml")
    shutil.copy(ROOT / "examples" / "small-agreement.md", tmp_path / "small-agreement.md")
    package, size, consortium = _run(python, "-c", code, cwd=tmp_path, env=env).splitlines()
    assert Path(package).is_relative_to(target) and int(size) > 15_000 and consortium
    assert _run(target / "bin" / "ccsi-dao", "--help", cwd=tmp_path, env=env).startswith("Usage: ccsi-dao ")
    assert "problem" not in _run(target / "bin" / "ccsi-dao", "agreement", "check", "small.yaml", cwd=tmp_path, env=env)
    tools = subprocess.run([python, "-c", "import tools.build"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert (
        tools.returncode != 0 and "No module named 'tools'" in tools.stderr
    )  # the build tooling stays in the checkout
