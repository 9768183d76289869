"""ABI values from the chain into Python, with text that is not UTF-8 decoded safely instead of refused.

Solidity does not check that a ``string`` is UTF-8, so anyone who sends a transaction chooses the bytes of a vote's
reason, a proposal's description, a name or a URI. eth-abi's ``string`` decoder refuses invalid UTF-8, which makes the
whole log or answer undecodable: a hostile voter's reason would drop its vote from the history (and ``audit verify``
would fail on it for ever), and a description could hide a proposal. Here such text is decoded instead:

- valid UTF-8 comes out as the ``str`` it always was;
- anything else comes out as a :class:`ChainText`: a ``str`` in which each byte that is not part of valid UTF-8 is
  written as a visible escape (``\\xff``; the escapes are plain ASCII, so terminals, CSV, JSON, HTML and SQLite
  take it as they take any text), which also keeps the exact bytes in :attr:`ChainText.raw`. Hashes over chain
  text (a proposal's ``descriptionHash``) are of those bytes: :func:`text_bytes`.

Every ABI decoder of the library uses these rules: :data:`REGISTRY` (eth-abi's default registry with this ``string``
decoder) for the event decoder of :mod:`ccsi_dao.abi.events`, :func:`decode_text` for the word-by-word decoder of
:mod:`ccsi_dao.decisionlog.decode`, :func:`decode` (eth-abi's ``decode`` over :data:`REGISTRY`) for revert data and
the arguments of a proposal's calls, and :func:`web3_codec` for the web3 connections :class:`~ccsi_dao.chain.Chain`
makes (events read with web3, view calls and their batches).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_abi.codec import ABICodec
from eth_abi.decoding import StringDecoder
from eth_abi.registry import ABIRegistry, BaseEquals
from eth_abi.registry import registry as default_registry

__all__ = ["REGISTRY", "ChainText", "decode", "decode_text", "text_bytes", "web3_codec"]


class ChainText(str):
    """Text from the chain that is not valid UTF-8: each invalid byte shown as ``\\xNN``; the bytes in :attr:`raw`."""

    raw: bytes

    def __new__(cls, raw: bytes) -> ChainText:
        text = super().__new__(cls, raw.decode("utf-8", errors="backslashreplace"))
        text.raw = bytes(raw)
        return text

    def __getnewargs__(self) -> tuple[bytes]:  # type: ignore[override]  # pickled and copied from its bytes
        return (self.raw,)


def decode_text(data: bytes) -> str:
    """``data`` (an ABI ``string``'s bytes) as text: a ``str`` if it is UTF-8, else a :class:`ChainText`."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return ChainText(data)


def text_bytes(text: str) -> bytes:
    """The bytes the chain holds for ``text`` (decoded by :func:`decode_text`, or typed by a person)."""
    return text.raw if isinstance(text, ChainText) else text.encode("utf-8")


def _text_decoder_fn(data: bytes, handle_string_errors: str = "strict") -> str:
    return decode_text(data)


class _TextDecoder(StringDecoder):  # eth-abi's classes are untyped
    """eth-abi's ``string`` decoder (the same length, padding and strictness checks) with :func:`decode_text`."""

    decoder_fn: Any = staticmethod(_text_decoder_fn)


_base_equals: Callable[..., Any] = BaseEquals  # eth-abi's registry API is untyped


def _with_text_decoder(registry: ABIRegistry) -> ABIRegistry:
    """A copy of ``registry`` whose ``string`` decoder is :class:`_TextDecoder` (the encoder unchanged)."""
    original: Any = registry
    copy: ABIRegistry = original.copy()
    copy.unregister_decoder("string")
    register: Callable[..., Any] = copy.register_decoder
    register(_base_equals("string"), _TextDecoder, label="string")
    return copy


REGISTRY: ABIRegistry = _with_text_decoder(default_registry)
"""eth-abi's default registry, with :func:`decode_text` for ``string``."""

_CODEC = ABICodec(REGISTRY)


def decode(types: list[str] | tuple[str, ...], data: bytes) -> tuple[Any, ...]:
    """eth-abi's ``decode(types, data)`` (strict), with :func:`decode_text` for ``string``."""
    return tuple(_CODEC.decode(list(types), data))


def web3_codec() -> ABICodec:
    """The codec of web3's strict registry (web3's default) with :func:`decode_text` for ``string``."""
    from web3._utils.abi import build_strict_registry  # web3's own registry (loaded with web3, by a connection)

    return ABICodec(_with_text_decoder(build_strict_registry()))
