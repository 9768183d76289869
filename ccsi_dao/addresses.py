"""Reading an Ethereum address typed by a person: the address itself, or a name that stands for one."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from eth_utils import is_checksum_address, to_checksum_address

from ccsi_dao.errors import UserError

_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def parse_address(text: str) -> str:
    """The checksummed form of ``text``; UserError if it is not an address or its mixed case is a wrong checksum."""
    value = str(text).strip()
    if not _HEX_ADDRESS.fullmatch(value):
        raise UserError(f'{text!r} is not an address: expected "0x" followed by 40 hex digits')
    digits = value[2:]
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(value):
        raise UserError(
            f"{value} has a wrong checksum (did you mean {to_checksum_address(value)}?); "
            "a wrong checksum can also mean a mistyped address"
        )
    return to_checksum_address(value)


# ---------------------------------------------------------------------------------------------- names


@dataclass(frozen=True)
class KnownAccount:
    """A name a person may type for an address: a member's name, a keystore alias or a token's symbol."""

    name: str
    address: str | None  # None: a keystore that does not record its address (Foundry's)
    kind: str  # "member", "keystore" or "token"


_MAX_NAME = 200


def looks_like_address(text: str) -> bool:
    """Whether ``text`` is meant as a hex address (``0x…``, or 40 hex digits), rather than a name."""
    value = str(text).strip()
    return value[:2].lower() == "0x" or bool(re.fullmatch(r"[0-9a-fA-F]{40}", value))


def plausible_name(text: str) -> bool:
    """Whether ``text`` could be a name at all (not empty, not 200+ characters, no control or format characters);
    anything else is refused before anything is looked up."""
    value = str(text).strip()
    return 0 < len(value) <= _MAX_NAME and not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value)


def not_an_address(text: str) -> UserError:
    return UserError(
        f'{text!r} is not an address: expected "0x" followed by 40 hex digits, a member\'s name or a keystore alias'
    )


def _folded(text: str) -> str:
    """Lower case, accents and punctuation gone, spaces collapsed: "Sončna  Zadruga" -> "soncna zadruga"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"\w+", bare))


def _words_match(query: list[str], name: list[str]) -> bool:
    """Each query word begins a word of the name, in order ("min econ" matches "Ministry of the Economy")."""
    position = 0
    for word in query:
        while position < len(name) and not name[position].startswith(word):
            position += 1
        if position == len(name):
            return False
        position += 1
    return True


def resolve_account(text: str, known: Iterable[KnownAccount]) -> str:
    """The checksummed address ``text`` stands for: an address itself, or a name from ``known``.

    A name matches exactly (a keystore alias, a member's full name or a token's symbol, ignoring case and accents),
    else by the beginnings of the words of one member's name ("ministry" for "Ministry of the Economy, Tourism and
    Sport"). UserError, in one sentence, if it matches nothing (with the closest names as suggestions) or more than
    one address (with every candidate).
    """
    value = str(text).strip()
    if looks_like_address(value):
        return parse_address(value)
    if not plausible_name(value):
        raise not_an_address(text)
    entries = list(known)
    query = _folded(value)
    exact = [k for k in entries if (k.name == value or _folded(k.name) == query) and query]
    matches = exact or [
        k for k in entries if k.kind == "member" and query and _words_match(query.split(), _folded(k.name).split())
    ]
    addresses = {k.address for k in matches}
    if len(addresses) == 1:
        (address,) = addresses
        if address is None:
            raise UserError(
                f"keystore '{value}' does not record its address; give the address itself (0x followed by 40 hex digits)"
            )
        return to_checksum_address(address)
    if matches:
        shown = sorted({f"{k.name} ({k.address or 'keystore without address'})" for k in matches})
        listed = ", ".join(shown[:6]) + (f" and {len(shown) - 6} more" if len(shown) > 6 else "")
        raise UserError(f"{value!r} could be any of {listed}; give more of the name, or the address")
    names = {_folded(k.name): k.name for k in entries if k.name}
    close = difflib.get_close_matches(query, list(names), n=3, cutoff=0.6)
    close += [n for n in names if query and query in n and n not in close][: 3 - len(close)]
    hint = f"; did you mean {' or '.join(repr(names[c]) for c in close)}?" if close else ""
    raise UserError(f"{value!r} is not an address, nor a member's name or a keystore alias{hint}")
