"""ape console extras: ``dao`` is the consortium of the ccsi-dao deployment record, on ape's network.

ape console --network ethereum:local:node      # the devnet (ccsi-dao devnet start)
>>> dao.members()
"""

from __future__ import annotations

from typing import Any


def ape_init_extras(networks: Any) -> dict[str, Any]:
    import ccsi_dao
    from ccsi_dao.chain import Chain
    from ccsi_dao.errors import CcsiDaoError
    from ccsi_dao.governance.consortium import Consortium
    from ccsi_dao.settings import Settings

    extras: dict[str, Any] = {"ccsi_dao": ccsi_dao}
    try:
        record = Settings().record()
        chain = Chain(networks.active_provider.web3)
        if chain.chain_id != record.chain_id:
            print(f"ccsi-dao: the deployment record is for chain {record.chain_id}, ape is on chain {chain.chain_id}")
            return extras
        extras.update(dao=Consortium(chain, record), record=record)
        print(f"ccsi-dao: `dao` is {record.consortium} (governor {record.governor})")
    except CcsiDaoError as exc:
        print(f"ccsi-dao: {exc}")
    return extras
