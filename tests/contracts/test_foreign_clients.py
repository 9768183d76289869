"""What a client other than ccsi-dao sees: Foundry's `cast` (a real separate program) reading the governor and the
registry the way an indexer or an explorer does, from the standard interfaces and logs alone."""

from __future__ import annotations

import json
import subprocess

import pytest
from web3.logs import DISCARD

from ccsi_dao.governance import actions
from ccsi_dao.types import Role, StakeholderGroup
from tests.support import ROOT
from tests.support.scenario import FOR, Round

CAST = ROOT / "node_modules/@foundry-rs/cast-linux-amd64/bin/cast"
TRANSFER = "Transfer(address,address,uint256)"
DELEGATE_CHANGED = "DelegateChanged(address,address,address)"


def cast(*args: str, url: str) -> str:
    result = subprocess.run([str(CAST), *args, "--rpc-url", url], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def rounds(dao, accounts) -> Round:
    return Round(dao, accounts)


def test_an_indexer_classifies_the_registry_as_a_voting_token(dao, anvil_url) -> None:
    reg = dao.record.membership
    assert cast("call", reg, "name()(string)", url=anvil_url) == '"CCSI Test Consortium votes"'
    assert cast("call", reg, "symbol()(string)", url=anvil_url) == '"VOTE"'
    assert cast("call", reg, "decimals()(uint8)", url=anvil_url) == "0"
    assert cast("call", reg, "totalSupply()(uint256)", url=anvil_url) == "12"
    member = dao.members()[3].address
    assert cast("call", reg, "balanceOf(address)(uint256)", member, url=anvil_url) == "1"
    assert cast("call", reg, "delegates(address)(address)", member, url=anvil_url) == member
    assert cast("call", reg, "CLOCK_MODE()(string)", url=anvil_url) == '"mode=timestamp"'
    # ERC-165: IVotes, IERC6372 and their union (IERC5805); nothing else it is not.
    for interface, expected in (("0xe90fb3f6", "true"), ("0xda287a1d", "true"), ("0x3327c9eb", "true"),
                                ("0x01ffc9a7", "true"), ("0x36372b07", "false"), ("0xffffffff", "false")):  # fmt: skip
        assert cast("call", reg, "supportsInterface(bytes4)(bool)", interface, url=anvil_url) == expected, interface
    # It stays non-transferable: no transfer, approve or transferFrom.
    names = {item["name"] for item in dao.membership.abi if item["type"] == "function"}
    assert not names & {"transfer", "approve", "transferFrom", "allowance"}


def test_token_indexers_learn_every_holder_from_transfer_events(rounds: Round, dao, accounts, anvil_url) -> None:
    reg, newcomer, leaver = dao.membership.functions, accounts[13].address, accounts[5].address
    start = dao.chain.block_number()
    rounds.as_timelock(reg.admit(newcomer, int(Role.PARTNER), int(StakeholderGroup.ACADEMIA), 3, "Newcomer"))
    rounds.as_timelock(reg.setWeight(newcomer, 2))
    dao.resign(accounts[5])
    logs = json.loads(
        cast("logs", "--from-block", str(start), "--address", dao.record.membership, "--json", TRANSFER, url=anvil_url)
    )
    zero = "0x" + "00" * 32
    moves = [(log["topics"][1], log["topics"][2], int(log["data"], 16)) for log in logs]

    def topic(address: str) -> str:
        return "0x" + address[2:].lower().rjust(64, "0")

    assert moves == [(zero, topic(newcomer), 3), (topic(newcomer), zero, 1), (topic(leaver), zero, 1)]
    # Balances as a token indexer would rebuild them from the logs agree with balanceOf.
    assert cast("call", dao.record.membership, "balanceOf(address)(uint256)", newcomer, url=anvil_url) == "2"
    # The implicit self-delegation at admission is visible as DelegateChanged(0 -> itself).
    delegations = json.loads(
        cast(
            "logs",
            "--from-block",
            str(start),
            "--address",
            dao.record.membership,
            "--json",
            DELEGATE_CHANGED,
            url=anvil_url,
        )
    )
    assert next((d["topics"][1], d["topics"][2], d["topics"][3]) for d in delegations) == (
        topic(newcomer),
        zero,
        topic(newcomer),
    )


def test_a_governor_client_follows_a_proposal_with_the_standard_functions(rounds: Round, dao, anvil_url) -> None:
    gov = dao.record.governor
    proposal = rounds.open([actions.signal()], "Ask cast")
    targets, values, _datas, description_hash = proposal.call_args()
    computed = cast(
        "call",
        gov,
        "getProposalId(address[],uint256[],bytes[],bytes32)(uint256)",
        f"[{targets[0]}]",
        f"[{values[0]}]",
        "[0x]",
        "0x" + description_hash.hex(),
        url=anvil_url,
    )
    assert int(computed.split()[0]) == proposal.id
    rounds.vote(proposal, range(1, 5), FOR)
    assert (
        cast("call", gov, "COUNTING_MODE()(string)", url=anvil_url)
        == '"support=bravo&quorum=for,against,abstain&params=options"'
    )
    assert cast("call", gov, "proposalQuorum(uint256)(uint256)", str(proposal.id), url=anvil_url) == "3"
    assert cast("call", gov, "quorum(uint256)(uint256)", str(proposal.snapshot), url=anvil_url) == "3"
    assert cast(
        "call", gov, "proposalVotes(uint256)(uint256,uint256,uint256)", str(proposal.id), url=anvil_url
    ).split() == ["0", "4", "0"]
    assert cast("call", gov, "state(uint256)(uint8)", str(proposal.id), url=anvil_url) == "1"  # active
    assert cast("call", gov, "proposalCategory(uint256)(uint8)", str(proposal.id), url=anvil_url) == "0"
    assert (
        int(
            cast(
                "call",
                gov,
                "nonces(address,uint192)(uint256)",
                rounds.accounts[5].address,
                str(proposal.id & ((1 << 192) - 1)),
                url=anvil_url,
            ).split()[0]
        )
        == (proposal.id & ((1 << 192) - 1)) << 64
    )


def test_treasury_deposits_are_in_the_logs(dao, accounts, anvil_url) -> None:
    start = dao.chain.block_number()
    subprocess.run(
        [
            str(CAST),
            "send",
            dao.record.timelock,
            "--value",
            "1ether",
            "--private-key",
            "0x" + accounts[15].key.hex().removeprefix("0x"),
            "--rpc-url",
            anvil_url,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    logs = json.loads(
        cast(
            "logs",
            "--from-block",
            str(start),
            "--address",
            dao.record.timelock,
            "--json",
            "Deposited(address,uint256)",
            url=anvil_url,
        )
    )
    assert [(log["topics"][1][-40:], int(log["data"], 16)) for log in logs] == [
        (accounts[15].address[2:].lower(), 10**18)
    ]


def test_a_relayed_ballot_is_marked_in_the_logs_for_at_most_2500_gas(accounts) -> None:
    """An indexer tells a relayed ballot from a direct vote by its VoteRelayed event alone (no receipts), and the
    event costs at most 2,500 gas (its LOG opcode, from the node's own opcode trace: an anvil with step tracing)."""
    from eth_utils import event_abi_to_log_topic

    from ccsi_dao.chain import Chain
    from ccsi_dao.governance.consortium import Consortium
    from ccsi_dao.governance.deployment import deploy_suite
    from tests.support.anvil import start_anvil, stop_anvil
    from tests.support.consortium import suite_params

    proc, url = start_anvil("--steps-tracing")
    try:
        chain = Chain.connect(url)
        dao = Consortium(chain, deploy_suite(chain, accounts[0], suite_params(accounts)))
        rounds = Round(dao, accounts)
        proposal = rounds.open([actions.signal()], "Relayed")
        receipt = dao.relay(accounts[0], dao.sign_ballot(accounts[3], proposal.id, FOR))
        relayed = dao.governor.events.VoteRelayed().process_receipt(receipt, errors=DISCARD)  # VoteCast is there too
        assert [(e["args"]["proposalId"], e["args"]["voter"], e["args"]["relayer"]) for e in relayed] == [
            (proposal.id, accounts[3].address, accounts[0].address)
        ]
        trace = chain.transport.request("debug_traceTransaction", ["0x" + bytes(receipt["transactionHash"]).hex(), {}])
        costs = {int(s["stack"][-3], 16): s["gasCost"] for s in trace["structLogs"] if s["op"].startswith("LOG")}
        topic = int.from_bytes(event_abi_to_log_topic(dao.governor.events.VoteRelayed().abi), "big")
        assert topic in costs and costs[topic] <= 2_500, costs
    finally:
        stop_anvil(proc)
