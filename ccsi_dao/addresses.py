"""Reading an Ethereum address typed by a person."""

from __future__ import annotations

import re

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
