"""The one place where transport, node and revert errors become :mod:`ccsi_dao.errors` exceptions.

In the style of httpx's ``map_exceptions``: code that talks to the node runs inside :func:`map_errors`, and every
lower-level failure leaves it as one sentence, so call sites never repeat the translation:

- a contract revert becomes a :class:`~ccsi_dao.errors.ContractRevertError` naming the rule that stopped it (through
  a :class:`RevertDecoding`, usually :class:`ccsi_dao.abi.reverts.RevertDecoder` with the suite's custom errors);
- a JSON-RPC error answer becomes a :class:`~ccsi_dao.errors.ChainError` quoting the node ("the node refused ..."),
  or a :class:`~ccsi_dao.errors.ContractRevertError` when the node says the sender cannot pay;
- a failure of the connection becomes a :class:`~ccsi_dao.errors.ChainError` ("the chain did not answer: ...").
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Protocol

import requests
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from ccsi_dao.chain.codec import decode as abi_decode
from ccsi_dao.errors import CcsiDaoError, ChainError, ContractRevertError, UserError

_UNPAID = re.compile(r"insufficient funds", re.IGNORECASE)
_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)

TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError, requests.RequestException)
"""Failures of the connection itself (no answer, or no usable one)."""


class RevertDecoding(Protocol):
    """Turns revert data into a sentence; :class:`ccsi_dao.abi.reverts.RevertDecoder` knows the suite's errors."""

    def decode(self, data: bytes | str | None, *, action: str = "the call") -> ContractRevertError: ...


class BasicRevertDecoder:
    """The reverts every contract can give without an ABI: ``Error(string)``, ``Panic(uint256)``, raw data."""

    def decode(self, data: bytes | str | None, *, action: str = "the call") -> ContractRevertError:
        raw = revert_bytes(data)
        known = self.decode_known(raw, action)
        if known is not None:
            return known
        if raw[:4] == _ERROR_STRING:
            (text,) = abi_decode(["string"], raw[4:])
            return ContractRevertError(f"{action} was rejected: {text}.", error_name="Error")
        if raw[:4] == _PANIC:
            (code,) = abi_decode(["uint256"], raw[4:])
            return ContractRevertError(
                f"{action} was rejected: the contract panicked (code {code:#x}).", error_name="Panic"
            )
        detail = f" (revert data 0x{raw.hex()})" if raw else ""
        return ContractRevertError(f"{action} was rejected by the contract{detail}.")

    def decode_known(self, raw: bytes, action: str) -> ContractRevertError | None:
        """A sentence for a custom error this decoder knows; subclasses add their tables."""
        return None


def revert_bytes(data: bytes | str | None) -> bytes:
    """Revert data given as hex text or bytes, as bytes."""
    if isinstance(data, str):
        return bytes.fromhex(data[2:] if data.startswith("0x") else data)
    return data or b""


def revert_error(
    exc: ContractCustomError | ContractLogicError, action: str, decoder: RevertDecoding | None = None
) -> ContractRevertError:
    """The sentence for a revert web3 reported."""
    data = exc.data if isinstance(exc.data, str) else None
    if data is None and isinstance(exc, ContractLogicError) and exc.message:
        text = exc.message.removeprefix("execution reverted: ").removeprefix("execution reverted")
        return ContractRevertError(f"{action} was rejected: {text or 'reverted without a reason'}.")
    return (decoder or BasicRevertDecoder()).decode(data, action=action)


def rpc_error(exc: Web3RPCError, refused: str, *, unpaid: str | None = None) -> ChainError | UserError:
    """The sentence for a JSON-RPC error answer to ``refused`` (e.g. "the vote")."""
    message = brief(exc)
    if _UNPAID.search(message) or (unpaid is not None and "lack of funds" in message.lower()):
        return ContractRevertError(
            unpaid or f"{refused} cannot be paid: the sending account has too little ETH for gas."
        )
    return ChainError(f"the node refused {refused}: {message}")


def no_answer(exc: BaseException) -> ChainError:
    """The sentence for a failure of the connection."""
    return ChainError(f"the chain did not answer: {transport_reason(exc)}")


@contextlib.contextmanager
def map_errors(
    action: str = "the call",
    decoder: RevertDecoding | None = None,
    *,
    refused: str = "the request",
    unpaid: str | None = None,
) -> Iterator[None]:
    """Run the block, turning what the node or the connection raises into ccsi-dao's errors.

    ``action`` names what a revert rejected ("the vote was rejected: ..."); ``refused`` what a JSON-RPC error answer
    refused ("the node refused the request: ..."); ``unpaid`` replaces the sentence for a sender without funds.
    ccsi-dao's own errors pass through unchanged.
    """
    try:
        yield
    except CcsiDaoError:
        raise
    except (ContractCustomError, ContractLogicError) as exc:
        raise revert_error(exc, action, decoder) from None
    except Web3RPCError as exc:
        raise rpc_error(exc, refused, unpaid=unpaid) from None
    except TRANSPORT_ERRORS as exc:
        raise no_answer(exc) from None


def as_chain_error(exc: BaseException) -> ChainError | None:
    """The sentence for a node failure that escaped :func:`map_errors` (a read deep in web3), else None."""
    if isinstance(exc, requests.RequestException):
        return no_answer(exc)
    if isinstance(exc, Web3RPCError):
        return ChainError(f"the node refused the request: {brief(exc)}")
    return None


def transport_reason(exc: BaseException) -> str:
    """Why the connection failed, in a few words."""
    text = str(exc)
    if "Errno 111" in text or "Connection refused" in text or "NewConnectionError" in text:
        return "connection refused"
    if "timed out" in text.lower() or isinstance(exc, TimeoutError):
        return "no answer in time"
    if "Remote end closed" in text or "Connection aborted" in text or "Connection reset" in text:
        return "the connection was closed without an answer"
    return brief(exc)


def brief(exc: BaseException) -> str:
    """The node's own words for an error answer (without the dict around them), else the exception's first line."""
    error = (getattr(exc, "rpc_response", None) or {}).get("error") if isinstance(exc, Web3RPCError) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str) and error["message"].strip():
        return str(error["message"]).strip().splitlines()[0][:200]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
