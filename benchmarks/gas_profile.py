"""Where a transaction's gas goes, from the node's opcode trace (``debug_traceTransaction``, struct logs).

Each opcode's own cost is attributed to a kind of work (storage written fresh, storage updated, cold and warm
reads, calls, logs, hashing, the rest) and to the contract whose code ran it; calls are charged only their own
overhead, their callee's opcodes are charged to the callee. What the opcodes do not explain is the intrinsic cost
(21,000 plus calldata) less the refund, computed from the transaction itself, so the parts add up to ``gasUsed``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

CALLS = {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE", "CREATE", "CREATE2"}


def _kind(op: str, cost: int) -> str:
    if op == "SSTORE":
        if cost >= 20_000:
            return "storage written fresh (zero to non-zero)"
        if cost >= 2_900:
            return "storage updated"
        return "storage rewritten (warm, dirty)"
    if op == "SLOAD":
        return "storage read cold" if cost >= 2_100 else "storage read warm"
    if op in CALLS:
        return "calls (account access, memory)"
    if op.startswith("LOG"):
        return "events"
    if op == "KECCAK256":
        return "hashing"
    return "computation and memory"


def intrinsic_gas(tx: Any) -> int:
    """21,000 plus 16 per non-zero and 4 per zero calldata byte (no access list in these transactions)."""
    data = bytes(tx["input"])
    return 21_000 + sum(16 if b else 4 for b in data)


def breakdown(w3: Any, tx_hash: str, names: dict[str, str] | None = None) -> dict[str, Any]:
    """Gas of ``tx_hash`` (0x-hex) by kind of work and by contract. ``names`` maps addresses to labels. Needs a node
    that keeps opcode traces (anvil ``--steps-tracing``)."""
    names = {k.lower(): v for k, v in (names or {}).items()}
    tx = w3.eth.get_transaction(tx_hash)
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    trace = w3.provider.make_request(
        "debug_traceTransaction",
        [tx_hash, {"disableStorage": True, "disableMemory": True, "disableStack": False}],
    )
    if "error" in trace:
        raise RuntimeError(trace["error"])
    steps = trace["result"]["structLogs"]
    by_kind: Counter[str] = Counter()
    by_contract: Counter[str] = Counter()
    frames = [str(tx["to"]).lower()]
    for i, step in enumerate(steps):
        op, cost, depth = step["op"], int(step["gasCost"]), int(step["depth"])
        del frames[depth:]
        if op in CALLS and i + 1 < len(steps) and int(steps[i + 1]["depth"]) == depth + 1:
            # The call's own cost: gas before it, less gas after it, less what the callee used.
            back = next((j for j in range(i + 1, len(steps)) if int(steps[j]["depth"]) <= depth), None)
            callee_used = int(steps[i + 1]["gas"]) - _returned_unused(steps, i + 1, depth + 1)
            after = int(steps[back]["gas"]) if back is not None else int(step["gas"]) - cost
            cost = int(step["gas"]) - after - callee_used
            if op in ("CALL", "STATICCALL", "CALLCODE"):
                stack = step.get("stack") or []
                frames.append("0x" + int(stack[-2], 16).to_bytes(20, "big").hex() if len(stack) >= 2 else "?")
            elif op == "DELEGATECALL":
                frames.append(frames[-1])
            else:
                frames.append("(created)")
        frame = frames[min(depth, len(frames)) - 1]
        contract = names.get(frame, frame)
        by_kind[_kind(op, cost)] += cost
        by_contract[contract] += cost
    execution = sum(by_kind.values())
    intrinsic = intrinsic_gas(tx)
    used = int(receipt["gasUsed"])
    by_kind["intrinsic (21,000 + calldata)"] = intrinsic
    by_kind["refund"] = used - intrinsic - execution
    return {
        "gas_used": used,
        "by_kind": dict(sorted(by_kind.items(), key=lambda kv: -abs(kv[1]))),
        "by_contract": dict(sorted(by_contract.items(), key=lambda kv: -kv[1])),
        "storage_writes": Counter(s["op"] + ":" + str(s["gasCost"]) for s in steps if s["op"] == "SSTORE"),
        "cold_reads": sum(1 for s in steps if s["op"] == "SLOAD" and int(s["gasCost"]) >= 2_100),
        "opcodes": len(steps),
    }


def _returned_unused(steps: list[dict[str, Any]], start: int, depth: int) -> int:
    """Gas the callee frame starting at ``steps[start]`` hands back: what its last step leaves."""
    last = start
    for j in range(start, len(steps)):
        d = int(steps[j]["depth"])
        if d < depth:
            break
        if d == depth:
            last = j
    return int(steps[last]["gas"]) - int(steps[last]["gasCost"])
