// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {GovernorTiming} from "../../../contracts/governance/GovernorTiming.sol";
import {GovernorStub} from "./GovernorStub.sol";

/// @notice {GovernorTiming} on a stub governor that is its own executor (so a call from itself is governance).
contract TimingHarness is GovernorStub, GovernorTiming {
    constructor(uint48 delay, uint32 period) GovernorTiming(delay, period) {}

    function votingDelay() public view override(GovernorStub, GovernorTiming) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(GovernorStub, GovernorTiming) returns (uint256) {
        return super.votingPeriod();
    }

    function proposeSignal(string calldata description) external returns (uint256) {
        address[] memory targets = new address[](1);
        uint256[] memory values = new uint256[](1);
        bytes[] memory calldatas = new bytes[](1);
        return propose(targets, values, calldatas, description);
    }
}
