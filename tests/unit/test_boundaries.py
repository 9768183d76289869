"""The layers stay as the folders say: only ``ccsi_dao/chain/`` speaks JSON-RPC, nothing uses web3's private API, and
imports run downwards only (cli -> audit -> decisionlog -> governance -> agreement, abi -> chain -> errors, types).

Checked by reading the source (every import, including those inside functions and under ``TYPE_CHECKING``), so a
new module or a new import that crosses a boundary fails here with its file and line.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ccsi_dao"

# Each part of the library and its layer: a module may import its own part and any part of a lower layer.
LAYERS = {
    "errors": 0,
    "types": 1, "fileio": 1, "durations": 1, "addresses": 1, "safetext": 1,
    "chain": 2,
    "abi": 3, "agreement": 3, "devnet": 3,
    "governance": 4,
    "decisionlog": 5, "settings": 5,
    "audit": 6, "watch": 6,
    "web": 7,
    "cli": 8,
}  # fmt: skip
# web3's transport (providers, raw requests, batches) and its private modules: only chain/ may use them.
TRANSPORT_MODULES = re.compile(
    r"^(web3\.providers|web3\._utils|web3\.manager|requests|urllib3|urllib\.request|http\.client|aiohttp|websockets)\b"
)
TRANSPORT_NAMES = {"HTTPProvider", "AsyncHTTPProvider", "IPCProvider", "WebSocketProvider", "LegacyWebSocketProvider"}
PRIVATE_USE = re.compile(
    r"\._encode_transaction_data\b|\bmake_request\b|\bmake_batch_request\b|\bprovider\.|\.w3\.eth\.|\bw3\.eth\.|"
    r"\._rpc\(|\.codec\._registry\b|\bweb3\._utils\b"
)


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _part(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every import in ``path``, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(("ccsi_dao", *path.relative_to(PACKAGE).with_suffix("").parts[:-1]))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def test_every_part_has_a_layer() -> None:
    parts = {_part(p) for p in _modules()} - {"__init__"}
    assert parts <= set(LAYERS), f"give these a layer in LAYERS: {sorted(parts - set(LAYERS))}"


@pytest.mark.parametrize(
    "path", [p for p in _modules() if _part(p) != "__init__"], ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_imports_run_downwards_only(path: Path) -> None:
    own = _part(path)
    wrong = []
    for line, module in _imports(path):
        names = module.split(".")
        if names[0] != "ccsi_dao" or len(names) < 2 or names[1] == "__version__":
            continue
        other = names[1]
        if other != own and other in LAYERS and LAYERS[other] >= LAYERS[own]:
            wrong.append(f"line {line}: {own} (layer {LAYERS[own]}) imports {module} (layer {LAYERS[other]})")
    assert not wrong, "\n".join(wrong)


# Plain HTTP that is not JSON-RPC: the watch's webhook client (one module, http.client only).
NOT_JSON_RPC = {"watch/webhook.py": {"http.client"}}


def test_only_the_chain_package_imports_web3_transport() -> None:
    wrong = []
    for path in _modules():
        if _part(path) == "chain":
            continue
        allowed = NOT_JSON_RPC.get(str(path.relative_to(PACKAGE)), set())
        for line, module in _imports(path):
            if ".".join(module.split(".")[:2]) in allowed:
                continue
            if TRANSPORT_MODULES.match(module) or module.rsplit(".", 1)[-1] in TRANSPORT_NAMES:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert not wrong, "only ccsi_dao/chain/ may speak JSON-RPC:\n" + "\n".join(wrong)


def test_only_the_chain_package_sends_requests_or_touches_private_apis() -> None:
    wrong = []
    for path in _modules():
        if _part(path) == "chain":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0]
            if (match := PRIVATE_USE.search(code)) is not None:
                wrong.append(f"{path.relative_to(PACKAGE)}:{number}: {match.group(0)}  ({line.strip()[:100]})")
    assert not wrong, "use ccsi_dao.chain (Chain, Transport, LogFetcher) instead:\n" + "\n".join(wrong)


def test_the_check_catches_what_it_should() -> None:
    """The patterns above are not vacuous: they match the chain package's own use of web3's transport."""
    chain = PACKAGE / "chain"
    text = "\n".join(p.read_text(encoding="utf-8") for p in chain.glob("*.py"))
    assert PRIVATE_USE.search(text) and "make_batch_request" in text and "_encode_transaction_data" in text
    assert any(TRANSPORT_MODULES.match(m) for p in chain.glob("*.py") for _, m in _imports(p))
