// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Votes} from "@openzeppelin/contracts/governance/utils/Votes.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {IConsortiumMembership} from "./interfaces/IConsortiumMembership.sol";

/**
 * @title ConsortiumMembership
 * @notice The consortium's membership registry and voting-power source (ERC-5805, timestamp clock).
 *
 * One non-transferable membership per organisation address. An active member with a voting role holds its weight
 * as voting power from the moment it is admitted, with no delegation step; it may appoint another active voting
 * member as its proxy. Power is checkpointed, so each proposal's electorate is frozen at its snapshot.
 *
 * Admission, removal, suspension, reinstatement, role and weight changes and agreement amendments are made by
 * governance only (the timelock that executes passed proposals). A member may resign by itself.
 *
 * @dev Voting units of `account` are derived from its record ({votingUnitsOf}); every record change moves the
 * difference through {Votes-_transferVotingUnits}, so the total supply always equals the sum of the active voting
 * members' weights. Proxies are OpenZeppelin delegations restricted to active voting members; when a proxy stops
 * being one, the power of every member it represented returns to that member.
 */
contract ConsortiumMembership is IConsortiumMembership, Votes {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice The largest voting weight a member may hold.
    uint96 public constant MAX_WEIGHT = 1_000_000;

    /// @inheritdoc IConsortiumMembership
    address public immutable governance;

    /// @inheritdoc IConsortiumMembership
    address public bootstrapper;
    /// @dev When the total voting power last changed (shares `bootstrapper`'s slot).
    uint48 private _totalChangedAt;

    mapping(address account => Member) private _members;
    address[] private _accounts;
    uint256 private _activeFounders;
    mapping(address proxy => EnumerableSet.AddressSet) private _principals;
    AgreementVersion[] private _agreements;

    modifier onlyGovernance() {
        if (msg.sender != governance) revert MembershipOnlyGovernance(msg.sender);
        _;
    }

    /**
     * @param governance_ The timelock that executes the consortium's decisions.
     * @param initialMembers The partners of the agreement; at least one must be a founding partner.
     * @param agreementHash SHA-256 of the consortium agreement document.
     * @param agreementURI Where the agreement document can be read.
     * @param bootstrapper_ Zero if `initialMembers` are all the partners; otherwise the deployer, who adds the rest
     * with {addInitialMembers} and then calls {sealInitialMembers}, giving up that right.
     */
    constructor(
        address governance_,
        InitialMember[] memory initialMembers,
        bytes32 agreementHash,
        string memory agreementURI,
        address bootstrapper_
    ) EIP712("ConsortiumMembership", "1") {
        if (governance_ == address(0)) revert MembershipInvalidAccount(governance_);
        governance = governance_;
        for (uint256 i = 0; i < initialMembers.length; ++i) {
            InitialMember memory m = initialMembers[i];
            _admit(m.account, m.role, m.group, m.weight, m.name);
        }
        _amendAgreement(agreementHash, agreementURI);
        if (bootstrapper_ == address(0)) {
            _seal();
        } else {
            bootstrapper = bootstrapper_;
        }
    }

    // ------------------------------------------------------------------ clock (ERC-6372)

    /// @notice The current timepoint: the block timestamp (agreements speak in days, not blocks).
    function clock() public view override(IERC6372, Votes) returns (uint48) {
        return Time.timestamp();
    }

    /// @notice Machine-readable description of the clock (ERC-6372).
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override(IERC6372, Votes) returns (string memory) {
        return "mode=timestamp";
    }

    // ------------------------------------------------------------------ deployment

    /// @inheritdoc IConsortiumMembership
    function addInitialMembers(InitialMember[] calldata members) external {
        if (msg.sender != bootstrapper) revert MembershipOnlyBootstrapper(msg.sender);
        for (uint256 i = 0; i < members.length; ++i) {
            InitialMember calldata m = members[i];
            _admit(m.account, m.role, m.group, m.weight, m.name);
        }
    }

    /// @inheritdoc IConsortiumMembership
    function sealInitialMembers() external {
        if (msg.sender != bootstrapper) revert MembershipOnlyBootstrapper(msg.sender);
        _seal();
    }

    // ------------------------------------------------------------------ governance operations

    /// @inheritdoc IConsortiumMembership
    function admit(
        address account,
        Role role,
        StakeholderGroup group,
        uint96 weight,
        string calldata name
    ) external onlyGovernance {
        _admit(account, role, group, weight, name);
    }

    /// @inheritdoc IConsortiumMembership
    function remove(address account) external onlyGovernance {
        Status status = _members[account].status;
        if (status != Status.Active && status != Status.Suspended) revert MembershipUnexpectedStatus(account, status);
        _setStatus(account, Status.Removed);
    }

    /// @inheritdoc IConsortiumMembership
    function suspend(address account) external onlyGovernance {
        Status status = _members[account].status;
        if (status != Status.Active) revert MembershipUnexpectedStatus(account, status);
        _setStatus(account, Status.Suspended);
    }

    /// @inheritdoc IConsortiumMembership
    function reinstate(address account) external onlyGovernance {
        Status status = _members[account].status;
        if (status != Status.Suspended) revert MembershipUnexpectedStatus(account, status);
        _setStatus(account, Status.Active);
    }

    /// @inheritdoc IConsortiumMembership
    function setRole(address account, Role role) external onlyGovernance {
        Member storage m = _members[account];
        if (m.status != Status.Active && m.status != Status.Suspended) {
            revert MembershipUnexpectedStatus(account, m.status);
        }
        if (role == Role.None) revert MembershipInvalidRole(role);
        Role previous = m.role;
        if (previous == role) return;
        uint256 unitsBefore = votingUnitsOf(account);
        bool wasFounder = _isActiveFounder(account);
        m.role = role;
        _afterRecordChange(account, unitsBefore, wasFounder);
        emit MemberRoleChanged(account, previous, role);
    }

    /// @inheritdoc IConsortiumMembership
    function setWeight(address account, uint96 weight) external onlyGovernance {
        Member storage m = _members[account];
        if (m.status != Status.Active && m.status != Status.Suspended) {
            revert MembershipUnexpectedStatus(account, m.status);
        }
        if (weight == 0 || weight > MAX_WEIGHT) revert MembershipInvalidWeight(weight);
        uint96 previous = m.weight;
        if (previous == weight) return;
        uint256 unitsBefore = votingUnitsOf(account);
        m.weight = weight;
        _afterRecordChange(account, unitsBefore, _isActiveFounder(account));
        emit MemberWeightChanged(account, previous, weight);
    }

    /// @inheritdoc IConsortiumMembership
    function amendAgreement(bytes32 contentHash, string calldata uri) external onlyGovernance {
        _amendAgreement(contentHash, uri);
    }

    // ------------------------------------------------------------------ member operations

    /// @inheritdoc IConsortiumMembership
    function resign() external {
        Status status = _members[msg.sender].status;
        if (status != Status.Active && status != Status.Suspended) {
            revert MembershipUnexpectedStatus(msg.sender, status);
        }
        _setStatus(msg.sender, Status.Resigned);
    }

    /// @inheritdoc IConsortiumMembership
    function appointProxy(address proxy) external {
        if (proxy == msg.sender) revert MembershipInvalidProxy(msg.sender, proxy);
        _delegate(msg.sender, proxy);
    }

    /// @inheritdoc IConsortiumMembership
    function revokeProxy() external {
        if (proxyOf(msg.sender) == address(0)) revert MembershipNoProxy(msg.sender);
        _delegate(msg.sender, msg.sender);
    }

    /**
     * @notice ERC-5805 delegation, kept for standard tooling: delegating to another active voting member appoints
     * it as proxy, delegating to oneself revokes the proxy.
     * @dev Same rules as {appointProxy} and {revokeProxy}.
     */
    function delegate(address delegatee) public override(IVotes, Votes) {
        _delegate(msg.sender, delegatee);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IConsortiumMembership
    function memberOf(address account) external view returns (Member memory) {
        return _members[account];
    }

    /// @inheritdoc IConsortiumMembership
    function isActiveMember(address account) external view returns (bool) {
        return _members[account].status == Status.Active;
    }

    /// @inheritdoc IConsortiumMembership
    function voterOf(address account) external view returns (uint256 index, Status status) {
        Member storage m = _members[account];
        return (m.index, m.status);
    }

    /// @inheritdoc IConsortiumMembership
    function votingUnitsOf(address account) public view returns (uint256) {
        Member storage m = _members[account];
        return (m.status == Status.Active && m.role != Role.Observer) ? m.weight : 0;
    }

    /**
     * @notice Total voting power at `timepoint`, which must be in the past (ERC-5805).
     * @dev Reads the latest total directly when it has not changed since `timepoint` (the usual case for a
     * proposal's snapshot), so the cost does not grow with the history of membership changes.
     */
    function getPastTotalSupply(uint256 timepoint) public view override(IVotes, Votes) returns (uint256) {
        if (timepoint >= _totalChangedAt && timepoint < clock()) return _getTotalSupply();
        return super.getPastTotalSupply(timepoint);
    }

    /**
     * @notice The account that votes with `account`'s power: its proxy if it appointed one, else itself.
     * @dev Self by default, so a new member votes from its admission without a delegation record (a member that
     * stops voting has its proxy revoked, so a readmitted member also starts with its own power).
     */
    function delegates(address account) public view override(IVotes, Votes) returns (address) {
        address delegatee = super.delegates(account);
        return delegatee == address(0) ? account : delegatee;
    }

    /// @inheritdoc IConsortiumMembership
    function proxyOf(address account) public view returns (address) {
        address delegatee = delegates(account);
        return delegatee == account ? address(0) : delegatee;
    }

    /// @notice The members that appointed `proxy`.
    function principalsOf(address proxy) external view returns (address[] memory) {
        return _principals[proxy].values();
    }

    /// @inheritdoc IConsortiumMembership
    function memberCount() external view returns (uint256) {
        return _accounts.length;
    }

    /// @inheritdoc IConsortiumMembership
    function memberAt(uint256 index) external view returns (address) {
        return _accounts[index];
    }

    /// @inheritdoc IConsortiumMembership
    function activeFoundingPartners() external view returns (uint256) {
        return _activeFounders;
    }

    /// @inheritdoc IConsortiumMembership
    function agreementVersion() external view returns (uint256) {
        return _agreements.length;
    }

    /// @inheritdoc IConsortiumMembership
    function agreement(uint256 version) external view returns (AgreementVersion memory) {
        if (version == 0 || version > _agreements.length) revert MembershipUnknownAgreementVersion(version);
        return _agreements[version - 1];
    }

    // ------------------------------------------------------------------ internals

    function _admit(address account, Role role, StakeholderGroup group, uint96 weight, string memory name) private {
        if (account == address(0) || account == governance || account == address(this)) {
            revert MembershipInvalidAccount(account);
        }
        if (role == Role.None) revert MembershipInvalidRole(role);
        if (weight == 0 || weight > MAX_WEIGHT) revert MembershipInvalidWeight(weight);
        Member storage m = _members[account];
        if (m.status == Status.Active || m.status == Status.Suspended) revert MembershipAlreadyMember(account);
        if (m.status == Status.None) {
            m.index = SafeCast.toUint32(_accounts.length);
            _accounts.push(account);
        }
        uint48 joinedAt = clock();
        m.role = role;
        m.group = group;
        m.status = Status.Active;
        m.joinedAt = joinedAt;
        m.weight = weight;
        m.name = name;
        _afterRecordChange(account, 0, false);
        emit MemberAdmitted(account, role, group, weight, name, joinedAt);
    }

    function _setStatus(address account, Status status) private {
        Member storage m = _members[account];
        Status previous = m.status;
        uint256 unitsBefore = votingUnitsOf(account);
        bool wasFounder = _isActiveFounder(account);
        m.status = status;
        _afterRecordChange(account, unitsBefore, wasFounder);
        emit MemberStatusChanged(account, previous, status);
    }

    /**
     * @dev Brings voting power, the founding-partner count and proxies in line with `account`'s (already updated)
     * record. Reverts if the change would leave no active founding partner.
     */
    function _afterRecordChange(address account, uint256 unitsBefore, bool wasFounder) private {
        bool isFounder = _isActiveFounder(account);
        if (wasFounder && !isFounder) {
            if (_activeFounders == 1) revert MembershipLastFoundingPartner(account);
            --_activeFounders;
        } else if (!wasFounder && isFounder) {
            ++_activeFounders;
        }

        uint256 unitsAfter = votingUnitsOf(account);
        if (unitsAfter > unitsBefore) {
            _transferVotingUnits(address(0), account, unitsAfter - unitsBefore);
        } else if (unitsAfter < unitsBefore) {
            _transferVotingUnits(account, address(0), unitsBefore - unitsAfter);
        }
        if (unitsAfter != unitsBefore) _totalChangedAt = clock();

        if (!_canVote(account)) {
            // A member that cannot vote can neither hold a proxy appointment nor act as a proxy.
            if (proxyOf(account) != address(0)) _delegate(account, account);
            EnumerableSet.AddressSet storage principals = _principals[account];
            while (principals.length() > 0) {
                address principal = principals.at(principals.length() - 1);
                _delegate(principal, principal);
            }
        }
    }

    function _seal() private {
        if (_activeFounders == 0) revert MembershipLastFoundingPartner(address(0));
        delete bootstrapper;
        emit InitialMembersSealed(_accounts.length);
    }

    function _amendAgreement(bytes32 contentHash, string memory uri) private {
        if (contentHash == bytes32(0) || bytes(uri).length == 0) revert MembershipInvalidAgreement();
        _agreements.push(AgreementVersion({contentHash: contentHash, adoptedAt: clock(), uri: uri}));
        emit AgreementAmended(_agreements.length, contentHash, uri);
    }

    /**
     * @dev Every change of delegation passes here: appointing a proxy requires both sides to be active voting
     * members; returning the power to oneself is always allowed.
     */
    function _delegate(address account, address delegatee) internal override {
        address previous = delegates(account);
        if (previous == delegatee) {
            if (delegatee != account) revert MembershipInvalidProxy(account, delegatee);
            return;
        }
        if (delegatee != account && (!_canVote(account) || !_canVote(delegatee))) {
            revert MembershipInvalidProxy(account, delegatee);
        }
        if (previous != address(0) && previous != account) {
            _principals[previous].remove(account);
            emit ProxyRevoked(account, previous);
        }
        if (delegatee != account) {
            _principals[delegatee].add(account);
            emit ProxyAppointed(account, delegatee);
        }
        super._delegate(account, delegatee);
    }

    function _getVotingUnits(address account) internal view override returns (uint256) {
        return votingUnitsOf(account);
    }

    function _canVote(address account) private view returns (bool) {
        Member storage m = _members[account];
        return m.status == Status.Active && m.role != Role.Observer;
    }

    function _isActiveFounder(address account) private view returns (bool) {
        Member storage m = _members[account];
        return m.status == Status.Active && m.role == Role.FoundingPartner;
    }
}
