"""The dashboard tests' chain: a small governance history of every kind of event, with hostile text in it.

Built on an anvil of its own with the test consortium (12 partners of weight 1, :mod:`tests.support.consortium`):

1. an ordinary signal passed and executed: direct votes, a reason, a signed ballot relayed by another account, a vote
   by a proxy (member 10 appointed member 11), and a description with HTML, a script and quotes in it;
2. a treasury payment of 1 ETH, passed and executed (after an ETH deposit);
3. a membership decision admitting a partner whose name is markup;
4. a removal voted down;
5. a constitutional amendment of the agreement;
6. a proposal withdrawn while pending;
7. an ordinary proposal left open, with two votes cast: the live test casts a third.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from ccsi_dao.chain import Chain
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import deploy_suite
from ccsi_dao.types import ProposalState, Role, StakeholderGroup, VoteType
from tests.support.consortium import suite_params
from tests.support.scenario import AGAINST, FOR, Round

HOSTILE_DESCRIPTION = 'Signal: <script>alert("x")</script> we endorse the "roadmap" & <b>more</b>'
HOSTILE_NAME = "Mestna <img src=x onerror=alert(1)> obcina"
HOSTILE_REASON = "too early \u202eesrever"
OPEN_TITLE = "Open question: a shared data space"


@dataclass
class Built:
    url: str
    chain: Chain
    dao: Consortium
    round: Round
    accounts: list[LocalAccount]
    proposals: dict[str, int]  # label -> proposal id


def build(url: str, accounts: list[LocalAccount]) -> Built:
    chain = Chain.connect(url)
    dao = Consortium(chain, deploy_suite(chain, accounts[0], suite_params(accounts)))
    r = Round(dao, accounts)
    reg = dao.record.membership
    labels: dict[str, int] = {}
    w3 = chain.w3
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": accounts[0].address, "to": dao.record.timelock, "value": 5 * 10**18})
    )

    dao.appoint_proxy(accounts[10], accounts[11].address)
    p = r.open([actions.signal()], HOSTILE_DESCRIPTION)
    r.vote(p, range(1, 6), FOR)
    dao.vote(accounts[6], p.id, AGAINST, HOSTILE_REASON)
    dao.relay(accounts[0], dao.sign_ballot(accounts[7], p.id, VoteType.FOR))
    dao.relay(accounts[9], dao.sign_ballot(accounts[8], p.id, VoteType.ABSTAIN, "conflict of interest"))
    dao.vote(accounts[11], p.id, FOR)  # weight 2: also for member 10
    assert r.close(p) == ProposalState.SUCCEEDED
    r.enact(p)
    labels["signal"] = p.id
    dao.revoke_proxy(accounts[10])

    labels["treasury"] = r.pass_([actions.transfer_eth(accounts[15].address, 10**18)], "Treasury: fund the pilot").id
    labels["admit"] = r.pass_(
        [actions.admit(reg, accounts[13].address, HOSTILE_NAME, Role.PARTNER, StakeholderGroup.MUNICIPALITY, 1)],
        "Admit Ljubljana",
    ).id
    p, state = r.tally(
        [actions.remove(reg, accounts[12].address)], for_=[1, 2], against=range(3, 10), description="Remove partner 12"
    )
    assert state == ProposalState.DEFEATED
    labels["remove-defeated"] = p.id
    labels["amend"] = r.pass_(
        [actions.amend_agreement(reg, bytes.fromhex("22" * 32), "ipfs://agreement-v2")],
        "Amend the agreement",
        voters=range(1, 13),
    ).id
    p = r.propose([actions.signal()], "Withdrawn idea", proposer=2)
    dao.cancel(accounts[2], p)
    labels["canceled"] = p.id
    p = r.open([actions.signal()], OPEN_TITLE)
    r.vote(p, [1, 2], FOR)
    labels["open"] = p.id
    return Built(url, chain, dao, r, accounts, labels)
