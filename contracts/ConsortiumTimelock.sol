// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @title ConsortiumTimelock
 * @notice OpenZeppelin's {TimelockController}: it executes the consortium's passed proposals after the agreed delay
 * and holds the treasury (ETH and ERC-20 tokens). Two additions: the delay always stays between {MIN_DELAY}, so every
 * decision leaves the members a day between passing and taking effect, and {MAX_DELAY}, so no decision can set one
 * so long that nothing could ever be executed again; and ETH paid in is recorded by {Deposited}, so the treasury's
 * inflows are in the decision log.
 * @dev After deployment the governor is its only proposer, canceller and executor and the timelock administers
 * itself; nobody else holds a role (see the deployment's privilege check).
 */
contract ConsortiumTimelock is TimelockController {
    /// @notice The shortest delay between a decision passing and its execution: one day, long enough for members in
    /// every time zone to learn of a decision (and react: resign, object, alert) before it takes effect.
    uint256 public constant MIN_DELAY = 1 days;
    /// @notice The longest delay: a year.
    uint256 public constant MAX_DELAY = 365 days;

    /// @notice `sender` paid `amount` wei into the treasury.
    event Deposited(address indexed sender, uint256 amount);

    /// @dev `delay` is outside {MIN_DELAY} to {MAX_DELAY}.
    error TimelockDelayOutOfBounds(uint256 delay, uint256 minDelay, uint256 maxDelay);

    /**
     * @param minDelay Seconds between queueing and execution; {MIN_DELAY} to {MAX_DELAY}.
     * @param proposers Accounts allowed to schedule (and cancel) operations.
     * @param executors Accounts allowed to execute ready operations.
     * @param admin Optional setup administrator; must renounce once roles are wired.
     */
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {
        _checkDelay(minDelay);
    }

    /// @notice Accept ETH into the treasury and record it.
    receive() external payable override {
        emit Deposited(msg.sender, msg.value);
    }

    /// @notice Change the delay (the timelock itself only, i.e. through a constitutional decision); always between
    /// {MIN_DELAY} and {MAX_DELAY}.
    function updateDelay(uint256 newDelay) public override {
        super.updateDelay(newDelay); // reverts first for any caller but the timelock itself
        _checkDelay(newDelay);
    }

    function _checkDelay(uint256 delay) private pure {
        if (delay < MIN_DELAY || delay > MAX_DELAY) revert TimelockDelayOutOfBounds(delay, MIN_DELAY, MAX_DELAY);
    }
}
