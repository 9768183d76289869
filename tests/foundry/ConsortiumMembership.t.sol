// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {ConsortiumMembership} from "../../contracts/ConsortiumMembership.sol";
import {IConsortiumMembership} from "../../contracts/interfaces/IConsortiumMembership.sol";
import {IConsortiumRules} from "../../contracts/interfaces/IConsortiumRules.sol";
import {ConsortiumFixture} from "./lib/ConsortiumFixture.sol";
import {Vm} from "./lib/Vm.sol";

/// @notice Helpers shared by the registry's tests.
abstract contract MembershipBase is ConsortiumFixture {
    IConsortiumMembership.Role internal constant FOUNDER = IConsortiumMembership.Role.FoundingPartner;
    IConsortiumMembership.Role internal constant PARTNER = IConsortiumMembership.Role.Partner;
    IConsortiumMembership.Role internal constant OBSERVER = IConsortiumMembership.Role.Observer;
    IConsortiumMembership.StakeholderGroup internal constant OTHER = IConsortiumMembership.StakeholderGroup.Other;

    address internal constant GOV = address(0x6070);
    address internal constant GOVERNOR = address(0x6071);

    function setup(address bootstrapper, uint16 capN, uint16 capD) internal pure returns (ConsortiumMembership.Setup memory) {
        return ConsortiumMembership.Setup({
            governance: GOV,
            governor: GOVERNOR,
            bootstrapper: bootstrapper,
            agreementHash: keccak256("agreement"),
            agreementURI: "ipfs://agreement",
            name: "Consortium",
            symbol: "CON",
            maxShareNumerator: capN,
            maxShareDenominator: capD
        });
    }

    function list(IConsortiumMembership.InitialMember memory a) internal pure returns (IConsortiumMembership.InitialMember[] memory out) {
        out = new IConsortiumMembership.InitialMember[](1);
        out[0] = a;
    }

    function weights(uint32[] memory ws, uint256 founders) internal pure returns (IConsortiumMembership.InitialMember[] memory out) {
        out = new IConsortiumMembership.InitialMember[](ws.length);
        for (uint256 i = 0; i < ws.length; ++i) out[i] = initialMember(i, i < founders ? FOUNDER : PARTNER, ws[i]);
    }

    function w3(uint32 a, uint32 b, uint32 c) internal pure returns (uint32[] memory out) {
        out = new uint32[](3);
        (out[0], out[1], out[2]) = (a, b, c);
    }

    function newRegistry(ConsortiumMembership.Setup memory s, IConsortiumMembership.InitialMember[] memory initial)
        internal
        returns (ConsortiumMembership)
    {
        return new ConsortiumMembership(s, initial, floors(), testRules(false));
    }

    function capError(address account, uint256 units, uint256 total) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IConsortiumMembership.MembershipShareAboveCap.selector, account, units, total);
    }

    function constitutionalSupply() internal returns (uint256) {
        vm.warp(block.timestamp + 1);
        return registry.getPastConstitutionalSupply(block.timestamp - 1);
    }

    function constitutionalVotes(address account) internal returns (uint256) {
        vm.warp(block.timestamp + 1);
        return registry.getPastConstitutionalVotes(account, block.timestamp - 1);
    }
}

/**
 * @notice {ConsortiumMembership}: deployment and sealing, the cap on one member's share, the two electorates, the
 * ERC-20-style views and events, proxies (no chains, at most {MAX_PRINCIPALS}), the histories, and the bound on the
 * total power.
 */
