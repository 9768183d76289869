"""The real ``ccsi-dao`` command, end to end: subprocesses against this module's own anvil.

Two parts. ``test_governance_round`` is a partner's whole round on ``examples/small.yaml`` (keys, deploy, propose,
vote directly and by a relayed ballot, queue, execute) read back through the command's JSON and tables.
``test_bad_input`` is a table of the mistakes a partner can make; each must end in exit 2 (user error) or 3
(chain or network error), one ``error: ...`` line on stderr, no transaction and no file changed.

Speed: the anvil stamps blocks at 1 s intervals, so the chain's clock never depends on the wall clock and time
moves only when a test says so. The bad-input cases all run against one prepared consortium, in parallel, each
in its own copy of the home folder; the chain is checked untouched after the whole table. The table runs in-process
(click's test runner in forked workers, the CLI imported once: ``run_in_process``), except ``SUBPROCESS_SAMPLE``,
which runs as real ``ccsi-dao`` processes; every case has the same checks either way.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ccsi_dao.chain import Chain
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import DeploymentRecord, create_address
from ccsi_dao.types import ProposalState, VoteType
from tests.support.anvil import free_port, start_anvil
from tests.support.cli import (
    SMALL,
    Cli,
    Result,
    Rpc,
    dev_account,
    digest,
    run_in_process,
    run_parallel,
    write_keystore,
)  # fmt: skip

pytestmark = pytest.mark.slow

# Keystore alias -> anvil development account. small.yaml's partners are accounts 1..5; 5 is an observer (no vote).
ALIASES = {"deployer": 0, "agency": 1, "coop": 2, "university": 3, "municipality": 4, "observer": 5, "outsider": 7}
ADDRESS = {alias: dev_account(index).address for alias, index in ALIASES.items()}
NEWCOMER = dev_account(6).address
VOTING_DELAY, TIMELOCK_DELAY = 3600, 86400  # small.yaml: 1 h, 1 d


@pytest.fixture(scope="module")
def chain_rpc() -> Iterator[Rpc]:
    """This module's anvil, its blocks 1 s apart whatever the wall clock does."""
    proc, url = start_anvil()
    rpc = Rpc(url)
    rpc("anvil_setBlockTimestampInterval", 1)
    yield rpc
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def keys_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home folder holding every alias's keystore (low scrypt cost)."""
    home = tmp_path_factory.mktemp("keys") / "home"
    for alias, index in ALIASES.items():
        write_keystore(home, alias, dev_account(index).key)
    return home


def home_with_keys(keys_home: Path, folder: Path, *, skip: tuple[str, ...] = ()) -> Path:
    home = folder / "home"
    shutil.copytree(keys_home, home, ignore=lambda _d, names: [n for n in names if n.removesuffix(".json") in skip])
    return home


# ================================================================================================ the round


