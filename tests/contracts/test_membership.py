"""The membership registry: governance-only changes, voting power that follows membership, proxies, the
founding-partner floor, the anchored agreement, and a history that can be rebuilt from events alone."""

from __future__ import annotations

import pytest

from ccsi_dao.errors import ContractRevertError
from ccsi_dao.governance import actions
from ccsi_dao.types import MemberStatus, Role, StakeholderGroup
from tests.support.scenario import FOR, Round


@pytest.fixture
def rounds(dao, accounts) -> Round:
    return Round(dao, accounts)


def _total_power(dao) -> int:
    return dao.membership.functions.getPastTotalSupply(dao.chain.now() - 1).call()


def test_founders_and_partners_hold_power_from_deployment(dao, accounts) -> None:
    members = dao.members()
    assert [m.address for m in members] == [a.address for a in accounts[1:13]]
    assert [m.role for m in members[:3]] == [Role.FOUNDING_PARTNER, Role.FOUNDING_PARTNER, Role.PARTNER]
    assert all(m.power == 1 and m.status == MemberStatus.ACTIVE and m.proxy is None for m in members)
    assert dao.membership.functions.activeFoundingPartners().call() == 2
    assert dao.membership.functions.CLOCK_MODE().call() == "mode=timestamp"


@pytest.mark.parametrize(
    "call",
    [
        lambda reg, a: reg.functions.admit(a, 2, 0, 1, "Self-appointed"),
        lambda reg, a: reg.functions.remove(a),
        lambda reg, a: reg.functions.suspend(a),
        lambda reg, a: reg.functions.setWeight(a, 100),
        lambda reg, a: reg.functions.setRole(a, 1),
        lambda reg, a: reg.functions.setGroup(a, int(StakeholderGroup.ACADEMIA)),
        lambda reg, a: reg.functions.amendAgreement(b"\x01" * 32, "ipfs://forged"),
    ],
    ids=["admit", "remove", "suspend", "setWeight", "setRole", "setGroup", "amendAgreement"],
)
def test_changes_are_governance_only(call, dao, accounts) -> None:
    with pytest.raises(ContractRevertError) as err:
        dao.chain.transact(accounts[3], call(dao.membership, accounts[3].address))
    assert err.value.error_name == "MembershipOnlyGovernance"


def test_power_follows_every_change_of_membership(rounds: Round, dao, accounts) -> None:
    reg, m3, m13 = dao.membership.functions, accounts[3].address, accounts[13].address
    rounds.as_timelock(reg.admit(m13, int(Role.PARTNER), int(StakeholderGroup.MUNICIPALITY), 3, "Comune di Torino"))
    assert (dao.member(m13).power, _total_power_now(rounds, dao)) == (3, 15)
    rounds.as_timelock(reg.setWeight(m13, 5))
    rounds.as_timelock(reg.suspend(m3))
    assert (dao.member(m13).power, dao.member(m3).power, _total_power_now(rounds, dao)) == (5, 0, 16)
    rounds.as_timelock(reg.reinstate(m3))
    rounds.as_timelock(reg.setRole(m13, int(Role.OBSERVER)))
    assert (dao.member(m13).power, dao.member(m3).power, _total_power_now(rounds, dao)) == (0, 1, 12)
    rounds.as_timelock(reg.remove(m3))
    assert dao.member(m3).status == MemberStatus.REMOVED
    assert _total_power_now(rounds, dao) == 11
    # Re-admission of a former member starts a new membership.
    rounds.as_timelock(reg.admit(m3, int(Role.PARTNER), 0, 2, "Partner 3, again"))
    assert (dao.member(m3).status, dao.member(m3).power, _total_power_now(rounds, dao)) == (MemberStatus.ACTIVE, 2, 13)
    assert dao.membership.functions.memberCount().call() == 13


def _total_power_now(rounds: Round, dao) -> int:
    rounds.advance(1)
    return _total_power(dao)


