"""Independent verification: every decision re-derived from raw chain data under the rules of contracts v2, and
compared with what the contracts say.

:func:`verify` never reads the local index to form its judgement: it reads every log of the deployment straight from
the chain, rebuilds the history (:class:`~ccsi_dao.decisionlog.history.History`), judges every proposal
(:func:`~ccsi_dao.decisionlog.judge.judge`: category from the actions, electorate, quorum base, rules at the
snapshot, each vote's eligibility and weight, late quorum, early close, state) and compares each result with the
contracts' own answers, read at one block in JSON-RPC batches (:class:`ccsi_dao.chain.BlockReader`): ``state``,
``proposalVotes``, ``proposalDeadline`` and ``proposalQuorum`` per proposal; every member's record, units and
voting power; the agreement's versions, the rules, the settings. If an index is given it is compared row by row with
the chain (:func:`ccsi_dao.decisionlog.check.compare_index`), so a tampered or incomplete index is reported too.

A :class:`Verification` carries the findings (each a check, what it was about, PASS or FAIL and the evidence; a FAIL
names both values, shown where they differ) and the chain data they were made on (``history`` and ``judgements``):
the report is built from these, never from the index.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from ccsi_dao.chain import BlockReader
from ccsi_dao.chain.logs import LogFetcher
from ccsi_dao.decisionlog.chambers import needs_decision_rules
from ccsi_dao.decisionlog.check import Difference, compare_index, show_difference
from ccsi_dao.decisionlog.decode import HistoryDecoder
from ccsi_dao.decisionlog.history import Decoded, History, ProposalRecord
from ccsi_dao.decisionlog.judge import Judgement, judge
from ccsi_dao.decisionlog.store import DecisionIndex, RawLog
from ccsi_dao.decisionlog.sync import read_ahead as read_rows
from ccsi_dao.errors import CcsiDaoError, ChainError
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.decisions import ALL_MEMBERS
from ccsi_dao.governance.deployment import DeploymentRecord
from ccsi_dao.types import Category, MemberStatus, ProposalState, Ratio, Role, StakeholderGroup, VoteType

READ_RANGE = 2_000


@dataclass(frozen=True)
class Conflict:
    """A fact two sources disagree on: ``what``, and each source's value (``(label, value)``)."""

    what: str
    first: tuple[str, str]
    second: tuple[str, str]

    def text(self) -> str:
        return show_difference(self.what, self.first[1], self.second[1], labels=(self.first[0], self.second[0]))


@dataclass(frozen=True)
class Finding:
    """The result of one check: what was checked, on what, whether it held, and the evidence either way.
    ``proposal`` is the number of the proposal it is about (None for the consortium as a whole); ``conflicts`` the
    facts found false, each with both values."""

    check: str
    subject: str
    ok: bool
    evidence: str
    proposal: int | None = None
    conflicts: tuple[Conflict, ...] = ()

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.check:<12} {self.subject}: {self.evidence}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "subject": self.subject,
            "ok": self.ok,
            "evidence": self.evidence,
            "proposal": self.proposal,
            "conflicts": [{"what": c.what, c.first[0]: c.first[1], c.second[0]: c.second[1]} for c in self.conflicts],
        }


