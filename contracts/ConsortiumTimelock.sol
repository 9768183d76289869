// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @title ConsortiumTimelock
 * @notice OpenZeppelin's {TimelockController}, unchanged: it executes the consortium's passed proposals after the
 * agreed delay and holds the treasury (ETH and ERC-20 tokens).
 * @dev After deployment the governor is its only proposer, canceller and executor and the timelock administers
 * itself; nobody else holds a role (see the deployment's privilege check).
 */
contract ConsortiumTimelock is TimelockController {
    /**
     * @param minDelay Seconds between queueing and execution.
     * @param proposers Accounts allowed to schedule (and cancel) operations.
     * @param executors Accounts allowed to execute ready operations.
     * @param admin Optional setup administrator; must renounce once roles are wired.
     */
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}
