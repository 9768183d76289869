"""A connection to one chain: reading from it and sending transactions over it.

:class:`Chain` wraps a web3.py connection with what every ccsi-dao command needs: a chain-id check, fees for
EIP-1559 and legacy chains, a dry run before anything is sent (so bad input never costs a transaction), a
bounded wait for the receipt with progress, and reverts turned into sentences (:mod:`ccsi_dao.chain.translate`).

Faults: reads (and the node's identity checks) are retried by the one retry policy of
:mod:`ccsi_dao.chain.transport`; a signed transaction is resent as the same bytes, which is idempotent (same hash),
and "already known" or "nonce too low" for a transaction the node holds counts as sent. After an ambiguous send a
transaction is never re-signed with a new nonce. Between nonce read and send each account holds an inter-process
lock (per chain, under ``$CCSI_DAO_HOME/locks``), so one partner's commands running at once never pick the same
nonce.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector
from eth_utils.abi import get_abi_input_types, get_abi_output_types
from web3 import Web3
from web3.contract.contract import ContractEvent, ContractFunction
from web3.exceptions import (
    BlockNotFound,
    ContractCustomError,
    ContractLogicError,
    TimeExhausted,
    TransactionNotFound,
    Web3RPCError,
)
from web3.types import TxReceipt

from ccsi_dao.chain.translate import (
    BasicRevertDecoder,
    RevertDecoding,
    brief,
    map_errors,
    no_answer,
    revert_error,
    rpc_error,
    transport_reason,
)
from ccsi_dao.chain.transport import RETRY_POLICY, HTTPTransport, Transport, is_transient
from ccsi_dao.errors import ChainError, ContractRevertError, TransactionTimeoutError
from ccsi_dao.fileio import ccsi_home

DEFAULT_RECEIPT_TIMEOUT = 120.0
_ALREADY_KNOWN = re.compile(
    r"already known|already imported|known transaction|already in (the )?(pool|mempool)", re.IGNORECASE
)
_NONCE_USED = re.compile(
    r"nonce too low|nonce has already been used|replacement transaction underpriced|transaction underpriced|"
    r"invalid nonce",
    re.IGNORECASE,
)

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class Call:
    """One call of a transaction: target, value in wei, calldata."""

    to: str
    data: bytes = b""
    value: int = 0


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
    """A web3 connection plus the rules ccsi-dao applies to every read and every transaction it sends."""

    def __init__(
        self,
        w3: Web3,
        *,
        decoder: RevertDecoding | None = None,
        receipt_timeout: float = DEFAULT_RECEIPT_TIMEOUT,
        on_wait: ProgressCallback | None = None,
    ) -> None:
        self.w3 = w3
        self.decoder: RevertDecoding = decoder or BasicRevertDecoder()
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
    ) -> Chain:
        """Connect to the JSON-RPC endpoint ``url``; raise :class:`ChainError` if it does not answer or is not
        the expected chain."""
        w3 = Web3(HTTPTransport(url, timeout=request_timeout))
        chain = cls(w3, **kwargs)
        try:
            chain_id = chain.chain_id
        except Exception as exc:  # any transport failure means the same thing to the user
            raise ChainError(
                f"cannot reach the chain at {url}: is the node running? ({transport_reason(exc)})"
            ) from None
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

    @cached_property
    def transport(self) -> Transport:
        """Raw JSON-RPC requests and batches over this connection (:class:`~ccsi_dao.chain.transport.Transport`)."""
        return Transport(self.w3)

    def contract(self, address: str, abi: list[dict[str, Any]]) -> Any:
        """A web3 contract object at ``address`` (read it with :meth:`read`, send to it with :meth:`transact`)."""
        return self.w3.eth.contract(address=address, abi=abi)  # type: ignore[call-overload]

    # ------------------------------------------------------------------ reads

    def now(self) -> int:
        """Timestamp of the latest block."""
        return int(self.block("latest")["timestamp"])

    def block_number(self) -> int:
        """Number of the latest block."""
        with map_errors():
            return int(self.w3.eth.block_number)

    def block(self, block: int | str, *, action: str = "the request") -> Any:
        """A block (without its transactions) by number or tag; ChainError if the chain has none there."""
        with map_errors(refused=action):
            return self.w3.eth.get_block(block)  # type: ignore[arg-type]

    def block_hash(self, number: int, *, action: str = "the request") -> str | None:
        """``0x``-hash of block ``number``, or None if the chain has no such block."""
        with map_errors(refused=action):
            try:
                return "0x" + bytes(self.w3.eth.get_block(number)["hash"]).hex()
            except BlockNotFound:  # before map_errors: web3 reports it as an RPC error
                return None

    def code(self, address: str, *, action: str = "the request") -> bytes:
        """The runtime code at ``address`` (empty where there is no contract)."""
        with map_errors(refused=action):
            return bytes(self.w3.eth.get_code(address))  # type: ignore[arg-type]

    def transaction(self, tx_hash: str | bytes) -> Any:
        """A transaction by hash."""
        with map_errors():
            return self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]

    def receipt(self, tx_hash: str | bytes) -> Any:
        """A mined transaction's receipt by hash."""
        with map_errors():
            return self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]

    def pending_nonce(self, address: str) -> int:
        """The nonce the next transaction from ``address`` takes (counting those in the node's pool)."""
        with map_errors():
            return int(self.w3.eth.get_transaction_count(address, "pending"))  # type: ignore[arg-type]

    def read(
        self,
        fn: ContractFunction,
        *,
        action: str = "the call",
        sender: str | None = None,
        block: int | str | None = None,
    ) -> Any:
        """Call a view function (as ``sender``, at ``block``), turning a revert into a sentence."""
        with map_errors(action, self.decoder):
            return fn.call({"from": sender} if sender else None, block)  # type: ignore[arg-type]

    def call(self, tx: dict[str, Any], *, action: str = "the call", unpaid: str | None = None) -> bytes:
        """Run a call (``from``, ``to``, ``data``, ``value``) on the latest state without sending anything; the
        revert turned into a sentence naming ``action``, a sender without funds into ``unpaid`` if given."""
        with map_errors(action, self.decoder, unpaid=unpaid):
            return bytes(self.w3.eth.call(tx))  # type: ignore[arg-type]

    def events(self, event: type[ContractEvent] | ContractEvent, from_block: int) -> list[Any]:
        """Every ``event`` of its contract from ``from_block`` on, decoded by web3."""
        with map_errors():
            return list(event.get_logs(from_block=from_block))

    def reader(self, block: int | str) -> BlockReader:
        """View calls at ``block`` in JSON-RPC batches (:class:`BlockReader`)."""
        return BlockReader(self.transport, block)

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
        with map_errors(action, self.decoder, refused=action):
            estimated = self.w3.eth.estimate_gas(tx)  # type: ignore[arg-type]
        # Generous headroom: a vote-power checkpoint written in a later second than the estimate's block takes a
        # fresh storage slot (~22k gas each), so the real cost can exceed the estimate. Unused gas is not charged.
        tx["gas"] = gas or int(estimated * 1.5) + 50_000
        tx.update(self._fees())
        # The node's own admission rule (gas limit x max fee + value), checked before anything is signed or sent.
        cost = tx["gas"] * tx.get("maxFeePerGas", tx.get("gasPrice", 0)) + int(tx.get("value", 0))
        with map_errors():
            balance = self.w3.eth.get_balance(account.address, "pending")
        if balance < cost:
            raise ContractRevertError(f"{action} cannot be paid: the sending account has too little ETH for gas.")
        tx_hash = self._sign_and_send(account, tx, action)
        receipt = self.wait(tx_hash, action=action)
        if receipt["status"] != 1:
            raise self._failed(tx, receipt, action)
        return receipt

    def deploy(
        self, account: LocalAccount, abi: list[dict[str, Any]], bytecode: bytes, *args: Any, action: str = "deployment"
    ) -> tuple[str, TxReceipt]:
        """Deploy a contract; return its address and the receipt."""
        receipt = self.transact(account, Call(to="", data=self.creation_data(abi, bytecode, *args)), action=action)
        return str(receipt["contractAddress"]), receipt

    def creation_data(self, abi: list[dict[str, Any]], bytecode: bytes, *args: Any) -> bytes:
        """The data of a transaction deploying a contract: its creation code and constructor arguments."""
        data = self.w3.eth.contract(abi=abi, bytecode=bytecode).constructor(*args).data_in_transaction
        return bytes.fromhex(data[2:])

    def _sign_and_send(self, account: LocalAccount, tx: dict[str, Any], action: str) -> bytes:
        """Under the account's lock: take the next nonce, sign, send; the hash of the transaction the node holds.

        Re-signs with a fresh nonce only when the node refused the nonce as used and does not know the signed
        transaction, which means it was never accepted (another program used the key meanwhile).
        """
        with account_lock(self.chain_id, account.address):
            for _ in range(3):
                tx["nonce"] = self.pending_nonce(account.address)
                signed = account.sign_transaction(tx)
                try:
                    return self._send_raw(signed.raw_transaction, bytes(signed.hash), action)
                except _NonceTaken:
                    continue
        raise ChainError(
            f"the node kept refusing the nonce of {action}: is another program sending from {account.address}?"
        )

    def _send_raw(self, raw: bytes, tx_hash: bytes, action: str) -> bytes:
        """Send signed bytes, resending the same bytes after a transient failure (idempotent: same hash), with the
        pauses of the one retry policy."""
        ambiguous = False  # the node may have received an earlier attempt
        attempt = 0
        while True:
            try:
                return bytes(self.w3.eth.send_raw_transaction(raw))
            except Web3RPCError as exc:
                message = brief(exc)
                if _ALREADY_KNOWN.search(message):
                    return tx_hash
                if _NONCE_USED.search(message):
                    if self._known(tx_hash):
                        return tx_hash
                    if ambiguous:
                        raise self._unknown_fate(tx_hash, action, message) from None
                    raise _NonceTaken from None
                if not is_transient(exc):
                    raise rpc_error(exc, action) from None
                failure: BaseException = exc
            except (ConnectionError, TimeoutError, OSError) as exc:
                failure = exc
            ambiguous = True
            pause = RETRY_POLICY.pause(attempt, failure, transient=True)
            if pause is None:
                raise self._unknown_fate(tx_hash, action, transport_reason(failure)) from None
            time.sleep(pause)
            attempt += 1

    def _known(self, tx_hash: bytes) -> bool:
        try:
            self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return False
        except Exception as exc:  # cannot tell: treat as unknown fate upstream
            raise no_answer(exc) from None
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
                receipt = self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
                if receipt is not None:
                    return receipt
            except (TimeExhausted, Web3RPCError, ValueError):  # not mined yet ("transaction not found")
                pass
            except (ConnectionError, TimeoutError, OSError) as exc:
                raise ChainError(
                    f"lost the chain while waiting for {action} ({transport_reason(exc)}); "
                    f"transaction 0x{bytes(tx_hash).hex()} may still be mined"
                ) from None
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
        block = self.block("latest")
        base_fee = block.get("baseFeePerGas")
        if base_fee is None:
            with map_errors():
                return {"gasPrice": int(self.w3.eth.gas_price)}
        try:
            tip = int(self.w3.eth.max_priority_fee)
        except (Web3RPCError, ValueError):
            tip = 10**9
        return {"maxFeePerGas": 2 * int(base_fee) + tip, "maxPriorityFeePerGas": tip}

    def _failed(self, tx: dict[str, Any], receipt: TxReceipt, action: str) -> ContractRevertError:
        replay = {k: tx[k] for k in ("from", "to", "data", "value") if k in tx}
        try:
            self.w3.eth.call(replay, receipt["blockNumber"] - 1)  # type: ignore[arg-type]
        except (ContractCustomError, ContractLogicError) as exc:
            return revert_error(exc, action, self.decoder)
        except Exception:  # noqa: BLE001, S110 - the replay itself failed; report what we know
            pass
        return ContractRevertError(
            f"{action} failed on chain (transaction 0x{bytes(receipt['transactionHash']).hex()})."
        )


