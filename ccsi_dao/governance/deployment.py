"""Deploying the governance suite, proving the deployer kept no power, and the deployment record.

:func:`deploy_suite` deploys timelock, membership registry and governor in three transactions. The timelock is
created with the governor's precomputed address as its only proposer, canceller and executor and with no
administrator but itself, so the deployer never holds a privilege, not even for a block. :func:`check_privileges`
proves it from chain state and from every role event since deployment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rlp
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from pydantic import BaseModel, ConfigDict, ValidationError

from ccsi_dao.abi.artifacts import artifact_sha256, load_artifact
from ccsi_dao.chain import Chain
from ccsi_dao.errors import ConfigError, UserError
from ccsi_dao.fileio import write_atomic
from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup

if TYPE_CHECKING:
    from ccsi_dao.agreement import Agreement

SUITE = ("ConsortiumTimelock", "ConsortiumMembership", "ConsortiumGovernor")
RECORD_FORMAT = 2
"""Version of the deployment record (2: the contracts of ccsi-dao's "Contracts v2")."""
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

    @classmethod
    def from_agreement(cls, agreement: Agreement) -> SuiteParams:
        """The parameters a consortium agreement prescribes."""
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
        )

    def rule_set(self) -> tuple[list[tuple[tuple[int, int], tuple[int, int]]], bool]:
        """The ``RuleSet`` struct as web3 expects it."""
        rules = [(self.rules[c][0].as_tuple(), self.rules[c][1].as_tuple()) for c in Category]
        return (rules, self.early_close)

    def floors_rule(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """The floors as the registry's ``CategoryRule`` struct."""
        return (self.floors[0].as_tuple(), self.floors[1].as_tuple())

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
    transactions: dict[str, str]
    artifacts: dict[str, str]

    def save(self, path: Path) -> None:
        """Write the record atomically."""
        write_atomic(path, self.model_dump_json(indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> DeploymentRecord:
        """Read a record, with a clear error if it is missing or damaged."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(
                f"no deployment record at {path}: deploy first (ccsi-dao deploy AGREEMENT.yaml)"
            ) from None
        except OSError as exc:
            raise ConfigError(f"cannot read the deployment record {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"the deployment record {path} is damaged or not a ccsi-dao deployment record") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise ConfigError(f"the deployment record {path} is damaged or not a ccsi-dao deployment record") from None
        if isinstance(data, dict) and data.get("format", 1) != RECORD_FORMAT and isinstance(data.get("format", 1), int):
            raise ConfigError(
                f"the deployment record {path} is of format {data.get('format', 1)}, for contracts this version of "
                f"ccsi-dao no longer drives (it reads format {RECORD_FORMAT}); deploy the consortium again"
            )
        try:
            return cls.model_validate(data)
        except ValidationError:
            raise ConfigError(f"the deployment record {path} is damaged or not a ccsi-dao deployment record") from None


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


def deploy_suite(chain: Chain, deployer: LocalAccount, params: SuiteParams) -> DeploymentRecord:
    """Deploy timelock, membership registry and governor, wired together, and prove the deployer kept no power.

    The timelock, registry and governor take three transactions. A consortium of more than
    :data:`MEMBERS_PER_TRANSACTION` partners is registered in further batches by the deployer, who then seals the
    initial membership, giving up that right; the result is checked against ``params`` member by member.
    """
    nonce = chain.pending_nonce(deployer.address)
    predicted_governor = create_address(deployer.address, nonce + 2)
    artifacts = {name: load_artifact(name) for name in SUITE}

    timelock, r1 = chain.deploy(
        deployer,
        artifacts["ConsortiumTimelock"].abi,
        artifacts["ConsortiumTimelock"].bytecode,
        params.timelock_delay,
        [predicted_governor],
        [predicted_governor],
        ZERO_ADDRESS,
        action="deploying the timelock",
    )
    members = [m.as_tuple() for m in params.members]
    registry_artifact = artifacts["ConsortiumMembership"]
    first = _first_batch(chain, registry_artifact, params, timelock, predicted_governor, deployer.address, members)
    rest = members[first:]
    batches = [members[:first]] + [
        rest[i : i + MEMBERS_PER_TRANSACTION] for i in range(0, len(rest), MEMBERS_PER_TRANSACTION)
    ]
    bootstrapper = deployer.address if len(batches) > 1 else ZERO_ADDRESS
    membership, r2 = chain.deploy(
        deployer,
        registry_artifact.abi,
        registry_artifact.bytecode,
        params.registry_setup(timelock, predicted_governor, bootstrapper),
        batches[0],
        params.floors_rule(),
        params.rule_set(),
        action="deploying the membership registry",
    )
    governor, r3 = chain.deploy(
        deployer,
        artifacts["ConsortiumGovernor"].abi,
        artifacts["ConsortiumGovernor"].bytecode,
        membership,
        timelock,
        params.governor_config(),
        action="deploying the governor",
    )
    if to_checksum_address(governor) != predicted_governor:
        raise UserError(
            f"the deployer's key was used by another transaction during deployment; the timelock at {timelock} "
            "trusts the wrong governor and must not be used. Deploy again without using that key meanwhile"
        )
    registry = chain.contract(membership, artifacts["ConsortiumMembership"].abi)
    extra = {}
    for number, batch in enumerate(batches[1:], start=2):
        receipt = chain.transact(
            deployer, registry.functions.addInitialMembers(batch), action=f"registering partners (batch {number})"
        )
        extra[f"InitialMembers{number}"] = receipt
    if len(batches) > 1:
        extra["SealInitialMembers"] = chain.transact(
            deployer, registry.functions.sealInitialMembers(), action="sealing the membership"
        )
    _check_members(chain, registry, params)
    last = list(extra.values())[-1] if extra else r3
    block = chain.block(last["blockNumber"])
    record = DeploymentRecord(
        consortium=params.name,
        chain_id=chain.chain_id,
        governor=to_checksum_address(governor),
        membership=to_checksum_address(membership),
        timelock=to_checksum_address(timelock),
        deployer=deployer.address,
        start_block=int(r1["blockNumber"]),
        block_number=int(last["blockNumber"]),
        block_hash="0x" + bytes(block["hash"]).hex(),
        deployed_at=int(block["timestamp"]),
        transactions={
            name: "0x" + bytes(r["transactionHash"]).hex()
            for name, r in [*zip(SUITE, (r1, r2, r3), strict=True), *extra.items()]
        },
        artifacts={name: artifact_sha256(name) for name in SUITE},
    )
    findings = check_privileges(Suite(chain, record))
    if findings:
        raise UserError("the deployment is not safe to use: " + "; ".join(findings))
    return record


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
    """The registry holds exactly the agreement's partners, in its order, each with a constitutional vote."""
    fns = registry.functions
    if chain.read(fns.memberCount()) != len(params.members):
        raise UserError("the registry does not hold the agreement's partners; do not use this deployment")
    for index, member in enumerate(params.members):
        account = chain.read(fns.memberAt(index))
        role, group, status, constitutional, _joined, _since, _state, weight, _index, name = chain.read(
            fns.memberOf(account)
        )
        got = (account, role, group, weight, name, status, constitutional)
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