@dataclass
class Verification:
    """What ``audit verify`` found, and the chain data it found it on."""

    findings: list[Finding] = field(default_factory=list)
    first_block: int = 0
    last_block: int = 0
    block_hash: str = ""
    block_time: int = 0
    chain_id: int = 0
    proposals: int = 0
    logs: int = 0
    seconds: float = 0.0
    history: History | None = None
    """The history read from the chain (never from the index)."""
    judgements: dict[int, Judgement] = field(default_factory=dict)
    """Every proposal judged from the chain's history, by number."""
    index_differences: list[Difference] = field(default_factory=list)
    """How the index differed from the chain (empty without an index, or when it is the chain's)."""
    balances: dict[str, int] = field(default_factory=dict)
    """The treasury at ``last_block``: ``"ETH"`` in wei and each ERC-20 token it ever held (by address), in base
    units."""

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def discrepancies(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    def failures_of(self, proposal: int | None) -> list[Finding]:
        """The failed findings about proposal number ``proposal`` (None: about the consortium as a whole)."""
        return [f for f in self.findings if not f.ok and f.proposal == proposal]

    def add(
        self,
        check: str,
        subject: str,
        ok: bool,
        evidence: str,
        *,
        proposal: int | None = None,
        conflicts: Sequence[Conflict] = (),
    ) -> None:
        self.findings.append(Finding(check, subject, bool(ok), evidence, proposal, tuple(conflicts)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "chain_id": self.chain_id,
            "first_block": self.first_block,
            "last_block": self.last_block,
            "block_hash": self.block_hash,
            "block_time": self.block_time,
            "proposals": self.proposals,
            "logs": self.logs,
            "seconds": round(self.seconds, 3),
            "findings": [f.as_dict() for f in self.findings],
        }


def read_chain(
    consortium: Consortium, last_block: int, fetcher: LogFetcher | None = None
) -> tuple[History, list[RawLog], dict[int, tuple[str, int]]]:
    """The deployment's history read from the chain itself, up to ``last_block``, with the raw rows it came from.
    The logs are read ahead in pieces (:func:`ccsi_dao.decisionlog.sync.read_ahead`) and each piece decoded while
    the next is read."""
    record = consortium.record
    fetch = fetcher or LogFetcher(consortium.chain.w3, max_range=READ_RANGE)
    decoder = HistoryDecoder(record.governor, record.membership, record.timelock)
    logs: list[RawLog] = []
    blocks: dict[int, tuple[str, int]] = {}
    decoded: list[Decoded] = []
    for _, part_logs, part_blocks in read_rows(fetch, record, record.start_block, last_block):
        logs += part_logs
        blocks.update(part_blocks)
        decoded += [d for log in part_logs if (d := decoder.decode(log, part_blocks[log.block_number][1])) is not None]
    history = History(record, decoded, blocks[last_block][1])
    return history, logs, blocks


def verify(
    consortium: Consortium,
    *,
    index: DecisionIndex | None = None,
    last_block: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Verification:
    """Re-derive every proposal and the membership history from the chain (up to ``last_block``, default the latest
    block) and compare with the contracts and, if given, the index. ``progress`` receives a line per phase."""
    started = time.monotonic()
    chain = consortium.chain
    latest = chain.block_number()
    last = latest if last_block is None else min(last_block, latest)
    say = progress or (lambda _text: None)
    say(f"reading blocks {consortium.record.start_block}..{last} from the chain")
    history, logs, blocks = read_chain(consortium, last)
    result = Verification(
        first_block=consortium.record.start_block,
        last_block=last,
        block_hash=blocks[last][0],
        block_time=blocks[last][1],
        chain_id=consortium.record.chain_id,
        proposals=len(history.proposals),
        logs=len(logs),
        history=history,
    )
    proposals = history.proposal_list()
    read = chain.reader(last)
    say(f"reading the contracts' answers for {len(proposals)} proposals at block {last}")
    answers = ProposalAnswers(consortium, history, proposals, history.now, last)
    consortium_reads = _consortium_reads(consortium, history)

    def ask() -> None:
        answers.fetch()
        read.prefetch(consortium_reads)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ccsi-dao-verify") as helpers:
        asked = helpers.submit(ask)  # the node answers while the history is judged,
        compared = (  # and SQLite compares the index with the chain (on a connection of that thread's own)
            helpers.submit(_compare_apart, index.path, index.record, logs, blocks, last) if index is not None else None
        )
        judgements = {p.number: judge(history, p) for p in proposals}
        asked.result()
        if index is not None and compared is not None:
            _check_index(result, index, compared.result(), last)
    result.judgements = judgements
    for j in judgements.values():
        say(f"proposal #{j.proposal.number}")
        _check_proposal(result, consortium, history, j, answers)
    _check_membership(result, consortium, history, read)
    _check_rules_and_settings(result, consortium, history, read)
    _check_timelock(result, consortium, history)
    result.add(
        "orphans",
        "governor",
        not history.unknown_votes,
        f"every vote is on a proposal whose creation is logged ({sum(len(p.votes) for p in proposals)} votes)"
        if not history.unknown_votes
        else "votes on proposals whose creation is not in the logs: "
        + ", ".join(f"block {d.log.block_number} log {d.log.log_index}" for d in history.unknown_votes[:10]),
    )
    _read_balances(result, consortium, history, read)
    result.seconds = time.monotonic() - started
    return result


_PROPOSAL_VIEWS = {
    name: function_signature_to_4byte_selector(f"{name}(uint256)")
    for name in (
        "state",
        "proposalVotes",
        "proposalDeadline",
        "proposalQuorum",
        "proposalOptions",
        "optionVotes",
        "winningOption",
    )
}
_CLASS_POWER_AT = function_signature_to_4byte_selector("classPowerAt(uint256,uint256)")
"""The governor's views each proposal is checked against, all of one uint256 argument (encoded by hand: thousands
of calls, and eth-abi's encoder and decoder cost more than the node answering)."""


class ProposalAnswers:
    """The governor's answers about every proposal at one block, asked in JSON-RPC batches."""

    def __init__(
        self, dao: Consortium, history: History, proposals: list[ProposalRecord], now: int, block: int
    ) -> None:
        calls = []
        keys = []
        for p in proposals:
            argument = p.id.to_bytes(32, "big")
            names = ["state", "proposalVotes", "proposalDeadline"]
            if p.snapshot < now:
                names.append("proposalQuorum")  # reverts before the snapshot: the electorate is not fixed yet
            if p.is_choice:
                names += ["proposalOptions", "optionVotes"]
            if p.snapshot < now and (p.is_choice or needs_decision_rules(history, p)):
                names.append("winningOption")
            for name in names:
                data = "0x" + (_PROPOSAL_VIEWS[name] + argument).hex()
                calls.append(("eth_call", [{"to": dao.record.governor, "data": data}, hex(block)]))
                keys.append((p.id, name))
            if p.snapshot < now and needs_decision_rules(history, p):  # the class power the chambers are counted in
                data = "0x" + (_CLASS_POWER_AT + p.snapshot.to_bytes(32, "big") + ALL_MEMBERS.to_bytes(32, "big")).hex()
                calls.append(("eth_call", [{"to": dao.record.membership, "data": data}, hex(block)]))
                keys.append((p.id, "classPowerAt"))
        self.answers: dict[tuple[int, str], bytes] = {}
        self._calls, self._keys, self._transport = calls, keys, dao.chain.transport

    def fetch(self) -> None:
        answers = self._transport.batch(self._calls)
        self.answers = {key: bytes.fromhex(str(a)[2:]) for key, a in zip(self._keys, answers, strict=True)}

    def word(self, pid: int, name: str, index: int = 0) -> int:
        """Word ``index`` of the answer to ``name(pid)``."""
        raw = self.answers[(pid, name)]
        if len(raw) < 32 * (index + 1):
            raise ChainError(f"the governor answered {name} with {len(raw)} bytes; is it a ccsi-dao governor?")
        return int.from_bytes(raw[32 * index : 32 * index + 32], "big")

    def words(self, pid: int, name: str) -> list[int]:
        """The answer to ``name(pid)`` as its 32-byte words."""
        raw = self.answers.get((pid, name), b"")
        return [int.from_bytes(raw[i : i + 32], "big") for i in range(0, len(raw) - len(raw) % 32, 32)]

    def array(self, pid: int, name: str) -> list[int]:
        """The answer to ``name(pid)`` as a ``uint256[]`` (canonically encoded, as the governor returns it)."""
        words = self.words(pid, name)
        if len(words) < 2 or words[0] != 32 or len(words) != 2 + words[1]:
            raise ChainError(f"the governor answered {name} with {len(words)} words; is it a ccsi-dao governor?")
        return words[2:]


def _consortium_reads(dao: Consortium, history: History) -> list[tuple[Any, ...]]:
    reg, gov, tl = dao.membership, dao.governor, dao.timelock
    reads: list[tuple[Any, ...]] = [
        (reg, "memberCount"),
        (reg, "totalSupply"),
        (reg, "agreementVersion"),
        (reg, "maxShare"),
        (gov, "votingDelay"),
        (gov, "votingPeriod"),
        (gov, "lateQuorumVoteExtension"),
        (tl, "getMinDelay"),
    ]
    reads += [(reg, "memberAt", i) for i in range(len(history.member_changes))]
    for account in history.member_changes:
        reads += [(reg, "memberOf", account), (reg, "votingUnitsOf", account), (reg, "getVotes", account)]
    reads += [(reg, "agreement", int(d.args["version"])) for d in history.agreements if int(d.args["version"]) >= 1]
    reads += [(reg, "rulesAt", r.effective_from) for r in history.rule_sets]
    return reads


# ---------------------------------------------------------------------- the index against the chain


def _compare_apart(
    path: Path, record: DeploymentRecord, logs: list[RawLog], blocks: dict[int, tuple[str, int]], last: int
) -> list[Difference]:
    """:func:`compare_index` on a connection of its own (SQLite connections stay in the thread that opened them)."""
    with DecisionIndex(path, record) as index:
        return compare_index(index, logs, blocks, last)


def _check_index(result: Verification, index: DecisionIndex, differences: list[Difference], last: int) -> None:
    result.index_differences = differences
    subject = f"index {index.path.name}"
    numbers = {p.id: p.number for p in result.history.proposals.values()} if result.history else {}
    for d in differences:
        conflicts: tuple[Conflict, ...] = ()
        if d.field is not None:
            conflicts = (Conflict(d.field, ("index", d.index_value or ""), ("chain", d.chain_value or "")),)
        result.add(
            "index",
            subject,
            False,
            d.text,
            proposal=numbers.get(d.proposal_id) if d.proposal_id is not None else None,
            conflicts=conflicts,
        )
    if not differences:
        covered = min(last, index.synced_to) if index.synced_to is not None else None
        count = index.count_logs(to_block=covered) if covered is not None else 0
        result.add("index", subject, True, f"{count} logs up to block {covered} identical to the chain's")


# ---------------------------------------------------------------------- proposals


def _check_proposal(
    result: Verification, dao: Consortium, history: History, j: Judgement, answers: ProposalAnswers
) -> None:
    p = j.proposal
    subject = f"proposal #{p.number} ({str(p.id)[:10]}...)"

    def add(check: str, ok: bool, evidence: str, conflicts: Sequence[Conflict] = ()) -> None:
        result.add(check, subject, ok, evidence, proposal=p.number, conflicts=conflicts)

    # category: derived from the actions, carried by the id
    flag = "suspends or removes members" if j.sanctioned else "sanctions nobody"
    add(
        "category",
        j.category_ok,
        f"derived from the {len(p.actions)} action(s): {j.category.name.lower()}, {flag}; the id carries "
        f"{p.id_category.name.lower()}, sanction bit {'set' if p.id >> 253 & 1 else 'clear'}",
        []
        if j.category_ok
        else [Conflict("category", ("derived", j.category.name.lower()), ("id", p.id_category.name.lower()))],
    )

    # timing: snapshot and vote end from the creation time and the settings then
    created_at = (p.created.log.block_number, p.created.log.log_index)
    delay, period = history.voting_delay_before(created_at), history.voting_period_before(created_at)
    if delay is not None and period is not None:
        ok = p.snapshot == p.created.timestamp + delay and p.deadline == p.snapshot + period
        add(
            "timing",
            ok,
            f"created {p.created.timestamp}, voting delay {delay} s, period {period} s: snapshot {p.snapshot}, vote "
            f"end {p.deadline}",
            []
            if ok
            else [
                Conflict("snapshot", ("logged", str(p.snapshot)), ("rebuilt", str(p.created.timestamp + delay))),
                Conflict("vote end", ("logged", str(p.deadline)), ("rebuilt", str(p.snapshot + period))),
            ],
        )

    # votes: eligibility and weight of each, re-derived from the membership history
    bad = [vj for vj in j.votes if not vj.ok]
    electorate = "constitutional votes" if j.constitutional else "voting power"
    conflicts = [
        Conflict(f"weight of {vj.vote.voter}", ("logged", str(vj.vote.weight)), ("rebuilt", str(vj.expected_weight)))
        for vj in bad
        if vj.vote.weight != vj.expected_weight
    ]
    add(
        "votes",
        not bad,
        "; ".join(
            f"{vj.vote.voter}: logged weight {vj.vote.weight}, rebuilt {vj.expected_weight}"
            + (f" ({'; '.join(vj.problems)})" if vj.problems else "")
            for vj in bad
        )
        if bad
        else f"{len(j.votes)} vote(s), each by an active voting member without interruption since the snapshot, each "
        f"weight = its {electorate} at the snapshot {p.snapshot} rebuilt from membership events"
        + (
            f" ({sum(vj.own_units for vj in j.votes)} with own units after the proxy lost its vote)"
            if any(vj.own_units for vj in j.votes)
            else ""
        ),
        conflicts,
    )

    # totals: logged, recomputed, and the contract's
    against, for_, abstain = (answers.word(p.id, "proposalVotes", i) for i in range(3))
    t, e = j.tally, j.expected_tally
    chain_totals = (for_, against, abstain)
    logged = (t[VoteType.FOR], t[VoteType.AGAINST], t[VoteType.ABSTAIN])
    rebuilt = (e[VoteType.FOR], e[VoteType.AGAINST], e[VoteType.ABSTAIN])
    ok = logged == rebuilt == chain_totals
    show = lambda x: "/".join(map(str, x))  # noqa: E731
    add(
        "totals",
        ok,
        f"for/against/abstain: rebuilt {show(rebuilt)}, logged {show(logged)}, proposalVotes {show(chain_totals)}",
        []
        if ok
        else [
            c
            for c in (
                Conflict("for/against/abstain", ("logged", show(logged)), ("proposalVotes", show(chain_totals))),
                Conflict("for/against/abstain", ("rebuilt", show(rebuilt)), ("proposalVotes", show(chain_totals))),
            )
            if c.first[1] != c.second[1]
        ],
    )

    # deadline: the late-quorum extension as the contract computes it
    chain_deadline = answers.word(p.id, "proposalDeadline")
    announced = p.extended_deadline
    expect_event = j.deadline if j.deadline > p.deadline else None
    ok = chain_deadline == j.deadline and announced == expect_event
    add(
        "deadline",
        ok,
        f"vote end {p.deadline}"
        + (
            f", quorum reached at {j.quorum_reached_by.timestamp} + extension "
            f"{history.late_quorum_extension_before(j.quorum_reached_by.position)} s"
            if j.quorum_reached_by
            else ", quorum not reached"
        )
        + f": rebuilt deadline {j.deadline}, proposalDeadline {chain_deadline}, ProposalExtended "
        + (str(announced) if announced is not None else "none"),
        []
        if ok
        else [Conflict("deadline", ("rebuilt", str(j.deadline)), ("proposalDeadline", str(chain_deadline)))]
        + (
            [Conflict("ProposalExtended", ("logged", str(announced)), ("rebuilt", str(expect_event)))]
            if announced != expect_event
            else []
        ),
    )

    # quorum: electorate at the snapshot, less the sanctioned members' power, times the rule then
    if j.snapshot_passed:
        chain_quorum = answers.word(p.id, "proposalQuorum")
        rule_set = f"rule set {j.rules.id}" if j.rules else "no rule set"
        ok = chain_quorum == j.quorum_votes
        add(
            "quorum",
            ok,
            f"{p.id_category.name.lower()} quorum {j.quorum}, approval {j.approval} ({rule_set}, in force at the "
            f"snapshot); electorate {j.electorate} ({'constitutional votes' if j.constitutional else 'all voting members'})"
            + (f" less {j.excluded} held by the sanctioned" if j.sanctioned else "")
            + f": {j.quorum_votes} votes needed, proposalQuorum {chain_quorum}",
            []
            if ok
            else [Conflict("votes needed", ("rebuilt", str(j.quorum_votes)), ("proposalQuorum", str(chain_quorum)))],
        )

    if j.rules_judged is not None:
        _check_chambers_and_options(add, p, j, answers)

    # outcome
    state = ProposalState(answers.word(p.id, "state"))
    ok = state == j.state
    add(
        "outcome",
        ok,
        f"{j.explanation}; expected {j.state.name.lower()}, state() says {state.name.lower()}",
        [] if ok else [Conflict("state", ("rebuilt", j.state.name.lower()), ("state()", state.name.lower()))],
    )
    if p.queued or p.executed:
        winner = f", winner {j.winner_label}" if j.winner_label else ""
        add(
            "passed",
            j.passes,
            f"{'executed' if p.executed else 'queued'} with quorum {'reached' if j.quorum_reached else 'MISSED'} and "
            f"approval {'met' if j.approval_met else 'NOT MET'}"
            + (
                f", rebuilt from chambers and options: {'a winner' if j.passes else 'NO WINNER'}{winner}"
                if j.rules_judged is not None
                else ""
            ),
        )
    _check_execution(add, dao, history, p, j)


def _check_chambers_and_options(add: Any, p: ProposalRecord, j: Judgement, answers: ProposalAnswers) -> None:
    """Every chamber condition and every option outcome, re-derived from the logs with
    :mod:`ccsi_dao.governance.decisions`, against the registry's class power and the governor's views."""
    r = j.rules_judged
    assert r is not None
    d = r.decision
    chain_power: list[int] | None = None
    if (p.id, "classPowerAt") in answers.answers and r.setup.chambers:
        chain_power = answers.words(p.id, "classPowerAt")
        rebuilt = list(r.setup.class_power)
        ok = chain_power == rebuilt
        lanes = lambda x: "/".join(f"{(v & 0xFFFFFFFF)}" for v in x)  # noqa: E731 - units per class
        add(
            "classes",
            ok,
            f"power by class at the snapshot {p.snapshot} (units per class 0..11): rebuilt {lanes(rebuilt)}, "
            f"classPowerAt {lanes(chain_power)}",
            [] if ok else [Conflict("class power", ("rebuilt", lanes(rebuilt)), ("classPowerAt", lanes(chain_power)))],
        )
    for progress in r.words.chambers:
        c = progress.chamber
        registry = c.chamber.power(chain_power, r.setup.constitutional) if chain_power is not None else None
        ok = registry is None or registry == c.power
        add(
            "chamber",
            ok,
            f"{c.chamber.condition.describe()} -- power at the snapshot {c.power}"
            + (f" (classPowerAt {registry})" if registry is not None else "")
            + (f" less {c.left_out} of the sanctioned" if c.left_out else "")
            + f"; {c.votes.for_} for, {c.votes.against} against, {c.votes.abstain} abstain: "
            + "; ".join(f"{text} ({'met' if met else 'NOT met'})" for text, met in progress.lines),
            []
            if ok
            else [Conflict(f"power of {c.chamber.name}", ("rebuilt", str(c.power)), ("classPowerAt", str(registry)))],
        )
    if r.is_choice:
        manifest = r.setup.manifest
        assert manifest is not None
        count, most = answers.word(p.id, "proposalOptions", 0), answers.word(p.id, "proposalOptions", 1)
        chain_options = answers.array(p.id, "optionVotes")
        rebuilt = list(d.options)
        shape_ok = (count, most) == (len(manifest.labels), manifest.max_selections)
        ok = chain_options == rebuilt and shape_ok
        show = lambda x: (
            ", ".join(  # noqa: E731
                f"{label} {v}" for label, v in zip(manifest.labels, x, strict=False)
            )
            + (f" (+{len(x) - len(manifest.labels)} more)" if len(x) > len(manifest.labels) else "")
        )
        conflicts = []
        if chain_options != rebuilt:
            conflicts.append(Conflict("option votes", ("rebuilt", show(rebuilt)), ("optionVotes", show(chain_options))))
        if not shape_ok:
            conflicts.append(
                Conflict(
                    "options / most a ballot selects",
                    ("manifest", f"{len(manifest.labels)}/{manifest.max_selections}"),
                    ("proposalOptions", f"{count}/{most}"),
                )
            )
        add(
            "options",
            ok,
            f"{len(manifest.labels)} options, at most {manifest.max_selections} a ballot; votes per option rebuilt "
            f"from the ballots' params: {show(rebuilt)}; optionVotes {show(chain_options)}",
            conflicts,
        )
    if (p.id, "winningOption") in answers.answers:
        has, option = answers.word(p.id, "winningOption", 0), answers.word(p.id, "winningOption", 1)
        labels = r.setup.labels

        def name(found: bool, o: int | None) -> str:
            if not found or o is None:
                return "no winner"
            return (labels[o] if o < len(labels) else f"option {o + 1}") if r.is_choice else "passes"

        expected = name(r.has_winner, r.winner)
        answered = name(bool(has), option)
        ok = (bool(has), option if has else 0) == (r.has_winner, r.winner or 0)
        why = "" if r.has_winner else f" ({r.no_winner_reason()})"
        add(
            "winner",
            ok,
            f"rebuilt: {expected}{why}; winningOption: {answered}",
            [] if ok else [Conflict("winner", ("rebuilt", expected), ("winningOption", answered))],
        )


def _check_execution(add: Any, dao: Consortium, history: History, p: ProposalRecord, j: Judgement) -> None:
    """What the timelock scheduled and executed is exactly what was voted, after the delay."""
    op = j.operation
    scheduled = history.scheduled.get(op, []) if op is not None else []
    executed = history.executed_calls.get(op, []) if op is not None else []
    r = j.rules_judged
    queued = r.option_actions(p.actions, r.winner) if r is not None and r.winner is not None else p.actions
    voted = [(a.target, a.value, a.data) for a in queued]

    def shape(calls: list[Any]) -> list[tuple[str, int, bytes]]:  # the decoder gives checksummed addresses
        return [(str(c.args["target"]), int(c.args["value"]), bytes(c.args["data"])) for c in calls]

    if p.queued:
        ok = shape(scheduled) == voted and [int(c.args["index"]) for c in scheduled] == list(range(len(voted)))
        add(
            "scheduled",
            ok,
            f"timelock operation 0x{(op or b'').hex()[:16]}...: {len(scheduled)} call(s) scheduled, {len(voted)} voted"
            + ("" if shape(scheduled) == voted else f"; scheduled {_brief(shape(scheduled))} vs voted {_brief(voted)}"),
            [] if ok else [Conflict("calls", ("scheduled", _brief(shape(scheduled))), ("voted", _brief(voted)))],
        )
        delays = {int(c.args["delay"]) for c in scheduled}
        min_delay = history.min_delay_at(p.queued.timestamp)
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
            f"scheduled with delay {sorted(delays)} s (timelock minimum then {min_delay} s), eta {p.eta}"
            + (
                f", executed at {p.executed.timestamp} ({p.executed.timestamp - (p.eta or 0):+d} s after eta)"
                if p.executed
                else ""
            ),
        )
    if p.executed or executed:
        ok = bool(p.executed) and shape(executed) == voted
        add(
            "executed",
            ok,
            f"{len(executed)} call(s) executed by the timelock, {len(voted)} voted, ProposalExecuted "
            f"{'present' if p.executed else 'MISSING'}"
            + ("" if shape(executed) == voted else f"; executed {_brief(shape(executed))} vs voted {_brief(voted)}"),
            []
            if shape(executed) == voted
            else [Conflict("calls", ("executed", _brief(shape(executed))), ("voted", _brief(voted)))],
        )


def _brief(calls: Sequence[tuple[str, int, bytes]]) -> str:
    return "[" + ", ".join(f"{t[:10]}.. value {v} data 0x{d[:8].hex()}" for t, v, d in calls) + "]"


# ---------------------------------------------------------------------- membership, rules, settings, timelock


def _check_membership(result: Verification, dao: Consortium, history: History, read: BlockReader) -> None:
    reg = dao.membership
    subject = "membership registry"
    count = read(reg, "memberCount")
    listed: list[str] = [to_checksum_address(read(reg, "memberAt", i)) for i in range(count)]
    rebuilt: list[str] = list(history.member_changes)
    ok = listed == rebuilt
    result.add(
        "members",
        subject,
        ok,
        f"{count} members listed by memberAt, {len(rebuilt)} rebuilt from MemberAdmitted, in the same order"
        if ok
        else f"memberAt lists {count}, MemberAdmitted {len(rebuilt)}; only on chain: "
        f"{sorted(set(listed) - set(rebuilt))}, only in events: {sorted(set(rebuilt) - set(listed))}",
        conflicts=[] if ok else [Conflict("members", ("memberAt", ", ".join(listed)), ("events", ", ".join(rebuilt)))],
    )
    if set(listed) - set(rebuilt):
        read.prefetch(
            (reg, name, a) for a in set(listed) - set(rebuilt) for name in ("memberOf", "votingUnitsOf", "getVotes")
        )
    bad: list[str] = []
    conflicts: list[Conflict] = []
    for account in dict.fromkeys(rebuilt + listed):
        role, group, status, constitutional, joined, voting_since, _since, weight, index, name = read(
            reg, "memberOf", account
        )
        actual = (
            Role(role).name.lower(),
            StakeholderGroup(group).name.lower(),
            MemberStatus(status).name.lower(),
            bool(constitutional),
            joined,
            voting_since,
            weight,
            index,
            name,
        )
        state = history.member_at(account)
        expected = (
            (
                state.role.name.lower(),
                state.group.name.lower(),
                state.status.name.lower(),
                state.constitutional_vote,
                state.joined_at,
                state.voting_since,
                state.weight,
                state.index,
                state.name,
            )
            if state
            else None
        )
        if expected != actual:
            fields = (
                "role",
                "group",
                "status",
                "constitutional vote",
                "joined",
                "voting since",
                "weight",
                "index",
                "name",
            )
            differing = [
                (f, str(a), str(e)) for f, a, e in zip(fields, actual, expected or ("",) * 9, strict=True) if a != e
            ]
            bad.append(
                f"{account}: "
                + "; ".join(show_difference(f, a, e, labels=("memberOf", "rebuilt")) for f, a, e in differing)
            )
            conflicts += [Conflict(f"{f} of {account}", ("memberOf", a), ("rebuilt", e)) for f, a, e in differing]
        units = read(reg, "votingUnitsOf", account)
        if state is not None and units != state.units:
            bad.append(f"{account}: votingUnitsOf {units}, rebuilt {state.units}")
            conflicts.append(
                Conflict(f"units of {account}", ("votingUnitsOf", str(units)), ("rebuilt", str(state.units)))
            )
        power = read(reg, "getVotes", account)
        if power != history.power_now(account):
            bad.append(f"{account}: getVotes {power}, rebuilt {history.power_now(account)}")
            conflicts.append(
                Conflict(f"power of {account}", ("getVotes", str(power)), ("rebuilt", str(history.power_now(account))))
            )
    total = read(reg, "totalSupply")
    if total != history.total_power_now():
        bad.append(f"totalSupply {total}, rebuilt {history.total_power_now()}")
        conflicts.append(
            Conflict("total voting power", ("totalSupply", str(total)), ("rebuilt", str(history.total_power_now())))
        )
    result.add(
        "records",
        subject,
        not bad,
        "; ".join(bad)
        if bad
        else f"every record (role, group, status, constitutional vote, joined, voting since, weight, index, name), "
        f"units and voting power rebuilt from events equals the registry's at block {result.last_block}; total "
        f"{total}",
        conflicts=conflicts,
    )
    # the registry's ERC-20-style Transfer events: the same units, counted another way
    minted: dict[str, int] = {}
    for d in history.unit_transfers:
        a = d.args
        if int(a["from"], 16) == 0:
            minted[a["to"]] = minted.get(a["to"], 0) + int(a["value"])
        if int(a["to"], 16) == 0:
            minted[a["from"]] = minted.get(a["from"], 0) - int(a["value"])
    units_now = {a: (s.units if (s := history.member_at(a)) else 0) for a in set(minted) | set(rebuilt)}
    off = {a: (minted.get(a, 0), u) for a, u in units_now.items() if minted.get(a, 0) != u}
    result.add(
        "units",
        subject,
        not off,
        f"the registry's Transfer events give every member the units its membership events give ({len(history.unit_transfers)} transfers)"
        if not off
        else "; ".join(f"{a}: Transfer events {t}, membership events {u}" for a, (t, u) in sorted(off.items())),
        conflicts=[
            Conflict(f"units of {a}", ("Transfer events", str(t)), ("membership events", str(u)))
            for a, (t, u) in sorted(off.items())
        ],
    )
    # P2: governance never gave one member more than the cap on one share, in either electorate
    n, d = read(reg, "maxShare")
    over = [
        f"{account} at block {e.log.block_number}: {units[i]} of {totals[i]} "
        f"{'constitutional votes' if i else 'votes'}, above {n}/{d}"
        for e, account, units, totals, rose in history.grants
        for i in (0, 1)
        if rose[i] and units[i] * d > totals[i] * n
    ]
    result.add(
        "cap",
        subject,
        not over and history.sealed is not None,
        "; ".join(over)
        or (
            f"{len(history.grants)} change(s) gave a member power after the initial membership was sealed, each "
            f"within the cap of {n}/{d} of either electorate"
            if history.sealed is not None
            else "no InitialMembersSealed in the logs"
        ),
    )
    version = read(reg, "agreementVersion")
    bad_agreements = []
    for d in history.agreements:
        v = int(d.args["version"])
        stored = read(reg, "agreement", v) if 1 <= v <= version else None
        if stored is None or bytes(stored[0]) != bytes(d.args["contentHash"]) or stored[2] != d.args["uri"]:
            bad_agreements.append(
                f"version {v}: AgreementAmended sha256 0x{bytes(d.args['contentHash']).hex()} {d.args['uri']}, "
                f"registry {('0x' + bytes(stored[0]).hex() + ' ' + stored[2]) if stored else 'none'}"
            )
    ok = (
        not bad_agreements
        and version == len(history.agreements)
        and [int(d.args["version"]) for d in history.agreements] == list(range(1, version + 1))
    )
    result.add(
        "agreement",
        subject,
        ok,
        "; ".join(bad_agreements)
        or (
            f"{version} agreement version(s), each AgreementAmended hash and URI equal to agreement(v)"
            if ok
            else f"agreementVersion {version}, {len(history.agreements)} AgreementAmended"
        ),
    )


def _check_rules_and_settings(result: Verification, dao: Consortium, history: History, read: BlockReader) -> None:
    bad = []
    for rs in history.rule_sets:
        rules, early, _chambers, _approval_voting = read(dao.membership, "rulesAt", rs.effective_from)
        on_chain = {c: (Ratio(*r[0]), Ratio(*r[1])) for c, r in zip(Category, rules, strict=True)}
        if on_chain != rs.rules or bool(early) != rs.early_close:
            bad.append(
                f"rule set {rs.id}: RulesUpdated {_rules_text(rs.rules, rs.early_close)}, rulesAt({rs.effective_from}) "
                f"{_rules_text(on_chain, bool(early))}"
            )
    result.add(
        "rules",
        "membership registry",
        not bad and bool(history.rule_sets),
        "; ".join(bad)
        or (
            f"{len(history.rule_sets)} rule set(s), each RulesUpdated equal to rulesAt(effectiveFrom)"
            if history.rule_sets
            else "no RulesUpdated in the logs"
        ),
    )
    settings = {
        "voting delay": (read(dao.governor, "votingDelay"), history.voting_delay),
        "voting period": (read(dao.governor, "votingPeriod"), history.voting_period),
        "late-quorum extension": (read(dao.governor, "lateQuorumVoteExtension"), history.late_quorum_extension),
        "timelock delay": (read(dao.timelock, "getMinDelay"), history.timelock_delay),
    }
    off = {k: v for k, v in settings.items() if v[0] != v[1]}
    result.add(
        "settings",
        "governor and timelock",
        not off,
        ", ".join(f"{k} {v[0]} s" for k, v in settings.items()) + " on chain, each equal to its last event"
        if not off
        else "; ".join(f"{k}: on chain {v[0]}, last event {v[1]}" for k, v in off.items()),
        conflicts=[Conflict(k, ("on chain", str(v[0])), ("events", str(v[1]))) for k, v in off.items()],
    )


def _rules_text(rules: dict[Category, tuple[Ratio, Ratio]], early: bool) -> str:
    return (
        ", ".join(f"{c.name.lower()} {q}/{a}" for c, (q, a) in rules.items())
        + f", early close {'on' if early else 'off'}"
    )


def _check_timelock(result: Verification, dao: Consortium, history: History) -> None:
    """Every operation the timelock scheduled belongs to a queued proposal, every one it executed to an executed
    proposal (the governor is its only proposer and executor)."""
    queued = {j.operation for j in result.judgements.values() if j.proposal.queued and j.operation is not None}
    executed = {j.operation for j in result.judgements.values() if j.proposal.executed and j.operation is not None}
    stray_scheduled = [op for op in history.scheduled if op not in queued]
    stray_executed = [op for op in history.executed_calls if op not in executed]
    problems = []
    if stray_scheduled:
        problems.append(
            "operations scheduled without a queued proposal: " + ", ".join("0x" + o.hex() for o in stray_scheduled)
        )
    if stray_executed:
        problems.append(
            "operations executed without an executed proposal: " + ", ".join("0x" + o.hex() for o in stray_executed)
        )
    result.add(
        "timelock",
        "timelock",
        not problems,
        "; ".join(problems)
        or f"every scheduled timelock operation belongs to a queued proposal ({len(history.scheduled)}), every executed "
        f"one to an executed proposal ({len(history.executed_calls)})",
    )


def _read_balances(result: Verification, dao: Consortium, history: History, read: BlockReader) -> None:
    """The treasury's balances at the verified block: ETH and every ERC-20 token seen moving in or out."""
    timelock = dao.record.timelock
    result.balances["ETH"] = int(dao.chain.transport.request("eth_getBalance", [timelock, hex(result.last_block)]), 16)
    tokens = sorted({to_checksum_address(d.log.address) for d in history.transfers})
    data = "0x" + (_BALANCE_OF + bytes(12) + bytes.fromhex(timelock[2:])).hex()
    for token in tokens:
        try:
            answer = dao.chain.transport.request("eth_call", [{"to": token, "data": data}, hex(result.last_block)])
        except CcsiDaoError:  # a token that does not answer balanceOf: its flows are still in the report
            continue
        raw = bytes.fromhex(str(answer)[2:])
        if len(raw) == 32:
            result.balances[token] = int.from_bytes(raw, "big")


_BALANCE_OF = function_signature_to_4byte_selector("balanceOf(address)")


__all__ = ["Conflict", "Finding", "Verification", "read_chain", "verify"]
