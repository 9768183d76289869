// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Votes} from "@openzeppelin/contracts/governance/utils/Votes.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {IConsortiumMembership} from "./interfaces/IConsortiumMembership.sol";
import {AgreementRules} from "./membership/AgreementRules.sol";
import {ClassPower} from "./libraries/ClassPower.sol";

/**
 * @title ConsortiumMembership
 * @notice The consortium agreement on chain and the governor's voting-power source (ERC-5805, timestamp clock): the
 * partners and their memberships, the versions of the agreement's text (hash and URI) and its decision rules
 * ({AgreementRules}: quorum and approval per category, checkpointed), all changed by governance only.
 *
 * One non-transferable membership per organisation address. An active member with a voting role holds its weight
 * as voting power from the moment it is admitted, with no delegation step; it may appoint another active voting
 * member as its proxy. Power is checkpointed, so each proposal's electorate is frozen at its snapshot. Indexers see
 * it as a token: ERC-20-style `name`, `symbol`, `decimals` (0), `totalSupply` and `balanceOf` (a member's own
 * voting units), a {Transfer} event for every change of units, and ERC-5805's delegation events.
 *
 * Protections (see README, "Categories"): the agreement's partners, and members given one by a constitutional
 * decision, also hold a constitutional vote, counted in a second checkpointed electorate, so power admitted under
 * the membership rule never weighs in constitutional decisions; governance can never give one member more than
 * the agreement's cap on a single share ({maxShare}); the governor, the timelock and this registry can never be
 * members; a proxy represents at most {MAX_PRINCIPALS} members, so sanctioning it always fits in a block.
 *
 * Admission, removal, suspension, reinstatement, role, group, weight and constitutional-vote changes and agreement
 * amendments are made by governance only (the timelock that executes passed proposals). A member may resign.
 *
 * @dev Voting units of `account` are derived from its record ({votingUnitsOf}); every record change moves the
 * difference through {Votes-_transferVotingUnits} (and the constitutional electorate alike), so each total always
 * equals the sum of its members' units. Each member's units, constitutional units, role and group, and its
 * delegation, are also checkpointed ({pastDelegation}): the governor lets a member vote itself on a proposal whose
 * snapshot precedes the moment its proxy lost its vote. OpenZeppelin's {VotesExtended} keeps the units and the
 * delegation too, but not the constitutional units, role and group, so this contract keeps one packed history
 * instead of adding a second.
 */
