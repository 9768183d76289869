"""The CLI as a new partner tries it: the ``ccsi-dao`` command against this module's anvil.

Each command runs through the console script's entry point in a fork of the test process (``Cli(in_process=True)``:
the arguments, environment, working folder and non-terminal streams a subprocess would have, without an interpreter
start-up per command); the password prompt runs as a real process on a terminal (``_pty_run``), and
``tests/e2e/test_cli.py``'s round runs every command as a real process.

Names instead of addresses, the treasury and its tokens, the filters and the "your vote" column of ``proposals
list``, who voted how, ``--json`` on the write commands, errors that say when and why, two ballots signed before
either is relayed, chain text that tries to act on the terminal, tables that fit the terminal, a wrong password
typed again at the prompt, keystore files imported, and the hostile inputs of issue 13 (a document that is
/dev/zero, a ballot whose proposal id is out of range).

One consortium (``examples/small.yaml``) is deployed for the module through the library; each test runs inside an
EVM snapshot (``Rpc.rolled_back``) so it starts from that deployment. The anvil stamps blocks 1 s apart: time
moves only when a test says so.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account

from ccsi_dao.agreement import load_agreement
from ccsi_dao.chain import Chain
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import SuiteParams, deploy_suite
from ccsi_dao.types import Role, StakeholderGroup, VoteType
from tests.support.anvil import free_port, start_anvil
from tests.support.cli import PASSWORD, SMALL, Cli, Rpc, cli_command, dev_account, digest, write_keystore

pytestmark = pytest.mark.slow

ALIASES = {"deployer": 0, "agency": 1, "coop": 2, "university": 3, "municipality": 4, "observer": 5, "outsider": 7}
ADDRESS = {alias: dev_account(index).address for alias, index in ALIASES.items()}
VOTING_DELAY = 3600  # small.yaml
TX = r"0x[0-9a-f]{64}"


@dataclass
class World:
    rpc: Rpc
    home: Path  # keystores and the deployment record
    dao: Consortium

    def cli(self, folder: Path) -> Cli:
        """``ccsi-dao`` with a copy of the prepared home in ``folder``."""
        shutil.copytree(self.home, folder / "home")
        return Cli(folder / "home", self.rpc.url, in_process=True)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    proc, url = start_anvil()
    rpc = Rpc(url)
    rpc("anvil_setBlockTimestampInterval", 1)
    home = tmp_path_factory.mktemp("partner") / "home"
    for alias, index in ALIASES.items():
        write_keystore(home, alias, dev_account(index).key)
    chain = Chain.connect(url)
    record = deploy_suite(chain, dev_account(0), SuiteParams.from_agreement(load_agreement(SMALL)))
    record.save(home / "deployment.json")
    try:
        yield World(rpc, home, Consortium(chain, record))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def open_votes(world: World) -> None:
    """Move past the voting delay of the proposals made so far."""
    world.rpc.advance(VOTING_DELAY + 1)


def as_timelock(world: World, fn: object, timelock: str | None = None) -> None:
    """Send a registry call as governance would (anvil impersonation of the timelock)."""
    timelock = timelock or world.dao.record.timelock
    balance = world.rpc("eth_getBalance", timelock, "latest")
    world.rpc("anvil_setBalance", timelock, hex(10**18))
    world.rpc("anvil_impersonateAccount", timelock)
    try:
        gas = fn.estimate_gas({"from": timelock}) * 2 + 200_000  # type: ignore[attr-defined]  # see Round.as_timelock
        tx = fn.transact({"from": timelock, "gas": gas})  # type: ignore[attr-defined]
        assert world.dao.chain.w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    finally:
        world.rpc("anvil_stopImpersonatingAccount", timelock)
        world.rpc("anvil_setBalance", timelock, balance)  # the treasury holds what it held


def receipt_ok(world: World, tx_hash: str) -> bool:
    receipt = world.rpc("eth_getTransactionReceipt", tx_hash)
    return receipt is not None and receipt["status"] == "0x1"


# ================================================================================================ names


def test_names_and_aliases_wherever_an_address_is_expected(world: World, tmp_path: Path) -> None:
    """A member by keystore alias, by full name or by the first letters of its words; the same answer as by
    address. `proxy set`, `propose suspend` and `propose set-group` take names too, and resolve them on the chain the options after the
    command name select."""
    cli = world.cli(tmp_path)
    with world.rpc.rolled_back():
        by_address, by_alias, by_words, by_name = cli.ok_all(
            ("members", "show", ADDRESS["university"], "--json"),
            ("members", "show", "university", "--json"),
            ("members", "show", "partner univ", "--json"),
            ("members", "show", "PARTNER UNIVERSITY", "--json"),
        )
        from ccsi_dao import __version__

        assert cli.ok("--version").stdout == f"ccsi-dao {__version__}\n"
        assert by_address.json()["name"] == "Partner University"
        assert by_address.json() == by_alias.json() == by_words.json() == by_name.json()

        appointed = cli.ok("proxy", "set", "partner univ", "--from", "municipality")
        assert appointed.stdout == (
            f"{ADDRESS['university']} (Partner University) now votes with {ADDRESS['municipality']}'s power\n"
        )
        assert cli.ok("members", "show", "municipality", "--json").json()["proxy"] == ADDRESS["university"]

        suspended = cli.ok("propose", "suspend", "Partner Municipality", "--from", "agency", "--yes")
        assert f"  1. suspend {ADDRESS['municipality']} (Partner Municipality)\n" in suspended.stdout
        grouped = cli.ok("propose", "set-group", "partner univ", "business", "--from", "agency", "--yes")
        assert grouped.stdout.startswith("category: constitutional (decided by the governor from the actions)\n")
        assert f"  1. move {ADDRESS['university']} (Partner University) to stakeholder group business\n" in (
            grouped.stdout
        )

        # the global options may follow the command: the name is resolved on that chain and record
        moved = tmp_path / "elsewhere.json"
        shutil.copyfile(cli.home / "deployment.json", moved)
        (cli.home / "deployment.json").unlink()
        closed = f"http://127.0.0.1:{free_port()}"
        after = cli.ok("members", "show", "founding coop", "--json", "--rpc-url", world.rpc.url, "--deployment",
                       str(moved), env={"CCSI_DAO_RPC_URL": closed})  # fmt: skip
        assert after.json()["address"] == ADDRESS["coop"]
        failed = cli.run("members", "list", "--rpc-url", closed, "--deployment", str(moved))
        assert failed.code == 3 and failed.stderr.startswith(f"error: cannot reach the chain at {closed}")


# ================================================================================================ treasury


def test_treasury_tokens_and_amounts_in_their_units(world: World, tmp_path: Path) -> None:
    """The treasury's balances in ETH and tokens (symbol, decimals), funded on the devnet; a payment proposed in
    tEUR reads "250.75 tEUR" in its actions and its description; one beyond the balance is refused in the same
    units before anything is sent."""
    cli = world.cli(tmp_path)
    timelock = world.dao.record.timelock
    with world.rpc.rolled_back():
        empty = cli.ok("treasury", "--json").json()
        assert empty == {"address": timelock, "eth": {"wei": "0", "amount": "0"}, "tokens": [], "not_tokens": []}

        funded = cli.ok("devnet", "fund-treasury", "2.5")
        assert re.fullmatch(rf"sent 2.5 ETH to the treasury {timelock} \(tx {TX}\)\n", funded.stdout)
        made = cli.ok("devnet", "test-token", "--mint", "1000.5", "--to", "coop", "--json").json()
        token = made["token"]
        assert (made["symbol"], made["name"], made["decimals"]) == ("tEUR", "Test Euro", 18)
        assert [(m["to"], m["amount"]) for m in made["minted"]] == [
            (timelock, str(10005 * 10**17)),
            (ADDRESS["coop"], str(10005 * 10**17)),
        ]
        assert all(receipt_ok(world, m["transaction"]["hash"]) for m in made["minted"])
        cli.ok("devnet", "fund-treasury", "5", "--token", "tEUR")  # by symbol: 1005.5 tEUR now

        held, table = cli.ok_all(("treasury", "--json"), ("treasury",))
        assert held.json()["eth"] == {"wei": str(25 * 10**17), "amount": "2.5"}
        assert held.json()["tokens"] == [
            {"address": token, "symbol": "tEUR", "name": "Test Euro", "decimals": 18,
             "balance": str(10055 * 10**17), "amount": "1005.5"}
        ]  # fmt: skip
        assert table.stdout.startswith(f"treasury: {timelock} (the timelock")
        assert re.search(rf"^tEUR +1005.5 +18 +{token} +Test Euro$", table.stdout, re.M)
        assert re.search(r"^ETH +2.5 +18 +- +Ether$", table.stdout, re.M)

        # a token configured but never received is shown at 0; without the setting it is not
        other = cli.ok("devnet", "test-token", "--mint", "0", "--json").json()["token"]
        configured = cli.ok("treasury", "--json", env={"CCSI_DAO_TOKENS": other}).json()["tokens"]
        assert [(t["address"], t["amount"]) for t in configured] == [(other, "0"), (token, "1005.5")]

        proposed = cli.ok("propose", "transfer", "partner univ", "250.75", "--token", "tEUR", "--from", "agency",
                          "--json")  # fmt: skip
        sent = proposed.json()
        words = (f"transfer 250.75 tEUR (token {token}) from the treasury to {ADDRESS['university']} "
                 "(Partner University)")  # fmt: skip
        assert [a["description"] for a in sent["actions"]] == [words]
        assert sent["proposal"]["title"] == words[0].upper() + words[1:]
        assert sent["proposal"]["category"] == "treasury" and receipt_ok(world, sent["transaction"]["hash"])
        shown = cli.ok("proposals", "show", "1")
        assert f"  1. {words}\n" in shown.stdout

        before = world.rpc.state(ADDRESS.values())
        refused = cli.run("propose", "transfer", "coop", "2000", "--token", token, "--from", "agency", "--yes")
        assert refused.code == 2 and refused.stderr == (
            f"error: action 1, when executed, was rejected by the token tEUR ({token}): the treasury holds "
            "1005.5 tEUR, 2000 tEUR are needed.\n"
        )
        assert world.rpc.state(ADDRESS.values()) == before


def test_deploy_and_cancel_json_agreement_versions_and_listed_tokens(world: World, tmp_path: Path) -> None:
    """`deploy --json` gives the record it wrote; `cancel --json` the transaction; `agreement versions` every
    version with its hash and URI (an amendment adds one); `treasury --token` shows a token never received; the
    devnet's funds can come from another test account."""
    cli = world.cli(tmp_path)
    record = tmp_path / "second.json"
    with world.rpc.rolled_back():
        deployed = cli.ok("--deployment", str(record), "deploy", str(SMALL), "--from", "deployer", "--json").json()
        saved = json.loads(record.read_text())
        assert deployed == {**saved, "record": str(record)} and deployed["chain_id"] == 31337
        assert all(receipt_ok(world, tx) for tx in deployed["transactions"].values())
        second = ("--deployment", str(record))

        cli.ok("propose", "signal", "-d", "Withdrawn soon", "--from", "coop", "--yes", *second)
        cancelled = cli.ok("cancel", "1", "--from", "coop", "--json", *second).json()
        assert (cancelled["step"], cancelled["proposal"]["title"], cancelled["from"]) == ("cancel", "Withdrawn soon",
                                                                                          ADDRESS["coop"])  # fmt: skip
        assert cancelled["transaction"]["to"] == deployed["governor"] and receipt_ok(
            world, cancelled["transaction"]["hash"]
        )
        assert cli.ok("proposals", "list", "--json", *second).json()[0]["state"] == "canceled"

        versions = cli.ok("agreement", "versions", "--json", *second).json()
        expected = "0x" + load_agreement(SMALL).document_hash.hex()
        assert [(v["version"], v["sha256"], v["uri"]) for v in versions] == [(1, expected, "small-agreement.md")]
        registry = world.dao.chain.contract(deployed["membership"], world.dao.membership.abi).functions
        as_timelock(world, registry.amendAgreement(b"\x22" * 32, "ipfs://bafy-agreement-v2"), deployed["timelock"])
        listed = cli.ok("agreement", "versions", *second).stdout.splitlines()
        assert re.fullmatch(rf"2 +\S+ \S+ \S+ +0x{'22' * 32} +ipfs://bafy-agreement-v2", listed[3])
        assert listed[-1] == "in force: version 2"

        funded = cli.ok("devnet", "fund-treasury", "1.25", "--dev-account", "9", "--json", *second).json()
        assert (funded["from"], funded["treasury"], funded["amount"]) == (
            dev_account(9).address,
            deployed["timelock"],
            str(125 * 10**16),
        )
        made = cli.ok("devnet", "test-token", "--mint", "0", "--dev-account", "8", "--json", *second).json()
        token = made["token"]
        assert made["minted"] == [] and made["from"] == dev_account(8).address and world.dao.chain.code(token)
        shown = cli.ok("treasury", "--token", token, "--json", *second).json()
        assert shown["eth"]["amount"] == "1.25" and [(t["symbol"], t["amount"]) for t in shown["tokens"]] == [
            ("tEUR", "0")
        ]
        assert cli.ok("treasury", "--json", *second).json()["tokens"] == []


