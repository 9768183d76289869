"""README's "Use it from Python" example runs as written, on a devnet holding the small example consortium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ccsi_dao import Chain, SuiteParams, deploy_suite, load_agreement
from ccsi_dao.devnet import dev_account
from tests.support import ROOT
from tests.support.anvil import start_anvil, stop_anvil


def test_the_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    block = re.search(r"## Use it from Python.*?```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "README.md lost its Python example"
    proc, url = start_anvil()
    try:
        chain = Chain.connect(url)
        agreement = load_agreement(ROOT / "examples" / "small.yaml")
        deploy_suite(chain, dev_account(0), SuiteParams.from_agreement(agreement)).save(tmp_path / "deployment.json")
        monkeypatch.setenv("CCSI_DAO_HOME", str(tmp_path))
        monkeypatch.setenv("CCSI_DAO_RPC_URL", url)  # the example's devnet, on this test's port
        exec(block.group(1).replace("http://127.0.0.1:8545", url), {})  # noqa: S102 - the README's own code
    finally:
        stop_anvil(proc)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Founding Agency FOUNDING_PARTNER 2" and "ORDINARY PENDING" in out
    assert out[-1] == "{<VoteType.FOR: 1>: 1, <VoteType.AGAINST: 0>: 0, <VoteType.ABSTAIN: 2>: 0}"
