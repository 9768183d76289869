"""Text that comes from the chain is data: sanitised before it reaches a terminal, a CSV or a Markdown file.

A proposal's description, a member's name or an agreement URI is written by whoever sent the transaction. Printed
raw, an ESC/OSC sequence or a bare carriage return could repaint the terminal (one description could make another
proposal's row read "succeeded"), a leading ``=`` could run as a spreadsheet formula, and ``|`` or a newline could
break a Markdown table. Every place that shows chain text passes it through one of these functions.
"""

from __future__ import annotations

import re
import unicodedata

_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _visible(char: str) -> str:
    """A control or text-direction character as a visible escape; anything else unchanged."""
    if char in "\n\t":
        return char
    if char in _BIDI or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return char


def for_terminal(text: str, *, single_line: bool = False) -> str:
    """``text`` safe to print: control characters (ESC, CSI/OSC introducers, CR, NUL...), format and text-direction
    characters shown as visible escapes; with ``single_line``, newlines and tabs too."""
    out = "".join(_visible(c) for c in str(text))
    if single_line:
        out = out.replace("\n", "\\n").replace("\t", "\\t")
    return out


def for_csv(text: str) -> str:
    """A CSV cell safe to open in a spreadsheet: terminal-safe, and a leading formula character quoted away."""
    out = for_terminal(text)
    return "'" + out if out.startswith(_FORMULA_START) else out


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def for_markdown(text: str) -> str:
    """Markdown text (a table cell or a line) that renders as the literal text: one line, special characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", for_terminal(text, single_line=True))
