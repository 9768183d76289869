"""The scenario helper: drives a proposal through propose -> vote -> queue -> execute, so that each test
states only what differs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from eth_account.signers.local import LocalAccount
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.types import TxReceipt

from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.consortium import Consortium, Proposal
from ccsi_dao.types import ProposalState, VoteType

FOR, AGAINST, ABSTAIN = VoteType.FOR, VoteType.AGAINST, VoteType.ABSTAIN


class Round:
    """Governance rounds on a test consortium whose members are ``accounts[1..]``."""

    def __init__(self, dao: Consortium, accounts: Sequence[LocalAccount]) -> None:
        self.dao = dao
        self.accounts = accounts
        self.w3 = dao.chain.w3

    # ------------------------------------------------------------------ chain control

    def rpc(self, method: str, params: list[Any]) -> Any:
        response = self.w3.provider.make_request(method, params)
        assert "error" not in response, response
        return response["result"]

    def advance(self, seconds: int) -> None:
        """Move the chain's clock on by ``seconds`` and mine a block."""
        self.rpc("evm_increaseTime", [seconds])
        self.rpc("evm_mine", [])

    def now(self) -> int:
        return self.dao.chain.now()

    def as_timelock(self, fn: Any) -> TxReceipt:
        """Send ``fn`` from the timelock's address (anvil impersonation), as if governance executed it."""
        timelock = self.dao.record.timelock
        self.rpc("anvil_setBalance", [timelock, hex(10**18)])
        self.rpc("anvil_impersonateAccount", [timelock])
        try:
            # The node's estimate is made at the latest block; mined in a later second, a checkpoint is written fresh
            # (22,100 gas) where the estimate updated one in place, so the estimate alone can run out of gas.
            gas = fn.estimate_gas({"from": timelock})
            tx_hash = fn.transact({"from": timelock, "gas": gas * 2 + 200_000})
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
            assert receipt["status"] == 1, f"the governance call failed on chain: {receipt}"
            return receipt
        except (ContractCustomError, ContractLogicError) as exc:
            raise self.dao.chain.decoder.decode(exc.data, action="the governance call") from None
        finally:
            self.rpc("anvil_stopImpersonatingAccount", [timelock])

    # ------------------------------------------------------------------ lifecycle

    def propose(self, actions: Sequence[Action], description: str = "A proposal", proposer: int = 1) -> Proposal:
        return self.dao.propose(self.accounts[proposer], actions, description)

    def open(self, actions: Sequence[Action], description: str = "A proposal", proposer: int = 1) -> Proposal:
        """Propose and move past the snapshot, so voting is open."""
        proposal = self.propose(actions, description, proposer)
        self.advance(proposal.snapshot - self.now() + 1)
        assert self.dao.state(proposal.id) == ProposalState.ACTIVE
        return proposal

    def vote(self, proposal: Proposal, voters: Iterable[int], support: VoteType = FOR) -> None:
        for i in voters:
            self.dao.vote(self.accounts[i], proposal.id, support)

    def close(self, proposal: Proposal) -> ProposalState:
        """Move past the voting deadline; return the final vote state."""
        deadline = self.dao.governor.functions.proposalDeadline(proposal.id).call()
        self.advance(max(deadline - self.now() + 1, 1))
        return self.dao.state(proposal.id)

    def tally(
        self,
        actions: Sequence[Action],
        *,
        for_: Iterable[int] = (),
        against: Iterable[int] = (),
        abstain: Iterable[int] = (),
        description: str = "A proposal",
    ) -> tuple[Proposal, ProposalState]:
        """Open a vote, cast the given votes, close it; return the proposal and its final state."""
        proposal = self.open(actions, description)
        self.vote(proposal, for_, FOR)
        self.vote(proposal, against, AGAINST)
        self.vote(proposal, abstain, ABSTAIN)
        return proposal, self.close(proposal)

    def enact(self, proposal: Proposal, executor: int = 1) -> TxReceipt:
        """Queue a succeeded proposal, wait out the timelock delay, execute it."""
        self.dao.queue(self.accounts[executor], proposal)
        eta = self.dao.governor.functions.proposalEta(proposal.id).call()
        self.advance(max(eta - self.now(), 1))
        return self.dao.execute(self.accounts[executor], proposal)

    def pass_(
        self, actions: Sequence[Action], description: str = "A proposal", voters: Iterable[int] = range(1, 13)
    ) -> Proposal:
        """Take ``actions`` through a whole round with every listed member voting for; return the proposal."""
        proposal, state = self.tally(actions, for_=voters, description=description)
        assert state == ProposalState.SUCCEEDED, state
        self.enact(proposal)
        assert self.dao.state(proposal.id) == ProposalState.EXECUTED
        return proposal
