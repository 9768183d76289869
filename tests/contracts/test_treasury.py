"""The timelock holds the treasury: funds leave only by a passed treasury decision."""

from __future__ import annotations

import pytest
from web3 import Web3

from ccsi_dao.abi.artifacts import load_test_artifact
from ccsi_dao.chain import Call
from ccsi_dao.errors import ContractRevertError
from ccsi_dao.governance import actions
from ccsi_dao.types import Category
from tests.support.scenario import Round


@pytest.fixture
def rounds(dao, accounts) -> Round:
    return Round(dao, accounts)


@pytest.fixture
def token(dao, accounts):
    artifact = load_test_artifact("TestToken")
    address, _ = dao.chain.deploy(accounts[0], artifact.abi, artifact.bytecode)
    contract = dao.chain.w3.eth.contract(address=address, abi=artifact.abi)
    dao.chain.transact(accounts[0], contract.functions.mint(dao.record.timelock, 10_000 * 10**18))
    return contract


def test_treasury_receives_and_pays_eth_by_decision(rounds: Round, dao, accounts) -> None:
    w3, timelock, payee = dao.chain.w3, dao.record.timelock, accounts[19].address
    dao.chain.transact(accounts[0], Call(to=timelock, value=Web3.to_wei(5, "ether")))
    before = w3.eth.get_balance(payee)
    pay = actions.transfer_eth(payee, Web3.to_wei(2, "ether"))
    assert dao.categorize([pay]) == Category.TREASURY
    rounds.pass_([pay], "Pay the DiSi Lab platform developer")
    assert w3.eth.get_balance(payee) - before == Web3.to_wei(2, "ether")
    assert w3.eth.get_balance(timelock) == Web3.to_wei(3, "ether")


def test_treasury_pays_erc20_by_decision(rounds: Round, dao, token, accounts) -> None:
    payee = accounts[19].address
    rounds.pass_([actions.transfer_erc20(token.address, payee, 1_500 * 10**18)], "Grant for a social enterprise")
    assert token.functions.balanceOf(payee).call() == 1_500 * 10**18
    assert token.functions.balanceOf(dao.record.timelock).call() == 8_500 * 10**18


def test_nobody_moves_treasury_funds_directly(dao, token, accounts) -> None:
    zero = b"\0" * 32
    transfer = actions.transfer_erc20(token.address, accounts[2].address, 1)
    for caller in (accounts[0], accounts[1]):  # the deployer, a founding partner
        with pytest.raises(ContractRevertError) as err:
            dao.chain.transact(caller, dao.timelock.functions.execute(transfer.target, 0, transfer.data, zero, zero))
        assert err.value.error_name == "AccessControlUnauthorizedAccount"
        with pytest.raises(ContractRevertError) as err:
            dao.chain.transact(
                caller, dao.timelock.functions.schedule(transfer.target, 0, transfer.data, zero, zero, 10**6)
            )
        assert err.value.error_name == "AccessControlUnauthorizedAccount"
    with pytest.raises(ContractRevertError, match="does not accept deposits"):
        dao.chain.transact(accounts[0], Call(to=dao.record.governor, value=1))
