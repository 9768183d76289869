"""The background devnet, with a real anvil on a free port and a temporary state folder."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from ccsi_dao.devnet import DEVNET_CHAIN_ID, Devnet, advance_time, dev_account, find_anvil, free_port, rpc
from ccsi_dao.errors import ChainError, ConfigError, UserError

pytestmark = pytest.mark.slow

# Init code of a contract whose runtime code returns 42.
CONTRACT = "0x600a600c600039600a6000f3602a60005260206000f3"
RUNTIME = "0x602a60005260206000f3"
DEAD = "0x000000000000000000000000000000000000dEaD"
WEEK = 7 * 86400


@pytest.fixture
def devnet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CCSI_DAO_HOME", str(tmp_path / "home"))
    net = Devnet(tmp_path / "devnet", port=free_port())
    yield net
    net.stop()


def deploy_and_pay(net: Devnet) -> str:
    sender = net.rpc("eth_accounts")[0]
    tx = net.rpc("eth_sendTransaction", {"from": sender, "data": CONTRACT})
    net.rpc("eth_sendTransaction", {"from": sender, "to": DEAD, "value": hex(10**18)})
    return net.rpc("eth_getTransactionReceipt", tx)["contractAddress"]


def assert_kept(net: Devnet, contract: str) -> None:
    assert net.rpc("eth_getCode", contract, "latest") == RUNTIME
    assert int(net.rpc("eth_getBalance", DEAD, "latest"), 16) == 10**18


def next_block_time(net: Devnet) -> int:
    net.rpc("evm_mine")
    return net.status().timestamp


def test_start_status_stop(devnet: Devnet) -> None:
    assert devnet.status().running is False
    with pytest.raises(UserError, match="is not running; start it first"):
        devnet.advance("1h")
    result = devnet.start()
    assert not result.already_running
    status = result.status
    assert status.running and status.chain_id == DEVNET_CHAIN_ID and status.block_number == 0
    assert status.url == f"http://127.0.0.1:{devnet.port}" and devnet.pid_file.exists()
    assert abs(status.timestamp - time.time()) < 5
    again = devnet.start()
    assert again.already_running and again.status.pid == status.pid
    # funded dev accounts from the default mnemonic, EIP-1559 blocks
    assert devnet.rpc("eth_accounts")[15] == dev_account(15).address.lower()
    assert int(devnet.rpc("eth_getBalance", dev_account(15).address, "latest"), 16) > 0
    assert "baseFeePerGas" in devnet.rpc("eth_getBlockByNumber", "latest", False)
    assert devnet.stop() is True
    assert devnet.stop() is False
    assert not devnet.status().running and not devnet.pid_file.exists()


def test_stop_start_keeps_chain_and_time(devnet: Devnet) -> None:
    devnet.start()
    contract = deploy_and_pay(devnet)
    advanced = devnet.advance("7d")
    assert advanced >= time.time() + WEEK - 5
    devnet.stop()  # right after the transactions: the graceful stop saves them
    status = devnet.start().status
    assert status.block_number == 3 and status.timestamp == advanced
    assert_kept(devnet, contract)
    assert next_block_time(devnet) > advanced
    # and again, without any advance in between
    devnet.stop()
    devnet.start()
    assert next_block_time(devnet) >= advanced + 1


def test_kill_keeps_last_dump_and_clock(devnet: Devnet) -> None:
    pid = devnet.start().status.pid
    contract = deploy_and_pay(devnet)
    advanced = devnet.advance(WEEK)
    time.sleep(1.5)  # one state interval
    os.kill(pid, signal.SIGKILL)
    devnet._process.wait()  # noqa: SLF001 - reap our child like the init process would
    assert not devnet.status().running  # the stale pid file is noticed and removed
    status = devnet.start().status
    assert status.pid != pid and status.block_number >= 3
    assert_kept(devnet, contract)
    assert next_block_time(devnet) > advanced


def test_damaged_state_falls_back_to_previous_start(devnet: Devnet) -> None:
    devnet.start()
    contract = deploy_and_pay(devnet)
    devnet.stop()
    devnet.start()  # keeps a copy of the good state
    devnet.stop()
    data = devnet.state_file.read_bytes()
    devnet.state_file.write_bytes(data[: len(data) // 2])  # as if killed while writing
    result = devnet.start()
    assert result.restored_backup and devnet.damaged_file.exists()
    assert_kept(devnet, contract)


def test_damaged_state_without_copy_is_a_clear_error(devnet: Devnet) -> None:
    devnet.state_dir.mkdir(parents=True)
    devnet.state_file.write_text('{"block": {')
    with pytest.raises(ConfigError, match="is damaged and there is no earlier copy"):
        devnet.start()
    assert not devnet.status().running


def test_reset_starts_a_new_chain(devnet: Devnet) -> None:
    devnet.start()
    deploy_and_pay(devnet)
    devnet.advance(WEEK)
    devnet.reset()
    assert not devnet.state_dir.exists()
    status = devnet.start().status
    assert status.block_number == 0 and abs(status.timestamp - time.time()) < 5


def test_busy_port_is_refused(devnet: Devnet) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", devnet.port))
        other.listen()
        with pytest.raises(UserError, match=f"port {devnet.port} on 127.0.0.1 is already in use"):
            devnet.start()
    assert not devnet.pid_file.exists()


def test_anvil_that_fails_reports_its_log(tmp_path: Path) -> None:
    net = Devnet(tmp_path / "devnet", port=free_port(), anvil=Path("/bin/false"))
    with pytest.raises(ChainError, match="anvil stopped right after starting"):
        net.start()
    assert not net.pid_file.exists()


def test_advance_refuses_other_chains(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    other = subprocess.Popen(
        [find_anvil(), "--port", str(port), "--chain-id", "1337"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        for _ in range(200):
            try:
                rpc(url, "eth_chainId")
                break
            except ChainError:
                time.sleep(0.05)
        with pytest.raises(UserError, match=r"refusing to move time: .*chain id 1337"):
            advance_time(url, "1h")
    finally:
        other.terminate()
        other.wait()


def test_unreachable_node_is_a_chain_error() -> None:
    with pytest.raises(ChainError, match="no answer from"):
        rpc(f"http://127.0.0.1:{free_port()}", "eth_chainId", timeout=1)


def test_find_anvil(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert find_anvil().name == "anvil"
    monkeypatch.setenv("CCSI_DAO_ANVIL", str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="CCSI_DAO_ANVIL"):
        find_anvil()


def test_pid_file_records_the_node(devnet: Devnet) -> None:
    status = devnet.start().status
    record = json.loads(devnet.pid_file.read_text())
    assert record["pid"] == status.pid and record["url"] == status.url
