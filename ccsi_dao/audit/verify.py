"""Independent verification: every decision recomputed from raw chain data and compared with what the contracts say.

:func:`verify` never reads the local index to form its judgement: it reads every log of the deployment straight
from the chain, rebuilds the history (:class:`~ccsi_dao.decisionlog.history.History`) and checks, per proposal and
for the consortium as a whole, that the contracts' answers agree with the recomputation. If an index is given it is
compared row by row with the chain, so a tampered or incomplete index is reported too. The contracts' answers are
read at one block, in JSON-RPC batches (:class:`ccsi_dao.chain.BlockReader`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

from ccsi_dao.chain import BlockReader
from ccsi_dao.chain.logs import LogFetcher
from ccsi_dao.decisionlog.history import History, ProposalRecord, rule_set
from ccsi_dao.decisionlog.store import DecisionIndex
from ccsi_dao.decisionlog.sync import read_range
from ccsi_dao.governance.categories import categorize
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.types import Category, MemberStatus, ProposalState, Ratio, Role, StakeholderGroup, VoteType

READ_RANGE = 5_000


@dataclass(frozen=True)
class Finding:
    """The result of one check: what was checked, on what, whether it held, and the evidence either way."""

    check: str
    subject: str
    ok: bool
    evidence: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.check:<12} {self.subject}: {self.evidence}"


@dataclass
class Verification:
    findings: list[Finding] = field(default_factory=list)
    first_block: int = 0
    last_block: int = 0
    proposals: int = 0
    logs: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def discrepancies(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    def add(self, check: str, subject: str, ok: bool, evidence: str) -> None:
        self.findings.append(Finding(check, subject, bool(ok), evidence))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "first_block": self.first_block,
            "last_block": self.last_block,
            "proposals": self.proposals,
            "logs": self.logs,
            "seconds": round(self.seconds, 3),
            "findings": [f.__dict__ for f in self.findings],
        }


def read_chain(
    consortium: Consortium, last_block: int, fetcher: LogFetcher | None = None
) -> tuple[History, list[Any], dict[int, tuple[str, int]], dict[str, tuple[str, str | None]]]:
    """The deployment's history read from the chain itself, up to ``last_block``, with the raw rows it came from."""
    record = consortium.record
    fetch = fetcher or LogFetcher(consortium.chain.w3, max_range=READ_RANGE)
    logs, blocks, txs = [], {}, {}
    start = record.start_block
    while start <= last_block:
        end = min(last_block, start + READ_RANGE - 1)
        part_logs, part_blocks, part_txs = read_range(fetch, record, start, end)
        logs += part_logs
        blocks.update(part_blocks)
        txs.update(part_txs)
        start = end + 1
    history = History.from_logs(record, logs, {n: t for n, (_, t) in blocks.items()}, txs)
    return history, logs, blocks, txs


