"""Encrypted private keys in Web3 Secret Storage (v3) keystore files.

ccsi-dao keeps one ``<alias>.json`` per key in ``$CCSI_DAO_HOME/keystores`` (files 0600, folder 0700) and also
reads, without changing them, the keystores of ape (``~/.ape/accounts/*.json``) and Foundry
(``~/.foundry/keystores/*``). Private keys and passwords never appear in messages.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from ccsi_dao.errors import ConfigError, UserError
from ccsi_dao.fileio import ccsi_home, write_atomic

SCRYPT_N = 2**18
"""The scrypt cost of the Web3 Secret Storage standard (n=262144, r=8, p=1): about half a second per unlock."""

PASSWORD_ENV = "CCSI_DAO_PASSWORD"
MAX_KEYFILE_BYTES = 1 << 20  # a keystore is under 1 KiB; anything this large is not one (or is /dev/zero)
OWN, APE, FOUNDRY, FILE = "ccsi-dao", "ape", "foundry", "file"

_ALIAS = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ADDRESS = re.compile(r"(0x)?[0-9a-fA-F]{40}")


@dataclass(frozen=True)
class KeyInfo:
    """A keystore file. ``address`` is None when the file does not record it (Foundry's) or cannot be read."""

    alias: str
    address: str | None
    path: Path
    source: str  # "ccsi-dao", "ape", "foundry", or "file" for a path given directly


class KeyStore:
    """The keystores ccsi-dao can sign with.

    ``scrypt_n`` is the scrypt cost of keys this store encrypts. Keep the default: only tests lower it, to stay
    fast. Reading works with any cost and with pbkdf2 keystores.
    """

    def __init__(
        self,
        folder: Path | None = None,
        *,
        ape_folder: Path | None = None,
        foundry_folder: Path | None = None,
        scrypt_n: int = SCRYPT_N,
    ) -> None:
        self.folder = Path(folder) if folder else ccsi_home() / "keystores"
        ape_home = Path(os.environ["APE_DATA_FOLDER"]) if os.environ.get("APE_DATA_FOLDER") else Path.home() / ".ape"
        self.ape_folder = Path(ape_folder) if ape_folder else ape_home / "accounts"
        self.foundry_folder = Path(foundry_folder) if foundry_folder else Path.home() / ".foundry" / "keystores"
        self.scrypt_n = scrypt_n

    # ---------------------------------------------------------------------------------------------- writing

    def new(self, alias: str, password: str) -> str:
        """Create a random key, store it encrypted under ``alias`` and return its address."""
        self._check_new(alias, password)
        account = Account.create()
        return self.import_key(alias, account.key, password)

    def import_key(self, alias: str, private_key: str | bytes, password: str) -> str:
        """Store ``private_key`` encrypted under ``alias`` and return its address; an existing alias is refused."""
        self._check_new(alias, password)
        try:
            account = Account.from_key(private_key)
        except Exception:  # never echo the key
            raise UserError("that is not a valid private key: expected 32 bytes as 64 hex digits") from None
        for info in self._scan(self.folder, OWN, "*.json"):
            if info.address == account.address:
                raise UserError(f"the key of {account.address} is already stored as keystore '{info.alias}'")
        keyfile = Account.encrypt(account.key, password, kdf="scrypt", iterations=self.scrypt_n)
        self._ensure_folder()
        try:
            write_atomic(self._path(alias), json.dumps(keyfile, indent=2) + "\n", mode=0o600, exclusive=True)
        except UserError:
            raise self._exists(alias) from None
        return str(account.address)

    def import_keyfile(self, alias: str, path: str | Path, password: str) -> str:
        """Store the key of a keystore file written elsewhere (geth, clef, MetaMask's export, ape, Foundry: Web3 Secret
        Storage v3, scrypt or pbkdf2) under ``alias``, encrypted again with this store's scrypt cost and the same
        ``password``; return its address. The file itself is only read."""
        self._check_new(alias, password)
        source = Path(path)
        try:
            info = source.stat()
        except OSError as error:
            raise ConfigError(f"cannot read keystore file {source}: {error.strerror or error}") from None
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_KEYFILE_BYTES:
            raise ConfigError(f"{source} is not a keystore file: a keystore is a small JSON file")
        keyfile = _read_keyfile(source)
        try:
            key = Account.decrypt(keyfile, password)
        except ValueError as error:
            if "MAC mismatch" in str(error):
                raise UserError(f"wrong password for keystore file {source}") from None
            raise _damaged(source, str(error)) from None
        except Exception as error:
            raise _damaged(source, f"{type(error).__name__}: {error}") from None
        holder = Account.from_key(key).address
        recorded = _recorded_address(source)
        if recorded is not None and recorded != holder:
            raise ConfigError(f"keystore file {source} records address {recorded} but holds the key of {holder}; "
                              "it was not imported")  # fmt: skip
        return self.import_key(alias, key, password)

    def _check_new(self, alias: str, password: str) -> None:
        check_alias(alias)
        if self._path(alias).exists():
            raise self._exists(alias)
        if not password:
            raise UserError("the password must not be empty")

    def _exists(self, alias: str) -> UserError:
        return UserError(f"a keystore named '{alias}' already exists ({self._path(alias)}); choose another alias")

    def _path(self, alias: str) -> Path:
        return self.folder / f"{alias}.json"

    def _ensure_folder(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.folder.stat().st_mode & 0o077:
            self.folder.chmod(0o700)

    # ---------------------------------------------------------------------------------------------- reading

    def list(self) -> list[KeyInfo]:
        """Every keystore: ccsi-dao's own first, then ape's, then Foundry's, each sorted by alias."""
        return [
            *self._scan(self.folder, OWN, "*.json"),
            *self._scan(self.ape_folder, APE, "*.json"),
            *self._scan(self.foundry_folder, FOUNDRY, "*"),
        ]

    def resolve(self, ref: str | Path) -> KeyInfo:
        """The keystore named by an alias (``ape:alias`` and ``foundry:alias`` pick a source), address or path."""
        text = str(ref).strip()
        if isinstance(ref, Path) or os.sep in text or text.endswith(".json"):
            path = Path(text).expanduser()
            if not path.is_file():
                raise ConfigError(f"keystore file {path} not found; check the path")
            return KeyInfo(path.stem, _recorded_address(path), path, FILE)
        keys = self.list()
        if _ADDRESS.fullmatch(text):
            address = to_checksum_address(text)
            for info in keys:
                if info.address == address:
                    return info
            raise UserError(f"no keystore holds {address}; import its key first or name the keystore by alias")
        source, _, alias = text.rpartition(":") if text.startswith((f"{APE}:", f"{FOUNDRY}:")) else ("", "", text)
        for info in keys:
            if info.alias == alias and (not source or info.source == source):
                return info
        known = ", ".join(sorted({i.alias if i.source == OWN else f"{i.source}:{i.alias}" for i in keys})) or "none"
        raise UserError(f"no keystore named '{text}' (known: {known}); create or import one first")

    def address(self, ref: str | Path) -> str:
        """The address of a keystore, without unlocking it."""
        info = self.resolve(ref)
        if info.address is None:
            _read_keyfile(info.path)  # a damaged file says so
            raise ConfigError(f"keystore '{info.alias}' ({info.path}) does not record its address; unlock it to see it")
        return info.address

    def unlock(self, ref: str | Path, password: str) -> LocalAccount:
        """Decrypt a keystore; UserError on a wrong password, ConfigError on a damaged file."""
        info = self.resolve(ref)
        keyfile = _read_keyfile(info.path)
        try:
            key = Account.decrypt(keyfile, password)
        except ValueError as error:
            if "MAC mismatch" in str(error):
                raise UserError(f"wrong password for keystore '{info.alias}'") from None
            raise _damaged(info.path, str(error)) from None
        except Exception as error:
            raise _damaged(info.path, f"{type(error).__name__}: {error}") from None
        account: LocalAccount = Account.from_key(key)
        if info.address is not None and info.address != account.address:
            raise ConfigError(
                f"keystore file {info.path} records address {info.address} but holds the key of {account.address}; "
                "do not use it"
            )
        return account

    @staticmethod
    def _scan(folder: Path, source: str, pattern: str) -> builtins.list[KeyInfo]:
        if not folder.is_dir():
            return []
        paths = sorted(p for p in folder.glob(pattern) if p.is_file() and not p.name.startswith("."))
        return [KeyInfo(p.stem if source != FOUNDRY else p.name, _recorded_address(p), p, source) for p in paths]


def check_alias(alias: str) -> str:
    """``alias`` if it can name a keystore file, else UserError."""
    if not isinstance(alias, str) or not _ALIAS.fullmatch(alias) or ".." in alias:
        raise UserError(
            f"invalid keystore alias {alias!r}: use up to 64 letters, digits, '-', '_' and '.', "
            "starting with a letter or digit"
        )
    return alias


def read_password(
    password_file: Path | None = None,
    env_var: str = PASSWORD_ENV,
    prompt: Callable[[], str] | None = None,
) -> str:
    """The password from ``password_file`` (one trailing newline removed), else ``$env_var``, else ``prompt()``."""
    if password_file is not None:
        try:
            text = Path(password_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(
                f"cannot read password file {password_file}: {getattr(error, 'strerror', error)}"
            ) from None
        return text.removesuffix("\n").removesuffix("\r")
    if os.environ.get(env_var):
        return os.environ[env_var]
    if prompt is not None:
        return prompt()
    raise UserError(f"no password given: use a password file, set {env_var}, or run interactively")


def _read_keyfile(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read keystore file {path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _damaged(path, f"not JSON: {error}") from None
    crypto = data.get("crypto", data.get("Crypto")) if isinstance(data, dict) else None
    if not isinstance(crypto, dict) or not {"ciphertext", "kdf", "mac"} <= crypto.keys():
        raise _damaged(path, "no encrypted key in it")
    return dict(data)


def _recorded_address(path: Path) -> str | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("address")
        return to_checksum_address(value) if isinstance(value, str) and _ADDRESS.fullmatch(value) else None
    except (OSError, ValueError, AttributeError):
        return None


def _damaged(path: Path, reason: str) -> ConfigError:
    return ConfigError(f"keystore file {path} is damaged or not a keystore ({reason}); restore it from a backup")
