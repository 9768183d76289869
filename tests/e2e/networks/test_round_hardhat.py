"""Any EVM node (1/2): the whole round, ``log`` and ``audit verify`` on Hardhat 3's node (see :mod:`.round`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.networks.round import hardhat_node, make_cli, whole_round

pytestmark = pytest.mark.slow


def test_the_whole_round_on_hardhat(tmp_path: Path) -> None:
    with hardhat_node() as node:
        whole_round(node, make_cli(tmp_path, node), tmp_path)
