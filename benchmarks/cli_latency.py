"""Wall time of `ccsi-dao vote` end to end against the two floors a partner could use instead, on one devnet:
a minimal web3.py script (benchmarks/minimal_vote.py) and Foundry's `cast send --keystore`, each decrypting the
same standard keystore. Runs are interleaved (ccsi-dao, script, cast for each voter) so machine noise hits all
three alike. Also: start-up time of `ccsi-dao --help`, and the cost of one keystore unlock.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eth_account import Account

from ccsi_dao.chain import Chain
from ccsi_dao.chain.keystore import SCRYPT_N
from ccsi_dao.devnet import Devnet, dev_account
from ccsi_dao.governance.actions import signal
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import InitialMember, SuiteParams, deploy_suite
from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup, VoteType

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).with_name("ccsi-dao"))
CAST = str(ROOT / "node_modules/@foundry-rs/cast-linux-amd64/bin/cast")
PASSWORD = "benchmark-password"


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {result.stderr.strip()[-500:]}")
    return elapsed


def measure(runs: int = 12, port: int = 8599) -> dict:
    """Median wall times (s) over ``runs`` voters and their ratios."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        devnet = Devnet(home / "devnet", port=port)
        devnet.start()
        try:
            return _measure(home, devnet.url, runs)
        finally:
            devnet.stop()


def _measure(home: Path, url: str, runs: int) -> dict:
    chain = Chain.connect(url)
    voters = [dev_account(i) for i in range(1, runs + 1)]
    params = SuiteParams(
        name="Latency Consortium",
        members=tuple(
            InitialMember(v.address, f"Partner {i}", Role.FOUNDING_PARTNER, StakeholderGroup.OTHER)
            for i, v in enumerate(voters)
        ),
        agreement_hash=b"\x11" * 32,
        agreement_uri="ipfs://latency",
        rules={c: (Ratio(1, 2), Ratio(1, 2)) for c in Category},
        voting_delay=1,
        voting_period=86_400,
        late_quorum_extension=0,
        early_close=False,
        timelock_delay=60,
    )
    deployer = dev_account(0)
    dao = Consortium(chain, deploy_suite(chain, deployer, params))
    record_path = home / "deployment.json"
    dao.record.save(record_path)
    proposals = [dao.propose(voters[0], [signal()], f"Latency {tool}").id for tool in ("ccsi", "script", "cast")]
    chain.w3.provider.make_request("evm_increaseTime", [2])
    chain.w3.provider.make_request("evm_mine", [])

    (home / "keystores").mkdir(mode=0o700)
    password_file = home / "password.txt"
    password_file.write_text(PASSWORD + "\n")
    keystores = []
    for i, voter in enumerate(voters):  # the standard KDF cost, as `ccsi-dao wallet` writes it
        data = Account.encrypt(voter.key, PASSWORD, kdf="scrypt", iterations=SCRYPT_N)
        data["address"] = voter.address
        path = home / "keystores" / f"voter{i}.json"
        path.write_text(json.dumps(data))
        path.chmod(0o600)
        keystores.append(path)

    env = {**os.environ, "CCSI_DAO_HOME": str(home), "CCSI_DAO_RPC_URL": url, "CCSI_DAO_DEPLOYMENT": str(record_path)}
    times: dict[str, list[float]] = {"ccsi-dao vote": [], "web3.py script": [], "cast send": []}
    for i, path in enumerate(keystores):
        times["ccsi-dao vote"].append(
            _timed(
                [CLI, "vote", str(proposals[0]), "for", "--from", f"voter{i}", "--password-file", str(password_file)],
                env,
            )
        )
        times["web3.py script"].append(
            _timed(
                [
                    sys.executable,
                    str(ROOT / "benchmarks/minimal_vote.py"),
                    url,
                    dao.record.governor,
                    str(path),
                    str(password_file),
                    str(proposals[1]),
                ],
                env,
            )
        )
        times["cast send"].append(
            _timed(
                [
                    CAST,
                    "send",
                    "--keystore",
                    str(path),
                    "--password",
                    PASSWORD,
                    "--rpc-url",
                    url,
                    dao.record.governor,
                    "castVote(uint256,uint8)",
                    str(proposals[2]),
                    "1",
                ],
                env,
            )
        )
    counted = [dao.tally(p)[VoteType.FOR] for p in proposals]
    assert counted == [runs] * 3, counted

    help_times = [_timed([CLI, "--help"], env) for _ in range(10)]
    unlock = []
    keyfile = json.loads(keystores[0].read_text())
    for _ in range(5):
        start = time.perf_counter()
        Account.decrypt(keyfile, PASSWORD)
        unlock.append(time.perf_counter() - start)

    medians = {k: statistics.median(v) for k, v in times.items()}
    return {
        "runs": runs,
        "median_seconds": medians,
        "all_seconds": times,
        "ratio_ccsi_to_web3_script": medians["ccsi-dao vote"] / medians["web3.py script"],
        "ratio_ccsi_to_cast": medians["ccsi-dao vote"] / medians["cast send"],
        "help_startup_median_seconds": statistics.median(help_times),
        "keystore_kdf": {
            "kdf": "scrypt",
            "n": SCRYPT_N,
            "r": 8,
            "p": 1,
            "unlock_median_seconds": statistics.median(unlock),
        },
    }