# ================================================================================================ proposals


def test_proposals_list_filters_your_vote_and_who_voted(world: World, tmp_path: Path) -> None:
    """--open, --state and --mine select; "your vote" says how the --from account voted; `proposals show` names
    the proposer and lists each vote with its reason; a vote on a proposal that closed early says so."""
    cli = world.cli(tmp_path)
    dao, who = world.dao, {alias: dev_account(i) for alias, i in ALIASES.items()}
    with world.rpc.rolled_back():
        first = dao.propose(who["agency"], [actions.signal()], "First: adopt the work plan")
        second = dao.propose(who["coop"], [actions.signal()], "Second: open a call")
        open_votes(world)
        dao.vote(who["university"], second.id, VoteType.AGAINST, "Not this year")
        dao.vote(who["agency"], first.id, VoteType.FOR, "Agreed in the board")
        dao.vote(who["coop"], first.id, VoteType.FOR)  # 3 of 5 votes for: nothing left can change it
        dao.propose(who["municipality"], [actions.signal()], "Third: pending")

        everything, opened, passed, mine, both, table = cli.ok_all(
            ("proposals", "list", "--from", "university", "--json"),
            ("proposals", "list", "--open", "--json"),
            ("proposals", "list", "--state", "succeeded", "--json"),
            ("proposals", "list", "--mine", "--from", "coop", "--json"),
            ("proposals", "list", "--open", "--state", "succeeded", "--json"),
            ("proposals", "list", "--from", "agency"),
        )
        assert [(p["number"], p["state"], p["your_vote"]) for p in everything.json()] == [
            (1, "succeeded", "-"),
            (2, "active", "against"),
            (3, "pending", "-"),
        ]
        assert [p["number"] for p in opened.json()] == [2, 3] and "your_vote" not in opened.json()[0]
        assert [p["number"] for p in passed.json()] == [1]
        assert [p["number"] for p in mine.json()] == [2]
        assert [p["number"] for p in both.json()] == [1, 2, 3]
        lines = table.stdout.splitlines()
        assert re.fullmatch(r"# +state +category +for/against/abstain +quorum +deadline +your vote +title", lines[0])
        assert re.match(r"^1 +succeeded +ordinary +3/0/0 +3/2 +.* +for +First: adopt the work plan$", lines[2])
        assert re.match(r"^2 +active +ordinary +0/1/0 +1/2 +.* +not yet +Second: open a call$", lines[3])

        shown = cli.ok("proposals", "show", "1")
        assert re.search(rf"^proposer +{ADDRESS['agency']} \(Founding Agency\)$", shown.stdout, re.M)
        assert shown.stdout.endswith(
            "voter                 address                                     vote  weight  reason\n"
            "--------------------  ------------------------------------------  ----  ------  -------------------\n"
            f"Founding Agency       {ADDRESS['agency']}  for   2       Agreed in the board\n"
            f"Founding Cooperative  {ADDRESS['coop']}  for   1       -\n"
        )
        late = cli.run("vote", "1", "against", "--from", "municipality")
        assert late.code == 2 and re.fullmatch(
            r"error: voting on proposal #1 closed early, before its deadline \S+ \S+ \S+: the votes not yet cast "
            r"could no longer change the outcome, and it passed\n",
            late.stderr,
        )
        missing = cli.run("proposals", "list", "--mine")
        assert missing.code == 2 and missing.stderr == (
            "error: --mine needs your account: give --from ALIAS (or set CCSI_DAO_ACCOUNT)\n"
        )


