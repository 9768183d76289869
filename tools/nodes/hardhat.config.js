// Hardhat 3 configuration for ccsi-dao's second EVM node: only the JSON-RPC node is used (`hardhat node`),
// nothing is compiled here. Offline: no forking, no remote calls. Run it through tests/support/nodes.py (start_hardhat)
// or by hand:  node_modules/.bin/node node_modules/hardhat/dist/src/cli.js node --port 9200
import { defineConfig } from "hardhat/config";

export default defineConfig({
  networks: {
    // `hardhat node` serves the network named "node" unless --network names another edr-simulated network.
    node: {
      type: "edr-simulated",
      chainType: "l1",
      chainId: 31338, // not anvil's 31337: ccsi-dao's devnet commands must not mistake it for its own devnet
      hardfork: "cancun", // the contracts are compiled for cancun
      accounts: {
        mnemonic: "test test test test test test test test test test test junk", // public development keys
        count: 20,
        accountsBalance: "10000000000000000000000", // 10,000 ETH, as anvil
      },
      mining: { auto: true, interval: 0 },
      loggingEnabled: false,
    },
  },
});
