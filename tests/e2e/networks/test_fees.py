"""Transaction types and fees on networks that differ from anvil: a node that accepts legacy transactions only
although its blocks carry a base fee (refused in one sentence naming the setting, then sent with --legacy,
``$CCSI_DAO_LEGACY`` or ``legacy: true``), and a chain whose blocks have no base fee at all (a pre-London view:
legacy at the node's gas price, with no setting). The zero-fee case (legacy at gas price 0, partners without ETH)
is part of the Besu-like round (``test_round_besu_like.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ccsi_dao.agreement import load_agreement
from ccsi_dao.chain import Chain
from ccsi_dao.devnet import rpc
from ccsi_dao.governance.deployment import DeploymentRecord, SuiteParams, deploy_suite
from tests.support.anvil import start_anvil, stop_anvil
from tests.support.cli import SMALL, Cli, dev_account, write_keystore
from tests.support.nodes import ProviderProxy

pytestmark = pytest.mark.slow

AGENCY = dev_account(1)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An anvil (EIP-1559 blocks) with the small consortium, and a home holding its record and the agency's key."""
    proc, url = start_anvil()
    home = tmp_path_factory.mktemp("fees") / "home"
    record = deploy_suite(Chain.connect(url), dev_account(0), SuiteParams.from_agreement(load_agreement(SMALL)))
    write_keystore(home, "agency", AGENCY.key)
    record.save(home / "deployment.json")
    yield url, home
    stop_anvil(proc)


def _sent(url: str, before: int) -> list[dict]:
    """The transactions the agency sent since its nonce was ``before``."""
    latest = int(rpc(url, "eth_blockNumber"), 16)
    txs = [tx for n in range(max(0, latest - 10), latest + 1)
           for tx in rpc(url, "eth_getBlockByNumber", hex(n), True)["transactions"]]  # fmt: skip
    return [tx for tx in txs if tx["from"].lower() == AGENCY.address.lower() and int(tx["nonce"], 16) >= before]


def test_a_legacy_only_node_is_one_sentence_then_legacy_is_sent(deployed: tuple[str, Path]) -> None:
    url, home = deployed

    def propose(text: str) -> tuple[str, ...]:
        return ("propose", "signal", "-d", text, "--from", "agency", "--yes")

    with ProviderProxy(url, legacy_only=True) as node:
        cli = Cli(home, node.url)
        before = int(rpc(url, "eth_getTransactionCount", AGENCY.address, "latest"), 16)
        refused = cli.run(*propose("Refused"))
        assert refused.code == 3, str(refused)
        assert refused.stderr == (
            "error: the node refused the proposal because it accepts only legacy transactions (transaction type not "
            "supported); nothing was sent: send it again with --legacy (or legacy: true in config.yaml, or "
            "CCSI_DAO_LEGACY=1)\n"
        )
        assert _sent(url, before) == [] and node.sent_types == {2: 1}

        cli.ok("--legacy", *propose("By flag"))
        cli.ok(*propose("By variable"), env={"CCSI_DAO_LEGACY": "1"})
        (home / "config.yaml").write_text("legacy: true\n")
        try:
            cli.ok(*propose("By config"))
        finally:
            (home / "config.yaml").unlink()
    sent = _sent(url, before)
    assert len(sent) == 3 and node.sent_types == {2: 1, 0: 3}
    for tx in sent:
        block = rpc(url, "eth_getBlockByNumber", tx["blockNumber"], False)
        assert tx["type"] == "0x0" and int(tx["gasPrice"], 16) >= int(block["baseFeePerGas"], 16) > 0


def test_blocks_without_a_base_fee_get_legacy_transactions(deployed: tuple[str, Path]) -> None:
    """A chain that shows no ``baseFeePerGas`` (before London, or a permissioned network without it) is sent legacy
    transactions at the node's gas price, with no setting."""
    url, home = deployed
    with ProviderProxy(url, hide_base_fee=True) as node:
        assert "baseFeePerGas" not in rpc(node.url, "eth_getBlockByNumber", "latest", False)
        before = int(rpc(url, "eth_getTransactionCount", AGENCY.address, "latest"), 16)
        Cli(home, node.url).ok("propose", "signal", "-d", "Before London", "--from", "agency", "--yes")
    [tx] = _sent(url, before)
    assert tx["type"] == "0x0" and int(tx["gasPrice"], 16) > 0 and node.sent_types == {0: 1}


def test_the_legacy_setting_must_be_true_or_false(deployed: tuple[str, Path]) -> None:
    url, home = deployed
    result = Cli(home, url).run("propose", "signal", "-d", "x", "--from", "agency", "--yes",
                                env={"CCSI_DAO_LEGACY": "sometimes"})  # fmt: skip
    assert result.code == 2 and result.stderr == "error: the legacy setting must be true or false, not 'sometimes'\n"
    assert DeploymentRecord.load(home / "deployment.json").chain_id == 31337