# ================================================================================================ writes, JSON, ballots


def test_write_commands_json_and_two_ballots_before_either_is_relayed(world: World, tmp_path: Path) -> None:
    """--json on propose, vote, relay, queue and execute says what was sent and its transaction (a mined, successful
    one). One member signs ballots on two proposals before either is relayed (nonces keyed by proposal), and both
    count; `relay` prints each transaction."""
    cli = world.cli(tmp_path)
    with world.rpc.rolled_back():
        proposed = [cli.ok("propose", "signal", "-d", f"Decision {n}", "--from", "agency", "--json").json()
                    for n in (1, 2)]  # fmt: skip
        assert [p["proposal"]["number"] for p in proposed] == [1, 2]
        assert all(p["proposer"] == ADDRESS["agency"] and receipt_ok(world, p["transaction"]["hash"]) for p in proposed)
        open_votes(world)

        one, two = tmp_path / "one.json", tmp_path / "two.json"
        signed = cli.ok_all(
            ("vote", "1", "for", "--sign-only", "--out", str(one), "--from", "university", "--json"),
        ) + cli.ok_all(("vote", "2", "against", "-r", "Too early", "--sign-only", "--out", str(two), "--from",
                        "university"))  # fmt: skip
        first = signed[0].json()
        assert first["proposal"] == {"number": 1, "id": proposed[0]["proposal"]["id"], "title": "Decision 1",
                                     "category": "ordinary"}  # fmt: skip
        assert first["transaction"] is None and first["ballot"] == str(one)
        assert signed[1].stdout.startswith(
            f"proposal #2: Decision 2\ncategory: ordinary\nid: {proposed[1]['proposal']['id']}\n"
        )
        before = world.rpc.nonce(ADDRESS["university"])

        relayed = cli.ok("relay", str(one), str(two), "--from", "observer")
        lines = relayed.stdout.splitlines()
        assert [re.fullmatch(rf"relayed (\S+): {ADDRESS['university']} voted (\w+) on #(\d) \(tx ({TX})\)", line)
                is not None for line in lines] == [True, True]  # fmt: skip
        hashes = [line.rsplit("(tx ", 1)[1].rstrip(")") for line in lines]
        assert len(set(hashes)) == 2 and all(receipt_ok(world, h) for h in hashes)
        assert world.rpc.nonce(ADDRESS["university"]) == before  # the voter paid nothing
        votes = [world.dao.tally(int(p["proposal"]["id"])) for p in proposed]
        assert (votes[0][VoteType.FOR], votes[1][VoteType.AGAINST]) == (1, 1)

        voted = cli.ok("vote", "1", "for", "--from", "coop", "--reason", "Fine", "--json").json()
        assert (voted["vote"], voted["reason"], voted["voter"]) == ("for", "Fine", ADDRESS["coop"])
        assert voted["transaction"]["status"] == "success" and receipt_ok(world, voted["transaction"]["hash"])
        cli.ok("vote", "1", "for", "--from", "agency")  # 4 of 5 for: closes early
        queued = cli.ok("queue", "1", "--from", "agency", "--json").json()
        assert queued["step"] == "queue" and queued["executable_from"] > world.rpc.now()
        world.rpc.advance(queued["executable_from"] - world.rpc.now() + 1)
        executed = cli.ok("execute", "#1", "--from", "coop", "--json").json()
        assert (executed["step"], executed["proposal"]["number"], executed["from"]) == ("execute", 1, ADDRESS["coop"])
        assert receipt_ok(world, executed["transaction"]["hash"])

        again = tmp_path / "again.json"
        again.write_text(one.read_text())
        twice = cli.run("relay", str(again), "--from", "observer", "--json")
        assert (
            twice.code == 2
            and not twice.stdout
            and re.fullmatch(
                rf"error: again.json: {ADDRESS['university']}'s ballot on proposal #1 was already relayed by "
                rf"{ADDRESS['observer']} \(transaction {TX}\)\n",
                twice.stderr,
            )
        )