class BlockReader:
    """View calls at one block, one ``eth_call`` each (web3's ``call`` costs several requests), through a
    :class:`Transport` (its retries). :meth:`prefetch` sends many calls at once in JSON-RPC batches and keeps the
    chain's answers, which the calls that follow use instead of asking again (the same call at the same block has
    the same answer)."""

    def __init__(self, transport: Transport, block: int | str) -> None:
        self.transport = transport
        self.block = hex(block) if isinstance(block, int) else block
        self.codec = transport.w3.codec
        self._functions: dict[tuple[str, str], tuple[bytes, list[str], list[str]]] = {}
        self._requests: dict[tuple[Any, ...], tuple[tuple[str, str], list[str]]] = {}
        self._answers: dict[tuple[str, str], Any] = {}

    def _request(self, contract: Any, name: str, args: tuple[Any, ...]) -> tuple[tuple[str, str], list[str]]:
        """``((to, data), output types)`` of a call; the ABI of each function is looked up once, each call encoded
        once."""
        memo = (contract.address, name, *args)
        if memo in self._requests:
            return self._requests[memo]
        key = (contract.address, name)
        if key not in self._functions:
            abi = contract.get_function_by_name(name).abi
            inputs = list(get_abi_input_types(abi))
            selector = function_signature_to_4byte_selector(f"{name}({','.join(inputs)})")
            self._functions[key] = (selector, inputs, list(get_abi_output_types(abi)))
        selector, inputs, outputs = self._functions[key]
        request = (contract.address, "0x" + (selector + self.codec.encode(inputs, list(args))).hex()), outputs
        self._requests[memo] = request
        return request

    def prefetch(self, reads: Iterable[tuple[Any, ...]]) -> None:
        """Ask the chain for every ``(contract, name, *args)`` in ``reads`` at once, in JSON-RPC batches."""
        todo = list(dict.fromkeys(self._request(contract, name, tuple(args))[0] for contract, name, *args in reads))
        todo = [key for key in todo if key not in self._answers]
        answers = self.transport.batch([("eth_call", [{"to": to, "data": data}, self.block]) for to, data in todo])
        self._answers.update(zip(todo, answers, strict=True))

    def __call__(self, contract: Any, name: str, *args: Any) -> Any:
        """The decoded answer of ``contract.name(*args)`` at the reader's block."""
        key, outputs = self._request(contract, name, args)
        raw = self._answers.get(key)
        if raw is None:
            raw = self.transport.request("eth_call", [{"to": key[0], "data": key[1]}, self.block])
        values = self.codec.decode(outputs, bytes.fromhex(raw[2:]))
        return values[0] if len(values) == 1 else tuple(values)
