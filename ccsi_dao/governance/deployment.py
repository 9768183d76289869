"""Deploying the governance suite, proving the deployer kept no power, and the deployment record.

:func:`deploy_suite` deploys the three linked libraries (the rules, the class power, the decision rules), then
timelock, membership registry and governor, linked with them. The timelock is created with the governor's
precomputed address as its only proposer, canceller and executor and with no administrator but itself, so the
deployer never holds a privilege, not even for a block. :func:`check_privileges` proves it from chain state and from
every role event since deployment. Libraries hold no state and no owner: their code is all there is to check, which
``audit verify-code`` does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rlp
from eth_utils import keccak, to_checksum_address
from pydantic import BaseModel, ConfigDict, ValidationError

from ccsi_dao.abi.artifacts import Artifact, artifact_sha256, load_artifact
from ccsi_dao.abi.bytecode import immutable_slots
from ccsi_dao.chain import Call, Chain
from ccsi_dao.chain.connection import Fees, StateOverrideUnsupported, UnknownFateError, with_headroom
from ccsi_dao.chain.signer import SignerLike, as_signer
from ccsi_dao.errors import ConfigError, ContractRevertError, UserError
from ccsi_dao.fileio import write_atomic
from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup

if TYPE_CHECKING:
    from ccsi_dao.agreement import Agreement

SUITE = ("ConsortiumTimelock", "ConsortiumMembership", "ConsortiumGovernor")
LIBRARIES = ("RuleBook", "ClassPower", "DecisionRules")
"""The linked libraries, deployed first, in this order: the registry calls the first two, the governor the last."""
DEPLOYED = LIBRARIES + SUITE
"""Every contract a deployment creates, in order."""
RECORD_FORMAT = 3
"""Version of the deployment record (3: contracts with chambers and choices, and their linked libraries)."""
MEMBERS_PER_TRANSACTION = 50
"""Most partners registered per transaction: each later batch stays far below the block gas limit."""
INITCODE_LIMIT = 49_152
"""EIP-3860: the registry's creation code plus its constructor arguments (the first partners) must fit."""

_ROLES = {
    "admin": b"\x00" * 32,
    "proposer": keccak(text="PROPOSER_ROLE"),
    "executor": keccak(text="EXECUTOR_ROLE"),
    "canceller": keccak(text="CANCELLER_ROLE"),
}


@dataclass(frozen=True)
class InitialMember:
    """A partner registered at deployment."""

    address: str
    name: str
    role: Role = Role.PARTNER
    group: StakeholderGroup = StakeholderGroup.OTHER
    weight: int = 1

    def as_tuple(self) -> tuple[str, int, int, int, str]:
        return (to_checksum_address(self.address), int(self.role), int(self.group), self.weight, self.name)

    @property
    def votes(self) -> bool:
        return self.role != Role.OBSERVER


