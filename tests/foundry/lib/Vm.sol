// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title Vm
 * @notice The Foundry cheatcodes these tests use (forge-std is not available offline: this is the subset, with the
 * signatures Foundry's cheatcode contract at {VM_ADDRESS} answers to).
 */
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    // time and blocks
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;

    // callers
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;

    // expectations
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit() external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;

    // fuzzing
    function assume(bool condition) external pure;

    // state
    function deal(address account, uint256 newBalance) external;
    function getNonce(address account) external view returns (uint64 nonce);
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    function record() external;
    function accesses(address target) external returns (bytes32[] memory readSlots, bytes32[] memory writeSlots);
    function snapshotState() external returns (uint256 snapshotId);
    function revertToState(uint256 snapshotId) external returns (bool success);
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);

    // keys and signatures
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    // debugging
    function label(address account, string calldata newLabel) external;
}