def verify(
    consortium: Consortium,
    *,
    index: DecisionIndex | None = None,
    last_block: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Verification:
    """Recompute every proposal and the membership history from the chain; compare with the contracts and the index."""
    started = time.monotonic()
    chain = consortium.chain
    latest = chain.block_number()
    last = latest if last_block is None else min(last_block, latest)
    say = progress or (lambda _text: None)
    say(f"reading blocks {consortium.record.start_block}..{last} from the chain")
    history, logs, blocks, txs = read_chain(consortium, last)
    result = Verification(
        first_block=consortium.record.start_block, last_block=last, proposals=len(history.proposals), logs=len(logs)
    )
    now = int(chain.block(last)["timestamp"])
    if index is not None:
        _check_index(result, index, logs, blocks, txs, last)
    block_id = last
    read = chain.reader(block_id)
    proposals = history.proposal_list()
    say(f"reading the contracts' answers for {len(proposals)} proposals at block {block_id}")
    read.prefetch(r for p in proposals for r in _proposal_reads(consortium, history, p, now))
    for p in proposals:
        say(f"proposal #{p.number}")
        _check_proposal(result, consortium, history, p, now, block_id, read)
    _check_membership(result, consortium, history, block_id, read)
    _check_timelock(result, consortium, history)
    result.seconds = time.monotonic() - started
    return result


def _proposal_reads(dao: Consortium, history: History, p: ProposalRecord, now: int) -> list[tuple[Any, ...]]:
    """The view calls :func:`_check_proposal` makes for ``p``, so they can be fetched in batches beforehand (a call
    missing here is still made, alone, when the check asks for it)."""
    gov, reg = dao.governor, dao.membership
    reads: list[tuple[Any, ...]] = [(gov, "proposalCategory", p.id)]
    snapshot_passed = p.snapshot < now
    if snapshot_passed:
        for v in p.votes:
            reads += [(reg, "getPastVotes", v.voter, p.snapshot), (gov, "hasVoted", p.id, v.voter)]
    reads.append((gov, "proposalVotes", p.id))
    if _rules_at_creation(history, p) is None:
        reads.append((gov, "rulesAt", p.created.timestamp))
    reads += [(gov, "proposalRule", p.id), (gov, "state", p.id)]
    if snapshot_passed:
        reads.append((reg, "getPastTotalSupply", p.snapshot))
    return reads


# ---------------------------------------------------------------------- the index against the chain


def _check_index(
    result: Verification,
    index: DecisionIndex,
    logs: list[Any],
    blocks: dict[int, tuple[str, int]],
    txs: dict[str, tuple[str, str | None]],
    last: int,
) -> None:
    stored = {(log.block_number, log.log_index): log for log in index.logs(to_block=last)}
    chain = {
        (log.block_number, log.log_index): log
        for log in logs
        if index.synced_to is not None and log.block_number <= index.synced_to
    }
    missing = sorted(set(chain) - set(stored))
    extra = sorted(set(stored) - set(chain))
    altered = sorted(k for k in set(chain) & set(stored) if chain[k] != stored[k])
    subject = f"index {index.path.name}"
    for key in missing:
        result.add(
            "index",
            subject,
            False,
            f"the chain has a log the index lacks: block {key[0]} log {key[1]} "
            f"(tx {chain[key].tx_hash}, topic {chain[key].topics[0][:10]})",
        )
    for key in extra:
        result.add("index", subject, False, f"the index has a log the chain does not: block {key[0]} log {key[1]}")
    for key in altered:
        a, b = stored[key], chain[key]
        fields = [
            f
            for f in ("block_hash", "tx_hash", "tx_index", "address", "topics", "data")
            if getattr(a, f) != getattr(b, f)
        ]
        result.add(
            "index",
            subject,
            False,
            f"block {key[0]} log {key[1]} differs from the chain in {', '.join(fields)}: "
            f"index {getattr(a, fields[0])!s:.80} vs chain {getattr(b, fields[0])!s:.80}",
        )
    stored_blocks = dict(
        index.db.execute("SELECT number, hash || ':' || timestamp FROM blocks WHERE number <= ?", (last,)).fetchall()
    )
    bad_blocks = [n for n, (h, t) in blocks.items() if n in stored_blocks and stored_blocks[n] != f"{h}:{t}"]
    for n in bad_blocks:
        result.add(
            "index",
            subject,
            False,
            f"block {n}: index says {stored_blocks[n]}, chain says {blocks[n][0]}:{blocks[n][1]}",
        )
    stored_txs = index.transactions()
    bad_txs = [h for h, v in txs.items() if h in stored_txs and stored_txs[h] != v]
    for h in bad_txs:
        result.add("index", subject, False, f"transaction {h}: index says {stored_txs[h]}, chain says {txs[h]}")
    if not (missing or extra or altered or bad_blocks or bad_txs):
        result.add(
            "index",
            subject,
            True,
            f"{len(stored)} logs up to block {min(last, index.synced_to or last)} identical to the chain's",
        )


# ---------------------------------------------------------------------- proposals


def _check_proposal(
    result: Verification,
    dao: Consortium,
    history: History,
    p: ProposalRecord,
    now: int,
    block: int,
    read: BlockReader | None = None,
) -> None:
    read = read or dao.chain.reader(block)
    subject = f"proposal #{p.number} ({str(p.id)[:10]}...)"
    add = lambda check, ok, evidence: result.add(check, subject, ok, evidence)  # noqa: E731

    # category
    derived = categorize(dao.record, p.actions)
    on_chain = Category(read(dao.governor, "proposalCategory", p.id))
    event = p.category
    add(
        "category",
        derived == on_chain == event,
        f"derived from the {len(p.actions)} action(s): {derived.name.lower()}; proposalCategory: {on_chain.name.lower()}; "
        f"ProposalCategorized: {event.name.lower() if event is not None else 'missing'}",
    )

    # votes: weights from the checkpoints at the snapshot, and from the rebuilt membership history
    snapshot_passed = p.snapshot < now
    seen: set[str] = set()
    bad_votes = []
    for v in p.votes:
        if v.voter in seen:
            bad_votes.append(f"{v.voter} counted twice")
        seen.add(v.voter)
        if not snapshot_passed:
            bad_votes.append(f"{v.voter} voted before the snapshot had passed")
            continue
        past = read(dao.membership, "getPastVotes", v.voter, p.snapshot)
        rebuilt = history.power_at(v.voter, p.snapshot)
        if not v.weight == past == rebuilt:
            bad_votes.append(
                f"{v.voter}: event weight {v.weight}, getPastVotes at snapshot {past}, "
                f"rebuilt from membership events {rebuilt}"
            )
        if not read(dao.governor, "hasVoted", p.id, v.voter):
            bad_votes.append(f"{v.voter}: hasVoted is false")
        if not p.created.timestamp <= v.decoded.timestamp <= (p.extended_deadline or p.deadline):
            bad_votes.append(f"{v.voter}: voted at {v.decoded.timestamp}, outside the voting period")
    add(
        "votes",
        not bad_votes,
        "; ".join(bad_votes)
        if bad_votes
        else f"{len(p.votes)} vote(s), each weight = getPastVotes(voter, {p.snapshot}) = power rebuilt from events, no voter twice",
    )

    totals = p.totals()
    against, for_, abstain = read(dao.governor, "proposalVotes", p.id)
    add(
        "totals",
        (totals[VoteType.AGAINST], totals[VoteType.FOR], totals[VoteType.ABSTAIN]) == (against, for_, abstain),
        f"recomputed for/against/abstain {totals[VoteType.FOR]}/{totals[VoteType.AGAINST]}/{totals[VoteType.ABSTAIN]}, "
        f"proposalVotes {for_}/{against}/{abstain}",
    )

    # rules in force when the proposal was created: the last RulesUpdated before its ProposalCreated
    from_events = _rules_at_creation(history, p)
    rules, early_close = from_events or read(dao.governor, "rulesAt", p.created.timestamp)
    (qn, qd), (an, ad) = rules[int(derived)]
    rule_now = read(dao.governor, "proposalRule", p.id)
    add(
        "rules",
        ((qn, qd), (an, ad)) == tuple(map(tuple, rule_now)),
        f"{derived.name.lower()} rule at creation: quorum {qn}/{qd}, approval {an}/{ad} "
        f"({'RulesUpdated history' if from_events else 'rulesAt'}), proposalRule {rule_now[0][0]}/{rule_now[0][1]}, "
        f"{rule_now[1][0]}/{rule_now[1][1]}",
    )

    # outcome
    state = ProposalState(read(dao.governor, "state", p.id))
    if snapshot_passed:
        total = read(dao.membership, "getPastTotalSupply", p.snapshot)
        rebuilt_total = history.total_power_at(p.snapshot)
        cast = sum(totals.values())
        quorum = cast * qd >= qn * total
        approval = for_ > against and for_ * ad >= an * (for_ + against)
        add(
            "electorate",
            total == rebuilt_total,
            f"getPastTotalSupply at snapshot {total}, sum of active voting weights "
            f"rebuilt from membership events {rebuilt_total}",
        )
        expected = _expected_state(
            p, now, quorum, approval, bool(early_close), total, totals, Ratio(qn, qd), Ratio(an, ad)
        )
        add(
            "outcome",
            state in expected,
            f"quorum {'reached' if quorum else 'missed'} ({cast} of {total} cast, {qn}/{qd} needed), approval "
            f"{'met' if approval else 'not met'} ({for_} for, {against} against, {an}/{ad} needed); expected "
            f"{'/'.join(s.name.lower() for s in expected)}, state() says {state.name.lower()}",
        )
        if p.queued or p.executed:
            add(
                "passed",
                quorum and approval,
                f"{'executed' if p.executed else 'queued'} with quorum "
                f"{'reached' if quorum else 'MISSED'} and approval {'met' if approval else 'NOT MET'}",
            )
    else:
        add(
            "outcome",
            state in (ProposalState.PENDING, ProposalState.CANCELED),
            f"snapshot {p.snapshot} not passed at block {block}; state() says {state.name.lower()}",
        )

    # execution: what the timelock scheduled and executed is exactly what was voted
    op = operation_id(dao.record.governor, dao.record.timelock, p)
    scheduled = history.scheduled.get(op, [])
    executed = history.executed_calls.get(op, [])
    voted = [(a.target, a.value, a.data) for a in p.actions]
    shape = lambda calls: [
        (to_checksum_address(c.args["target"]), int(c.args["value"]), bytes(c.args["data"])) for c in calls
    ]  # noqa: E731
    if p.queued:
        delays = {int(c.args["delay"]) for c in scheduled}
        min_delay = history.min_delay_at(p.queued.timestamp)
        add(
            "scheduled",
            shape(scheduled) == voted and [int(c.args["index"]) for c in scheduled] == list(range(len(voted))),
            f"timelock operation 0x{op.hex()[:16]}...: {len(scheduled)} call(s) scheduled, {len(voted)} voted"
            + ("" if shape(scheduled) == voted else f"; scheduled {_brief(shape(scheduled))} vs voted {_brief(voted)}"),
        )
        delay_ok = (
            bool(scheduled)
            and min_delay is not None
            and all(d >= min_delay for d in delays)
            and p.eta == p.queued.timestamp + max(delays or {0})
        )
        if p.executed:
            delay_ok = delay_ok and p.executed.timestamp >= (p.eta or 0)
        add(
            "delay",
            delay_ok,
            f"scheduled with delay {sorted(delays)} s (timelock minimum then {min_delay} s), eta "
            f"{p.eta}"
            + (
                f", executed at {p.executed.timestamp} ({p.executed.timestamp - (p.eta or 0):+d} s after eta)"
                if p.executed
                else ""
            ),
        )
    elif scheduled:
        add("scheduled", False, f"the timelock scheduled operation 0x{op.hex()} but the proposal was never queued")
    if p.executed or executed:
        add(
            "executed",
            bool(p.executed) and shape(executed) == voted,
            f"{len(executed)} call(s) executed by the timelock, {len(voted)} voted, ProposalExecuted "
            f"{'present' if p.executed else 'MISSING'}"
            + ("" if shape(executed) == voted else f"; executed {_brief(shape(executed))} vs voted {_brief(voted)}"),
        )


def _expected_state(
    p: ProposalRecord,
    now: int,
    quorum: bool,
    approval: bool,
    early_close: bool,
    total: int,
    totals: dict[VoteType, int],
    q: Ratio,
    a: Ratio,
) -> set[ProposalState]:
    if p.executed:
        return {ProposalState.EXECUTED}
    if p.canceled:
        return {ProposalState.CANCELED}
    deadline = p.extended_deadline or p.deadline
    if now <= deadline:
        passed_state = ProposalState.QUEUED if p.queued else ProposalState.SUCCEEDED
        if not early_close:
            return {ProposalState.ACTIVE}
        cast = sum(totals.values())
        uncast = max(total - cast, 0)
        f_, ag = totals[VoteType.FOR], totals[VoteType.AGAINST]
        approves = lambda fv, av: fv > av and fv * a.denominator >= a.numerator * (fv + av)  # noqa: E731
        if cast * q.denominator >= q.numerator * total and approves(f_, ag + uncast):
            return {passed_state}
        if not approves(f_ + uncast, ag) or not total * q.denominator >= q.numerator * total:
            return {ProposalState.DEFEATED}
        return {ProposalState.ACTIVE}
    if quorum and approval:
        return {ProposalState.QUEUED} if p.queued else {ProposalState.SUCCEEDED}
    return {ProposalState.DEFEATED}


def _rules_at_creation(history: History, p: ProposalRecord) -> Any:
    created = (p.created.log.block_number, p.created.log.log_index)
    chosen = None
    for d in history.rules:
        if (d.log.block_number, d.log.log_index) < created:
            chosen = rule_set(d.args["rules"])
    return chosen


def operation_id(governor: str, timelock: str, p: ProposalRecord) -> bytes:
    """The timelock operation id GovernorTimelockControl uses for ``p`` (``hashOperationBatch`` with its salt)."""
    description_hash = keccak(text=p.description)
    salt = bytes(x ^ y for x, y in zip(bytes.fromhex(governor[2:]) + b"\x00" * 12, description_hash, strict=True))
    encoded = abi_encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32", "bytes32"],
        [[a.target for a in p.actions], [a.value for a in p.actions], [a.data for a in p.actions], b"\x00" * 32, salt],
    )
    return keccak(encoded)


