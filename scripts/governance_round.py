"""The main job: a complete governance round of the CCSI Slovenia consortium on the local devnet, through the CLI.

Starts the devnet, gives the partners encrypted keystores, deploys the consortium from its agreement, proposes
admitting a new partner, has partners vote (one by a signed ballot that another partner relays), moves time on,
queues and executes the decision, and shows the new member list and the decisions taken. Re-runnable: each run
deploys a fresh consortium on the same persistent devnet.

    .venv/bin/python scripts/governance_round.py              # the devnet on 127.0.0.1:8545
    .venv/bin/python scripts/governance_round.py --port 8801  # a devnet of its own on another port

Every command talks to the devnet this home started, on whatever port. With ``CCSI_DAO_RPC_URL`` (or ``rpc_url:`` in
the home's config.yaml) the round runs on that node instead, no devnet is started, and time moves there through
``ccsi-dao --rpc-url URL devnet advance`` (anvil or Hardhat on a development chain id).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from eth_account import Account

ROOT = Path(__file__).resolve().parent.parent
HOME = Path(os.environ.get("CCSI_DAO_HOME") or ROOT / ".ccsi-dao" / "demo")
AGREEMENT = ROOT / "examples" / "ccsi-slovenia.yaml"
CLI = str(Path(sys.executable).with_name("ccsi-dao"))
MNEMONIC = "test test test test test test test test test test test junk"  # anvil's public development keys

# Keystore alias -> development account index (the agreement lists accounts 1..15 as partners).
KEYS = {
    "deployer": 0,
    "ministry": 1,
    "soncna-zadruga": 2,
    "hashnet": 3,
    "noordung": 4,
    "isi-research": 5,
    "upes-italia": 6,
    "nuovi-orizzonti": 7,
    "borgo-verde": 8,
}
NEWCOMER = 16  # the Municipality of Ljubljana


def ccsi(*args: str, check: bool = True) -> str:
    """Run one ccsi-dao command as a partner would, echoing it."""
    print(f"\n$ ccsi-dao {' '.join(args)}", flush=True)
    result = subprocess.run([CLI, *args], text=True, capture_output=True, env=ENV, stdin=subprocess.DEVNULL)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if check and result.returncode != 0:
        sys.exit(f"governance round stopped: `ccsi-dao {' '.join(args)}` exited with {result.returncode}")
    return result.stdout


def account(index: int):  # noqa: ANN201
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8545, help="port of the devnet to start (default 8545)")
    port = parser.parse_args().port
    started = time.monotonic()
    HOME.mkdir(parents=True, exist_ok=True)
    password_file = HOME / "demo-password.txt"
    if not password_file.exists():
        password_file.write_text("ccsi-demo-password\n")
        password_file.chmod(0o600)
    ENV["CCSI_DAO_PASSWORD"] = password_file.read_text().strip()

    from ccsi_dao.settings import Settings

    os.environ["CCSI_DAO_HOME"] = str(HOME)  # the settings of this round's home, as its commands see them
    settings = Settings()
    advance: tuple[str, ...] = ("devnet", "advance")
    if settings.given_url():
        print(f"== 1. the chain at {settings.url} (given: no devnet started)")
        advance = ("--rpc-url", settings.url, "devnet", "advance")
    else:
        print("== 1. the local devnet")
        ccsi("devnet", "start", "--port", str(port))

    print("\n== 2. the partners' encrypted keystores")
    existing = ccsi("wallet", "list", "--json")
    for alias, index in KEYS.items():
        if f'"alias": "{alias}"' in existing:
            continue
        key_file = HOME / f".{alias}.key"
        key_file.write_text(account(index).key.hex())
        key_file.chmod(0o600)
        try:
            ccsi("wallet", "import", alias, "--key-file", str(key_file))
        finally:
            key_file.unlink()

    print("\n== 3. the consortium, deployed from its agreement")
    ccsi("agreement", "check", str(AGREEMENT))
    ccsi("deploy", str(AGREEMENT), "--from", "deployer", "--replace")
    ccsi("members", "list")

    print("\n== 4. a proposal to admit a new partner")
    newcomer = account(NEWCOMER).address
    ccsi(
        "propose",
        "admit",
        newcomer,
        "--name",
        "Mestna občina Ljubljana",
        "--role",
        "partner",
        "--group",
        "municipality",
        "--description",
        "Admit the City of Ljubljana as a partner of CCSI Slovenia",
        "--from",
        "ministry",
        "--yes",
    )
    number = _latest_proposal_number()

    print("\n== 5. voting opens after the voting delay")
    # a minute past each boundary: a proposal is still pending in its snapshot's second (and open in its deadline's)
    ccsi(*advance, "1d1m")
    for alias in ("ministry", "soncna-zadruga", "hashnet", "noordung", "isi-research"):
        ccsi("vote", number, "for", "--from", alias)
    ccsi(
        "vote",
        number,
        "against",
        "--reason",
        "Wait until the municipal council has decided",
        "--from",
        "nuovi-orizzonti",
    )
    ccsi("vote", number, "abstain", "--from", "borgo-verde")
    ballot = HOME / f"ballot-{number}-upes.json"
    ballot.unlink(missing_ok=True)
    ccsi(
        "vote",
        number,
        "for",
        "--reason",
        "Signed offline",
        "--sign-only",
        "--out",
        str(ballot),
        "--from",
        "upes-italia",
    )
    ccsi("relay", str(ballot), "--from", "hashnet")
    ccsi("proposals", "show", number)

    print("\n== 6. after the voting period: queue, wait out the timelock, execute")
    ccsi(*advance, "7d1m")
    ccsi("queue", number, "--from", "ministry")
    ccsi(*advance, "2d1m")
    ccsi("execute", number, "--from", "ministry")

    print("\n== 7. the result")
    ccsi("members", "list")
    ccsi("proposals", "list")
    stop = f"CCSI_DAO_HOME={shlex.quote(str(HOME))} {shlex.quote(CLI)} devnet stop"
    still = "" if settings.given_url() else f" (the devnet keeps running; to stop it: {stop})"
    print(f"\ngovernance round complete in {time.monotonic() - started:.1f} s{still}")


def _latest_proposal_number() -> str:
    import json

    return str(len(json.loads(ccsi("proposals", "list", "--json"))))


ENV = {**os.environ, "CCSI_DAO_HOME": str(HOME)}

if __name__ == "__main__":
    main()
