"""Bad input, all of it: every ``ccsi-dao`` command against malformed and hostile input.

Each case must end in a clear ``error:`` line (or click's usage error) with exit 2 (3 where the chain is what
fails), no traceback, nothing sent (block number and the nonces of every test account unchanged) and nothing
written (every file under the case's folder, its ccsi-dao home included, hashed before and after).

``tests/test_cli.py`` covers the mistakes of a governance round (wrong state, wrong account, passwords, the
first address/amount/record/ballot/keystore mistakes); this table covers the rest of the command tree and the
hostile inputs: every command with an address, amount, proposal id, duration, weight, ratio, name, alias or path,
agreements with wrong types, huge values, unicode, binary garbage, deep nesting and alias bombs, config files,
global options, control characters and 10,000-character arguments.

Speed: one devnet and one deployment for the module; the cases run in-process through click's test runner
(no interpreter start-up), each in its own copy of the home folder; ``test_subprocess_sample`` runs a sample of
them as real ``ccsi-dao`` processes and checks they end the same way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccsi_dao.agreement import load_agreement
from ccsi_dao.chain import Chain
from ccsi_dao.governance.actions import signal
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import SuiteParams, deploy_suite
from ccsi_dao.types import VoteType
from tests.support import ROOT
from tests.support.anvil import free_port
from tests.support.faultlib import CLI, PASSWORD, assert_clean_error, dev_accounts, hash_tree, rpc, write_keystore

pytestmark = pytest.mark.slow


SMALL = ROOT / "examples" / "small.yaml"  # partners: accounts 1-5 (5 observes); 1 h voting delay
ACCOUNTS = dev_accounts(8)
A = {f"a{i}": a.address for i, a in enumerate(ACCOUNTS)}
_LETTER = next(i for i, c in enumerate(A["a6"]) if i > 1 and c.isalpha())
WRONG_CHECKSUM = A["a6"][:_LETTER] + A["a6"][_LETTER].swapcase() + A["a6"][_LETTER + 1 :]
LONG = "x" * 10_000
ESC = "\x1b[2J\x1b[31mowned"


@dataclass(frozen=True)
class World:
    url: str
    base: Path  # the prepared home: keystores a0..a7, the deployment record, the running devnet's pid file
    ballot: Path  # a valid ballot of a3 on proposal 1 (kept outside every home)
    busy_port: int


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    from ccsi_dao.devnet import Devnet

    base = tmp_path_factory.mktemp("bad-input") / "home"
    for i, account in enumerate(ACCOUNTS):
        write_keystore(base, f"a{i}", account)
    devnet = Devnet(base / "devnet", port=free_port())
    devnet.start()
    try:
        chain = Chain.connect(devnet.url)
        record = deploy_suite(chain, ACCOUNTS[0], SuiteParams.from_agreement(load_agreement(SMALL)))
        record.save(base / "deployment.json")
        dao = Consortium(chain, record)
        proposal = dao.propose(ACCOUNTS[1], [signal()], "The one proposal")
        rpc(devnet.url, "evm_increaseTime", proposal.snapshot - chain.now() + 1)
        rpc(devnet.url, "evm_mine")
        ballot = base.parent / "ballot.json"
        ballot.write_text(json.dumps(dao.sign_ballot(ACCOUNTS[3], proposal.id, VoteType.FOR).to_json()))
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            yield World(devnet.url, base, ballot, busy.getsockname()[1])
    finally:
        devnet.stop()


def copy_home(world: World, folder: Path) -> Path:
    """The case's own home: the prepared one without the devnet's chain files (which anvil rewrites)."""
    home = folder / "home"
    shutil.copytree(
        world.base, home, ignore=lambda d, names: [n for n in names if n.startswith(("state", "anvil.log"))]
    )
    return home


def chain_state(url: str) -> tuple:
    return rpc(url, "eth_blockNumber"), tuple(
        rpc(url, "eth_getTransactionCount", a.address, "latest") for a in ACCOUNTS
    )


def block_number(url: str) -> str:
    return rpc(url, "eth_blockNumber")  # the devnet mines a block for every transaction


# ---------------------------------------------------------------------------------------------- the table

Prepare = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """``args`` may use {dir} (the case's folder), {home}, {ballot} (a copy of a valid ballot in {dir}),
    {busy_port}, {url} and the test addresses {a0}..{a7}. ``says`` must match the error line."""

    name: str
    args: tuple[str, ...]
    says: str = ""
    codes: tuple[int, ...] = (2,)
    env: dict[str, str | None] = field(default_factory=dict)
    prepare: Prepare | None = None


def put(relative: str, content: str | bytes) -> Prepare:
    def prepare(folder: Path) -> None:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)

    return prepare


def both(*steps: Prepare) -> Prepare:
    def prepare(folder: Path) -> None:
        for step in steps:
            step(folder)

    return prepare


def mkdir(relative: str) -> Prepare:
    return lambda folder: (folder / relative).mkdir(parents=True, exist_ok=True)


def symlink(relative: str, target: str) -> Prepare:
    return lambda folder: (folder / relative).symlink_to(folder / target)


def edit_ballot(**changes: object) -> Prepare:
    def prepare(folder: Path) -> None:
        data = json.loads((folder / "ballot.json").read_text())
        data.update(changes)
        (folder / "ballot.json").write_text(json.dumps(data))

    return prepare


def agreement(mutate: Callable[[str], str]) -> Prepare:
    """The small agreement (and its document) in {dir}, its text changed by ``mutate``."""

    def prepare(folder: Path) -> None:
        shutil.copyfile(SMALL.parent / "small-agreement.md", folder / "small-agreement.md")
        (folder / "agreement.yaml").write_text(mutate(SMALL.read_text()), encoding="utf-8")

    return prepare


def sub(old: str, new: str) -> Callable[[str], str]:
    def mutate(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return mutate


C = Case
CASES: list[Case] = []

# -------- proposal ids: every command that takes one
BAD_IDS = {
    "zero": ("0", r"there is no proposal 0"),
    "empty": ("", r"'' is not a proposal"),
    "hash-only": ("#", r"'#' is not a proposal"),
    "fraction": ("1.5", r"'1.5' is not a proposal"),
    "exponent": ("1e3", r"is not a proposal"),
    "hex": ("0x1", r"is not a proposal"),
    "superscript": ("²", r"is not a proposal"),
    "arabic-digit": ("١", r"is not a proposal"),
    "fullwidth": ("１", r"is not a proposal"),
    "huge": ("9" * 100, r"there is no proposal 9+"),
    "above-uint256": (str(2**256), r"there is no proposal"),
    "negative": ("-1", r"No such option|is not a proposal"),
    "long": (LONG, r"is not a proposal"),
    "escape": (ESC, r"is not a proposal"),
}
ID_COMMANDS = {
    "vote": lambda i: ("vote", i, "for", "--from", "a2"),
    "sign-only": lambda i: ("vote", i, "for", "--sign-only", "--out", "{dir}/b.json", "--from", "a2"),
    "queue": lambda i: ("queue", i, "--from", "a1"),
    "execute": lambda i: ("execute", i, "--from", "a1"),
    "cancel": lambda i: ("cancel", i, "--from", "a1"),
    "show": lambda i: ("proposals", "show", i),
}
SOME_IDS = ("empty", "superscript", "arabic-digit", "huge", "escape")  # every id on `vote`, a sample on the others
for command, build in ID_COMMANDS.items():
    for label, (value, says) in BAD_IDS.items():
        if command == "vote" or label in SOME_IDS:
            CASES.append(C(f"id-{command}-{label}", build(value), says))

# -------- vote choices
for label, value in {
    "empty": "",
    "yes": "yes",
    "number": "1",
    "two": "for,against",
    "long": LONG,
    "escape": ESC,
}.items():
    CASES.append(
        C(f"support-{label}", ("vote", "1", value, "--from", "a2"), r"the vote must be for, against or abstain")
    )

# -------- addresses: every command that takes one
BAD_ADDRESSES = {
    "empty": "",
    "prefix-only": "0x",
    "not-hex": "0x" + "g" * 40,
    "39-digits": "0x" + "a" * 39,
    "41-digits": "0x" + "a" * 41,
    "capital-X": "0X" + "a" * 40,
    "no-prefix-name": "ministry.eth",
    "wrong-checksum": WRONG_CHECKSUM,
    "zero-width": "\u200b" + A["a6"],
    "fullwidth-digits": "0x" + "０" * 40,
    "long": "0x" + "a" * 10_000,
    "escape": ESC,
}
ADDRESS_COMMANDS = {
    "members-show": lambda a: ("members", "show", a),
    "proxy-set": lambda a: ("proxy", "set", a, "--from", "a2"),
    "admit": lambda a: ("propose", "admit", a, "--name", "Newcomer", "--from", "a1", "--yes"),
    "remove": lambda a: ("propose", "remove", a, "--from", "a1", "--yes"),
    "suspend": lambda a: ("propose", "suspend", a, "--from", "a1", "--yes"),
    "reinstate": lambda a: ("propose", "reinstate", a, "--from", "a1", "--yes"),
    "set-weight": lambda a: ("propose", "set-weight", a, "2", "--from", "a1", "--yes"),
    "set-role": lambda a: ("propose", "set-role", a, "observer", "--from", "a1", "--yes"),
    "set-group": lambda a: ("propose", "set-group", a, "academia", "--from", "a1", "--yes"),
    "constitutional-vote": lambda a: ("propose", "constitutional-vote", a, "--from", "a1", "--yes"),
    "transfer-to": lambda a: ("propose", "transfer", a, "1", "--from", "a1", "--yes"),
    "transfer-token": lambda a: ("propose", "transfer", "{a6}", "1", "--token", a, "--from", "a1", "--yes"),
    "raw-target": lambda a: ("propose", "raw", a, "--from", "a1", "--yes"),
}
SOME_ADDRESSES = (
    "empty",
    "not-hex",
    "wrong-checksum",
    "zero-width",
    "long",
)  # all on two commands, a sample on the rest
for command, build in ADDRESS_COMMANDS.items():
    for label, value in BAD_ADDRESSES.items():
        if command not in ("members-show", "admit") and label not in SOME_ADDRESSES:
            continue
        if label == "empty" and command == "transfer-token":
            continue  # an empty --token means ETH: a valid request
        says = r"has a wrong checksum" if label == "wrong-checksum" else r"is not an address"
        CASES.append(C(f"address-{command}-{label}", build(value), says))
CASES += [
    C(
        "address-admit-zero",
        ("propose", "admit", "0x" + "0" * 40, "--name", "Nobody", "--from", "a1", "--yes"),
        r"cannot be a member",
    ),
    C("address-proxy-self", ("proxy", "set", "{a2}", "--from", "a2"), r"cannot act as proxy"),
    C("address-proxy-zero", ("proxy", "set", "0x" + "0" * 40, "--from", "a2"), r"cannot act as proxy"),
    C(
        "address-token-not-a-token",
        ("propose", "transfer", "{a6}", "1", "--token", "{a7}", "--from", "a1", "--yes"),
        r"is not an ERC-20 token",
    ),
    C("address-remove-non-member", ("propose", "remove", "{a7}", "--from", "a1", "--yes"), r"{a7}"),
    C("address-set-role-non-member", ("propose", "set-role", "{a7}", "partner", "--from", "a1", "--yes"), r"{a7}"),
    C("address-set-group-non-member", ("propose", "set-group", "{a7}", "academia", "--from", "a1", "--yes"), r"{a7}"),
]

# -------- amounts
BAD_AMOUNTS = {
    "empty": ("", r"is not an amount|must be positive"),
    "word": ("lots", r"'lots' is not an amount"),
    "comma": ("1,5", r"is not an amount"),
    "hex": ("0x10", r"is not an amount"),
    "nan": ("NaN", r"must be positive"),
    "infinity": ("Infinity", r"must be positive"),
    "huge-exponent": ("1e400", r"is too large"),
    "2^256-wei": (str(2**256), r"is too large"),
    "too-precise": ("1e-19", r"more than 18 decimal places"),
    "negative": ("-1", r"No such option|must be positive"),
    "long": ("9" * 10_000, r"is too large|is not an amount"),
}
for label, (value, says) in BAD_AMOUNTS.items():
    CASES.append(C(f"amount-transfer-{label}", ("propose", "transfer", "{a6}", value, "--from", "a1", "--yes"), says))
for label in ("word", "nan", "huge-exponent", "too-precise", "negative"):
    value, says = BAD_AMOUNTS[label]
    CASES.append(
        C(f"amount-raw-value-{label}", ("propose", "raw", "{a6}", "--value", value, "--from", "a1", "--yes"), says)
    )
CASES += [
    C(
        "signal-escape-only",
        ("propose", "signal", "-d", "\x1b\x07", "--from", "a1", "--yes"),
        r"needs a description|control",
    ),
    C("signal-no-description", ("propose", "signal", "--from", "a1", "--yes"), r"--description"),
    C("signal-bad-from", ("propose", "signal", "-d", "ok", "--from", "../a1", "--yes"), r"keystore file .* not found"),
    C(
        "raw-data-odd",
        ("propose", "raw", "{a6}", "--data", "0x123", "--from", "a1", "--yes"),
        r"--data must be 0x-prefixed hex",
    ),
    C(
        "raw-data-escape",
        ("propose", "raw", "{a6}", "--data", ESC, "--from", "a1", "--yes"),
        r"--data must be 0x-prefixed hex",
    ),
    C(
        "raw-too-much-value",
        ("propose", "raw", "{a6}", "--value", "1000000", "--from", "a1", "--yes"),
        r"too little ETH",
    ),
]

# -------- weights
for label, value in {"zero": "0", "minus-one": "-1", "10^30": str(10**30), "above-max": "1000001", "word": "heavy",
                     "fraction": "1.5", "empty": ""}.items():  # fmt: skip
    CASES.append(
        C(
            f"weight-admit-{label}",
            ("propose", "admit", "{a6}", "--name", "N", "--weight", value, "--from", "a1", "--yes"),
            r"weight|--weight|No such option",
        )
    )
    CASES.append(
        C(
            f"weight-set-weight-{label}",
            ("propose", "set-weight", "{a2}", value, "--from", "a1", "--yes"),
            r"WEIGHT|weight|No such option|Missing",
        )
    )

# -------- names
for label, value in {"empty": "", "blank": "   ", "101-chars": "n" * 101, "10k-chars": LONG, "escape": ESC,
                     "bell": "Ring\x07", "newline-escape": "Line\n\x1b[1A", "rtl-override": "Evil\u202egnp.exe",
                     "nul-like": "a\x7fb"}.items():  # fmt: skip
    CASES.append(
        C(
            f"name-admit-{label}",
            ("propose", "admit", "{a6}", "--name", value, "--from", "a1", "--yes"),
            r"the name must",
        )
    )

# -------- roles, groups, categories: choices
CASES += [
    C("role-set-role-unknown", ("propose", "set-role", "{a2}", "president", "--from", "a1", "--yes"), r"president"),
    C("role-set-role-empty", ("propose", "set-role", "{a2}", "", "--from", "a1", "--yes"), r"ROLE|role"),
    C("group-set-group-unknown", ("propose", "set-group", "{a2}", "army", "--from", "a1", "--yes"), r"army"),
    C("group-set-group-empty", ("propose", "set-group", "{a2}", "", "--from", "a1", "--yes"), r"GROUP|group"),
    C(
        "group-set-group-underscore",
        ("propose", "set-group", "{a2}", "civil_society", "--from", "a1", "--yes"),
        r"civil_society",
    ),
    C(
        "group-admit-unknown",
        ("propose", "admit", "{a6}", "--name", "N", "--group", "army", "--from", "a1", "--yes"),
        r"army",
    ),
    C("category-rules-unknown", ("propose", "rules", "secret", "--quorum", "1/2", "--from", "a1", "--yes"), r"secret"),
]

# -------- ratios
for label, value in {"zero": "0", "zero-over-zero": "0/0", "over-zero": "1/0", "negative": "-1/2", "word": "half",
                     "above-one": "150%", "three-parts": "2/3/4", "huge": "1e999", "nan": "nan", "empty": "",
                     "too-fine": "1/65536", "unicode-half": "½", "percent-only": "%"}.items():  # fmt: skip
    CASES.append(
        C(
            f"ratio-quorum-{label}",
            ("propose", "rules", "ordinary", "--quorum", value, "--from", "a1", "--yes"),
            r"quorum|No such option",
        )
    )
for label, value in {"below-half": "1/3", "above-one": "4/3", "word": "most"}.items():
    CASES.append(
        C(
            f"ratio-approval-{label}",
            ("propose", "rules", "treasury", "--approval", value, "--from", "a1", "--yes"),
            r"approval|floor|weaker",
        )
    )

# -------- agreement amendments
CASES += [
    C(
        "amend-document-missing",
        ("propose", "amend", "--document", "{dir}/none.md", "--from", "a1", "--yes"),
        r"cannot read .*none.md",
    ),
    C(
        "amend-document-directory",
        ("propose", "amend", "--document", "{dir}/folder", "--from", "a1", "--yes"),
        r"cannot read",
        prepare=mkdir("folder"),
    ),
    C(
        "amend-document-through-file",
        ("propose", "amend", "--document", "{dir}/f.md/x", "--from", "a1", "--yes"),
        r"cannot read",
        prepare=put("f.md", "text"),
    ),
    C(
        "amend-document-dangling-link",
        ("propose", "amend", "--document", "{dir}/link.md", "--from", "a1", "--yes"),
        r"cannot read",
        prepare=symlink("link.md", "gone.md"),
    ),
    C(
        "amend-uri-spaces",
        ("propose", "amend", "--document", "{dir}/a.md", "--uri", "my agreement.md", "--from", "a1", "--yes"),
        r"--uri must be",
        prepare=put("a.md", "v2"),
    ),
    C(
        "amend-uri-empty",
        ("propose", "amend", "--document", "{dir}/a.md", "--uri", "", "--from", "a1", "--yes"),
        r"--uri must be",
        prepare=put("a.md", "v2"),
    ),
    C(
        "amend-uri-long",
        ("propose", "amend", "--document", "{dir}/a.md", "--uri", "ipfs://" + LONG, "--from", "a1", "--yes"),
        r"--uri must be",
        prepare=put("a.md", "v2"),
    ),
    C(
        "amend-uri-escape",
        ("propose", "amend", "--document", "{dir}/a.md", "--uri", "ipfs://a" + ESC, "--from", "a1", "--yes"),
        r"--uri must be",
        prepare=put("a.md", "v2"),
    ),
]

# -------- devnet: durations and ports
for label, value in {"word": "soon", "year": "1y", "empty": "", "mixed-sign": "7d-1h", "fraction": "1.5d",
                     "minus": "-1", "unit-only": "d", "superscript": "²d", "century-and-a-day": "36501d",
                     "400-digits": "9" * 400, "escape": ESC}.items():  # fmt: skip
    CASES.append(
        C(
            f"duration-advance-{label}",
            ("devnet", "advance", value),
            r"is not a duration|more than a century|No such option",
        )
    )
for command in ("start", "stop", "status", "reset", "advance"):
    extra = ("1d",) if command == "advance" else ()
    for label, port in {"zero": "0", "above-65535": "70000", "word": "http", "negative": "-5"}.items():
        CASES.append(C(f"port-{command}-{label}", ("devnet", command, *extra, "--port", port), r"--port"))
CASES.append(
    C(
        "devnet-start-busy-port",
        ("devnet", "start", "--port", "{busy_port}"),
        r"port {busy_port} on 127.0.0.1 is already in use",
        prepare=lambda folder: shutil.rmtree(folder / "home" / "devnet"),
    )
)
CASES.append(
    C(
        "devnet-advance-not-running",
        ("devnet", "advance", "1d"),
        r"is not running; start it first",
        prepare=lambda folder: shutil.rmtree(folder / "home" / "devnet"),
    )
)

# -------- serve: the dashboard's address and what it reads (each case fails before anything is bound or written)
for label, port in {"zero": "0", "above-65535": "70000", "word": "http", "negative": "-5"}.items():
    CASES.append(C(f"serve-port-{label}", ("serve", "--port", port), r"--port"))
CASES += [
    C("serve-busy-port", ("serve", "--port", "{busy_port}"), r"port {busy_port} on 127.0.0.1 is already in use"),
    C("serve-host-not-here", ("serve", "--host", "192.0.2.1", "--port", "{busy_port}"),
      r"192\.0\.2\.1 is not an address of this machine"),
    C("serve-host-a-name", ("serve", "--host", "dashboard.example.org"), r"--host must be an IP address"),
    C("serve-host-escape", ("serve", "--host", ESC), r"--host must be an IP address .*\\x1b"),
    C("serve-host-long", ("serve", "--host", LONG), r"--host must be an IP address"),
    C("serve-no-record", ("serve", "--port", "{busy_port}"), r"no deployment record",
      prepare=lambda folder: (folder / "home" / "deployment.json").unlink()),
    C("serve-chain-down", ("--rpc-url", "http://127.0.0.1:1", "serve", "--port", "{busy_port}"),
      r"cannot reach the chain", codes=(3,)),
    C("serve-index-folder", ("serve", "--index", "{dir}", "--port", "{busy_port}"), r"is a folder"),
    C("serve-interval-zero", ("serve", "--interval", "0"), r"--interval"),
    C("serve-verify-every-negative", ("serve", "--verify-every", "-1"), r"--verify-every|No such option"),
]  # fmt: skip

# -------- wallets: aliases and key files
BAD_ALIASES = {"empty": "", "parent": "../x", "slash": "a/b", "65-chars": "k" * 65, "10k-chars": LONG,
               "hidden": ".hidden", "space": "a b", "escape": ESC, "umlaut": "ünï", "dots": "a..b"}  # fmt: skip
for label, alias in BAD_ALIASES.items():
    CASES.append(C(f"alias-new-{label}", ("wallet", "new", alias), r"invalid keystore alias"))
    CASES.append(
        C(
            f"alias-import-{label}",
            ("wallet", "import", alias, "--key-file", "{dir}/k.txt"),
            r"invalid keystore alias",
            prepare=put("k.txt", "0x" + "22" * 32),
        )
    )
    CASES.append(C(f"alias-address-{label}", ("wallet", "address", alias), r"no keystore|not found|damaged"))
CASES.append(C("alias-new-dash", ("wallet", "new", "-x"), r"No such option"))
for label, content in {"empty": "", "short": "0x" + "11" * 31, "zero-key": "0x" + "00" * 32, "above-curve-order": "0x" + "ff" * 32,
                       "garbage": b"\x00\xff\xfe binary", "spaces-inside": "0x" + "11" * 16 + " " + "11" * 16,
                       "mnemonic": "test test test test test test test test test test test junk",
                       "existing-key": ACCOUNTS[2].key.hex()}.items():  # fmt: skip
    says = (
        r"already stored as keystore 'a2'"
        if label == "existing-key"
        else r"not a valid private key|cannot read the key file"
    )
    CASES.append(
        C(
            f"keyfile-{label}",
            ("wallet", "import", "fresh", "--key-file", "{dir}/k.txt"),
            says,
            prepare=put("k.txt", content),
        )
    )
CASES += [
    C("keyfile-directory", ("wallet", "import", "fresh", "--key-file", "{dir}"), r"cannot read the key file"),
    C("keyfile-missing", ("wallet", "import", "fresh", "--key-file", "{dir}/none.txt"), r"cannot read the key file"),
    C("keyfile-no-key-noninteractive", ("wallet", "import", "fresh"), r"no private key given"),
    C(
        "wallet-new-empty-password",
        ("wallet", "new", "fresh", "--password-file", "{dir}/pw"),
        r"password must not be empty",
        prepare=put("pw", "\n"),
    ),
    C(
        "wallet-new-password-binary",
        ("wallet", "new", "fresh", "--password-file", "{dir}/pw"),
        r"cannot read password file",
        prepare=put("pw", b"\xff\xfe\x00"),
    ),
    C(
        "wallet-new-password-directory",
        ("wallet", "new", "fresh", "--password-file", "{dir}"),
        r"cannot read password file",
    ),
]

# -------- signing account and password options on a sending command
CASES += [
    C("from-etc-passwd", ("vote", "1", "for", "--from", "/etc/passwd"), r"keystore file /etc/passwd is damaged"),
    C("from-directory", ("vote", "1", "for", "--from", "{dir}/"), r"keystore file .* not found"),
    C("from-unknown-address", ("vote", "1", "for", "--from", "0x" + "ab" * 20), r"no keystore holds"),
    C("from-long", ("vote", "1", "for", "--from", LONG), r"no keystore named"),
    C("from-escape", ("vote", "1", "for", "--from", ESC), r"no keystore named '\\x1b\[2J"),
    C("from-env-escape", ("vote", "1", "for"), r"no keystore named '\\x1b", env={"CCSI_DAO_ACCOUNT": ESC}),
    C(
        "password-file-directory",
        ("vote", "1", "for", "--from", "a2", "--password-file", "{dir}"),
        r"cannot read password file",
    ),
    C(
        "password-file-binary",
        ("vote", "1", "for", "--from", "a2", "--password-file", "{dir}/pw"),
        r"cannot read password file",
        prepare=put("pw", b"\xff\xfe"),
    ),
    C(
        "password-empty-file",
        ("vote", "1", "for", "--from", "a2", "--password-file", "{dir}/pw"),
        r"wrong password",
        prepare=put("pw", ""),
    ),
    C(
        "keystore-truncated",
        ("vote", "1", "for", "--from", "a2"),
        r"keystore file .*a2.json is damaged",
        prepare=lambda folder: (folder / "home/keystores/a2.json").write_text(
            (folder / "home/keystores/a2.json").read_text()[:100]
        ),
    ),
    C(
        "keystore-binary",
        ("vote", "1", "for", "--from", "a2"),
        r"keystore file .*a2.json is damaged",
        prepare=put("home/keystores/a2.json", b"\x00\xff" * 50),
    ),
    C(
        "keystore-is-directory",
        ("vote", "1", "for", "--from", "a2"),
        r"no keystore named 'a2'",
        prepare=lambda folder: (
            (folder / "home/keystores/a2.json").unlink(),
            (folder / "home/keystores/a2.json").mkdir(),
        ),
    ),
    C(
        "keystore-wrong-address",
        ("vote", "1", "for", "--from", "a2"),
        r"records address .* but holds the key of",
        prepare=lambda folder: _swap_address(folder / "home/keystores/a2.json", A["a6"]),
    ),
    C(
        "keystore-bad-kdf-params",
        ("vote", "1", "for", "--from", "a2"),
        r"keystore file .*a2.json is damaged",
        prepare=lambda folder: _edit_keystore(
            folder / "home/keystores/a2.json", lambda k: k["crypto"]["kdfparams"].update(n=3)
        ),
    ),
]

# -------- ballots and sign-only output
CASES += [
    C("ballot-directory", ("relay", "{dir}", "--from", "a4"), r"cannot read ballot file"),
    C("ballot-empty", ("relay", "{dir}/e.json", "--from", "a4"), r"cannot read ballot file", prepare=put("e.json", "")),
    C(
        "ballot-list",
        ("relay", "{dir}/l.json", "--from", "a4"),
        r"not a valid ccsi-dao ballot",
        prepare=put("l.json", "[1, 2]"),
    ),
    C(
        "ballot-chain-id-word",
        ("relay", "{ballot}", "--from", "a4"),
        r"not a valid ccsi-dao ballot",
        prepare=edit_ballot(chain_id="mainnet"),
    ),
    C(
        "ballot-proposal-exponent",
        ("relay", "{ballot}", "--from", "a4"),
        r"not a valid ccsi-dao ballot",
        prepare=edit_ballot(proposal_id="1e999"),
    ),
    C(
        "ballot-support-maybe",
        ("relay", "{ballot}", "--from", "a4"),
        r"not a valid ccsi-dao ballot",
        prepare=edit_ballot(support="maybe"),
    ),
    C(
        "ballot-voter-short",
        ("relay", "{ballot}", "--from", "a4"),
        r"not a valid ccsi-dao ballot",
        prepare=edit_ballot(voter="0x1234"),
    ),
    C(
        "ballot-signature-odd",
        ("relay", "{ballot}", "--from", "a4"),
        r"not a valid ccsi-dao ballot",
        prepare=edit_ballot(signature="0xabc"),
    ),
    C(
        "ballot-signature-short",
        ("relay", "{ballot}", "--from", "a4"),
        r"signature",
        prepare=edit_ballot(signature="0x" + "ab" * 10),
    ),
    C("ballot-other-voter", ("relay", "{ballot}", "--from", "a4"), r"signature", prepare=edit_ballot(voter=A["a2"])),
    C(
        "ballot-other-chain",
        ("relay", "{ballot}", "--from", "a4"),
        r"on chain 1, not this consortium",
        prepare=edit_ballot(chain_id=1),
    ),
    C(
        "ballot-unknown-proposal",
        ("relay", "{ballot}", "--from", "a4"),
        r"proposal|signature",
        prepare=edit_ballot(proposal_id="12345"),
    ),
    C(
        "ballot-good-then-bad",
        ("relay", "{ballot}", "{dir}/bad.json", "--from", "a4"),
        r"cannot read ballot file .*bad.json",
        prepare=put("bad.json", "{"),
    ),
    C(
        "ballot-same-twice",
        ("relay", "{ballot}", "{ballot}", "--from", "a4"),
        r"are votes of the same voter on the same proposal",
    ),
    C("ballot-huge-reason", ("relay", "{ballot}", "--from", "a4"), r"signature", prepare=edit_ballot(reason=LONG)),
    C(
        "sign-only-out-directory",
        ("vote", "1", "for", "--sign-only", "--out", "{dir}", "--from", "a2"),
        r"already exists",
    ),
    C(
        "sign-only-out-missing-folder",
        ("vote", "1", "for", "--sign-only", "--out", "{dir}/no/such/b.json", "--from", "a2"),
        r"does not exist",
    ),
    C(
        "sign-only-out-through-file",
        ("vote", "1", "for", "--sign-only", "--out", "{dir}/f/b.json", "--from", "a2"),
        r"does not exist",
        prepare=put("f", "x"),
    ),
]

# -------- agreements: agreement check and deploy
AGREEMENTS: dict[str, tuple[Prepare, str]] = {
    "empty": (put("agreement.yaml", ""), r"expected a mapping|top level"),
    "whitespace": (put("agreement.yaml", "  \n\n"), r"expected a mapping|top level"),
    "binary": (
        put("agreement.yaml", b"\x00\xff\xfe\x89PNG\r\n\x1a\n" * 20),
        r"cannot read agreement file|not valid YAML",
    ),
    "latin-1": (put("agreement.yaml", "consortium: Caf\xe9\n".encode("latin-1")), r"cannot read agreement file"),
    "list": (put("agreement.yaml", "- a\n- b\n"), r"expected a mapping"),
    "scalar": (put("agreement.yaml", "42\n"), r"expected a mapping"),
    "tabs": (put("agreement.yaml", "consortium:\n\t- x\n"), r"not valid YAML"),
    "python-tag": (put("agreement.yaml", "consortium: !!python/object/apply:os.system ['true']\n"), r"not valid YAML"),
    "deep-nesting": (
        put("agreement.yaml", "consortium: " + "[" * 700 + "]" * 700 + "\n"),
        r"nested too deeply|not valid YAML",
    ),
    "alias-bomb": (
        put(
            "agreement.yaml",
            "a: &a [x,x,x,x,x,x,x,x,x]\n"
            + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
            + "partners: *i\nconsortium: *i\n",
        ),
        r"problem",
    ),
    "duplicate-key": (agreement(lambda t: t + "\nconsortium: Again\n"), r"appears twice"),
    "partners-string": (
        agreement(lambda t: t.split("partners:")[0] + "partners: everyone\nrules:" + t.split("rules:")[1]),
        r"partners",
    ),
    "weight-word": (agreement(sub("weight: 2", "weight: heavy")), r"weight"),
    "weight-zero": (agreement(sub("weight: 2", "weight: 0")), r"weight"),
    "weight-negative": (agreement(sub("weight: 2", "weight: -1")), r"weight"),
    "weight-10^30": (agreement(sub("weight: 2", f"weight: {10**30}")), r"weight"),
    "weight-float": (agreement(sub("weight: 2", "weight: 1.5")), r"weight"),
    "quorum-over-zero": (agreement(sub("quorum: 1/3", "quorum: 1/0")), r"quorum"),
    "quorum-150%": (agreement(sub("quorum: 1/3", "quorum: 150%")), r"quorum"),
    "quorum-list": (agreement(sub("quorum: 1/3", "quorum: [1, 3]")), r"quorum"),
    "delay-negative": (agreement(sub("delay: 1h\n  period", "delay: -5\n  period")), r"delay"),
    "delay-years": (agreement(sub("delay: 1h\n  period", "delay: 1y\n  period")), r"delay"),
    "delay-huge": (agreement(sub("delay: 1h\n  period", "delay: 99999999999999999999d\n  period")), r"delay"),
    "delay-below-floor": (
        agreement(sub("delay: 1h\n  period", "delay: 59m\n  period")),
        r"voting.delay: 59m is too short",
    ),
    "timelock-word": (agreement(sub("delay: 1d", "delay: later")), r"delay"),
    "timelock-below-floor": (agreement(sub("delay: 1d\n", "delay: 23h\n")), r"timelock.delay: 23h is too short"),
    "extension-over-period": (
        agreement(sub("late_quorum_extension: 1h", "late_quorum_extension: 2d")),
        r"longer than the voting period",
    ),
    "name-over-31-bytes": (
        agreement(sub("consortium: Small Test Consortium", "consortium: Small Test Consortium of the Danube Region")),
        r"31 bytes",
    ),
    "cap-above-half": (agreement(sub("max_share: 1/2", "max_share: 3/5")), r"max_share"),
    "cap-below-a-partner": (agreement(sub("max_share: 1/2", "max_share: 1/4")), r"partners.0.weight"),
    "document-device": (agreement(sub("path: small-agreement.md", "path: /dev/zero")), r"not a regular file"),
    "early-close-word": (agreement(sub("early_close: true", "early_close: perhaps")), r"early_close"),
    "consortium-empty": (agreement(sub("consortium: Small Test Consortium", 'consortium: ""')), r"consortium"),
    "consortium-10k": (agreement(sub("consortium: Small Test Consortium", "consortium: " + LONG)), r"consortium"),
    "consortium-number": (agreement(sub("consortium: Small Test Consortium", "consortium: [1]")), r"consortium"),
    "name-escape": (agreement(sub("name: Founding Agency", 'name: "Agency\\e[2J"')), r"name"),
    "name-rtl-override": (agreement(sub("name: Founding Agency", 'name: "Agency\\u202e"')), r"name"),
    "address-short": (agreement(sub('"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"', '"0x7099"')), r"address"),
    "address-number": (agreement(sub('"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"', "0x70997970")), r"address"),
    "country-unknown": (agreement(sub("country: SI", "country: XX")), r"country"),
    "country-emoji": (agreement(sub("country: SI", "country: 🇸🇮")), r"country"),
    "document-missing": (agreement(sub("path: small-agreement.md", "path: gone.md")), r"path|gone.md"),
    "document-escape": (
        agreement(sub("path: small-agreement.md", "path: ../../../../etc/shadow\x00")),
        r"path|control|not valid YAML|characters",
    ),
    "unknown-field": (agreement(lambda t: t + "\nsecret_backdoor: true\n"), r"secret_backdoor"),
}


def chambers(conditions: str) -> Prepare:
    """The small agreement with chamber conditions on its constitutional rule."""
    return agreement(sub("constitutional: {quorum: 2/3, approval: 3/4}",
                         f"constitutional: {{quorum: 2/3, approval: 3/4, chambers: [{conditions}]}}"))  # fmt: skip


AGREEMENTS.update({
    "chamber-unknown-group": (chambers("{members: [army], blocking: any against}"),
                              r"chambers.0.members: unknown stakeholder group 'army'"),
    "chamber-four-conditions": (chambers(", ".join(["{members: all, quorum: 1/2}"] * 4)), r"at most 3"),
    "chamber-term-over-8-bits": (chambers("{members: all, support: 1/300}"), r"1/300 has a term above 255"),
    "chamber-no-measure": (chambers("{members: all}"), r"no measure"),
    "chamber-role-twice": (chambers("{members: founding partners, role: partners, quorum: 1/2}"),
                           r"only goes with a list of stakeholder groups"),
    "chamber-approval-below-half": (chambers("{members: all, approval: 1/3}"), r"1/3 is below 1/2"),
    "chamber-blocking-word": (chambers("{members: all, blocking: sometimes}"), r"blocking"),
    "chamber-members-number": (chambers("{members: 7, quorum: 1/2}"), r"members"),
    "approval-voting-word": (agreement(lambda t: t + "\nchoices: {approval_voting: perhaps}\n"),
                             r"choices.approval_voting"),
})  # fmt: skip
for label, (prepare, says) in AGREEMENTS.items():
    CASES.append(C(f"agreement-check-{label}", ("agreement", "check", "{dir}/agreement.yaml"), says, prepare=prepare))
for label in ("chamber-unknown-group", "chamber-four-conditions", "chamber-term-over-8-bits"):
    prepare, says = AGREEMENTS[label]
    CASES.append(
        C(
            f"rules-agreement-{label}",
            ("propose", "rules", "constitutional", "--agreement", "{dir}/agreement.yaml", "--from", "a1", "--yes"),
            says,
            prepare=prepare,
        )
    )

# -------- choices among options (small.yaml: approval voting not allowed; proposal 1 is a plain signal)
_TWO = ("--option", "Association", "--option", "Cooperative")
CASES += [
    C("choice-one-option", ("propose", "choice", "-d", "Q", "--option", "A", "--from", "a1", "--yes"),
      r"a choice offers 2 to 10 options, not 1"),
    C("choice-eleven-options",
      ("propose", "choice", "-d", "Q", *[w for i in range(11) for w in ("--option", f"F{i}")], "--from", "a1", "--yes"),
      r"a choice offers 2 to 10 options, not 11"),
    C("choice-no-option", ("propose", "choice", "-d", "Q", "--from", "a1", "--yes"), r"--option"),
    C("choice-approval-voting-not-allowed",
      ("propose", "choice", "-d", "Q", *_TWO, "--max-selections", "2", "--from", "a1", "--yes"),
      r"do not allow approval voting"),
    C("choice-more-selections-than-options",
      ("propose", "choice", "-d", "Q", *_TWO, "--max-selections", "3", "--from", "a1", "--yes"),
      r"a ballot may select 1 to 2 options, not 3"),
    C("choice-selections-zero", ("propose", "choice", "-d", "Q", *_TWO, "--max-selections", "0", "--from", "a1"),
      r"max-selections"),
    C("choice-duplicate-label", ("propose", "choice", "-d", "Q", "--option", "A", "--option", " a ", "--from", "a1",
                                 "--yes"), r"offered twice"),
    C("choice-label-escape", ("propose", "choice", "-d", "Q", "--option", ESC, "--option", "B", "--from", "a1",
                              "--yes"), r"control characters"),
    C("choice-label-long", ("propose", "choice", "-d", "Q", "--option", LONG, "--option", "B", "--from", "a1",
                            "--yes"), r"1 to 100 characters"),
    C("choice-no-description", ("propose", "choice", "-d", " ", *_TWO, "--from", "a1", "--yes"),
      r"needs a description"),
    C("choice-action-unknown-option",
      ("propose", "choice", "-d", "Q", *_TWO, "--action", "Foundation: transfer {a6} 1", "--from", "a1", "--yes"),
      r"names no option"),
    C("choice-action-option-number-out-of-range",
      ("propose", "choice", "-d", "Q", *_TWO, "--action", "3: transfer {a6} 1", "--from", "a1", "--yes"),
      r"there is no option 3"),
    C("choice-action-signal",
      ("propose", "choice", "-d", "Q", *_TWO, "--action", "1: signal -d x", "--from", "a1", "--yes"),
      r"'signal' is not an action an option can have"),
    C("choice-action-unknown-verb",
      ("propose", "choice", "-d", "Q", *_TWO, "--action", "1: launch rockets", "--from", "a1", "--yes"),
      r"'launch' is not an action"),
    C("choice-action-quote",
      ("propose", "choice", "-d", "Q", *_TWO, "--action", "1: transfer 'x 1", "--from", "a1", "--yes"),
      r"No closing quotation"),
    C("choice-action-empty", ("propose", "choice", "-d", "Q", *_TWO, "--action", "1:", "--from", "a1", "--yes"),
      r"has no action after the colon"),
    C("choice-action-bad-amount",
      ("propose", "choice", "-d", "Q", *_TWO, "--action", "1: transfer {a6} lots", "--from", "a1", "--yes"),
      r"not an amount"),
    C("choice-action-missing-argument",
      ("propose", "choice", "-d", "Q", *_TWO, "--action", "Cooperative: transfer", "--from", "a1", "--yes"),
      r"Missing argument"),
    C("choice-action-unknown-member",
      ("propose", "choice", "-d", "Q", *_TWO, "--action", "2: remove nobody-at-all", "--from", "a1", "--yes"),
      r"nobody-at-all"),
    C("choice-action-help", ("propose", "choice", "-d", "Q", *_TWO, "--action", "1: transfer --help", "--from", "a1",
                             "--yes"), r"not --help"),
    C("vote-option-on-plain-proposal", ("vote", "1", "--option", "1", "--from", "a2"), r"not a choice"),
    C("vote-no-support", ("vote", "1", "--from", "a2"), r"say how you vote"),
    C("vote-option-sign-only-plain", ("vote", "1", "--option", "1", "--sign-only", "--out", "{dir}/b.json",
                                      "--from", "a2"), r"not a choice"),
]  # fmt: skip
for label in ("empty", "binary", "weight-10^30", "name-escape", "alias-bomb", "deep-nesting"):
    prepare, says = AGREEMENTS[label]
    CASES.append(
        C(
            f"agreement-deploy-{label}",
            ("--deployment", "{dir}/new.json", "deploy", "{dir}/agreement.yaml", "--from", "a0"),
            says,
            prepare=prepare,
        )
    )
for label, path in {
    "directory": "{dir}",
    "missing": "{dir}/none.yaml",
    "through-file": "{dir}/f/a.yaml",
    "dangling-link": "{dir}/link.yaml",
}.items():
    prepare = {"through-file": put("f", "x"), "dangling-link": symlink("link.yaml", "gone.yaml")}.get(label)
    CASES.append(C(f"agreement-check-path-{label}", ("agreement", "check", path), r"agreement file", prepare=prepare))
    CASES.append(
        C(
            f"agreement-deploy-path-{label}",
            ("--deployment", "{dir}/new.json", "deploy", path, "--from", "a0"),
            r"agreement file",
            prepare=prepare,
        )
    )

# -------- global options, environment and the config file
CASES += [
    C("rpc-url-not-a-url", ("--rpc-url", "not a url", "members", "list"), r"cannot reach the chain", codes=(3,)),
    C("rpc-url-ftp", ("--rpc-url", "ftp://127.0.0.1:21", "members", "list"), r"cannot reach the chain", codes=(3,)),
    C("rpc-url-broken-ipv6", ("--rpc-url", "http://[::1", "proposals", "list"), r"cannot reach the chain", codes=(3,)),
    C("rpc-url-escape", ("--rpc-url", ESC, "members", "list"), r"cannot reach the chain at \\x1b", codes=(3,)),
    C(
        "rpc-url-env-long",
        ("members", "list"),
        r"cannot reach the chain",
        codes=(3,),
        env={"CCSI_DAO_RPC_URL": "http://" + LONG},
    ),
    C(
        "timeout-negative",
        ("--timeout", "-1", "vote", "1", "for", "--from", "a2"),
        r"receipt timeout must be a number of seconds above 0",
    ),
    C("timeout-zero", ("--timeout", "0", "vote", "1", "for", "--from", "a2"), r"above 0"),
    C("timeout-nan", ("--timeout", "nan", "vote", "1", "for", "--from", "a2"), r"above 0"),
    C("timeout-inf", ("--timeout", "inf", "vote", "1", "for", "--from", "a2"), r"above 0"),
    C("timeout-word", ("--timeout", "soon", "vote", "1", "for", "--from", "a2"), r"--timeout"),
    C("timeout-env-negative", ("vote", "1", "for", "--from", "a2"), r"above 0", env={"CCSI_DAO_RECEIPT_TIMEOUT": "-5"}),
    C(
        "request-timeout-env-word",
        ("members", "list"),
        r"request timeout must be a number of seconds, not 'soon'",
        env={"CCSI_DAO_REQUEST_TIMEOUT": "soon"},
    ),
    C(
        "request-timeout-env-zero",
        ("vote", "1", "for", "--from", "a2"),
        r"request timeout .* above 0",
        env={"CCSI_DAO_REQUEST_TIMEOUT": "0"},
    ),
    C(
        "request-timeout-env-nan",
        ("members", "list"),
        r"request timeout .* above 0",
        env={"CCSI_DAO_REQUEST_TIMEOUT": "nan"},
    ),
    C("deployment-directory", ("--deployment", "{dir}", "members", "list"), r"cannot read the deployment record"),
    C(
        "deployment-through-file",
        ("--deployment", "{dir}/f/d.json", "members", "list"),
        r"cannot read the deployment record|no deployment record",
        prepare=put("f", "x"),
    ),
    C(
        "deployment-env-missing",
        ("proposals", "list"),
        r"no deployment record at /nonexistent",
        env={"CCSI_DAO_DEPLOYMENT": "/nonexistent/d.json"},
    ),
    C(
        "config-binary",
        ("members", "list"),
        r"config file .* is not valid YAML",
        prepare=put("home/config.yaml", b"\xff\xfe\x00\x01"),
    ),
    C("config-list", ("members", "list"), r"must be a mapping", prepare=put("home/config.yaml", "- rpc_url\n")),
    C(
        "config-deployment-mapping",
        ("members", "list"),
        r"the deployment setting must be the path",
        prepare=put("home/config.yaml", "deployment: {a: 1}\n"),
    ),
    C(
        "config-deployment-number",
        ("members", "list"),
        r"the deployment setting must be the path",
        prepare=put("home/config.yaml", "deployment: 5\n"),
    ),
    C(
        "config-timeout-list",
        ("vote", "1", "for", "--from", "a2"),
        r"receipt timeout",
        prepare=put("home/config.yaml", "receipt_timeout: [1]\n"),
    ),
    C(
        "config-timeout-bool",
        ("vote", "1", "for", "--from", "a2"),
        r"receipt timeout",
        prepare=put("home/config.yaml", "receipt_timeout: true\n"),
    ),
    C(
        "config-request-timeout-list",
        ("proposals", "list"),
        r"request timeout must be a number of seconds",
        prepare=put("home/config.yaml", "request_timeout: [1]\n"),
    ),
    C(
        "config-rpc-number",
        ("members", "list"),
        r"cannot reach the chain",
        codes=(3,),
        prepare=put("home/config.yaml", "rpc_url: 5\n"),
        env={"CCSI_DAO_RPC_URL": None},
    ),
    C(
        "config-deep-nesting",
        ("members", "list"),
        r"config file .* is not valid YAML",
        prepare=put("home/config.yaml", "a: " + "[" * 700 + "]" * 700),
    ),
    C(
        "config-account-escape",
        ("vote", "1", "for"),
        r"no keystore named '\\x1b",
        prepare=put("home/config.yaml", f"account: {json.dumps(ESC)}\n"),
    ),
    # -------- the decision log and the audit (filters, formats, index and output paths)
    C("log-since-garbage", ("log", "--since", "yesterday-ish", "--no-sync"), r"yesterday-ish|--since|time"),
    C("log-until-escape", ("log", "--until", ESC, "--no-sync"), r"\\x1b|--until|time"),
    C("log-from-block-negative", ("log", "--from-block", "-1", "--no-sync"), r"--from-block"),
    C("log-to-block-word", ("log", "--to-block", "latest", "--no-sync"), r"--to-block"),
    C("log-format-xml", ("log", "--format", "xml", "--no-sync"), r"xml|format"),
    C(
        "log-index-garbage",
        ("log", "--index", "{dir}/index.sqlite", "--no-sync"),
        r"index",
        prepare=put("index.sqlite", b"\x00garbage" * 100),
    ),
    C("log-index-directory", ("log", "--index", "{dir}", "--no-sync"), r"index"),
    C("log-confirmations-negative", ("log", "--confirmations", "-1"), r"--confirmations"),
    C("log-max-range-zero", ("log", "--max-range", "0"), r"--max-range"),
    C("log-kind-unknown", ("log", "--kind", "bribe", "--no-sync"), r"unknown event kind bribe"),
    C("log-output-directory", ("log", "--output", "{dir}", "--no-sync"), r"is a folder"),
    C("log-output-missing-folder", ("log", "--output", "{dir}/missing/log.csv", "--no-sync"), r"does not exist"),
    C("report-output-missing-folder", ("audit", "report", "--output", "{dir}/missing/r.html"), r"does not exist"),
    C("audit-report-max-range-zero", ("audit", "report", "--max-range", "0"), r"--max-range"),
    C(
        "audit-report-index-garbage",
        ("audit", "report", "--index", "{dir}/index.sqlite", "--output", "{dir}/r.html"),
        r"index",
        prepare=put("index.sqlite", b"\x00garbage" * 100),
    ),
    C(
        "audit-verify-index-garbage",
        ("audit", "verify", "--index", "{dir}/index.sqlite"),
        r"index",
        prepare=put("index.sqlite", b"\x00garbage" * 100),
    ),
    C(
        "audit-verify-code-bad-record",
        ("audit", "verify-code"),
        r"deployment record .* is damaged",
        prepare=put("home/deployment.json", "{"),
    ),
    # -------- auditing from an address, agreement verify
    C("audit-verify-governor-word", ("audit", "verify", "--governor", "governor"), r"'governor' is not an address"),
    C("audit-verify-governor-short", ("audit", "verify", "--governor", "0x1234"), r"is not an address"),
    C("audit-verify-governor-checksum", ("audit", "verify", "--governor", WRONG_CHECKSUM), r"wrong checksum"),
    C("audit-verify-governor-escape", ("audit", "verify", "--governor", ESC), r"\\x1b.* is not an address"),
    C("audit-verify-governor-long", ("audit", "verify", "--governor", LONG), r"is not an address"),
    C("audit-verify-governor-no-contract", ("audit", "verify", "--governor", "{a6}"), r"there is no contract at"),
    C(
        "audit-verify-governor-rpc-url-busy",
        ("audit", "verify", "--governor", "{a6}", "--rpc-url", "http://127.0.0.1:{busy_port}"),
        r"chain",
        codes=(3,),
        # a port that takes connections and never answers: each request times out and is asked again (7 times);
        # a short request timeout makes that 6 s instead of 72 s, the same error
        env={"CCSI_DAO_REQUEST_TIMEOUT": "0.5"},
    ),
    C("audit-report-governor-escape", ("audit", "report", "--governor", ESC, "--output", "{dir}/r.html"), r"address"),
    C(
        "audit-report-governor-no-contract",
        ("audit", "report", "--governor", "{a6}", "--output", "{dir}/r.html"),
        r"there is no contract at",
    ),
    C("audit-report-output-markdown", ("audit", "report", "--output", "{dir}/r.md"), r"give the HTML file"),
    C("audit-verify-code-governor-word", ("audit", "verify-code", "--governor", "x"), r"'x' is not an address"),
    C("log-governor-word", ("log", "--governor", "nobody"), r"'nobody' is not an address"),
    C("log-governor-no-contract", ("log", "--governor", "{a6}"), r"there is no contract at"),
    C("log-json-with-csv", ("log", "--json", "--format", "csv", "--no-sync"), r"--json prints JSON"),
    C("agreement-verify-missing", ("agreement", "verify", "{dir}/missing.md"), r"cannot read"),
    C("agreement-verify-folder", ("agreement", "verify", "{dir}"), r"not a regular file|cannot read"),
    C("agreement-verify-device", ("agreement", "verify", "/dev/zero"), r"not a regular file"),
    C(
        "agreement-verify-version-zero",
        ("agreement", "verify", "{dir}/doc.md", "--version", "0"),
        r"agreement version 0 does not exist",
        prepare=put("doc.md", "text"),
    ),
    C(
        "agreement-verify-version-negative",
        ("agreement", "verify", "{dir}/doc.md", "--version", "-2"),
        r"agreement version -2 does not exist",
        prepare=put("doc.md", "text"),
    ),
    C(
        "agreement-verify-version-word",
        ("agreement", "verify", "{dir}/doc.md", "--version", "latest"),
        r"--version",
        prepare=put("doc.md", "text"),
    ),
    C(
        "agreement-verify-version-missing",
        ("agreement", "verify", "{dir}/doc.md", "--version", "99"),
        r"there is no agreement version 99: the registry holds 1",
        prepare=put("doc.md", "text"),
    ),
    C(
        "agreement-verify-governor-no-contract",
        ("agreement", "verify", "{dir}/doc.md", "--governor", "{a6}"),
        r"there is no contract at",
        prepare=put("doc.md", "text"),
    ),
    C(
        "agreement-verify-bad-record",
        ("agreement", "verify", "{dir}/doc.md"),
        r"deployment record .* is damaged",
        prepare=both(put("doc.md", "text"), put("home/deployment.json", "{")),
    ),
    C("unknown-command", ("frobnicate",), r"No such command"),
    C("unknown-subcommand", ("members", "delete"), r"No such command"),
    C("missing-argument", ("vote",), r"Missing argument"),
    C("extra-argument", ("members", "list", "extra"), r"unexpected extra argument|Got unexpected"),
]

# -------- a new partner's CLI (issue 13): names, filters, treasury, devnet funds, agreement versions, keystore
# files, --json, global options after the command, and the two hostile inputs
KEYSTORE_JSON = json.dumps(
    {"address": "0" * 40, "crypto": {"cipher": "aes-128-ctr", "ciphertext": "00", "kdf": "pbkdf2", "mac": "00"}}
)
CASES += [
    C("name-members-show-ambiguous", ("members", "show", "partner"), r"'partner' could be any of .*Partner Univ"),
    C("name-members-show-unknown", ("members", "show", "ministry of magic"), r"is not an address, nor a member's"),
    C("name-members-show-typo", ("members", "show", "parnter university"), r"did you mean 'Partner University'( or |\?)"),
    C("name-members-show-blank", ("members", "show", "   "), r"is not an address"),
    C("name-proxy-set-ambiguous", ("proxy", "set", "founding", "--from", "a3"), r"'founding' could be any of"),
    C("name-suspend-unknown", ("propose", "suspend", "nobody here", "--from", "a1", "--yes"), r"is not an address"),
    C("name-transfer-newline", ("propose", "transfer", "a\nb", "1", "--from", "a1", "--yes"), r"is not an address"),
    C(
        "name-foundry-keystore-without-address",
        ("members", "show", "foundry:nameless"),
        r"keystore 'foundry:nameless' does not record its address",
        prepare=put("user-home/.foundry/keystores/nameless", KEYSTORE_JSON.replace('"address": "' + "0" * 40 + '", ', "")),
    ),
    C("constitutional-vote-bad-address", ("propose", "constitutional-vote", "0x12", "--from", "a1", "--yes"),
      r"is not an address"),
    C("constitutional-vote-non-member", ("propose", "constitutional-vote", "{a7}", "--from", "a1", "--yes"), r"{a7}"),
    C("proposals-list-state-unknown", ("proposals", "list", "--state", "bogus"), r"--state"),
    C("proposals-list-state-empty", ("proposals", "list", "--state", ""), r"--state"),
    C("proposals-list-mine-no-account", ("proposals", "list", "--mine"), r"--mine needs your account"),
    C("proposals-list-from-unknown", ("proposals", "list", "--from", "nobody"), r"no keystore named 'nobody'"),
    C("proposals-list-from-escape", ("proposals", "list", "--mine", "--from", ESC), r"no keystore named '\\x1b"),
    C("treasury-token-not-an-address", ("treasury", "--token", "euro"), r"'euro' is not an address"),
    C("treasury-token-not-a-token", ("treasury", "--token", "{a7}"), r"{a7} is not an ERC-20 token"),
    C("treasury-token-escape", ("treasury", "--token", ESC), r"is not an address"),
    C("treasury-tokens-env-garbage", ("treasury",), r"the tokens setting", env={"CCSI_DAO_TOKENS": "0x12,xyz"}),
    C("treasury-tokens-config-mapping", ("treasury",), r"the tokens setting must be a list",
      prepare=put("home/config.yaml", "tokens: {a: 1}\n")),
    C("treasury-extra-argument", ("treasury", "all"), r"unexpected extra argument|Got unexpected"),
    C("fund-treasury-word", ("devnet", "fund-treasury", "lots"), r"'lots' is not an amount"),
    C("fund-treasury-zero", ("devnet", "fund-treasury", "0"), r"the amount must be positive"),
    C("fund-treasury-negative", ("devnet", "fund-treasury", "-1"), r"No such option|must be positive"),
    C("fund-treasury-huge", ("devnet", "fund-treasury", "1e400"), r"is too large"),
    C("fund-treasury-beyond-balance", ("devnet", "fund-treasury", "100000000"), r"cannot be paid|too little ETH"),
    C("fund-treasury-token-unknown-symbol", ("devnet", "fund-treasury", "5", "--token", "tUSD"),
      r"'tUSD' is not an address"),
    C("fund-treasury-token-not-a-token", ("devnet", "fund-treasury", "5", "--token", "{a7}"),
      r"is not an ERC-20 token"),
    C("fund-treasury-dev-account-20", ("devnet", "fund-treasury", "1", "--dev-account", "20"), r"--dev-account"),
    C("fund-treasury-no-record", ("devnet", "fund-treasury", "1"), r"no deployment record",
      env={"CCSI_DAO_DEPLOYMENT": "{dir}/none.json"}),
    C("test-token-mint-word", ("devnet", "test-token", "--mint", "plenty"), r"'plenty' is not an amount"),
    C("test-token-mint-negative", ("devnet", "test-token", "--mint", "-5"), r"must be positive|No such option"),
    C("test-token-to-unknown", ("devnet", "test-token", "--to", "nobody here"), r"is not an address"),
    C("test-token-to-bad-checksum", ("devnet", "test-token", "--to", WRONG_CHECKSUM), r"wrong checksum"),
    C("test-token-dev-account-word", ("devnet", "test-token", "--dev-account", "zero"), r"--dev-account"),
    C("agreement-versions-extra", ("agreement", "versions", "2"), r"unexpected extra argument|Got unexpected"),
    C("agreement-versions-no-chain", ("agreement", "versions"), r"cannot reach the chain", codes=(3,),
      env={"CCSI_DAO_RPC_URL": "http://127.0.0.1:9"}),
    C("keystore-import-missing", ("wallet", "import", "fresh", "--keystore", "{dir}/none.json"),
      r"cannot read keystore file .*none.json"),
    C("keystore-import-directory", ("wallet", "import", "fresh", "--keystore", "{dir}"), r"is not a keystore file"),
    C("keystore-import-dev-zero", ("wallet", "import", "fresh", "--keystore", "/dev/zero"),
      r"/dev/zero is not a keystore file"),
    C("keystore-import-garbage", ("wallet", "import", "fresh", "--keystore", "{dir}/k.json"),
      r"keystore file .*k.json is damaged", prepare=put("k.json", b"\x00\xff{")),
    C("keystore-import-no-crypto", ("wallet", "import", "fresh", "--keystore", "{dir}/k.json"),
      r"is damaged or not a keystore \(no encrypted key in it\)", prepare=put("k.json", '{"address": "00"}')),
    C("keystore-import-wrong-password", ("wallet", "import", "fresh", "--keystore", "{home}/keystores/a2.json"),
      r"wrong password for keystore file .*a2.json", env={"CCSI_DAO_PASSWORD": "not-it"}),
    C("keystore-import-existing-alias", ("wallet", "import", "a3", "--keystore", "{home}/keystores/a2.json"),
      r"a keystore named 'a3' already exists"),
    C("keystore-import-same-key", ("wallet", "import", "again", "--keystore", "{home}/keystores/a2.json"),
      r"already stored as keystore 'a2'"),
    C("keystore-import-both-sources", ("wallet", "import", "fresh", "--keystore", "{home}/keystores/a2.json",
      "--key-file", "{dir}/k.txt"), r"either --key-file or --keystore", prepare=put("k.txt", "0x" + "22" * 32)),
    C("deploy-json-bad-agreement", ("--deployment", "{dir}/new.json", "deploy", "{dir}/agreement.yaml", "--from",
      "a0", "--json"), r"agreement", prepare=put("agreement.yaml", "consortium: X\n")),
    C("vote-json-unknown-account", ("vote", "1", "for", "--json", "--from", "nobody"), r"no keystore named 'nobody'"),
    C("propose-json-not-a-member", ("propose", "signal", "-d", "x", "--json", "--from", "a7"), r"cannot propose"),
    C("queue-json-active", ("queue", "1", "--json", "--from", "a1"), r"voting on proposal #1 is still open"),
    C("execute-json-active", ("execute", "1", "--json", "--from", "a1"), r"voting on proposal #1 is still open"),
    C("relay-json-garbage", ("relay", "{dir}/b.json", "--json", "--from", "a4"), r"cannot read ballot file",
      prepare=put("b.json", "{")),
    C("global-rpc-url-after-command", ("members", "list", "--rpc-url", "http://127.0.0.1:9"),
      r"cannot reach the chain at http://127.0.0.1:9", codes=(3,)),
    C("global-deployment-after-command", ("proposals", "show", "1", "--deployment", "{dir}"),
      r"cannot read the deployment record"),
    C("global-timeout-after-command", ("vote", "1", "for", "--from", "a2", "--timeout", "-1"), r"above 0"),
    C("global-timeout-word-after-command", ("members", "show", "a1", "--timeout", "soon"), r"--timeout"),
    C("global-rpc-url-after-name", ("members", "show", "partner univ", "--rpc-url", "http://127.0.0.1:9"),
      r"cannot reach the chain at http://127.0.0.1:9", codes=(3,)),
    C("relay-ballot-proposal-negative", ("relay", "{ballot}", "--from", "a4"),
      r"not a valid ccsi-dao ballot file: a number in it is out of range", prepare=edit_ballot(proposal_id="-1")),
    C("relay-ballot-proposal-2^256", ("relay", "{ballot}", "--from", "a4"),
      r"not a valid ccsi-dao ballot file: a number in it is out of range", prepare=edit_ballot(proposal_id=str(2**256))),
    C("relay-ballot-proposal-negative-int", ("relay", "{ballot}", "--from", "a4"),
      r"not a valid ccsi-dao ballot file", prepare=edit_ballot(proposal_id=-(2**300))),
    C("relay-ballot-proposal-unknown", ("relay", "{ballot}", "--from", "a4"),
      r"the ballot is for proposal 7, which this governor does not have", prepare=edit_ballot(proposal_id="7")),
    C("agreement-check-document-dev-zero", ("agreement", "check", "{dir}/agreement.yaml"),
      r"document.path: /dev/zero is not a regular file", prepare=agreement(sub("path: small-agreement.md",
                                                                                 "path: /dev/zero"))),
    C("agreement-check-path-dev-zero", ("agreement", "check", "/dev/zero"), r"not a regular file"),
    C("agreement-deploy-document-dev-zero", ("--deployment", "{dir}/new.json", "deploy", "{dir}/agreement.yaml",
      "--from", "a0"), r"/dev/zero is not a regular file",
      prepare=agreement(sub("path: small-agreement.md", "path: /dev/zero"))),
]  # fmt: skip


# -------- ccsi-dao watch: the subscriptions file, its channels, the options
def _subs(text: str) -> Prepare:
    return put("subs.yaml", text)


WATCH = ("watch", "{dir}/subs.yaml", "--once")
TERMINAL = "recipients: [{name: m, channels: [{type: terminal}]}]"
CASES += [
    C("watch-file-missing", ("watch", "{dir}/none.yaml", "--once"), r"subscriptions file .*none.yaml not found"),
    C("watch-file-folder", ("watch", "{dir}", "--once"), r"is not a regular file"),
    C("watch-file-binary", WATCH, r"cannot read subscriptions file", prepare=put("subs.yaml", b"\xff\xfe\x00rec")),
    C("watch-file-huge", WATCH, r"larger than 1,048,576 bytes", prepare=_subs("#" * 1_100_000)),
    C("watch-not-yaml", WATCH, r"is not valid YAML", prepare=_subs("recipients: [")),
    C("watch-top-level-list", WATCH, r"\(top level\): expected a mapping", prepare=_subs("- a\n- b")),
    C("watch-no-recipients", WATCH, r"recipients: ", prepare=_subs("recipients: []")),
    C("watch-unknown-field", WATCH, r"colour: unknown field", prepare=_subs("colour: blue\n" + TERMINAL)),
    C(
        "watch-unknown-channel",
        WATCH,
        r"recipients.0.channels.0: unknown channel type; use terminal, jsonl, email, webhook or ics",
        prepare=_subs("recipients: [{name: m, channels: [{type: pager}]}]"),
    ),
    C(
        "watch-channel-without-type",
        WATCH,
        r"recipients.0.channels.0: say which channel",
        prepare=_subs("recipients: [{name: m, channels: [{path: x.jsonl}]}]"),
    ),
    C(
        "watch-bad-email",
        WATCH,
        r"recipients.0.channels.0.to: 'office@' is not an email address",
        prepare=_subs(
            "smtp: {host: 127.0.0.1, sender: a@b.example}\nrecipients: [{name: m, channels: [{type: email, to: 'office@'}]}]"
        ),
    ),
    C(
        "watch-email-without-smtp",
        WATCH,
        r"an email channel needs the smtp section",
        prepare=_subs("recipients: [{name: m, channels: [{type: email, to: office@ministry.example}]}]"),
    ),
    C(
        "watch-webhook-ftp",
        WATCH,
        r"recipients.0.channels.0.url: 'ftp://h.example/x' is not a webhook address",
        prepare=_subs("recipients: [{name: m, channels: [{type: webhook, format: slack, url: 'ftp://h.example/x'}]}]"),
    ),
    C(
        "watch-webhook-format",
        WATCH,
        r"recipients.0.channels.0.format: ",
        prepare=_subs(
            "recipients: [{name: m, channels: [{type: webhook, format: discord, url: 'http://h.example/x'}]}]"
        ),
    ),
    C(
        "watch-webhook-escape",
        WATCH,
        r"may not contain spaces or control characters|is not a webhook address",
        prepare=_subs(
            'recipients: [{name: m, channels: [{type: webhook, format: slack, url: "http://h.example/\\e[2J"}]}]'
        ),
    ),
    C(
        "watch-webhook-unreachable",
        WATCH,
        r"recipients.0.channels.0 \(webhook http://127.0.0.1:9/…\): cannot reach http://127.0.0.1:9/…: connection refused",
        prepare=_subs(
            "recipients: [{name: m, channels: [{type: webhook, format: teams, url: 'http://127.0.0.1:9/s3cret'}]}]"
        ),
    ),
    C(
        "watch-unknown-kind",
        WATCH,
        r"recipients.0.notices: unknown kind 'everything'",
        prepare=_subs("recipients: [{name: m, notices: [everything], channels: [{type: terminal}]}]"),
    ),
    C(
        "watch-same-name-twice",
        WATCH,
        r"two recipients are named 'm'",
        prepare=_subs("recipients: [{name: m, channels: [{type: terminal}]}, {name: m, channels: [{type: terminal}]}]"),
    ),
    C(
        "watch-name-escape",
        WATCH,
        r"recipients.0.name: a recipient's name may not contain control",
        prepare=_subs('recipients: [{name: "m\\e[2J", channels: [{type: terminal}]}]'),
    ),
    C(
        "watch-jsonl-folder",
        WATCH,
        r"recipients.0.channels.0 \(jsonl .*\): .* is a folder",
        prepare=_subs("recipients: [{name: m, channels: [{type: jsonl, path: .}]}]"),
    ),
    C(
        "watch-jsonl-no-folder",
        WATCH,
        r"the folder .*nowhere does not exist",
        prepare=_subs("recipients: [{name: m, channels: [{type: jsonl, path: nowhere/m.jsonl}]}]"),
    ),
    C(
        "watch-ics-unwritable",
        WATCH,
        r"recipients.0.channels.0 \(ics /proc/ccsi-watch.ics\): cannot write /proc/ccsi-watch.ics",
        prepare=_subs("recipients: [{name: m, channels: [{type: ics, path: /proc/ccsi-watch.ics}]}]"),
    ),
    C(
        "watch-smtp-host-unknown",
        WATCH,
        r"smtp: the mail server mail.nonexistent.invalid:587 cannot be used: its host name does not resolve",
        prepare=_subs(
            "smtp: {host: mail.nonexistent.invalid, sender: a@b.example}\n"
            "recipients: [{name: m, channels: [{type: email, to: office@ministry.example}]}]"
        ),
    ),
    C(
        "watch-smtp-refused",
        WATCH,
        r"smtp: the mail server 127.0.0.1:9 cannot be used: connection refused",
        prepare=_subs(
            "smtp: {host: 127.0.0.1, port: 9, security: tls, sender: a@b.example}\n"
            "recipients: [{name: m, channels: [{type: email, to: office@ministry.example}]}]"
        ),
    ),
    C(
        "watch-smtp-password-unset",
        WATCH,
        r"smtp.password_env: the environment variable CCSI_WATCH_NO_SUCH_VARIABLE is not set",
        prepare=_subs(
            "smtp: {host: 127.0.0.1, port: 9, username: u, password_env: CCSI_WATCH_NO_SUCH_VARIABLE, sender: a@b.example}\n"
            "recipients: [{name: m, channels: [{type: email, to: office@ministry.example}]}]"
        ),
    ),
    C(
        "watch-member-unknown-alias",
        WATCH,
        r"recipients.0.member: 'nobody' is neither an address, nor a keystore alias, nor a member's name",
        prepare=_subs("recipients: [{name: m, member: nobody, channels: [{type: terminal}]}]"),
    ),
    C(
        "watch-member-not-a-member",
        WATCH,
        r"recipients.0.member: 0x[0-9a-fA-F]{40} is not a member of this consortium",
        prepare=_subs("recipients: [{name: m, member: a6, channels: [{type: terminal}]}]"),
    ),
    C(
        "watch-member-wrong-checksum",
        WATCH,
        r"recipients.0.member: .* has a wrong checksum",
        prepare=_subs(f"recipients: [{{name: m, member: '{WRONG_CHECKSUM}', channels: [{{type: terminal}}]}}]"),
    ),
    C(
        "watch-interval-word",
        ("watch", "{dir}/subs.yaml", "--interval", "soon"),
        r"--interval: ",
        prepare=_subs(TERMINAL),
    ),
    C("watch-interval-zero", ("watch", "{dir}/subs.yaml", "--interval", "0"), r"--interval: ", prepare=_subs(TERMINAL)),
    C(
        "watch-interval-huge",
        ("watch", "{dir}/subs.yaml", "--interval", "9" * 40),
        r"--interval: ",
        prepare=_subs(TERMINAL),
    ),
    C("watch-confirmations-negative", (*WATCH, "--confirmations", "-1"), r"--confirmations", prepare=_subs(TERMINAL)),
    C("watch-state-folder", (*WATCH, "--state", "{dir}"), r"the watch state .* is a folder", prepare=_subs(TERMINAL)),
    C(
        "watch-state-no-folder",
        (*WATCH, "--state", "{dir}/nowhere/state.sqlite"),
        r"the folder .*nowhere does not exist",
        prepare=_subs(TERMINAL),
    ),
    C(
        "watch-state-not-sqlite",
        (*WATCH, "--state", "{dir}/state.sqlite"),
        r"is not a usable SQLite database",
        prepare=both(_subs(TERMINAL), put("state.sqlite", "not a database" * 100)),
    ),
]


# -------- deploying to a shared chain (--confirmations, --resume) and legacy transactions (--legacy)
DEPLOY = ("--deployment", "{dir}/new.json", "deploy", str(SMALL), "--from", "a0")


def partial(**changes: object) -> str:
    """A record of a deployment that stopped half-way, as ``deploy`` writes it, with ``changes``."""
    record = {"format": 3, "status": "partial", "consortium": "Small Test Consortium", "chain_id": 31337,
              "deployer": A["a0"], "nonce": 0, "params": "0" * 64, "timelock": A["a7"], "membership": A["a7"],
              "governor": A["a7"], "libraries": {}, "steps": {}, "artifacts": {}}  # fmt: skip
    record.update(changes)
    return json.dumps(record)


CASES += [
    C("deploy-confirmations-negative", (*DEPLOY, "--confirmations", "-1"), r"--confirmations"),
    C("deploy-confirmations-huge", (*DEPLOY, "--confirmations", "1001"), r"--confirmations"),
    C("deploy-confirmations-word", (*DEPLOY, "--confirmations", "two"), r"--confirmations"),
    C("deploy-resume-and-replace", (*DEPLOY, "--resume", "--replace"), r"give one of them"),
    C("deploy-resume-nothing", (*DEPLOY, "--resume"), r"no deployment record at .*new\.json"),
    C("deploy-resume-finished", ("deploy", str(SMALL), "--from", "a0", "--resume"), r"a finished deployment"),
    C("deploy-resume-damaged", (*DEPLOY, "--resume"), r"new\.json is damaged", prepare=put("new.json", "{")),
    C(
        "deploy-resume-other-agreement",
        (*DEPLOY, "--resume"),
        r"the agreement differs from the one this deployment was started with",
        prepare=put("new.json", partial()),
    ),
    C(
        "deploy-resume-other-deployer",
        (*DEPLOY, "--resume"),
        r"was sent by 0x.*; resume it with that key",
        prepare=put("new.json", partial(deployer=A["a1"])),
    ),
    C(
        "deploy-resume-other-chain",
        (*DEPLOY, "--resume"),
        r"has chain id 31337, but the deployment is on chain 100",
        codes=(3,),
        prepare=put("new.json", partial(chain_id=100)),
    ),
    C(
        "deploy-over-unfinished",
        DEPLOY,
        r"did not finish; finish it with --resume, or start again with --replace",
        prepare=put("new.json", partial()),
    ),
    C(
        "record-unfinished",
        ("members", "list"),
        r"did not finish \(nothing of it is confirmed on chain yet\); finish it with ccsi-dao deploy AGREEMENT --resume",
        prepare=put("home/deployment.json", partial()),
    ),
    C("legacy-env-word", ("vote", "1", "for", "--from", "a2"), r"legacy setting must be true or false, not 'maybe'",
      env={"CCSI_DAO_LEGACY": "maybe"}),
    C("legacy-config-number", ("vote", "1", "for", "--from", "a2"), r"legacy setting must be true or false",
      prepare=put("home/config.yaml", "legacy: 5\n")),
    C("legacy-config-list", ("vote", "1", "for", "--from", "a2"), r"legacy setting must be true or false",
      prepare=put("home/config.yaml", "legacy: [true]\n")),
    C("legacy-flag-value", ("--legacy", "yes", "vote", "1", "for", "--from", "a2"), r"No such command 'yes'"),
    C("advance-rpc-url-closed", ("--rpc-url", "http://127.0.0.1:1", "devnet", "advance", "1d"), r"no answer from",
      codes=(3,)),
]  # fmt: skip


def _edit_keystore(path: Path, change: Callable[[dict], object]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _swap_address(path: Path, address: str) -> None:
    _edit_keystore(path, lambda k: k.update(address=address[2:].lower()))


def _leaf_commands() -> set[tuple[str, ...]]:
    """Every command of `ccsi-dao --help`, recursively, as word tuples (``("propose", "admit")``)."""
    import typer.main

    from ccsi_dao.cli.main import app

    def leaves(command: Any, path: tuple[str, ...]) -> list[tuple[str, ...]]:
        if hasattr(command, "commands"):  # a group (typer vendors its own click)
            return [leaf for name, sub in command.commands.items() for leaf in leaves(sub, (*path, name))]
        return [path]

    return set(leaves(typer.main.get_command(app), ()))


def _covered() -> set[tuple[str, ...]]:
    return {command for command in _leaf_commands() for case in CASES if _contains(case.args, command)}


def test_every_command_is_in_the_table() -> None:
    """Every leaf command of `ccsi-dao --help`, recursively, has at least one case, except those that take no
    input beyond the shared options (exercised through the other commands here, and by tests/test_cli.py)."""
    no_input = {("agreement", "schema"), ("members", "list"), ("proposals", "list"), ("wallet", "list"),
                ("proxy", "revoke"), ("resign",)}  # fmt: skip
    commands = _leaf_commands()
    assert commands - no_input - _covered() == set()
    assert len(commands) >= 30


def _contains(args: tuple[str, ...], command: tuple[str, ...]) -> bool:
    n = len(command)
    return any(args[i : i + n] == command for i in range(len(args) - n + 1))


def test_case_count() -> None:
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names)
    print(f"\n{len(CASES)} bad-input cases over {len(_covered())} of {len(_leaf_commands())} commands")
    assert len(CASES) >= 300


# ---------------------------------------------------------------------------------------------- running the cases


def fields(world: World, folder: Path) -> dict[str, str]:
    return {"dir": str(folder), "home": str(folder / "home"), "ballot": str(folder / "ballot.json"),
            "busy_port": str(world.busy_port), "url": world.url, **A}  # fmt: skip


def setup_case(world: World, case: Case, folder: Path) -> tuple[list[str], dict[str, str | None]]:
    folder.mkdir(parents=True, exist_ok=True)
    copy_home(world, folder)
    shutil.copyfile(world.ballot, folder / "ballot.json")
    (folder / "user-home").mkdir()
    if case.prepare:
        case.prepare(folder)
    values = fields(world, folder)
    args = [_fill(a, values) for a in case.args]
    env: dict[str, str | None] = {
        "CCSI_DAO_HOME": str(folder / "home"), "CCSI_DAO_RPC_URL": world.url, "CCSI_DAO_PASSWORD": PASSWORD,
        "HOME": str(folder / "user-home"), "CI": "1", "CCSI_DAO_DEPLOYMENT": None, "CCSI_DAO_ACCOUNT": None,
        "CCSI_DAO_RECEIPT_TIMEOUT": None, "CCSI_DAO_REQUEST_TIMEOUT": None, "APE_DATA_FOLDER": None, "COLUMNS": "200",
    }  # fmt: skip
    env.update({k: _fill(v, values) if v is not None else None for k, v in case.env.items()})
    return args, env


def _fill(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


WORKERS = 3
_WORLD: World | None = None  # handed to the forked workers


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    crash: str | None  # an exception that escaped the command: a traceback for the user
    files_changed: list[str]
    chain_changed: bool
    fields: dict[str, str]


def _run_cases(indices: list[int]) -> dict[str, Outcome]:
    """Worker (a forked process): run cases in-process through click's test runner, one folder each."""
    from ccsi_dao.cli.main import app

    assert _WORLD is not None
    world, outcomes, root = _WORLD, {}, _WORLD.base.parent / "cases"
    for index in indices:
        case = CASES[index]
        folder = root / case.name
        args, env = setup_case(world, case, folder)
        os.chdir(folder)  # a command that wrote to the working folder would show in the hash
        files_before, block_before = hash_tree(folder), block_number(world.url)
        result = CliRunner().invoke(app, args, env=env, prog_name="ccsi-dao")
        crash = None
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            crash = f"{type(result.exception).__name__}: {result.exception}"
        files_after = hash_tree(folder)
        changed = sorted(
            k for k in files_before.keys() | files_after.keys() if files_before.get(k) != files_after.get(k)
        )
        outcomes[case.name] = Outcome(result.exit_code, result.stdout, result.stderr, crash, changed,
                                      block_number(world.url) != block_before, fields(world, folder))  # fmt: skip
    return outcomes


@pytest.fixture(scope="module")
def batch(world: World, request: pytest.FixtureRequest) -> dict[str, Outcome]:
    """Every selected case, run by a few forked workers (the CLI already imported), before the per-case tests
    read their outcome. A transaction sent by any case also shows in the chain check around the whole batch."""
    global _WORLD
    import multiprocessing

    import ccsi_dao.cli.main  # noqa: F401  - imported once, before the fork
    import ccsi_dao.governance  # noqa: F401

    selected = {item.callspec.params["case"].name for item in request.session.items
                if getattr(item, "module", None) is request.module and getattr(item, "callspec", None)
                and isinstance(item.callspec.params.get("case"), Case)}  # fmt: skip
    indices = [i for i, c in enumerate(CASES) if c.name in selected]
    _WORLD = world
    before = chain_state(world.url)
    cwd = os.getcwd()
    try:
        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            parts = pool.map(_run_cases, [indices[i::WORKERS] for i in range(WORKERS)])
    finally:
        os.chdir(cwd)
    outcomes = {name: outcome for part in parts for name, outcome in part.items()}
    outcomes["(whole batch)"] = Outcome(0, "", "", None, [], chain_state(world.url) != before, {})
    return outcomes


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, batch: dict[str, Outcome]) -> None:
    outcome = batch[case.name]
    assert outcome.crash is None, f"traceback: {outcome.crash}\n{outcome.stderr}"
    line = assert_clean_error(_Exited(outcome.code, outcome.stderr or outcome.stdout), codes=case.codes)
    assert re.search(_fill(case.says, outcome.fields), line), line
    assert len(line) < 12_000
    assert not outcome.chain_changed and not batch["(whole batch)"].chain_changed, "a transaction was sent"
    assert outcome.files_changed == [], f"files written or changed: {outcome.files_changed}"


