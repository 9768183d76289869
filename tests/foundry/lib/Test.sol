// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "./Vm.sol";

/**
 * @title Test
 * @notice Minimal base for the Foundry tests (forge-std is not available offline): the cheatcode handle, assertions
 * that revert with a message naming both sides, `bound` for fuzz inputs and a CREATE address predictor.
 *
 * A test fails when it reverts, so every assertion reverts on failure (`assertion failed: <what>: <left> != <right>`),
 * and forge prints that message with the test's name. Fuzz tests are test functions with parameters.
 */
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev Foundry's marker of a test contract.
    bool public constant IS_TEST = true;

    // ------------------------------------------------------------------ assertions

    function fail(string memory message) internal pure {
        revert(string.concat("assertion failed: ", message));
    }

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) fail(string.concat(what, ": expected true"));
    }

    function assertFalse(bool condition, string memory what) internal pure {
        if (condition) fail(string.concat(what, ": expected false"));
    }

    function assertEq(uint256 left, uint256 right, string memory what) internal pure {
        if (left != right) fail(string.concat(what, ": ", toString(left), " != ", toString(right)));
    }

    function assertEq(uint256 left, uint256 right) internal pure {
        assertEq(left, right, "values differ");
    }

    function assertEq(int256 left, int256 right, string memory what) internal pure {
        if (left != right) fail(string.concat(what, ": ", toString(left), " != ", toString(right)));
    }

    function assertEq(bool left, bool right, string memory what) internal pure {
        if (left != right) fail(string.concat(what, ": ", left ? "true" : "false", " != ", right ? "true" : "false"));
    }

    function assertEq(address left, address right, string memory what) internal pure {
        if (left != right) fail(string.concat(what, ": ", toString(left), " != ", toString(right)));
    }

    function assertEq(bytes32 left, bytes32 right, string memory what) internal pure {
        if (left != right) fail(string.concat(what, ": ", toString(left), " != ", toString(right)));
    }

    function assertEq(bytes memory left, bytes memory right, string memory what) internal pure {
        if (keccak256(left) != keccak256(right)) {
            fail(string.concat(what, ": 0x", toHex(left), " != 0x", toHex(right)));
        }
    }

    function assertEq(string memory left, string memory right, string memory what) internal pure {
        if (keccak256(bytes(left)) != keccak256(bytes(right))) {
            fail(string.concat(what, ": \"", left, "\" != \"", right, "\""));
        }
    }

    function assertNotEq(uint256 left, uint256 right, string memory what) internal pure {
        if (left == right) fail(string.concat(what, ": both ", toString(left)));
    }

    function assertNotEq(address left, address right, string memory what) internal pure {
        if (left == right) fail(string.concat(what, ": both ", toString(left)));
    }

    function assertGt(uint256 left, uint256 right, string memory what) internal pure {
        if (left <= right) fail(string.concat(what, ": ", toString(left), " <= ", toString(right)));
    }

    function assertGe(uint256 left, uint256 right, string memory what) internal pure {
        if (left < right) fail(string.concat(what, ": ", toString(left), " < ", toString(right)));
    }

    function assertLt(uint256 left, uint256 right, string memory what) internal pure {
        if (left >= right) fail(string.concat(what, ": ", toString(left), " >= ", toString(right)));
    }

    function assertLe(uint256 left, uint256 right, string memory what) internal pure {
        if (left > right) fail(string.concat(what, ": ", toString(left), " > ", toString(right)));
    }

    // ------------------------------------------------------------------ fuzz inputs

    /**
     * @dev `x` mapped into [min, max], keeping values already inside unchanged and mapping the fuzzer's favourite
     * extremes (0..3 and the top of uint256) to the range's ends, so the ends are exercised (forge-std's algorithm).
     */
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1;
        if (x <= 3 && size > x) return min + x;
        if (x >= type(uint256).max - 3 && size > type(uint256).max - x) return max - (type(uint256).max - x);
        if (x > max) {
            uint256 rem = (x - max) % size;
            return rem == 0 ? max : min + rem - 1;
        }
        uint256 below = (min - x) % size;
        return below == 0 ? min : max - below + 1;
    }

    /// @dev A pseudo-random number derived from `seed` and `salt` (for sequences inside one fuzz run).
    function rand(uint256 seed, uint256 salt) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, salt)));
    }

    // ------------------------------------------------------------------ logs

    /// @dev How many of `logs` `emitter` emitted with first topic `topic0` and data `data`.
    function countLogs(Vm.Log[] memory logs, address emitter, bytes32 topic0, bytes memory data)
        internal
        pure
        returns (uint256 n)
    {
        for (uint256 i = 0; i < logs.length; ++i) {
            if (
                logs[i].emitter == emitter && logs[i].topics.length > 0 && logs[i].topics[0] == topic0
                    && keccak256(logs[i].data) == keccak256(data)
            ) ++n;
        }
    }

    /// @dev How many of `logs` `emitter` emitted with first topic `topic0`, whatever their data.
    function countLogs(Vm.Log[] memory logs, address emitter, bytes32 topic0) internal pure returns (uint256 n) {
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == emitter && logs[i].topics.length > 0 && logs[i].topics[0] == topic0) ++n;
        }
    }

    // ------------------------------------------------------------------ addresses

    /// @dev The address a CREATE from `deployer` with `nonce` makes (RLP of [deployer, nonce]).
    function computeCreateAddress(address deployer, uint256 nonce) internal pure returns (address) {
        bytes memory encoded;
        if (nonce == 0) {
            encoded = abi.encodePacked(bytes1(0xd6), bytes1(0x94), deployer, bytes1(0x80));
        } else if (nonce <= 0x7f) {
            encoded = abi.encodePacked(bytes1(0xd6), bytes1(0x94), deployer, uint8(nonce));
        } else if (nonce <= type(uint8).max) {
            encoded = abi.encodePacked(bytes1(0xd7), bytes1(0x94), deployer, bytes1(0x81), uint8(nonce));
        } else if (nonce <= type(uint16).max) {
            encoded = abi.encodePacked(bytes1(0xd8), bytes1(0x94), deployer, bytes1(0x82), uint16(nonce));
        } else if (nonce <= type(uint24).max) {
            encoded = abi.encodePacked(bytes1(0xd9), bytes1(0x94), deployer, bytes1(0x83), uint24(nonce));
        } else {
            require(nonce <= type(uint32).max, "computeCreateAddress: nonce too large");
            encoded = abi.encodePacked(bytes1(0xda), bytes1(0x94), deployer, bytes1(0x84), uint32(nonce));
        }
        return address(uint160(uint256(keccak256(encoded))));
    }

    // ------------------------------------------------------------------ formatting

    function toString(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) ++digits;
        bytes memory buffer = new bytes(digits);
        for (; value != 0; value /= 10) buffer[--digits] = bytes1(uint8(48 + (value % 10)));
        return string(buffer);
    }

    function toString(int256 value) internal pure returns (string memory) {
        if (value >= 0) return toString(uint256(value));
        return string.concat("-", toString(value == type(int256).min ? uint256(type(int256).max) + 1 : uint256(-value)));
    }

    function toString(address value) internal pure returns (string memory) {
        return string.concat("0x", toHex(abi.encodePacked(value)));
    }

    function toString(bytes32 value) internal pure returns (string memory) {
        return string.concat("0x", toHex(abi.encodePacked(value)));
    }

    function toHex(bytes memory data) internal pure returns (string memory) {
        bytes memory alphabet = "0123456789abcdef";
        bytes memory out = new bytes(data.length * 2);
        for (uint256 i = 0; i < data.length; ++i) {
            out[2 * i] = alphabet[uint8(data[i]) >> 4];
            out[2 * i + 1] = alphabet[uint8(data[i]) & 15];
        }
        return string(out);
    }
}
