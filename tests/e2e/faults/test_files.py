"""Files: deployment records, keystores and ballots are written atomically, and a corrupted or truncated one gives
one clear error (exit 2) through the CLI, never a traceback and never a silent wrong answer."""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccsi_dao import fileio
from ccsi_dao.chain.keystore import KeyStore
from ccsi_dao.errors import UserError
from ccsi_dao.governance.deployment import DeploymentRecord
from tests.support import ROOT
from tests.support.faultlib import (
    ccsi,
    cli_env,
    dev_accounts,
    hash_tree,
    launch_anvil,
    nonce,
    rpc,
    stop,
    write_keystore,
)

pytestmark = pytest.mark.slow


SMALL = ROOT / "examples" / "small.yaml"
ACCOUNTS = dev_accounts(6)


# ---------------------------------------------------------------------------------------------- atomic writes


def test_every_file_ccsi_dao_writes_goes_through_write_atomic() -> None:
    """No module writes a file in place: a crash or a concurrent reader would see it half-written. Allowed: the
    devnet's log (anvil writes it), the lock files (empty), and the watch's JSONL channel, which only appends whole
    lines in one write each (and mends a line a crash cut short), plus its probe that a file can be opened for
    appending (opened and closed, nothing written)."""
    allowed = {
        ("devnet.py", 'open(self.log_file, "wb")'),
        ("connection.py", "os.O_RDWR | os.O_CREAT"),
        ("outbox.py", 'open(f"{self.path}.lock", "a+")'),
        ("channels.py", "os.O_WRONLY | os.O_APPEND | os.O_CREAT"),
        ("channels.py", 'with open(path, "ab"):'),
    }
    pattern = re.compile(r"\.write_text\(|\.write_bytes\(|open\([^)]*[\"'][wax]b?\+?[\"']|os\.O_CREAT|shutil\.copy")
    offenders = []
    for path in sorted((ROOT / "ccsi_dao").rglob("*.py")):
        if path.name == "fileio.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line) and not any(path.name == f and text in line for f, text in allowed):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    # devnet.py restores a damaged chain state from its backup with copyfile; that file is anvil's, read at start.
    offenders = [o for o in offenders if "shutil.copyfile(self.backup_file, self.state_file)" not in o]
    assert offenders == []


def _record(n: int) -> DeploymentRecord:
    a = ACCOUNTS[n % 6].address
    return DeploymentRecord(consortium=f"Consortium {n} " + "x" * 4000, chain_id=31337, governor=a, membership=a,
                            timelock=a, deployer=a, start_block=n, block_number=n, block_hash="0x" + "ab" * 32,
                            deployed_at=n, libraries={}, transactions={"t": "0x" + "cd" * 32},
                            artifacts={})  # fmt: skip


def test_a_reader_never_sees_a_half_written_record(tmp_path: Path) -> None:
    """One thread rewrites the record 300 times while another reads it: every read is a whole record."""
    path = tmp_path / "deployment.json"
    _record(0).save(path)
    done, seen, errors = threading.Event(), set(), []

    def read() -> None:
        while not done.is_set():
            try:
                seen.add(DeploymentRecord.load(path).start_block)
            except Exception as exc:  # any torn read
                errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    for n in range(1, 301):
        _record(n).save(path)
    done.set()
    reader.join()
    assert errors == [] and len(seen) > 1
    assert [p.name for p in tmp_path.iterdir()] == ["deployment.json"]  # no temporary file left


@pytest.mark.parametrize("step", ["write", "fsync", "replace"])
def test_a_crash_while_saving_the_record_keeps_the_old_one(tmp_path: Path, monkeypatch, step: str) -> None:
    path = tmp_path / "deployment.json"
    _record(1).save(path)
    old = path.read_bytes()
    monkeypatch.setattr(fileio.os, step if step != "write" else "fdopen", _crash(step))
    with pytest.raises(OSError, match="simulated crash"):
        _record(2).save(path)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["deployment.json"]


