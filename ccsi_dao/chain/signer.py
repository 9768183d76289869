"""Whatever signs for a partner: an ``eth_account`` ``LocalAccount`` (ccsi-dao's keystores) or an ape account.

Every method of the library that takes an account (``Chain.transact``, ``Consortium.vote``, ``sign_ballot``,
``deploy_suite`` ...) goes through :func:`as_signer`, so it accepts:

- an ``eth_account`` ``LocalAccount`` (what :class:`~ccsi_dao.chain.keystore.KeyStore` unlocks, ``dev_account``);
- an ape account (``ape.api.AccountAPI``: ``accounts.load("alias")``, ``accounts.test_accounts[1]``), which
  signs in its own way (a keyfile asks for its password, a hardware wallet for a button) and may decline;
- a :class:`Signer` already made.

Nothing here imports ape: an ape account is recognised by what it can do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from eth_account.messages import SignableMessage
from eth_utils import keccak, to_checksum_address

from ccsi_dao.errors import UserError

SignerLike = Any
"""What the library accepts as an account: a ``LocalAccount``, an ape ``AccountAPI`` or a :class:`Signer`."""


@dataclass(frozen=True)
class SignedTransaction:
    """A signed transaction: its bytes for ``eth_sendRawTransaction`` and its hash."""

    raw: bytes
    hash: bytes


class Signer(Protocol):
    """Signs transactions and EIP-712 messages for one address."""

    @property
    def address(self) -> str: ...

    def sign_transaction(self, tx: dict[str, Any]) -> SignedTransaction: ...

    def sign_typed(self, message: SignableMessage) -> bytes: ...


class LocalSigner:
    """An ``eth_account`` account that holds its key (``LocalAccount``)."""

    def __init__(self, account: Any) -> None:
        self.account = account
        self.address = str(account.address)

    def sign_transaction(self, tx: dict[str, Any]) -> SignedTransaction:
        fields = {k: v for k, v in tx.items() if k != "from"}
        signed = self.account.sign_transaction(fields)
        return SignedTransaction(bytes(signed.raw_transaction), bytes(signed.hash))

    def sign_typed(self, message: SignableMessage) -> bytes:
        return bytes(self.account.sign_message(message).signature)


_APE_FIELDS = {
    "to": "receiver",
    "data": "data",
    "value": "value",
    "gas": "gas_limit",
    "nonce": "nonce",
    "chainId": "chain_id",
    "gasPrice": "gas_price",
    "maxFeePerGas": "max_fee",
    "maxPriorityFeePerGas": "max_priority_fee",
}


class ApeSigner:
    """An ape account (``AccountAPI``): the transaction is handed to ape as ape's own transaction object, and the
    account signs it as it always does (it may ask for a password, or decline)."""

    def __init__(self, account: Any) -> None:
        self.account = account
        self.address = to_checksum_address(str(account.address))

    def sign_transaction(self, tx: dict[str, Any]) -> SignedTransaction:
        from ape import networks  # loaded already: the account came from ape

        fields: dict[str, Any] = {_APE_FIELDS[k]: v for k, v in tx.items() if k in _APE_FIELDS}
        fields["type"] = 2 if "maxFeePerGas" in tx else 0
        fields["sender"] = self.address
        txn = networks.ethereum.create_transaction(**fields)
        signed = self.account.sign_transaction(txn)
        if signed is None or getattr(signed, "signature", None) is None:
            raise UserError(f"the ape account {self.address} did not sign the transaction; nothing was sent")
        raw = bytes(signed.serialize_transaction())
        return SignedTransaction(raw, keccak(raw))

    def sign_typed(self, message: SignableMessage) -> bytes:
        signature = self.account.sign_message(message)
        if signature is None:
            raise UserError(f"the ape account {self.address} did not sign the ballot")
        return bytes(signature.encode_rsv())


def as_signer(account: SignerLike) -> Signer:
    """``account`` as a :class:`Signer`; UserError for anything that cannot sign."""
    if isinstance(account, (LocalSigner, ApeSigner)):
        return account
    if hasattr(account, "sign_raw_msghash") and hasattr(account, "sign_transaction"):  # ape's AccountAPI
        return ApeSigner(account)
    if hasattr(account, "key") and hasattr(account, "sign_transaction") and hasattr(account, "address"):
        return LocalSigner(account)
    if all(hasattr(account, name) for name in ("address", "sign_transaction", "sign_typed")):
        return account  # type: ignore[no-any-return]
    raise UserError(f"{type(account).__name__} is not an account ccsi-dao can sign with")
