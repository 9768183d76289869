"""JSON-RPC over HTTP: the provider, the one retry policy, and batches.

Every request ccsi-dao sends goes through :data:`RETRY_POLICY`, whichever way it is sent:

- web3's own calls (``Chain.read``, ``Chain.transact``'s reads) through :class:`HTTPTransport`, web3's HTTP
  provider retrying idempotent requests;
- raw requests and batches (the decision log, verification) through :class:`Transport`, which also applies the policy
  over a provider that is not an :class:`HTTPTransport` (ape's, or a test's), and never twice over one that is;
- signed transactions, resent as the same bytes by :meth:`ccsi_dao.chain.connection.Chain.transact`.

What is retried: a failure of the connection (dropped, refused, timed out, HTTP 408/425/429/5xx, a garbled answer)
and a JSON-RPC error answer that says to try again (rate limits, "temporarily unavailable", a busy or overloaded
node). A method that could act twice (sending, signing, a devnet's ``evm_*``/``anvil_*``) is never retried here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import requests
from web3 import HTTPProvider, Web3
from web3.exceptions import Web3RPCError
from web3.types import RPCEndpoint, RPCResponse

from ccsi_dao.chain.translate import TRANSPORT_ERRORS, no_answer
from ccsi_dao.errors import CcsiDaoError, ChainError

T = TypeVar("T")

BATCH_SIZE = 250
"""Requests per JSON-RPC batch (public providers accept 100 to 1,000)."""
BATCH_FAILURES = 2
"""Failed batches in a row after which a transport stops batching (a provider that does not take them)."""

# JSON-RPC methods that change nothing, so sending them twice is harmless.
_IDEMPOTENT_PREFIXES = ("eth_", "net_", "web3_")
_NOT_IDEMPOTENT = {
    "eth_sendTransaction",
    "eth_sendRawTransaction",
    "eth_sign",
    "eth_signTransaction",
    "eth_signTypedData",
    "eth_submitWork",
    "eth_submitHashrate",
}
_TRANSIENT_MESSAGE = re.compile(
    r"temporar|try again|rate.?limit|too many requests|requests per second|capacity|unavailable|bad gateway|"
    r"gateway time|timed? ?out|overload|busy",
    re.IGNORECASE,
)
_RATE_LIMITED = re.compile(r"rate.?limit|too many requests|requests per second|capacity", re.IGNORECASE)
_TOO_LARGE = re.compile(
    r"block range|range too (large|wide|big)|more than \d+ (results|logs|blocks)|too many (results|logs|blocks)|"
    r"query returned more than|exceed|limit(ed)? (to|of)|response size|log response size|max(imum)? (block )?range|"
    r"query timeout",
    re.IGNORECASE,
)
_UNSUPPORTED_METHOD = re.compile(
    r"method (\S+ )?(is )?not (supported|found|available|exist|implemented)|unsupported method|"
    r"(does not|doesn't) exist/is not available|not supported by this (node|provider)|unknown method",
    re.IGNORECASE,
)
_UNSUPPORTED_CODES = {-32601, -32004}  # method not found (JSON-RPC), method not supported (EIP-1474)
_TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}
_EXHAUSTIBLE: tuple[type[BaseException], ...] = (*TRANSPORT_ERRORS, ValueError)


def idempotent(method: str) -> bool:
    """Whether sending ``method`` twice is harmless."""
    return method.startswith(_IDEMPOTENT_PREFIXES) and method not in _NOT_IDEMPOTENT


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure of the connection that asking again may cure."""
    if isinstance(exc, TransientAnswer):
        return True
    if isinstance(exc, CcsiDaoError):  # already judged (a ChainError is also a ConnectionError)
        return False
    if isinstance(exc, requests.HTTPError):
        return exc.response is not None and exc.response.status_code in _TRANSIENT_STATUS
    if isinstance(exc, Web3RPCError):
        return bool(_TRANSIENT_MESSAGE.search(str(exc)))
    if isinstance(exc, ValueError) and "decode" in str(exc).lower():  # a garbled answer
        return True
    return isinstance(exc, (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError))


def refused_connection(exc: BaseException) -> bool:
    """Whether nothing listens at the node's address ("connection refused")."""
    text = str(exc)
    return "Errno 111" in text or "Connection refused" in text


