"""A small history with chambers and choices, for the decision log, ``audit verify``, the report, the dashboard
and the watch notices.

The test consortium (12 partners of weight 1; 1 and 2 founding partners; partner ``i`` in stakeholder group
``i % 6``) with founders' consent on ordinary decisions (any founding partner against blocks) and approval voting
allowed. In creation order:

1. ``blocked``: an ordinary signal with 7 for and founding partner 2 against: blocked by the founding partners.
2. ``consent``: an ordinary signal every voter (both founders among them) supports: passes, executed.
3. ``choice``: a treasury choice among three options (each paying a different account), approval voting (up to 2
   options a ballot): ``Cooperative`` wins and only its payment is queued and executed.
4. ``no-winner``: a text-only single choice split three ways: no option has more for than against.
5. ``proxy-blocked``: an ordinary signal that partner 3, proxy of founding partner 1, votes against: the founders'
   chamber counts founding partner 1's share of the proxy's votes, and blocks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from ccsi_dao.chain import Chain
from ccsi_dao.governance import actions
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.decisions import (
    FOUNDING_PARTNERS,
    ChamberCondition,
    encode_manifest,
    encode_options,
    pack_conditions,
)
from ccsi_dao.governance.deployment import deploy_suite
from ccsi_dao.types import Category, ProposalState, Ratio, VoteType
from tests.support.consortium import suite_params
from tests.support.scenario import AGAINST, FOR, Round

FOUNDERS_CONSENT = ChamberCondition(members=FOUNDING_PARTNERS, blocking=Ratio(0, 1))
"""No founding partner against."""
CHOICE_LABELS = ("Association", "Cooperative", "Foundation")
TEXT_LABELS = ("Two-tier board", "Single board", "Rotating chair")


@dataclass
class ChambersBuilt:
    url: str
    chain: Chain
    dao: Consortium
    round: Round
    accounts: list[LocalAccount]
    proposals: dict[str, int]  # label -> proposal id

    def number(self, label: str) -> int:
        return list(self.proposals).index(label) + 1


def choice_actions(governor: str, labels: tuple[str, ...], per_option: list[list[Action]], most: int) -> list[Action]:
    """A choice's actions: the manifest, then each option's actions in order."""
    manifest = Action(governor, 0, encode_manifest(labels, [len(a) for a in per_option], most))
    return [manifest, *(a for option in per_option for a in option)]


def vote_options(dao: Consortium, account: LocalAccount, proposal_id: int, options: list[int]) -> None:
    """A ballot For ``options`` (numbered from 0) on a choice."""
    fn = dao.governor.functions.castVoteWithReasonAndParams(proposal_id, int(FOR), "", encode_options(options))
    dao.chain.transact(account, fn, action="the vote")


def build_chambers_history(url: str, accounts: list[LocalAccount]) -> ChambersBuilt:
    chain = Chain.connect(url)
    params = suite_params(
        accounts, chambers={Category.ORDINARY: pack_conditions([FOUNDERS_CONSENT])}, approval_voting=True
    )
    dao = Consortium(chain, deploy_suite(chain, accounts[0], params))
    r = Round(dao, accounts)
    gov = dao.record.governor
    labels: dict[str, int] = {}
    chain.w3.eth.wait_for_transaction_receipt(
        chain.w3.eth.send_transaction({"from": accounts[0].address, "to": dao.record.timelock, "value": 10**18})
    )

    # 1. blocked by the founding partners' chamber
    p = r.open([actions.signal()], "Signal: join the regional network")
    r.vote(p, range(3, 10), FOR)
    r.vote(p, [2], AGAINST)
    assert r.close(p) == ProposalState.DEFEATED
    labels["blocked"] = p.id

    # 2. founders' consent given
    labels["consent"] = r.pass_([actions.signal()], "Signal: publish the annual report", voters=range(1, 8)).id

    # 3. a treasury choice, approval voting, winner-only execution
    pay = [[actions.transfer_eth(accounts[15 + i].address, 1_000 + i)] for i in range(3)]
    p = r.open(choice_actions(gov, CHOICE_LABELS, pay, 2), "Choice: our legal model")
    for voter, chosen in ((1, [1]), (2, [0, 1]), (3, [1]), (4, [1, 2]), (5, [0]), (6, [2])):
        vote_options(dao, accounts[voter], p.id, chosen)
    r.vote(p, [7], AGAINST)
    assert r.close(p) == ProposalState.SUCCEEDED
    r.enact(p)
    assert dao.state(p.id) == ProposalState.EXECUTED
    labels["choice"] = p.id

    # 4. a text-only single choice without a winner
    p = r.open(choice_actions(gov, TEXT_LABELS, [[], [], []], 1), "Choice: management structure")
    for voter, option in ((1, 0), (3, 0), (4, 1), (5, 1), (6, 2)):
        vote_options(dao, accounts[voter], p.id, [option])
    dao.vote(accounts[8], p.id, VoteType.ABSTAIN)
    assert r.close(p) == ProposalState.DEFEATED
    labels["no-winner"] = p.id

    # 5. a founding partner's power voted against by its proxy, a partner: the founders' chamber counts it (the
    # proxy's votes split by class at the snapshot), so the proposal is blocked though no founder voted
    dao.appoint_proxy(accounts[1], accounts[3].address)
    p = r.open([actions.signal()], "Signal: a proxy speaks for a founder")
    r.vote(p, [3], AGAINST)  # weight 2: its own (partner, business) and founding partner 1's (civil society)
    r.vote(p, range(4, 10), FOR)
    assert r.close(p) == ProposalState.DEFEATED
    labels["proxy-blocked"] = p.id
    dao.revoke_proxy(accounts[1])
    r.advance(10)
    return ChambersBuilt(url, chain, dao, r, accounts, labels)