contract ConsortiumMembershipTest is MembershipBase {
    function setUp() public {
        deploy(defaultSuite()); // 12 members of weight 1, two founding; cap 1/3
    }

    // ------------------------------------------------------------------ deployment and sealing

    function test_constructor_sealsWhenThereIsNoBootstrapper() public {
        vm.expectEmit(true, true, true, true);
        emit IConsortiumMembership.InitialMembersSealed(3);
        ConsortiumMembership r = newRegistry(setup(address(0), 1, 2), weights(w3(2, 1, 1), 1));
        assertEq(r.bootstrapper(), address(0), "sealed");
        assertEq(r.totalSupply(), 4, "total");
        assertEq(r.activeFoundingPartners(), 1, "founders");
        assertEq(r.agreementVersion(), 1, "agreement v1");
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipOnlyBootstrapper.selector, address(this)));
        r.addInitialMembers(list(initialMember(9, PARTNER, 1)));
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipOnlyBootstrapper.selector, address(this)));
        r.sealInitialMembers();
    }

    function test_constructor_refusesBadSetups() public {
        IConsortiumMembership.InitialMember[] memory founders = weights(w3(1, 1, 1), 1);
        ConsortiumMembership.Setup memory s = setup(address(0), 1, 3);
        s.governance = address(0);
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipInvalidAccount.selector, address(0)));
        newRegistry(s, founders);
        s = setup(address(0), 1, 3);
        s.governor = address(0);
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipInvalidAccount.selector, address(0)));
        newRegistry(s, founders);
        uint16[2][5] memory badCaps = [[uint16(0), 3], [uint16(2), 3], [uint16(1), 1], [uint16(1), 0], [uint16(32768), 65535]];
        for (uint256 i = 0; i < badCaps.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipInvalidCap.selector));
            newRegistry(setup(address(0), badCaps[i][0], badCaps[i][1]), founders);
        }
        newRegistry(setup(address(0), 32767, 65534), founders); // exactly one half
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipLastFoundingPartner.selector, address(0)));
        newRegistry(setup(address(0), 1, 3), weights(w3(1, 1, 1), 0));
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipInvalidAgreement.selector));
        ConsortiumMembership.Setup memory noAgreement = setup(address(0), 1, 3);
        noAgreement.agreementURI = "";
        newRegistry(noAgreement, founders);
    }

    function test_seal_checksTheLargestInitialMember() public {
        // At the cap exactly: 1 of 3 with cap 1/3.
        newRegistry(setup(address(0), 1, 3), weights(w3(1, 1, 1), 1));
        vm.expectRevert(capError(member(0), 2, 4));
        newRegistry(setup(address(0), 1, 3), weights(w3(2, 1, 1), 1));
        // With a bootstrapper, no cap until sealing: a large partner first, diluted by later batches.
        ConsortiumMembership r = newRegistry(setup(address(this), 1, 3), weights(w3(1, 5, 1), 1));
        vm.expectRevert(capError(member(1), 5, 7));
        r.sealInitialMembers();
        IConsortiumMembership.InitialMember[] memory more = new IConsortiumMembership.InitialMember[](8);
        for (uint256 i = 0; i < 8; ++i) more[i] = initialMember(3 + i, PARTNER, 1);
        r.addInitialMembers(more);
        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipOnlyBootstrapper.selector, address(0xBAD)));
        r.sealInitialMembers();
        r.sealInitialMembers(); // 5 of 15
        assertEq(r.bootstrapper(), address(0), "sealed");
    }

    /// @dev Governance acting before sealing: the cap is not enforced then, and the seal check keeps the largest share
    /// it has seen, even if that member was lowered since (it stays conservative, never lets a larger one through).
    function test_seal_largestIsTheLargestEverSeen() public {
        ConsortiumMembership r = newRegistry(setup(address(this), 1, 3), weights(w3(1, 1, 1), 1));
        vm.prank(GOV);
        r.setWeight(member(1), 9); // no cap before sealing
        vm.prank(GOV);
        r.setWeight(member(1), 1);
        vm.expectRevert(capError(member(1), 9, 3));
        r.sealInitialMembers();
    }

    function test_admit_refusesInvalidAccountsRolesWeights() public {
        address[4] memory invalidAccounts = [address(0), address(timelock), address(governor), address(registry)];
        for (uint256 i = 0; i < 4; ++i) {
            asGovernance();
            vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipInvalidAccount.selector, invalidAccounts[i]));
            registry.admit(invalidAccounts[i], PARTNER, OTHER, 1, "x");
        }
        asGovernance();
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipInvalidRole.selector, IConsortiumMembership.Role.None));
        registry.admit(address(0xA1), IConsortiumMembership.Role.None, OTHER, 1, "x");
        asGovernance();
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipInvalidWeight.selector, 0));
        registry.admit(address(0xA1), PARTNER, OTHER, 0, "x");
        asGovernance();
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipInvalidWeight.selector, 1_000_001));
        registry.admit(address(0xA1), PARTNER, OTHER, 1_000_001, "x");
        asGovernance();
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipAlreadyMember.selector, members[3]));
        registry.admit(members[3], PARTNER, OTHER, 1, "x");
        asGovernance();
        registry.suspend(members[3]);
        asGovernance();
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipAlreadyMember.selector, members[3]));
        registry.admit(members[3], PARTNER, OTHER, 1, "x");
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipOnlyGovernance.selector, address(this)));
        registry.admit(address(0xA1), PARTNER, OTHER, 1, "x");
    }

    function test_readmission_keepsTheIndex() public {
        asGovernance();
        registry.remove(members[3]);
        assertEq(registry.memberCount(), 12, "count");
        asGovernance();
        registry.admit(members[3], OBSERVER, OTHER, 2, "back");
        (uint256 index, bool canVote, ) = registry.voterOf(members[3]);
        assertEq(index, 3, "same index");
        assertFalse(canVote, "observers do not vote");
        assertEq(registry.memberCount(), 12, "no new entry");
        assertEq(registry.memberAt(3), members[3], "memberAt");
        (index, , ) = registry.voterOf(address(0xBEEF));
        assertEq(index, type(uint256).max, "never a member");
    }

    // ------------------------------------------------------------------ the cap

    function test_cap_onAdmission() public {
        // 12 units; cap 1/3: weight 6 makes 6 of 18 (at the cap), 7 makes 7 of 19.
        asGovernance();
        vm.expectRevert(capError(address(0xA1), 7, 19));
        registry.admit(address(0xA1), PARTNER, OTHER, 7, "too big");
        asGovernance();
        registry.admit(address(0xA1), PARTNER, OTHER, 6, "at the cap");
        asGovernance();
        registry.admit(address(0xA2), OBSERVER, OTHER, 1_000_000, "observers hold no power");
    }

    function test_cap_onWeightReinstatementAndRole() public {
        asGovernance();
        registry.setWeight(members[3], 5); // 5 of 16
        asGovernance();
        vm.expectRevert(capError(members[3], 6, 17)); // 6 of 17 > 1/3
        registry.setWeight(members[3], 6);
        asGovernance();
        registry.setWeight(members[3], 2); // lowering is always allowed

        asGovernance();
        registry.setWeight(members[3], 5);
        asGovernance();
        registry.suspend(members[3]); // 11 left
        asGovernance();
        registry.remove(members[4]); // 10
        asGovernance();
        registry.remove(members[5]); // 9
        asGovernance();
        vm.expectRevert(capError(members[3], 5, 14)); // reinstating gives power: 5 of 14
        registry.reinstate(members[3]);

        asGovernance();
        registry.admit(address(0xA1), OBSERVER, OTHER, 6, "observer");
        asGovernance();
        vm.expectRevert(capError(address(0xA1), 6, 15)); // a voting role gives power: 6 of 15
        registry.setRole(address(0xA1), PARTNER);
    }

    function test_cap_onTheConstitutionalElectorate() public {
        admitPartner(address(0xC1), 5);
        admitPartner(address(0xC2), 5);
        admitPartner(address(0xC3), 7); // 7 of 29 in general
        asGovernance();
        vm.expectRevert(capError(address(0xC3), 7, 19)); // but 7 of 12 + 7 constitutional
        registry.setConstitutionalVote(address(0xC3), true);
        asGovernance();
        registry.setConstitutionalVote(address(0xC1), true); // 5 of 17
        asGovernance();
        vm.expectRevert(capError(address(0xA1), 9, 26)); // 9 of 38 in general, 9 of 17 + 9 constitutional
        registry.admit(address(0xA1), FOUNDER, OTHER, 9, "a founder is capped in both");
    }

    function test_cap_doesNotBoundAProxy() public {
        for (uint256 i = 2; i < 7; ++i) {
            vm.prank(members[i]);
            registry.appointProxy(members[1]);
        }
        assertEq(registry.getVotes(members[1]), 6, "a proxy may vote with half of 12: the cap is on own weight");
    }

    function testFuzz_cap_admission(uint32 weight) public {
        weight = uint32(bound(weight, 1, 1_000_000));
        bool fits = uint256(weight) * 3 <= 12 + uint256(weight);
        asGovernance();
        if (!fits) vm.expectRevert(capError(address(0xA1), weight, 12 + uint256(weight)));
        registry.admit(address(0xA1), PARTNER, OTHER, weight, "fuzz");
        assertEq(registry.totalSupply(), fits ? 12 + uint256(weight) : 12, "total");
    }

    // ------------------------------------------------------------------ two electorates

    function test_electorates_followRolesAndConstitutionalVotes() public {
        assertEq(constitutionalSupply(), 12, "the agreement's partners all vote in both");
        admitPartner(address(0xC1), 3);
        assertEq(registry.totalSupply(), 15, "general");
        assertEq(constitutionalSupply(), 12, "an admitted partner: general only");
        asGovernance();
        registry.admit(address(0xC2), FOUNDER, OTHER, 2, "founder");
        assertEq(constitutionalSupply(), 14, "an admitted founding partner: both");
        assertTrue(registry.memberOf(address(0xC2)).constitutionalVote, "flag");

        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsortiumMembership.MemberConstitutionalVoteChanged(address(0xC1), true);
        asGovernance();
        registry.setConstitutionalVote(address(0xC1), true);
        assertEq(constitutionalSupply(), 17, "given one");
        asGovernance();
        registry.setConstitutionalVote(address(0xC1), false);
        assertEq(constitutionalSupply(), 14, "taken away");

        asGovernance();
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipFounderConstitutionalVote.selector, members[0]));
        registry.setConstitutionalVote(members[0], false);

        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsortiumMembership.MemberConstitutionalVoteChanged(address(0xC1), true);
        asGovernance();
        registry.setRole(address(0xC1), FOUNDER);
        assertEq(constitutionalSupply(), 17, "made a founding partner: a constitutional vote");
        asGovernance();
        registry.setRole(address(0xC1), PARTNER);
        assertTrue(registry.memberOf(address(0xC1)).constitutionalVote, "kept when no longer a founding partner");

        asGovernance();
        registry.suspend(address(0xC1));
        assertEq(constitutionalSupply(), 14, "suspended: out of both");
        assertEq(registry.totalSupply(), 14, "general");
        asGovernance();
        registry.reinstate(address(0xC1));
        assertEq(constitutionalSupply(), 17, "back in both");
        asGovernance();
        registry.setRole(address(0xC1), OBSERVER);
        assertEq(constitutionalSupply(), 14, "an observer holds no power");
    }

    function test_lastFoundingPartner_cannotLeave() public {
        asGovernance();
        registry.remove(members[0]);
        assertEq(registry.activeFoundingPartners(), 1, "one left");
        bytes memory err = abi.encodeWithSelector(IConsortiumMembership.MembershipLastFoundingPartner.selector, members[1]);
        asGovernance();
        vm.expectRevert(err);
        registry.suspend(members[1]);
        asGovernance();
        vm.expectRevert(err);
        registry.setRole(members[1], PARTNER);
        vm.prank(members[1]);
        vm.expectRevert(err);
        registry.resign();
        asGovernance();
        registry.setWeight(members[1], 4); // changing its weight keeps it a founding partner
    }

    // ------------------------------------------------------------------ token views and events

    function test_tokenViews() public {
        assertEq(registry.name(), "CCSI Test Consortium", "name");
        assertEq(registry.symbol(), "CCSI", "symbol");
        assertEq(registry.decimals(), 0, "decimals");
        assertEq(registry.totalSupply(), 12, "totalSupply");
        vm.prank(members[2]);
        registry.appointProxy(members[3]);
        assertEq(registry.balanceOf(members[2]), 1, "own units, though a proxy votes with them");
        assertEq(registry.getVotes(members[3]), 2, "the proxy's votes");
        assertEq(registry.balanceOf(address(0xBEEF)), 0, "outsider");
        assertEq(registry.clock(), block.timestamp, "timestamp clock");
        assertEq(registry.CLOCK_MODE(), "mode=timestamp", "CLOCK_MODE");
    }

    function test_supportsInterface() public view {
        assertTrue(registry.supportsInterface(type(IERC165).interfaceId), "ERC-165");
        assertTrue(registry.supportsInterface(type(IVotes).interfaceId), "IVotes");
        assertTrue(registry.supportsInterface(type(IERC6372).interfaceId), "ERC-6372");
        assertTrue(registry.supportsInterface(type(IVotes).interfaceId ^ type(IERC6372).interfaceId), "ERC-5805");
        assertFalse(registry.supportsInterface(0xffffffff), "not 0xffffffff");
    }

    function test_transferEvents_recordEveryChangeOfUnits() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsortiumMembership.Transfer(address(0), address(0xC1), 3);
        admitPartner(address(0xC1), 3);

        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsortiumMembership.Transfer(address(0), address(0xC1), 2);
        asGovernance();
        registry.setWeight(address(0xC1), 5);

        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsortiumMembership.Transfer(address(0xC1), address(0), 4);
        asGovernance();
        registry.setWeight(address(0xC1), 1);

        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsortiumMembership.Transfer(members[4], address(0), 1);
        asGovernance();
        registry.suspend(members[4]);

        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsortiumMembership.Transfer(address(0), members[4], 1);
        asGovernance();
        registry.reinstate(members[4]);

        vm.recordLogs();
        asGovernance();
        registry.admit(address(0xC2), OBSERVER, OTHER, 9, "observer");
        asGovernance();
        registry.setConstitutionalVote(address(0xC1), true);
        assertEq(countLogs(vm.getRecordedLogs(), address(registry), IConsortiumMembership.Transfer.selector), 0, "no units moved: no Transfer");
    }

    /// @dev Every Transfer summed up gives the total supply and each balance (what an indexer reconstructs).
    function testFuzz_transferEvents_sumToTheBalances(uint256 seed) public {
        int256 total = 12;
        int256[12] memory balance;
        for (uint256 i = 0; i < 12; ++i) balance[i] = 1;
        for (uint256 k = 0; k < 12; ++k) {
            address who = members[rand(seed, k) % 12];
            uint256 op = rand(seed, 100 + k) % 4;
            bool ok;
            vm.recordLogs(); // Foundry also records the logs of reverted calls: keep only those of calls that succeeded
            asGovernance();
            if (op == 0) try registry.setWeight(who, uint32(1 + rand(seed, 200 + k) % 4)) { ok = true; } catch {}
            else if (op == 1) try registry.suspend(who) { ok = true; } catch {}
            else if (op == 2) try registry.reinstate(who) { ok = true; } catch {}
            else try registry.setRole(who, rand(seed, 300 + k) % 2 == 0 ? OBSERVER : PARTNER) { ok = true; } catch {}
            Vm.Log[] memory logs = vm.getRecordedLogs();
            if (!ok) continue;
            for (uint256 i = 0; i < logs.length; ++i) {
                if (logs[i].emitter != address(registry) || logs[i].topics[0] != IConsortiumMembership.Transfer.selector) continue;
                address from = address(uint160(uint256(logs[i].topics[1])));
                address to = address(uint160(uint256(logs[i].topics[2])));
                int256 value = int256(abi.decode(logs[i].data, (uint256)));
                if (from == address(0)) total += value;
                if (to == address(0)) total -= value;
                for (uint256 m = 0; m < 12; ++m) {
                    if (members[m] == to) balance[m] += value;
                    if (members[m] == from) balance[m] -= value;
                }
            }
        }
        assertEq(total, int256(registry.totalSupply()), "Transfers sum to the total supply");
        for (uint256 m = 0; m < 12; ++m) assertEq(balance[m], int256(registry.balanceOf(members[m])), "Transfers sum to a balance");
    }

    // ------------------------------------------------------------------ proxies

    function test_proxy_rules() public {
        bytes4 invalid = IConsortiumMembership.MembershipInvalidProxy.selector;
        vm.prank(members[2]);
        vm.expectRevert(abi.encodeWithSelector(invalid, members[2], members[2]));
        registry.appointProxy(members[2]);
        vm.prank(members[2]);
        vm.expectRevert(abi.encodeWithSelector(invalid, members[2], address(0xBEEF)));
        registry.appointProxy(address(0xBEEF));
        asGovernance();
        registry.admit(address(0x0B5), OBSERVER, OTHER, 1, "observer");
        vm.prank(members[2]);
        vm.expectRevert(abi.encodeWithSelector(invalid, members[2], address(0x0B5)));
        registry.appointProxy(address(0x0B5));
        vm.prank(address(0x0B5));
        vm.expectRevert(abi.encodeWithSelector(invalid, address(0x0B5), members[2]));
        registry.appointProxy(members[2]);
        asGovernance();
        registry.suspend(members[9]);
        vm.prank(members[2]);
        vm.expectRevert(abi.encodeWithSelector(invalid, members[2], members[9]));
        registry.appointProxy(members[9]);

        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsortiumMembership.ProxyAppointed(members[2], members[3]);
        vm.prank(members[2]);
        registry.appointProxy(members[3]);
        vm.prank(members[2]);
        vm.expectRevert(abi.encodeWithSelector(invalid, members[2], members[3]));
        registry.appointProxy(members[3]); // already its proxy

        bytes4 chain = IConsortiumMembership.MembershipProxyChain.selector;
        vm.prank(members[3]);
        vm.expectRevert(abi.encodeWithSelector(chain, members[3], members[4]));
        registry.appointProxy(members[4]); // a proxy cannot appoint one
        vm.prank(members[4]);
        vm.expectRevert(abi.encodeWithSelector(chain, members[4], members[2]));
        registry.appointProxy(members[2]); // nor can one hold a proxy that appointed one

        vm.prank(members[2]);
        registry.appointProxy(members[4]); // switching proxies
        assertEq(registry.proxyOf(members[2]), members[4], "switched");
        assertEq(registry.principalsOf(members[3]).length, 0, "left the first");
        assertEq(registry.getVotes(members[4]), 2, "with the second");

        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsortiumMembership.ProxyRevoked(members[2], members[4]);
        vm.prank(members[2]);
        registry.revokeProxy();
        vm.prank(members[2]);
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipNoProxy.selector, members[2]));
        registry.revokeProxy();
        vm.prank(members[2]);
        registry.delegate(members[2]); // ERC-5805 self-delegation without a proxy: nothing to do
        vm.prank(members[2]);
        registry.delegate(members[5]); // ERC-5805 delegation appoints a proxy
        assertEq(registry.proxyOf(members[2]), members[5], "delegate() appoints");
    }

    function test_proxy_losingItsVoteReturnsThePower() public {
        vm.prank(members[2]);
        registry.appointProxy(members[3]);
        vm.prank(members[4]);
        registry.appointProxy(members[3]);
        assertEq(constitutionalVotes(members[3]), 3, "constitutional power follows");
        vm.recordLogs();
        asGovernance();
        registry.setRole(members[3], OBSERVER);
        assertEq(countLogs(vm.getRecordedLogs(), address(registry), IConsortiumMembership.ProxyRevoked.selector), 2, "two ProxyRevoked");
        assertEq(registry.getVotes(members[2]), 1, "back to 2");
        assertEq(registry.getVotes(members[4]), 1, "back to 4");
        assertEq(registry.getVotes(members[3]), 0, "the observer holds nothing");
        assertEq(constitutionalVotes(members[2]), 1, "constitutional back to 2");
        assertEq(registry.principalsOf(members[3]).length, 0, "no principals");
        // Suspending a principal takes back its own appointment.
        vm.prank(members[5]);
        registry.appointProxy(members[6]);
        asGovernance();
        registry.suspend(members[5]);
        assertEq(registry.proxyOf(members[5]), address(0), "the suspended member's proxy is revoked");
        assertEq(registry.getVotes(members[6]), 1, "the proxy keeps its own");
    }

    function test_pastDelegation_andMemberHistory() public {
        uint256 t0 = START + 1; // a constant, not block.timestamp: with --via-ir, a local read from it may be re-read
        assertEq(block.timestamp, t0, "the fixture ends a second after it starts");
        vm.warp(t0 + 10);
        vm.prank(members[2]);
        registry.appointProxy(members[3]);
        vm.warp(t0 + 20);
        asGovernance();
        registry.setWeight(members[2], 3);
        vm.warp(t0 + 30);
        vm.prank(members[2]);
        registry.revokeProxy();
        vm.warp(t0 + 40);
        asGovernance();
        registry.admit(address(0xC1), PARTNER, OTHER, 2, "newcomer");
        vm.warp(t0 + 50);

        (address d, uint256 u, uint256 c) = registry.pastDelegation(members[2], t0 + 9);
        assertTrue(d == members[2] && u == 1 && c == 1, "before: itself, 1, 1");
        (d, u, c) = registry.pastDelegation(members[2], t0 + 10);
        assertTrue(d == members[3] && u == 1 && c == 1, "from t0+10: member 3");
        (d, u, c) = registry.pastDelegation(members[2], t0 + 25);
        assertTrue(d == members[3] && u == 3 && c == 3, "weight 3 from t0+20");
        (d, u, c) = registry.pastDelegation(members[2], t0 + 30);
        assertTrue(d == members[2] && u == 3 && c == 3, "revoked at t0+30");
        (d, u, c) = registry.pastDelegation(address(0xC1), t0 + 45);
        assertTrue(d == address(0xC1) && u == 2 && c == 0, "newcomer: general units only");
        (d, u, c) = registry.pastDelegation(address(0xC1), t0 + 39);
        assertTrue(d == address(0xC1) && u == 0 && c == 0, "before admission");
        assertEq(registry.getPastVotes(members[3], t0 + 25), 4, "the proxy held 1 + 3");
        assertEq(registry.getPastVotes(members[3], t0 + 35), 1, "then its own");
        vm.expectRevert();
        registry.pastDelegation(members[2], block.timestamp); // not in the past yet
    }

    function test_voterAt_voterOf_electorateAt() public {
        admitPartner(address(0xC1), 4);
        vm.prank(members[2]);
        registry.appointProxy(members[3]);
        vm.warp(block.timestamp + 1);
        uint256 t = block.timestamp - 1;
        (uint256 index, bool canVote, uint48 since, uint256 votes, uint256 state) = registry.voterAt(members[3], t, false);
        assertEq(index, 3, "index");
        assertTrue(canVote, "can vote");
        assertEq(since, START, "voting since admission");
        assertEq(votes, 2, "general, with the principal");
        // its own state: 1 unit, 1 constitutional unit, a partner (role 2) of group 3 (business)
        assertEq(state, 1 | (uint256(1) << 96) | (uint256(2) << 192) | (uint256(3) << 200), "own state, packed");
        (, , , votes, state) = registry.voterAt(address(0xC1), t, true);
        assertEq(votes, 0, "no constitutional votes");
        assertEq(state, 4 | (uint256(2) << 192) | (uint256(5) << 200), "admitted partner: 4 units, none constitutional, other");
        (, , , votes, ) = registry.voterAt(address(0xC1), t, false);
        assertEq(votes, 4, "general votes");
        (index, canVote, since, votes, state) = registry.voterAt(address(0xBEEF), t, false);
        assertTrue(index == type(uint256).max && !canVote && since == 0 && votes == 0 && state == 0, "outsider");

        (uint256 power, uint256 packed, bool ec, uint256 chambers) = registry.electorateAt(t, IConsortiumRules.Category.Membership);
        assertEq(chambers, 0, "no chamber conditions in the test rules");
        assertEq(power, 16, "general electorate");
        assertEq(packed, uint256(1) | (uint256(2) << 16) | (uint256(2) << 32) | (uint256(3) << 48), "membership rule 1/2, 2/3 packed");
        assertFalse(ec, "early close off");
        (power, packed, , ) = registry.electorateAt(t, IConsortiumRules.Category.Constitutional);
        assertEq(power, 12, "constitutional electorate");
        assertEq(packed, uint256(2) | (uint256(3) << 16) | (uint256(3) << 32) | (uint256(4) << 48), "constitutional rule packed");
    }

    function test_rulesAndAgreement_governanceOnly() public {
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipOnlyGovernance.selector, address(this)));
        registry.updateRules(testRules(true));
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipOnlyGovernance.selector, address(this)));
        registry.amendAgreement(keccak256("v2"), "ipfs://v2");
        asGovernance();
        registry.amendAgreement(keccak256("v2"), "ipfs://v2");
        assertEq(registry.agreement(2).uri, "ipfs://v2", "amended");
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipUnknownAgreementVersion.selector, 3));
        registry.agreement(3);
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipUnknownAgreementVersion.selector, 0));
        registry.agreement(0);
        asGovernance();
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipInvalidAgreement.selector));
        registry.amendAgreement(bytes32(0), "ipfs://v3");
    }
}

