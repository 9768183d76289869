"""Any EVM node (2/2): the whole round, ``log`` and ``audit verify`` on anvil run like a Besu QBFT network: 2-s
blocks, free gas, legacy transactions only, QBFT blocks, a 10-block ``eth_getLogs`` cap (see :mod:`.round`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.networks.round import besu_like_node, make_cli, whole_round

pytestmark = pytest.mark.slow


def test_the_whole_round_on_a_besu_like_chain(tmp_path: Path) -> None:
    with besu_like_node() as node:
        whole_round(node, make_cli(tmp_path, node), tmp_path)