# ================================================================================================ hostile chain text

EVIL_STATE = "Harmless\r\x1b[2K1  executed  ordinary  9/0/0  Approved by all"
EVIL_OSC = "\x1b]8;;https://evil.example\x07Click\x1b]8;;\x07 \x1b]0;owned\x07\x1b[1A\x1b[2Ksucceeded\x9b2J"
EVIL_NAME = "Evil\x1b[31m Corp\rFounding Agency"
EVIL_URI = "https://x.example/\x1b]8;;http://evil\x07v2\x1b[2J"


def test_chain_text_cannot_act_on_the_terminal(world: World, tmp_path: Path) -> None:
    """Descriptions, a member's name, a vote's reason and an agreement URI holding ESC/OSC/CSI sequences, BEL and a
    bare CR reach the terminal as visible escapes: no control character is printed, every row stays one line, and
    one description cannot repaint another proposal's state. JSON carries the same text, escaped."""
    cli = world.cli(tmp_path)
    dao, who = world.dao, {alias: dev_account(i) for alias, i in ALIASES.items()}
    newcomer = dev_account(6).address
    with world.rpc.rolled_back():
        registry = dao.membership.functions
        as_timelock(world, registry.admit(newcomer, int(Role.PARTNER), int(StakeholderGroup.OTHER), 1, EVIL_NAME))
        as_timelock(world, registry.amendAgreement(b"\x11" * 32, EVIL_URI))
        dao.propose(who["agency"], [actions.signal()], EVIL_STATE)
        dao.propose(who["coop"], [actions.signal()], EVIL_OSC)
        open_votes(world)
        dao.vote(who["university"], dao.proposals()[0].id, VoteType.AGAINST, "no\x1b[2J\rYES")

        outputs = cli.ok_all(
            ("proposals", "list", "--from", "university"),
            ("proposals", "show", "1"),
            ("proposals", "show", "2"),
            ("members", "list"),
            ("members", "show", newcomer),
            ("agreement", "versions"),
            ("proposals", "list", "--json"),
            ("members", "list", "--json"),
        )
        for result in outputs:
            text = result.stdout
            assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), (result.args, text)
        listing = outputs[0].stdout.splitlines()
        assert len(listing) == 4  # header, rule, one line per proposal
        assert re.match(r"^1 +active +ordinary +0/1/0 ", listing[2]) and re.match(r"^2 +active +ordinary ", listing[3])
        assert listing[2].endswith("Harmless\\x0d\\x1b[2K1  executed  ordinary  9/0/0  Approved by all")
        assert "\\x1b]8;;https://evil.example\\x07Click" in listing[3] and "\\x9b2J" in listing[3]
        assert "no\\x1b[2J\\x0dYES" in outputs[1].stdout
        assert "Evil\\x1b[31m Corp\\x0dFounding Agency" in outputs[3].stdout
        assert "https://x.example/\\x1b]8;;http://evil\\x07v2\\x1b[2J" in outputs[5].stdout
        titles = [p["title"] for p in outputs[6].json()]
        assert titles == [EVIL_STATE, EVIL_OSC]  # the data itself is kept, for scripts
        assert outputs[7].json()[-1]["name"] == EVIL_NAME