/// @notice At most {MAX_PRINCIPALS} members per proxy, and sanctioning the busiest proxy stays cheap.
contract ConsortiumMembershipPrincipalsTest is MembershipBase {
    function setUp() public {
        Suite memory s = defaultSuite();
        s.members = 43;
        deploy(s);
    }

    function test_maxPrincipals() public {
        address proxy = members[0];
        for (uint256 i = 1; i <= 40; ++i) {
            vm.prank(members[i]);
            registry.appointProxy(proxy);
        }
        assertEq(registry.principalsOf(proxy).length, 40, "40 principals");
        vm.prank(members[41]);
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipTooManyPrincipals.selector, proxy));
        registry.appointProxy(proxy);
        assertEq(registry.getVotes(proxy), 41, "its own and 40");

        uint256 gasBefore = gasleft();
        asGovernance();
        registry.suspend(proxy);
        uint256 used = gasBefore - gasleft();
        assertLt(used, 5_000_000, "suspending the busiest proxy fits far below 5M gas");
        for (uint256 i = 1; i <= 40; ++i) assertEq(registry.getVotes(members[i]), 1, "each principal has its power back");
        vm.prank(members[41]);
        registry.appointProxy(members[42]); // room again elsewhere
    }
}

/// @notice The total voting power never exceeds 2^32 - 1, what the governor's tallies hold.
contract ConsortiumMembershipTotalPowerTest is MembershipBase {
    function test_maxTotalPower() public {
        vm.warp(START);
        registry = newRegistry(setup(address(this), 1, 3), new IConsortiumMembership.InitialMember[](0));
        uint256 n;
        // 4,294 members of the largest weight (1,000,000), in batches of 50.
        while (n < 4294) {
            uint256 size = 4294 - n < 50 ? 4294 - n : 50;
            IConsortiumMembership.InitialMember[] memory batch = new IConsortiumMembership.InitialMember[](size);
            for (uint256 i = 0; i < size; ++i) {
                batch[i] = IConsortiumMembership.InitialMember(address(uint160(0x100000 + n + i)), n + i == 0 ? FOUNDER : PARTNER, OTHER, 1_000_000, "");
            }
            registry.addInitialMembers(batch);
            n += size;
        }
        assertEq(registry.totalSupply(), 4_294_000_000, "4,294 x 1,000,000");
        registry.addInitialMembers(list(IConsortiumMembership.InitialMember(address(0xE1), PARTNER, OTHER, 967_295, "")));
        assertEq(registry.totalSupply(), type(uint32).max, "exactly 2^32 - 1");
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipTotalPowerTooLarge.selector, uint256(1) << 32));
        registry.addInitialMembers(list(IConsortiumMembership.InitialMember(address(0xE2), PARTNER, OTHER, 1, "")));
        registry.sealInitialMembers();
        vm.prank(GOV);
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipTotalPowerTooLarge.selector, uint256(1) << 32));
        registry.setWeight(address(0xE1), 967_296);
        vm.prank(GOV);
        registry.admit(address(0xE3), OBSERVER, OTHER, 5, "an observer adds no power");
    }
}