contract ConsortiumMembership is IConsortiumMembership, Votes, AgreementRules {
    using EnumerableSet for EnumerableSet.AddressSet;
    using Checkpoints for Checkpoints.Trace208;
    using Checkpoints for Checkpoints.Trace160;

    /// @notice Deployment parameters.
    struct Setup {
        address governance;
        address governor;
        address bootstrapper;
        bytes32 agreementHash;
        string agreementURI;
        string name;
        string symbol;
        uint16 maxShareNumerator;
        uint16 maxShareDenominator;
    }

    /// @notice The largest voting weight a member may hold.
    uint32 public constant MAX_WEIGHT = 1_000_000;
    /// @notice The largest total voting power (the governor's tallies are 32-bit).
    uint256 public constant MAX_TOTAL_POWER = type(uint32).max;
    /// @notice The most members one proxy may represent: sanctioning the busiest proxy costs at most about 4.6M gas
    /// (measured at 1,500 members), within a 5M budget and far below a block.
    uint256 public constant MAX_PRINCIPALS = 40;

    uint256 private constant _UNITS_BITS = 96;
    uint256 private constant _ROLE_SHIFT = 192;
    /// @dev Width of the constitutional votes in a {_delegationHistory} checkpoint (the total is at most 32 bits).
    uint256 private constant _VOTES_BITS = 48;
    uint256 private constant _GROUP_SHIFT = 200;
    /// @dev The statuses of a current member (active or suspended), as a bit mask of {Status} values.
    uint256 private constant _CURRENT = (1 << uint8(Status.Active)) | (1 << uint8(Status.Suspended));

    /// @inheritdoc IConsortiumMembership
    address public immutable governance;
    /// @inheritdoc IConsortiumMembership
    address public immutable governor;
    uint16 private immutable _maxShareNumerator;
    uint16 private immutable _maxShareDenominator;

    /**
     * @dev The current totals of both electorates and when each last changed, in one slot: a proposal's first vote
     * reads its electorate's power at the snapshot from here, without a checkpoint search, whenever it has not
     * changed since (the usual case).
     */
    struct Totals {
        uint48 generalChangedAt;
        uint32 general;
        uint48 constitutionalChangedAt;
        uint32 constitutional;
    }

    Totals private _totals;
    /// @inheritdoc IConsortiumMembership
    address public bootstrapper;
    /// @dev Whether the initial membership is complete; the cap on one share is enforced from then on.
    bool private _sealed;
    /// @dev The initial partner with the most units, checked against the cap when sealing.
    address private _largestInitialMember;
    uint32 private _largestInitialUnits;

    string private _name;
    string private _symbol;
    mapping(address account => Member) private _members;
    address[] private _accounts;
    uint256 private _activeFounders;
    mapping(address proxy => EnumerableSet.AddressSet) private _principals;
    AgreementVersion[] private _agreements;
    Checkpoints.Trace208 private _constitutionalSupply;
    /**
     * @dev Per member, its past states keyed by the time each began: units | constitutional units << 96 | role << 192
     * | group << 200. The current state (since `stateSince`) is the record itself, so a member whose units, role
     * and group never changed since admission has no history at all.
     */
    mapping(address account => Checkpoints.Trace208) private _memberHistory;
    /**
     * @dev Per account, two histories in one trace, so that a change of delegation writes one checkpoint, not two:
     * the constitutional votes delegated to it (the low {_VOTES_BITS} bits) and the delegatee it chose (above them;
     * zero until its first change of delegation).
     */
    mapping(address account => Checkpoints.Trace208) private _delegationHistory;
    /// @dev The power of each class of members, and of each proxy's principals by class.
    ClassPower.Book private _classPower;

    modifier onlyGovernance() {
        _checkGovernance();
        _;
    }

    /**
     * @param setup Governance (the timelock), the governor, the bootstrapper (zero if `initialMembers` are all the
     * partners; otherwise the deployer, who adds the rest with {addInitialMembers} and then calls
     * {sealInitialMembers}), the agreement's SHA-256 and URI, the ERC-20-style name and symbol, and the cap on one
     * member's share of the power.
     * @param initialMembers The partners of the agreement; at least one must be a founding partner.
     * @param floors The lowest quorum (above zero) and approval threshold (at least one half) any rule may have, and
     * the chamber conditions every rule set must keep.
     * @param rules The agreement's decision rules, in force from deployment on.
     */
    constructor(
        Setup memory setup,
        InitialMember[] memory initialMembers,
        RuleFloors memory floors,
        RuleSet memory rules
    ) EIP712("ConsortiumMembership", "1") AgreementRules(floors, rules) {
        if (setup.governance == address(0)) revert MembershipInvalidAccount(setup.governance);
        if (setup.governor == address(0)) revert MembershipInvalidAccount(setup.governor);
        if (setup.maxShareNumerator == 0 || 2 * uint256(setup.maxShareNumerator) > setup.maxShareDenominator) {
            revert MembershipInvalidCap();
        }
        governance = setup.governance;
        governor = setup.governor;
        _maxShareNumerator = setup.maxShareNumerator;
        _maxShareDenominator = setup.maxShareDenominator;
        _name = setup.name;
        _symbol = setup.symbol;
        for (uint256 i = 0; i < initialMembers.length; ++i) {
            InitialMember memory m = initialMembers[i];
            _admit(m.account, m.role, m.group, m.weight, m.name, true);
        }
        _amendAgreement(setup.agreementHash, setup.agreementURI);
        if (setup.bootstrapper == address(0)) {
            _seal();
        } else {
            bootstrapper = setup.bootstrapper;
        }
    }

    // ------------------------------------------------------------------ clock (ERC-6372) and introspection

    /// @notice The current timepoint: the block timestamp (agreements speak in days, not blocks).
    function clock() public view override(IERC6372, Votes) returns (uint48) {
        return Time.timestamp();
    }

    /// @notice Machine-readable description of the clock (ERC-6372).
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override(IERC6372, Votes) returns (string memory) {
        return "mode=timestamp";
    }

    /// @notice ERC-165: IVotes, IERC6372 and their union IERC5805 (whose own interface id would be empty).
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return
            interfaceId == type(IERC165).interfaceId ||
            interfaceId == type(IVotes).interfaceId ||
            interfaceId == type(IERC6372).interfaceId ||
            interfaceId == (type(IVotes).interfaceId ^ type(IERC6372).interfaceId);
    }

    // ------------------------------------------------------------------ token views (ERC-20 style, read-only)

    /// @notice Name of the voting units, for explorers and indexers.
    function name() external view returns (string memory) {
        return _name;
    }

    /// @notice Symbol of the voting units, for explorers and indexers.
    function symbol() external view returns (string memory) {
        return _symbol;
    }

    /// @notice Voting units are whole numbers.
    function decimals() external pure returns (uint8) {
        return 0;
    }

    /// @notice Total voting units of all active voting members.
    function totalSupply() external view returns (uint256) {
        return _totals.general;
    }

    /// @notice `account`'s own voting units (its weight if it is an active voting member), whoever votes with them.
    function balanceOf(address account) external view returns (uint256) {
        return votingUnitsOf(account);
    }

    // ------------------------------------------------------------------ deployment

    /// @inheritdoc IConsortiumMembership
    function addInitialMembers(InitialMember[] calldata members) external {
        if (msg.sender != bootstrapper) revert MembershipOnlyBootstrapper(msg.sender);
        for (uint256 i = 0; i < members.length; ++i) {
            InitialMember calldata m = members[i];
            _admit(m.account, m.role, m.group, m.weight, m.name, true);
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
        uint32 weight,
        string calldata name_
    ) external onlyGovernance {
        _admit(account, role, group, weight, name_, role == Role.FoundingPartner);
    }

    /// @inheritdoc IConsortiumMembership
    function remove(address account) external onlyGovernance {
        _setStatus(account, _CURRENT, Status.Removed);
    }

    /// @inheritdoc IConsortiumMembership
    function suspend(address account) external onlyGovernance {
        _setStatus(account, 1 << uint8(Status.Active), Status.Suspended);
    }

    /// @inheritdoc IConsortiumMembership
    function reinstate(address account) external onlyGovernance {
        _setStatus(account, 1 << uint8(Status.Suspended), Status.Active);
    }

    /// @inheritdoc IConsortiumMembership
    function setRole(address account, Role role) external onlyGovernance {
        Member storage m = _currentMember(account);
        if (role == Role.None) revert MembershipInvalidRole(role);
        Role previous = m.role;
        if (previous == role) return;
        uint256 before = _stateOf(m);
        m.role = role;
        if (role == Role.FoundingPartner && !m.constitutionalVote) {
            m.constitutionalVote = true;
            emit MemberConstitutionalVoteChanged(account, true);
        }
        _afterRecordChange(account, before);
        emit MemberRoleChanged(account, previous, role);
    }

    /// @inheritdoc IConsortiumMembership
    function setGroup(address account, StakeholderGroup group) external onlyGovernance {
        Member storage m = _currentMember(account);
        StakeholderGroup previous = m.group;
        if (previous == group) return;
        uint256 before = _stateOf(m);
        m.group = group;
        _afterRecordChange(account, before);
        emit MemberGroupChanged(account, previous, group);
    }

    /// @inheritdoc IConsortiumMembership
    function setWeight(address account, uint32 weight) external onlyGovernance {
        Member storage m = _currentMember(account);
        if (weight == 0 || weight > MAX_WEIGHT) revert MembershipInvalidWeight(weight);
        uint32 previous = m.weight;
        if (previous == weight) return;
        uint256 before = _stateOf(m);
        m.weight = weight;
        _afterRecordChange(account, before);
        emit MemberWeightChanged(account, previous, weight);
    }

    /// @inheritdoc IConsortiumMembership
    function setConstitutionalVote(address account, bool constitutionalVote) external onlyGovernance {
        Member storage m = _currentMember(account);
        if (m.constitutionalVote == constitutionalVote) return;
        if (m.role == Role.FoundingPartner) revert MembershipFounderConstitutionalVote(account);
        uint256 before = _stateOf(m);
        m.constitutionalVote = constitutionalVote;
        _afterRecordChange(account, before);
        emit MemberConstitutionalVoteChanged(account, constitutionalVote);
    }

    /// @inheritdoc IConsortiumMembership
    function amendAgreement(bytes32 contentHash, string calldata uri) external onlyGovernance {
        _amendAgreement(contentHash, uri);
    }

    /// @notice Replace the agreement's decision rules, from now on. Governance only (constitutional).
    function updateRules(RuleSet calldata rules) external onlyGovernance {
        _setRules(rules);
    }

    // ------------------------------------------------------------------ member operations

    /// @inheritdoc IConsortiumMembership
    function resign() external {
        _setStatus(msg.sender, _CURRENT, Status.Resigned);
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
    function maxShare() external view returns (uint16 numerator, uint16 denominator) {
        return (_maxShareNumerator, _maxShareDenominator);
    }

    /// @inheritdoc IConsortiumMembership
    function memberOf(address account) external view returns (Member memory) {
        return _members[account];
    }

    /// @inheritdoc IConsortiumMembership
    function isActiveMember(address account) external view returns (bool) {
        return _members[account].status == Status.Active;
    }

    /// @inheritdoc IConsortiumMembership
    function voterOf(address account) external view returns (uint256 index, bool canVote, uint48 votingSince) {
        uint256 word = _recordWord(_members[account]);
        if (uint8(word >> 16) == uint8(Status.None)) return (type(uint256).max, false, 0);
        return (uint32(word >> 208), _canVote(word), uint48(word >> 80));
    }

    /// @inheritdoc IConsortiumMembership
    function voterAt(
        address account,
        uint256 timepoint,
        bool constitutional
    ) external view returns (uint256 index, bool canVote, uint48 votingSince, uint256 votes, uint256 state) {
        uint256 word = _recordWord(_members[account]);
        if (uint8(word >> 16) == uint8(Status.None)) return (type(uint256).max, false, 0, 0, 0);
        uint48 at = _validateTimepoint(timepoint);
        votes = constitutional ? uint48(_delegationHistory[account].upperLookupRecent(at)) : getPastVotes(account, timepoint);
        uint48 stateSince = uint48(word >> 128);
        state = at >= stateSince && stateSince != 0 ? _stateOfWord(word) : _memberHistory[account].upperLookupRecent(at);
        return (uint32(word >> 208), _canVote(word), uint48(word >> 80), votes, state);
    }

    /// @inheritdoc IConsortiumMembership
    function classPowerAt(uint256 timepoint, uint256 classes) external view returns (uint256[12] memory) {
        return ClassPower.powerAt(_classPower, classes, _validateTimepoint(timepoint));
    }

    /// @inheritdoc IConsortiumMembership
    function votesByClassAt(address account, uint256 timepoint) external view returns (uint256[12] memory) {
        uint48 at = _validateTimepoint(timepoint);
        address delegatee = address(uint160(_delegationHistory[account].upperLookupRecent(at) >> _VOTES_BITS));
        bool own = delegatee == address(0) || delegatee == account;
        return ClassPower.votesAt(_classPower, account, _stateAt(account, at), own, at);
    }

    /// @inheritdoc IConsortiumMembership
    function electorateAt(
        uint256 timepoint,
        Category category
    ) external view returns (uint256 power, uint256 rule, bool earlyClose, uint256 chambers) {
        power = category == Category.Constitutional ? getPastConstitutionalSupply(timepoint) : getPastTotalSupply(timepoint);
        (rule, earlyClose, chambers) = _packedRuleAt(timepoint, category);
    }

    /// @inheritdoc IConsortiumMembership
    function pastDelegation(
        address account,
        uint256 timepoint
    ) external view returns (address delegatee, uint256 units, uint256 constitutionalUnits) {
        uint48 at = _validateTimepoint(timepoint);
        delegatee = address(uint160(_delegationHistory[account].upperLookupRecent(at) >> _VOTES_BITS));
        if (delegatee == address(0)) delegatee = account;
        uint256 state = _stateAt(account, at);
        return (delegatee, uint96(state), uint96(state >> _UNITS_BITS));
    }

    /// @inheritdoc IConsortiumMembership
    function votingUnitsOf(address account) public view returns (uint256) {
        uint256 word = _recordWord(_members[account]);
        return _canVote(word) ? uint32(word >> 176) : 0;
    }

    /// @inheritdoc IConsortiumMembership
    function getPastConstitutionalVotes(address account, uint256 timepoint) external view returns (uint256) {
        return uint48(_delegationHistory[account].upperLookupRecent(_validateTimepoint(timepoint)));
    }

    /**
     * @inheritdoc IConsortiumMembership
     * @dev Reads the current total directly when it has not changed since `timepoint`.
     */
    function getPastConstitutionalSupply(uint256 timepoint) public view returns (uint256) {
        Totals memory totals = _totals;
        if (timepoint >= totals.constitutionalChangedAt && timepoint < clock()) return totals.constitutional;
        return _constitutionalSupply.upperLookupRecent(_validateTimepoint(timepoint));
    }

    /**
     * @notice Total voting power at `timepoint`, which must be in the past (ERC-5805).
     * @dev Reads the current total directly when it has not changed since `timepoint` (the usual case for a
     * proposal's snapshot), so the cost does not grow with the history of membership changes.
     */
    function getPastTotalSupply(uint256 timepoint) public view override(IVotes, Votes) returns (uint256) {
        Totals memory totals = _totals;
        if (timepoint >= totals.generalChangedAt && timepoint < clock()) return totals.general;
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

    /// @inheritdoc IConsortiumMembership
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

    function _admit(
        address account,
        Role role,
        StakeholderGroup group,
        uint32 weight,
        string memory name_,
        bool constitutionalVote
    ) private {
        if (account == address(0) || account == governance || account == governor || account == address(this)) {
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
        uint256 before = _stateOf(m);
        uint48 joinedAt = clock();
        m.role = role;
        m.group = group;
        m.status = Status.Active;
        m.constitutionalVote = constitutionalVote;
        m.joinedAt = joinedAt;
        m.weight = weight;
        m.name = name_;
        emit DelegateChanged(account, address(0), account);
        _afterRecordChange(account, before);
        emit MemberAdmitted(account, role, group, weight, constitutionalVote, name_, joinedAt);
    }

    /// @dev Changes `account`'s status to `status`; reverts unless its current status is one of the bit mask `from`.
    function _setStatus(address account, uint256 from, Status status) private {
        Member storage m = _members[account];
        Status previous = m.status;
        if ((from >> uint8(previous)) & 1 == 0) revert MembershipUnexpectedStatus(account, previous);
        uint256 before = _stateOf(m);
        m.status = status;
        _afterRecordChange(account, before);
        emit MemberStatusChanged(account, previous, status);
    }

    /// @dev Reverts unless the caller is governance (the timelock).
    function _checkGovernance() private view {
        if (msg.sender != governance) revert MembershipOnlyGovernance(msg.sender);
    }

    /// @dev The record of an active or suspended member (the only ones governance can change).
    function _currentMember(address account) private view returns (Member storage m) {
        m = _members[account];
        if (m.status != Status.Active && m.status != Status.Suspended) {
            revert MembershipUnexpectedStatus(account, m.status);
        }
    }

    /**
     * @dev Brings both electorates, the founding-partner count, the member's history and proxies in line with
     * `account`'s (already updated) record; `before` is {_stateOf} the record before the change. Reverts if the
     * change would leave no active founding partner, give the member more than the cap allows, or exceed
     * {MAX_TOTAL_POWER}.
     */
    function _afterRecordChange(address account, uint256 before) private {
        Member storage m = _members[account];
        uint256 current = _stateOf(m);
        if (current == before) return;
        uint256 unitsBefore = uint96(before);
        uint256 unitsAfter = uint96(current);
        uint256 constitutionalBefore = uint96(before >> _UNITS_BITS);
        uint256 constitutionalAfter = uint96(current >> _UNITS_BITS);

        bool wasFounder = unitsBefore > 0 && uint8(before >> _ROLE_SHIFT) == uint8(Role.FoundingPartner);
        bool isFounder = unitsAfter > 0 && m.role == Role.FoundingPartner;
        if (wasFounder && !isFounder) {
            if (_activeFounders == 1) revert MembershipLastFoundingPartner(account);
            --_activeFounders;
        } else if (!wasFounder && isFounder) {
            ++_activeFounders;
        }

        uint48 now_ = clock();
        if (m.stateSince != now_) {
            // The state that held since `stateSince` becomes history (a first admission has none to keep).
            if (m.stateSince != 0) _memberHistory[account].push(m.stateSince, SafeCast.toUint208(before));
            m.stateSince = now_;
        }
        ClassPower.move(_classPower, proxyOf(account), before, current, now_);
        Totals memory totals = _totals;
        if (unitsAfter != unitsBefore) {
            if (unitsBefore == 0) m.votingSince = now_;
            if (unitsAfter > unitsBefore) {
                _transferVotingUnits(address(0), account, unitsAfter - unitsBefore);
                emit Transfer(address(0), account, unitsAfter - unitsBefore);
                uint256 total = totals.general + unitsAfter - unitsBefore;
                if (total > MAX_TOTAL_POWER) revert MembershipTotalPowerTooLarge(total);
                _checkShare(account, unitsAfter, total);
                totals.general = uint32(total);
            } else {
                _transferVotingUnits(account, address(0), unitsBefore - unitsAfter);
                emit Transfer(account, address(0), unitsBefore - unitsAfter);
                totals.general -= uint32(unitsBefore - unitsAfter);
            }
            totals.generalChangedAt = now_;
        }
        if (constitutionalAfter != constitutionalBefore) {
            address delegatee = delegates(account);
            if (constitutionalAfter > constitutionalBefore) {
                _moveConstitutional(address(0), delegatee, constitutionalAfter - constitutionalBefore);
                totals.constitutional += uint32(constitutionalAfter - constitutionalBefore);
                _checkShare(account, constitutionalAfter, totals.constitutional);
            } else {
                _moveConstitutional(delegatee, address(0), constitutionalBefore - constitutionalAfter);
                totals.constitutional -= uint32(constitutionalBefore - constitutionalAfter);
            }
            totals.constitutionalChangedAt = now_;
        }
        _totals = totals;

        if (unitsAfter == 0) {
            // A member that cannot vote can neither hold a proxy appointment nor act as a proxy.
            if (proxyOf(account) != address(0)) _delegate(account, account);
            _releasePrincipals(account);
        }
    }

    /**
     * @dev Every principal of `proxy` votes itself again; the proxy's delegated class power drops to zero in one write
     * per class, not one per principal.
     */
    function _releasePrincipals(address proxy) private {
        EnumerableSet.AddressSet storage principals = _principals[proxy];
        uint256 count = principals.length();
        if (count == 0) return;
        for (uint256 i = count; i > 0; --i) {
            address principal = principals.at(i - 1);
            _changeDelegation(principal, principal, false);
        }
        ClassPower.release(_classPower, proxy, clock());
    }

    /// @dev Reverts if `units` of `total` exceeds the cap on one share; before sealing, remembers the largest.
    function _checkShare(address account, uint256 units, uint256 total) private {
        if (!_sealed) {
            if (units > _largestInitialUnits) {
                _largestInitialMember = account;
                _largestInitialUnits = SafeCast.toUint32(units);
            }
        } else if (units * _maxShareDenominator > total * _maxShareNumerator) {
            revert MembershipShareAboveCap(account, units, total);
        }
    }

    /**
     * @dev Moves constitutional voting power between delegates; the zero address mints or burns. A delegate's votes
     * are the low bits of its {_delegationHistory} checkpoints: adding to or taking from the whole value changes only
     * them, as they never go below zero nor above the total (32 bits).
     */
    function _moveConstitutional(address from, address to, uint256 amount) private {
        if (from == to || amount == 0) return;
        uint48 now_ = clock();
        uint208 delta = SafeCast.toUint208(amount);
        if (from == address(0)) {
            _constitutionalSupply.push(now_, _constitutionalSupply.latest() + delta);
        } else {
            Checkpoints.Trace208 storage trace = _delegationHistory[from];
            trace.push(now_, trace.latest() - delta);
        }
        if (to == address(0)) {
            _constitutionalSupply.push(now_, _constitutionalSupply.latest() - delta);
        } else {
            Checkpoints.Trace208 storage trace = _delegationHistory[to];
            trace.push(now_, trace.latest() + delta);
        }
    }

    /// @dev `account`'s state at `timepoint` (see {_memberHistory}).
    function _stateAt(address account, uint48 timepoint) private view returns (uint256) {
        Member storage m = _members[account];
        if (timepoint >= m.stateSince && m.stateSince != 0) return _stateOf(m);
        return _memberHistory[account].upperLookupRecent(timepoint);
    }

    /// @dev The record as checkpointed: units | constitutional units << 96 | role << 192 | group << 200.
    function _stateOf(Member storage m) private view returns (uint256) {
        return _stateOfWord(_recordWord(m));
    }

    /**
     * @dev The fixed fields of a member record, in one read of their slot (Solidity's layout of {Member}, from the
     * lowest bits): role, group, status and constitutional vote (a byte each) at bits 0, 8, 16 and 24; joinedAt,
     * votingSince and stateSince (48 bits each) at 32, 80 and 128; weight and index (32 bits each) at 176 and 208.
     */
    function _recordWord(Member storage m) private view returns (uint256 word) {
        assembly ("memory-safe") {
            word := sload(m.slot)
        }
    }

    /// @dev Whether a record's word ({_recordWord}) is an active member with a vote (not an observer).
    function _canVote(uint256 word) private pure returns (bool) {
        return uint8(word >> 16) == uint8(Status.Active) && uint8(word) != uint8(Role.Observer);
    }

    /// @dev {_stateOf} of a record's word ({_recordWord}).
    function _stateOfWord(uint256 word) private pure returns (uint256) {
        uint256 units = _canVote(word) ? uint32(word >> 176) : 0;
        uint256 constitutionalUnits = uint8(word >> 24) != 0 ? units : 0;
        return
            units |
            (constitutionalUnits << _UNITS_BITS) |
            (uint256(uint8(word)) << _ROLE_SHIFT) |
            (uint256(uint8(word >> 8)) << _GROUP_SHIFT);
    }


    function _seal() private {
        if (_activeFounders == 0) revert MembershipLastFoundingPartner(address(0));
        uint256 total = _totals.general;
        if (uint256(_largestInitialUnits) * _maxShareDenominator > total * _maxShareNumerator) {
            revert MembershipShareAboveCap(_largestInitialMember, _largestInitialUnits, total);
        }
        _sealed = true;
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
     * members, no chain (the appointing member holds no proxies, the proxy has none of its own) and room among the
     * proxy's principals; returning the power to oneself is always allowed.
     */
    function _delegate(address account, address delegatee) internal override {
        _changeDelegation(account, delegatee, true);
    }

    /**
     * @dev {_delegate}; `classes`: whether to move the member's class power between the proxies too (false only when
     * the previous proxy is losing all its principals and {ClassPower-release} follows).
     */
    function _changeDelegation(address account, address delegatee, bool classes) private {
        address previous = delegates(account);
        if (previous == delegatee) {
            if (delegatee != account) revert MembershipInvalidProxy(account, delegatee);
            return;
        }
        if (delegatee != account) {
            if (!_canVote(_recordWord(_members[account])) || !_canVote(_recordWord(_members[delegatee]))) revert MembershipInvalidProxy(account, delegatee);
            if (_principals[account].length() != 0 || delegates(delegatee) != delegatee) {
                revert MembershipProxyChain(account, delegatee);
            }
            if (_principals[delegatee].length() >= MAX_PRINCIPALS) revert MembershipTooManyPrincipals(delegatee);
        }
        if (previous != account) {
            _principals[previous].remove(account);
            emit ProxyRevoked(account, previous);
        }
        if (delegatee != account) {
            _principals[delegatee].add(account);
            emit ProxyAppointed(account, delegatee);
        }
        super._delegate(account, delegatee);
        Member storage m = _members[account];
        if (m.constitutionalVote) _moveConstitutional(previous, delegatee, votingUnitsOf(account));
        uint48 now_ = clock();
        if (classes && votingUnitsOf(account) != 0) {
            address from = previous == account ? address(0) : previous;
            ClassPower.delegate(_classPower, _stateOf(m), from, delegatee == account ? address(0) : delegatee, now_);
        }
        Checkpoints.Trace208 storage history = _delegationHistory[account];
        history.push(now_, (uint208(uint160(delegatee)) << _VOTES_BITS) | uint48(history.latest()));
    }

    function _rulesClock() internal view override returns (uint48) {
        return clock();
    }

    function _getVotingUnits(address account) internal view override returns (uint256) {
        return votingUnitsOf(account);
    }

}
