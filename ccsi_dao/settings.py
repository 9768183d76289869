"""Where a command finds its chain, its deployment record and its signing key.

Each setting is taken from, in order: the command-line flag, the environment variable, the config file
``$CCSI_DAO_HOME/config.yaml``, and the default. The default chain is, for a command about a deployment, the node on
this machine the record was deployed through (while something answers there), else the devnet this home runs
(``ccsi-dao devnet start --port P``: on whatever port it was started), else ``http://127.0.0.1:8545``; the default
record is ``$CCSI_DAO_HOME/deployment.json``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccsi_dao.errors import ConfigError
from ccsi_dao.fileio import ccsi_home

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from ccsi_dao.chain import Chain, ProgressCallback
    from ccsi_dao.governance.consortium import Consortium
    from ccsi_dao.governance.deployment import DeploymentRecord

DEVNET_URL = "http://127.0.0.1:8545"
RPC_URL_ENV = "CCSI_DAO_RPC_URL"
DEPLOYMENT_ENV = "CCSI_DAO_DEPLOYMENT"
ACCOUNT_ENV = "CCSI_DAO_ACCOUNT"
TIMEOUT_ENV = "CCSI_DAO_RECEIPT_TIMEOUT"
REQUEST_TIMEOUT_ENV = "CCSI_DAO_REQUEST_TIMEOUT"
DEFAULT_REQUEST_TIMEOUT = 10.0
"""Seconds to wait for one answer from the node; a request that times out is asked again (RETRY_POLICY)."""
LEGACY_ENV = "CCSI_DAO_LEGACY"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def _seconds(raw: Any, what: str) -> float:
    """``raw`` (a flag's, variable's or config file's value) as a number of seconds above 0; ConfigError naming
    ``what`` otherwise."""
    try:
        if isinstance(raw, bool):
            raise TypeError
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"the {what} must be a number of seconds, not {raw!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"the {what} must be a number of seconds above 0, not {raw!r}")
    return value


def _config_file() -> dict[str, Any]:
    path = ccsi_home() / "config.yaml"
    if not path.is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        raise ConfigError(f"the config file {path} is not valid YAML") from None
    if not isinstance(data, dict):
        raise ConfigError(f"the config file {path} must be a mapping of setting: value")
    return data


@dataclass
class Settings:
    """The settings of one command; ``None`` means "look further down the order"."""

    rpc_url: str | None = None
    deployment: Path | None = None
    account: str | None = None
    password_file: Path | None = None
    receipt_timeout: float | None = None
    on_wait: ProgressCallback | None = None
    legacy: bool | None = None
    """Send legacy (type 0) transactions only (``--legacy``, ``$CCSI_DAO_LEGACY``, ``legacy:`` in config.yaml)."""
    confirmations: int = 0
    """Blocks to wait for after each transaction (``deploy --confirmations N``)."""
    _record: DeploymentRecord | None = field(default=None, init=False, repr=False)

    @cached_property
    def _file(self) -> dict[str, Any]:
        return _config_file()

    def _pick(self, flag: Any, env: str, key: str, default: Any = None) -> Any:
        if flag not in (None, ""):
            return flag
        if os.environ.get(env):
            return os.environ[env]
        return self._file.get(key, default)

    @property
    def url(self) -> str:
        """The JSON-RPC URL: given (flag, variable, config), else :meth:`default_url`."""
        given = self._pick(self.rpc_url, RPC_URL_ENV, "rpc_url")
        if given not in (None, ""):
            return str(given)
        return self.default_url()

    def given_url(self) -> bool:
        """Whether the URL was given (flag, variable or config file) rather than found."""
        return self._pick(self.rpc_url, RPC_URL_ENV, "rpc_url") not in (None, "")

    def default_url(self) -> str:
        """The chain a command talks to when none is given: the node on this machine the loaded deployment record
        was deployed through, unless nothing answers there and this home's devnet runs (restarted on another port);
        else the running devnet of this home (whatever its port); else 127.0.0.1:8545."""
        from ccsi_dao.devnet import Devnet

        running = Devnet().running_url()
        recorded = self._record.rpc_url if self._record is not None else None
        if recorded and running and recorded != running and not _listening(recorded):
            return running  # the devnet now runs on another port (same home, same chain)
        return recorded or running or DEVNET_URL

    @property
    def legacy_transactions(self) -> bool:
        raw = self._pick(self.legacy if self.legacy else None, LEGACY_ENV, "legacy", False)
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ConfigError(f"the legacy setting must be true or false, not {raw!r}")

    @property
    def deployment_path(self) -> Path:
        raw = self._pick(self.deployment, DEPLOYMENT_ENV, "deployment", ccsi_home() / "deployment.json")
        if not isinstance(raw, (str, os.PathLike)) or not str(raw).strip():
            raise ConfigError(f"the deployment setting must be the path of a deployment record, not {raw!r}")
        return Path(raw)

    @property
    def timeout(self) -> float:
        # checked before anything is sent: a timeout of 0 or less would give up on a transaction already sent
        return _seconds(self._pick(self.receipt_timeout, TIMEOUT_ENV, "receipt_timeout", 120), "receipt timeout")

    @property
    def request_timeout(self) -> float:
        """Seconds to wait for one answer from the node (``$CCSI_DAO_REQUEST_TIMEOUT``, ``request_timeout:`` in
        config.yaml; 10): a node that takes connections but never answers is reported after about 7 times this."""
        raw = self._pick(None, REQUEST_TIMEOUT_ENV, "request_timeout", DEFAULT_REQUEST_TIMEOUT)
        return _seconds(raw, "request timeout")

    def account_ref(self) -> str:
        ref = self._pick(self.account, ACCOUNT_ENV, "account")
        if not ref:
            raise ConfigError(f"no signing account given: use --from ALIAS (or set {ACCOUNT_ENV})")
        return str(ref)

    # ------------------------------------------------------------------ what commands open

    def record(self) -> DeploymentRecord:
        from eth_utils import is_checksum_address

        from ccsi_dao.governance.deployment import DeploymentRecord

        record = DeploymentRecord.load(self.deployment_path)
        self._record = record
        # The record is written with checksummed addresses; anything else is damage (a flipped digit would otherwise
        # reach web3 as an "ENS name" and end in a traceback, or point at the wrong contract).
        damaged = [role for role in ("governor", "membership", "timelock", "deployer")
                   if not is_checksum_address(getattr(record, role))]  # fmt: skip
        if damaged or record.chain_id <= 0 or record.start_block < 0 or record.block_number < record.start_block:
            what = f" ({', '.join(damaged)} not a checksummed address)" if damaged else ""
            raise ConfigError(
                f"the deployment record {self.deployment_path} is damaged{what}; restore it or deploy again"
            )
        return record

    def chain(self, expected_chain_id: int | None = None) -> Chain:
        from ccsi_dao.chain import Chain

        return Chain.connect(
            self.url,
            expected_chain_id=expected_chain_id,
            request_timeout=self.request_timeout,
            receipt_timeout=self.timeout,
            on_wait=self.on_wait,
            legacy=self.legacy_transactions,
            confirmations=self.confirmations,
        )

    def consortium(self) -> Consortium:
        from ccsi_dao.governance.consortium import Consortium

        record = self.record()
        chain = self.chain(record.chain_id)
        self._check_deployed(chain, record)
        return Consortium(chain, record)

    def _check_deployed(self, chain: Chain, record: DeploymentRecord) -> None:
        """ChainError unless the chain holds the recorded deployment. A devnet that was reset, or another chain with
        the same chain id, does not: its block at the deployment's height has another hash (or none), and calls to
        the recorded addresses would answer with nothing."""
        from ccsi_dao.errors import ChainError

        found = chain.block_hash(record.block_number, action="reading the deployment's block")
        if found is None or found.lower() != record.block_hash.lower():
            raise ChainError(
                f"the chain at {self.url} does not hold the deployment recorded in {self.deployment_path}: its block "
                f"{record.block_number} is {'missing' if found is None else 'another one'} (was the devnet reset?); "
                "deploy again, or give the right --rpc-url or --deployment"
            )
        for role in ("governor", "membership", "timelock"):
            address = getattr(record, role)
            if not chain.code(address, action="reading the deployment's contracts"):
                raise ChainError(
                    f"the chain at {self.url} has no contract at the {role} address {address} of the deployment "
                    f"recorded in {self.deployment_path}; the record does not belong to this chain"
                )

    def signer_address(self) -> str | None:
        """The signing account's address if its keystore records it (no password asked), else None."""
        from ccsi_dao.chain.keystore import KeyStore

        return KeyStore().resolve(self.account_ref()).address

    def signer(self, prompt: Callable[[], str] | None = None) -> LocalAccount:
        """Unlock the signing account's keystore, asking for the password only if no file or variable gives it."""
        from ccsi_dao.chain.keystore import KeyStore, read_password

        store = KeyStore()
        ref = self.account_ref()
        store.resolve(ref)  # an unknown account fails before any password is asked
        return store.unlock(ref, read_password(self.password_file, prompt=prompt))


def _listening(url: str) -> bool:
    """Whether something accepts connections at ``url``'s host and port (a local check, no request sent)."""
    import socket
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
    except ValueError:
        return False
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False