def test_governance_round(chain_rpc: Rpc, keys_home: Path, tmp_path: Path) -> None:
    """A full round through the CLI: the newcomer is admitted by a membership decision. Commands that neither
    depend on each other nor send from the same account run at once."""
    home = home_with_keys(keys_home, tmp_path, skip=("deployer",))
    cli = Cli(home, chain_rpc.url)
    with chain_rpc.rolled_back():
        # keys: the deployer's through `wallet import` and a spare through `wallet new`, both at the standard cost
        key_file = tmp_path / "deployer.key"
        key_file.write_text(dev_account(0).key.hex() + "\n")
        password_file = tmp_path / "password.txt"
        password_file.write_text("another password\n")
        imported, new, checked = cli.ok_all(
            ("wallet", "import", "deployer", "--key-file", str(key_file), "--password-file", str(password_file)),
            ("wallet", "new", "spare"),
            ("agreement", "check", str(SMALL)),
        )
        assert imported.stdout == f"deployer: {ADDRESS['deployer']}\n"
        spare = new.stdout.strip().split(": ")[1]
        assert checked.stdout.endswith(f"{SMALL}: valid\n")
        for alias in ("deployer", "spare"):
            path = home / "keystores" / f"{alias}.json"
            keyfile = json.loads(path.read_text())
            assert stat.S_IMODE(path.stat().st_mode) == 0o600 and keyfile["crypto"]["kdfparams"]["n"] == 2**18
        address, listed = cli.ok_all(("wallet", "address", "spare"), ("wallet", "list", "--json"))
        assert address.stdout == f"{spare}\n"
        assert {k["alias"]: k["address"] for k in listed.json()} == {**ADDRESS, "spare": spare}

        # the consortium, deployed from its agreement with the imported key
        deployed = cli.ok("deploy", str(SMALL), "--from", "deployer", "--password-file", str(password_file))
        assert "holds no role or privilege (checked)" in deployed.stdout
        record = DeploymentRecord.load(home / "deployment.json")
        assert record.chain_id == 31337 and record.deployer == ADDRESS["deployer"]
        assert f"record      {home / 'deployment.json'}" in deployed.stdout

        # the proposal: its category and its action in words are shown before it is sent
        members, proposed = cli.ok_all(
            ("members", "list", "--json"),
            (
                "propose",
                "admit",
                NEWCOMER,
                "--name",
                "Nova  Univerza",
                "--group",
                "academia",
                "--from",
                "agency",
                "--yes",
            ),
        )
        assert [(m["name"], m["address"], m["role"], m["status"], m["power"]) for m in members.json()] == [
            ("Founding Agency", ADDRESS["agency"], "founding-partner", "active", 2),
            ("Founding Cooperative", ADDRESS["coop"], "founding-partner", "active", 1),
            ("Partner University", ADDRESS["university"], "partner", "active", 1),
            ("Partner Municipality", ADDRESS["municipality"], "partner", "active", 1),
            ("Observer Network", ADDRESS["observer"], "observer", "active", 0),
        ]
        words = f"admit {NEWCOMER} (Nova Univerza) as partner, group academia, weight 1"
        assert proposed.stdout.startswith(
            f"category: membership (decided by the governor from the actions)\n  1. {words}\n"
        )
        assert f"proposal #1 submitted by {ADDRESS['agency']}" in proposed.stdout
        [pending] = cli.ok("proposals", "list", "--json").json()
        assert (pending["number"], pending["state"], pending["category"]) == (1, "pending", "membership")
        assert pending["title"] == words[0].upper() + words[1:]  # the default title keeps the address's checksum
        assert proposed.stdout.endswith(f"id: {pending['id']}\n")

        # voting opens after the voting delay; three vote directly and the cooperative signs a ballot, all at once
        chain_rpc.advance(VOTING_DELAY + 1)
        ballot = tmp_path / "ballot-coop.json"
        by_agency, _, _, signed = cli.ok_all(
            ("vote", "1", "for", "--from", "agency"),
            ("vote", pending["id"], "against", "--reason", "Wait for the senate", "--from", "university"),
            ("vote", "#1", "abstain", "--from", "municipality"),
            ("vote", "1", "for", "--sign-only", "--out", str(ballot), "--from", "coop"),
        )
        # each vote shows what it is on (title, category, full id) before anything is signed
        preview = f"proposal #1: {pending['title']}\ncategory: membership\nid: {pending['id']}\n"
        assert by_agency.stdout.startswith(preview + f"voted for on #1 as {ADDRESS['agency']} (tx 0x")
        assert signed.stdout == preview + (
            f"signed ballot: for on #1 by {ADDRESS['coop']} -> {ballot} (relay it with ccsi-dao relay)\n"
        )
        assert json.loads(ballot.read_text())["voter"] == ADDRESS["coop"]
        active = cli.ok("proposals", "show", "1", "--json").json()
        assert active["state"] == "active" and active["votes"] == {"for": 2, "against": 1, "abstain": 1}

        # the observer (no vote of its own) relays the ballot and pays its gas; the last vote closes the vote early
        relayed = cli.ok("relay", str(ballot), "--from", "observer")
        assert re.fullmatch(rf"relayed {ballot.name}: {ADDRESS['coop']} voted for on #1 \(tx 0x[0-9a-f]{{64}}\)\n",
                            relayed.stdout)  # fmt: skip
        passed = cli.ok("proposals", "show", "1", "--json").json()
        assert passed["state"] == "succeeded" and passed["votes"] == {"for": 3, "against": 1, "abstain": 1}
        assert passed["quorum"] == {"rule": "1/2", "needed": 3, "cast": 5, "of": 5}
        assert passed["approval"] == {"rule": "2/3", "share": "3/4"}

        # queue, wait out the timelock, execute (anyone may: the municipality does)
        queued = cli.ok("queue", "1", "--from", "agency")
        assert queued.stdout.startswith("queued #1 (tx 0x") and "executable from" in queued.stdout
        chain_rpc.advance(TIMELOCK_DELAY + 1)
        assert cli.ok("execute", "1", "--from", "municipality").stdout.startswith("executed #1 (tx 0x")
        executed_at = chain_rpc.now()

        # the result, in JSON and in the tables a person reads; the newcomer found by its name too
        members, member, by_name, table, proposals, shown, text, listing = cli.ok_all(
            ("members", "list", "--json"),
            ("members", "show", NEWCOMER.lower(), "--json"),
            ("members", "show", "nova univ", "--json"),
            ("members", "list"),
            ("proposals", "list", "--json"),
            ("proposals", "show", pending["id"], "--json"),
            ("proposals", "show", "1"),
            ("proposals", "list"),
        )
        newcomer = members.json()[-1]
        assert newcomer == {
            "address": NEWCOMER,
            "name": "Nova Univerza",
            "role": "partner",
            "group": "academia",
            "status": "active",
            "weight": 1,
            "constitutional_vote": False,
            "joined_at": executed_at,
            "proxy": None,
            "power": 1,
        }
        assert member.json() == newcomer == by_name.json()
        assert re.fullmatch(
            rf"Nova Univerza +{NEWCOMER} +partner +academia +1 +no +active +- +1", table.stdout.splitlines()[-1]
        )
        done = shown.json()
        assert proposals.json() == [{k: v for k, v in done.items() if k != "votes_cast"}]
        assert (done["number"], done["state"], done["category"], done["eta"] > 0) == (1, "executed", "membership", True)
        assert done["proposer"] == ADDRESS["agency"] and done["proposer_name"] == "Founding Agency"
        assert [a["description"] for a in done["actions"]] == [words]
        assert sorted((v["name"], v["vote"], v["reason"], v["relayer"]) for v in done["votes_cast"]) == [
            ("Founding Agency", "for", "", None),
            ("Founding Cooperative", "for", "", ADDRESS["observer"]),  # relayed by the observer
            ("Partner Municipality", "abstain", "", None),
            ("Partner University", "against", "Wait for the senate", None),
        ]
        assert done["votes_cast"][-1]["name"] == "Founding Cooperative"  # chain order: the relayed ballot came last
        assert re.search(r"^state +executed$", text.stdout, re.M) and re.search(
            r"^category +membership$", text.stdout, re.M
        )
        assert re.search(rf"^proposer +{ADDRESS['agency']} \(Founding Agency\)$", text.stdout, re.M)
        assert f"  1. {words}\n" in text.stdout
        assert re.search(rf"^Partner University +{ADDRESS['university']} +against +1 +Wait for the senate$",
                         text.stdout, re.M)  # fmt: skip
        assert re.search(rf"^Founding Cooperative +{ADDRESS['coop']} +for \(ballot\) +1 +-$", text.stdout, re.M)
        assert re.search(r"^1 +executed +membership +3/1/1 +5/3 ", listing.stdout, re.M)


