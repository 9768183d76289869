// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {IConsortiumRules} from "./IConsortiumRules.sol";

/**
 * @title IConsortiumMembership
 * @notice The consortium agreement on chain: who the partners are (role, stakeholder group, voting weight, whether
 * they vote in constitutional decisions), the agreement's text (hash and URI of each version) and its decision rules
 * ({IConsortiumRules}). It is the voting-power source (ERC-5805) of the governor.
 *
 * @dev Two electorates are kept, both checkpointed: every active voting member's weight (ERC-5805's votes, used by
 * ordinary, treasury and membership decisions) and the weight of the members that also hold a constitutional vote
 * (used by constitutional decisions). A member admitted by a membership decision votes in the first only; the
 * agreement's partners and members given a constitutional vote by a constitutional decision vote in both.
 */
interface IConsortiumMembership is IERC5805, IConsortiumRules {
    /// @notice A member's role. Observers take part without a vote.
    enum Role {
        None,
        FoundingPartner,
        Partner,
        Observer
    }

    /// @notice The stakeholder group an organisation belongs to.
    enum StakeholderGroup {
        MinistryAgency,
        CivilSociety,
        Academia,
        Business,
        Municipality,
        Other
    }

    /// @notice A membership's status. Only `Active` members hold voting power.
    enum Status {
        None,
        Active,
        Suspended,
        Resigned,
        Removed
    }

    /**
     * @notice One membership record. `index` is the member's position in order of first admission; `votingSince`
     * the last time it became able to vote (admission, reinstatement, a role with a vote); `stateSince` the last time
     * its voting units, role or group changed; `constitutionalVote` whether its weight also counts in constitutional
     * decisions (always, for founding partners).
     */
    struct Member {
        Role role;
        StakeholderGroup group;
        Status status;
        bool constitutionalVote;
        uint48 joinedAt;
        uint48 votingSince;
        uint48 stateSince;
        uint32 weight;
        uint32 index;
        string name;
    }

    /// @notice A member to register at deployment (the agreement's partners all hold a constitutional vote).
    struct InitialMember {
        address account;
        Role role;
        StakeholderGroup group;
        uint32 weight;
        string name;
    }

    /// @notice One version of the consortium agreement.
    struct AgreementVersion {
        bytes32 contentHash;
        uint48 adoptedAt;
        string uri;
    }

    /// @notice `account` became a member (again, if it was one before).
    event MemberAdmitted(
        address indexed account,
        Role role,
        StakeholderGroup group,
        uint32 weight,
        bool constitutionalVote,
        string name,
        uint48 joinedAt
    );

    /// @notice `account`'s status changed from `previous` to `current`.
    event MemberStatusChanged(address indexed account, Status previous, Status current);

    /// @notice `account`'s role changed.
    event MemberRoleChanged(address indexed account, Role previous, Role current);

    /// @notice `account`'s stakeholder group changed from `previous` to `group`: its power counts in the chamber of
    /// `group` for proposals whose snapshot is at or after the change, and in that of `previous` for earlier ones.
    event MemberGroupChanged(address indexed account, StakeholderGroup previous, StakeholderGroup group);

    /// @notice `account`'s voting weight changed.
    event MemberWeightChanged(address indexed account, uint32 previous, uint32 current);

    /// @notice `account` gained or lost its vote in constitutional decisions.
    event MemberConstitutionalVoteChanged(address indexed account, bool constitutionalVote);

    /// @notice `member` appointed `proxy` to vote on its behalf.
    event ProxyAppointed(address indexed member, address indexed proxy);

    /// @notice `member`'s proxy `proxy` no longer votes on its behalf (revoked, or the proxy lost its vote).
    event ProxyRevoked(address indexed member, address indexed proxy);

    /// @notice The initial membership is complete: `memberCount` partners, registered at deployment.
    event InitialMembersSealed(uint256 memberCount);

    /// @notice Version `version` of the consortium agreement was adopted.
    event AgreementAmended(uint256 indexed version, bytes32 contentHash, string uri);

    /// @notice ERC-20-style record of a change of `value` voting units: from the zero address when a member gains
    /// units (admission, weight raised, reinstatement), to it when it loses them. Memberships are not transferable.
    event Transfer(address indexed from, address indexed to, uint256 value);

