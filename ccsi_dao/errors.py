"""The ccsi-dao exception tree.

Every error a user can cause derives from :class:`CcsiDaoError` and carries one clear sentence.
Like web3.py's exceptions they also subclass the matching built-in, so callers may catch either.
The CLI maps the two families to distinct exit codes.
"""

from __future__ import annotations


class CcsiDaoError(Exception):
    """Base of every ccsi-dao error. ``str(error)`` is a complete sentence for the user."""

    exit_code = 1


class UserError(CcsiDaoError, ValueError):
    """The request cannot be carried out as given: bad input, wrong state, wrong password, not a member."""

    exit_code = 2


class ConfigError(UserError):
    """A configuration, agreement, keystore or deployment-record file is missing, malformed or inconsistent."""


class ContractRevertError(UserError):
    """A contract rejected the call; the message says which rule or state stopped it."""

    def __init__(self, message: str, *, error_name: str | None = None, args: dict | None = None) -> None:
        super().__init__(message)
        self.error_name = error_name
        self.error_args = args or {}


class ChainError(CcsiDaoError, ConnectionError):
    """The chain could not be reached or did not answer in time, or it is not the expected chain."""

    exit_code = 3


class TransactionTimeoutError(ChainError, TimeoutError):
    """A transaction was sent but no receipt arrived within the bounded wait."""
