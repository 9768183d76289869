"""solc's output for a standard-JSON input, kept under ``.build/solc-cache`` so the same input is compiled once.

solc's output is a function of its input and its version alone. ``tools.build`` passes every source by content, so
the input is the whole of what is compiled. An entry is named by the SHA-256 of the compiler's long version and the
canonical JSON of the input: an edited source, another OpenZeppelin file, other settings or another compiler give
another name. As ``forge build`` and Hardhat keep their caches, this one makes a rebuild with nothing changed take a
second instead of a viaIR compile (about 40 s with solc-js): ``python -m tools.build`` and ``--check``, and the
suite's comparison of the committed artifacts with a build. ``python -m tools.build --force`` compiles regardless.

Only outputs without errors are kept, each written in one rename; an entry that cannot be read is compiled again and
replaced. The :data:`KEEP` most recently used entries stay; older ones are deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from tools.solc import PROJECT_ROOT, SOLC_LONG_VERSION, atomic_write

CACHE_DIR = PROJECT_ROOT / ".build" / "solc-cache"
KEEP = 8
"""Entries kept: a few recent states of the sources, each a few megabytes."""


def cache_key(input_json: dict[str, Any]) -> str:
    """The name of ``input_json``'s entry: SHA-256 of the compiler's long version and the input's canonical JSON."""
    canonical = json.dumps([SOLC_LONG_VERSION, input_json], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load(input_json: dict[str, Any], cache: Path = CACHE_DIR) -> dict[str, Any] | None:
    """The output kept for ``input_json``, or None when there is none or it cannot be read."""
    entry = cache / f"{cache_key(input_json)}.json"
    try:
        output = json.loads(entry.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(output, dict) or not isinstance(output.get("contracts"), dict):
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)  # most recently used: the last to be pruned
    return output


def store(input_json: dict[str, Any], output: dict[str, Any], cache: Path = CACHE_DIR) -> Path | None:
    """Keep ``output`` (an output without errors) for ``input_json``; return the entry, or None if it cannot be
    written (a read-only checkout still builds, it only compiles every time)."""
    try:
        cache.mkdir(parents=True, exist_ok=True)
        entry = cache / f"{cache_key(input_json)}.json"
        atomic_write(entry, json.dumps(output, separators=(",", ":")).encode("utf-8"))
        _prune(cache)
    except OSError:
        return None
    return entry


def _prune(cache: Path) -> None:
    """Delete all but the :data:`KEEP` most recently used entries."""
    entries = sorted(cache.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