# ================================================================================================ bad input


@dataclass
class Board:
    """A consortium with a proposal in each state, and the files the cases start from."""

    url: str
    home: Path
    files: Path
    fields: dict[str, str]


@pytest.fixture(scope="module")
def board(chain_rpc: Rpc, keys_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Board:
    """Deployed through the CLI, then brought into shape through the library (faster, and not under test here):

    #1 executed, #2 defeated, #3 queued (timelock not yet passed), #4 active (the cooperative's ballot relayed),
    #5 pending.
    """
    root = tmp_path_factory.mktemp("board")
    home = home_with_keys(keys_home, root)
    Cli(home, chain_rpc.url).ok("deploy", str(SMALL), "--from", "deployer")
    record = DeploymentRecord.load(home / "deployment.json")
    dao = Consortium(Chain.connect(chain_rpc.url), record)
    who = {alias: dev_account(index) for alias, index in ALIASES.items()}
    signal = [actions.signal()]

    executed = dao.propose(who["agency"], signal, "Executed signal")
    defeated = dao.propose(who["agency"], signal, "Defeated signal")
    queued = dao.propose(who["coop"], signal, "Queued signal")
    chain_rpc.advance(VOTING_DELAY + 1)
    for voter in ("agency", "coop"):  # 3 of 5 votes decide an ordinary proposal: early close ends the vote
        dao.vote(who[voter], executed.id, VoteType.FOR)
        dao.vote(who[voter], defeated.id, VoteType.AGAINST)
        dao.vote(who[voter], queued.id, VoteType.FOR)
    dao.queue(who["agency"], executed)
    chain_rpc.advance(TIMELOCK_DELAY + 1)
    dao.execute(who["agency"], executed)
    dao.queue(who["agency"], queued)

    active = dao.propose(who["agency"], signal, "Active signal")
    chain_rpc.advance(VOTING_DELAY + 1)
    files = root / "files"
    files.mkdir()
    relayed = dao.sign_ballot(who["coop"], active.id, VoteType.FOR)
    dao.relay(who["university"], relayed)
    (files / "relayed.json").write_text(json.dumps(relayed.to_json()))
    fresh = dao.sign_ballot(who["university"], active.id, VoteType.FOR).to_json()
    (files / "fresh.json").write_text(json.dumps(fresh))
    signature = bytearray.fromhex(fresh["signature"][2:])
    signature[5] ^= 0x01
    (files / "tampered.json").write_text(json.dumps({**fresh, "signature": "0x" + signature.hex()}))
    other = create_address(ADDRESS["outsider"], 0)
    (files / "other-governor.json").write_text(json.dumps({**fresh, "governor": other}))
    pending = dao.propose(who["municipality"], signal, "Pending signal")

    expected = {
        executed.id: ProposalState.EXECUTED,
        defeated.id: ProposalState.DEFEATED,
        queued.id: ProposalState.QUEUED,
        active.id: ProposalState.ACTIVE,
        pending.id: ProposalState.PENDING,
    }
    assert {pid: dao.state(pid) for pid in expected} == expected
    fields = {
        "executed": "1",
        "defeated": "2",
        "queued": "3",
        "active": "4",
        "pending": "5",
        "unknown_id": str(active.id ^ 1),
        "newcomer": NEWCOMER,
        "smallyaml": str(SMALL),
        **ADDRESS,
    }
    return Board(chain_rpc.url, home, files, fields)


@dataclass(frozen=True)
class Case:
    """One mistake: the command (``{name}`` fields filled from the board and ``{dir}``, the case's folder), the
    exit code and a pattern the error line must match; ``env`` overrides variables (None removes one);
    ``prepare(dir, board)`` sets the case's files up before they are fingerprinted. ``details``: the error line
    may be followed by indented detail lines (an agreement's validation lists every problem, one per line)."""

    name: str
    args: tuple[str, ...]
    code: int
    says: str
    env: dict[str, str | None] = field(default_factory=dict)
    prepare: Callable[[Path, Board], None] | None = None
    details: bool = False


def put(relative: str, text: str) -> Callable[[Path, Board], None]:
    def prepare(folder: Path, _board: Board) -> None:
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)

    return prepare


