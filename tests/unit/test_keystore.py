"""Encrypted keystores: ccsi-dao's own, ape's and Foundry's, with a temporary home folder."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest
from eth_account import Account

from ccsi_dao.chain.keystore import SCRYPT_N, KeyStore, read_password
from ccsi_dao.errors import ConfigError, UserError
from ccsi_dao.fileio import write_atomic
from tests.support import ROOT

# anvil's public development key 1 (never holds real value)
KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
FAST = 2**10  # scrypt cost for tests only; KeyStore's default is the standard 2**18
CAST = ROOT / "node_modules/@foundry-rs/cast-linux-amd64/bin/cast"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CCSI_DAO_HOME", str(tmp_path / "ccsi"))
    monkeypatch.delenv("APE_DATA_FOLDER", raising=False)
    monkeypatch.delenv("CCSI_DAO_PASSWORD", raising=False)
    return tmp_path


@pytest.fixture
def store(home: Path) -> KeyStore:
    return KeyStore(scrypt_n=FAST)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip(store: KeyStore, home: Path) -> None:
    address = store.new("alice", "s3cret")
    path = home / "ccsi" / "keystores" / "alice.json"
    keyfile = json.loads(path.read_text())
    assert keyfile["version"] == 3 and keyfile["crypto"]["kdfparams"]["n"] == FAST
    assert "0x" + keyfile["address"].lower().removeprefix("0x") == address.lower()
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert store.unlock("alice", "s3cret").address == address
    assert store.unlock(address, "s3cret").address == address
    assert store.address("alice") == address
    [info] = store.list()
    assert (info.alias, info.address, info.path, info.source) == ("alice", address, path, "ccsi-dao")


def test_import_and_refusals(store: KeyStore) -> None:
    assert store.import_key("dev1", KEY, "pw") == ADDRESS
    assert store.unlock("dev1", "pw").key.hex() == KEY.removeprefix("0x")
    with pytest.raises(UserError, match=r"^wrong password for keystore 'dev1'$"):
        store.unlock("dev1", "wrong")
    before = (store.folder / "dev1.json").read_bytes()
    with pytest.raises(UserError, match="a keystore named 'dev1' already exists"):
        store.new("dev1", "pw")
    assert (store.folder / "dev1.json").read_bytes() == before
    with pytest.raises(UserError, match=f"the key of {ADDRESS} is already stored as keystore 'dev1'"):
        store.import_key("again", KEY, "pw")
    with pytest.raises(UserError, match="password must not be empty"):
        store.new("bob", "")
    for alias in ["../x", "a/b", ".hidden", "", "x" * 65, "a..b", "sp ace"]:
        with pytest.raises(UserError, match="invalid keystore alias"):
            store.new(alias, "pw")
    secret = "0x" + "ff" * 32  # above the curve order
    with pytest.raises(UserError, match="not a valid private key") as caught:
        store.import_key("bad", secret, "pw")
    assert secret[2:] not in str(caught.value)
    with pytest.raises(UserError, match=r"no keystore named 'nobody' \(known: dev1\)"):
        store.unlock("nobody", "pw")
    with pytest.raises(UserError, match="no keystore holds"):
        store.resolve("0x" + "12" * 20)


def test_folder_permissions_are_tightened(store: KeyStore) -> None:
    store.folder.mkdir(parents=True, mode=0o755)
    store.folder.chmod(0o755)
    store.new("alice", "pw")
    assert mode(store.folder) == 0o700


def test_reads_eth_account_file_and_ape_folder(store: KeyStore, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loose = home / "somewhere" / "key.json"
    loose.parent.mkdir()
    loose.write_text(json.dumps(Account.encrypt(KEY, "pw", iterations=FAST)))
    assert store.resolve(str(loose)).source == "file"
    assert store.unlock(str(loose), "pw").address == ADDRESS

    ape = home / ".ape" / "accounts"
    ape.mkdir(parents=True)
    (ape / "bob.json").write_text(json.dumps(Account.encrypt(KEY, "pw", iterations=FAST)))
    [info] = store.list()
    assert (info.alias, info.address, info.source) == ("bob", ADDRESS, "ape")
    assert store.unlock("bob", "pw").address == ADDRESS
    assert store.unlock("ape:bob", "pw").address == ADDRESS
    assert store.unlock(ADDRESS, "pw").address == ADDRESS

    monkeypatch.setenv("APE_DATA_FOLDER", str(home / "elsewhere"))
    assert KeyStore(scrypt_n=FAST).list() == []


def test_reads_foundry_keystores(store: KeyStore, home: Path) -> None:
    folder = home / ".foundry" / "keystores"
    if CAST.exists():
        command = [CAST, "wallet", "import", "carol", "--keystore-dir", folder, "--private-key", KEY]
        subprocess.run([*command, "--unsafe-password", "pw"], check=True, capture_output=True)
    else:  # Foundry's files have no address field
        folder.mkdir(parents=True)
        keyfile = Account.encrypt(KEY, "pw", iterations=FAST)
        del keyfile["address"]
        (folder / "carol").write_text(json.dumps(keyfile))
    [info] = store.list()
    assert (info.alias, info.address, info.source) == ("carol", None, "foundry")
    with pytest.raises(ConfigError, match="does not record its address; unlock it"):
        store.address("carol")
    assert store.unlock("foundry:carol", "pw").address == ADDRESS
    with pytest.raises(UserError, match="wrong password for keystore 'carol'"):
        store.unlock("carol", "nope")


def test_corrupted_file(store: KeyStore) -> None:
    store.new("alice", "pw")
    path = store.folder / "alice.json"
    data = path.read_text()
    path.write_text(data[: len(data) // 2])
    [info] = store.list()
    assert info.alias == "alice" and info.address is None
    with pytest.raises(ConfigError, match=f"keystore file {path} is damaged or not a keystore \\(not JSON"):
        store.unlock("alice", "pw")
    path.write_text('{"version": 3}')
    with pytest.raises(ConfigError, match="is damaged or not a keystore \\(no encrypted key in it\\)"):
        store.unlock("alice", "pw")
    keyfile = json.loads(data)
    keyfile["crypto"]["kdfparams"] = {"n": "x"}
    path.write_text(json.dumps(keyfile))
    with pytest.raises(ConfigError, match="is damaged or not a keystore"):
        store.unlock("alice", "pw")
    with pytest.raises(ConfigError, match=r"keystore file .*missing.json not found"):
        store.unlock(str(store.folder / "missing.json"), "pw")


def test_mismatched_address_is_refused(store: KeyStore) -> None:
    store.import_key("dev1", KEY, "pw")
    path = store.folder / "dev1.json"
    keyfile = json.loads(path.read_text())
    keyfile["address"] = "12" * 20
    path.write_text(json.dumps(keyfile))
    with pytest.raises(ConfigError, match="records address 0x1212.* but holds the key of " + ADDRESS):
        store.unlock("dev1", "pw")


def test_default_scrypt_cost(home: Path) -> None:
    store = KeyStore()
    address = store.new("standard", "pw")
    assert json.loads((store.folder / "standard.json").read_text())["crypto"]["kdfparams"]["n"] == SCRYPT_N == 2**18
    started = time.perf_counter()
    assert store.unlock("standard", "pw").address == address
    assert time.perf_counter() - started < 10


def test_read_password(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = home / "pw.txt"
    file.write_text("pass word\n\n")
    assert read_password(file) == "pass word\n"
    file.write_text("crlf\r\n")
    assert read_password(file) == "crlf"
    monkeypatch.setenv("CCSI_DAO_PASSWORD", "from-env")
    assert read_password(file) == "crlf"  # a file wins
    assert read_password(None) == "from-env"
    assert read_password(None, env_var="OTHER_PW", prompt=lambda: "typed") == "typed"
    with pytest.raises(UserError, match="no password given"):
        read_password(None, env_var="OTHER_PW")
    with pytest.raises(ConfigError, match="cannot read password file"):
        read_password(home / "missing.txt")


def test_write_atomic(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    write_atomic(target, "one", mode=0o600)
    assert target.read_text() == "one" and mode(target) == 0o600
    write_atomic(target, b"two")
    assert target.read_text() == "two" and mode(target) == 0o600  # keeps its mode
    with pytest.raises(UserError, match="already exists"):
        write_atomic(target, "three", exclusive=True)
    assert target.read_text() == "two"
    assert sorted(os.listdir(tmp_path)) == ["f.json"]  # no temporary files left
