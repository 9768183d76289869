"""Chamber conditions and choices for contract tests: conditions packed as the registry reads them, the choice
manifest, a ballot's options, votes with options, and a consortium whose categories carry the issue's four example
conditions. Test-local on purpose: the library's own packer is ``ccsi_dao.governance.decisions``; these follow the
layout in DEVELOPERS.md "Design notes (chambers and choices)" directly, so a mistake in one is caught by the other."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from web3.types import TxReceipt

from ccsi_dao.chain import Chain
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import InitialMember, deploy_suite
from ccsi_dao.types import Category, Role, StakeholderGroup
from tests.support.consortium import TEST_RULES, suite_params
from tests.support.scenario import Round

# Class masks: class 6 * r + g (r 0 founding partners, 1 partners; g the stakeholder group).
FOUNDERS = 0x03F
PARTNERS = 0xFC0
EVERYONE = 0xFFF

_MEASURES = {"quorum": 16, "approval": 32, "support": 48, "blocking": 64}
OFFER_OPTIONS = "offerOptions(string[],uint256[],uint256)"


@dataclass(frozen=True)
class Condition:
    """One chamber condition; each measure a ``(numerator, denominator)`` of 8-bit terms, or None (unused)."""

    classes: int
    quorum: tuple[int, int] | None = None
    approval: tuple[int, int] | None = None
    support: tuple[int, int] | None = None
    blocking: tuple[int, int] | None = None
    each_group: bool = False
    by_count: bool = False
    strict_support: bool = False

    def packed(self) -> int:
        word = self.classes | self.each_group << 12 | self.by_count << 13 | self.strict_support << 14
        for name, shift in _MEASURES.items():
            measure = getattr(self, name)
            if measure is not None:
                word |= measure[0] << shift | measure[1] << (shift + 8)
        return word


def conditions(*items: Condition | int) -> int:
    """A category's conditions word: each condition (or raw 80-bit value) in order, their count in bits 240..241."""
    word = 0
    for k, item in enumerate(items):
        word |= (item.packed() if isinstance(item, Condition) else item) << (80 * k)
    return word | len(items) << 240


# The four examples (over the test consortium's rules: constitutional approval 3/4, membership 2/3).
MAJORITY_OF_FOUNDERS = Condition(FOUNDERS, support=(1, 2), strict_support=True, by_count=True)
FOUNDERS_CONSENT = Condition(FOUNDERS, blocking=(0, 1))
NO_GROUP_ALL_AGAINST = Condition(EVERYONE, blocking=(1, 1), each_group=True)
MEMBERS_BY_COUNT_55 = Condition(EVERYONE, support=(55, 100), by_count=True)
WEIGHT_65 = Condition(EVERYONE, support=(65, 100))

EXAMPLE_CHAMBERS = {
    Category.ORDINARY: conditions(MEMBERS_BY_COUNT_55, WEIGHT_65),
    Category.TREASURY: conditions(FOUNDERS_CONSENT),
    Category.MEMBERSHIP: conditions(NO_GROUP_ALL_AGAINST),
    Category.CONSTITUTIONAL: conditions(MAJORITY_OF_FOUNDERS),
}
ENTRENCHED = {Category.CONSTITUTIONAL: conditions(MAJORITY_OF_FOUNDERS)}
FOUNDER_WEIGHT = 3


def example_members(accounts: Sequence[LocalAccount]) -> tuple[InitialMember, ...]:
    """Accounts 1..12: 1-3 founding partners of weight 3, 4-12 partners of weight 1 (18 in all); account ``i`` in
    stakeholder group ``i % 6``, so each group has two members (``i`` and ``i + 6``)."""
    return tuple(
        InitialMember(
            a.address,
            f"Partner {i}",
            Role.FOUNDING_PARTNER if i <= 3 else Role.PARTNER,
            StakeholderGroup(i % 6),
            FOUNDER_WEIGHT if i <= 3 else 1,
        )
        for i, a in enumerate(accounts[1:13], start=1)
    )


def deploy_example(chain: Chain, accounts: Sequence[LocalAccount], **overrides: object) -> Round:
    """The example consortium (see :func:`example_members`) with :data:`EXAMPLE_CHAMBERS`, the founders' majority
    entrenched, approval voting allowed, early close off and a 300 s late-quorum extension."""
    fields: dict[str, object] = {
        "members": example_members(accounts),
        "chambers": EXAMPLE_CHAMBERS,
        "entrenched": ENTRENCHED,
        "approval_voting": True,
        "late_quorum_extension": 300,
    }
    fields.update(overrides)
    record = deploy_suite(chain, accounts[0], suite_params(list(accounts), **fields))
    return Round(Consortium(chain, record), accounts)


def rule_set(
    chambers: dict[Category, int], *, early_close: bool = False, approval_voting: bool = True
) -> tuple[object, ...]:
    """The registry's ``RuleSet`` struct: the test rules, ``chambers`` (none where it has no entry), the switches."""
    packed = [(TEST_RULES[c][0].as_tuple(), TEST_RULES[c][1].as_tuple()) for c in Category]
    return (packed, early_close, [chambers.get(c, 0) for c in Category], approval_voting)


def set_rules(rounds: Round, chambers: dict[Category, int], **switches: bool) -> TxReceipt:
    """Put rules in force as governance would (from the timelock's address), for proposals made from now on."""
    receipt = rounds.as_timelock(rounds.dao.membership.functions.updateRules(rule_set(chambers, **switches)))
    rounds.advance(1)
    return receipt


# ---------------------------------------------------------------- choices


def manifest(governor: str, labels: Sequence[str], action_counts: Sequence[int], max_selections: int = 1) -> Action:
    """The choice's first action: ``offerOptions(labels, actionCounts, maxSelections)`` to the governor."""
    data = function_signature_to_4byte_selector(OFFER_OPTIONS) + abi_encode(
        ["string[]", "uint256[]", "uint256"], [list(labels), list(action_counts), max_selections]
    )
    return Action(to_checksum_address(governor), 0, data)


def choice(dao: Consortium, options: Sequence[tuple[str, Sequence[Action]]], max_selections: int = 1) -> list[Action]:
    """A choice proposal's actions: the manifest, then each option's actions in order."""
    labels = [label for label, _ in options]
    counts = [len(option_actions) for _, option_actions in options]
    return [manifest(dao.record.governor, labels, counts, max_selections)] + [a for _, acts in options for a in acts]


def options_params(*options: int) -> bytes:
    """A For ballot's params: ``abi.encode(uint256[] options)``."""
    return abi_encode(["uint256[]"], [list(options)])


def vote_options(dao: Consortium, account: LocalAccount, proposal_id: int, *options: int) -> TxReceipt:
    """Vote For ``options`` of a choice."""
    return vote_with_params(dao, account, proposal_id, 1, options_params(*options))


def vote_with_params(
    dao: Consortium, account: LocalAccount, proposal_id: int, support: int, params: bytes
) -> TxReceipt:
    """``castVoteWithReasonAndParams`` with any support and params."""
    fn = dao.governor.functions.castVoteWithReasonAndParams(proposal_id, support, "", params)
    return dao.chain.transact(account, fn, action="the vote")
