"""A connection to one chain and the sending of transactions over it.

:class:`Chain` wraps a web3.py connection with what every ccsi-dao command needs: a chain-id check, fees for
EIP-1559 and legacy chains, a dry run before anything is sent (so bad input never costs a transaction), a
bounded wait for the receipt with progress, and reverts turned into sentences.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError, TimeExhausted, Web3RPCError
from web3.types import TxReceipt

from ccsi_dao.errors import ChainError, ContractRevertError, TransactionTimeoutError
from ccsi_dao.reverts import RevertDecoder

DEFAULT_RECEIPT_TIMEOUT = 120.0

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class Call:
    """One call of a transaction: target, value in wei, calldata."""

    to: str
    data: bytes = b""
    value: int = 0


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
        w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": request_timeout}))
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
        tx["nonce"] = self._rpc(lambda: self.w3.eth.get_transaction_count(account.address, "pending"))
        tx.update(self._fees())
        signed = account.sign_transaction(tx)
        tx_hash = self._rpc(lambda: self.w3.eth.send_raw_transaction(signed.raw_transaction), action)
        receipt = self.wait(tx_hash, action=action)
        if receipt["status"] != 1:
            raise self._failed(tx, receipt, action)
        return receipt

    def deploy(self, account: LocalAccount, abi: list, bytecode: bytes, *args: Any, action: str = "deployment") -> tuple[str, TxReceipt]:
        """Deploy a contract; return its address and the receipt."""
        data = self.w3.eth.contract(abi=abi, bytecode=bytecode).constructor(*args).data_in_transaction
        receipt = self.transact(account, Call(to="", data=bytes.fromhex(data[2:])), action=action)
        return receipt["contractAddress"], receipt

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
    return _brief(exc)


def _brief(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]

