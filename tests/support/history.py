"""A governance history for the decision-log tests, built on an anvil of its own (the tests reorganise its chain).

The history covers every kind of event and every rule of contracts v2 the decision log and ``audit verify`` must
re-derive: proposals of every category and every outcome (executed, defeated on approval, defeated for lack of
quorum, closed early, extended by a late quorum, succeeded and left unqueued, canceled), votes of every kind (direct,
with a reason, a signed ballot relayed by another account, by a proxy, by a member whose proxy lost its vote after
the snapshot), the two electorates (a member admitted by a membership decision has no constitutional vote until one
is given), a sanction whose quorum leaves the sanctioned member's power out, a rule change and settings changes,
admissions, role, weight and constitutional-vote changes, a suspension, a removal and a resignation made through
``Round.as_timelock``, and treasury deposits in ETH (``Deposited``) and an ERC-20 token.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from ccsi_dao.abi.artifacts import load_test_artifact
from ccsi_dao.chain import Chain
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import deploy_suite
from ccsi_dao.types import Category, ProposalState, Ratio, Role, StakeholderGroup, VoteType
from tests.support.consortium import TEST_RULES, suite_params
from tests.support.scenario import AGAINST, FOR, Round

AGREEMENT_V2 = "Consortium agreement of the CCSI test consortium, version 2.\nArticle 1. Šolski partnerji ...\n"
"""The text of the agreement's second version, whose SHA-256 the amendment anchors."""
LATE_QUORUM_EXTENSION = 3_600
"""Set by the settings proposal; the late-quorum proposal is then extended by it."""


@dataclass
class Built:
    url: str
    chain: Chain
    dao: Consortium
    round: Round
    token: str
    proposals: dict[str, int]  # label -> proposal id

    def number(self, label: str) -> int:
        """The proposal's number in the log (1, 2, ... in creation order)."""
        return list(self.proposals).index(label) + 1 if label in self.proposals else 0


