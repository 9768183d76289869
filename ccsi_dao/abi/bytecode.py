"""Reading compiled code: where solc leaves room for immutables."""

from __future__ import annotations


def immutable_slots(code: bytes) -> list[int]:
    """Offsets of the 32-byte operands of ``PUSH32 0`` instructions (where solc places immutables)."""
    slots = []
    i = 0
    while i < len(code):
        op = code[i]
        if 0x60 <= op <= 0x7F:
            width = op - 0x5F
            if op == 0x7F and code[i + 1 : i + 33] == b"\x00" * 32:
                slots.append(i + 1)
            i += 1 + width
        else:
            i += 1
    return slots