# ================================================================================================ terminal width


def test_tables_fit_the_terminal(world: World, tmp_path: Path) -> None:
    """With 80 columns, `proposals list`, `members list` and the voters of `proposals show` fit: long titles and names
    are cut with "…" (never an address), less important columns are left out; the JSON keeps everything."""
    cli = world.cli(tmp_path)
    dao, who = world.dao, {alias: dev_account(i) for alias, i in ALIASES.items()}
    title = "Adopt the 2027 work plan of the consortium, with its budget for the pilots in four countries"
    with world.rpc.rolled_back():
        dao.propose(who["agency"], [actions.signal()], title)
        open_votes(world)
        dao.vote(who["coop"], dao.proposals()[0].id, VoteType.FOR, "A long reason " * 10)
        narrow = {"COLUMNS": "80"}
        listed, members, shown = (cli.ok(*args, env=narrow) for args in (
            ("proposals", "list", "--from", "coop"), ("members", "list"), ("proposals", "show", "1")))  # fmt: skip
        wide = cli.ok("proposals", "list", "--json")
        for table in (listed.stdout, members.stdout, shown.stdout.split("\n\n", 1)[1]):
            assert max(len(line) for line in table.splitlines()) <= 80, table
        row = listed.stdout.splitlines()[2]
        assert row.endswith("…") and title.startswith(row.rsplit("  ", 1)[1].rstrip("…"))
        assert all(a in members.stdout for a in ADDRESS.values() if a not in (ADDRESS["deployer"], ADDRESS["outsider"]))
        assert wide.json()[0]["title"] == title


