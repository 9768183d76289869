// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ConsortiumGovernor} from "../../contracts/ConsortiumGovernor.sol";
import {GovernorTiming} from "../../contracts/governance/GovernorTiming.sol";
import {IConsortiumGovernor} from "../../contracts/interfaces/IConsortiumGovernor.sol";
import {IConsortiumMembership} from "../../contracts/interfaces/IConsortiumMembership.sol";
import {IConsortiumRules} from "../../contracts/interfaces/IConsortiumRules.sol";
import {CallForwarder} from "../../contracts/test/CallForwarder.sol";
import {ConsortiumFixture} from "./lib/ConsortiumFixture.sol";
import {GovernorHarness} from "./harness/GovernorHarness.sol";

/**
 * @notice {GovernorCategoryRules}: the category of every kind of call (each registry selector, each admission role,
 * value on a registry call, short calldata, dirty address words in suspend/remove, malformed lists), the strictest
 * call deciding, the category and sanction bits of the proposal id, duplicate sanctions, and the quorum base of a
 * sanction proposal.
 */
contract GovernorCategoryRulesTest is ConsortiumFixture {
    IConsortiumRules.Category internal constant ORDINARY = IConsortiumRules.Category.Ordinary;
    IConsortiumRules.Category internal constant TREASURY = IConsortiumRules.Category.Treasury;
    IConsortiumRules.Category internal constant MEMBERSHIP = IConsortiumRules.Category.Membership;
    IConsortiumRules.Category internal constant CONSTITUTIONAL = IConsortiumRules.Category.Constitutional;
    uint256 internal constant HASH_MASK = (uint256(1) << 252) - 1;

    GovernorHarness internal gov;
    address internal outsider = address(0xBEEF);

    function setUp() public {
        deploy(defaultSuite());
        gov = GovernorHarness(payable(address(governor)));
    }

    function _newGovernor(IERC5805 token, TimelockController timelock_, ConsortiumGovernor.Config memory config)
        internal
        override
        returns (ConsortiumGovernor)
    {
        return new GovernorHarness(token, timelock_, config);
    }

    // ------------------------------------------------------------------ helpers

    function categoryOf(address target, uint256 value, bytes memory data) internal view returns (IConsortiumRules.Category c) {
        (c, ) = gov.categorizeCall(target, value, data);
        (address[] memory t, uint256[] memory v, bytes[] memory d) = one(target, value, data);
        assertEq(uint256(gov.categorize(t, v, d)), uint256(c), "categorize of one call agrees with the call's category");
    }

    function expectCategory(address target, uint256 value, bytes memory data, IConsortiumRules.Category expected, string memory what)
        internal
        view
    {
        assertEq(uint256(categoryOf(target, value, data)), uint256(expected), what);
    }

    function admitCall(uint256 role) internal view returns (bytes memory) {
        return abi.encodeWithSelector(IConsortiumMembership.admit.selector, outsider, role, uint256(5), uint32(1), "New");
    }

    function sanctionedBy(bytes memory data) internal view returns (address sanctioned) {
        (, sanctioned) = gov.categorizeCall(address(registry), 0, data);
    }

    /// @dev Cut `data` to `length` bytes.
    function truncate(bytes memory data, uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i = 0; i < length; ++i) out[i] = data[i];
    }

    // ------------------------------------------------------------------ one call

    function test_signal_isOrdinary_anythingElseToTheZeroAddressIsTreasury() public view {
        expectCategory(address(0), 0, "", ORDINARY, "the signal");
        expectCategory(address(0), 1, "", TREASURY, "value to the zero address");
        expectCategory(address(0), 0, hex"00", TREASURY, "data to the zero address");
        expectCategory(address(0), 0, hex"12345678", TREASURY, "a call to the zero address");
    }

    function test_outsideCalls_areTreasury() public view {
        expectCategory(outsider, 0, "", TREASURY, "empty call to an outside address");
        expectCategory(outsider, 1 ether, "", TREASURY, "ETH transfer");
        expectCategory(outsider, 0, abi.encodeCall(IERC20.transfer, (outsider, 5)), TREASURY, "ERC-20 transfer");
        // A call through a multicall that asks the registry to admit is still a treasury call (it cannot act as
        // the timelock: see test_forwardedRegistryCall_cannotActForGovernance).
        expectCategory(outsider, 0, hex"deadbeef", TREASURY, "unknown selector outside");
    }

    function test_governorAndTimelock_areConstitutional() public view {
        expectCategory(address(governor), 0, "", CONSTITUTIONAL, "empty call to the governor");
        expectCategory(address(governor), 0, abi.encodeCall(GovernorTiming.setVotingPeriod, (3 days)), CONSTITUTIONAL, "governor setting");
        expectCategory(address(governor), 1, "", CONSTITUTIONAL, "value to the governor");
        expectCategory(address(timelock), 0, "", CONSTITUTIONAL, "empty call to the timelock");
        expectCategory(address(timelock), 5, "", CONSTITUTIONAL, "ETH to the timelock");
        expectCategory(address(timelock), 0, abi.encodeCall(TimelockController.updateDelay, (2 days)), CONSTITUTIONAL, "timelock delay");
        expectCategory(address(timelock), 0, admitCall(2), CONSTITUTIONAL, "an admission routed to the timelock");
    }

    function test_admit_byRole() public view {
        expectCategory(address(registry), 0, admitCall(0), CONSTITUTIONAL, "admit as None (invalid)");
        expectCategory(address(registry), 0, admitCall(1), CONSTITUTIONAL, "admit a founding partner");
        expectCategory(address(registry), 0, admitCall(2), MEMBERSHIP, "admit a partner");
        expectCategory(address(registry), 0, admitCall(3), MEMBERSHIP, "admit an observer");
        expectCategory(address(registry), 0, admitCall(4), CONSTITUTIONAL, "admit with an out-of-range role");
        expectCategory(address(registry), 0, admitCall(2 | (1 << 8)), CONSTITUTIONAL, "role word with dirty high bits");
        expectCategory(address(registry), 0, admitCall(type(uint256).max), CONSTITUTIONAL, "role word all ones");
    }

    function testFuzz_admit_membershipOnlyForPartnerOrObserverWithoutValue(uint256 role, uint256 value) public view {
        value = value % 3 == 0 ? 0 : value;
        bool membership = value == 0 && (role == 2 || role == 3);
        expectCategory(address(registry), value, admitCall(role), membership ? MEMBERSHIP : CONSTITUTIONAL, "admit");
        // the encoder's own form
        if (role <= 3) {
            bytes memory typed = abi.encodeCall(
                IConsortiumMembership.admit,
                (outsider, IConsortiumMembership.Role(role), IConsortiumMembership.StakeholderGroup.Other, 7, "Typed")
            );
            expectCategory(address(registry), value, typed, membership ? MEMBERSHIP : CONSTITUTIONAL, "typed admit");
        }
    }

    function test_admit_valueMakesItConstitutional() public view {
        expectCategory(address(registry), 1, admitCall(2), CONSTITUTIONAL, "1 wei with an admission");
        expectCategory(address(registry), type(uint256).max, admitCall(3), CONSTITUTIONAL, "all the value with an admission");
    }

    function test_admit_shortCalldata() public view {
        bytes memory full = admitCall(2);
        for (uint256 len = 0; len < 68; ++len) {
            expectCategory(address(registry), 0, truncate(full, len), CONSTITUTIONAL, string.concat("admit cut to ", toString(len), " bytes"));
        }
        // Selector, account and role are enough to know the role; the rest would fail to decode when executed.
        expectCategory(address(registry), 0, truncate(full, 68), MEMBERSHIP, "admit cut to 68 bytes");
        expectCategory(address(registry), 0, abi.encodePacked(full, bytes32(uint256(7))), MEMBERSHIP, "admit with trailing data");
    }

    function test_registry_shortCalldata() public view {
        expectCategory(address(registry), 0, "", CONSTITUTIONAL, "empty call to the registry");
        expectCategory(address(registry), 0, hex"aa", CONSTITUTIONAL, "1 byte");
        expectCategory(address(registry), 0, hex"aabb", CONSTITUTIONAL, "2 bytes");
        expectCategory(address(registry), 0, truncate(admitCall(2), 3), CONSTITUTIONAL, "3 bytes of admit's selector");
        expectCategory(address(registry), 5, "", CONSTITUTIONAL, "ETH to the registry");
    }

    /// @dev Every state-changing selector of the registry but admit is constitutional, and so is any unknown one.
    function test_registry_everyOtherSelectorIsConstitutional() public view {
        IConsortiumRules.RuleSet memory rules = testRules(false);
        IConsortiumMembership.InitialMember[] memory none;
        bytes[] memory calls = new bytes[](17);
        calls[0] = abi.encodeCall(IConsortiumMembership.remove, (members[3]));
        calls[1] = abi.encodeCall(IConsortiumMembership.suspend, (members[3]));
        calls[2] = abi.encodeCall(IConsortiumMembership.reinstate, (members[3]));
        calls[3] = abi.encodeCall(IConsortiumMembership.setRole, (members[3], IConsortiumMembership.Role.Observer));
        calls[4] = abi.encodeCall(IConsortiumMembership.setRole, (members[3], IConsortiumMembership.Role.Partner));
        calls[5] = abi.encodeCall(IConsortiumMembership.setWeight, (members[3], 5));
        calls[6] = abi.encodeCall(IConsortiumMembership.setConstitutionalVote, (members[3], true));
        calls[7] = abi.encodeCall(IConsortiumMembership.amendAgreement, (keccak256("v2"), "ipfs://v2"));
        calls[8] = abi.encodeCall(IConsortiumRules.updateRules, (rules));
        calls[9] = abi.encodeCall(IConsortiumMembership.resign, ());
        calls[10] = abi.encodeCall(IConsortiumMembership.appointProxy, (members[4]));
        calls[11] = abi.encodeCall(IConsortiumMembership.revokeProxy, ());
        calls[12] = abi.encodeWithSignature("delegate(address)", members[4]);
        calls[13] = abi.encodeCall(IConsortiumMembership.addInitialMembers, (none));
        calls[14] = abi.encodeCall(IConsortiumMembership.sealInitialMembers, ());
        calls[15] = hex"deadbeef";
        calls[16] = abi.encodeWithSignature("delegateBySig(address,uint256,uint256,uint8,bytes32,bytes32)", members[4], 0, 0, 27, bytes32(0), bytes32(0));
        for (uint256 i = 0; i < calls.length; ++i) {
            expectCategory(address(registry), 0, calls[i], CONSTITUTIONAL, string.concat("registry call ", toString(i)));
        }
    }

    function test_suspendAndRemove_nameTheSanctionedMember() public view {
        assertEq(sanctionedBy(abi.encodeCall(IConsortiumMembership.suspend, (members[3]))), members[3], "suspend");
        assertEq(sanctionedBy(abi.encodeCall(IConsortiumMembership.remove, (members[4]))), members[4], "remove");
        assertEq(sanctionedBy(abi.encodeCall(IConsortiumMembership.reinstate, (members[4]))), address(0), "reinstate sanctions nobody");
        assertEq(sanctionedBy(abi.encodeCall(IConsortiumMembership.setRole, (members[4], IConsortiumMembership.Role.Observer))), address(0), "a role change is not a sanction");
        (IConsortiumRules.Category c, address s) = gov.categorizeCall(address(registry), 1, abi.encodeCall(IConsortiumMembership.suspend, (members[3])));
        assertEq(uint256(c), uint256(CONSTITUTIONAL), "suspend with value");
        assertEq(s, members[3], "suspend with value still names the member (it reverts when executed)");
        (, s) = gov.categorizeCall(outsider, 0, abi.encodeCall(IConsortiumMembership.suspend, (members[3])));
        assertEq(s, address(0), "suspend sent elsewhere sanctions nobody");
    }

    function testFuzz_suspendAndRemove_dirtyAddressWordSanctionsNobody(uint256 word, bool removal) public view {
        bytes4 selector = removal ? IConsortiumMembership.remove.selector : IConsortiumMembership.suspend.selector;
        bytes memory data = abi.encodePacked(selector, word);
        (IConsortiumRules.Category c, address s) = gov.categorizeCall(address(registry), 0, data);
        assertEq(uint256(c), uint256(CONSTITUTIONAL), "always constitutional");
        assertEq(s, word >> 160 == 0 ? address(uint160(word)) : address(0), "only a clean address names a member");
    }

    function test_suspendAndRemove_shortCalldata() public view {
        bytes memory full = abi.encodeCall(IConsortiumMembership.suspend, (members[3]));
        for (uint256 len = 0; len < 36; ++len) {
            (IConsortiumRules.Category c, address s) = gov.categorizeCall(address(registry), 0, truncate(full, len));
            assertEq(uint256(c), uint256(CONSTITUTIONAL), "constitutional");
            assertEq(s, address(0), string.concat("suspend cut to ", toString(len), " bytes sanctions nobody"));
        }
        assertEq(sanctionedBy(full), members[3], "36 bytes name the member");
    }

    // ------------------------------------------------------------------ lists of calls

    /// @dev A catalogue of calls with known categories (index 6 and 7 sanction).
    function catalogue(uint256 i) internal view returns (address target, uint256 value, bytes memory data, IConsortiumRules.Category c, address sanctioned) {
        i = i % 10;
        if (i == 0) return (address(0), 0, "", ORDINARY, address(0));
        if (i == 1) return (outsider, 1, "", TREASURY, address(0));
        if (i == 2) return (outsider, 0, hex"a9059cbb", TREASURY, address(0));
        if (i == 3) return (address(registry), 0, admitCall(2), MEMBERSHIP, address(0));
        if (i == 4) return (address(registry), 0, admitCall(3), MEMBERSHIP, address(0));
        if (i == 5) return (address(registry), 0, admitCall(1), CONSTITUTIONAL, address(0));
        if (i == 6) return (address(registry), 0, abi.encodeCall(IConsortiumMembership.suspend, (members[5])), CONSTITUTIONAL, members[5]);
        if (i == 7) return (address(registry), 0, abi.encodeCall(IConsortiumMembership.remove, (members[6])), CONSTITUTIONAL, members[6]);
        if (i == 8) return (address(governor), 0, "", CONSTITUTIONAL, address(0));
        return (address(timelock), 0, "", CONSTITUTIONAL, address(0));
    }

    function testFuzz_strictestCallDecides_andTheIdCarriesIt(uint256 seed, uint8 count) public {
        count = uint8(bound(count, 1, 6));
        address[] memory t = new address[](count);
        uint256[] memory v = new uint256[](count);
        bytes[] memory d = new bytes[](count);
        IConsortiumRules.Category strictest = ORDINARY;
        bool sanctions;
        bool[2] memory used;
        for (uint256 i = 0; i < count; ++i) {
            uint256 pick = rand(seed, i) % 10;
            if ((pick == 6 && used[0]) || (pick == 7 && used[1])) pick = 0; // one sanction per member
            IConsortiumRules.Category c;
            address s;
            (t[i], v[i], d[i], c, s) = catalogue(pick);
            if (pick == 6) used[0] = true;
            if (pick == 7) used[1] = true;
            if (c > strictest) strictest = c;
            sanctions = sanctions || s != address(0);
        }
        assertEq(uint256(gov.categorize(t, v, d)), uint256(strictest), "categorize: the strictest call");
        string memory description = string.concat("batch ", toString(seed));
        uint256 id = gov.getProposalId(t, v, d, keccak256(bytes(description)));
        assertEq(id >> 254, uint256(strictest), "id bits 255..254: the category");
        assertEq((id >> 253) & 1, sanctions ? 1 : 0, "id bit 253: sanctions");
        assertEq((id >> 252) & 1, 0, "id bit 252: not a choice");
        assertEq(id & HASH_MASK, gov.hashProposal(t, v, d, keccak256(bytes(description))) & HASH_MASK, "bits 251..0: the hash");
        assertEq(propose(members[0], t, v, d, description), id, "propose returns that id");
        assertEq(uint256(gov.proposalCategory(id)), uint256(strictest), "proposalCategory");
    }

    function test_malformedLists_areConstitutional_andRefusedByPropose() public {
        address[] memory t = new address[](2);
        uint256[] memory v = new uint256[](1);
        bytes[] memory d = new bytes[](2);
        assertEq(uint256(gov.categorize(t, v, d)), uint256(CONSTITUTIONAL), "values too short");
        uint256 id = gov.getProposalId(t, v, d, keccak256("x"));
        assertEq(id >> 254, 3, "id of a malformed list: constitutional");
        assertEq((id >> 253) & 1, 0, "no sanction");
        vm.prank(members[0]);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorInvalidProposalLength.selector, 2, 2, 1));
        governor.propose(t, v, d, "x");

        d = new bytes[](3);
        v = new uint256[](2);
        assertEq(uint256(gov.categorize(t, v, d)), uint256(CONSTITUTIONAL), "calldatas too long");
        // A sanction inside a malformed list is not recorded as one.
        t[0] = address(registry);
        d[0] = abi.encodeCall(IConsortiumMembership.suspend, (members[3]));
        assertEq((gov.getProposalId(t, v, d, keccak256("y")) >> 253) & 1, 0, "malformed: no sanction bit");
    }

    function test_emptyLists_areRefusedByPropose() public {
        address[] memory t;
        uint256[] memory v;
        bytes[] memory d;
        assertEq(uint256(gov.categorize(t, v, d)), uint256(ORDINARY), "no call: nothing stricter than ordinary");
        vm.prank(members[0]);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorInvalidProposalLength.selector, 0, 0, 0));
        governor.propose(t, v, d, "empty");
    }

    function test_proposalCategory_unknownProposalReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IConsortiumGovernor.GovernorUnknownProposal.selector, 42));
        gov.proposalCategory(42);
        vm.expectRevert(abi.encodeWithSelector(IConsortiumGovernor.GovernorUnknownProposal.selector, 42));
        gov.proposalQuorum(42);
    }

    function test_forwardedRegistryCall_cannotActForGovernance() public {
        CallForwarder forwarder = new CallForwarder();
        address[] memory inner = new address[](1);
        bytes[] memory innerData = new bytes[](1);
        inner[0] = address(registry);
        innerData[0] = admitCall(1);
        bytes memory data = abi.encodeCall(CallForwarder.forward, (inner, innerData));
        expectCategory(address(forwarder), 0, data, TREASURY, "a forwarded founding-partner admission is a treasury call");
        vm.prank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipOnlyGovernance.selector, address(forwarder)));
        forwarder.forward(inner, innerData);
    }

    // ------------------------------------------------------------------ sanctions

    function proposeSanctions(address[] memory accounts, bool[] memory removal, string memory description) internal returns (uint256) {
        address[] memory t = new address[](accounts.length);
        uint256[] memory v = new uint256[](accounts.length);
        bytes[] memory d = new bytes[](accounts.length);
        for (uint256 i = 0; i < accounts.length; ++i) {
            t[i] = address(registry);
            d[i] = removal[i]
                ? abi.encodeCall(IConsortiumMembership.remove, (accounts[i]))
                : abi.encodeCall(IConsortiumMembership.suspend, (accounts[i]));
        }
        return propose(members[0], t, v, d, description);
    }

    function pair(address a, address b) internal pure returns (address[] memory out) {
        out = new address[](2);
        (out[0], out[1]) = (a, b);
    }

    function flags(bool a, bool b) internal pure returns (bool[] memory out) {
        out = new bool[](2);
        (out[0], out[1]) = (a, b);
    }

    function test_duplicateSanctions_areRefused() public {
        address x = members[3];
        vm.expectRevert(abi.encodeWithSelector(IConsortiumGovernor.GovernorDuplicateSanction.selector, x));
        proposeSanctions(pair(x, x), flags(false, true), "suspend and remove x");
        vm.expectRevert(abi.encodeWithSelector(IConsortiumGovernor.GovernorDuplicateSanction.selector, x));
        proposeSanctions(pair(x, x), flags(false, false), "suspend x twice");
        vm.expectRevert(abi.encodeWithSelector(IConsortiumGovernor.GovernorDuplicateSanction.selector, x));
        proposeSanctions(pair(x, x), flags(true, true), "remove x twice");
        uint256 id = proposeSanctions(pair(x, members[4]), flags(false, true), "suspend x, remove y");
        assertEq((id >> 253) & 1, 1, "sanction bit");
    }

    function test_sanctionQuorum_leavesOutTheSanctionedPower() public {
        // Constitutional supply 12 + 3 = 15 after raising member 3 to weight 4; quorum 2/3.
        asGovernance();
        registry.setWeight(members[3], 4);
        vm.warp(block.timestamp + 1);
        uint256 amend = proposeAmendment("amend");
        address[] memory one_ = new address[](1);
        one_[0] = members[3];
        bool[] memory no = new bool[](1);
        uint256 suspend = proposeSanctions(one_, no, "suspend member 3");
        uint256 both = proposeSanctions(pair(members[3], members[4]), flags(false, true), "suspend 3, remove 4");
        toVoting(both);
        assertEq(gov.proposalQuorum(amend), 10, "2/3 of 15");
        assertEq(gov.quorumBase(suspend), 11, "15 less member 3's 4");
        assertEq(gov.proposalQuorum(suspend), 8, "2/3 of 11, rounded up");
        assertEq(gov.quorumBase(both), 10, "15 less 4 less 1");
        assertEq(gov.proposalQuorum(both), 7, "2/3 of 10, rounded up");

        // The sanctioned member still votes, and its vote counts; the base is fixed by the first vote.
        assertEq(vote(members[3], suspend, ABSTAIN), 4, "member 3 votes with its 4");
        asGovernance();
        registry.setWeight(members[4], 6);
        assertEq(gov.quorumBase(suspend), 11, "base unchanged by later changes");
        (, , uint256 abstain) = governor.proposalVotes(suspend);
        assertEq(abstain, 4, "counted");
        voteMany(4, 4, suspend, FOR); // 4 For + 4 Abstain = 8: the quorum of the base (not of 15: 10)
        vm.warp(governor.proposalDeadline(suspend) + 1);
        assertEq(uint256(governor.state(suspend)), uint256(IGovernor.ProposalState.Succeeded), "8 of a base of 11 reach 2/3");
    }

    function test_sanctionQuorum_ofAProxyLeavesOutItsPrincipals() public {
        // Member 5 holds member 6's power as its proxy: suspending 5 leaves both out of the base.
        vm.prank(members[6]);
        registry.appointProxy(members[5]);
        vm.warp(block.timestamp + 1);
        address[] memory one_ = new address[](1);
        one_[0] = members[5];
        uint256 id = proposeSanctions(one_, new bool[](1), "suspend the proxy");
        toVoting(id);
        assertEq(gov.quorumBase(id), 10, "12 less the proxy's 2");
    }

    function test_sanctionQuorum_ofAMemberWithoutAConstitutionalVote() public {
        address newcomer = address(0xC0FFEE);
        admitPartner(newcomer, 3);
        vm.warp(block.timestamp + 1);
        address[] memory one_ = new address[](1);
        one_[0] = newcomer;
        uint256 id = proposeSanctions(one_, new bool[](1), "suspend the newcomer");
        toVoting(id);
        assertEq(gov.quorumBase(id), 12, "the newcomer held no constitutional power: nothing left out");
        uint256 snapshot = governor.proposalSnapshot(id);
        vm.prank(newcomer);
        vm.expectRevert(abi.encodeWithSelector(IConsortiumGovernor.GovernorNoVotingPower.selector, newcomer, snapshot));
        governor.castVote(id, AGAINST);
    }

    function test_quorum_isTheOrdinaryQuorumOfTheTotal() public view {
        assertEq(governor.quorum(block.timestamp - 1), 3, "1/4 of 12");
    }
}
