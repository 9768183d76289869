"""A minimal JSON-RPC client over ``urllib``, for the devnet: importing it loads neither web3 nor requests, so
``ccsi-dao devnet`` commands start fast. Everything else speaks to nodes through :mod:`ccsi_dao.chain.connection`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from ccsi_dao.errors import ChainError


def rpc(url: str, method: str, *params: Any, timeout: float = 5.0) -> Any:
    """Call JSON-RPC ``method`` at ``url``; ChainError if the node cannot be reached or answers with an error."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ChainError(f"no answer from {url} ({getattr(error, 'reason', error)}); is the node running?") from None
    if "error" in answer:
        raise ChainError(f"{method} failed at {url}: {answer['error'].get('message', answer['error'])}")
    return answer.get("result")