/**
 * @notice Invariant-style fuzz: a random sequence of every registry operation (governance's and members' own) on a
 * pool of accounts, mirrored on a plain model of the records. After each step the registry must have accepted exactly
 * what the model accepts (status, role, weight, cap, founders, proxies, total power rules), hold the same records and
 * delegations, and its totals must equal the sums of the members' units in both electorates; at the end every past
 * lookup (total, votes, constitutional totals and votes, delegation history) must return the state recorded then.
 */
contract ConsortiumMembershipInvariantTest is MembershipBase {
    uint256 internal constant POOL = 14; // 10 partners of the agreement and 4 outsiders
    uint256 internal constant STEPS = 24;
    uint256 internal constant OPS = 11;

    struct Rec {
        uint8 status; // IConsortiumMembership.Status
        uint8 role; // IConsortiumMembership.Role
        uint32 weight;
        bool cv;
        address del; // whom it votes through: itself unless it appointed a proxy
    }

    struct Past {
        uint256 time;
        uint256 total;
        uint256 cTotal;
        uint256[POOL] votes;
        uint256[POOL] cVotes;
        uint256[POOL] units;
        uint256[POOL] cUnits;
        address[POOL] del;
    }

    address[POOL] internal pool;
    mapping(address => Rec) internal model;
    uint256 internal founders;
    Past[] internal history;

    function setUp() public {
        Suite memory s = defaultSuite();
        s.members = 10;
        deploy(s);
        for (uint256 i = 0; i < POOL; ++i) {
            pool[i] = i < 10 ? members[i] : address(uint160(0xA0 + i));
            Rec storage r = model[pool[i]];
            r.del = pool[i];
            if (i < 10) (r.status, r.role, r.weight, r.cv) = (1, i < 2 ? 1 : 2, 1, true);
        }
        founders = 2;
    }

    // ------------------------------------------------------------------ the model

    function units(Rec memory r) internal pure returns (uint256) {
        return r.status == 1 && r.role != 3 ? r.weight : 0;
    }

    function cUnits(Rec memory r) internal pure returns (uint256) {
        return r.cv ? units(r) : 0;
    }

    function canVote(address a) internal view returns (bool) {
        return units(model[a]) > 0;
    }

    function total() internal view returns (uint256 t) {
        for (uint256 i = 0; i < POOL; ++i) t += units(model[pool[i]]);
    }

    function cTotal() internal view returns (uint256 t) {
        for (uint256 i = 0; i < POOL; ++i) t += cUnits(model[pool[i]]);
    }

    function principals(address p) internal view returns (uint256 n) {
        for (uint256 i = 0; i < POOL; ++i) if (pool[i] != p && model[pool[i]].del == p) ++n;
    }

    /// @dev Apply a change of `a`'s record, as the registry's `_afterRecordChange` must: false if it must revert.
    function change(address a, Rec memory next) internal returns (bool) {
        Rec memory prev = model[a];
        uint256 uBefore = units(prev);
        uint256 uAfter = units(next);
        bool wasFounder = uBefore > 0 && prev.role == 1;
        bool isFounder = uAfter > 0 && next.role == 1;
        if (wasFounder && !isFounder && founders == 1) return false;
        uint256 t = total() - uBefore + uAfter;
        if (uAfter > uBefore && (t > type(uint32).max || uAfter * 3 > t)) return false; // cap 1/3
        uint256 ct = cTotal() - cUnits(prev) + cUnits(next);
        if (cUnits(next) > cUnits(prev) && cUnits(next) * 3 > ct) return false;
        if (wasFounder && !isFounder) --founders;
        if (!wasFounder && isFounder) ++founders;
        model[a] = next;
        if (uAfter == 0) {
            model[a].del = a;
            for (uint256 i = 0; i < POOL; ++i) if (model[pool[i]].del == a) model[pool[i]].del = pool[i];
        }
        return true;
    }

    function current(address a) internal view returns (bool) {
        return model[a].status == 1 || model[a].status == 2;
    }

    /// @dev Whether operation `op` must succeed, applying it to the model if so.
    function simulate(uint256 op, address a, address b, uint32 w, uint8 role, bool flag) internal returns (bool) {
        Rec memory r = model[a];
        if (op == 0) {
            // admit(a, role, w)
            if (a == address(0) || a == address(timelock) || a == address(governor) || a == address(registry)) return false;
            if (current(a)) return false;
            return change(a, Rec(1, role, w, role == 1, a));
        }
        if (op == 1) {
            // remove
            if (!current(a)) return false;
            r.status = 4;
            return change(a, r);
        }
        if (op == 2) {
            // suspend
            if (r.status != 1) return false;
            r.status = 2;
            return change(a, r);
        }
        if (op == 3) {
            // reinstate
            if (r.status != 2) return false;
            r.status = 1;
            return change(a, r);
        }
        if (op == 4) {
            // setRole
            if (!current(a)) return false;
            if (r.role == role) return true;
            r.role = role;
            if (role == 1) r.cv = true;
            return change(a, r);
        }
        if (op == 5) {
            // setWeight
            if (!current(a)) return false;
            if (r.weight == w) return true;
            r.weight = w;
            return change(a, r);
        }
        if (op == 6) {
            // setConstitutionalVote
            if (!current(a)) return false;
            if (r.cv == flag) return true;
            if (r.role == 1) return false;
            r.cv = flag;
            return change(a, r);
        }
        if (op == 7) {
            // resign (a itself)
            if (!current(a)) return false;
            r.status = 3;
            return change(a, r);
        }
        if (op == 8) {
            // appointProxy(b) by a
            if (a == b || r.del == b) return false;
            if (!canVote(a) || !canVote(b)) return false;
            if (principals(a) != 0 || model[b].del != b) return false;
            if (principals(b) >= 50) return false;
            model[a].del = b;
            return true;
        }
        if (op == 9) {
            // revokeProxy by a
            if (r.del == a) return false;
            model[a].del = a;
            return true;
        }
        return true; // op 10: time passes
    }

    /// @dev The account an operation acts on: random, but for reinstating and revoking mostly one it can apply to
    /// (suspended members and members with a proxy are rare in a random pool).
    function pick(uint256 op, uint256 r) internal view returns (address) {
        if ((op == 3 || op == 9) && r % 4 != 0) {
            for (uint256 i = 0; i < POOL; ++i) {
                address a = pool[(r + i) % POOL];
                if ((op == 3 && model[a].status == 2) || (op == 9 && model[a].del != a)) return a;
            }
        }
        return pool[r % POOL];
    }

    function execute(uint256 op, address a, address b, uint32 w, uint8 role, bool flag) internal returns (bool ok) {
        IConsortiumMembership.Role r = IConsortiumMembership.Role(role);
        if (op <= 6) vm.prank(address(timelock));
        else if (op <= 9) vm.prank(a);
        if (op == 0) try registry.admit(a, r, OTHER, w, "pool") { ok = true; } catch {}
        else if (op == 1) try registry.remove(a) { ok = true; } catch {}
        else if (op == 2) try registry.suspend(a) { ok = true; } catch {}
        else if (op == 3) try registry.reinstate(a) { ok = true; } catch {}
        else if (op == 4) try registry.setRole(a, r) { ok = true; } catch {}
        else if (op == 5) try registry.setWeight(a, w) { ok = true; } catch {}
        else if (op == 6) try registry.setConstitutionalVote(a, flag) { ok = true; } catch {}
        else if (op == 7) try registry.resign() { ok = true; } catch {}
        else if (op == 8) try registry.appointProxy(b) { ok = true; } catch {}
        else if (op == 9) try registry.revokeProxy() { ok = true; } catch {}
        else ok = true;
    }

    // ------------------------------------------------------------------ checks

    /// @dev Messages are built only on failure: eager string building in these loops would dominate the run time.
    function eq(uint256 left, uint256 right, uint256 step, uint256 account, string memory what) internal pure {
        if (left != right) {
            fail(string.concat("step ", toString(step), ", account ", toString(account), ": ", what, ": ", toString(left), " != ", toString(right)));
        }
    }

    function checkNow(uint256 k) internal view {
        uint256 t;
        for (uint256 i = 0; i < POOL; ++i) {
            address a = pool[i];
            Rec memory r = model[a];
            IConsortiumMembership.Member memory m = registry.memberOf(a);
            eq(uint256(m.status), r.status, k, i, "status");
            if (r.status != 0) {
                eq(uint256(m.role), r.role, k, i, "role");
                eq(m.weight, r.weight, k, i, "weight");
                eq(m.constitutionalVote ? 1 : 0, r.cv ? 1 : 0, k, i, "constitutional vote");
            }
            eq(registry.votingUnitsOf(a), units(r), k, i, "units");
            eq(uint160(registry.delegates(a)), uint160(r.del), k, i, "delegate");
            uint256 held;
            for (uint256 j = 0; j < POOL; ++j) if (model[pool[j]].del == a) held += units(model[pool[j]]);
            eq(registry.getVotes(a), held, k, i, "votes = own (if not delegated) + principals'");
            uint256 n = principals(a);
            eq(registry.principalsOf(a).length, n, k, i, "principals");
            if (r.del != a) eq(n, 0, k, i, "a member with a proxy holds no proxies");
            t += units(r);
        }
        eq(registry.totalSupply(), t, k, POOL, "total = sum of units");
        eq(registry.activeFoundingPartners(), founders, k, POOL, "founding partners");
        assertGe(founders, 1, "always a founding partner");
    }

    function record() internal {
        Past storage p = history.push();
        p.time = block.timestamp;
        p.total = total();
        p.cTotal = cTotal();
        for (uint256 i = 0; i < POOL; ++i) {
            address a = pool[i];
            p.units[i] = units(model[a]);
            p.cUnits[i] = cUnits(model[a]);
            p.del[i] = model[a].del;
            for (uint256 j = 0; j < POOL; ++j) {
                if (model[pool[j]].del == a) {
                    p.votes[i] += units(model[pool[j]]);
                    p.cVotes[i] += cUnits(model[pool[j]]);
                }
            }
        }
    }

    /// @dev Totals at every recorded step; each account's past at every third step (which third depends on the seed).
    function checkHistory(uint256 seed) internal view {
        for (uint256 k = 0; k < history.length; ++k) {
            Past storage p = history[k];
            eq(registry.getPastTotalSupply(p.time), p.total, k, POOL, "past total");
            eq(registry.getPastConstitutionalSupply(p.time), p.cTotal, k, POOL, "past constitutional total");
            if ((k + seed % 3) % 3 != 0 && k + 1 != history.length) continue;
            uint256 sumVotes;
            uint256 sumC;
            for (uint256 i = 0; i < POOL; ++i) {
                eq(registry.getPastVotes(pool[i], p.time), p.votes[i], k, i, "past votes");
                eq(registry.getPastConstitutionalVotes(pool[i], p.time), p.cVotes[i], k, i, "past constitutional votes");
                (address d, uint256 u, uint256 c) = registry.pastDelegation(pool[i], p.time);
                eq(uint160(d), uint160(p.del[i]), k, i, "past delegate");
                eq(u, p.units[i], k, i, "past units");
                eq(c, p.cUnits[i], k, i, "past constitutional units");
                sumVotes += p.votes[i];
                sumC += p.cVotes[i];
            }
            eq(sumVotes, p.total, k, POOL, "votes sum to the total");
            eq(sumC, p.cTotal, k, POOL, "constitutional votes sum to the constitutional total");
        }
    }

    /// forge-config: default.fuzz.runs = 128
    function testFuzz_randomOperations_keepTheRegistryEqualToTheModel(uint256 seed) public {
        for (uint256 k = 0; k < STEPS; ++k) {
            uint256 op = rand(seed, k * 8) % OPS;
            address a = pick(op, rand(seed, k * 8 + 1));
            address b = pool[rand(seed, k * 8 + 2) % POOL];
            if (op == 0 && rand(seed, k * 8 + 6) % 8 == 0) {
                a = [address(0), address(timelock), address(governor), address(registry)][rand(seed, k * 8 + 7) % 4];
            }
            uint32 w = uint32(1 + rand(seed, k * 8 + 3) % 5);
            uint8 role = uint8(1 + rand(seed, k * 8 + 4) % 3);
            bool flag = rand(seed, k * 8 + 5) % 2 == 0;
            bool expected = simulate(op, a, b, w, role, flag);
            bool actual = execute(op, a, b, w, role, flag);
            if (actual != expected) {
                fail(string.concat("step ", toString(k), ": operation ", toString(op), expected ? " refused" : " accepted", " against the model"));
            }
            checkNow(k);
            if (rand(seed, 1000 + k) % 4 != 0) {
                // most steps end their second; some share it with the next step
                record();
                vm.warp(block.timestamp + 1);
            }
        }
        vm.warp(block.timestamp + 1);
        checkHistory(seed);
    }
}