def copy_ballot(name: str) -> Callable[[Path, Board], None]:
    return lambda folder, board: shutil.copyfile(board.files / name, folder / "ballot.json")


def stale_record(folder: Path, _board: Board) -> None:
    """A record whose deployment block is on this chain but whose addresses hold no contract."""
    path = folder / "home" / "deployment.json"
    data = json.loads(path.read_text())
    for n, key in enumerate(("governor", "membership", "timelock")):
        data[key] = create_address(ADDRESS["outsider"], 100 + n)
    path.write_text(json.dumps(data))


_LETTER = next(i for i, c in enumerate(NEWCOMER) if i >= 2 and c.isalpha())
WRONG_CHECKSUM = (
    NEWCOMER[:_LETTER] + NEWCOMER[_LETTER].swapcase() + NEWCOMER[_LETTER + 1 :]
)  # one letter's case flipped
C = Case
CASES = [
    # -------- votes in the wrong state, by the wrong account, or with a wrong choice
    C(
        "vote-pending",
        ("vote", "{pending}", "for", "--from", "agency"),
        2,
        r"proposal #5 is pending: voting opens at \d{{4}}-\d\d-\d\d \d\d:\d\d \S+ \(in \d+ (s|min)\)$",
    ),
    C(
        "vote-defeated",
        ("vote", "{defeated}", "against", "--from", "agency"),
        2,
        r"^error: voting on proposal #2 ended at \d{{4}}-\d\d-\d\d \d\d:\d\d \S+; it was defeated \(approval failed: "
        r"0/3 votes for, where 1/2 and more for than against are needed\)$",
    ),
    C("vote-executed", ("vote", "{executed}", "for", "--from", "agency"), 2, r"proposal #1 is executed"),
    C(
        "sign-only-pending",
        ("vote", "{pending}", "for", "--sign-only", "--from", "university"),
        2,
        r"proposal #5 is pending",
    ),
    C("vote-twice", ("vote", "{active}", "against", "--from", "coop"), 2, r"has already voted on this proposal"),
    C(
        "vote-non-member",
        ("vote", "{active}", "for", "--from", "outsider"),
        2,
        r"{outsider} cannot vote on this proposal: it is not an active voting member",
    ),
    C(
        "vote-observer-no-power",
        ("vote", "{active}", "for", "--from", "observer"),
        2,
        r"{observer} (held no vote|cannot vote on this proposal)",
    ),
    C(
        "sign-only-non-member",
        ("vote", "{active}", "for", "--sign-only", "--from", "outsider"),
        2,
        r"{outsider} cannot vote on this proposal: it is not an active voting member",
    ),
    C(
        "sign-only-voted-already",
        ("vote", "{active}", "against", "--sign-only", "--out", "{dir}/again.json", "--from", "coop"),
        2,
        r"{coop} has already voted on this proposal",
    ),
    C(
        "vote-maybe",
        ("vote", "{active}", "maybe", "--from", "university"),
        2,
        r"the vote must be for, against or abstain, not 'maybe'",
    ),
    # -------- proposals by the wrong account
    C(
        "propose-non-member",
        ("propose", "signal", "-d", "Outsider idea", "--from", "outsider", "--yes"),
        2,
        r"{outsider} cannot propose: only active members with a vote may",
    ),
    C(
        "propose-observer",
        ("propose", "signal", "-d", "Observer idea", "--from", "observer", "--yes"),
        2,
        r"{observer} cannot propose",
    ),
    # -------- passwords
    C(
        "password-env-wrong",
        ("vote", "{active}", "for", "--from", "university"),
        2,
        r"^error: wrong password for keystore 'university'$",
        env={"CCSI_DAO_PASSWORD": "not-the-password"},
    ),
    C(
        "password-file-wrong",
        ("vote", "{active}", "for", "--from", "university", "--password-file", "{dir}/pw.txt"),
        2,
        r"^error: wrong password for keystore 'university'$",
        prepare=put("pw.txt", "not-the-password\n"),
    ),
    C(
        "password-file-missing",
        ("vote", "{active}", "for", "--from", "university", "--password-file", "{dir}/none.txt"),
        2,
        r"cannot read password file .*none.txt",
    ),
    C(
        "password-none",
        ("vote", "{active}", "for", "--from", "university"),
        2,
        r"no password given",
        env={"CCSI_DAO_PASSWORD": None},
    ),
    # -------- proposal references
    C(
        "unknown-number",
        ("vote", "99", "for", "--from", "university"),
        2,
        r"there is no proposal 99 \(this consortium has 5\)",
    ),
    C(
        "unknown-full-id",
        ("vote", "{unknown_id}", "for", "--from", "university"),
        2,
        r"there is no proposal {unknown_id}",
    ),
    C("unknown-number-show", ("proposals", "show", "6"), 2, r"there is no proposal 6"),
    C("proposal-not-a-number", ("queue", "first", "--from", "agency"), 2, r"'first' is not a proposal"),
    # -------- addresses
    C(
        "address-too-short",
        ("propose", "admit", "0x1234", "--name", "Short", "--from", "agency", "--yes"),
        2,
        r"'0x1234' is not an address",
    ),
    C(
        "address-bad-checksum",
        ("propose", "admit", WRONG_CHECKSUM, "--name", "Typo", "--from", "agency", "--yes"),
        2,
        rf"{WRONG_CHECKSUM} has a wrong checksum \(did you mean {NEWCOMER}\?\)",
    ),
    C(
        "address-not-hex",
        ("propose", "admit", "0x" + "zz" * 20, "--name", "Zed", "--from", "agency", "--yes"),
        2,
        r"is not an address",
    ),
    C(
        "address-member-show",
        ("members", "show", "ministry"),
        2,
        r"^error: 'ministry' is not an address, nor a member's name or a keystore alias$",
    ),
    C(
        "name-ambiguous",
        ("members", "show", "partner"),
        2,
        r"^error: 'partner' could be any of Partner Municipality \({municipality}\), Partner University "
        r"\({university}\); give more of the name, or the address$",
    ),
    C(
        "name-misspelt",
        ("proxy", "set", "univeristy", "--from", "agency"),
        2,
        r"'univeristy' is not an address, nor a member's name or a keystore alias; did you mean 'university'",
    ),
    C(
        "address-transfer",
        ("propose", "transfer", "{newcomer}0", "1", "--from", "agency", "--yes"),
        2,
        r"is not an address",
    ),
    # -------- amounts
    C(
        "amount-negative",
        ("propose", "transfer", "{newcomer}", "-1", "--from", "agency", "--yes"),
        2,
        r"No such option: -1 \(see ccsi-dao propose transfer --help\)",
    ),
    C(
        "amount-negative-after-dashes",
        ("propose", "transfer", "--from", "agency", "--yes", "--", "{newcomer}", "-1"),
        2,
        r"the amount must be positive, not -1",
    ),
    C(
        "amount-not-a-number",
        ("propose", "transfer", "{newcomer}", "abc", "--from", "agency", "--yes"),
        2,
        r"'abc' is not an amount",
    ),
    C(
        "amount-zero",
        ("propose", "transfer", "{newcomer}", "0", "--from", "agency", "--yes"),
        2,
        r"the amount must be positive, not 0",
    ),
    C(
        "amount-too-precise",
        ("propose", "transfer", "{newcomer}", "0.0000000000000000001", "--from", "agency", "--yes"),
        2,
        r"has more than 18 decimal places",
    ),
    C(
        "amount-beyond-treasury",
        ("propose", "transfer", "{newcomer}", "1000", "--from", "agency", "--yes"),
        2,
        r"the treasury holds too little ETH",
    ),
    C(
        "transfer-token-not-erc20",
        ("propose", "transfer", "{newcomer}", "5", "--token", "{outsider}", "--from", "agency", "--yes"),
        2,
        r"{outsider} is not an ERC-20 token on this chain",
    ),
    # -------- the chain
    C(
        "chain-closed-port",
        ("vote", "{active}", "for", "--from", "university"),
        3,
        r"cannot reach the chain at http://127.0.0.1:\d+: is the node running\? \(connection refused\)",
        env={"CCSI_DAO_RPC_URL": "{closed_url}"},
    ),
    C(
        "chain-closed-port-deploy",
        ("--deployment", "{dir}/new.json", "deploy", "{smallyaml}", "--from", "deployer"),
        3,
        r"cannot reach the chain",
        env={"CCSI_DAO_RPC_URL": "{closed_url}"},
    ),
    C(
        "chain-wrong-id",
        ("vote", "{active}", "for", "--from", "university"),
        3,
        r"has chain id 1337, but the deployment is on chain 31337",
        env={"CCSI_DAO_RPC_URL": "{other_chain_url}"},
    ),
    C(
        "chain-reset-devnet",
        ("vote", "{active}", "for", "--from", "university"),
        3,
        r"the chain at http://127.0.0.1:\d+ does not hold the deployment recorded in .*deployment.json: its block \d+ is missing \(was the devnet reset\?\)",
        env={"CCSI_DAO_RPC_URL": "{fresh_devnet_url}"},
    ),
    C(
        "chain-reset-devnet-members",
        ("members", "list"),
        3,
        r"does not hold the deployment recorded in",
        env={"CCSI_DAO_RPC_URL": "{fresh_devnet_url}"},
    ),
    C(
        "record-of-other-contracts",
        ("members", "list"),
        3,
        r"has no contract at the governor address 0x\w+ of the deployment recorded in .*deployment.json",
        prepare=stale_record,
    ),
    # -------- the deployment record
    C(
        "record-missing",
        ("vote", "{active}", "for", "--from", "university"),
        2,
        r"no deployment record at .*deployment.json: deploy first",
        prepare=lambda d, b: (d / "home" / "deployment.json").unlink(),
    ),
    C(
        "record-missing-flag",
        ("--deployment", "{dir}/elsewhere.json", "members", "list"),
        2,
        r"no deployment record at .*elsewhere.json",
    ),
    C(
        "record-damaged",
        ("members", "list"),
        2,
        r"the deployment record .*deployment.json is damaged",
        prepare=put("home/deployment.json", '{"consortium": "Small Test Cons'),
    ),
    C(
        "record-not-a-record",
        ("proposals", "list"),
        2,
        r"is damaged or not a ccsi-dao deployment record|is of format 1, for contracts this version of ccsi-dao no "
        r"longer drives",
        prepare=put("home/deployment.json", '{"hello": "world"}'),
    ),
    C(
        "deploy-over-record",
        ("deploy", "{smallyaml}", "--from", "deployer"),
        2,
        r"a deployment record already exists at .*deployment.json; use --replace",
    ),
    C(
        "deploy-bad-agreement",
        ("--deployment", "{dir}/new.json", "deploy", "{dir}/agreement.yaml", "--from", "deployer"),
        2,
        r"agreement.yaml: \d+ problems in the consortium agreement:$",
        prepare=put("agreement.yaml", "consortium: X\npartners: []\n"),
        details=True,
    ),
    # -------- keystores and wallets
    C(
        "deploy-unfunded-key",
        ("--deployment", "{dir}/new.json", "deploy", "{smallyaml}", "--from", "pauper"),
        2,
        r"holds 0 ETH, but the deployment costs about .* ETH: fund it first; nothing was sent",
        prepare=lambda d, b: write_keystore(d / "home", "pauper", b"\x42" * 32),
    ),
    C(
        "alias-unknown",
        ("vote", "{active}", "for", "--from", "nobody"),
        2,
        r"no keystore named 'nobody' \(known: agency, coop, deployer, municipality, observer, outsider, university\)",
    ),
    C("alias-missing", ("vote", "{active}", "for"), 2, r"no signing account given: use --from ALIAS"),
    C(
        "keystore-damaged",
        ("vote", "{active}", "for", "--from", "university"),
        2,
        r"keystore file .*university.json is damaged",
        prepare=put("home/keystores/university.json", "{}"),
    ),
    C(
        "wallet-import-existing-alias",
        ("wallet", "import", "coop", "--key-file", "{dir}/key.txt"),
        2,
        r"a keystore named 'coop' already exists",
        prepare=put("key.txt", "0x" + "11" * 32),
    ),
    C(
        "wallet-import-bad-key",
        ("wallet", "import", "fresh", "--key-file", "{dir}/key.txt"),
        2,
        r"that is not a valid private key",
        prepare=put("key.txt", "0x1234\n"),
    ),
    C("wallet-new-bad-alias", ("wallet", "new", "../escape"), 2, r"invalid keystore alias '../escape'"),
    C("wallet-new-no-password", ("wallet", "new", "fresh"), 2, r"no password given", env={"CCSI_DAO_PASSWORD": None}),
    # -------- ballots
    C(
        "ballot-garbage",
        ("relay", "{dir}/ballot.json", "--from", "university"),
        2,
        r"cannot read ballot file .*ballot.json: not a readable JSON file",
        prepare=put("ballot.json", "\x00garbage{"),
    ),
    C(
        "ballot-not-a-ballot",
        ("relay", "{dir}/ballot.json", "--from", "university"),
        2,
        r"this is not a valid ccsi-dao ballot file",
        prepare=put("ballot.json", '{"type": "ccsi-dao ballot", "voter": 5}'),
    ),
    C(
        "ballot-valid-then-garbage",
        ("relay", "{dir}/valid.json", "{dir}/ballot.json", "--from", "municipality"),
        2,
        r"cannot read ballot file .*ballot.json",
        prepare=lambda d, b: (
            copy_ballot("fresh.json")(d, b),
            shutil.move(d / "ballot.json", d / "valid.json"),
            put("ballot.json", "[1, 2")(d, b),
        ),
    ),
    C(
        "ballot-same-vote-twice",
        ("relay", "{dir}/ballot.json", "{dir}/copy.json", "--from", "municipality"),
        2,
        r"are votes of the same voter on the same proposal",
        prepare=lambda d, b: (copy_ballot("fresh.json")(d, b), shutil.copyfile(d / "ballot.json", d / "copy.json")),
    ),
    C(
        "ballot-missing",
        ("relay", "{dir}/none.json", "--from", "university"),
        2,
        r"cannot read ballot file .*none.json",
    ),
    C(
        "ballot-tampered",
        ("relay", "{dir}/ballot.json", "--from", "municipality"),
        2,
        r"relaying .*'s ballot was rejected: .*signature",
        prepare=copy_ballot("tampered.json"),
    ),
    C(
        "ballot-other-governor",
        ("relay", "{dir}/ballot.json", "--from", "municipality"),
        2,
        r"the ballot is for governor 0x\w+ on chain 31337, not this consortium",
        prepare=copy_ballot("other-governor.json"),
    ),
    C(
        "ballot-relayed-twice",
        ("relay", "{dir}/ballot.json", "--from", "municipality"),
        2,
        r"^error: ballot.json: {coop}'s ballot on proposal #4 was already relayed by {university} "
        r"\(transaction 0x[0-9a-f]{{64}}\)$",
        prepare=copy_ballot("relayed.json"),
    ),
    C(
        "sign-only-out-exists",
        ("vote", "{active}", "for", "--sign-only", "--out", "{dir}/mine.json", "--from", "university"),
        2,
        r"mine.json already exists; it was left unchanged",
        prepare=put("mine.json", "my own notes\n"),
    ),
    # -------- the decision's lifecycle
    C(
        "execute-before-timelock",
        ("execute", "{queued}", "--from", "agency"),
        2,
        r"^error: proposal #3 is queued: executable from \d{{4}}-\d\d-\d\d \d\d:\d\d \S+ \(in \d+ h \d+ min\), once "
        r"the timelock's delay has passed$",
    ),
    C(
        "execute-executed",
        ("execute", "{executed}", "--from", "agency"),
        2,
        r"proposal #1 is executed; only a queued proposal can be executed",
    ),
    C(
        "queue-defeated",
        ("queue", "{defeated}", "--from", "agency"),
        2,
        r"^error: proposal #2 was defeated \(approval failed: 0/3 votes for, where 1/2 and more for than against "
        r"are needed\); it cannot be queued$",
    ),
    C(
        "cancel-after-voting-started",
        ("cancel", "{active}", "--from", "agency"),
        2,
        r"the cancellation was rejected: {agency} cannot cancel proposal #4: only its proposer can, and only while "
        r"it is pending",
    ),
    C("cancel-not-proposer", ("cancel", "{pending}", "--from", "coop"), 2, r"{coop} cannot cancel proposal"),
    # -------- proposals the dry run or the builders refuse
    C(
        "admit-existing-member",
        ("propose", "admit", "{coop}", "--name", "Again", "--from", "agency", "--yes"),
        2,
        r"action 1, when executed, was rejected: {coop} is already a member",
    ),
    C(
        "suspend-non-member",
        ("propose", "suspend", "{newcomer}", "--from", "agency", "--yes"),
        2,
        r"action 1, when executed, was rejected: {newcomer} is not a member",
    ),
    C(
        "amend-missing-document",
        ("propose", "amend", "--document", "{dir}/agreement-v2.md", "--from", "agency", "--yes"),
        2,
        r"cannot read .*agreement-v2.md: No such file or directory",
    ),
    C(
        "rules-below-floor",
        ("propose", "rules", "ordinary", "--quorum", "1/5", "--from", "agency", "--yes"),
        2,
        r"the ordinary quorum 1/5 is below the agreement's floor 1/4",
    ),
    C(
        "rules-not-ordered",
        ("propose", "rules", "constitutional", "--approval", "1/2", "--from", "agency", "--yes"),
        2,
        r"the constitutional rule .* would be weaker than the rule of a less strict category",
    ),
    C(
        "rules-not-a-share",
        ("propose", "rules", "ordinary", "--quorum", "3/2", "--from", "agency", "--yes"),
        2,
        r"quorum '3/2'",
    ),
    C(
        "signal-empty",
        ("propose", "signal", "-d", "  ", "--from", "agency", "--yes"),
        2,
        r"a signal proposal needs a description",
    ),
    C(
        "raw-bad-hex",
        ("propose", "raw", "{newcomer}", "--data", "0xZZ", "--from", "agency", "--yes"),
        2,
        r"--data must be 0x-prefixed hex",
    ),
    C(
        "admit-weight-zero",
        ("propose", "admit", "{newcomer}", "--name", "Zero", "--weight", "0", "--from", "agency", "--yes"),
        2,
        r"Invalid value for '--weight': .* \(see ccsi-dao propose admit --help\)$",
    ),
    C(
        "admit-unknown-role",
        ("propose", "admit", "{newcomer}", "--name", "Boss", "--role", "president", "--from", "agency", "--yes"),
        2,
        r"Invalid value for '--role': .*'president' is not one of 'founding-partner', 'partner', 'observer'",
    ),
    C(
        "option-typo",
        ("vote", "{active}", "for", "--form", "university"),
        2,
        r"No such option: --form \(Possible options: --from\) \(see ccsi-dao vote --help\)",
    ),
    # -------- a member's own acts
    C(
        "proxy-non-member",
        ("proxy", "set", "{outsider}", "--from", "agency"),
        2,
        r"{outsider} cannot act as proxy for {agency}",
    ),
    C("proxy-revoke-none", ("proxy", "revoke", "--from", "agency"), 2, r"{agency} has no proxy to revoke"),
    C(
        "resign-non-member",
        ("resign", "--from", "outsider", "--yes"),
        2,
        r"the resignation was rejected: {outsider} is not a member",
    ),
    # -------- settings
    C(
        "timeout-not-a-number",
        ("vote", "{active}", "for", "--from", "university"),
        2,
        r"the receipt timeout must be a number of seconds, not 'soon'",
        env={"CCSI_DAO_RECEIPT_TIMEOUT": "soon"},
    ),
    C(
        "config-not-yaml",
        ("members", "list"),
        2,
        r"the config file .*config.yaml is not valid YAML",
        prepare=put("home/config.yaml", "rpc_url: [unclosed\n"),
    ),
]


