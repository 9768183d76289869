"""ape console extras: ``dao`` is the consortium of the ccsi-dao deployment record, found as the CLI finds it.

ape console                                     # `dao` on the devnet this home started (whatever its port)
ape console --network ethereum:sepolia:node     # on the network ape is connected to (not a local one)
>>> dao.members()
>>> dao.vote(accounts.load("ministry"), 1, VoteType.FOR)   # ape accounts sign wherever the library takes a signer

The chain is the one ``ccsi-dao`` commands use: ``$CCSI_DAO_RPC_URL`` / ``rpc_url:`` in config.yaml, else, when ape
is connected to a network that is not local, ape's node, else the devnet of ``$CCSI_DAO_HOME`` (on the port it was
started on) or the local node the record was deployed through. As the CLI does, ``dao`` is bound only if that chain
holds the recorded deployment (the block hash at the deployment's height), not merely a chain with the same id.
"""

from __future__ import annotations

from typing import Any


def ape_init_extras(networks: Any) -> dict[str, Any]:
    import ccsi_dao
    from ccsi_dao.errors import CcsiDaoError
    from ccsi_dao.settings import Settings
    from ccsi_dao.types import VoteType

    extras: dict[str, Any] = {"ccsi_dao": ccsi_dao, "VoteType": VoteType}
    settings = Settings()
    provider = getattr(networks, "active_provider", None)
    network = getattr(getattr(provider, "network", None), "name", None)
    uri = getattr(provider, "uri", None) if provider is not None else None
    if not settings.given_url() and uri and network not in (None, "local"):
        settings.rpc_url = str(uri)  # ape on a real network: `dao` follows it
    try:
        dao = settings.consortium()
    except CcsiDaoError as exc:
        print(f"ccsi-dao: `dao` is not available: {exc}")
        return extras
    extras.update(dao=dao, record=dao.record)
    print(f"ccsi-dao: `dao` is {dao.record.consortium} (governor {dao.record.governor}) at {settings.url}")
    return extras
