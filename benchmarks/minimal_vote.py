"""The Python floor for `ccsi-dao vote`: the least a hand-written web3.py script does to cast one vote.

python minimal_vote.py RPC_URL GOVERNOR KEYSTORE PASSWORD_FILE PROPOSAL_ID
"""

import json
import sys

from eth_account import Account
from web3 import Web3

url, governor, keystore, password_file, proposal_id = sys.argv[1:6]
w3 = Web3(Web3.HTTPProvider(url))
with open(keystore) as key_file, open(password_file) as secret:
    account = Account.from_key(Account.decrypt(json.load(key_file), secret.read().strip()))
abi = [
    {
        "type": "function",
        "name": "castVote",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "proposalId", "type": "uint256"}, {"name": "support", "type": "uint8"}],
        "outputs": [{"name": "", "type": "uint256"}],
    }
]
tx = (
    w3.eth.contract(address=governor, abi=abi)
    .functions.castVote(int(proposal_id), 1)
    .build_transaction({"from": account.address, "nonce": w3.eth.get_transaction_count(account.address)})
)
receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction))
assert receipt["status"] == 1