/**
 * @notice The class power a proxy holds for its principals ({votesByClassAt}) and each class's power
 * ({classPowerAt}) across a sanction of the proxy: the proxy's delegated power is released in one write per class,
 * and what every principal, class and past lookup reads must stay the sum over the members concerned.
 */
contract ConsortiumMembershipClassPowerTest is MembershipBase {
    uint256 internal constant ALL_CLASSES = (1 << 12) - 1;

    function setUp() public {
        deploy(defaultSuite()); // 12 members of weight 1, two founding; cap 1/3
    }

    function assertClasses(uint256[12] memory actual, uint256[12] memory expected, string memory what) internal pure {
        for (uint256 c = 0; c < 12; ++c) assertEq(actual[c], expected[c], what);
    }

    /// @dev `account`'s class and its four lanes (units, constitutional units, 1, 1 if constitutional) now.
    function lanesOf(address account) internal view returns (uint256 class, uint256 lanes) {
        uint256 units = registry.votingUnitsOf(account);
        if (units == 0) return (0, 0);
        IConsortiumMembership.Member memory m = registry.memberOf(account);
        uint256 constitutionalUnits = m.constitutionalVote ? units : 0;
        class = (m.role == FOUNDER ? 0 : 6) + uint8(m.group);
        lanes = units | (constitutionalUnits << 32) | (1 << 64) | (constitutionalUnits != 0 ? 1 << 96 : 0);
    }

    function testFuzz_sanctioningAProxy_givesEachPrincipalItsClassPowerBack(uint256 seed) public {
        address proxy = members[2];
        (uint256 ownClass, uint256 ownLanes) = lanesOf(proxy);
        (address[] memory principals, uint256[12] memory held) = appointPrincipals(proxy, seed);
        held[ownClass] += ownLanes;
        uint256 before = block.timestamp;
        vm.warp(before + 10);
        assertClasses(registry.votesByClassAt(proxy, before), held, "the proxy holds its own and its principals' lanes");
        uint256[12] memory classesBefore = registry.classPowerAt(before, ALL_CLASSES);

        sanction(proxy, (seed >> 128) % 4);
        uint256 after_ = block.timestamp;
        vm.warp(after_ + 10);

        uint256[12] memory none;
        assertClasses(registry.votesByClassAt(proxy, after_), none, "the sanctioned proxy holds nothing");
        assertClasses(registry.votesByClassAt(proxy, before), held, "what it held is still there in the past");
        uint256[12] memory principalsPower = checkPrincipals(principals, before, after_);
        uint256[12] memory classesAfter = registry.classPowerAt(after_, ALL_CLASSES);
        uint256[12] memory everyone = powerOfEveryone(principals);
        for (uint256 c = 0; c < 12; ++c) {
            assertEq(held[c] - (c == ownClass ? ownLanes : 0), principalsPower[c], "held for the principals = their sum");
            assertEq(classesAfter[c], classesBefore[c] - (c == ownClass ? ownLanes : 0), "the class loses the proxy alone");
            assertEq(classesAfter[c], everyone[c], "a class's power is the sum over its members");
        }
    }

    /**
     * @dev A member moved to another stakeholder group ({setGroup}), a principal of a proxy or not: its lanes leave
     * its former class and reach the new one from the change on, at the class and at its proxy; no class gains or
     * loses power otherwise (the sum over the classes is conserved), and every lookup before the change still reads
     * the former group. Moving a member to its own group changes nothing and logs nothing.
     */
    /// @dev What {testFuzz_setGroup_movesTheMembersLanesAndConservesClassPower} moves and reads.
    struct GroupMove {
        address moved;
        bool principal;
        uint256 classBefore;
        uint256 classAfter;
        uint256 lanes;
        uint256 before;
        uint256 after_;
    }

    function testFuzz_setGroup_movesTheMembersLanesAndConservesClassPower(uint256 seed) public {
        address proxy = members[2];
        (address[] memory principals, uint256[12] memory held) = appointPrincipals(proxy, seed);
        (uint256 ownClass, uint256 ownLanes) = lanesOf(proxy);
        held[ownClass] += ownLanes;
        GroupMove memory m;
        // The member moved: one of the principals, or a member voting itself (members[8..11] are never principals).
        uint256 pick = (seed >> 64) % (principals.length + 4);
        m.principal = pick < principals.length;
        m.moved = m.principal ? principals[pick] : members[8 + pick - principals.length];
        (m.classBefore, m.lanes) = lanesOf(m.moved);
        m.before = block.timestamp;
        vm.warp(m.before + 10);
        uint256[12] memory classesBefore = registry.classPowerAt(m.before, ALL_CLASSES);

        moveGroup(m.moved, IConsortiumMembership.StakeholderGroup((seed >> 96) % 6));
        m.after_ = block.timestamp;
        vm.warp(m.after_ + 10);
        (m.classAfter, ) = lanesOf(m.moved);

        assertClasses(registry.classPowerAt(m.before, ALL_CLASSES), classesBefore, "the past is unchanged");
        uint256[12] memory classesAfter = registry.classPowerAt(m.after_, ALL_CLASSES);
        assertClasses(classesAfter, powerOfEveryone(principals), "a class's power is the sum over its members");
        uint256 sumBefore;
        uint256 sumAfter;
        for (uint256 c = 0; c < 12; ++c) {
            uint256 expected = classesBefore[c];
            if (c == m.classBefore) expected -= m.lanes;
            if (c == m.classAfter) expected += m.lanes;
            assertEq(classesAfter[c], expected, "only the member's lanes move, from its former class to its new one");
            sumBefore += classesBefore[c];
            sumAfter += classesAfter[c];
        }
        assertEq(sumAfter, sumBefore, "class power is conserved");

        assertClasses(registry.votesByClassAt(proxy, m.before), held, "the proxy's past lanes are unchanged");
        if (m.principal) {
            held[m.classBefore] -= m.lanes;
            held[m.classAfter] += m.lanes;
        }
        assertClasses(registry.votesByClassAt(proxy, m.after_), held, "a principal's lanes move at its proxy too");
    }

    /// @dev Governance moves `moved` to `group`: the record changes in its group alone, with one event (none if it
    /// is already there).
    function moveGroup(address moved, IConsortiumMembership.StakeholderGroup group) internal {
        IConsortiumMembership.Member memory was = registry.memberOf(moved);
        uint256 units = registry.votingUnitsOf(moved);
        vm.recordLogs();
        asGovernance();
        registry.setGroup(moved, group);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        IConsortiumMembership.Member memory now_ = registry.memberOf(moved);
        assertEq(uint8(now_.group), uint8(group), "the member is in the new group");
        assertEq(uint8(now_.role), uint8(was.role), "its role is kept");
        assertEq(now_.weight, was.weight, "its weight is kept");
        assertEq(registry.votingUnitsOf(moved), units, "its units are kept");
        if (was.group == group) {
            assertEq(logs.length, 0, "moving a member to its own group logs nothing");
            return;
        }
        assertEq(logs.length, 1, "one event");
        assertEq(logs[0].topics[0], keccak256("MemberGroupChanged(address,uint8,uint8)"), "MemberGroupChanged");
        assertEq(logs[0].topics[1], bytes32(uint256(uint160(moved))), "for the member moved");
        assertEq(logs[0].data, abi.encode(uint8(was.group), uint8(group)), "from its group to the new one");
    }

    /// @dev 1 to 16 principals appoint `proxy`: four partners of the agreement, then newcomers of random classes.
    function appointPrincipals(address proxy, uint256 seed) internal returns (address[] memory principals, uint256[12] memory held) {
        principals = new address[](1 + seed % 16);
        for (uint256 i = 0; i < principals.length; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            address p = i < 4 ? members[3 + i] : address(uint160(0xB000 + i));
            if (i >= 4) {
                asGovernance();
                registry.admit(p, r & 1 == 0 ? FOUNDER : PARTNER, IConsortiumMembership.StakeholderGroup((r >> 1) % 6), uint32(1 + (r >> 8) % 3), "P");
                if (r & 1 == 1 && (r >> 16) & 1 == 1) {
                    asGovernance();
                    registry.setConstitutionalVote(p, true); // a partner may have one (a founder always has)
                }
            }
            vm.prank(p);
            registry.appointProxy(proxy);
            (uint256 c, uint256 l) = lanesOf(p);
            held[c] += l;
            principals[i] = p;
        }
    }

    /// @dev Takes `proxy`'s vote away: suspension, removal, observer role or its own resignation.
    function sanction(address proxy, uint256 op) internal {
        if (op == 3) {
            vm.prank(proxy);
            registry.resign();
            return;
        }
        asGovernance();
        if (op == 0) registry.suspend(proxy);
        else if (op == 1) registry.remove(proxy);
        else registry.setRole(proxy, OBSERVER);
    }

    /// @dev Each principal votes itself with its own lanes after the sanction (none before); their sum by class.
    function checkPrincipals(address[] memory principals, uint256 before, uint256 after_) internal view returns (uint256[12] memory sum) {
        for (uint256 i = 0; i < principals.length; ++i) {
            assertEq(registry.proxyOf(principals[i]), address(0), "every principal votes itself");
            (uint256 c, uint256 l) = lanesOf(principals[i]);
            uint256[12] memory own;
            own[c] = l;
            assertClasses(registry.votesByClassAt(principals[i], after_), own, "a principal's own lanes, in its class");
            assertEq(registry.votesByClassAt(principals[i], before)[c], 0, "handed to the proxy before");
            sum[c] += l;
        }
    }

    /// @dev The lanes of every member now (the initial ones and the newcomers among `principals`), by class.
    function powerOfEveryone(address[] memory principals) internal view returns (uint256[12] memory everyone) {
        for (uint256 i = 0; i < members.length + principals.length; ++i) {
            if (i >= members.length && i - members.length < 4) continue; // principals 0..3 are initial members
            (uint256 c, uint256 l) = lanesOf(i < members.length ? members[i] : principals[i - members.length]);
            everyone[c] += l;
        }
    }
}
