// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AgreementRules} from "../../../contracts/membership/AgreementRules.sol";

/// @notice {AgreementRules} with a timestamp clock, an unguarded {updateRules} and its internal lookups exposed.
contract AgreementRulesHarness is AgreementRules {
    constructor(RuleFloors memory floors, RuleSet memory initialRules) AgreementRules(floors, initialRules) {}

    function updateRules(RuleSet calldata rules) external {
        _setRules(rules);
    }

    function packedRuleAt(
        uint256 timepoint,
        Category category
    ) external view returns (uint256 rule, bool earlyClose, uint256 chambers) {
        return _packedRuleAt(timepoint, category);
    }

    function _rulesClock() internal view override returns (uint48) {
        return uint48(block.timestamp);
    }
}
