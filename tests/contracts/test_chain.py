"""The transaction layer against real nodes: legacy and EIP-1559 fees, the bounded receipt wait, chain checks."""

from __future__ import annotations

import pytest

from ccsi_dao.chain import Call, Chain
from ccsi_dao.errors import ChainError, ContractRevertError, TransactionTimeoutError
from tests.support.anvil import start_anvil


@pytest.fixture
def node(request):
    """An anvil with extra flags (given by indirect parametrisation), stopped after the test."""
    proc, url = start_anvil(*getattr(request, "param", ()))
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.parametrize("node", [("--hardfork", "berlin")], indirect=True)
def test_legacy_chain_gets_a_gas_price(node: str, accounts) -> None:
    chain = Chain.connect(node)
    assert chain.w3.eth.get_block("latest").get("baseFeePerGas") is None
    receipt = chain.transact(accounts[0], Call(to=accounts[1].address, value=1))
    tx = chain.w3.eth.get_transaction(receipt["transactionHash"])
    assert tx["type"] == 0 and tx["gasPrice"] > 0


def test_eip1559_chain_gets_fee_caps(chain: Chain, accounts) -> None:
    receipt = chain.transact(accounts[0], Call(to=accounts[1].address, value=1))
    tx = chain.w3.eth.get_transaction(receipt["transactionHash"])
    assert tx["type"] == 2 and tx["maxFeePerGas"] >= tx["maxPriorityFeePerGas"]


@pytest.mark.parametrize("node", [("--no-mining",)], indirect=True)
def test_receipt_wait_is_bounded_and_reports_progress(node: str, accounts) -> None:
    progress: list[float] = []
    chain = Chain.connect(node, receipt_timeout=1.6, on_wait=lambda action, waited: progress.append(waited))
    with pytest.raises(TransactionTimeoutError, match="was sent but not mined within 2 s"):
        chain.transact(accounts[0], Call(to=accounts[1].address, value=1), action="the payment")
    assert progress and max(progress) < 2.5


def test_unreachable_node_is_one_sentence() -> None:
    with pytest.raises(
        ChainError, match=r"cannot reach the chain at http://127.0.0.1:9: is the node running\? \(connection refused\)"
    ):
        Chain.connect("http://127.0.0.1:9", request_timeout=1)


def test_wrong_chain_is_refused(anvil_url: str) -> None:
    with pytest.raises(ChainError, match="has chain id 31337, but the deployment is on chain 100"):
        Chain.connect(anvil_url, expected_chain_id=100)


def test_too_little_eth_for_gas_is_a_user_error(chain: Chain) -> None:
    from eth_account import Account

    pauper = Account.create()
    with pytest.raises(ContractRevertError, match="too little ETH"):
        chain.transact(pauper, Call(to=pauper.address, value=1))
