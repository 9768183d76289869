"""The only package that speaks JSON-RPC: the connection (:mod:`.connection`), the HTTP transport with its one retry
policy and batches (:mod:`.transport`), the translation of failures into ccsi-dao's errors (:mod:`.translate`), log
reads split to what the provider accepts (:mod:`.logs`) and the signing keys (:mod:`.keystore`)."""

from ccsi_dao.chain.connection import BlockReader, Call, Chain, ProgressCallback, account_lock

__all__ = ["BlockReader", "Call", "Chain", "ProgressCallback", "account_lock"]