# ================================================================================================ passwords


def _pty_run(cli: Cli, args: list[str], answers: list[str], timeout: float = 90) -> tuple[int, str]:
    """Run ``ccsi-dao`` on a pseudo-terminal (so it prompts), answering each prompt in turn; exit code and output."""
    import fcntl
    import pty
    import termios

    master, slave = pty.openpty()

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    env = cli.env({"CCSI_DAO_PASSWORD": None, "CI": None})
    proc = subprocess.Popen([*cli_command(), *args], stdin=slave, stdout=slave, stderr=slave, env=env,
                            cwd=cli.cwd, preexec_fn=controlling_terminal, close_fds=True)  # fmt: skip  # noqa: PLW1509
    os.close(slave)
    output, pending, deadline = b"", list(answers), time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            # a prompt not yet answered: its final space is written once the terminal stopped echoing (and flushed)
            if pending and output.count(b"password: ") > len(answers) - len(pending):
                os.write(master, pending.pop(0).encode() + b"\n")
        elif proc.poll() is not None:
            break
    try:
        proc.wait(timeout=30)  # the terminal closes a moment before the process ends
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"ccsi-dao did not finish: {output!r}") from None
    finally:
        os.close(master)
    return proc.returncode, output.decode(errors="replace").replace("\r\n", "\n")


