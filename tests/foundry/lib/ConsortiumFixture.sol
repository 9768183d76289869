// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ConsortiumMembership} from "../../../contracts/ConsortiumMembership.sol";
import {ConsortiumGovernor} from "../../../contracts/ConsortiumGovernor.sol";
import {ConsortiumTimelock} from "../../../contracts/ConsortiumTimelock.sol";
import {IConsortiumMembership} from "../../../contracts/interfaces/IConsortiumMembership.sol";
import {IConsortiumRules} from "../../../contracts/interfaces/IConsortiumRules.sol";
import {Test} from "./Test.sol";

/**
 * @title ConsortiumFixture
 * @notice A deployed consortium (registry, governor, timelock wired as the deployment does: the governor is the
 * timelock's only proposer, canceller and executor, the timelock the registry's governance) and the few steps every
 * governor test repeats: propose, move to the voting window, vote, act as governance.
 *
 * Member `i` of the initial membership is `vm.addr(KEY_BASE + i)` (so tests can sign ballots); the first
 * `founders` are founding partners, the rest partners, all with a constitutional vote (they are the agreement's
 * partners).
 */
abstract contract ConsortiumFixture is Test {
    uint256 internal constant KEY_BASE = 0xA11CE;
    uint256 internal constant START = 1_700_000_000;

    uint8 internal constant AGAINST = 0;
    uint8 internal constant FOR = 1;
    uint8 internal constant ABSTAIN = 2;

    struct Suite {
        uint256 members;
        uint256 founders;
        uint32 weight;
        bool earlyClose;
        uint48 votingDelay;
        uint32 votingPeriod;
        uint48 lateQuorum;
        uint16 capNumerator;
        uint16 capDenominator;
    }

    ConsortiumMembership internal registry;
    ConsortiumGovernor internal governor;
    ConsortiumTimelock internal timelock;
    address[] internal members;

    // ------------------------------------------------------------------ configuration

    /// @dev 12 partners of weight 1 (two founding), early close off, delay 1 h, period 7 d, late quorum 1 d, cap 1/3.
    function defaultSuite() internal pure returns (Suite memory) {
        return Suite({
            members: 12,
            founders: 2,
            weight: 1,
            earlyClose: false,
            votingDelay: 1 hours,
            votingPeriod: 7 days,
            lateQuorum: 1 days,
            capNumerator: 1,
            capDenominator: 3
        });
    }

    function fraction(uint16 n, uint16 d) internal pure returns (IConsortiumRules.Fraction memory) {
        return IConsortiumRules.Fraction(n, d);
    }

    function rule(uint16 qn, uint16 qd, uint16 an, uint16 ad) internal pure returns (IConsortiumRules.CategoryRule memory) {
        return IConsortiumRules.CategoryRule(fraction(qn, qd), fraction(an, ad));
    }

    /// @dev The floors every rule must reach: quorum 1/10, approval 1/2.
    function floors() internal pure returns (IConsortiumRules.RuleFloors memory f) {
        f.quorum = fraction(1, 10);
        f.approval = fraction(1, 2);
    }

    /// @dev The Python suite's test rules: ordinary 1/4 & 1/2, treasury 1/3 & 1/2, membership 1/2 & 2/3,
    /// constitutional 2/3 & 3/4.
    function testRules(bool earlyClose) internal pure returns (IConsortiumRules.RuleSet memory rules) {
        rules.rules[0] = rule(1, 4, 1, 2);
        rules.rules[1] = rule(1, 3, 1, 2);
        rules.rules[2] = rule(1, 2, 2, 3);
        rules.rules[3] = rule(2, 3, 3, 4);
        rules.earlyClose = earlyClose;
    }

    function memberKey(uint256 i) internal pure returns (uint256) {
        return KEY_BASE + i;
    }

    function member(uint256 i) internal pure returns (address) {
        return vm.addr(KEY_BASE + i);
    }

    function initialMember(uint256 i, IConsortiumMembership.Role role, uint32 weight)
        internal
        pure
        returns (IConsortiumMembership.InitialMember memory)
    {
        return IConsortiumMembership.InitialMember({
            account: member(i),
            role: role,
            group: IConsortiumMembership.StakeholderGroup(i % 6),
            weight: weight,
            name: string.concat("Partner ", toString(i))
        });
    }

    // ------------------------------------------------------------------ deployment

    function deploy(Suite memory s) internal {
        deploy(s, testRules(s.earlyClose));
    }

    /**
     * @dev Deploys the suite as the deployment does: the governor's address is predicted from this contract's nonce,
     * the registry starts with this contract as bootstrapper, takes the members in batches of 50 and is sealed.
     */
    function deploy(Suite memory s, IConsortiumRules.RuleSet memory rules) internal {
        vm.warp(START);
        uint256 nonce = vm.getNonce(address(this));
        address predictedGovernor = computeCreateAddress(address(this), nonce + 2);
        address[] memory roles = new address[](1);
        roles[0] = predictedGovernor;
        timelock = new ConsortiumTimelock(1 days, roles, roles, address(0)); // nonce
        registry = new ConsortiumMembership( // nonce + 1
            ConsortiumMembership.Setup({
                governance: address(timelock),
                governor: predictedGovernor,
                bootstrapper: address(this),
                agreementHash: keccak256("agreement v1"),
                agreementURI: "ipfs://agreement-v1",
                name: "CCSI Test Consortium",
                symbol: "CCSI",
                maxShareNumerator: s.capNumerator,
                maxShareDenominator: s.capDenominator
            }),
            new IConsortiumMembership.InitialMember[](0),
            floors(),
            rules
        );
        governor = _newGovernor( // nonce + 2
            IERC5805(address(registry)),
            TimelockController(payable(address(timelock))),
            ConsortiumGovernor.Config({
                name: "CCSI Test Governor",
                votingDelay: s.votingDelay,
                votingPeriod: s.votingPeriod,
                lateQuorumExtension: s.lateQuorum
            })
        );
        require(address(governor) == predictedGovernor, "fixture: governor address mispredicted");

        delete members;
        for (uint256 start = 0; start < s.members; start += 50) {
            uint256 end = start + 50 < s.members ? start + 50 : s.members;
            IConsortiumMembership.InitialMember[] memory batch = new IConsortiumMembership.InitialMember[](end - start);
            for (uint256 i = start; i < end; ++i) {
                IConsortiumMembership.Role role = i < s.founders
                    ? IConsortiumMembership.Role.FoundingPartner
                    : IConsortiumMembership.Role.Partner;
                batch[i - start] = initialMember(i, role, _initialWeight(i, s.weight));
                members.push(member(i));
            }
            registry.addInitialMembers(batch);
        }
        registry.sealInitialMembers();
        vm.warp(block.timestamp + 1);
    }

    /// @dev Initial member `i`'s weight: the suite's, unless a test gives members weights of their own.
    function _initialWeight(uint256, uint32 weight) internal view virtual returns (uint32) {
        return weight;
    }

    /// @dev The governor to deploy; a test overrides it to deploy a harness that exposes internals.
    function _newGovernor(IERC5805 token, TimelockController timelock_, ConsortiumGovernor.Config memory config)
        internal
        virtual
        returns (ConsortiumGovernor)
    {
        return new ConsortiumGovernor(token, timelock_, config);
    }

    // ------------------------------------------------------------------ proposals

    function one(address target, uint256 value, bytes memory data)
        internal
        pure
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        targets = new address[](1);
        values = new uint256[](1);
        calldatas = new bytes[](1);
        targets[0] = target;
        values[0] = value;
        calldatas[0] = data;
    }

    function propose(
        address proposer,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description
    ) internal returns (uint256) {
        vm.prank(proposer);
        return governor.propose(targets, values, calldatas, description);
    }

    function proposeOne(address proposer, address target, uint256 value, bytes memory data, string memory description)
        internal
        returns (uint256)
    {
        (address[] memory t, uint256[] memory v, bytes[] memory d) = one(target, value, data);
        return propose(proposer, t, v, d, description);
    }

    /// @dev An ordinary proposal: the signal (a call to the zero address without value or data).
    function proposeSignal(string memory description) internal returns (uint256) {
        return proposeOne(members[0], address(0), 0, "", description);
    }

    /// @dev A constitutional proposal: amend the agreement.
    function proposeAmendment(string memory description) internal returns (uint256) {
        bytes memory data = abi.encodeCall(IConsortiumMembership.amendAgreement, (keccak256(bytes(description)), "ipfs://v2"));
        return proposeOne(members[0], address(registry), 0, data, description);
    }

    /// @dev Move time to the first second votes on `proposalId` are accepted.
    function toVoting(uint256 proposalId) internal {
        vm.warp(governor.proposalSnapshot(proposalId) + 1);
    }

    function vote(address voter, uint256 proposalId, uint8 support) internal returns (uint256) {
        vm.prank(voter);
        return governor.castVote(proposalId, support);
    }

    /// @dev Have `count` members starting at `first` vote `support` on `proposalId`.
    function voteMany(uint256 first, uint256 count, uint256 proposalId, uint8 support) internal {
        for (uint256 i = first; i < first + count; ++i) vote(members[i], proposalId, support);
    }

    /**
     * @dev Take actions through the whole of governance: propose, every initial member votes For, queue, wait for
     * the timelock, execute. Governor settings can only be changed this way (OpenZeppelin's {Governor-onlyGovernance}
     * checks the call was queued by the governor's own execution), registry calls too (then they come from the timelock).
     */
    function pass(address[] memory targets, uint256[] memory values, bytes[] memory calldatas, string memory description)
        internal
        returns (uint256 proposalId)
    {
        return pass(targets, values, calldatas, description, "");
    }

    /// @dev {pass}, expecting the execution to revert with `executionError` (unless it is empty).
    function pass(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        bytes memory executionError
    ) internal returns (uint256 proposalId) {
        proposalId = propose(members[0], targets, values, calldatas, description);
        toVoting(proposalId);
        for (uint256 i = 0; i < members.length; ++i) {
            vm.prank(members[i]);
            try governor.castVote(proposalId, FOR) {} catch {}
        }
        if (governor.state(proposalId) == IGovernor.ProposalState.Active) vm.warp(governor.proposalDeadline(proposalId) + 1);
        governor.queue(targets, values, calldatas, keccak256(bytes(description)));
        vm.warp(block.timestamp + timelock.getMinDelay());
        if (executionError.length != 0) vm.expectRevert(executionError);
        governor.execute(targets, values, calldatas, keccak256(bytes(description)));
    }

    /// @dev {pass} with one action, reporting whether its execution succeeded instead of requiring it.
    function tryPassOne(address target, uint256 value, bytes memory data, string memory description)
        internal
        returns (bool executed)
    {
        (address[] memory t, uint256[] memory v, bytes[] memory d) = one(target, value, data);
        uint256 proposalId = propose(members[0], t, v, d, description);
        toVoting(proposalId);
        for (uint256 i = 0; i < members.length; ++i) {
            vm.prank(members[i]);
            try governor.castVote(proposalId, FOR) {} catch {}
        }
        if (governor.state(proposalId) == IGovernor.ProposalState.Active) vm.warp(governor.proposalDeadline(proposalId) + 1);
        governor.queue(t, v, d, keccak256(bytes(description)));
        vm.warp(block.timestamp + timelock.getMinDelay());
        try governor.execute(t, v, d, keccak256(bytes(description))) {
            executed = true;
        } catch {}
    }

    function passOne(address target, uint256 value, bytes memory data, string memory description) internal returns (uint256) {
        (address[] memory t, uint256[] memory v, bytes[] memory d) = one(target, value, data);
        return pass(t, v, d, description, "");
    }

    function passOne(address target, uint256 value, bytes memory data, string memory description, bytes memory executionError)
        internal
        returns (uint256)
    {
        (address[] memory t, uint256[] memory v, bytes[] memory d) = one(target, value, data);
        return pass(t, v, d, description, executionError);
    }

    /// @dev Make the next call come from governance (the timelock), as an executed proposal does.
    function asGovernance() internal {
        vm.prank(address(timelock));
    }

    function admitPartner(address account, uint32 weight) internal {
        asGovernance();
        registry.admit(account, IConsortiumMembership.Role.Partner, IConsortiumMembership.StakeholderGroup.Other, weight, "New");
    }
}