@dataclass(frozen=True)
class SuiteParams:
    """Everything the contracts are configured with at deployment."""

    name: str
    members: tuple[InitialMember, ...]
    agreement_hash: bytes
    agreement_uri: str
    rules: dict[Category, tuple[Ratio, Ratio]]  # category -> (quorum, approval)
    floors: tuple[Ratio, Ratio] = (Ratio(1, 10), Ratio(1, 2))
    max_share: Ratio = Ratio(1, 3)  # noqa: RUF009 - Ratio is a frozen dataclass
    voting_delay: int = 86_400
    voting_period: int = 7 * 86_400
    late_quorum_extension: int = 2 * 86_400
    early_close: bool = True
    timelock_delay: int = 2 * 86_400
    chambers: dict[Category, int] = field(default_factory=dict)
    """Per category, its chamber conditions, packed (see :mod:`ccsi_dao.governance.decisions`)."""
    entrenched: dict[Category, int] = field(default_factory=dict)
    """Per category, the chamber conditions every later rule set must keep (packed)."""
    approval_voting: bool = False
    """Whether a choice among options may let a ballot select several of them."""

    @classmethod
    def from_agreement(cls, agreement: Agreement) -> SuiteParams:
        """The parameters a consortium agreement prescribes."""
        from ccsi_dao.governance.decisions import agreement_chambers

        chambers, entrenched = agreement_chambers(agreement)
        return cls(
            name=agreement.consortium,
            members=tuple(
                InitialMember(p.address, p.name, Role(p.role), StakeholderGroup(p.group), p.weight)
                for p in agreement.partners
            ),
            agreement_hash=agreement.document_hash,
            agreement_uri=agreement.document_uri,
            rules={c: (r.quorum, r.approval) for c, r in agreement.rules.items()},
            floors=(agreement.floors.quorum, agreement.floors.approval),
            max_share=agreement.max_share,
            voting_delay=agreement.voting_delay,
            voting_period=agreement.voting_period,
            late_quorum_extension=agreement.late_quorum_extension,
            early_close=agreement.early_close,
            timelock_delay=agreement.timelock_delay,
            chambers=chambers,
            entrenched=entrenched,
            approval_voting=agreement.approval_voting,
        )

    def rule_set(self) -> tuple[list[tuple[tuple[int, int], tuple[int, int]]], bool, list[int], bool]:
        """The ``RuleSet`` struct as web3 expects it."""
        rules = [(self.rules[c][0].as_tuple(), self.rules[c][1].as_tuple()) for c in Category]
        return (rules, self.early_close, [self.chambers.get(c, 0) for c in Category], self.approval_voting)

    def floors_rule(self) -> tuple[tuple[int, int], tuple[int, int], list[int]]:
        """The floors as the registry's ``RuleFloors`` struct."""
        return (self.floors[0].as_tuple(), self.floors[1].as_tuple(), [self.entrenched.get(c, 0) for c in Category])

    def registry_setup(self, governance: str, governor: str, bootstrapper: str) -> tuple[Any, ...]:
        """The registry's ``Setup`` struct as web3 expects it."""
        return (
            governance,
            governor,
            bootstrapper,
            self.agreement_hash,
            self.agreement_uri,
            f"{self.name} votes",
            "VOTE",
            self.max_share.numerator,
            self.max_share.denominator,
        )

    def governor_config(self) -> tuple[Any, ...]:
        """The governor's ``Config`` struct as web3 expects it."""
        return (self.name, self.voting_delay, self.voting_period, self.late_quorum_extension)


class DeploymentRecord(BaseModel):
    """Where a consortium's contracts live; written by ``deploy`` and found by every later command."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: int = RECORD_FORMAT
    consortium: str
    chain_id: int
    governor: str
    membership: str
    timelock: str
    deployer: str
    start_block: int
    block_number: int
    block_hash: str
    deployed_at: int
    libraries: dict[str, str]
    """Address of each linked library, by name."""
    transactions: dict[str, str]
    artifacts: dict[str, str]
    rpc_url: str | None = None
    """The node it was deployed through, kept only for a node on this machine (a devnet on a port of its own), so
    later commands find that devnet; never a remote URL (which may hold an API key)."""

    def save(self, path: Path) -> None:
        """Write the record atomically."""
        write_atomic(path, self.model_dump_json(indent=2, exclude_none=True) + "\n")

    @classmethod
    def load(cls, path: Path) -> DeploymentRecord:
        """Read a record, with a clear error if it is missing, damaged or of a deployment that did not finish."""
        data = _read_json(path)
        if isinstance(data, dict) and data.get("status") == PARTIAL:
            raise ConfigError(
                f"the deployment recorded in {path} did not finish ({_progress_words(data)}); finish it with "
                "ccsi-dao deploy AGREEMENT --resume (nothing is deployed twice), or start again with --replace"
            )
        if isinstance(data, dict) and data.get("format", 1) != RECORD_FORMAT and isinstance(data.get("format", 1), int):
            raise ConfigError(
                f"the deployment record {path} is of format {data.get('format', 1)}, for contracts this version of "
                f"ccsi-dao no longer drives (it reads format {RECORD_FORMAT}); deploy the consortium again"
            )
        try:
            return cls.model_validate(data)
        except ValidationError:
            raise ConfigError(f"the deployment record {path} is damaged or not a ccsi-dao deployment record") from None


def _read_json(path: Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no deployment record at {path}: deploy first (ccsi-dao deploy AGREEMENT.yaml)") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the deployment record {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"the deployment record {path} is damaged or not a ccsi-dao deployment record") from None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ConfigError(f"the deployment record {path} is damaged or not a ccsi-dao deployment record") from None


PARTIAL = "partial"


class StepRecord(BaseModel):
    """One transaction of a deployment in progress: its hash once the node has it, its block once mined."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tx: str
    block: int | None = None


