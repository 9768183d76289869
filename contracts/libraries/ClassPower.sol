// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

/**
 * @title ClassPower
 * @notice The voting power of each of the twelve classes of members (role x stakeholder group, see
 * {IConsortiumRules}), and of each proxy's principals by class, checkpointed: what chamber conditions are judged
 * against. Kept by the membership registry.
 *
 * A member's power in its class is four 32-bit lanes, from the lowest: its voting units, its constitutional voting
 * units, 1 if it has units (a member, counted), 1 if it has constitutional units. A class's power is the lane-wise
 * sum over its members; a proxy's delegated power in a class the sum over its principals of that class.
 *
 * @dev A linked library, so that the registry's own code stays within the size limit. A member state is packed as
 * the registry checkpoints it: units | constitutional units << 96 | role << 192 | group << 200.
 */
library ClassPower {
    using Checkpoints for Checkpoints.Trace208;

    /// @dev The class traces of a registry.
    struct Book {
        mapping(uint256 class => Checkpoints.Trace208) classes;
        mapping(address proxy => mapping(uint256 class => Checkpoints.Trace208)) delegated;
        mapping(address proxy => uint256 classes) delegatedClasses;
    }

    /// @dev Role number of founding partners in a packed state (see {IConsortiumMembership-Role}).
    uint256 private constant _FOUNDING_PARTNER = 1;
    uint256 private constant _CLASSES = 12;

    /**
     * @dev A member's state changed from `before` to `current` at `now_`: moves its lanes between classes, and at its
     * proxy (zero if none).
     */
    function move(Book storage book, address proxy, uint256 before, uint256 current, uint48 now_) external {
        (uint256 classBefore, uint256 lanesBefore) = lanes(before);
        (uint256 classAfter, uint256 lanesAfter) = lanes(current);
        if (classBefore == classAfter && lanesBefore == lanesAfter) return;
        if (lanesBefore != 0 && lanesAfter != 0 && classBefore == classAfter) {
            // Same class, other lanes (a change of weight or of constitutional vote): one checkpoint each.
            _add(book.classes[classAfter], lanesBefore, lanesAfter, now_);
            if (proxy != address(0)) _add(book.delegated[proxy][classAfter], lanesBefore, lanesAfter, now_);
            return;
        }
        if (lanesBefore != 0) {
            _add(book.classes[classBefore], lanesBefore, 0, now_);
            if (proxy != address(0)) _add(book.delegated[proxy][classBefore], lanesBefore, 0, now_);
        }
        if (lanesAfter != 0) {
            _add(book.classes[classAfter], 0, lanesAfter, now_);
            if (proxy != address(0)) _addDelegated(book, proxy, classAfter, lanesAfter, now_);
        }
    }

    /**
     * @dev A member in state `state` handed its power from `from` to `to` at `now_` (zero: the member itself, so
     * nothing is delegated on that side).
     */
    function delegate(Book storage book, uint256 state, address from, address to, uint48 now_) external {
        (uint256 class, uint256 memberLanes) = lanes(state);
        if (memberLanes == 0) return;
        if (from != address(0)) _add(book.delegated[from][class], memberLanes, 0, now_);
        if (to != address(0)) _addDelegated(book, to, class, memberLanes, now_);
    }

    /**
     * @dev Every principal of `proxy` took its power back at `now_` (the proxy lost its vote): its delegated power is
     * zero in every class from then on. One checkpoint per class that had any, instead of one per principal.
     */
    function release(Book storage book, address proxy, uint48 now_) external {
        uint256 classes = book.delegatedClasses[proxy];
        for (uint256 c = 0; c < _CLASSES; ++c) {
            if (classes & (1 << c) == 0) continue;
            Checkpoints.Trace208 storage trace = book.delegated[proxy][c];
            if (trace.latest() != 0) trace.push(now_, 0);
        }
    }

    /// @dev The lanes of each class selected by the bit mask `classes` at `timepoint` (0 for the others).
    function powerAt(
        Book storage book,
        uint256 classes,
        uint48 timepoint
    ) external view returns (uint256[12] memory power) {
        for (uint256 c = 0; c < _CLASSES; ++c) {
            if (classes & (1 << c) != 0) power[c] = book.classes[c].upperLookupRecent(timepoint);
        }
    }

    /**
     * @dev `account`'s votes by class at `timepoint`: its own state's lanes if `own` (it had not handed them to a
     * proxy), plus its principals' by class.
     */
    function votesAt(
        Book storage book,
        address account,
        uint256 state,
        bool own,
        uint48 timepoint
    ) external view returns (uint256[12] memory votes) {
        if (own) {
            (uint256 class, uint256 memberLanes) = lanes(state);
            votes[class] = memberLanes;
        }
        uint256 classes = book.delegatedClasses[account];
        for (uint256 c = 0; c < _CLASSES; ++c) {
            if (classes & (1 << c) != 0) votes[c] += book.delegated[account][c].upperLookupRecent(timepoint);
        }
    }

    /// @dev A state's class and its lanes (0 for a member without a vote).
    function lanes(uint256 state) internal pure returns (uint256 class, uint256 memberLanes) {
        uint256 units = uint96(state);
        if (units == 0) return (0, 0);
        uint256 constitutionalUnits = uint96(state >> 96);
        class = (uint8(state >> 192) == _FOUNDING_PARTNER ? 0 : 6) + uint8(state >> 200);
        memberLanes = units | (constitutionalUnits << 32) | (1 << 64);
        if (constitutionalUnits != 0) memberLanes |= 1 << 96;
    }

    function _addDelegated(Book storage book, address proxy, uint256 class, uint256 added, uint48 now_) private {
        _add(book.delegated[proxy][class], 0, added, now_);
        book.delegatedClasses[proxy] |= 1 << class;
    }

    /// @dev Checkpoints `trace` less `removed` plus `added` (lane by lane; no lane goes below zero).
    function _add(Checkpoints.Trace208 storage trace, uint256 removed, uint256 added, uint48 now_) private {
        trace.push(now_, uint208(trace.latest() + added - removed));
    }
}