def range_refused(method: str, message: str) -> bool:
    """Whether an error answer to ``eth_getLogs`` refuses the range or the size of the result (not a rate limit)."""
    return method == "eth_getLogs" and bool(_TOO_LARGE.search(message)) and not _RATE_LIMITED.search(message)


def transient_answer(method: str, message: str) -> bool:
    """Whether a JSON-RPC error answer to ``method`` says to ask again later."""
    return bool(_TRANSIENT_MESSAGE.search(message)) and not range_refused(method, message)


class TransientAnswer(Exception):
    """A JSON-RPC error answer that says to ask again; raised between attempts, never out of this module."""

    def __init__(self, message: str, response: Any = None) -> None:
        super().__init__(message)
        self.response = response


class RequestRefused(ChainError):
    """The node answered a request with an error that asking again will not cure."""

    def __init__(self, method: str, message: str) -> None:
        super().__init__(f"the node refused {method}: {message[:200]}")
        self.method = method
        self.message = message


class MethodUnsupported(RequestRefused):
    """The node does not have the method at all (e.g. Hardhat's ``eth_getBlockReceipts``); remembered per endpoint,
    so it is not asked again by this process."""


_UNSUPPORTED: dict[str, set[str]] = {}
"""Methods each endpoint (by URL) refused as unknown, for this process."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before asking again after a transient failure."""

    delays: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8, 1.0)
    """Pauses between attempts of a request that failed transiently (about 2.5 s in all)."""
    refused_delays: tuple[float, ...] = (0.05, 0.2)
    """Pauses after "connection refused": a node that is down stays down, so the user hears it soon."""

    def pause(self, attempt: int, failure: BaseException, *, transient: bool | None = None) -> float | None:
        """The pause before attempt ``attempt + 1`` after ``failure``, or None to give up. ``transient`` says
        whether the failure may pass (default: :func:`is_transient`)."""
        if not (is_transient(failure) if transient is None else transient):
            return None
        delays = self.refused_delays if refused_connection(failure) else self.delays
        return delays[attempt] if attempt < len(delays) else None

    def run(
        self,
        attempt: Callable[[], T],
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[], None] | None = None,
    ) -> T:
        """``attempt()``, asked again after each transient failure while the policy allows; the last failure is raised."""
        number = 0
        while True:
            try:
                return attempt()
            except Exception as exc:
                pause = self.pause(number, exc)
                if pause is None:
                    raise
            if on_retry is not None:
                on_retry()
            sleep(pause)
            number += 1


RETRY_POLICY = RetryPolicy()


def unsupported_method(error: Any) -> bool:
    """Whether a JSON-RPC error object (or its message) says the node does not have the method at all."""
    if isinstance(error, dict):
        if error.get("code") in _UNSUPPORTED_CODES:
            return True
        error = error.get("message", "")
    return bool(_UNSUPPORTED_METHOD.search(str(error)))


def _error_message(response: Any) -> str | None:
    """The message of a JSON-RPC error answer, or None for an answer with a result."""
    if isinstance(response, dict):
        error = response.get("error")
        if error is None and "result" in response:
            return None
        return str(error.get("message", error)) if isinstance(error, dict) else str(response)
    return str(response)


