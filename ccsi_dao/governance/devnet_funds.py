"""Money for a consortium on the local devnet: ETH for its treasury, and a test ERC-20 token (``tEUR``) to pay with.

For trying treasury proposals end to end. Everything here refuses any chain but a local anvil devnet (chain id
31337): a real consortium's treasury is funded by sending to its timelock, and its tokens are real tokens.
The test token is ``contracts/test/TestToken.sol`` (anyone may mint it), compiled into ``tests/artifacts`` of a
source checkout; it is not part of the installed package.
"""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from ccsi_dao.abi.artifacts import TEST_ARTIFACTS_DIR, Artifact, load_artifact
from ccsi_dao.chain import Call, Chain
from ccsi_dao.devnet import DEVNET_CHAIN_ID
from ccsi_dao.errors import ConfigError, UserError
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.treasury import Token

TEST_TOKEN = "TestToken"


def require_devnet(chain: Chain, url: str, what: str) -> None:
    """UserError unless ``chain`` is a local anvil devnet."""
    client = str(chain.transport.request("web3_clientVersion", []))
    if chain.chain_id != DEVNET_CHAIN_ID or not client.lower().startswith("anvil/"):
        raise UserError(
            f"refusing to {what}: {url} is not a local anvil devnet (chain id {chain.chain_id}, client {client}); "
            "on a real chain, send funds to the treasury's address (ccsi-dao treasury shows it)"
        )


def fund_treasury(dao: Consortium, sender: LocalAccount, wei: int) -> Any:
    """Send ``wei`` from ``sender`` to the treasury (the timelock records a ``Deposited`` event); the receipt."""
    return dao.chain.transact(sender, Call(to=dao.record.timelock, value=wei), action="funding the treasury")


def test_token_artifact() -> Artifact:
    try:
        return load_artifact(TEST_TOKEN, TEST_ARTIFACTS_DIR)
    except ConfigError:
        raise ConfigError(
            f"the test token needs a source checkout of ccsi-dao ({TEST_ARTIFACTS_DIR}/{TEST_TOKEN}.json is missing; "
            "it is not part of the installed package)"
        ) from None


def deploy_test_token(chain: Chain, sender: LocalAccount) -> str:
    """Deploy a fresh test token (``Test Euro``, ``tEUR``, 18 decimals, anyone may mint); its address."""
    artifact = test_token_artifact()
    address, _ = chain.deploy(sender, artifact.abi, artifact.bytecode, action="deploying the test token")
    return to_checksum_address(address)


def mint_test_token(chain: Chain, sender: LocalAccount, token: Token, to: str, amount: int) -> Any:
    """Mint ``amount`` base units of the test token ``token`` to ``to``; the receipt. A UserError if ``token`` is not
    a test token (it has no open ``mint``)."""
    contract = chain.contract(token.address, test_token_artifact().abi)
    call = contract.functions.mint(to_checksum_address(to), amount)
    try:
        chain.read(call, sender=sender.address)
    except UserError:
        raise UserError(
            f"{token.symbol} ({token.address}) cannot be minted here: it is not a ccsi-dao test token"
        ) from None
    return chain.transact(sender, call, action=f"minting {token.symbol}")