def _crash(step: str):
    if step == "write":
        real = os.fdopen

        def fdopen(fd, mode="r", *args, **kwargs):
            handle = real(fd, mode, *args, **kwargs)

            class Half:
                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    handle.close()

                def fileno(self):
                    return handle.fileno()

                def write(self, data):
                    handle.write(data[: len(data) // 2])
                    raise OSError("simulated crash")

                flush = lambda self: handle.flush()  # noqa: E731

            return Half()

        return fdopen

    def fail(*args, **kwargs):
        raise OSError("simulated crash")

    return fail


def test_a_crash_while_storing_a_key_leaves_no_keystore(tmp_path: Path, monkeypatch) -> None:
    store = KeyStore(tmp_path / "keystores", scrypt_n=2**10)
    monkeypatch.setattr(fileio.os, "link", _crash("link"))
    with pytest.raises(OSError, match="simulated crash"):
        store.import_key("p1", ACCOUNTS[1].key, "pw")
    assert list((tmp_path / "keystores").iterdir()) == []  # neither a partial keystore nor a temporary file
    monkeypatch.undo()
    store.import_key("p1", ACCOUNTS[1].key, "pw")
    with pytest.raises(UserError, match="already exists"):  # exclusive: a second writer never replaces it
        fileio.write_atomic(tmp_path / "keystores" / "p1.json", "{}", exclusive=True)
    assert (
        json.loads((tmp_path / "keystores" / "p1.json").read_text())["address"].lower()
        == ACCOUNTS[1].address[2:].lower()
    )


def test_keystores_written_by_the_cli_are_whole_and_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    key = tmp_path / "key.txt"
    key.write_text(ACCOUNTS[4].key.hex())
    env = cli_env(home, "http://127.0.0.1:9")
    result = ccsi(env, "wallet", "import", "p4", "--key-file", str(key))
    assert result.returncode == 0, result.stderr
    path = home / "keystores" / "p4.json"
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert json.loads(path.read_text())["crypto"]["kdf"] == "scrypt"
    assert sorted(p.name for p in path.parent.iterdir()) == ["p4.json"]


# ---------------------------------------------------------------------------------------------- damaged files


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """An anvil with the small consortium, proposal 1 active, keystores p0..p5 and a valid ballot of p3."""
    proc, url = launch_anvil()
    try:
        home = tmp_path_factory.mktemp("files") / "home"
        for i, account in enumerate(ACCOUNTS):
            write_keystore(home, f"p{i}", account)
        env = cli_env(home, url)
        for args in (
            ("deploy", str(SMALL), "--from", "p0"),
            ("propose", "signal", "-d", "Files", "--from", "p1", "--yes"),
        ):
            assert ccsi(env, *args).returncode == 0
        rpc(url, "evm_increaseTime", 3_601)
        rpc(url, "evm_mine")
        ballot = home.parent / "ballot.json"
        assert ccsi(env, "vote", "1", "for", "--sign-only", "--out", str(ballot), "--from", "p3").returncode == 0
        yield url, home, ballot
    finally:
        stop(proc)


def _truncations(data: bytes) -> dict[str, bytes]:
    return {"empty": b"", "one-byte": data[:1], "half": data[: len(data) // 2], "all-but-last-2": data[:-2],
            "nul-filled": b"\x00" * len(data), "binary": os.urandom(64)}  # fmt: skip


def _flip_hex(text: str, key_path: list[str]) -> str:
    """The JSON document with one hex digit of the value at ``key_path`` changed."""
    data = json.loads(text)
    target = data
    for key in key_path[:-1]:
        target = target[key]
    value = target[key_path[-1]]
    index = len(value) // 2
    while not value[index].isdigit():
        index += 1
    target[key_path[-1]] = value[:index] + str((int(value[index]) + 1) % 10) + value[index + 1 :]
    return json.dumps(data)


def _edit(text: str, **changes: object) -> str:
    return json.dumps({**json.loads(text), **changes})


def _damaged_cases(home: Path, ballot: Path) -> list[tuple[str, str, bytes, tuple[str, ...], str]]:
    """(name, file, damaged content, command, pattern of the error line)."""
    record, keystore, ballot_text = (
        (home / "deployment.json").read_text(),
        (home / "keystores/p2.json").read_text(),
        ballot.read_text(),
    )
    cases = []
    for label, content in _truncations(record.encode()).items():
        cases.append((f"record-{label}", "record", content, ("members", "list"), r"deployment record .* is damaged"))
    cases += [
        (
            "record-governor-digit",
            "record",
            _flip_hex(record, ["governor"]).encode(),
            ("proposals", "list"),
            r"is damaged \(governor not a checksummed",
        ),
        (
            "record-timelock-lowercase",
            "record",
            _edit(record, timelock=json.loads(record)["timelock"].lower()).encode(),
            ("vote", "1", "for", "--from", "p2"),
            r"is damaged \(timelock",
        ),
        (
            "record-membership-garbage",
            "record",
            _edit(record, membership="hello").encode(),
            ("members", "list"),
            r"is damaged \(membership",
        ),
        (
            "record-chain-id-word",
            "record",
            _edit(record, chain_id="mainnet").encode(),
            ("members", "list"),
            r"is damaged",
        ),
        ("record-chain-id-zero", "record", _edit(record, chain_id=0).encode(), ("members", "list"), r"is damaged"),
        (
            "record-extra-field",
            "record",
            _edit(record, admin=ACCOUNTS[0].address).encode(),
            ("members", "list"),
            r"is damaged",
        ),
        ("record-a-list", "record", b"[]", ("members", "list"), r"is damaged"),
        ("record-utf16", "record", record.encode("utf-16"), ("members", "list"), r"is damaged|cannot read"),
    ]
    for label, content in _truncations(keystore.encode()).items():
        cases.append(
            (
                f"keystore-{label}",
                "keystore",
                content,
                ("vote", "1", "for", "--from", "p2"),
                r"keystore file .*p2.json is damaged|no keystore",
            )
        )
    cases += [
        (
            "keystore-no-crypto",
            "keystore",
            _edit(keystore, crypto=None).encode(),
            ("vote", "1", "for", "--from", "p2"),
            r"is damaged",
        ),
        # A changed ciphertext or MAC cannot be told from a wrong password (the MAC is what checks both): the
        # error says the password is wrong, and nothing is signed with a wrong key.
        (
            "keystore-ciphertext-digit",
            "keystore",
            _flip_hex(keystore, ["crypto", "ciphertext"]).encode(),
            ("vote", "1", "for", "--from", "p2"),
            r"wrong password for keystore 'p2'",
        ),
        (
            "keystore-mac-digit",
            "keystore",
            _flip_hex(keystore, ["crypto", "mac"]).encode(),
            ("vote", "1", "for", "--from", "p2"),
            r"wrong password for keystore 'p2'",
        ),
        (
            "keystore-address-digit",
            "keystore",
            _flip_hex(keystore, ["address"]).encode(),
            ("vote", "1", "for", "--from", "p2"),
            r"records address .* but holds the key of",
        ),
    ]
    for label, content in _truncations(ballot_text.encode()).items():
        cases.append((f"ballot-{label}", "ballot", content, ("relay", "{ballot}", "--from", "p4"), r"ballot"))
    cases += [
        # A changed field never makes the ballot count as another vote: the signature no longer matches.
        (
            "ballot-support-changed",
            "ballot",
            _edit(ballot_text, support="against").encode(),
            ("relay", "{ballot}", "--from", "p4"),
            r"signature",
        ),
        (
            "ballot-proposal-digit",
            "ballot",
            _flip_hex(ballot_text, ["proposal_id"]).encode(),
            ("relay", "{ballot}", "--from", "p4"),
            r"signature|no proposal|nonexistent|there is no|does not have",
        ),
        (
            "ballot-signature-digit",
            "ballot",
            _flip_hex(ballot_text, ["signature"]).encode(),
            ("relay", "{ballot}", "--from", "p4"),
            r"signature",
        ),
        (
            "ballot-voter-changed",
            "ballot",
            _edit(ballot_text, voter=ACCOUNTS[2].address).encode(),
            ("relay", "{ballot}", "--from", "p4"),
            r"signature",
        ),
    ]
    return cases


def test_damaged_files_give_one_clear_error(deployed, tmp_path: Path) -> None:
    """Every damaged record, keystore and ballot, through the CLI: exit 2, one `error:` line naming the problem, no
    transaction, no file changed; and the intact files still work afterwards."""
    import shutil

    from ccsi_dao.cli.main import app

    url, home, ballot = deployed
    chain_before = [nonce(url, a.address) for a in ACCOUNTS], rpc(url, "eth_blockNumber")
    failures = []
    cases = _damaged_cases(home, ballot)
    for name, kind, content, args, says in cases:
        folder = tmp_path / name
        case_home = folder / "home"
        shutil.copytree(home, case_home)
        case_ballot = folder / "ballot.json"
        shutil.copyfile(ballot, case_ballot)
        target = {
            "record": case_home / "deployment.json",
            "keystore": case_home / "keystores/p2.json",
            "ballot": case_ballot,
        }[kind]
        target.write_bytes(content)
        before = hash_tree(folder)
        env = {**cli_env(case_home, url), "HOME": str(folder)}
        result = CliRunner().invoke(app, [a.replace("{ballot}", str(case_ballot)) for a in args], env=env)
        lines = (result.stderr or "").splitlines()
        problem = None
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            problem = f"traceback: {type(result.exception).__name__}: {result.exception}"
        elif result.exit_code != 2 or len(lines) != 1 or not lines[0].startswith("error: "):
            problem = f"exit {result.exit_code}: {result.stderr!r} {result.stdout[:200]!r}"
        elif not re.search(says, lines[0]):
            problem = f"unexpected message: {lines[0]}"
        elif hash_tree(folder) != before:
            problem = "a file changed"
        if problem:
            failures.append(f"{name}: {problem}")
    assert failures == []
    assert ([nonce(url, a.address) for a in ACCOUNTS], rpc(url, "eth_blockNumber")) == chain_before
    print(f"\n{len(cases)} damaged-file cases")
    env = cli_env(home, url)
    assert ccsi(env, "relay", str(ballot), "--from", "p4").returncode == 0  # the intact ones still work
    assert ccsi(env, "vote", "1", "for", "--from", "p2").returncode == 0