class HTTPTransport(HTTPProvider):
    """web3's HTTP provider, retrying idempotent requests (reads) by :data:`RETRY_POLICY`.

    Never retries a method that could act twice: :meth:`Chain.transact` resends signed transactions itself, knowing
    their hash.
    """

    def __init__(self, url: str, *, timeout: float, policy: RetryPolicy = RETRY_POLICY) -> None:
        super().__init__(url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None)
        self.policy = policy

    def send(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        """One attempt, without retries."""
        return super().make_request(method, params)

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        if not idempotent(method):
            return self.send(method, params)

        def attempt() -> RPCResponse:
            response = self.send(method, params)
            message = _error_message(response) if isinstance(response, dict) and "error" in response else None
            if message is not None and transient_answer(method, message):
                raise TransientAnswer(message, response)
            return response

        try:
            return self.policy.run(attempt)
        except TransientAnswer as exc:  # the node kept saying "try again": its last answer stands
            return cast(RPCResponse, exc.response)


class Transport:
    """Raw JSON-RPC requests and batches over a web3 connection, with :data:`RETRY_POLICY`.

    Counts requests (``requests``) and retries (``retries``) for reports. A request the node refuses raises
    :class:`RequestRefused`; one that keeps failing, :class:`~ccsi_dao.errors.ChainError`.
    """

    def __init__(
        self, w3: Web3, *, policy: RetryPolicy = RETRY_POLICY, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.w3 = w3
        self.policy = policy
        self.requests = 0
        self.retries = 0
        self.batch_size = BATCH_SIZE
        self.batching = True
        self._batch_failures = 0
        self._sleep = sleep
        provider = w3.provider
        # One retry loop per request: ours here, and not HTTPTransport's as well.
        self._send: Callable[[Any, Any], Any] = (
            provider.send if isinstance(provider, HTTPTransport) else provider.make_request
        )

    @property
    def endpoint(self) -> str:
        return str(getattr(self.w3.provider, "endpoint_uri", None) or id(self.w3.provider))

    def supports(self, method: str) -> bool:
        """False once the node has said it does not have ``method`` (then it is not asked again)."""
        return method not in _UNSUPPORTED.get(self.endpoint, ())

    def _refused(self, method: str, error: Any) -> RequestRefused:
        message = _error_message({"error": error})
        if unsupported_method(error):
            _UNSUPPORTED.setdefault(self.endpoint, set()).add(method)
            return MethodUnsupported(method, message or "")
        return RequestRefused(method, message or "")

    def request(self, method: str, params: list[Any]) -> Any:
        """The result of one request, asked again after transient failures if it changes nothing."""
        if not self.supports(method):
            raise MethodUnsupported(method, "the node does not have this method (it said so earlier)")

        def attempt() -> Any:
            self.requests += 1
            response = self._send(method, params)
            message = _error_message(response)
            if message is None:
                return response["result"]
            if transient_answer(method, message):
                raise TransientAnswer(message)
            raise self._refused(method, response.get("error", message) if isinstance(response, dict) else message)

        attempts = 0

        def retried() -> None:
            nonlocal attempts
            attempts += 1
            self.retries += 1

        try:
            if not idempotent(method):  # it could act twice: one attempt only
                return attempt()
            return self.policy.run(attempt, sleep=self._sleep, on_retry=retried)
        except RequestRefused:
            raise
        except TransientAnswer as exc:
            raise ChainError(
                f"the chain kept failing {method} after {attempts + 1} attempts: {str(exc)[:200]}"
            ) from None
        except _EXHAUSTIBLE as exc:
            if is_transient(exc):
                raise ChainError(
                    f"the chain kept failing {method} after {attempts + 1} attempts: {str(exc)[:200]}"
                ) from None
            raise no_answer(exc) from None

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """The results of ``calls``, in order: sent in JSON-RPC batches where the provider takes them; a request the
        batch did not answer (an error, a missing item, a failed batch) is sent again alone through :meth:`request`,
        with its retries and errors."""
        out: list[Any] = [None] * len(calls)
        for method, _ in calls:
            if not self.supports(method):
                raise MethodUnsupported(method, "the node does not have this method (it said so earlier)")
        for first in range(0, len(calls), self.batch_size):
            chunk = calls[first : first + self.batch_size]
            answers = self._batch(chunk) if self.batching and len(chunk) > 1 else None
            for i, (method, params) in enumerate(chunk):
                answer = answers[i] if answers is not None else None
                if isinstance(answer, dict) and "result" in answer and answer.get("error") is None:
                    out[first + i] = answer["result"]
                elif isinstance(answer, dict) and unsupported_method(answer.get("error")):
                    raise self._refused(method, answer["error"])
                else:
                    out[first + i] = self.request(method, params)
        return out

    def _batch(self, chunk: list[tuple[str, list[Any]]]) -> list[Any] | None:
        """One JSON-RPC batch; None if it failed as a whole (the caller then asks one by one)."""
        self.requests += 1
        try:
            answers = self.w3.provider.make_batch_request(chunk)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - a provider without batches, or a transient failure: ask one by one
            answers = None
        if not isinstance(answers, list) or len(answers) != len(chunk):
            self._batch_failures += 1
            if self._batch_failures >= BATCH_FAILURES:
                self.batching = False
            return None
        self._batch_failures = 0
        return answers
