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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

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
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import TxReceipt

from ccsi_dao.chain.codec import web3_codec
from ccsi_dao.chain.logs import LogFetcher
from ccsi_dao.chain.signer import Signer, SignerLike, as_signer
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
from ccsi_dao.errors import ChainError, ContractRevertError, TransactionTimeoutError, UserError
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
_TYPE_REFUSED = re.compile(
    r"(transaction|tx) type (is )?not supported|unsupported (transaction|tx) type|invalid (transaction|tx) type|"
    r"typed transactions? (are )?not (supported|allowed|enabled)|eip-?1559 (is )?not (supported|enabled)",
    re.IGNORECASE,
)
DEFAULT_TIP = 10**9
"""Priority fee per gas (1 gwei) where the node does not suggest one."""

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class Call:
    """One call of a transaction: target, value in wei, calldata."""

    to: str
    data: bytes = b""
    value: int = 0


@dataclass(frozen=True)
class Fees:
    """What a transaction pays per gas: ``fields`` go into the transaction (``gasPrice``, or ``maxFeePerGas`` and
    ``maxPriorityFeePerGas``); ``expected`` is the price it will most likely pay (base fee + tip), ``cap`` the most."""

    fields: dict[str, int]
    expected: int
    cap: int

    @property
    def legacy(self) -> bool:
        """Whether these are a legacy (type 0) transaction's fees."""
        return "gasPrice" in self.fields


def _refuses_params(exc: Exception) -> bool:
    """Whether a node's error answer refuses the request's parameters (JSON-RPC -32602) rather than reporting a
    revert: web3 reads some such answers (Hardhat's, with a ``data`` object and no revert data) as a logic error."""
    if isinstance(exc, ContractLogicError):
        return isinstance(exc.data, dict)  # a revert carries its data as hex
    error: Any = (getattr(exc, "rpc_response", None) or {}).get("error")
    return isinstance(error, dict) and error.get("code") == -32602


class StateOverrideUnsupported(ChainError):
    """The node refuses ``eth_estimateGas``'s state-override parameter (Hardhat's, for one): an estimate that needs
    code or a nonce the chain does not hold yet cannot be made there."""


