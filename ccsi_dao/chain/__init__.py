"""The only package that speaks JSON-RPC: the connection (:mod:`.connection`), the HTTP transport with its one retry
policy and batches (:mod:`.transport`), the translation of failures into ccsi-dao's errors (:mod:`.translate`), log
reads split to what the provider accepts (:mod:`.logs`), the signing keys (:mod:`.keystore`) and a minimal client for
the devnet (:mod:`.jsonrpc`). Its names load on first use, so importing :mod:`.jsonrpc` or :mod:`.keystore` does
not load web3's transport."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ccsi_dao.chain.connection import BlockReader, Call, Chain, ProgressCallback, account_lock

__all__ = ["BlockReader", "Call", "Chain", "ProgressCallback", "account_lock"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'ccsi_dao.chain' has no attribute {name!r}")
    value = getattr(importlib.import_module("ccsi_dao.chain.connection"), name)
    globals()[name] = value
    return value
