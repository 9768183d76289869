"""A governance history for the decision-log tests, built on an anvil of its own (the tests reorganise its chain).

The history: proposals of every category (ordinary signal, treasury in ETH and in an ERC-20 token, membership
admission and a defeated removal, a constitutional amendment and rule change, a canceled one), votes of every kind
(direct, with a reason, a signed ballot relayed by another account, by a proxy), admissions, a suspension and a
removal made through `Round.as_timelock`, and treasury deposits.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from ccsi_dao.abi.artifacts import load_test_artifact
from ccsi_dao.chain import Chain
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import deploy_suite
from ccsi_dao.types import Category, ProposalState, Ratio, Role, StakeholderGroup, VoteType
from tests.support.consortium import TEST_RULES, suite_params
from tests.support.scenario import FOR, Round


@dataclass
class Built:
    url: str
    chain: Chain
    dao: Consortium
    round: Round
    token: str
    proposals: dict[str, int]  # label -> proposal id


def build_history(url: str, accounts: list[LocalAccount]) -> Built:
    chain = Chain.connect(url)
    dao = Consortium(chain, deploy_suite(chain, accounts[0], suite_params(accounts)))
    r = Round(dao, accounts)
    w3 = chain.w3
    reg = dao.record.membership
    labels: dict[str, int] = {}

    # treasury deposits: ETH (no event) and an ERC-20 token (Transfer to the timelock)
    art = load_test_artifact("TestToken")
    token, _ = chain.deploy(accounts[0], art.abi, art.bytecode, action="deploying the test token")
    erc20 = w3.eth.contract(address=token, abi=art.abi)
    chain.transact(accounts[0], erc20.functions.mint(dao.record.timelock, 1_000))
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": accounts[0].address, "to": dao.record.timelock, "value": 5 * 10**18})
    )

    # 1. ordinary signal: direct votes, a reason, a relayed signed ballot, a proxy vote
    dao.appoint_proxy(accounts[10], accounts[11].address)
    p = r.open([actions.signal()], "Signal: we endorse the social-innovation roadmap")
    r.vote(p, range(1, 6), FOR)
    dao.vote(accounts[6], p.id, VoteType.AGAINST, "too early")
    dao.relay(accounts[0], dao.sign_ballot(accounts[7], p.id, VoteType.FOR))
    dao.relay(accounts[9], dao.sign_ballot(accounts[8], p.id, VoteType.ABSTAIN, "conflict of interest"))
    dao.vote(accounts[11], p.id, VoteType.FOR)  # weight 2: also for member 10
    assert r.close(p) == ProposalState.SUCCEEDED
    r.enact(p)
    labels["signal"] = p.id
    dao.revoke_proxy(accounts[10])

    # 2. treasury: pay 1 ETH and 250 tokens
    labels["treasury"] = r.pass_(
        [actions.transfer_eth(accounts[15].address, 10**18), actions.transfer_erc20(token, accounts[16].address, 250)],
        "Treasury: fund the pilot",
    ).id

    # 3. membership: admit a partner through governance
    labels["admit"] = r.pass_(
        [
            actions.admit(
                reg, accounts[13].address, "Mestna obcina Ljubljana", Role.PARTNER, StakeholderGroup.MUNICIPALITY, 2
            )
        ],
        "Admit Ljubljana",
    ).id

    # 4. membership: a removal voted down
    p, state = r.tally(
        [actions.remove(reg, accounts[12].address)], for_=[1, 2], against=range(3, 10), description="Remove partner 12"
    )
    assert state == ProposalState.DEFEATED
    labels["remove-defeated"] = p.id

    # bulk membership changes, as if governance executed them
    m = dao.membership.functions
    r.as_timelock(m.admit(accounts[14].address, int(Role.OBSERVER), int(StakeholderGroup.ACADEMIA), 1, "Observer Uni"))
    r.as_timelock(m.admit(accounts[17].address, int(Role.PARTNER), int(StakeholderGroup.BUSINESS), 3, "Startup d.o.o."))
    r.as_timelock(m.suspend(accounts[12].address))
    r.as_timelock(m.setWeight(accounts[3].address, 2))
    r.as_timelock(m.remove(accounts[17].address))

    # 5. constitutional: amend the agreement; 6. constitutional: stricter ordinary rule
    voters = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13]
    labels["amend"] = r.pass_(
        [actions.amend_agreement(reg, bytes.fromhex("22" * 32), "ipfs://agreement-v2")],
        "Amend the agreement",
        voters=voters,
    ).id
    rules = dict(TEST_RULES)
    rules[Category.ORDINARY] = (Ratio(1, 3), Ratio(1, 2))
    labels["rules"] = r.pass_(
        [actions.update_rules(dao.record.governor, rules, False)], "Stricter ordinary quorum", voters=voters
    ).id

    # 7. canceled while pending
    p = r.propose([actions.signal()], "Withdrawn idea", proposer=2)
    dao.cancel(accounts[2], p)
    labels["canceled"] = p.id

    # 8. an ordinary proposal defeated for lack of quorum, and a member resigning
    p, state = r.tally([actions.signal()], for_=[1], description="Small signal")
    assert state == ProposalState.DEFEATED
    labels["no-quorum"] = p.id
    dao.resign(accounts[9])
    r.advance(10)
    return Built(url, chain, dao, r, token, labels)
