"""ape users: the library takes ape accounts (``AccountAPI``: a keyfile account, a test account) wherever it takes a
signer, and an account that declines to sign sends nothing; ``dao`` in ``ape console`` is on the devnet this home
started (whatever its port) and is refused on a chain with the same chain id but other blocks, as the CLI refuses
it. ape runs in subprocesses (it loads plugins and configuration); eth-ape 0.8 needs Python < 3.13 (numpy < 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccsi_dao.agreement import load_agreement
from ccsi_dao.chain import Chain
from ccsi_dao.governance.deployment import SuiteParams, deploy_suite
from tests.support import ROOT
from tests.support.anvil import free_port, start_anvil, stop_anvil
from tests.support.cli import SMALL, Cli, dev_account

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.version_info >= (3, 13), reason="eth-ape 0.8 needs numpy<2, which has no Python 3.13 build"),
]

APE = str(Path(sys.executable).with_name("ape"))

SCRIPT = """
import json, os, sys
from ape import accounts
from ape_accounts import import_account_from_private_key
from ccsi_dao import Consortium, VoteType, actions
from ccsi_dao.chain import Chain
from ccsi_dao.devnet import dev_account
from ccsi_dao.errors import UserError
from ccsi_dao.governance.deployment import DeploymentRecord

url, record = sys.argv[1], DeploymentRecord.load(sys.argv[2])
chain = Chain.connect(url, expected_chain_id=record.chain_id)
dao = Consortium(chain, record)
agency = import_account_from_private_key("agency", "a long passphrase 1!", dev_account(1).key.hex())
agency.set_autosign(True, passphrase="a long passphrase 1!")
coop, observer = accounts.test_accounts[2], accounts.test_accounts[5]
proposal = dao.propose(agency, [actions.signal()], "Signed by ape")
chain.transport.request("evm_increaseTime", [proposal.snapshot - chain.now() + 1])
chain.transport.request("evm_mine", [])
dao.vote(agency, proposal.id, VoteType.FOR)
ballot = dao.sign_ballot(coop, proposal.id, VoteType.FOR, "by ape")
dao.relay(observer, ballot)

declining = accounts.test_accounts[3]  # as a hardware wallet whose owner presses "reject"
object.__setattr__(declining, "sign_transaction", lambda txn, **kwargs: None)
nonce = chain.pending_nonce(declining.address)
try:
    dao.propose(declining, [actions.signal()], "Declined")
    declined = "sent"
except UserError as exc:
    declined = str(exc)
print(json.dumps({"proposer": proposal.proposer, "votes": dao.tally(proposal.id)[VoteType.FOR],
                  "ballot_voter": ballot.voter, "declined": declined,
                  "nonce_kept": chain.pending_nonce(declining.address) == nonce}))
"""


@pytest.fixture(scope="module")
def anvil() -> Iterator[str]:
    proc, url = start_anvil()
    yield url
    stop_anvil(proc)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCSI_DAO_", "APE_"))}
    env.update(APE_DATA_FOLDER=str(tmp_path / "ape"), HOME=str(tmp_path), CI="true", **extra)
    return env


def test_ape_accounts_sign_wherever_the_library_takes_a_signer(anvil: str, tmp_path: Path) -> None:
    record = deploy_suite(Chain.connect(anvil), dev_account(0), SuiteParams.from_agreement(load_agreement(SMALL)))
    record.save(tmp_path / "deployment.json")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, anvil, str(tmp_path / "deployment.json")],
        env=_env(tmp_path), capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {
        "proposer": dev_account(1).address,  # the keyfile account
        "votes": 3,  # the agency's 2 and the cooperative's relayed ballot
        "ballot_voter": dev_account(2).address,
        "declined": f"the ape account {dev_account(3).address} did not sign the transaction; nothing was sent",
        "nonce_kept": True,
    }


def _console(tmp_path: Path, home: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [APE, "console", "-c", code], cwd=ROOT, env=_env(tmp_path, CCSI_DAO_HOME=str(home), **env),
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
    )  # fmt: skip


def test_ape_console_dao_is_on_this_homes_devnet_and_checks_the_chain(tmp_path: Path) -> None:
    """`ccsi-dao devnet start --port P` then plain `ape console`: `dao` talks to P. Pointed at another chain with
    the same chain id (31337) but other blocks, `dao` is refused with the CLI's sentence."""
    home = tmp_path / "home"
    cli = Cli(home, "")
    port = free_port()
    no_url = {"CCSI_DAO_RPC_URL": None}
    cli.ok("devnet", "start", "--port", str(port), env=no_url)
    try:
        Chain.connect(f"http://127.0.0.1:{port}")
        record = deploy_suite(
            Chain.connect(f"http://127.0.0.1:{port}"), dev_account(0), SuiteParams.from_agreement(load_agreement(SMALL))
        )
        record.save(home / "deployment.json")
        found = _console(tmp_path, home, "print('DAO', dao.chain.url, len(dao.members()))")
        assert f"DAO http://127.0.0.1:{port} 5" in found.stdout, found.stdout + found.stderr

        proc, impostor = start_anvil()  # chain id 31337 too, but none of the deployment's blocks
        try:
            refused = _console(tmp_path, home, "print('HAS_DAO', 'dao' in dir())", CCSI_DAO_RPC_URL=impostor)
        finally:
            stop_anvil(proc)
        assert "HAS_DAO False" in refused.stdout, refused.stdout + refused.stderr
        assert f"ccsi-dao: `dao` is not available: the chain at {impostor} does not hold the deployment" in (
            refused.stdout
        )
    finally:
        cli.run("devnet", "stop", env=no_url)