    /// @dev The caller is not the governance executor (the timelock).
    error MembershipOnlyGovernance(address caller);
    /// @dev Only the deployer, and only before {sealInitialMembers}, may register initial members.
    error MembershipOnlyBootstrapper(address caller);
    /// @dev `account` is already an active or suspended member.
    error MembershipAlreadyMember(address account);
    /// @dev `account` has status `current`, which does not allow the operation.
    error MembershipUnexpectedStatus(address account, Status current);
    /// @dev The role is not one a member can hold.
    error MembershipInvalidRole(Role role);
    /// @dev The address cannot be a member (zero address, the registry, the governor or the timelock).
    error MembershipInvalidAccount(address account);
    /// @dev `weight` is zero or above the maximum.
    error MembershipInvalidWeight(uint256 weight);
    /// @dev The change would give `account` `units` of `total` voting units, more than the agreement's cap allows.
    error MembershipShareAboveCap(address account, uint256 units, uint256 total);
    /// @dev The total voting power would exceed what the governor's tallies hold ({MAX_TOTAL_POWER}).
    error MembershipTotalPowerTooLarge(uint256 total);
    /// @dev The operation would leave the consortium without an active founding partner.
    error MembershipLastFoundingPartner(address account);
    /// @dev `proxy` cannot act as a proxy for `member` (not an active voting member, or the member itself).
    error MembershipInvalidProxy(address member, address proxy);
    /// @dev Proxies do not chain: a member holding proxies cannot appoint one, nor can one that appointed a proxy
    /// hold proxies.
    error MembershipProxyChain(address member, address proxy);
    /// @dev `proxy` already represents the most members one proxy may ({MAX_PRINCIPALS}).
    error MembershipTooManyPrincipals(address proxy);
    /// @dev `member` has no proxy to revoke.
    error MembershipNoProxy(address member);
    /// @dev An agreement needs a content hash and a URI.
    error MembershipInvalidAgreement();
    /// @dev No agreement version `version`.
    error MembershipUnknownAgreementVersion(uint256 version);
    /// @dev The cap on one member's share is not a share above zero and at most one half.
    error MembershipInvalidCap();
    /// @dev Founding partners always hold a constitutional vote: it cannot be taken from `account`.
    error MembershipFounderConstitutionalVote(address account);

    /// @notice Register more of the agreement's partners during deployment (large consortia do not fit in one
    /// transaction). Bootstrapper only, before {sealInitialMembers}.
    function addInitialMembers(InitialMember[] calldata members) external;

    /// @notice End the registration of initial members for good; from now on only governance admits. Requires an
    /// active founding partner and every partner within the cap on one member's share. Bootstrapper only.
    function sealInitialMembers() external;

    /// @notice Who may still register initial members, or the zero address once sealed.
    function bootstrapper() external view returns (address);

    /// @notice Admit `account` as a member with a vote in ordinary, treasury and membership decisions. Governance
    /// only. A founding partner (whose admission is a constitutional decision) also gets a constitutional vote; any
    /// other member gets one separately ({setConstitutionalVote}).
    function admit(address account, Role role, StakeholderGroup group, uint32 weight, string calldata name) external;

    /// @notice Remove `account` from the consortium. Governance only (constitutional).
    function remove(address account) external;

    /// @notice Suspend `account`'s membership: it keeps its record but loses its vote. Governance only
    /// (constitutional).
    function suspend(address account) external;

    /// @notice Lift `account`'s suspension. Governance only (constitutional).
    function reinstate(address account) external;

    /// @notice Change `account`'s role. Governance only (constitutional).
    function setRole(address account, Role role) external;

    /// @notice Move `account` to stakeholder group `group` (nothing happens if it is already there): its power counts
    /// in `group`'s chamber for proposals with a later snapshot; votes on earlier ones still count in the group it had
    /// at their snapshot. Governance only (constitutional).
    function setGroup(address account, StakeholderGroup group) external;

    /// @notice Change `account`'s voting weight. Governance only (constitutional).
    function setWeight(address account, uint32 weight) external;

    /// @notice Give `account` a vote in constitutional decisions, or take it away (never from a founding partner).
    /// Governance only (constitutional).
    function setConstitutionalVote(address account, bool constitutionalVote) external;

    /// @notice Adopt a new version of the consortium agreement. Governance only (constitutional).
    function amendAgreement(bytes32 contentHash, string calldata uri) external;

    /// @notice Leave the consortium. Callable by an active or suspended member for itself.
    function resign() external;

    /// @notice Let `proxy`, an active voting member without a proxy of its own, vote with the caller's power (from
    /// the next snapshot on).
    function appointProxy(address proxy) external;

