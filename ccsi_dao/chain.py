"""A connection to one chain and the sending of transactions over it.

:class:`Chain` wraps a web3.py connection with what every ccsi-dao command needs: a chain-id check, fees for
EIP-1559 and legacy chains, a dry run before anything is sent (so bad input never costs a transaction), a
bounded wait for the receipt with progress, and reverts turned into sentences.

Faults: reads (and the node's identity checks) are retried with backoff on transient transport failures (a
dropped connection, HTTP 429/5xx, a JSON-RPC "temporarily unavailable"); a signed transaction is resent as the
same bytes, which is idempotent (same hash), and "already known" or "nonce too low" for a transaction the node
holds counts as sent. After an ambiguous send a transaction is never re-signed with a new nonce. Between nonce
read and send each account holds an inter-process lock (per chain, under ``$CCSI_DAO_HOME/locks``), so one
partner's commands running at once never pick the same nonce.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError, TimeExhausted, TransactionNotFound, Web3RPCError
from web3.types import RPCEndpoint, RPCResponse, TxReceipt

from ccsi_dao.errors import ChainError, ContractRevertError, TransactionTimeoutError
from ccsi_dao.fileio import ccsi_home
from ccsi_dao.reverts import RevertDecoder

DEFAULT_RECEIPT_TIMEOUT = 120.0
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.0)
"""Pauses between attempts of a request that failed transiently (about 2.5 s in all)."""
REFUSED_RETRY_DELAYS = (0.05, 0.2)
"""Pauses after "connection refused": a node that is down stays down, so the user hears it soon."""

# JSON-RPC methods that change nothing, so sending them twice is harmless.
_IDEMPOTENT_PREFIXES = ("eth_", "net_", "web3_")
_NOT_IDEMPOTENT = {"eth_sendTransaction", "eth_sendRawTransaction", "eth_sign", "eth_signTransaction",
                   "eth_signTypedData", "eth_submitWork", "eth_submitHashrate"}
_TRANSIENT_MESSAGE = re.compile(
    r"temporarily unavailable|try again|rate.?limit|too many requests|service unavailable|bad gateway|"
    r"gateway time|timed? ?out|overloaded|server busy", re.IGNORECASE,
)
_TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}
_ALREADY_KNOWN = re.compile(r"already known|already imported|known transaction|already in (the )?(pool|mempool)", re.IGNORECASE)
_NONCE_USED = re.compile(r"nonce too low|nonce has already been used|replacement transaction underpriced|"
                         r"transaction underpriced|invalid nonce", re.IGNORECASE)

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class Call:
    """One call of a transaction: target, value in wei, calldata."""

    to: str
    data: bytes = b""
    value: int = 0


class RetryingHTTPProvider(HTTPProvider):
    """web3's HTTP provider, retrying idempotent requests (reads) on transient failures with backoff.

    Never retries a method that could act twice (sending, signing, a devnet's ``evm_*``/``anvil_*``):
    :meth:`Chain.transact` resends signed transactions itself, knowing their hash.
    """

    def __init__(self, url: str, *, timeout: float) -> None:
        super().__init__(url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None)

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        if not (method.startswith(_IDEMPOTENT_PREFIXES) and method not in _NOT_IDEMPOTENT):
            return super().make_request(method, params)
        attempt = 0
        while True:
            try:
                response = super().make_request(method, params)
            except Exception as exc:
                delays = REFUSED_RETRY_DELAYS if _refused(exc) else RETRY_DELAYS
                if not is_transient(exc) or attempt >= len(delays):
                    raise
                time.sleep(delays[attempt])
            else:
                error = response.get("error") if isinstance(response, dict) else None
                if not (isinstance(error, dict) and _TRANSIENT_MESSAGE.search(str(error.get("message", "")))):
                    return response
                if attempt >= len(RETRY_DELAYS):
                    return response
                time.sleep(RETRY_DELAYS[attempt])
            attempt += 1


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure of the connection that asking again may cure."""
    if isinstance(exc, requests.HTTPError):
        return exc.response is not None and exc.response.status_code in _TRANSIENT_STATUS
    if isinstance(exc, Web3RPCError):
        return bool(_TRANSIENT_MESSAGE.search(str(exc)))
    if isinstance(exc, ValueError) and "decode" in str(exc).lower():  # a garbled answer
        return True
    return isinstance(exc, (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError))


def _refused(exc: BaseException) -> bool:
    text = str(exc)
    return "Errno 111" in text or "Connection refused" in text


@contextlib.contextmanager
def account_lock(chain_id: int, address: str) -> Iterator[None]:
    """Hold the inter-process lock of ``address`` on chain ``chain_id`` (a ``flock`` under ccsi-dao's home).

    Every ccsi-dao process sending from one account takes it from reading the nonce until the node has the
    transaction, so concurrent commands of one partner get consecutive nonces. Without ``fcntl`` (Windows) or a
    writable home there is no lock, as before.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    folder = ccsi_home() / "locks"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(folder / f"{chain_id}-{address.lower()}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


class _NonceTaken(Exception):
    """The node refused the transaction's nonce as used, and does not hold the transaction: safe to re-sign."""


class Chain:
    """A web3 connection plus the rules ccsi-dao applies to every transaction it sends."""

    def __init__(
        self,
        w3: Web3,
        *,
        decoder: RevertDecoder | None = None,
        receipt_timeout: float = DEFAULT_RECEIPT_TIMEOUT,
        on_wait: ProgressCallback | None = None,
    ) -> None:
        self.w3 = w3
        self.decoder = decoder or RevertDecoder(())
        self.receipt_timeout = receipt_timeout
        self.on_wait = on_wait
        self._chain_id: int | None = None

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        expected_chain_id: int | None = None,
        request_timeout: float = 10.0,
        **kwargs: Any,
    ) -> "Chain":
        """Connect to the JSON-RPC endpoint ``url``; raise :class:`ChainError` if it does not answer or is not
        the expected chain."""
        w3 = Web3(RetryingHTTPProvider(url, timeout=request_timeout))
        chain = cls(w3, **kwargs)
        try:
            chain_id = chain.chain_id
        except Exception as exc:  # any transport failure means the same thing to the user
            raise ChainError(f"cannot reach the chain at {url}: is the node running? ({_transport_reason(exc)})") from None
        if expected_chain_id is not None and chain_id != expected_chain_id:
            raise ChainError(
                f"the chain at {url} has chain id {chain_id}, but the deployment is on chain {expected_chain_id}"
            )
        return chain

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def now(self) -> int:
        """Timestamp of the latest block."""
        return int(self._rpc(lambda: self.w3.eth.get_block("latest"))["timestamp"])

    # ------------------------------------------------------------------ reads

    def read(self, fn: ContractFunction, *, action: str = "the call") -> Any:
        """Call a view function, turning a revert into a sentence."""
        try:
            return fn.call()
        except (ContractCustomError, ContractLogicError) as exc:
            raise self._revert(exc, action) from None
        except (ConnectionError, TimeoutError, OSError) as exc:
            raise ChainError(f"the chain did not answer: {_transport_reason(exc)}") from None

    # ------------------------------------------------------------------ writes

    def transact(
        self,
        account: LocalAccount,
        call: Call | ContractFunction,
        *,
        action: str = "the transaction",
        gas: int | None = None,
    ) -> TxReceipt:
        """Dry-run, sign, send and wait for one transaction; return its receipt.

        Raises :class:`ContractRevertError` before sending if the dry run reverts, and after mining if the
        transaction failed anyway.
        """
        tx = self._base_tx(account.address, call)
        try:
            estimated = self.w3.eth.estimate_gas(tx)
        except (ContractCustomError, ContractLogicError) as exc:
            raise self._revert(exc, action) from None
        except Web3RPCError as exc:
            raise self._rpc_error(exc, action) from None
        except (ConnectionError, TimeoutError, OSError) as exc:
            raise ChainError(f"the chain did not answer: {_transport_reason(exc)}") from None
        # Generous headroom: a vote-power checkpoint written in a later second than the estimate's block takes a
        # fresh storage slot (~22k gas each), so the real cost can exceed the estimate. Unused gas is not charged.
        tx["gas"] = gas or int(estimated * 1.5) + 50_000
        tx.update(self._fees())
        # The node's own admission rule (gas limit x max fee + value), checked before anything is signed or sent.
        cost = tx["gas"] * tx.get("maxFeePerGas", tx.get("gasPrice", 0)) + int(tx.get("value", 0))
        if self._rpc(lambda: self.w3.eth.get_balance(account.address, "pending")) < cost:
            raise ContractRevertError(f"{action} cannot be paid: the sending account has too little ETH for gas.")
        tx_hash = self._sign_and_send(account, tx, action)
        receipt = self.wait(tx_hash, action=action)
        if receipt["status"] != 1:
            raise self._failed(tx, receipt, action)
        return receipt

    def deploy(self, account: LocalAccount, abi: list, bytecode: bytes, *args: Any, action: str = "deployment") -> tuple[str, TxReceipt]:
        """Deploy a contract; return its address and the receipt."""
        data = self.w3.eth.contract(abi=abi, bytecode=bytecode).constructor(*args).data_in_transaction
        receipt = self.transact(account, Call(to="", data=bytes.fromhex(data[2:])), action=action)
        return receipt["contractAddress"], receipt

    def _sign_and_send(self, account: LocalAccount, tx: dict[str, Any], action: str) -> bytes:
        """Under the account's lock: take the next nonce, sign, send; the hash of the transaction the node holds.

        Re-signs with a fresh nonce only when the node refused the nonce as used and does not know the signed
        transaction, which means it was never accepted (another program used the key meanwhile).
        """
        with account_lock(self.chain_id, account.address):
            for _ in range(3):
                tx["nonce"] = self._rpc(lambda: self.w3.eth.get_transaction_count(account.address, "pending"))
                signed = account.sign_transaction(tx)
                try:
                    return self._send_raw(signed.raw_transaction, bytes(signed.hash), action)
                except _NonceTaken:
                    continue
        raise ChainError(f"the node kept refusing the nonce of {action}: is another program sending from {account.address}?")

    def _send_raw(self, raw: bytes, tx_hash: bytes, action: str) -> bytes:
        """Send signed bytes, resending the same bytes after a transient failure (idempotent: same hash)."""
        ambiguous = False  # the node may have received an earlier attempt
        attempt = 0
        while True:
            try:
                return bytes(self.w3.eth.send_raw_transaction(raw))
            except Web3RPCError as exc:
                message = _brief(exc)
                if _ALREADY_KNOWN.search(message):
                    return tx_hash
                if _NONCE_USED.search(message):
                    if self._known(tx_hash):
                        return tx_hash
                    if ambiguous:
                        raise self._unknown_fate(tx_hash, action, message) from None
                    raise _NonceTaken from None
                if not is_transient(exc):
                    raise self._rpc_error(exc, action) from None
                failure: BaseException = exc
            except (ConnectionError, TimeoutError, OSError) as exc:
                failure = exc
            ambiguous = True
            if attempt >= len(RETRY_DELAYS) or (_refused(failure) and attempt >= len(REFUSED_RETRY_DELAYS)):
                raise self._unknown_fate(tx_hash, action, _transport_reason(failure)) from None
            time.sleep((REFUSED_RETRY_DELAYS if _refused(failure) else RETRY_DELAYS)[attempt])
            attempt += 1

    def _known(self, tx_hash: bytes) -> bool:
        try:
            self.w3.eth.get_transaction(tx_hash)
        except TransactionNotFound:
            return False
        except Exception as exc:  # cannot tell: treat as unknown fate upstream
            raise ChainError(f"the chain did not answer: {_transport_reason(exc)}") from None
        return True

    @staticmethod
    def _unknown_fate(tx_hash: bytes, action: str, reason: str) -> ChainError:
        return ChainError(
            f"{action} may or may not have reached the chain ({reason}): check transaction 0x{tx_hash.hex()} "
            "before sending it again"
        )

    def wait(self, tx_hash: bytes, *, action: str = "the transaction") -> TxReceipt:
        """Wait for a receipt, at most :attr:`receipt_timeout` seconds, reporting progress while waiting."""
        deadline = time.monotonic() + self.receipt_timeout
        delay = 0.01
        started = time.monotonic()
        while True:
            try:
                receipt = self.w3.eth.get_transaction_receipt(tx_hash)
                if receipt is not None:
                    return receipt
            except (TimeExhausted, Web3RPCError, ValueError):  # not mined yet ("transaction not found")
                pass
            except (ConnectionError, TimeoutError, OSError) as exc:
                raise ChainError(f"lost the chain while waiting for {action} ({_transport_reason(exc)}); "
                                 f"transaction 0x{bytes(tx_hash).hex()} may still be mined") from None
            waited = time.monotonic() - started
            if time.monotonic() >= deadline:
                raise TransactionTimeoutError(
                    f"{action} 0x{bytes(tx_hash).hex()} was sent but not mined within {self.receipt_timeout:.0f} s; "
                    "check it later before sending it again"
                )
            if self.on_wait is not None and waited > 1.0:
                self.on_wait(action, waited)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    # ------------------------------------------------------------------ internals

    def _base_tx(self, sender: str, call: Call | ContractFunction) -> dict[str, Any]:
        if isinstance(call, Call):
            tx: dict[str, Any] = {"from": sender, "data": call.data, "value": call.value, "chainId": self.chain_id}
            if call.to:
                tx["to"] = call.to
            return tx
        return {
            "from": sender,
            "to": call.address,
            "data": call._encode_transaction_data(),
            "value": 0,
            "chainId": self.chain_id,
        }

    def _fees(self) -> dict[str, int]:
        block = self._rpc(lambda: self.w3.eth.get_block("latest"))
        base_fee = block.get("baseFeePerGas")
        if base_fee is None:
            return {"gasPrice": int(self._rpc(lambda: self.w3.eth.gas_price))}
        try:
            tip = int(self.w3.eth.max_priority_fee)
        except (Web3RPCError, ValueError):
            tip = 10**9
        return {"maxFeePerGas": 2 * int(base_fee) + tip, "maxPriorityFeePerGas": tip}

    def _rpc(self, request: Callable[[], Any], action: str = "the request") -> Any:
        try:
            return request()
        except Web3RPCError as exc:
            raise self._rpc_error(exc, action) from None
        except (ConnectionError, TimeoutError, OSError) as exc:
            raise ChainError(f"the chain did not answer: {_transport_reason(exc)}") from None

    def _revert(self, exc: ContractCustomError | ContractLogicError, action: str) -> ContractRevertError:
        data = exc.data if isinstance(exc.data, str) else None
        if data is None and isinstance(exc, ContractLogicError) and exc.message:
            text = exc.message.removeprefix("execution reverted: ").removeprefix("execution reverted")
            return ContractRevertError(f"{action} was rejected: {text or 'reverted without a reason'}.")
        return self.decoder.decode(data, action=action)

    def _rpc_error(self, exc: Web3RPCError, action: str) -> ChainError | ContractRevertError:
        message = _brief(exc)
        if "insufficient funds" in message.lower():
            return ContractRevertError(f"{action} cannot be paid: the sending account has too little ETH for gas.")
        return ChainError(f"the node refused {action}: {message}")

    def _failed(self, tx: dict[str, Any], receipt: TxReceipt, action: str) -> ContractRevertError:
        replay = {k: tx[k] for k in ("from", "to", "data", "value") if k in tx}
        try:
            self.w3.eth.call(replay, receipt["blockNumber"] - 1)
        except (ContractCustomError, ContractLogicError) as exc:
            return self._revert(exc, action)
        except Exception:  # the replay itself failed; report what we know
            pass
        return ContractRevertError(f"{action} failed on chain (transaction 0x{bytes(receipt['transactionHash']).hex()}).")


def _transport_reason(exc: BaseException) -> str:
    text = str(exc)
    if "Errno 111" in text or "Connection refused" in text or "NewConnectionError" in text:
        return "connection refused"
    if "timed out" in text.lower() or isinstance(exc, TimeoutError):
        return "no answer in time"
    if "Remote end closed" in text or "Connection aborted" in text or "Connection reset" in text:
        return "the connection was closed without an answer"
    return _brief(exc)


def _brief(exc: BaseException) -> str:
    error = (getattr(exc, "rpc_response", None) or {}).get("error") if isinstance(exc, Web3RPCError) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str) and error["message"].strip():
        return error["message"].strip().splitlines()[0][:200]  # the node's own words, without the dict around them
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]

