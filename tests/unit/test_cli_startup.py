"""``ccsi-dao --help`` starts fast because it imports nothing heavy: no web3, eth-account or pydantic (the library
imports them inside the commands), and no rich, markdown-it or pygments (typer's rich help, switched off).

Checked by what a fresh interpreter has imported after the help, not by a wall time (too noisy on shared machines).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "web3",
    "eth_account",
    "eth_abi",
    "eth_utils",
    "eth_keys",
    "hexbytes",
    "requests",
    "aiohttp",
    "websockets",
    "pydantic",
    "pydantic_core",
    "yaml",
    "rich",
    "markdown_it",
    "pygments",
)

PROBE = """
import json, sys
args, watched = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
import ccsi_dao.cli.main
sys.argv = ["ccsi-dao", *args]
code = 0
try:
    ccsi_dao.cli.main.run()
except SystemExit as exit_:
    code = exit_.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & watched)
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _help(*args: str) -> tuple[dict, str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([*args, "--help"]), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "CI": "true"},
    )
    assert proc.stderr.strip(), proc
    return json.loads(proc.stderr.strip().splitlines()[-1]), proc.stdout


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("vote",),
        ("audit",),
        ("audit", "verify"),
        ("propose",),
        ("propose", "admit"),
        ("log",),
        ("wallet", "new"),
        ("devnet",),
        ("serve",),
        ("treasury",),
        ("proposals", "list"),
        ("devnet", "fund-treasury"),
    ],
    ids=lambda a: " ".join(a) or "ccsi-dao",
)
def test_help_imports_nothing_heavy(args: tuple[str, ...]) -> None:
    result, stdout = _help(*args)
    assert result == {"code": 0, "heavy": []}
    assert stdout.startswith(f"Usage: {' '.join(('ccsi-dao', *args))} ")


def test_help_after_a_global_option() -> None:
    """A global option given is validated by typer (with pydantic), but the library still stays unloaded."""
    result, stdout = _help("--rpc-url", "http://127.0.0.1:1", "members", "list")
    assert result["code"] == 0 and not {"web3", "eth_account", "rich"} & set(result["heavy"]), result
    assert stdout.startswith("Usage: ccsi-dao members list ")


def test_help_lists_every_command_in_full() -> None:
    """The plain help keeps each command's whole summary (click alone would cut it short with "...")."""
    _, stdout = _help()
    assert not [line for line in stdout.splitlines()[1:] if line.endswith("...")], stdout
    text = " ".join(stdout.split())
    assert "The chronological record of every governance event, from the local index (synced first)." in text
    for command in (
        "log",
        "deploy",
        "vote",
        "relay",
        "queue",
        "execute",
        "cancel",
        "resign",
        "agreement",
        "devnet",
        "wallet",
        "propose",
        "members",
        "proposals",
        "proxy",
        "audit",
        "treasury",
    ):
        assert f"\n  {command} " in stdout, command


def test_help_groups_commands_under_headings() -> None:
    """As gh does: the commands under headings, each command under exactly one, in the order a partner meets them."""
    _, stdout = _help()
    headings = [line[:-1] for line in stdout.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert headings == ["Options", "Set up", "Propose and decide", "Look up", "A member's own acts", "Audit"]
    sections = stdout.split("\n\n")
    listed = {h: [line.split()[0] for line in part.splitlines()[1:] if line.startswith("  ") and line[2] != " "]
              for part in sections for h in headings[1:] if part.startswith(h + ":")}  # fmt: skip
    assert listed == {
        "Set up": ["devnet", "agreement", "wallet", "deploy"],
        "Propose and decide": ["propose", "vote", "relay", "queue", "execute", "cancel"],
        "Look up": ["proposals", "members", "treasury", "watch"],
        "A member's own acts": ["proxy", "resign"],
        "Audit": ["log", "audit", "serve"],
    }


def _run(*args: str) -> tuple[dict, subprocess.CompletedProcess[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args)), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "CI": "true"},
    )
    return json.loads(proc.stderr.strip().splitlines()[-1]), proc


def test_version_is_printed_without_loading_the_library() -> None:
    from ccsi_dao import __version__

    result, proc = _run("--version")
    assert result == {"code": 0, "heavy": []}
    assert proc.stdout == f"ccsi-dao {__version__}\n"


def test_global_options_are_accepted_after_the_command_name() -> None:
    """--rpc-url, --deployment and --timeout follow every command that reaches the chain; commands that never do
    (wallets, agreement files) and those that run a devnet of their own (--port) do not list them."""
    for args in (("vote",), ("members", "show"), ("proposals", "list"), ("treasury",), ("agreement", "versions"),
                 ("devnet", "fund-treasury"), ("propose", "admit"), ("relay",)):  # fmt: skip
        _, stdout = _help(*args)
        assert all(option in stdout for option in ("--rpc-url", "--deployment", "--timeout")), args
    for args in (("wallet", "new"), ("wallet", "import"), ("agreement", "check"), ("devnet", "start")):
        _, stdout = _help(*args)
        assert "--rpc-url" not in stdout and "--deployment" not in stdout, args
