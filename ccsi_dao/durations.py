"""Durations as people write them in agreements and on the command line: ``90s``, ``30m``, ``12h``, ``7d``, ``2w``."""

from __future__ import annotations

import re

from ccsi_dao.errors import UserError

_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_UNIT = r"(w|weeks?|d|days?|h|hours?|m|min|mins|minutes?|s|secs?|seconds?)"
_PART = re.compile(rf"(\d+)\s*{_UNIT}")
_WHOLE = re.compile(rf"(?:\d+\s*{_UNIT}\s*)+")
PATTERN = rf"^\s*(\d+|(\d+\s*{_UNIT}\s*)+)$"
"""A regular expression for duration text (lower case), e.g. for JSON Schema."""


def parse_duration(value: str | int) -> int:
    """Seconds in ``value``: whole seconds, or units such as ``7d``, ``12h``, ``1d12h`` or ``2 days``."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise UserError(f"duration {value} is negative; use 0 or more seconds")
        return value
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text is not None and text.isdigit():
        return int(text)
    if text and _WHOLE.fullmatch(text):
        return sum(int(n) * _UNITS[u[0]] for n, u in _PART.findall(text))
    raise UserError(
        f"{value!r} is not a duration; write whole seconds or a number with s, m, h, d or w, such as 90s, 12h or 7d"
    )


def format_duration(seconds: int) -> str:
    """The shortest exact spelling of ``seconds`` in the units :func:`parse_duration` reads, e.g. ``1d12h``."""
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
