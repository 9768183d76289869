"""One-step deployment: the suite is wired together and the deployer holds no power at all."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_utils import keccak

from ccsi_dao.chain.connection import Chain
from ccsi_dao.errors import ConfigError, ContractRevertError, UserError
from ccsi_dao.governance.deployment import (
    DeploymentRecord,
    InitialMember,
    Suite,
    _check_members,
    check_privileges,
    deploy_suite,
)
from ccsi_dao.types import Role, StakeholderGroup
from tests.support.consortium import TIMELOCK_DELAY, VOTING_DELAY, VOTING_PERIOD, suite_params
from tests.support.nodes import JsonRpcProxy
from tests.support.scenario import Round


def test_fresh_deployment_is_clean_and_wired(dao, accounts) -> None:
    suite = Suite(dao.chain, dao.record)
    assert check_privileges(suite) == []
    gov = dao.governor.functions
    assert gov.timelock().call() == dao.record.timelock
    assert gov.token().call() == dao.record.membership
    assert dao.membership.functions.governance().call() == dao.record.timelock
    assert dao.membership.functions.governor().call() == dao.record.governor
    assert (gov.votingDelay().call(), gov.votingPeriod().call()) == (VOTING_DELAY, VOTING_PERIOD)
    assert dao.timelock.functions.getMinDelay().call() == TIMELOCK_DELAY
    assert gov.CLOCK_MODE().call() == dao.membership.functions.CLOCK_MODE().call() == "mode=timestamp"
    # The governor reads the registry's timestamp clock without a call: the two agree in every block.
    block = dao.chain.w3.eth.get_block("latest")
    assert gov.clock().call() == dao.membership.functions.clock().call() == block["timestamp"]
    assert gov.COUNTING_MODE().call() == "support=bravo&quorum=for,against,abstain&params=options"
    assert gov.name().call() == "CCSI Test Consortium"
    # IGovernor's ERC-165 interface id is still advertised, so standard Governor tooling recognises it.
    assert gov.supportsInterface(bytes.fromhex("65455a86")).call() or gov.supportsInterface(b"\x01\xff\xc9\xa7").call()


def test_deployer_cannot_act_on_anything(dao, accounts) -> None:
    deployer = accounts[0]
    role = keccak(text="PROPOSER_ROLE")
    for fn in (
        dao.timelock.functions.grantRole(role, deployer.address),
        dao.timelock.functions.updateDelay(0),
        dao.membership.functions.admit(deployer.address, 2, 0, 1, "Deployer"),
        dao.governor.functions.relay(dao.record.membership, 0, b""),
    ):
        with pytest.raises(ContractRevertError):
            dao.chain.transact(deployer, fn)


def test_privilege_check_catches_a_leftover_role(dao, accounts) -> None:
    rounds = Round(dao, accounts)
    rounds.as_timelock(dao.timelock.functions.grantRole(keccak(text="EXECUTOR_ROLE"), accounts[0].address))
    rounds.as_timelock(dao.timelock.functions.grantRole(b"\0" * 32, accounts[9].address))
    findings = check_privileges(Suite(dao.chain, dao.record))
    assert "the deployer holds the timelock's executor role" in findings
    assert f"{accounts[9].address} holds the timelock's admin role" in findings


def test_record_round_trips_and_bad_files_are_named(dao, tmp_path) -> None:
    path = tmp_path / "deployment.json"
    dao.record.save(path)
    assert DeploymentRecord.load(path) == dao.record
    path.write_text('{"consortium": "truncated"')
    with pytest.raises(ConfigError, match="damaged"):
        DeploymentRecord.load(path)
    with pytest.raises(ConfigError, match="no deployment record"):
        DeploymentRecord.load(tmp_path / "missing.json")


def test_deployment_rejects_a_consortium_without_founding_partner(chain, accounts) -> None:
    params = suite_params(accounts)
    params = type(params)(
        **{
            **params.__dict__,
            "members": tuple(
                type(m)(m.address, m.name, role=type(m.role).PARTNER, group=m.group) for m in params.members
            ),
        }
    )
    with pytest.raises(UserError, match="without an active founding partner"):
        deploy_suite(chain, accounts[0], params)


def test_a_consortium_of_150_partners_deploys_in_batches_and_is_sealed(dao, chain, accounts) -> None:
    from dataclasses import replace

    from eth_account import Account

    from ccsi_dao.governance.consortium import Consortium
    from ccsi_dao.governance.deployment import MEMBERS_PER_TRANSACTION, InitialMember
    from ccsi_dao.types import Role, StakeholderGroup

    members = tuple(
        InitialMember(
            Account.create().address,
            f"Associazione per l'Innovazione Sociale del Territorio n. {i:03d}",
            Role.FOUNDING_PARTNER if i < 4 else Role.PARTNER,
            StakeholderGroup(i % 6),
        )
        for i in range(150)
    )
    record = deploy_suite(chain, accounts[0], replace(suite_params(accounts), members=members))
    big = Consortium(chain, record)
    # The constructor takes as many partners as fit EIP-3860's init-code limit; then batches of 50 and the seal.
    from eth_abi import decode

    from ccsi_dao.abi.artifacts import load_artifact

    creation = bytes(chain.w3.eth.get_transaction(record.transactions["ConsortiumMembership"])["input"])
    assert len(creation) <= 49_152
    code = load_artifact("ConsortiumMembership").linked(record.libraries).bytecode
    types = [
        "(address,address,address,bytes32,string,string,string,uint16,uint16)",
        "(address,uint8,uint8,uint32,string)[]",
        "((uint16,uint16),(uint16,uint16),uint256[4])",
        "(((uint16,uint16),(uint16,uint16))[4],bool,uint256[4],bool)",
    ]
    first = len(decode(types, creation[len(code) :])[1])
    assert 0 < first <= MEMBERS_PER_TRANSACTION
    later = -(-(150 - first) // MEMBERS_PER_TRANSACTION)
    assert list(record.transactions) == [
        "RuleBook",
        "ClassPower",
        "DecisionRules",
        "ConsortiumTimelock",
        "ConsortiumMembership",
        "ConsortiumGovernor",
        *[f"InitialMembers{n}" for n in range(2, later + 2)],
        "SealInitialMembers",
    ]
    assert [m.address for m in big.members()] == [m.address for m in members]
    assert int(big.membership.functions.bootstrapper().call(), 16) == 0
    with pytest.raises(ContractRevertError) as err:  # the deployer's bootstrap right is gone
        chain.transact(accounts[0], big.membership.functions.addInitialMembers([members[0].as_tuple()]))
    assert err.value.error_name == "MembershipOnlyBootstrapper"


def test_privilege_check_catches_an_unsealed_membership(dao, chain, accounts) -> None:
    from ccsi_dao.abi.artifacts import load_artifact

    art = load_artifact("ConsortiumMembership").linked(dao.record.libraries)
    params = suite_params(accounts)
    members = [m.as_tuple() for m in params.members]
    setup = params.registry_setup(dao.record.timelock, dao.record.governor, accounts[0].address)
    unsealed, _ = chain.deploy(
        accounts[0], art.abi, art.bytecode, setup, members, params.floors_rule(), params.rule_set()
    )
    findings = check_privileges(Suite(chain, dao.record.model_copy(update={"membership": unsealed})))
    assert "the initial membership is not sealed: the deployer can still register members" in findings


def _changed(members: tuple[InitialMember, ...], what: str, other: str) -> tuple[InitialMember, ...]:
    first, second = members[0], members[1]
    return {
        "one partner fewer": members[:-1],
        "another order": (second, first, *members[2:]),
        "another address": (replace(first, address=other), *members[1:]),
        "another role": (first, replace(second, role=Role.OBSERVER), *members[2:]),
        "another group": (replace(first, group=StakeholderGroup((int(first.group) + 1) % 6)), *members[1:]),
        "another weight": (replace(first, weight=first.weight + 1), *members[1:]),
        "another name": (replace(first, name=first.name + " "), *members[1:]),
    }[what]


def test_the_partners_are_read_back_in_two_batches(dao, accounts) -> None:
    """deploy_suite's last step reads every partner back in JSON-RPC batches: a consortium of any size costs the same
    round trips to a remote node (it was two calls per partner)."""
    members = suite_params(accounts).members
    with JsonRpcProxy(dao.chain.url) as proxy:
        chain = Chain.connect(proxy.url)
        _check_members(chain, chain.contract(dao.record.membership, dao.membership.abi), suite_params(accounts))
    assert proxy.batches == 2
    assert proxy.methods["eth_call"] == 1 + 2 * len(members)  # memberCount, then each partner's address and record


@pytest.mark.parametrize(
    "what",
    [
        "one partner fewer",
        "another order",
        "another address",
        "another role",
        "another group",
        "another weight",
        "another name",
    ],
)
def test_a_registry_that_differs_from_the_agreement_is_refused(dao, accounts, what: str) -> None:
    params = suite_params(accounts)
    changed = replace(params, members=_changed(params.members, what, accounts[15].address))
    with pytest.raises(UserError, match=r"differs from the agreement|does not hold the agreement.s partners"):
        _check_members(dao.chain, dao.membership, changed)