# Cases run as real processes (the rest in-process): one of each kind of failure, exit 2 and exit 3.
SUBPROCESS_SAMPLE = {
    "vote-pending", "password-env-wrong", "password-none", "address-bad-checksum", "amount-beyond-treasury",
    "chain-closed-port", "chain-wrong-id", "record-damaged", "deploy-bad-agreement", "keystore-damaged",
    "ballot-tampered", "config-not-yaml",
}  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    result: Result
    files_before: dict[str, str]
    files_after: dict[str, str]


@dataclass(frozen=True)
class Batch:
    outcomes: dict[str, Outcome]
    chain_before: dict[str, int]
    chain_after: dict[str, int]


@pytest.fixture(scope="module")
def other_chain() -> Iterator[Rpc]:
    """A second anvil with another chain id: a deployment record of chain 31337 does not belong there."""
    proc, url = start_anvil("--chain-id", "1337")
    yield Rpc(url)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def fresh_devnet() -> Iterator[Rpc]:
    """A devnet just started again without its state (chain 31337, nothing deployed): as after a reset."""
    proc, url = start_anvil()
    yield Rpc(url)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def batch(
    request: pytest.FixtureRequest,
    board: Board,
    chain_rpc: Rpc,
    other_chain: Rpc,
    fresh_devnet: Rpc,
    tmp_path_factory: pytest.TempPathFactory,
) -> Batch:
    """Every selected case at once, each in its own copy of the board's home folder."""
    mine = [item for item in request.session.items if getattr(item, "module", None) is request.module]
    selected = {
        item.callspec.params["case"].name
        for item in mine
        if hasattr(item, "callspec") and "case" in item.callspec.params
    }
    cases = [c for c in CASES if c.name in selected]
    root = tmp_path_factory.mktemp("cases")
    closed = f"http://127.0.0.1:{free_port()}"
    jobs, folders = [], {}
    for case in cases:
        folder = root / case.name
        shutil.copytree(board.home, folder / "home")
        cli = Cli(folder / "home", board.url, user_home=folder / "user-home", cwd=folder)
        fields = {
            **board.fields,
            "dir": str(folder),
            "closed_url": closed,
            "other_chain_url": other_chain.url,
            "fresh_devnet_url": fresh_devnet.url,
        }
        if case.prepare:
            case.prepare(folder, board)
        env = {k: v.format(**fields) if v is not None else None for k, v in case.env.items()}
        folders[case.name] = (folder, digest(folder))
        jobs.append((cli, tuple(a.format(**fields) for a in case.args), {"env": env}))
    watched = list(ADDRESS.values())

    def chains() -> dict[str, int]:
        return {
            **chain_rpc.state(watched),
            "other chain's block": other_chain.block_number(),
            "fresh devnet's block": fresh_devnet.block_number(),
        }

    chain_before = chains()
    in_sample = [case.name in SUBPROCESS_SAMPLE for case in cases]
    as_processes = iter(run_parallel(job for job, sample in zip(jobs, in_sample, strict=True) if sample))
    in_process = iter(run_in_process(job for job, sample in zip(jobs, in_sample, strict=True) if not sample))
    results = [next(as_processes) if sample else next(in_process) for sample in in_sample]
    chain_after = chains()
    outcomes = {
        case.name: Outcome(result, folders[case.name][1], digest(folders[case.name][0]))
        for case, result in zip(cases, results, strict=True)
    }
    return Batch(outcomes, chain_before, chain_after)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input(case: Case, batch: Batch, board: Board) -> None:
    outcome = batch.outcomes[case.name]
    result = outcome.result
    assert "Traceback" not in result.stderr + result.stdout, str(result)
    assert result.code == case.code, str(result)
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith("error: "), str(result)
    if case.details:
        assert len(lines) > 1 and all(line.startswith("  ") for line in lines[1:]), str(result)
    else:
        assert len(lines) == 1, str(result)
    assert re.search(case.says.format(**board.fields), lines[0]), str(result)
    changed = {
        p: (outcome.files_before.get(p), outcome.files_after.get(p))
        for p in outcome.files_before.keys() | outcome.files_after.keys()
        if outcome.files_before.get(p) != outcome.files_after.get(p)
    }
    assert not changed, f"files changed: {changed}"
    moved = {k: (v, batch.chain_after[k]) for k, v in batch.chain_before.items() if batch.chain_after[k] != v}
    assert not moved, f"a transaction was sent during the table (block number or nonce before, after): {moved}"


def test_case_names_are_unique() -> None:
    assert len({c.name for c in CASES}) == len(CASES)
    assert {c.name for c in CASES} >= SUBPROCESS_SAMPLE