def test_membership_cannot_be_transferred_or_given_twice(rounds: Round, dao, accounts) -> None:
    reg = dao.membership.functions
    with pytest.raises(ContractRevertError, match="already a member"):
        rounds.as_timelock(reg.admit(accounts[3].address, 2, 0, 1, "Twice"))
    assert not hasattr(dao.membership.functions, "transfer")
    assert not hasattr(dao.membership.functions, "transferFrom")


def test_a_member_resigns_by_itself_and_loses_power(rounds: Round, dao, accounts) -> None:
    dao.resign(accounts[5])
    member = dao.member(accounts[5].address)
    assert (member.status, member.power) == (MemberStatus.RESIGNED, 0)
    assert _total_power_now(rounds, dao) == 11
    with pytest.raises(ContractRevertError, match="resigned"):
        dao.resign(accounts[5])


def test_the_last_active_founding_partner_cannot_leave(rounds: Round, dao, accounts) -> None:
    reg = dao.membership.functions
    dao.resign(accounts[1])
    with pytest.raises(ContractRevertError, match="without an active founding partner"):
        dao.resign(accounts[2])
    for fn in (reg.suspend, reg.remove):
        with pytest.raises(ContractRevertError, match="without an active founding partner"):
            rounds.as_timelock(fn(accounts[2].address))
    with pytest.raises(ContractRevertError, match="without an active founding partner"):
        rounds.as_timelock(reg.setRole(accounts[2].address, int(Role.PARTNER)))
    assert dao.member(accounts[2].address).role == Role.FOUNDING_PARTNER
    # Once governance names another founding partner, the last one may go.
    rounds.as_timelock(reg.setRole(accounts[3].address, int(Role.FOUNDING_PARTNER)))
    dao.resign(accounts[2])
    assert dao.membership.functions.activeFoundingPartners().call() == 1


def test_proxy_votes_with_its_principals_power(rounds: Round, dao, accounts) -> None:
    dao.appoint_proxy(accounts[4], accounts[5].address)
    dao.appoint_proxy(accounts[6], accounts[5].address)
    assert dao.member(accounts[4].address).proxy == accounts[5].address
    rounds.advance(1)
    assert dao.member(accounts[5].address).power == 3
    proposal = rounds.open([actions.signal()])
    dao.vote(accounts[5], proposal.id, FOR)
    assert dao.tally(proposal.id)[FOR] == 3
    with pytest.raises(ContractRevertError) as err:  # the principal's power is with its proxy
        dao.vote(accounts[4], proposal.id, FOR)
    assert err.value.error_name == "GovernorNoVotingPower"
    dao.revoke_proxy(accounts[4])
    assert (dao.member(accounts[4].address).power, dao.member(accounts[5].address).power) == (1, 2)
    with pytest.raises(ContractRevertError, match="no proxy to revoke"):
        dao.revoke_proxy(accounts[4])


@pytest.mark.parametrize("who", ["outsider", "observer", "suspended", "self"])
def test_a_proxy_must_be_another_active_voting_member(who: str, rounds: Round, dao, accounts) -> None:
    reg, target = dao.membership.functions, accounts[7].address
    if who == "outsider":
        target = accounts[17].address
    elif who == "observer":
        rounds.as_timelock(reg.setRole(target, int(Role.OBSERVER)))
    elif who == "suspended":
        rounds.as_timelock(reg.suspend(target))
    else:
        target = accounts[4].address
    with pytest.raises(ContractRevertError) as err:
        dao.appoint_proxy(accounts[4], target)
    assert err.value.error_name == "MembershipInvalidProxy"


def test_power_returns_to_principals_when_their_proxy_leaves(rounds: Round, dao, accounts) -> None:
    dao.appoint_proxy(accounts[4], accounts[5].address)
    dao.appoint_proxy(accounts[6], accounts[5].address)
    rounds.as_timelock(dao.membership.functions.suspend(accounts[5].address))
    assert [dao.member(accounts[i].address).power for i in (4, 5, 6)] == [1, 0, 1]
    assert dao.member(accounts[4].address).proxy is None
    assert dao.membership.functions.principalsOf(accounts[5].address).call() == []


