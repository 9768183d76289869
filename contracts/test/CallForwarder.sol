// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title CallForwarder
 * @notice Test-only multicall: forwards a batch of calls, bubbling up the first revert. A proposal that calls it
 * with a membership or constitutional change inside tries to pass that change off as a treasury call.
 * @dev WARNING: for tests only. It calls with its own address as sender, like every multicall that is not
 * delegatecalled; that is why such a disguise cannot act for the timelock.
 */
contract CallForwarder {
    /// @dev The call lists differ in length.
    error CallForwarderLengthMismatch(uint256 targets, uint256 calldatas);

    /// @notice Call `targets[i]` with `calldatas[i]`, in order; revert with the first failing call's revert data.
    function forward(address[] calldata targets, bytes[] calldata calldatas) external payable {
        if (targets.length != calldatas.length) revert CallForwarderLengthMismatch(targets.length, calldatas.length);
        for (uint256 i = 0; i < targets.length; ++i) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory data) = targets[i].call(calldatas[i]);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(data, 0x20), mload(data))
                }
            }
        }
    }
}
