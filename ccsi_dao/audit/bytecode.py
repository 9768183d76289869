"""``ccsi-dao audit verify-code``: the bytecode at each address of the deployment record is the committed artifacts'."""

from __future__ import annotations

import time

from eth_utils import to_checksum_address

from ccsi_dao.abi.bytecode import immutable_slots
from ccsi_dao.audit.verify import Verification
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import DEPLOYED, LIBRARIES, library_runtime, linked_artifact


def verify_code(consortium: Consortium) -> Verification:
    """Compare the code at each address of the deployment record with the committed artifacts.

    Method: the runtime code on chain must equal the artifact's ``deployedBytecode`` byte for byte, except inside
    the operands of ``PUSH32`` instructions whose operand is all zeros in the artifact: that is where solc leaves
    room for immutables, filled in by the constructor. (The build does not emit ``immutableReferences``; the zero
    ``PUSH32`` slots are a superset of them, and any code change outside an operand, including the metadata hash
    that pins the sources, is caught.) The values found there are reported, and the creation transaction's input
    must start with the artifact's creation bytecode, so the constructor that wrote them is the committed one.
    The registry and the governor are compared linked with the record's library addresses, and each library's own
    code too: a library's runtime code holds its own address as its only immutable (solc's guard against calls that
    are not delegated), which must be the address it lives at, and nothing else may differ.
    """
    started = time.monotonic()
    chain = consortium.chain
    record = consortium.record
    result = Verification(first_block=record.start_block, last_block=record.block_number)
    addresses = {
        **record.libraries,
        "ConsortiumTimelock": record.timelock,
        "ConsortiumMembership": record.membership,
        "ConsortiumGovernor": record.governor,
    }
    for name in DEPLOYED:
        artifact = linked_artifact(name, record.libraries)
        address = addresses[name]
        code = chain.code(address)
        expected = artifact.deployed_bytecode
        slots = immutable_slots(expected)
        if name in LIBRARIES:  # its only immutable is its own address: the code must be exactly this
            expected, slots = library_runtime(name, address), []
        if len(code) != len(expected):
            result.add(
                "runtime", f"{name} at {address}", False, f"{len(code)} bytes on chain, {len(expected)} in the artifact"
            )
        else:
            allowed = bytearray(len(code))
            for start in slots:
                allowed[start : start + 32] = b"\x01" * 32
            diffs = [i for i in range(len(code)) if code[i] != expected[i] and not allowed[i]]
            filled = sorted({s for s in slots if code[s : s + 32] != expected[s : s + 32]})
            values = sorted({"0x" + code[s : s + 32].hex().lstrip("0") for s in filled})
            result.add(
                "runtime",
                f"{name} at {address}",
                not diffs,
                (
                    f"{len(code)} bytes equal to the artifact outside {len(slots)} immutable slots "
                    f"({len(filled)} filled, {len(values)} distinct values)"
                )
                if not diffs
                else f"{len(diffs)} byte(s) differ outside immutable slots, first at offset {diffs[0]}",
            )
        tx_hash = record.transactions.get(name)
        if tx_hash:
            tx = chain.transaction(tx_hash)
            data = bytes(tx["input"])
            receipt = chain.receipt(tx_hash)
            ok = data.startswith(artifact.bytecode) and to_checksum_address(receipt["contractAddress"]) == address
            result.add(
                "creation",
                f"{name} at {address}",
                ok,
                f"creation transaction {tx_hash[:12]}... input starts with the artifact's creation code "
                f"({len(artifact.bytecode)} bytes, {len(data) - len(artifact.bytecode)} bytes of constructor "
                f"arguments) and created this address"
                if ok
                else f"creation transaction {tx_hash} does not carry the artifact's creation code or created another address",
            )
    result.seconds = time.monotonic() - started
    return result
