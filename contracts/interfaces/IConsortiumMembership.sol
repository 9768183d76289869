// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";

/**
 * @title IConsortiumMembership
 * @notice The consortium's membership registry: who the partners are, their role, stakeholder group and voting
 * weight, and the anchored consortium agreement. It is the voting-power source (ERC-5805) of the governor.
 */
interface IConsortiumMembership is IERC5805 {
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

    /// @notice One membership record. `index` is the member's position in order of first admission.
    struct Member {
        Role role;
        StakeholderGroup group;
        Status status;
        uint48 joinedAt;
        uint96 weight;
        uint32 index;
        string name;
    }

    /// @notice A member to register at deployment.
    struct InitialMember {
        address account;
        Role role;
        StakeholderGroup group;
        uint96 weight;
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
        uint96 weight,
        string name,
        uint48 joinedAt
    );

    /// @notice `account`'s status changed from `previous` to `current`.
    event MemberStatusChanged(address indexed account, Status previous, Status current);

    /// @notice `account`'s role changed.
    event MemberRoleChanged(address indexed account, Role previous, Role current);

    /// @notice `account`'s voting weight changed.
    event MemberWeightChanged(address indexed account, uint96 previous, uint96 current);

    /// @notice `member` appointed `proxy` to vote on its behalf.
    event ProxyAppointed(address indexed member, address indexed proxy);

    /// @notice `member`'s proxy `proxy` no longer votes on its behalf (revoked, or the proxy left active status).
    event ProxyRevoked(address indexed member, address indexed proxy);

    /// @notice The initial membership is complete: `memberCount` partners, registered at deployment.
    event InitialMembersSealed(uint256 memberCount);

    /// @notice Version `version` of the consortium agreement was adopted.
    event AgreementAmended(uint256 indexed version, bytes32 contentHash, string uri);

    /// @dev The caller is not the governance executor (the timelock).
    error MembershipOnlyGovernance(address caller);
    /// @dev Only the deployer, and only before {sealInitialMembers}, may register initial members.
    error MembershipOnlyBootstrapper(address caller);
    /// @dev `account` is not an active member.
    error MembershipNotActive(address account);
    /// @dev `account` is already an active or suspended member.
    error MembershipAlreadyMember(address account);
    /// @dev `account` has status `current`, which does not allow the operation.
    error MembershipUnexpectedStatus(address account, Status current);
    /// @dev The role is not one a member can hold.
    error MembershipInvalidRole(Role role);
    /// @dev The address cannot be a member (zero address or a governance contract).
    error MembershipInvalidAccount(address account);
    /// @dev `weight` is zero or above the maximum.
    error MembershipInvalidWeight(uint96 weight);
    /// @dev The operation would leave the consortium without an active founding partner.
    error MembershipLastFoundingPartner(address account);
    /// @dev `proxy` cannot act as a proxy for `member` (not an active voting member, or the member itself).
    error MembershipInvalidProxy(address member, address proxy);
    /// @dev `member` has no proxy to revoke.
    error MembershipNoProxy(address member);
    /// @dev Memberships are not transferable and voting power moves only through {appointProxy}.
    error MembershipDelegationDisabled();
    /// @dev An agreement needs a content hash and a URI.
    error MembershipInvalidAgreement();
    /// @dev No agreement version `version`.
    error MembershipUnknownAgreementVersion(uint256 version);

    /// @notice Register more of the agreement's partners during deployment (large consortia do not fit in one
    /// transaction). Bootstrapper only, before {sealInitialMembers}.
    function addInitialMembers(InitialMember[] calldata members) external;

    /// @notice End the registration of initial members for good; from now on only governance admits. Requires an
    /// active founding partner. Bootstrapper only.
    function sealInitialMembers() external;

    /// @notice Who may still register initial members, or the zero address once sealed.
    function bootstrapper() external view returns (address);

    /// @notice Admit `account` as a member. Governance only.
    function admit(address account, Role role, StakeholderGroup group, uint96 weight, string calldata name) external;

    /// @notice Remove `account` from the consortium. Governance only.
    function remove(address account) external;

    /// @notice Suspend `account`'s membership: it keeps its record but loses its vote. Governance only.
    function suspend(address account) external;

    /// @notice Lift `account`'s suspension. Governance only.
    function reinstate(address account) external;

    /// @notice Change `account`'s role. Governance only.
    function setRole(address account, Role role) external;

    /// @notice Change `account`'s voting weight. Governance only.
    function setWeight(address account, uint96 weight) external;

    /// @notice Adopt a new version of the consortium agreement. Governance only.
    function amendAgreement(bytes32 contentHash, string calldata uri) external;

    /// @notice Leave the consortium. Callable by an active or suspended member for itself.
    function resign() external;

    /// @notice Let `proxy`, an active voting member, vote with the caller's power.
    function appointProxy(address proxy) external;

    /// @notice Take back the caller's voting power from its proxy.
    function revokeProxy() external;

    /// @notice The governance executor (the timelock) allowed to change memberships.
    function governance() external view returns (address);

    /// @notice The membership record of `account` (status `None` if it never was a member).
    function memberOf(address account) external view returns (Member memory);

    /// @notice Whether `account` is an active member.
    function isActiveMember(address account) external view returns (bool);

    /// @notice What the governor needs to count `account`'s vote: its admission index and its status.
    /// @dev `index` is meaningless (0) when `account` never was a member (status `None`).
    function voterOf(address account) external view returns (uint256 index, Status status);

    /// @notice Voting power `account` contributes itself: its weight if active and not an observer, else 0.
    function votingUnitsOf(address account) external view returns (uint256);

    /// @notice The proxy `account` appointed, or the zero address.
    function proxyOf(address account) external view returns (address);

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