class UnknownFateError(ChainError):
    """A transaction was signed and maybe sent, but whether the chain has it is unknown; ``tx_hash`` is its hash."""

    def __init__(self, message: str, tx_hash: bytes) -> None:
        super().__init__(message)
        self.tx_hash = tx_hash


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
        legacy: bool = False,
        confirmations: int = 0,
    ) -> None:
        self.w3 = w3
        self.decoder: RevertDecoding = decoder or BasicRevertDecoder()
        self.receipt_timeout = receipt_timeout
        self.on_wait = on_wait
        self.legacy = legacy
        """Send legacy (type 0) transactions only, for a network that refuses typed ones."""
        self.confirmations = confirmations
        """Blocks to wait for after a transaction's own block before :meth:`transact` returns."""
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
        the expected chain.

        Strings in answers and logs that are not UTF-8 are decoded as :mod:`ccsi_dao.chain.codec` says. The
        connection asks the chain id once (web3's validation middleware would ask it again before every call and
        estimate; every transaction carries the chain id, checked here) and reads the blocks of proof-of-authority
        chains (Besu QBFT, Gnosis' validators), whose ``extraData`` is longer than web3 accepts by default.
        """
        w3 = Web3(HTTPTransport(url, timeout=request_timeout))
        w3.codec = web3_codec()  # text that is not UTF-8 decoded with visible escapes instead of refused
        w3.middleware_onion.remove("validation")
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
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

    @property
    def url(self) -> str:
        """The node's JSON-RPC address, where the connection has one."""
        return str(getattr(self.w3.provider, "endpoint_uri", "") or "the node")

    @cached_property
    def transport(self) -> Transport:
        """Raw JSON-RPC requests and batches over this connection (:class:`~ccsi_dao.chain.transport.Transport`)."""
        return Transport(self.w3)

    @cached_property
    def log_fetcher(self) -> LogFetcher:
        """Log reads over any range, split to what the provider accepts (:class:`~ccsi_dao.chain.logs.LogFetcher`);
        one per connection, so the range a provider accepts is learnt once."""
        return LogFetcher(self.w3)

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
        return self.nonce(address, "pending")

    def nonce(self, address: str, block: int | str = "latest") -> int:
        """How many transactions from ``address`` the chain holds at ``block`` (``pending``: with the pool's)."""
        with map_errors():
            return int(self.w3.eth.get_transaction_count(address, block))  # type: ignore[arg-type]

    def balance(self, address: str, block: int | str = "latest") -> int:
        """The balance of ``address`` in wei."""
        with map_errors():
            return int(self.w3.eth.get_balance(address, block))  # type: ignore[arg-type]

    def receipt_or_none(self, tx_hash: str | bytes) -> Any:
        """A transaction's receipt, or None while it is not mined (or unknown)."""
        with map_errors():
            try:
                return self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return None

    def known(self, tx_hash: str | bytes) -> bool:
        """Whether the node has the transaction (mined or in its pool)."""
        with map_errors():
            try:
                return self.w3.eth.get_transaction(tx_hash) is not None  # type: ignore[arg-type]
            except TransactionNotFound:
                return False

    def as_call(self, fn: ContractFunction, value: int = 0) -> Call:
        """A contract function call with its arguments as a :class:`Call` (target and calldata)."""
        data = fn._encode_transaction_data()
        return Call(to=str(fn.address), data=bytes.fromhex(data[2:]), value=value)

    def estimate(
        self,
        sender: str,
        call: Call | ContractFunction,
        *,
        action: str = "the transaction",
        code: Mapping[str, bytes] | None = None,
        nonce: int | None = None,
    ) -> int:
        """The node's gas estimate for ``call`` sent by ``sender`` now (a dry run: ContractRevertError with the rule
        that stops it). With ``code``, as if those addresses held that code, and with ``nonce``, as if that were the
        sender's next nonce (state overrides: a contract created by a later transaction, calling libraries created
        by earlier ones, estimated before any is sent)."""
        override: dict[str, dict[str, Any]] = {a: {"code": "0x" + runtime.hex()} for a, runtime in (code or {}).items()}
        if nonce is not None:
            override.setdefault(self.w3.to_checksum_address(sender), {})["nonce"] = nonce
        with map_errors(action, self.decoder, refused=action):
            tx = _dry(self._base_tx(sender, call))
            try:
                return int(self.w3.eth.estimate_gas(tx, None, override or None))  # type: ignore[arg-type]
            except (Web3RPCError, ContractLogicError) as exc:
                if override and _refuses_params(exc):
                    raise StateOverrideUnsupported(f"{action}: the node does not take state overrides ({exc})") from exc
                raise

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
        """Every ``event`` of its contract from ``from_block`` to the latest block, decoded by web3, read through
        :attr:`log_fetcher` (so a provider that caps ``eth_getLogs`` ranges gets ranges it accepts)."""
        from eth_utils import event_abi_to_log_topic

        instance = event() if isinstance(event, type) else event
        topic = "0x" + bytes(event_abi_to_log_topic(instance.abi)).hex()
        latest = self.block_number()
        raw = self.log_fetcher.logs(from_block, latest, {"address": instance.address, "topics": [topic]})
        return [instance.process_log(_log_entry(log)) for log in raw]

    def reader(self, block: int | str) -> BlockReader:
        """View calls at ``block`` in JSON-RPC batches (:class:`BlockReader`)."""
        return BlockReader(self.transport, block)

    # ------------------------------------------------------------------ writes

    def transact(
        self,
        account: SignerLike,
        call: Call | ContractFunction,
        *,
        action: str = "the transaction",
        gas: int | None = None,
        nonce: int | None = None,
        on_sent: Callable[[bytes], None] | None = None,
    ) -> TxReceipt:
        """Dry-run, sign, send and wait for one transaction; return its receipt.

        ``account`` is any signer (:func:`~ccsi_dao.chain.signer.as_signer`: a ``LocalAccount`` or an ape account).
        Raises :class:`ContractRevertError` before sending if the dry run reverts, and after mining if the
        transaction failed anyway. With ``nonce`` the transaction takes exactly that nonce or is not sent (a
        deployment, whose addresses follow from the deployer's nonces); ``on_sent(tx_hash)`` runs once the node has
        the transaction, before its receipt is awaited. With :attr:`confirmations`, returns once that many blocks
        follow the transaction's block.
        """
        signer = as_signer(account)
        tx = self._base_tx(signer.address, call)
        with map_errors(action, self.decoder, refused=action):
            estimated = self.w3.eth.estimate_gas(_dry(tx))  # type: ignore[arg-type]
        tx["gas"] = gas or with_headroom(estimated)
        tx.update(self.fees().fields)
        # The node's own admission rule (gas limit x max fee + value), checked before anything is signed or sent.
        cost = tx["gas"] * tx.get("maxFeePerGas", tx.get("gasPrice", 0)) + int(tx.get("value", 0))
        if cost:
            with map_errors():
                balance = self.w3.eth.get_balance(signer.address, "pending")  # type: ignore[arg-type]
            if balance < cost:
                raise ContractRevertError(f"{action} cannot be paid: the sending account has too little ETH for gas.")
        tx_hash = self._sign_and_send(signer, tx, action, nonce)
        if on_sent is not None:
            on_sent(tx_hash)
        receipt = self.wait(tx_hash, action=action)
        if receipt["status"] != 1:
            raise self._failed(tx, receipt, action)
        if self.confirmations:
            receipt = self.confirm(receipt, action=action)
        return receipt

    def deploy(
        self,
        account: SignerLike,
        abi: list[dict[str, Any]],
        bytecode: bytes,
        *args: Any,
        action: str = "deployment",
        nonce: int | None = None,
        on_sent: Callable[[bytes], None] | None = None,
    ) -> tuple[str, TxReceipt]:
        """Deploy a contract; return its address and the receipt."""
        data = self.creation_data(abi, bytecode, *args)
        receipt = self.transact(account, Call(to="", data=data), action=action, nonce=nonce, on_sent=on_sent)
        return str(receipt["contractAddress"]), receipt

    def creation_data(self, abi: list[dict[str, Any]], bytecode: bytes, *args: Any) -> bytes:
        """The data of a transaction deploying a contract: its creation code and constructor arguments."""
        data = self.w3.eth.contract(abi=abi, bytecode=bytecode).constructor(*args).data_in_transaction
        return bytes.fromhex(data[2:])

    def _sign_and_send(self, signer: Signer, tx: dict[str, Any], action: str, nonce: int | None = None) -> bytes:
        """Under the account's lock: take the next nonce, sign, send; the hash of the transaction the node holds.

        Re-signs with a fresh nonce only when the node refused the nonce as used and does not know the signed
        transaction, which means it was never accepted (another program used the key meanwhile). With a fixed
        ``nonce``, never: the transaction is not sent unless that nonce is the account's next one.
        """
        with account_lock(self.chain_id, signer.address):
            for _ in range(3):
                pending = self.pending_nonce(signer.address)
                if nonce is not None and pending != nonce:
                    raise UserError(
                        f"{action} was not sent: it must take nonce {nonce} of {signer.address}, whose next nonce is "
                        f"{pending}; another transaction from that key came in between"
                    )
                tx["nonce"] = pending
                signed = signer.sign_transaction(tx)
                try:
                    return self._send_raw(signed.raw, signed.hash, action)
                except _NonceTaken:
                    if nonce is not None:
                        raise UserError(
                            f"{action} was not sent: nonce {nonce} of {signer.address} was taken by another "
                            "transaction from that key"
                        ) from None
                    continue
        raise ChainError(
            f"the node kept refusing the nonce of {action}: is another program sending from {signer.address}?"
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
                if _TYPE_REFUSED.search(message):
                    raise ChainError(
                        f"the node refused {action} because it accepts only legacy transactions ({message}); nothing "
                        "was sent: send it again with --legacy (or legacy: true in config.yaml, or CCSI_DAO_LEGACY=1)"
                    ) from None
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
    def _unknown_fate(tx_hash: bytes, action: str, reason: str) -> UnknownFateError:
        return UnknownFateError(
            f"{action} may or may not have reached the chain ({reason}): check transaction 0x{tx_hash.hex()} "
            "before sending it again",
            tx_hash,
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

    def fees(self) -> Fees:
        """The fees a transaction sent now pays per gas.

        EIP-1559 (base fee of the latest block x 2 + the node's suggested tip) where blocks carry a base fee; a
        legacy transaction at the node's gas price where they do not, where :attr:`legacy` is set, and on a chain
        where gas is free (base fee and gas price both 0, as on a Besu QBFT network): such a chain's nodes still
        suggest a tip, which would make free gas cost 1 gwei and partners without funds unable to send.
        """
        block = self.block("latest")
        base_fee = block.get("baseFeePerGas")
        if self.legacy or base_fee is None or int(base_fee) == 0:
            with map_errors():
                price = int(self.w3.eth.gas_price)
            if self.legacy or base_fee is None or price == 0:
                return Fees({"gasPrice": price}, price, price)
        try:
            tip = int(self.w3.eth.max_priority_fee)
        except (Web3RPCError, ValueError):
            tip = DEFAULT_TIP
        base = int(base_fee)
        return Fees({"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}, base + tip, 2 * base + tip)

    def confirm(self, receipt: TxReceipt, *, action: str = "the transaction") -> TxReceipt:
        """Wait until :attr:`confirmations` blocks follow the block of ``receipt`` (within :attr:`receipt_timeout`);
        return the receipt as the chain then has it (a reorganisation may have moved the transaction, which is then
        awaited again)."""
        tx_hash = bytes(receipt["transactionHash"])
        deadline = time.monotonic() + self.receipt_timeout
        started = time.monotonic()
        while True:
            latest = self.block_number()
            if latest >= int(receipt["blockNumber"]) + self.confirmations:
                current = self.receipt_or_none(tx_hash)
                if current is not None and bytes(current["blockHash"]) == bytes(receipt["blockHash"]):
                    return current  # type: ignore[no-any-return]
                if current is None:  # reorganised away: back in the pool, or gone
                    receipt = self.wait(tx_hash, action=action)
                else:
                    receipt = current
                continue
            if time.monotonic() >= deadline:
                raise TransactionTimeoutError(
                    f"{action} 0x{tx_hash.hex()} was mined in block {receipt['blockNumber']}, but the chain did not "
                    f"reach {self.confirmations} confirmations within {self.receipt_timeout:.0f} s (at block "
                    f"{latest}); check it later"
                )
            if self.on_wait is not None:
                self.on_wait(f"{action} ({self.confirmations} confirmations)", time.monotonic() - started)
            time.sleep(0.25)

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


def _dry(tx: dict[str, Any]) -> dict[str, Any]:
    """A transaction as a dry run's call object: without ``chainId``, which only signing needs (some nodes refuse a
    field they do not know in a call; web3's validation middleware used to drop it)."""
    return {k: v for k, v in tx.items() if k != "chainId"}


def _log_entry(raw: dict[str, Any]) -> dict[str, Any]:
    """A raw ``eth_getLogs`` entry in the shape web3's event decoder takes (bytes and integers)."""
    from hexbytes import HexBytes

    return {
        "address": raw["address"],
        "topics": [HexBytes(t) for t in raw["topics"]],
        "data": HexBytes(raw["data"]),
        "blockNumber": int(raw["blockNumber"], 16),
        "blockHash": HexBytes(raw["blockHash"]),
        "transactionHash": HexBytes(raw["transactionHash"]),
        "transactionIndex": int(raw["transactionIndex"], 16),
        "logIndex": int(raw["logIndex"], 16),
        "removed": bool(raw.get("removed", False)),
    }


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


CHECKPOINT_HEADROOM = 200_000
"""Gas over 1.5x the estimate. The node estimates in the latest block's second; mined in a later one, every
checkpoint the call touches that was written in that second (the totals and class powers every membership change
writes, a member's own votes) takes a fresh storage slot instead of an update in place: 20,000 gas more each, and a
resignation or a sanction touches up to nine. Unused gas is not charged."""


def with_headroom(estimated: int) -> int:
    """The gas limit sent for a call the node estimated at ``estimated``."""
    return int(estimated * 1.5) + CHECKPOINT_HEADROOM