@dataclass
class _Exited:
    returncode: int
    stderr: str


SUBPROCESS_SAMPLE = [
    "id-vote-superscript",
    "address-admit-wrong-checksum",
    "amount-transfer-huge-exponent",
    "weight-set-weight-10^30",
    "name-admit-escape",
    "duration-advance-400-digits",
    "port-start-above-65535",
    "ballot-same-twice",
    "agreement-deploy-weight-10^30",
    "timeout-negative",
    "relay-ballot-proposal-negative",
    "agreement-check-document-dev-zero",
    "name-members-show-ambiguous",
]


def test_subprocess_sample(world: World, tmp_path: Path) -> None:
    """A sample of the table through the real ``ccsi-dao`` executable, all at once: same exit code, same error line,
    nothing sent, nothing written."""
    by_name = {c.name: c for c in CASES}
    chain_before = chain_state(world.url)
    runs = []
    for name in SUBPROCESS_SAMPLE:
        case, folder = by_name[name], tmp_path / name
        args, env = setup_case(world, case, folder)
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("CCSI_DAO_")}
        full_env.update({k: v for k, v in env.items() if v is not None})
        for k, v in env.items():
            if v is None:
                full_env.pop(k, None)
        before = hash_tree(folder)
        process = subprocess.Popen([CLI, *args], env=full_env, cwd=folder, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        runs.append((case, folder, before, process))
    for case, folder, before, process in runs:
        out, err = process.communicate(timeout=60)
        line = assert_clean_error(
            subprocess.CompletedProcess(process.args, process.returncode, out, err), codes=case.codes
        )
        assert re.search(_fill(case.says, fields(world, folder)), line), (case.name, line)
        assert hash_tree(folder) == before, case.name
    assert chain_state(world.url) == chain_before
