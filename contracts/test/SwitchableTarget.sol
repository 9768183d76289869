// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title SwitchableTarget
 * @notice Test-only attacker: an external contract a proposal calls, whose behaviour its owner can switch after
 * the vote (like an upgradeable proxy whose implementation changes between vote and execution).
 *
 * While benign, {poke} only records the call. Once armed, {poke} makes every call its owner armed it with (back
 * into the registry, the governor or the timelock, reentering an execution, pulling treasury tokens) and records,
 * per attempt, whether it succeeded and what it returned or reverted with. It never reverts itself, so a test can
 * read exactly which attempts the consortium's contracts refused.
 *
 * @dev WARNING: for tests only. Anyone may read the results; only the owner may arm or disarm.
 */
contract SwitchableTarget {
    /// @notice The attacker that deployed this target.
    address public immutable owner;

    /// @notice Whether {poke} makes the armed calls.
    bool public armed;

    address[] private _targets;
    bytes[] private _calldatas;
    bool[] private _succeeded;
    bytes[] private _returned;

    /// @notice How many times {poke} ran.
    uint256 public pokes;

    /// @notice {poke} ran while benign; `caller` made the call.
    event Poked(address indexed caller);

    /// @notice {poke} ran while armed and made `attempts` calls, of which the ones in `succeededMask` succeeded.
    event Struck(address indexed caller, uint256 attempts, uint256 succeededMask);

    /// @dev `caller` is not the owner.
    error SwitchableTargetNotOwner(address caller);
    /// @dev The armed call lists differ in length.
    error SwitchableTargetLengthMismatch(uint256 targets, uint256 calldatas);

    constructor() {
        owner = msg.sender;
    }

    /**
     * @notice Arm the target with `calldatas[i]` to send to `targets[i]` on the next {poke}s (owner only).
     * @dev Arming with empty lists disarms it.
     */
    function arm(address[] calldata targets, bytes[] calldata calldatas) external {
        if (msg.sender != owner) revert SwitchableTargetNotOwner(msg.sender);
        if (targets.length != calldatas.length) revert SwitchableTargetLengthMismatch(targets.length, calldatas.length);
        armed = targets.length > 0;
        delete _targets;
        delete _calldatas;
        for (uint256 i = 0; i < targets.length; ++i) {
            _targets.push(targets[i]);
            _calldatas.push(calldatas[i]);
        }
    }

    /// @notice What a proposal calls: records the call, and when armed makes every armed call.
    function poke() external payable {
        ++pokes;
        if (!armed) {
            emit Poked(msg.sender);
            return;
        }
        delete _succeeded;
        delete _returned;
        uint256 mask;
        for (uint256 i = 0; i < _targets.length; ++i) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory data) = _targets[i].call(_calldatas[i]);
            _succeeded.push(ok);
            _returned.push(data);
            if (ok) mask |= 1 << i;
        }
        emit Struck(msg.sender, _targets.length, mask);
    }

    /// @notice Per armed call of the last strike: whether it succeeded and its return or revert data.
    function results() external view returns (bool[] memory succeeded, bytes[] memory returned) {
        return (_succeeded, _returned);
    }
}