def test_a_wrong_password_may_be_typed_again_once(world: World, tmp_path: Path) -> None:
    """At the prompt, a mistyped password is asked again right away; the second right one signs the vote. Two wrong
    ones end in one error, and nothing is sent."""
    cli = world.cli(tmp_path)
    dao = world.dao
    with world.rpc.rolled_back():
        dao.propose(dev_account(1), [actions.signal()], "Typed at the terminal")
        open_votes(world)
        code, output = _pty_run(cli, ["vote", "1", "for", "--from", "university"], ["not-it", PASSWORD])
        assert code == 0, output
        assert output.count("Keystore password:") == 2
        assert "wrong password for keystore 'university'; try again" in output
        assert re.search(rf"voted for on #1 as {ADDRESS['university']} \(tx {TX}\)", output)

        before = world.rpc.state(ADDRESS.values())
        code, output = _pty_run(cli, ["vote", "1", "for", "--from", "municipality"], ["nope", "still-not"])
        assert code == 2, output
        assert output.count("Keystore password:") == 2
        assert output.rstrip().endswith("error: wrong password for keystore 'municipality'")
        assert world.rpc.state(ADDRESS.values()) == before


# ================================================================================================ keystore files


def test_wallet_import_takes_a_keystore_file(world: World, tmp_path: Path) -> None:
    """A keystore file written elsewhere (here with pbkdf2, as some wallets do) is imported under an alias with the
    same password and ccsi-dao's own scrypt cost; the original is left as it was; the key signs."""
    cli = world.cli(tmp_path)
    account = Account.create()
    source = tmp_path / "UTC--2026--exported.json"
    source.write_text(json.dumps(Account.encrypt(account.key, "their password", kdf="pbkdf2", iterations=1000)))
    original = source.read_bytes()
    (tmp_path / "pw").write_text("their password\n")
    imported = cli.ok("wallet", "import", "partner-x", "--keystore", str(source), "--password-file",
                      str(tmp_path / "pw"))  # fmt: skip
    assert imported.stdout == f"partner-x: {account.address}\n"
    stored = cli.home / "keystores" / "partner-x.json"
    keyfile = json.loads(stored.read_text())
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600 and keyfile["crypto"]["kdfparams"]["n"] == 2**18
    assert Account.decrypt(keyfile, "their password") == account.key
    assert source.read_bytes() == original
    assert cli.ok("wallet", "address", "partner-x").stdout == f"{account.address}\n"

    before = digest(cli.home)
    wrong = cli.run("wallet", "import", "partner-y", "--keystore", str(source), env={"CCSI_DAO_PASSWORD": "guess"})
    assert wrong.code == 2 and wrong.stderr == f"error: wrong password for keystore file {source}\n"
    assert digest(cli.home) == before