def _brief(calls: Sequence[tuple[str, int, bytes]]) -> str:
    return "[" + ", ".join(f"{t[:10]}.. value {v} data 0x{d[:8].hex()}" for t, v, d in calls) + "]"


# ---------------------------------------------------------------------- membership and timelock


def _check_membership(
    result: Verification, dao: Consortium, history: History, block: int, read: BlockReader | None = None
) -> None:
    read = read or dao.chain.reader(block)
    count = read(dao.membership, "memberCount")
    read.prefetch((dao.membership, "memberAt", i) for i in range(count))
    listed = {to_checksum_address(read(dao.membership, "memberAt", i)) for i in range(count)}
    rebuilt = set(history.member_changes)
    result.add(
        "members",
        "membership registry",
        listed == rebuilt,
        f"{count} members listed by memberAt, {len(rebuilt)} rebuilt from MemberAdmitted"
        + (
            ""
            if listed == rebuilt
            else f"; only on chain: {sorted(listed - rebuilt)}, only in events: {sorted(rebuilt - listed)}"
        ),
    )
    bad = []
    read.prefetch(
        (dao.membership, name, account) for account in rebuilt | listed for name in ("memberOf", "votingUnitsOf")
    )
    for account in sorted(rebuilt | listed):
        role, group, status, joined, weight, _, name = read(dao.membership, "memberOf", account)
        state = history.member_at(account)
        expected = (state.role, state.group, state.status, state.joined_at, state.weight, state.name) if state else None
        actual = (Role(role), StakeholderGroup(group), MemberStatus(status), joined, weight, name)
        if expected != actual:
            bad.append(f"{account}: memberOf {actual}, rebuilt {expected}")
        units = read(dao.membership, "votingUnitsOf", account)
        if state and units != state.units:
            bad.append(f"{account}: votingUnitsOf {units}, rebuilt {state.units}")
    result.add(
        "records",
        "membership registry",
        not bad,
        "; ".join(bad)
        if bad
        else f"every record (role, group, status, joined, weight, name) rebuilt from events equals memberOf at block {block}",
    )
    version = read(dao.membership, "agreementVersion")
    read.prefetch(
        (dao.membership, "agreement", int(d.args["version"]))
        for d in history.agreements
        if 1 <= int(d.args["version"]) <= version
    )
    bad_agreements = []
    for d in history.agreements:
        v = int(d.args["version"])
        stored = read(dao.membership, "agreement", v) if 1 <= v <= version else None
        if stored is None or bytes(stored[0]) != bytes(d.args["contentHash"]) or stored[2] != d.args["uri"]:
            bad_agreements.append(
                f"version {v}: event {bytes(d.args['contentHash']).hex()[:16]} {d.args['uri']}, registry {stored}"
            )
    ok = (
        not bad_agreements
        and version == len(history.agreements)
        and [int(d.args["version"]) for d in history.agreements] == list(range(1, version + 1))
    )
    result.add(
        "agreement",
        "membership registry",
        ok,
        "; ".join(bad_agreements)
        or f"{version} agreement version(s), each AgreementAmended hash and URI equal to agreement(v)",
    )


def _check_timelock(result: Verification, dao: Consortium, history: History) -> None:
    ops = {operation_id(dao.record.governor, dao.record.timelock, p) for p in history.proposals.values() if p.executed}
    stray = [op for op in history.executed_calls if op not in ops]
    result.add(
        "timelock",
        "timelock",
        not stray,
        f"every executed timelock operation belongs to an executed proposal ({len(history.executed_calls)} operation(s))"
        if not stray
        else "operations executed without an executed proposal: " + ", ".join("0x" + o.hex() for o in stray),
    )
