// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IConsortiumRules} from "../../contracts/interfaces/IConsortiumRules.sol";
import {Test} from "./lib/Test.sol";
import {AgreementRulesHarness} from "./harness/AgreementRulesHarness.sol";

/**
 * @notice {AgreementRules}: floors (quorum above zero, approval at least one half), every rule a share at or above
 * them, categories monotonic from ordinary to constitutional, the packed layout, and the checkpointed history.
 */
contract AgreementRulesTest is Test {
    uint256 internal constant T0 = 1_700_000_000;
    uint16 internal constant M = type(uint16).max;

    AgreementRulesHarness internal h;

    function setUp() public {
        vm.warp(T0);
        h = new AgreementRulesHarness(floorsOf(rule(1, 10, 1, 2)), standard(true));
    }

    // ------------------------------------------------------------------ helpers

    function rule(uint16 qn, uint16 qd, uint16 an, uint16 ad) internal pure returns (IConsortiumRules.CategoryRule memory) {
        return IConsortiumRules.CategoryRule(IConsortiumRules.Fraction(qn, qd), IConsortiumRules.Fraction(an, ad));
    }

    function standard(bool earlyClose) internal pure returns (IConsortiumRules.RuleSet memory rules) {
        rules.rules[0] = rule(1, 4, 1, 2);
        rules.rules[1] = rule(1, 3, 1, 2);
        rules.rules[2] = rule(1, 2, 2, 3);
        rules.rules[3] = rule(2, 3, 3, 4);
        rules.earlyClose = earlyClose;
    }

    function uniform(IConsortiumRules.CategoryRule memory r, bool earlyClose) internal pure returns (IConsortiumRules.RuleSet memory rules) {
        for (uint256 c = 0; c < 4; ++c) {
            // a fresh struct per category (assigning `r` itself would alias one struct in memory)
            rules.rules[c] = rule(r.quorum.numerator, r.quorum.denominator, r.approval.numerator, r.approval.denominator);
        }
        rules.earlyClose = earlyClose;
    }

    function floorsOf(IConsortiumRules.CategoryRule memory r) internal pure returns (IConsortiumRules.RuleFloors memory f) {
        f.quorum = r.quorum;
        f.approval = r.approval;
    }

    function invalid(uint256 c) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IConsortiumRules.RulesInvalid.selector, c);
    }

    function notMonotonic(uint256 c) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IConsortiumRules.RulesNotMonotonic.selector, c);
    }

    function pack(IConsortiumRules.CategoryRule memory r) internal pure returns (uint256) {
        return uint256(r.quorum.numerator) | (uint256(r.quorum.denominator) << 16) | (uint256(r.approval.numerator) << 32)
            | (uint256(r.approval.denominator) << 48);
    }

    function assertRules(IConsortiumRules.RuleSet memory a, IConsortiumRules.RuleSet memory b, string memory what) internal pure {
        for (uint256 c = 0; c < 4; ++c) assertEq(pack(a.rules[c]), pack(b.rules[c]), string.concat(what, ": category ", toString(c)));
        assertEq(a.earlyClose, b.earlyClose, string.concat(what, ": early close"));
    }

    // ------------------------------------------------------------------ floors

    function test_floors_areValidated() public {
        IConsortiumRules.RuleSet memory rules = uniform(rule(1, 2, 1, 2), false);
        IConsortiumRules.CategoryRule[7] memory bad = [
            rule(0, 1, 1, 2), // no quorum
            rule(1, 0, 1, 2), // quorum denominator zero
            rule(3, 2, 1, 2), // quorum above one
            rule(1, 10, 49, 100), // approval below one half
            rule(1, 10, 32767, M), // just below one half
            rule(1, 10, 1, 0), // approval denominator zero
            rule(1, 10, 3, 2) // approval above one
        ];
        for (uint256 i = 0; i < bad.length; ++i) {
            vm.expectRevert(invalid(0));
            new AgreementRulesHarness(floorsOf(bad[i]), rules);
        }
        AgreementRulesHarness edge = new AgreementRulesHarness(floorsOf(rule(1, M, 32768, M)), uniform(rule(1, 2, 2, 3), false));
        (IConsortiumRules.Fraction memory q, IConsortiumRules.Fraction memory a) = edge.ruleFloors();
        assertEq(q.numerator, 1, "quorum floor numerator");
        assertEq(q.denominator, M, "quorum floor denominator");
        assertEq(a.numerator, 32768, "approval floor numerator");
        assertEq(a.denominator, M, "approval floor denominator");
        vm.expectRevert(invalid(0)); // rules of 1/2 below that approval floor
        new AgreementRulesHarness(floorsOf(rule(1, M, 32768, M)), rules);
        new AgreementRulesHarness(floorsOf(rule(1, 1, 1, 1)), uniform(rule(1, 1, 1, 1), true)); // the strictest floors
        new AgreementRulesHarness(floorsOf(rule(1, 2, 1, 2)), rules); // approval exactly one half
    }

    function test_initialRules_areValidatedLikeUpdates() public {
        IConsortiumRules.RuleSet memory rules = standard(false);
        rules.rules[2].quorum = IConsortiumRules.Fraction(1, 11); // below the 1/10 floor
        vm.expectRevert(invalid(2));
        new AgreementRulesHarness(floorsOf(rule(1, 10, 1, 2)), rules);
        rules = standard(false);
        rules.rules[1] = rule(1, 5, 1, 2); // treasury below ordinary's 1/4
        vm.expectRevert(notMonotonic(1));
        new AgreementRulesHarness(floorsOf(rule(1, 10, 1, 2)), rules);
    }

    // ------------------------------------------------------------------ validation

    function test_rules_atTheFloorsAreAccepted_oneStepBelowAreNot() public {
        h.updateRules(uniform(rule(1, 10, 1, 2), false));
        h.updateRules(uniform(rule(6554, M, 32768, M), false)); // 6554/65535 > 1/10, 32768/65535 > 1/2
        IConsortiumRules.RuleSet memory below = uniform(rule(6553, M, 1, 2), false); // 6553/65535 < 1/10
        vm.expectRevert(invalid(0));
        h.updateRules(below);
        below = uniform(rule(1, 10, 32767, M), false);
        vm.expectRevert(invalid(0));
        h.updateRules(below);
    }

    function test_rules_malformedFractions() public {
        for (uint256 c = 0; c < 4; ++c) {
            IConsortiumRules.RuleSet memory rules = uniform(rule(1, 2, 1, 2), false);
            // keep the categories before c valid and monotonic, break category c
            rules.rules[c].quorum = IConsortiumRules.Fraction(1, 0);
            vm.expectRevert(invalid(c));
            h.updateRules(rules);
            rules.rules[c] = rule(1, 2, 3, 2);
            vm.expectRevert(invalid(c));
            h.updateRules(rules);
            rules.rules[c] = rule(M, M - 1, 1, 2);
            vm.expectRevert(invalid(c));
            h.updateRules(rules);
        }
    }

    function test_rules_equalValuesInOtherForms_areMonotonic() public {
        IConsortiumRules.RuleSet memory rules;
        rules.rules[0] = rule(1, 2, 2, 3);
        rules.rules[1] = rule(2, 4, 4, 6);
        rules.rules[2] = rule(32767, 65534, 20000, 30000);
        rules.rules[3] = rule(M, M, M, M);
        h.updateRules(rules);
        rules.rules[3] = rule(1, 2, 3, 5); // approval 3/5 < 2/3
        vm.expectRevert(notMonotonic(3));
        h.updateRules(rules);
        rules.rules[3] = rule(49, 100, 2, 3); // quorum 49/100 < 1/2
        vm.expectRevert(notMonotonic(3));
        h.updateRules(rules);
    }

    /// @dev The plain model of validity: each category a share at or above the floors, not weaker than the one before.
    function expectedError(IConsortiumRules.RuleSet memory rules) internal pure returns (bytes memory) {
        for (uint256 c = 0; c < 4; ++c) {
            uint256 qn = rules.rules[c].quorum.numerator;
            uint256 qd = rules.rules[c].quorum.denominator;
            uint256 an = rules.rules[c].approval.numerator;
            uint256 ad = rules.rules[c].approval.denominator;
            bool share = qd != 0 && qn <= qd && ad != 0 && an <= ad;
            if (!share || qn * 10 < qd || an * 2 < ad) return invalid(c); // floors 1/10 and 1/2
            if (c > 0) {
                uint256 pqn = rules.rules[c - 1].quorum.numerator;
                uint256 pqd = rules.rules[c - 1].quorum.denominator;
                uint256 pan = rules.rules[c - 1].approval.numerator;
                uint256 pad = rules.rules[c - 1].approval.denominator;
                if (qn * pqd < pqn * qd || an * pad < pan * ad) return notMonotonic(c);
            }
        }
        return "";
    }

    function randomRules(uint256 seed) internal pure returns (IConsortiumRules.RuleSet memory rules) {
        for (uint256 c = 0; c < 4; ++c) {
            uint256 d = rand(seed, c) % 5 == 0 ? rand(seed, 10 + c) % 3 : 1 + (rand(seed, 10 + c) % 12); // sometimes 0
            uint256 ad = rand(seed, 20 + c) % 5 == 0 ? rand(seed, 30 + c) % 3 : 1 + (rand(seed, 30 + c) % 12);
            rules.rules[c] = rule(
                uint16(rand(seed, 40 + c) % (d + 2)), uint16(d), uint16(rand(seed, 50 + c) % (ad + 2)), uint16(ad)
            );
        }
        rules.earlyClose = rand(seed, 60) % 2 == 0;
    }

    function testFuzz_validation_matchesTheModel(uint256 seed) public {
        IConsortiumRules.RuleSet memory rules = randomRules(seed);
        bytes memory err = expectedError(rules);
        if (err.length != 0) vm.expectRevert(err);
        h.updateRules(rules);
        if (err.length == 0) assertRules(h.rulesAt(block.timestamp), rules, "stored");
    }

    // ------------------------------------------------------------------ layout and history

    function testFuzz_packedLayout(uint16 qd, uint16 qn, uint16 ad, uint16 an, bool earlyClose) public {
        qd = uint16(bound(qd, 1, M));
        qn = uint16(bound(qn, (uint256(qd) + 9) / 10, qd));
        ad = uint16(bound(ad, 1, M));
        an = uint16(bound(an, (uint256(ad) + 1) / 2, ad));
        IConsortiumRules.RuleSet memory rules = uniform(rule(qn, qd, an, ad), earlyClose);
        h.updateRules(rules);
        for (uint256 c = 0; c < 4; ++c) {
            (uint256 packed, bool ec, ) = h.packedRuleAt(block.timestamp, IConsortiumRules.Category(c));
            assertEq(packed, uint256(qn) | (uint256(qd) << 16) | (uint256(an) << 32) | (uint256(ad) << 48), "qn | qd<<16 | an<<32 | ad<<48");
            assertEq(ec, earlyClose, "early close");
            (IConsortiumRules.CategoryRule memory r, bool ec2) = h.ruleAt(block.timestamp, IConsortiumRules.Category(c));
            assertEq(pack(r), packed, "ruleAt agrees");
            assertEq(ec2, earlyClose, "ruleAt early close");
        }
    }

    function test_eachCategoryHasItsOwnRule() public view {
        IConsortiumRules.RuleSet memory rules = standard(true);
        for (uint256 c = 0; c < 4; ++c) {
            (uint256 packed, , ) = h.packedRuleAt(block.timestamp, IConsortiumRules.Category(c));
            assertEq(packed, pack(rules.rules[c]), string.concat("category ", toString(c)));
        }
    }

    function test_history_checkpointLookups() public {
        IConsortiumRules.RuleSet memory r0 = standard(true);
        IConsortiumRules.RuleSet memory r1 = uniform(rule(1, 2, 2, 3), false);
        IConsortiumRules.RuleSet memory r2 = uniform(rule(2, 3, 3, 4), true);
        IConsortiumRules.RuleSet memory r3 = uniform(rule(3, 4, 4, 5), false);
        vm.warp(T0 + 100);
        vm.expectEmit(true, true, true, true, address(h));
        emit IConsortiumRules.RulesUpdated(1, uint48(T0 + 100), r1);
        h.updateRules(r1);
        vm.warp(T0 + 200);
        h.updateRules(r2);
        h.updateRules(r3); // same second: replaces r2 from T0 + 200 on
        vm.warp(T0 + 300);

        assertRules(h.rulesAt(T0), r0, "at deployment");
        assertRules(h.rulesAt(T0 + 99), r0, "just before the first update");
        assertRules(h.rulesAt(T0 + 100), r1, "at the first update");
        assertRules(h.rulesAt(T0 + 199), r1, "just before the second");
        assertRules(h.rulesAt(T0 + 200), r3, "the later update of the same second wins");
        assertRules(h.rulesAt(T0 + 10_000), r3, "in the future: the rules in force now");
        (, bool ec) = h.ruleAt(T0 + 150, IConsortiumRules.Category.Ordinary);
        assertFalse(ec, "r1 without early close");
        (, ec) = h.ruleAt(T0 + 250, IConsortiumRules.Category.Ordinary);
        assertFalse(ec, "r3 without early close");
        (, ec) = h.ruleAt(T0 - 1, IConsortiumRules.Category.Ordinary);
        assertFalse(ec, "before deployment: no early close (nothing was in force)");
        vm.expectEmit(true, true, true, true, address(h));
        emit IConsortiumRules.RulesUpdated(4, uint48(T0 + 300), r0); // ids count every update, r2 was 2
        h.updateRules(r0);
    }

    function testFuzz_history_matchesTheUpdates(uint256 seed) public {
        uint256 n = 1 + rand(seed, 0) % 8;
        uint256[] memory at = new uint256[](n + 1);
        uint256[] memory ids = new uint256[](n + 1);
        IConsortiumRules.CategoryRule[] memory used = new IConsortiumRules.CategoryRule[](n + 1);
        at[0] = T0;
        used[0] = standard(true).rules[0];
        for (uint256 k = 1; k <= n; ++k) {
            vm.warp(block.timestamp + rand(seed, k) % 3); // sometimes the same second
            uint16 qd = uint16(10 + k);
            used[k] = rule(qd / 2, qd, uint16(qd - k), qd);
            h.updateRules(uniform(used[k], k % 2 == 0));
            at[k] = block.timestamp;
            ids[k] = k;
        }
        vm.warp(block.timestamp + 1);
        for (uint256 probe = T0; probe < block.timestamp; ++probe) {
            uint256 k = n;
            while (at[k] > probe) --k; // the last update at or before the probe
            (IConsortiumRules.CategoryRule memory r, bool ec) = h.ruleAt(probe, IConsortiumRules.Category.Treasury);
            assertEq(ec, k == 0 ? true : k % 2 == 0, string.concat("early close at ", toString(probe - T0)));
            assertEq(pack(r), k == 0 ? pack(standard(true).rules[1]) : pack(used[k]), "treasury rule");
        }
    }
}
