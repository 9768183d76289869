"""Each checkout has its own compiler: setting up one checkout never repoints another's.

Two checkouts side by side, each with its own tools/, shim template, solc-js (node_modules/solc) and venv, are set
up one after the other as scripts/setup.sh does it (``python -m tools.solc --configure-venv`` in the checkout's venv,
no ``$SOLCX_BINARY_PATH``). Each gets its solc in its own ``.build/solcx``, running its own solc-js; each venv's
py-solc-x (which ape-solidity asks) finds its own checkout's; and the second set-up leaves the first checkout's
compiler byte for byte as it was. ~/.solcx is not touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.support import ROOT
from tools.solc import SOLC_LONG_VERSION, SOLC_VERSION, solc_version_of

pytestmark = pytest.mark.slow


def _checkout(folder: Path) -> Path:
    """A checkout with what the compiler set-up reads, and a venv that has this venv's packages."""
    (folder / "scripts").mkdir(parents=True)
    shutil.copytree(ROOT / "tools", folder / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "scripts" / "solcjs-cli.js", folder / "scripts" / "solcjs-cli.js")
    modules = folder / "node_modules"  # its own solc-js; the packages solc-js requires, shared by symlink
    modules.mkdir()
    for entry in (ROOT / "node_modules").iterdir():
        if entry.name == "solc":
            shutil.copytree(entry, modules / "solc", symlinks=True)
        elif not entry.name.startswith("@"):
            (modules / entry.name).symlink_to(entry)
    venv.create(folder / ".venv", with_pip=False)
    site = _run(folder, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    # this venv's packages and the ccsi_dao sources (path lines: no .pth of this venv runs there)
    (Path(site) / "deps.pth").write_text(f"{sysconfig.get_paths()['purelib']}\n{ROOT}\n")
    return folder


def _run(checkout: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("SOLCX_BINARY_PATH", "PYTHONPATH")}
    env["HOME"] = str(checkout.parent / "home")
    result = subprocess.run(
        [str(checkout / ".venv" / "bin" / "python"), *args], cwd=checkout, env=env, capture_output=True, text=True,
        timeout=180, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _set_up(checkout: Path) -> Path:
    return Path(_run(checkout, "-m", "tools.solc", "--configure-venv").strip().splitlines()[-1])


def _solcx_folder(checkout: Path) -> Path:
    return Path(_run(checkout, "-c", "import solcx; print(solcx.get_solcx_install_folder())").strip())


def test_setting_up_one_checkout_leaves_the_others_compiler_alone(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    first, second = _checkout(tmp_path / "first"), _checkout(tmp_path / "second")

    first_solc = _set_up(first)
    assert first_solc == first / ".build" / "solcx" / f"solc-v{SOLC_VERSION}"
    assert str(first / "node_modules" / "solc") in first_solc.read_text()
    before = (first_solc.read_bytes(), first_solc.stat().st_mtime_ns)

    second_solc = _set_up(second)
    assert second_solc == second / ".build" / "solcx" / f"solc-v{SOLC_VERSION}"
    assert str(second / "node_modules" / "solc") in second_solc.read_text()
    assert str(first) not in second_solc.read_text()

    assert (first_solc.read_bytes(), first_solc.stat().st_mtime_ns) == before  # untouched by the second set-up
    assert _solcx_folder(first) == first / ".build" / "solcx"  # where py-solc-x and ape look, per venv
    assert _solcx_folder(second) == second / ".build" / "solcx"
    shutil.rmtree(second / "node_modules" / "solc")  # the first checkout's compiler does not need the second's
    assert solc_version_of(first_solc) == SOLC_LONG_VERSION
    assert not (tmp_path / "home" / ".solcx").exists()


def test_this_venv_points_py_solc_x_at_this_checkout() -> None:
    """scripts/setup.sh wrote the .pth that makes this checkout's compiler the one py-solc-x (and ape) use."""
    env = {k: v for k, v in os.environ.items() if k != "SOLCX_BINARY_PATH"}
    code = "import solcx; print(solcx.get_solcx_install_folder())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60)
    assert Path(out.stdout.strip()) == ROOT / ".build" / "solcx"
