"""Audit from an address: a deployment found on the chain from its governor's address alone, without a record.

:func:`discover_deployment` asks the governor for its registry (``token()``) and timelock (``timelock()``), checks
that the registry names that governor and that timelock, and finds the block the suite was deployed in from the
chain itself: the registry's first agreement version carries the time of its deployment (``adoptedAt``); the block
of that time is found by bisecting block headers (no archive state is needed), and the timelock, deployed just
before the registry, is found by its constructor's ``MinDelayChange`` log in the blocks before. The creation
transactions are those of the three constructors' first logs; the linked libraries' addresses are read from the
registry's and the governor's code, where their artifacts leave room for them. The result is a
:class:`~ccsi_dao.governance.deployment.DeploymentRecord` made of chain data only (it lists no artifacts: what code
runs there is ``audit verify-code``'s question).
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak, to_checksum_address

from ccsi_dao.chain import Chain
from ccsi_dao.chain.logs import LogFetcher
from ccsi_dao.decisionlog.sync import topic_of
from ccsi_dao.errors import ChainError, UserError
from ccsi_dao.governance.deployment import DeploymentRecord, libraries_in_code
from ccsi_dao.governance.deployment import Suite as _Suite

_MIN_DELAY_CHANGE = "0x" + keccak(text="MinDelayChange(uint256,uint256)").hex()
_AGREEMENT_AMENDED = "0x" + keccak(text="AgreementAmended(uint256,bytes32,string)").hex()
_VOTING_DELAY_SET = "0x" + keccak(text="VotingDelaySet(uint256,uint256)").hex()
_SEALED = "0x" + keccak(text="InitialMembersSealed(uint256)").hex()
_WINDOW = 2_000


def discover_deployment(chain: Chain, governor: str, *, fetcher: LogFetcher | None = None) -> DeploymentRecord:
    """The deployment whose governor is at ``governor`` (a checksummed address) on ``chain``, found from chain data
    alone (see the module notes). UserError if there is no ccsi-dao governor there."""
    governor = to_checksum_address(governor)
    chain_id = chain.chain_id
    if not chain.code(governor, action="reading the governor's code"):
        raise UserError(
            f"there is no contract at {governor} on this chain (chain id {chain_id}): give the governor's address"
        )
    probe = DeploymentRecord.model_construct(governor=governor, membership=governor, timelock=governor)
    suite = _Suite(chain, probe)
    try:
        membership = to_checksum_address(chain.read(suite.governor.functions.token()))
        timelock = to_checksum_address(chain.read(suite.governor.functions.timelock()))
        name = str(chain.read(suite.governor.functions.name()))
    except ChainError:
        raise
    except Exception:  # no such function, a revert, garbage: not a governor of ours
        raise UserError(
            f"the contract at {governor} is not a ccsi-dao governor (it does not answer token() and timelock() as one)"
        ) from None
    record = DeploymentRecord.model_construct(governor=governor, membership=membership, timelock=timelock)
    suite = _Suite(chain, record)
    try:
        names_governor = to_checksum_address(chain.read(suite.membership.functions.governor()))
        governance = to_checksum_address(chain.read(suite.membership.functions.governance()))
        adopted_at = int(chain.read(suite.membership.functions.agreement(1))[1])
    except ChainError:
        raise
    except Exception:
        raise UserError(
            f"the contract at {governor} is not a ccsi-dao governor (its registry {membership} does not answer as one)"
        ) from None
    if names_governor != governor or governance != timelock:
        raise UserError(
            f"the contract at {governor} is not the governor of a ccsi-dao deployment: its registry {membership} "
            f"names the governor {names_governor} and the timelock {governance}"
        )
    fetch = fetcher or LogFetcher(chain.w3)
    latest = int(fetch.block("latest")["number"], 16)  # type: ignore[index]
    last = _last_block_at_or_before(fetch, adopted_at, latest)
    timelock_log = _find_back(fetch, timelock, [_MIN_DELAY_CHANGE], last)
    if timelock_log is None:
        raise UserError(f"the timelock {timelock} of the governor {governor} has no constructor log on this chain")
    start = int(timelock_log["blockNumber"], 16)
    registry_log = _find_forward(fetch, membership, [_AGREEMENT_AMENDED, topic_of_version(1)], start, latest)
    governor_log = _find_forward(fetch, governor, [_VOTING_DELAY_SET], start, latest)
    if registry_log is None or governor_log is None:
        raise UserError(f"the deployment of the governor {governor} is not complete on this chain")
    end = int(governor_log["blockNumber"], 16)
    sealed = _find_forward(fetch, membership, [_SEALED], start, latest)
    if sealed is not None:
        end = max(end, int(sealed["blockNumber"], 16))
    block = fetch.block(end)
    creation = fetch.call("eth_getTransactionByHash", [timelock_log["transactionHash"]])
    if block is None or creation is None:
        raise ChainError("the chain changed while the deployment was being found; try again")
    transactions = {
        "ConsortiumTimelock": timelock_log["transactionHash"].lower(),
        "ConsortiumMembership": registry_log["transactionHash"].lower(),
        "ConsortiumGovernor": governor_log["transactionHash"].lower(),
    }
    libraries = {
        **libraries_in_code("ConsortiumMembership", chain.code(membership)),
        **libraries_in_code("ConsortiumGovernor", chain.code(governor)),
    }
    return DeploymentRecord(
        consortium=name,
        chain_id=chain_id,
        governor=governor,
        membership=membership,
        timelock=timelock,
        libraries=libraries,
        deployer=to_checksum_address(creation["from"]),
        start_block=start,
        block_number=end,
        block_hash=block["hash"].lower(),
        deployed_at=int(block["timestamp"], 16),
        transactions=transactions,
        artifacts={},
    )


def topic_of_version(version: int) -> str:
    """An agreement version as ``AgreementAmended``'s indexed topic."""
    return "0x" + version.to_bytes(32, "big").hex()


def _last_block_at_or_before(fetch: LogFetcher, timestamp: int, latest: int) -> int:
    """The newest block whose timestamp is at most ``timestamp`` (bisecting headers)."""
    lo, hi = 0, latest
    while lo < hi:
        mid = (lo + hi + 1) // 2
        block = fetch.block(mid)
        if block is None:
            raise ChainError(f"the chain has no block {mid} below its latest block {latest}")
        if int(block["timestamp"], 16) <= timestamp:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _find_back(fetch: LogFetcher, address: str, topics: list[Any], last: int) -> dict[str, Any] | None:
    """The earliest log of ``address`` with ``topics`` in the nearest window of blocks at or before ``last`` that
    has one (windows double as they go back)."""
    hi, width = last, _WINDOW
    while hi >= 0:
        lo = max(0, hi - width + 1)
        logs = fetch.logs(lo, hi, {"address": address, "topics": topics})
        if logs:
            return logs[0]
        if lo == 0:
            return None
        hi, width = lo - 1, width * 2
    return None  # pragma: no cover


def _find_forward(fetch: LogFetcher, address: str, topics: list[Any], first: int, latest: int) -> dict[str, Any] | None:
    """The first log of ``address`` with ``topics`` at or after ``first`` (windows double as they go on)."""
    lo, width = first, _WINDOW
    while lo <= latest:
        hi = min(latest, lo + width - 1)
        logs = fetch.logs(lo, hi, {"address": address, "topics": topics})
        if logs:
            return logs[0]
        lo, width = hi + 1, width * 2
    return None


__all__ = ["discover_deployment", "topic_of", "topic_of_version"]
