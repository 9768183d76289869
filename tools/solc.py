"""Find or install the pinned Solidity compiler, solc 0.8.28, for this checkout, where py-solc-x and ape-solidity
look for it.

Each checkout has its own compiler folder, ``<checkout>/.build/solcx`` (or ``$SOLCX_BINARY_PATH`` where that is
set), so setting up one checkout never changes another's compiler. A native ``solc-v0.8.28`` there, or a native
``solc`` 0.8.28 on PATH (copied there), is used when present. Otherwise :func:`ensure_solc` installs there an
executable built from ``scripts/solcjs-cli.js`` that runs this checkout's npm package ``solc@0.8.28`` (the same
compiler as WebAssembly) behind the native command line.

``python -m tools.solc --configure-venv`` (run by ``scripts/setup.sh``) also writes a ``.pth`` file into the running
virtual environment that sets ``SOLCX_BINARY_PATH`` to this checkout's folder at interpreter start-up, unless it
is already set, so ``ape compile`` and py-solc-x in this checkout's ``.venv`` find this checkout's compiler. See
DEVELOPERS.md, "Compiler".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from ccsi_dao.errors import ConfigError

SOLC_VERSION = "0.8.28"
SOLC_LONG_VERSION = "0.8.28+commit.7893614a"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
SOLCJS_MODULE = PROJECT_ROOT / "node_modules" / "solc"
SHIM_TEMPLATE = PROJECT_ROOT / "scripts" / "solcjs-cli.js"
SHIM_MARKER = "ccsi-dao solc-js shim"
SOLC_FOLDER = PROJECT_ROOT / ".build" / "solcx"
"""This checkout's compiler folder (unless ``$SOLCX_BINARY_PATH`` names another)."""
PTH_NAME = "ccsi_dao_solcx.pth"

# py-solc-x's own pattern (solcx.wrapper.VERSION_REGEX): (major.minor.patch)(nightly)(commit).
_VERSION_RE = re.compile(r"(\d+\.\d+\.\d+)(?:-nightly.\d+.\d+.\d+|)(\+commit.\w+)")


def solcx_folder() -> Path:
    """The compiler folder py-solc-x and ape-solidity use here: ``$SOLCX_BINARY_PATH``, else this checkout's
    ``.build/solcx``; created if missing."""
    folder = Path(os.environ.get("SOLCX_BINARY_PATH") or SOLC_FOLDER).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def solc_version_of(binary: Path) -> str | None:
    """``<version>+commit.<hash>`` reported by ``binary --version``, or None if it is not a working solc."""
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION_RE.search(out)
    return "".join(match.groups()) if match else None


def is_shim(binary: Path) -> bool:
    """Whether ``binary`` is a solc-js shim installed by :func:`ensure_solc` (not a native solc)."""
    try:
        with binary.open("rb") as f:
            return SHIM_MARKER.encode() in f.read(512)
    except OSError:
        return False


def ensure_solc() -> Path:
    """Return an executable solc 0.8.28 in py-solc-x's folder, installing the solc-js shim if needed."""
    target = solcx_folder() / f"solc-v{SOLC_VERSION}"
    if target.is_file() and not is_shim(target) and solc_version_of(target) == SOLC_LONG_VERSION:
        return target
    on_path = shutil.which("solc")
    if on_path and _is_native(Path(on_path)) and solc_version_of(Path(on_path)) == SOLC_LONG_VERSION:
        atomic_write(target, Path(on_path).read_bytes(), 0o755)
        return target
    return install_shim(target)


def _is_native(binary: Path) -> bool:
    """Whether ``binary`` may be a real solc: not our shim, nor solc-select's ``solc`` wrapper (slither installs
    it; offline it spends half a minute trying to download a compiler before failing)."""
    try:
        with binary.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return SHIM_MARKER.encode() not in head and b"solc_select" not in head


def install_shim(target: Path) -> Path:
    """Write the solc-js shim to ``target`` unless an identical one is already there."""
    node = shutil.which("node")
    if node is None:
        raise ConfigError(
            f"No native solc {SOLC_VERSION} found and `node` is not on PATH: install Node.js 20+ and run npm ci."
        )
    package_json = SOLCJS_MODULE / "package.json"
    if not package_json.is_file():
        raise ConfigError(
            f"No native solc {SOLC_VERSION} found and solc-js is missing from {SOLCJS_MODULE.parent}: run npm ci."
        )
    installed = json.loads(package_json.read_text(encoding="utf-8")).get("version")
    if installed != SOLC_VERSION:
        raise ConfigError(f"{SOLCJS_MODULE} is solc-js {installed}, not {SOLC_VERSION}: run npm ci.")

    template = SHIM_TEMPLATE.read_text(encoding="utf-8")
    key = hashlib.sha256("\0".join([template, node, str(SOLCJS_MODULE), installed]).encode()).hexdigest()[:16]
    header = f"#!{node}\n// {SHIM_MARKER} for solc {SOLC_VERSION}, generated by tools.solc (do not edit); key={key}\n"
    if target.is_file() and os.access(target, os.X_OK):
        with target.open("rb") as f:
            if f.read(len(header.encode())) == header.encode():
                return target

    long_version = subprocess.run(
        [node, "-e", "process.stdout.write(require(process.argv[1]).version())", str(SOLCJS_MODULE)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    ).stdout.strip()
    if not long_version.startswith(SOLC_LONG_VERSION + "."):
        raise ConfigError(
            f"{SOLCJS_MODULE} does not load as solc {SOLC_LONG_VERSION} (got {long_version!r}): run npm ci."
        )
    body = template.replace('"@@SOLC_MODULE@@"', json.dumps(str(SOLCJS_MODULE))).replace(
        '"@@SOLC_VERSION@@"', json.dumps(long_version)
    )
    atomic_write(target, (header + body).encode(), 0o755)
    if solc_version_of(target) != SOLC_LONG_VERSION:
        raise ConfigError(f"The solc-js shim installed at {target} does not report solc {SOLC_LONG_VERSION}.")
    return target


def atomic_write(target: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``target`` with a file holding ``data`` and permissions ``mode``, in one rename."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".ccsi-dao-", suffix=".tmp")  # never matches solc-v* or *.json
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def configure_venv(folder: Path = SOLC_FOLDER) -> Path:
    """Write the running virtual environment's ``.pth`` file that points py-solc-x (and so ape-solidity) at
    ``folder`` unless ``$SOLCX_BINARY_PATH`` is set; return its path."""
    if sys.prefix == sys.base_prefix:
        raise ConfigError("tools.solc --configure-venv must run in the project's virtual environment (.venv).")
    line = f"import os; os.environ.setdefault('SOLCX_BINARY_PATH', {str(folder)!r})\n"
    path = Path(sysconfig.get_paths()["purelib"]) / PTH_NAME
    if not (path.is_file() and path.read_text(encoding="utf-8") == line):
        atomic_write(path, line.encode())
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.solc [--configure-venv]``: make sure this checkout's solc 0.8.28 is installed; print it."""
    parser = argparse.ArgumentParser(prog="python -m tools.solc", description=main.__doc__)
    parser.add_argument("--configure-venv", action="store_true", help="point this venv's py-solc-x at this checkout")
    args = parser.parse_args(argv)
    try:
        if args.configure_venv:
            configure_venv()
        print(ensure_solc())
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
