"""The treasury: what the timelock holds, in ETH and in ERC-20 tokens, with each token's symbol and decimals.

Tokens are found from the chain (every ERC-20 ``Transfer`` to the timelock since the deployment) and from a list
the caller gives (a consortium may be paid in a token it never received yet). A token's symbol and name come from
its contract: they are chain text, to be shown through :mod:`ccsi_dao.safetext`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_utils import keccak, to_checksum_address

from ccsi_dao.chain import Chain
from ccsi_dao.chain.logs import LogFetcher
from ccsi_dao.errors import ChainError, UserError

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
MAX_DECIMALS = 77  # 10**77 < 2**256 <= 10**78: no uint256 amount has more digits


def format_units(amount: int, decimals: int) -> str:
    """``250750000000000000000`` with 18 decimals -> ``"250.75"``: exact, without an exponent or trailing zeros."""
    text = format(Decimal(amount).scaleb(-decimals), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True)
class Token:
    """An ERC-20 token as its contract describes itself."""

    address: str
    symbol: str
    name: str
    decimals: int

    def amount(self, base_units: int) -> str:
        """``"250.75 tEUR"``."""
        return f"{format_units(base_units, self.decimals)} {self.symbol}"


@dataclass(frozen=True)
class TokenBalance:
    token: Token
    balance: int  # base units

    @property
    def text(self) -> str:
        return self.token.amount(self.balance)


@dataclass(frozen=True)
class Treasury:
    """What the timelock holds now."""

    address: str
    eth: int  # wei
    tokens: tuple[TokenBalance, ...]
    not_tokens: tuple[str, ...] = ()  # addresses that sent the timelock a Transfer event but do not answer as ERC-20s


_ERC20_ABI: list[dict[str, Any]] = [
    {"type": "function", "name": "decimals", "inputs": [], "outputs": [{"type": "uint8", "name": ""}],
     "stateMutability": "view"},
    {"type": "function", "name": "symbol", "inputs": [], "outputs": [{"type": "string", "name": ""}],
     "stateMutability": "view"},
    {"type": "function", "name": "name", "inputs": [], "outputs": [{"type": "string", "name": ""}],
     "stateMutability": "view"},
    {"type": "function", "name": "balanceOf", "inputs": [{"type": "address", "name": "account"}],
     "outputs": [{"type": "uint256", "name": ""}], "stateMutability": "view"},
]  # fmt: skip
_BYTES32_TEXT_ABI: list[dict[str, Any]] = [
    {"type": "function", "name": name, "inputs": [], "outputs": [{"type": "bytes32", "name": ""}],
     "stateMutability": "view"}
    for name in ("symbol", "name")
]  # fmt: skip


def _text(chain: Chain, address: str, name: str) -> str:
    """``symbol()`` or ``name()``: a string, or the bytes32 of older tokens (MKR), or "" if it has none."""
    try:
        return str(chain.read(getattr(chain.contract(address, _ERC20_ABI).functions, name)()))
    except Exception:  # noqa: BLE001 - not a string: try the bytes32 form
        pass
    try:
        raw = bytes(chain.read(getattr(chain.contract(address, _BYTES32_TEXT_ABI).functions, name)()))
        return raw.rstrip(b"\0").decode("utf-8", errors="replace")
    except Exception:  # noqa: BLE001 - no such function at all
        return ""


def token_info(chain: Chain, address: str) -> Token:
    """The ERC-20 token at ``address``; UserError if it does not answer like one (no ``decimals()``)."""
    token = to_checksum_address(address)
    try:
        decimals = int(chain.read(chain.contract(token, _ERC20_ABI).functions.decimals()))
    except ChainError:
        raise
    except Exception:  # no code, no such function, or garbage: all mean "not an ERC-20 token"
        raise UserError(f"{token} is not an ERC-20 token on this chain (it has no decimals())") from None
    if not 0 <= decimals <= MAX_DECIMALS:
        raise UserError(f"{token} reports {decimals} decimals, which no real token has")
    symbol = _text(chain, token, "symbol").strip() or "units"
    return Token(token, symbol, _text(chain, token, "name").strip(), decimals)


def received_tokens(chain: Chain, holder: str, from_block: int) -> list[str]:
    """Every contract that logged an ERC-20 ``Transfer`` to ``holder`` since ``from_block``, first seen first."""
    fetch = LogFetcher(chain.w3)
    topic = "0x" + bytes.fromhex(to_checksum_address(holder)[2:]).rjust(32, b"\0").hex()
    latest = chain.block_number()
    seen: dict[str, None] = {}
    for log in fetch.logs(from_block, latest, {"topics": [TRANSFER_TOPIC, None, topic]}):
        if len(log.get("topics", [])) == 3:  # ERC-721's Transfer has its token id as a fourth topic
            seen.setdefault(to_checksum_address(log["address"]), None)
    return list(seen)


def eth_balance(chain: Chain, address: str) -> int:
    """The ETH balance of ``address`` (wei) at the latest block."""
    return int(chain.transport.request("eth_getBalance", [to_checksum_address(address), "latest"]), 16)


def read_treasury(chain: Chain, holder: str, from_block: int, tokens: Iterable[str] = ()) -> Treasury:
    """What ``holder`` (the timelock) holds: ETH, and every token it received since ``from_block`` or listed in
    ``tokens`` (a listed address that is not an ERC-20 token is a UserError; a received one is reported aside)."""
    holder = to_checksum_address(holder)
    listed = [to_checksum_address(t) for t in tokens]
    found = received_tokens(chain, holder, from_block)
    balances: list[TokenBalance] = []
    strange: list[str] = []
    for address in dict.fromkeys([*listed, *found]):
        try:
            token = token_info(chain, address)
            balance = int(chain.read(chain.contract(address, _ERC20_ABI).functions.balanceOf(holder)))
        except UserError:
            if address in listed:
                raise
            strange.append(address)
            continue
        except ChainError:
            raise
        except Exception:  # noqa: BLE001 - balanceOf missing or garbage: not a token we can show
            strange.append(address)
            continue
        balances.append(TokenBalance(token, balance))
    return Treasury(holder, eth_balance(chain, holder), tuple(balances), tuple(strange))
