"""Choices through the library (``Consortium.propose_choice``, ``vote(..., options=)``, queue, execute) on the
session's test consortium: only the winner's actions run, and a choice or a ballot the governor would refuse is
refused before anything is sent."""

from __future__ import annotations

import pytest
from eth_account.signers.local import LocalAccount

from ccsi_dao.errors import UserError
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.types import Category, ProposalState, VoteType
from tests.support.scenario import Round


def test_only_the_winners_actions_run(dao: Consortium, accounts: list[LocalAccount]) -> None:
    """Three options paying three different recipients from the treasury; the middle one wins and only its two
    payments are made (the governor queues and executes a slice of the actions, in place)."""
    r = Round(dao, accounts)
    r.rpc("anvil_setBalance", [dao.record.timelock, hex(10**18)])
    recipients = [accounts[i].address for i in (13, 14, 15)]
    before = [dao.chain.balance(a) for a in recipients]
    options = [
        ("Pay the first", [actions.transfer_eth(recipients[0], 100)]),
        ("Pay the second twice", [actions.transfer_eth(recipients[1], 200), actions.transfer_eth(recipients[1], 7)]),
        ("Pay the third", [actions.transfer_eth(recipients[2], 300)]),
    ]
    proposal = dao.propose_choice(accounts[1], options, "Which payment?")
    assert proposal.category == Category.TREASURY and len(proposal.actions) == 5
    r.advance(proposal.snapshot - r.now() + 1)
    for voter, option in ((1, 1), (2, 1), (3, 1), (4, 1), (5, 0), (6, 2)):
        dao.vote(accounts[voter], proposal.id, VoteType.FOR, options=[option])
    dao.vote(accounts[7], proposal.id, VoteType.ABSTAIN)
    assert r.close(proposal) == ProposalState.SUCCEEDED
    assert tuple(dao.chain.read(dao.governor.functions.winningOption(proposal.id))) == (True, 1)
    r.enact(proposal)
    paid = [dao.chain.balance(a) - b for a, b in zip(recipients, before, strict=True)]
    assert paid == [0, 207, 0]
    assert dao.chain.balance(dao.record.timelock) == 10**18 - 207


def test_refused_before_sending(dao: Consortium, accounts: list[LocalAccount]) -> None:
    r = Round(dao, accounts)
    nonce = dao.chain.w3.eth.get_transaction_count(accounts[1].address)
    voter_nonce = dao.chain.w3.eth.get_transaction_count(accounts[2].address)
    two = [("A", []), ("B", [])]
    with pytest.raises(UserError, match="do not allow approval voting"):
        dao.propose_choice(accounts[1], two, "Q", max_selections=2)  # the test consortium does not allow it
    with pytest.raises(UserError, match="a choice offers 2 to 10 options, not 11"):
        dao.propose_choice(accounts[1], [(f"F{i}", []) for i in range(11)], "Q")
    with pytest.raises(UserError, match="every option needs a label"):
        dao.propose_choice(accounts[1], [("", []), ("B", [])], "Q")
    assert dao.chain.w3.eth.get_transaction_count(accounts[1].address) == nonce
    proposal = dao.propose_choice(accounts[1], two, "Q")
    plain = dao.propose(accounts[1], [actions.signal()], "P")
    r.advance(proposal.snapshot - r.now() + 1)
    with pytest.raises(UserError, match=r"has no option 'C'; it offers 1\. A, 2\. B"):
        dao.choice_options(proposal, ["C"], VoteType.FOR)
    with pytest.raises(UserError, match="may select one option, not 2"):
        dao.choice_options(proposal, ["A", "2"], VoteType.FOR)
    with pytest.raises(UserError, match="not a choice"):
        dao.choice_options(plain, ["1"], VoteType.FOR)
    assert dao.choice_options(proposal, ["b"], VoteType.FOR) == (1,)
    with pytest.raises(UserError, match="ballot's options do not fit this proposal"):  # the governor's own check
        dao.vote(accounts[2], proposal.id, VoteType.AGAINST, options=[0])
    assert dao.chain.w3.eth.get_transaction_count(accounts[2].address) == voter_nonce
