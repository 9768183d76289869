"""ccsi-dao: DAO governance toolkit for consortia of social-innovation partners.

The public API, in one import::

    import ccsi_dao

    dao = ccsi_dao.connect()                      # the deployment record and chain the CLI would use
    for member in dao.members():
        print(member.name, member.power)

Names are loaded on first use, so ``import ccsi_dao`` (and the CLI's start-up) stays cheap.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from ccsi_dao.agreement import Agreement, AgreementError, load_agreement
    from ccsi_dao.chain import Call, Chain
    from ccsi_dao.chain.keystore import KeyStore
    from ccsi_dao.errors import (
        CcsiDaoError,
        ChainError,
        ConfigError,
        ContractRevertError,
        TransactionTimeoutError,
        UserError,
    )
    from ccsi_dao.governance.actions import Action
    from ccsi_dao.governance.ballots import Ballot
    from ccsi_dao.governance.consortium import Consortium, Member
    from ccsi_dao.governance.deployment import (
        DeploymentRecord,
        InitialMember,
        SuiteParams,
        check_privileges,
        deploy_suite,
    )
    from ccsi_dao.governance.proposals import Proposal, ProposalStatus
    from ccsi_dao.settings import Settings
    from ccsi_dao.types import Category, MemberStatus, ProposalState, Ratio, Role, StakeholderGroup, VoteType

_LAZY = {
    "Agreement": "ccsi_dao.agreement",
    "AgreementError": "ccsi_dao.agreement",
    "load_agreement": "ccsi_dao.agreement",
    "Call": "ccsi_dao.chain",
    "Chain": "ccsi_dao.chain",
    "KeyStore": "ccsi_dao.chain.keystore",
    "CcsiDaoError": "ccsi_dao.errors",
    "ChainError": "ccsi_dao.errors",
    "ConfigError": "ccsi_dao.errors",
    "ContractRevertError": "ccsi_dao.errors",
    "TransactionTimeoutError": "ccsi_dao.errors",
    "UserError": "ccsi_dao.errors",
    "Action": "ccsi_dao.governance.actions",
    "actions": "ccsi_dao.governance.actions",
    "Ballot": "ccsi_dao.governance.ballots",
    "Consortium": "ccsi_dao.governance.consortium",
    "Member": "ccsi_dao.governance.consortium",
    "DeploymentRecord": "ccsi_dao.governance.deployment",
    "InitialMember": "ccsi_dao.governance.deployment",
    "SuiteParams": "ccsi_dao.governance.deployment",
    "check_privileges": "ccsi_dao.governance.deployment",
    "deploy_suite": "ccsi_dao.governance.deployment",
    "Proposal": "ccsi_dao.governance.proposals",
    "ProposalStatus": "ccsi_dao.governance.proposals",
    "Settings": "ccsi_dao.settings",
    "Category": "ccsi_dao.types",
    "MemberStatus": "ccsi_dao.types",
    "ProposalState": "ccsi_dao.types",
    "Ratio": "ccsi_dao.types",
    "Role": "ccsi_dao.types",
    "StakeholderGroup": "ccsi_dao.types",
    "VoteType": "ccsi_dao.types",
}

__all__ = [
    "Action",
    "Agreement",
    "AgreementError",
    "Ballot",
    "Call",
    "Category",
    "CcsiDaoError",
    "Chain",
    "ChainError",
    "ConfigError",
    "Consortium",
    "ContractRevertError",
    "DeploymentRecord",
    "InitialMember",
    "KeyStore",
    "Member",
    "MemberStatus",
    "Proposal",
    "ProposalState",
    "ProposalStatus",
    "Ratio",
    "Role",
    "Settings",
    "StakeholderGroup",
    "SuiteParams",
    "TransactionTimeoutError",
    "UserError",
    "VoteType",
    "__version__",
    "actions",
    "check_privileges",
    "connect",
    "deploy_suite",
    "load_agreement",
]


def connect(rpc_url: str | None = None, deployment: str | Path | None = None) -> Consortium:
    """The deployed consortium, ready to use: the chain at ``rpc_url`` and the deployment record at ``deployment``.

    Either left out is found as the CLI finds it: ``$CCSI_DAO_RPC_URL`` / ``$CCSI_DAO_DEPLOYMENT``, then
    ``$CCSI_DAO_HOME/config.yaml``, then the local devnet and ``$CCSI_DAO_HOME/deployment.json``. Raises
    :class:`ChainError` if the chain does not answer, is another chain, or does not hold the recorded deployment,
    and :class:`ConfigError` if the record is missing or damaged. Proposals and votes are read through the decision
    index in ``$CCSI_DAO_HOME`` (synced at each read, only new blocks; what is returned is checked against the chain).
    """
    from ccsi_dao.decisionlog.reads import use_index
    from ccsi_dao.settings import Settings

    path = Path(deployment) if deployment is not None else None
    return use_index(Settings(rpc_url=rpc_url, deployment=path).consortium())


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ccsi_dao' has no attribute {name!r}")
    loaded = importlib.import_module(module)
    value = loaded if name == "actions" else getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