# ================================================================================================ hostile inputs


def test_hostile_inputs_end_in_one_error_without_hanging(world: World, tmp_path: Path) -> None:
    """An agreement whose document is /dev/zero (or that is /dev/zero itself) is refused at once; a ballot whose
    proposal id is negative or at least 2^256 is refused without a traceback, and nothing is sent."""
    cli = world.cli(tmp_path)
    text = SMALL.read_text().replace("path: small-agreement.md", "path: /dev/zero")
    (tmp_path / "zero.yaml").write_text(text)
    started = time.monotonic()
    document, itself = (
        cli.run("agreement", "check", str(tmp_path / "zero.yaml"), timeout=30),
        cli.run("agreement", "check", "/dev/zero", timeout=30),
    )
    assert time.monotonic() - started < 30
    assert document.code == 2 and document.stderr.splitlines() == [
        f"error: {tmp_path / 'zero.yaml'}: 1 problem in the consortium agreement:",
        "  document.path: /dev/zero is not a regular file; the agreement text must be a document file",
    ]
    assert itself.code == 2 and itself.stderr == "error: cannot read agreement file /dev/zero: not a regular file\n"

    with world.rpc.rolled_back():
        proposal = world.dao.propose(dev_account(1), [actions.signal()], "Ballots")
        open_votes(world)
        ballot = world.dao.sign_ballot(dev_account(3), proposal.id, VoteType.FOR).to_json()
        before = world.rpc.state(ADDRESS.values())
        for label, value in (("negative", "-1"), ("2^256", str(2**256)), ("huge-negative", str(-(2**300)))):
            path = tmp_path / f"{label}.json"
            path.write_text(json.dumps({**ballot, "proposal_id": value}))
            result = cli.run("relay", str(path), "--from", "observer")
            assert result.code == 2 and "Traceback" not in result.stdout + result.stderr, result
            assert result.stderr == (
                f"error: {path}: this is not a valid ccsi-dao ballot file: a number in it is out of range\n"
            )
        assert world.rpc.state(ADDRESS.values()) == before


def test_reverts_name_a_proposal_by_number_or_by_its_full_id() -> None:
    """The sentence of a revert about a proposal says "#3" when the number is known and the whole id otherwise:
    never a cut-down id, which two proposals could share."""
    from eth_abi import encode
    from eth_utils import keccak

    from ccsi_dao.abi.artifacts import load_artifact
    from ccsi_dao.abi.reverts import RevertDecoder

    decoder = RevertDecoder([load_artifact("ConsortiumGovernor").abi])
    known, unknown = 2**255 + 12345, 2**254 + 678910111213141516171819
    selector = keccak(text="GovernorUnexpectedProposalState(uint256,uint8,bytes32)")[:4]
    decoder.number_of = {known: 3}.get
    for proposal_id, shown in ((known, "#3"), (unknown, str(unknown))):
        data = selector + encode(["uint256", "uint8", "bytes32"], [proposal_id, 3, (1 << 4).to_bytes(32, "big")])
        assert str(decoder.decode(data, action="queueing")) == (
            f"queueing was rejected: proposal {shown} is defeated, but this needs it to be succeeded."
        )