def build_history(url: str, accounts: list[LocalAccount]) -> Built:
    chain = Chain.connect(url)
    dao = Consortium(chain, deploy_suite(chain, accounts[0], suite_params(accounts)))
    r = Round(dao, accounts)
    w3 = chain.w3
    reg = dao.record.membership
    gov = dao.record.governor
    m = dao.membership.functions
    labels: dict[str, int] = {}
    order = [  # creation order, so Built.number works whatever the dict order of the labels
        "signal",
        "treasury",
        "admit",
        "remove-defeated",
        "amend",
        "rules",
        "settings",
        "canceled",
        "closed-early",
        "late-quorum",
        "proxy-rescue",
        "sanction",
        "no-quorum",
    ]

    # treasury deposits: ETH (Deposited) and an ERC-20 token (Transfer to the timelock)
    art = load_test_artifact("TestToken")
    token, _ = chain.deploy(accounts[0], art.abi, art.bytecode, action="deploying the test token")
    erc20 = w3.eth.contract(address=token, abi=art.abi)
    chain.transact(accounts[0], erc20.functions.mint(dao.record.timelock, 1_000))
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": accounts[0].address, "to": dao.record.timelock, "value": 5 * 10**18})
    )

    # 1. ordinary signal: direct votes, a reason, relayed signed ballots, a proxy vote
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

    # 3. membership: admit a partner through governance (no constitutional vote: it was admitted by a membership
    # decision)
    labels["admit"] = r.pass_(
        [
            actions.admit(
                reg, accounts[13].address, "Mestna obcina Ljubljana", Role.PARTNER, StakeholderGroup.MUNICIPALITY, 2
            )
        ],
        "Admit Ljubljana",
    ).id

    # 4. constitutional sanction voted down (its quorum leaves partner 12's power out)
    p, state = r.tally(
        [actions.remove(reg, accounts[12].address)], for_=[1, 2], against=range(3, 10), description="Remove partner 12"
    )
    assert state == ProposalState.DEFEATED
    labels["remove-defeated"] = p.id

    # membership changes, as if governance executed them
    r.as_timelock(m.admit(accounts[14].address, int(Role.OBSERVER), int(StakeholderGroup.ACADEMIA), 1, "Observer Uni"))
    r.as_timelock(m.admit(accounts[17].address, int(Role.PARTNER), int(StakeholderGroup.BUSINESS), 3, "Startup d.o.o."))
    r.as_timelock(m.setRole(accounts[17].address, int(Role.FOUNDING_PARTNER)))  # gives it a constitutional vote
    r.as_timelock(m.suspend(accounts[12].address))
    r.as_timelock(m.setWeight(accounts[3].address, 2))
    r.as_timelock(m.remove(accounts[17].address))

    # 5. constitutional: amend the agreement (Ljubljana, without a constitutional vote, cannot vote on it)
    constitutional = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    labels["amend"] = r.pass_(
        [actions.amend_agreement(reg, hashlib.sha256(AGREEMENT_V2.encode()).digest(), "ipfs://agreement-v2")],
        "Amend the agreement",
        voters=constitutional,
    ).id
    # 6. constitutional: a stricter ordinary quorum, and early close on (the registry keeps the rules)
    rules = dict(TEST_RULES)
    rules[Category.ORDINARY] = (Ratio(1, 3), Ratio(1, 2))
    labels["rules"] = r.pass_(
        [actions.update_rules(reg, rules, True)], "Stricter ordinary quorum, early close", voters=constitutional
    ).id
    # 7. constitutional: settings (a late-quorum extension, a longer voting delay)
    labels["settings"] = r.pass_(
        [actions.set_late_quorum_extension(gov, LATE_QUORUM_EXTENSION), actions.set_voting_delay(gov, 7_200)],
        "Late-quorum extension and a longer voting delay",
        voters=constitutional[:8],  # early close: 9 of 12 constitutional votes make it certain
    ).id

    # 8. canceled while pending
    p = r.propose([actions.signal()], "Withdrawn idea", proposer=2)
    dao.cancel(accounts[2], p)
    labels["canceled"] = p.id

    # 9. closed early: approval can no longer be met before the deadline
    p = r.open([actions.signal()], "Closed early")
    r.vote(p, [1], FOR)
    r.vote(p, range(2, 8), AGAINST)  # 7 of 14 against: approval out of reach
    assert dao.state(p.id) == ProposalState.DEFEATED  # before the deadline
    assert r.close(p) == ProposalState.DEFEATED
    labels["closed-early"] = p.id

    # 10. quorum reached in the last hour: the deadline moves by the late-quorum extension; left unqueued
    p = r.open([actions.signal()], "Late quorum")
    deadline = dao.governor.functions.proposalDeadline(p.id).call()
    r.advance(deadline - r.now() - 600)
    r.vote(p, [1, 2, 4], FOR)
    r.vote(p, [5, 6], AGAINST)
    extended = dao.governor.functions.proposalDeadline(p.id).call()
    assert extended > deadline, (extended, deadline)
    assert r.close(p) == ProposalState.SUCCEEDED
    labels["late-quorum"] = p.id

    # 11. a proxy suspended after the snapshot without voting: its principal votes itself with its own units
    dao.appoint_proxy(accounts[5], accounts[6].address)
    p = r.open([actions.signal()], "Proxy rescue")
    r.as_timelock(m.suspend(accounts[6].address))
    dao.vote(accounts[5], p.id, VoteType.FOR, "my proxy was suspended")
    r.vote(p, [1, 2, 3, 4], FOR)
    assert r.close(p) == ProposalState.SUCCEEDED
    labels["proxy-rescue"] = p.id
    r.as_timelock(m.reinstate(accounts[6].address))

    # 12. a sanction that passes: its quorum leaves partner 8's power (which never votes) out
    labels["sanction"] = r.pass_(
        [actions.suspend(reg, accounts[8].address)],
        "Suspend partner 8",
        voters=[1, 2, 3, 4, 5, 7, 9, 10],  # 9 of 12: certain
    ).id

    # 13. an ordinary proposal defeated for lack of quorum
    p, state = r.tally([actions.signal()], for_=[1], description="Small signal")
    assert state == ProposalState.DEFEATED
    labels["no-quorum"] = p.id

    # a constitutional vote given to Ljubljana, a resignation
    r.as_timelock(m.setConstitutionalVote(accounts[13].address, True))
    dao.resign(accounts[9])
    r.advance(10)
    assert list(labels) == order, list(labels)
    return Built(url, chain, dao, r, token, labels)