class PartialDeployment(BaseModel):
    """The record of a deployment that has not finished, written atomically after each of its transactions, so
    ``deploy --resume`` carries on where it stopped without deploying anything twice. Every address follows from
    the deployer's address and first nonce, and each step takes exactly its nonce."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: int = RECORD_FORMAT
    status: str = PARTIAL
    consortium: str
    chain_id: int
    deployer: str
    nonce: int
    params: str
    """sha256 of the deployment's parameters (the agreement as deployed): a resume must deploy the same."""
    timelock: str
    membership: str
    governor: str
    libraries: dict[str, str]
    steps: dict[str, StepRecord]
    artifacts: dict[str, str]

    def save(self, path: Path) -> None:
        write_atomic(path, self.model_dump_json(indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> PartialDeployment:
        data = _read_json(path)
        if not (isinstance(data, dict) and data.get("status") == PARTIAL):
            raise UserError(
                f"{path} is the record of a finished deployment, not of one to resume; use --replace to deploy anew"
            )
        try:
            return cls.model_validate(data)
        except ValidationError:
            raise ConfigError(f"the deployment record {path} is damaged or not a ccsi-dao deployment record") from None


def _progress_words(data: dict[str, Any]) -> str:
    steps: dict[str, Any] = data["steps"] if isinstance(data.get("steps"), dict) else {}
    mined = [name for name, step in steps.items() if isinstance(step, dict) and step.get("block") is not None]
    if not mined:
        return "nothing of it is confirmed on chain yet"
    return f"{len(mined)} transaction{'s' if len(mined) != 1 else ''} done, the last {_STEP_WORDS.get(mined[-1], mined[-1])}"


_STEP_WORDS = {
    "RuleBook": "deploying the rule book library",
    "ClassPower": "deploying the class power library",
    "DecisionRules": "deploying the decision rules library",
    "ConsortiumTimelock": "deploying the timelock",
    "ConsortiumMembership": "deploying the membership registry",
    "ConsortiumGovernor": "deploying the governor",
    "SealInitialMembers": "sealing the membership",
}


@dataclass
class Suite:
    """The deployed contracts, as web3 contract objects."""

    chain: Chain
    record: DeploymentRecord
    governor: Any = field(init=False)
    membership: Any = field(init=False)
    timelock: Any = field(init=False)

    def __post_init__(self) -> None:
        contract, record = self.chain.contract, self.record
        self.governor = contract(record.governor, load_artifact("ConsortiumGovernor").abi)
        self.membership = contract(record.membership, load_artifact("ConsortiumMembership").abi)
        self.timelock = contract(record.timelock, load_artifact("ConsortiumTimelock").abi)


# ---------------------------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class Step:
    """One transaction of a deployment: its name in the record, what it does in words, its call, its nonce."""

    name: str
    action: str
    call: Call
    nonce: int
    gas: int = 0
    """Estimated gas (0 until :func:`plan_deployment` estimates it)."""
    exact: bool = True
    """Whether ``gas`` is the node's estimate (False: derived from the cost per partner of another estimate)."""


@dataclass(frozen=True)
class DeploymentPlan:
    """Every transaction of a deployment, decided before the first is sent: what each does, its gas and price,
    and the total cost. ``done`` lists the steps a resumed deployment already has on chain (name -> tx hash and
    block, or None while the transaction waits in the node's pool)."""

    params: SuiteParams
    deployer: str
    chain_id: int
    nonce: int
    timelock: str
    membership: str
    governor: str
    steps: tuple[Step, ...]
    fees: Fees
    done: dict[str, StepRecord]
    params_digest: str

    @property
    def libraries(self) -> dict[str, str]:
        """Address of each library, by name (the first nonces)."""
        return library_addresses(self.deployer, self.nonce)

    @property
    def remaining(self) -> tuple[Step, ...]:
        """The steps still to send (or, sent before, to wait for)."""
        return tuple(s for s in self.steps if s.name not in self.done or self.done[s.name].block is None)

    @property
    def to_send(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.name not in self.done)

    @property
    def gas(self) -> int:
        """Estimated gas of the transactions still to send."""
        return sum(s.gas for s in self.to_send)

    @property
    def cost(self) -> int:
        """Expected cost in wei of the transactions still to send (gas x the price they most likely pay)."""
        return self.gas * self.fees.expected

    @property
    def max_cost(self) -> int:
        """The most they can cost (the gas limits ccsi-dao gives them x the highest price they accept)."""
        return sum(gas_limit(s.gas) for s in self.to_send) * self.fees.cap

    def partial(self, steps: dict[str, StepRecord]) -> PartialDeployment:
        return PartialDeployment(
            consortium=self.params.name,
            chain_id=self.chain_id,
            deployer=self.deployer,
            nonce=self.nonce,
            params=self.params_digest,
            timelock=self.timelock,
            membership=self.membership,
            governor=self.governor,
            libraries=self.libraries,
            steps=steps,
            artifacts={name: artifact_sha256(name) for name in DEPLOYED},
        )


CURRENCIES = {100: "xDAI", 10200: "xDAI", 137: "POL", 80002: "POL"}
"""The native currency of chains whose currency is not ETH (Gnosis Chain and Chiado: xDAI; Polygon: POL)."""


def currency(chain_id: int) -> str:
    """The name of a chain's native currency, in which gas is paid."""
    return CURRENCIES.get(chain_id, "ETH")


def gas_limit(estimate: int) -> int:
    """The gas limit :meth:`Chain.transact <ccsi_dao.chain.Chain.transact>` gives a transaction of this estimate."""
    return with_headroom(estimate)


def params_digest(params: SuiteParams) -> str:
    """sha256 of everything a deployment is configured with."""
    blob = json.dumps(asdict(params), sort_keys=True, default=lambda v: v.hex() if isinstance(v, bytes) else str(v))
    return hashlib.sha256(blob.encode()).hexdigest()


def _decode_suite_reverts(chain: Chain) -> None:
    """Let the chain turn the suite's custom errors into sentences (a rule set the registry's constructor refuses,
    ...) unless it already decodes more than the basic errors."""
    from ccsi_dao.abi.reverts import RevertDecoder
    from ccsi_dao.chain.translate import BasicRevertDecoder

    if type(chain.decoder) is BasicRevertDecoder:
        chain.decoder = RevertDecoder([load_artifact(name).abi for name in DEPLOYED])


def plan_deployment(
    chain: Chain, deployer: str, params: SuiteParams, *, resume: PartialDeployment | None = None
) -> DeploymentPlan:
    """The transactions deploying ``params`` from ``deployer``, their estimated gas and fees; nothing is sent.

    With ``resume`` (the record of a deployment that stopped half-way), the plan carries on from it: the steps it
    records as mined are checked on chain and kept, a step it records as sent is awaited if the chain still has it,
    and the rest take the deployer's next nonces, which must not have been used meanwhile (else nothing is sent).
    """
    deployer = to_checksum_address(deployer)
    _decode_suite_reverts(chain)
    digest = params_digest(params)
    done: dict[str, StepRecord] = {}
    if resume is None:
        nonce = chain.pending_nonce(deployer)
    else:
        _check_resumable(chain, deployer, digest, resume)
        nonce = resume.nonce
    steps = _steps(chain, deployer, nonce, params)
    if resume is not None:
        done = _resumed_steps(chain, deployer, steps, resume)
    estimated = _estimate(chain, deployer, nonce, params, steps, done)
    timelock, membership, governor = _suite_addresses(deployer, nonce)
    return DeploymentPlan(
        params, deployer, chain.chain_id, nonce, timelock, membership, governor, estimated, chain.fees(), done, digest
    )


def library_addresses(deployer: str, nonce: int) -> dict[str, str]:
    """Where a deployment from ``deployer`` starting at ``nonce`` puts each library."""
    return {name: create_address(deployer, nonce + i) for i, name in enumerate(LIBRARIES)}


def _suite_addresses(deployer: str, nonce: int) -> tuple[str, str, str]:
    """Where that deployment puts the timelock, the registry and the governor (after the libraries)."""
    first = nonce + len(LIBRARIES)
    return create_address(deployer, first), create_address(deployer, first + 1), create_address(deployer, first + 2)


def library_runtime(name: str, address: str) -> bytes:
    """The runtime code library ``name`` has once deployed at ``address``: its artifact's, with its own address
    written where the constructor puts it (the operands of the ``PUSH32 0`` a library compiled via IR keeps for it,
    its only immutable; the guard that refuses calls that are not delegated)."""
    runtime = bytearray(load_artifact(name).deployed_bytecode)
    word = bytes(12) + bytes.fromhex(address[2:])
    for start in immutable_slots(bytes(runtime)):
        runtime[start : start + 32] = word
    return bytes(runtime)


def _library_code(deployer: str, nonce: int) -> dict[str, bytes]:
    """The runtime code each library will have, by address, so the contracts that call them can be estimated before
    any of them exists (a state override)."""
    return {address: library_runtime(name, address) for name, address in library_addresses(deployer, nonce).items()}


def linked_artifact(name: str, libraries: Mapping[str, str]) -> Artifact:
    """The artifact of ``name`` linked with ``libraries`` (name -> address), as deployed."""
    artifact = load_artifact(name)
    return artifact.linked(libraries) if artifact.libraries else artifact


def libraries_in_code(name: str, code: bytes) -> dict[str, str]:
    """The library addresses linked into ``code``, the runtime code of contract ``name`` found on chain (read where
    its artifact leaves room for them). Empty if the code is too short to hold them."""
    found: dict[str, str] = {}
    for refs in load_artifact(name).deployed_link_references.values():
        for library, places in refs.items():
            for place in places:
                start, end = place["start"], place["start"] + place["length"]
                if end <= len(code):
                    found[library] = to_checksum_address(code[start:end])
    return found


def _steps(chain: Chain, deployer: str, nonce: int, params: SuiteParams) -> tuple[Step, ...]:
    libraries = library_addresses(deployer, nonce)
    timelock, registry, governor = _suite_addresses(deployer, nonce)
    members = [m.as_tuple() for m in params.members]
    registry_artifact = linked_artifact("ConsortiumMembership", libraries)
    first = _first_batch(chain, registry_artifact, params, timelock, governor, deployer, members)
    rest = members[first:]
    batches = [members[:first]] + [
        rest[i : i + MEMBERS_PER_TRANSACTION] for i in range(0, len(rest), MEMBERS_PER_TRANSACTION)
    ]
    bootstrapper = deployer if len(batches) > 1 else ZERO_ADDRESS
    steps = [
        Step(name, _STEP_WORDS[name], _creation(chain, linked_artifact(name, libraries)), nonce + i)
        for i, name in enumerate(LIBRARIES)
    ]
    first_suite = nonce + len(LIBRARIES)
    steps += [
        Step("ConsortiumTimelock", "deploying the timelock",
             _creation(chain, linked_artifact("ConsortiumTimelock", libraries), params.timelock_delay, [governor],
                       [governor], ZERO_ADDRESS),
             first_suite),
        Step("ConsortiumMembership", "deploying the membership registry",
             _registry_creation(chain, registry_artifact, params, timelock, governor, bootstrapper, batches[0]),
             first_suite + 1),
        Step("ConsortiumGovernor", "deploying the governor",
             _creation(chain, linked_artifact("ConsortiumGovernor", libraries), registry, timelock,
                       params.governor_config()),
             first_suite + 2),
    ]  # fmt: skip
    contract = chain.contract(registry, load_artifact("ConsortiumMembership").abi)
    for number, batch in enumerate(batches[1:], start=2):
        call = chain.as_call(contract.functions.addInitialMembers(batch))
        steps.append(
            Step(f"InitialMembers{number}", f"registering partners (batch {number})", call, nonce + len(steps))
        )
    if len(batches) > 1:
        call = chain.as_call(contract.functions.sealInitialMembers())
        steps.append(Step("SealInitialMembers", "sealing the membership", call, nonce + len(steps)))
    return tuple(steps)


def _creation(chain: Chain, artifact: Artifact, *args: Any) -> Call:
    return Call(to="", data=chain.creation_data(artifact.abi, artifact.bytecode, *args))


def _registry_creation(
    chain: Chain,
    artifact: Artifact,
    params: SuiteParams,
    timelock: str,
    governor: str,
    bootstrapper: str,
    members: list[Any],
) -> Call:
    setup = params.registry_setup(timelock, governor, bootstrapper)
    return _creation(chain, artifact, setup, members, params.floors_rule(), params.rule_set())


def _estimate(
    chain: Chain, deployer: str, nonce: int, params: SuiteParams, steps: tuple[Step, ...], done: dict[str, StepRecord]
) -> tuple[Step, ...]:
    """Each step with its gas: the node's estimate where the step can run now, else (a registry call before the
    registry exists) one derived from the registry constructor's estimates: its cost per partner registered, and
    the cost of sealing, both scaled to the batch."""
    out: list[Step] = []
    derived: tuple[int, int] | None = None
    code = _library_code(deployer, nonce)
    for step in steps:
        if step.name in done:
            out.append(step)
            continue
        try:
            if step.name in LIBRARIES:  # a plain creation: its gas needs no override (and runs on every node)
                gas = chain.estimate(deployer, step.call, action=step.action)
            else:
                gas = chain.estimate(deployer, step.call, action=step.action, code=code, nonce=step.nonce)
            out.append(replace(step, gas=gas))
            continue
        except StateOverrideUnsupported:  # the libraries it calls are not on chain yet: sized, not estimated
            out.append(replace(step, gas=_creation_allowance(step), exact=False))
            continue
        except ContractRevertError:
            if not step.call.to:
                raise  # a contract the chain would refuse to create: nothing is sent
        if derived is None:
            derived = _registry_costs(chain, deployer, nonce, params)
        per_member, seal_per_member = derived
        if step.name == "SealInitialMembers":
            gas = 30_000 + seal_per_member * len(params.members)
        else:
            gas = 30_000 + per_member * _members_in(step)
        out.append(replace(step, gas=gas, exact=False))
    return tuple(out)


def _creation_allowance(step: Step) -> int:
    """Gas for a step a node without state overrides cannot estimate before the libraries exist: the transaction,
    its data, the code it stores (at most the 24,576-byte limit) and a constructor allowance. Only the plan's figure
    (shown as approximate): each transaction is estimated again when it is sent, once the libraries are mined."""
    return 53_000 + 16 * len(step.call.data) + 200 * 24_576 + 3_000_000


def _members_in(step: Step) -> int:
    """How many partners an ``addInitialMembers`` call registers (the length word of its array)."""
    return int.from_bytes(step.call.data[36:68], "big") if len(step.call.data) >= 68 else 0


def _registry_costs(chain: Chain, deployer: str, nonce: int, params: SuiteParams) -> tuple[int, int]:
    """(gas per partner registered, gas per partner checked when sealing), from estimates of the registry's
    constructor with one partner and with two (a partner is written the same way by the constructor and by
    ``addInitialMembers``), sealed and not."""
    timelock, _registry, governor = _suite_addresses(deployer, nonce)
    members = [m.as_tuple() for m in params.members[:2]]
    artifact = linked_artifact("ConsortiumMembership", library_addresses(deployer, nonce))

    def gas(count: int, sealed: bool) -> int:
        call = _registry_creation(chain, artifact, params, timelock, governor, ZERO_ADDRESS if sealed else deployer,
                                  members[:count])  # fmt: skip
        registry_nonce = nonce + len(LIBRARIES) + 1
        return chain.estimate(
            deployer, call, action="estimating the registry", code=_library_code(deployer, nonce), nonce=registry_nonce
        )

    if len(members) < 2:
        return 60_000, 5_000
    one, two, two_sealed = gas(1, False), gas(2, False), gas(2, True)
    return max(two - one, 1), max((two_sealed - two) // 2, 1)


def _check_resumable(chain: Chain, deployer: str, digest: str, resume: PartialDeployment) -> None:
    if resume.chain_id != chain.chain_id:
        raise UserError(f"the deployment to resume is on chain {resume.chain_id}, not on this chain ({chain.chain_id})")
    if to_checksum_address(resume.deployer) != deployer:
        raise UserError(f"the deployment to resume was sent by {resume.deployer}; resume it with that key")
    if resume.params != digest:
        raise UserError(
            "the agreement differs from the one this deployment was started with; resume with the same agreement, "
            "or start again with --replace"
        )
    changed = [n for n in DEPLOYED if resume.artifacts.get(n) != artifact_sha256(n)]
    if changed:
        raise UserError(
            f"this version of ccsi-dao deploys other code for {', '.join(changed)} than the deployment to resume "
            "began with; start again with --replace"
        )


def _resumed_steps(
    chain: Chain, deployer: str, steps: tuple[Step, ...], resume: PartialDeployment
) -> dict[str, StepRecord]:
    """The recorded steps as the chain has them now: mined (kept), still in the pool (block None: awaited), or
    lost (sent again). UserError if a nonce a step needs was used by another transaction."""
    latest_nonce = chain.nonce(deployer, "latest")
    done: dict[str, StepRecord] = {}
    for step in steps:
        recorded = resume.steps.get(step.name)
        if recorded is not None:
            receipt = chain.receipt_or_none(recorded.tx)
            if receipt is not None:
                if receipt["status"] != 1:
                    raise UserError(
                        f"{step.action} failed on chain (transaction {recorded.tx}); this deployment cannot be "
                        "finished: start again with --replace"
                    )
                done[step.name] = StepRecord(tx=recorded.tx, block=int(receipt["blockNumber"]))
                continue
            if chain.known(recorded.tx):
                done[step.name] = StepRecord(tx=recorded.tx, block=None)  # in the pool: wait for it
                continue
        if latest_nonce > step.nonce:
            raise UserError(
                f"the deployment cannot be resumed: nonce {step.nonce} of {deployer}, which {step.action} needs (its "
                "address depends on it), was used by another transaction; the contracts deployed so far must not be "
                "used: start again with --replace"
            )
    return done


# ---------------------------------------------------------------------------------------------- deploying


def deploy_suite(
    chain: Chain,
    deployer: SignerLike,
    params: SuiteParams,
    *,
    plan: DeploymentPlan | None = None,
    record_path: Path | None = None,
) -> DeploymentRecord:
    """Deploy timelock, membership registry and governor, wired together, and prove the deployer kept no power.

    The timelock, registry and governor take three transactions, each with exactly its nonce (the deployer's next
    ones), so every address is known before the first is sent. A consortium of more than
    :data:`MEMBERS_PER_TRANSACTION` partners is registered in further batches by the deployer, who then seals the
    initial membership, giving up that right; the result is checked against ``params`` member by member.

    ``plan`` (from :func:`plan_deployment`; made here if not given) may resume a deployment that stopped. With
    ``record_path`` the progress is written there atomically after each transaction (a
    :class:`PartialDeployment`), and the finished :class:`DeploymentRecord` replaces it at the end.
    """
    signer = as_signer(deployer)
    plan = plan or plan_deployment(chain, signer.address, params)
    if to_checksum_address(signer.address) != plan.deployer:
        raise UserError(f"the plan is for deployer {plan.deployer}, not {signer.address}")
    steps: dict[str, StepRecord] = dict(plan.done)

    def save() -> None:
        if record_path is not None:
            plan.partial(steps).save(record_path)

    receipts: dict[str, Any] = {}
    for step in plan.steps:
        known = steps.get(step.name)
        if known is not None and known.block is not None:
            continue
        if known is not None:  # sent before, still in the node's pool
            receipt = chain.wait(bytes.fromhex(known.tx[2:]), action=step.action)
            if receipt["status"] != 1:
                raise UserError(f"{step.action} failed on chain (transaction {known.tx}); start again with --replace")
            if chain.confirmations:
                receipt = chain.confirm(receipt, action=step.action)
        else:

            def sent(tx_hash: bytes, name: str = step.name) -> None:
                steps[name] = StepRecord(tx="0x" + tx_hash.hex())
                save()

            try:
                receipt = chain.transact(signer, step.call, action=step.action, nonce=step.nonce, on_sent=sent)
            except UnknownFateError as exc:
                if steps:  # the record exists: keep the hash, so --resume finds the transaction if it landed
                    sent(exc.tx_hash)
                raise
        receipts[step.name] = receipt
        steps[step.name] = StepRecord(
            tx="0x" + bytes(receipt["transactionHash"]).hex(), block=int(receipt["blockNumber"])
        )
        save()
        created = receipt["contractAddress"]
        if not step.call.to and to_checksum_address(str(created)) != create_address(plan.deployer, step.nonce):
            raise UserError(f"{step.action} produced an unexpected address; do not use this deployment")

    registry = chain.contract(plan.membership, load_artifact("ConsortiumMembership").abi)
    _check_members(chain, registry, params)
    last = steps[plan.steps[-1].name]
    assert last.block is not None  # every step is mined by now
    block = chain.block(last.block)
    url = chain.url
    record = DeploymentRecord(
        consortium=params.name,
        chain_id=chain.chain_id,
        governor=plan.governor,
        membership=plan.membership,
        timelock=plan.timelock,
        libraries=plan.libraries,
        deployer=plan.deployer,
        start_block=int(steps["ConsortiumTimelock"].block or 0),
        block_number=int(last.block or 0),
        block_hash="0x" + bytes(block["hash"]).hex(),
        deployed_at=int(block["timestamp"]),
        transactions={s.name: steps[s.name].tx for s in plan.steps},
        artifacts={name: artifact_sha256(name) for name in DEPLOYED},
        rpc_url=url if is_local_url(url) else None,
    )
    findings = check_privileges(Suite(chain, record))
    if findings:
        raise UserError("the deployment is not safe to use: " + "; ".join(findings))
    if record_path is not None:
        record.save(record_path)
    return record


def is_local_url(url: str) -> bool:
    """Whether ``url`` is a node on this machine (loopback), whose address is worth keeping in a record."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return host in ("127.0.0.1", "localhost", "::1")


def _first_batch(
    chain: Chain, artifact: Any, params: SuiteParams, timelock: str, governor: str, deployer: str, members: list[Any]
) -> int:
    """How many partners the registry's constructor can take: at most :data:`MEMBERS_PER_TRANSACTION`, and few
    enough that its creation code and arguments stay within EIP-3860's limit (long, non-ASCII names take more)."""
    count = min(len(members), MEMBERS_PER_TRANSACTION)
    while count > 1:
        bootstrapper = deployer if count < len(members) else ZERO_ADDRESS
        setup = params.registry_setup(timelock, governor, bootstrapper)
        data = chain.creation_data(
            artifact.abi, artifact.bytecode, setup, members[:count], params.floors_rule(), params.rule_set()
        )
        if len(data) <= INITCODE_LIMIT:
            break
        count -= 1
    return count


def _check_members(chain: Chain, registry: Any, params: SuiteParams) -> None:
    """The registry holds exactly the agreement's partners, in its order, each with a constitutional vote (read at
    one block, in JSON-RPC batches: two round trips for any number of partners where the node takes batches)."""
    read = chain.reader(chain.block_number())
    if read(registry, "memberCount") != len(params.members):
        raise UserError("the registry does not hold the agreement's partners; do not use this deployment")
    read.prefetch((registry, "memberAt", index) for index in range(len(params.members)))
    accounts = [read(registry, "memberAt", index) for index in range(len(params.members))]
    read.prefetch((registry, "memberOf", account) for account in accounts)
    for index, (member, account) in enumerate(zip(params.members, accounts, strict=True)):
        role, group, status, constitutional, _joined, _since, _state, weight, _index, name = read(
            registry, "memberOf", account
        )
        got = (to_checksum_address(account), role, group, weight, name, status, constitutional)
        want = (
            to_checksum_address(member.address),
            int(member.role),
            int(member.group),
            member.weight,
            member.name,
            1,
            True,
        )
        if got != want:
            raise UserError(f"partner {index} in the registry differs from the agreement; do not use this deployment")


def check_privileges(suite: Suite) -> list[str]:
    """Everything that breaks "nobody but the governance holds power"; an empty list proves the deployment clean.

    Checks the wiring (registry governed by the timelock, governor executing through it) and every role of the
    timelock: the governor must be its only proposer, canceller and executor, the timelock its only administrator,
    judged from current state and from every ``RoleGranted`` event since deployment.
    """
    record, tl, read = suite.record, suite.timelock, suite.chain.read
    findings: list[str] = []
    if read(suite.membership.functions.governance()) != record.timelock:
        findings.append("the membership registry is not governed by the timelock")
    if read(suite.governor.functions.timelock()) != record.timelock:
        findings.append("the governor does not execute through the timelock")
    if read(suite.governor.functions.token()) != record.membership:
        findings.append("the governor does not take voting power from the membership registry")
    if read(suite.membership.functions.governor()) != record.governor:
        findings.append("the membership registry does not know the governor (which must never become a member)")
    if int(read(suite.membership.functions.bootstrapper()), 16) != 0:
        findings.append("the initial membership is not sealed: the deployer can still register members")

    expected = {
        "admin": {record.timelock},
        "proposer": {record.governor},
        "executor": {record.governor},
        "canceller": {record.governor},
    }
    role_names = {v: k for k, v in _ROLES.items()}
    holders: dict[str, set[str]] = {name: set() for name in _ROLES}
    for event in _role_events(suite):
        holders[role_names[bytes(event["args"]["role"])]].add(to_checksum_address(event["args"]["account"]))
    for name, role in _ROLES.items():
        for account in holders[name] | expected[name] | {record.deployer, "0x" + "00" * 20}:
            has = read(tl.functions.hasRole(role, to_checksum_address(account)))
            if has and account not in expected[name]:
                who = "the deployer" if account == record.deployer else to_checksum_address(account)
                findings.append(f"{who} holds the timelock's {name} role")
            if not has and account in expected[name]:
                findings.append(f"{account} lacks the timelock's {name} role")
    return findings


def _role_events(suite: Suite) -> list[Any]:
    return suite.chain.events(suite.timelock.events.RoleGranted, suite.record.start_block)


ZERO_ADDRESS = "0x" + "00" * 20


def create_address(sender: str, nonce: int) -> str:
    """The address ``CREATE`` gives the ``nonce``-th contract deployed by ``sender``."""
    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:])