    /// @notice Take back the caller's voting power from its proxy (from the next snapshot on).
    function revokeProxy() external;

    /// @notice The governance executor (the timelock) allowed to change memberships.
    function governance() external view returns (address);

    /// @notice The governor, which can never be a member.
    function governor() external view returns (address);

    /// @notice The largest share of the total voting power (and of the constitutional voting power) one member's
    /// own weight may reach when governance gives it power.
    function maxShare() external view returns (uint16 numerator, uint16 denominator);

    /// @notice The membership record of `account` (status `None` if it never was a member).
    function memberOf(address account) external view returns (Member memory);

    /// @notice Whether `account` is an active member.
    function isActiveMember(address account) external view returns (bool);

    /**
     * @notice What the governor needs to accept `account`'s vote: its admission index, whether it can vote now and
     * since when it has been able to vote without interruption.
     * @dev `index` is `type(uint256).max` when `account` never was a member.
     */
    function voterOf(address account) external view returns (uint256 index, bool canVote, uint48 votingSince);

    /**
     * @notice `account`'s delegation at `timepoint` (its proxy, or itself) and the voting units it held itself then,
     * in both electorates. The governor uses it to let a member vote itself when its proxy lost its vote.
     */
    function pastDelegation(address account, uint256 timepoint)
        external
        view
        returns (address delegatee, uint256 units, uint256 constitutionalUnits);

    /**
     * @notice Everything the governor needs to count `account`'s vote on a proposal with snapshot `timepoint`, in
     * one call: what {voterOf} returns, the votes it held at `timepoint` in the general or the constitutional
     * electorate, and its own state then, packed: units | constitutional units << 96 | role << 192 | group << 200.
     */
    function voterAt(
        address account,
        uint256 timepoint,
        bool constitutional
    ) external view returns (uint256 index, bool canVote, uint48 votingSince, uint256 votes, uint256 state);

    /**
     * @notice The power of each of the twelve classes (see {IConsortiumRules}) selected by the bit mask `classes` at
     * `timepoint` (0 for the others), each in four 32-bit lanes from the lowest: voting units, constitutional voting
     * units, members with a vote, members with a constitutional vote.
     */
    function classPowerAt(uint256 timepoint, uint256 classes) external view returns (uint256[12] memory power);

    /**
     * @notice The votes `account` held at `timepoint` split by class (in the lanes of {classPowerAt}): its own, if
     * it had not handed them to a proxy, and its principals', each in the principal's class.
     */
    function votesByClassAt(address account, uint256 timepoint) external view returns (uint256[12] memory votes);

    /**
     * @notice What a proposal of `category` with snapshot `timepoint` is judged by, in one call: the voting power of
     * its electorate then (constitutional for constitutional proposals), and the rule, early-close switch and chamber
     * conditions in force then. `rule` is packed in 64 bits: quorum numerator, quorum denominator, approval
     * numerator, approval denominator, 16 bits each from the lowest ({ruleAt} returns the same rule as a struct);
     * `chambers` as the governor's ChamberConditions library reads them (0: none; {rulesAt} has them as structs).
     */
    function electorateAt(
        uint256 timepoint,
        Category category
    ) external view returns (uint256 power, uint256 rule, bool earlyClose, uint256 chambers);

    /// @notice Voting power `account` contributes itself: its weight if active and not an observer, else 0.
    function votingUnitsOf(address account) external view returns (uint256);

    /// @notice Constitutional voting power `account` holds (its own and its principals') at `timepoint`.
    function getPastConstitutionalVotes(address account, uint256 timepoint) external view returns (uint256);

    /// @notice Total constitutional voting power at `timepoint`.
    function getPastConstitutionalSupply(uint256 timepoint) external view returns (uint256);

    /// @notice The proxy `account` appointed, or the zero address.
    function proxyOf(address account) external view returns (address);

    /// @notice The members that appointed `proxy`.
    function principalsOf(address proxy) external view returns (address[] memory);

    /// @notice Number of addresses that were ever members.
    function memberCount() external view returns (uint256);

    /// @notice The `index`-th address that was ever a member, in order of first admission.
    function memberAt(uint256 index) external view returns (address);

    /// @notice Number of active founding partners.
    function activeFoundingPartners() external view returns (uint256);

    /// @notice Number of the current agreement version (the first is 1).
    function agreementVersion() external view returns (uint256);

    /// @notice Agreement version `version`.
    function agreement(uint256 version) external view returns (AgreementVersion memory);
}
