"""``import ccsi_dao`` is the public API: every name it lists resolves, and importing it stays cheap."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import ccsi_dao
from ccsi_dao.errors import ConfigError


def test_every_public_name_resolves() -> None:
    for name in ccsi_dao.__all__:
        assert getattr(ccsi_dao, name) is not None, name
    assert ccsi_dao.Consortium.__module__ == "ccsi_dao.governance.consortium"
    assert issubclass(ccsi_dao.ChainError, ccsi_dao.CcsiDaoError)
    assert ccsi_dao.actions.signal().target == "0x0000000000000000000000000000000000000000"
    with pytest.raises(AttributeError):
        ccsi_dao.no_such_name  # noqa: B018


def test_connect_takes_the_url_and_the_deployment_record() -> None:
    assert list(inspect.signature(ccsi_dao.connect).parameters) == ["rpc_url", "deployment"]


def test_connect_without_a_deployment_record_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no deployment record at .*missing.json: deploy first"):
        ccsi_dao.connect("http://127.0.0.1:9", tmp_path / "missing.json")


def test_import_loads_nothing_heavy() -> None:
    code = "import ccsi_dao, sys, json; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
    code += "('web3', 'eth_account', 'eth_abi', 'pydantic', 'requests', 'yaml'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(out.stdout) == []