def test_agreement_versions_stay_readable(rounds: Round, dao) -> None:
    reg = dao.membership.functions
    assert reg.agreementVersion().call() == 1
    rounds.pass_([actions.amend_agreement(dao.record.membership, b"\x22" * 32, "ipfs://agreement-v2")], "Adopt v2")
    assert reg.agreementVersion().call() == 2
    v1, v2 = reg.agreement(1).call(), reg.agreement(2).call()
    assert (v1[0], v1[2]) == (b"\x11" * 32, "ipfs://agreement-v1")
    assert (v2[0], v2[2]) == (b"\x22" * 32, "ipfs://agreement-v2")
    with pytest.raises(ContractRevertError, match="no agreement version 3"):
        dao.chain.read(reg.agreement(3))


def test_membership_history_can_be_rebuilt_from_events(rounds: Round, dao, accounts) -> None:
    reg = dao.membership.functions
    rounds.as_timelock(reg.admit(accounts[13].address, 2, 2, 4, "Universitatea din București"))
    rounds.as_timelock(reg.suspend(accounts[3].address))
    rounds.as_timelock(reg.setWeight(accounts[4].address, 3))
    rounds.as_timelock(reg.setRole(accounts[5].address, int(Role.OBSERVER)))
    rounds.as_timelock(reg.setConstitutionalVote(accounts[13].address, True))
    rounds.as_timelock(reg.setRole(accounts[10].address, int(Role.FOUNDING_PARTNER)))
    rounds.as_timelock(reg.remove(accounts[6].address))
    rounds.as_timelock(reg.setGroup(accounts[5].address, int(StakeholderGroup.MUNICIPALITY)))
    dao.resign(accounts[7])
    dao.appoint_proxy(accounts[8], accounts[9].address)

    rebuilt: dict[str, dict] = {}
    events = dao.membership.events
    logs = []
    for event in (
        events.MemberAdmitted,
        events.MemberStatusChanged,
        events.MemberRoleChanged,
        events.MemberGroupChanged,
        events.MemberWeightChanged,
        events.MemberConstitutionalVoteChanged,
        events.ProxyAppointed,
        events.ProxyRevoked,
    ):
        logs += event.get_logs(from_block=dao.record.start_block)
    for log in sorted(logs, key=lambda e: (e["blockNumber"], e["logIndex"])):
        a = log["args"]
        if log["event"] == "MemberAdmitted":
            rebuilt[a["account"]] = {
                "role": a["role"],
                "group": a["group"],
                "status": 1,
                "weight": a["weight"],
                "name": a["name"],
                "joined": a["joinedAt"],
                "proxy": None,
                "constitutional": a["constitutionalVote"],
            }
        elif log["event"] == "MemberConstitutionalVoteChanged":
            rebuilt[a["account"]]["constitutional"] = a["constitutionalVote"]
        elif log["event"] == "MemberStatusChanged":
            rebuilt[a["account"]]["status"] = a["current"]
        elif log["event"] == "MemberRoleChanged":
            rebuilt[a["account"]]["role"] = a["current"]
        elif log["event"] == "MemberGroupChanged":
            rebuilt[a["account"]]["group"] = a["group"]
        elif log["event"] == "MemberWeightChanged":
            rebuilt[a["account"]]["weight"] = a["current"]
        elif log["event"] == "ProxyAppointed":
            rebuilt[a["member"]]["proxy"] = a["proxy"]
        else:
            rebuilt[a["member"]]["proxy"] = None

    for m in dao.members():
        r = rebuilt[m.address]
        assert (
            r["role"],
            r["group"],
            r["status"],
            r["weight"],
            r["name"],
            r["joined"],
            r["proxy"],
            r["constitutional"],
        ) == (m.role, m.group, m.status, m.weight, m.name, m.joined_at, m.proxy, m.constitutional_vote)
    assert len(rebuilt) == dao.membership.functions.memberCount().call()
