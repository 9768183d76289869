#!/usr/bin/env bash
# Sets up a fresh machine (or refreshes an existing checkout): .venv with the pinned Python packages, the pinned
# npm packages (OpenZeppelin, solc-js, anvil), this checkout's own pinned compiler (.build/solcx, found by
# py-solc-x and ape through the venv; another checkout's compiler is never touched), and the second EVM node the
# tests run on (tools/nodes: Hardhat 3 and the Node 22 it needs, its own lockfile; skipped in 1 s when installed).
# Needs Python 3.11-3.13 (python3.11 by default; CCSI_DAO_PYTHON=python3.13 picks another), node (>= 20) and npm
# with access to PyPI and the npm registry. Idempotent; an existing .venv is kept if its Python is 3.11-3.13.
set -eEuo pipefail
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 npm_config_fund=false npm_config_audit=false
cd "$(dirname "${BASH_SOURCE[0]}")/.."

timings=()
current=""
report() {
  local rc=$?
  printf '%s\n' "${timings[@]}"
  [ "$rc" -eq 0 ] || echo "!! setup failed (exit ${rc}) in: ${current:-setup}" >&2
}
trap report EXIT
phase() {
  current="$1"; shift
  echo "==> ${current}"
  local start=$SECONDS
  "$@"
  timings+=("$(printf 'setup %4ds  %s' $((SECONDS - start)) "${current}")")
}

python=$(command -v "${CCSI_DAO_PYTHON:-python3.11}" || { [ -z "${CCSI_DAO_PYTHON:-}" ] && command -v python3; } || true)
supported='import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 13) else "ccsi-dao needs Python 3.11, 3.12 or 3.13, " + sys.executable + " is " + sys.version.split()[0])'
make_venv() {
  if [ ! -x .venv/bin/python ]; then
    [ -n "${python}" ] || { echo "${CCSI_DAO_PYTHON:-python3.11} is not on PATH (set CCSI_DAO_PYTHON to a Python 3.11-3.13)." >&2; return 1; }
    "${python}" -c "${supported}"
    "${python}" -m venv .venv
  fi
  .venv/bin/python -c "${supported}"
}

phase "python venv" make_venv
phase "pip install -r requirements.lock" .venv/bin/python -m pip install -q -r requirements.lock
phase "pip install -e ." .venv/bin/python -m pip install -q --no-deps -e .
phase "npm ci" npm ci --no-audit --no-fund --loglevel=error
phase "ensure solc" .venv/bin/python -m tools.solc --configure-venv
phase "tools/nodes (Hardhat 3, Node 22)" bash scripts/setup_nodes.sh
# Static analysis (tests/test_static_analysis.py): slither comes from requirements.lock, forge from package-lock.json;
# both run offline. Check they work here, so a broken install shows now rather than as a failing test.
check_static_analysis() {
  node_modules/@foundry-rs/forge-linux-amd64/bin/forge --version >/dev/null
  .venv/bin/python -m slither --version >/dev/null
}
phase "check forge and slither" check_static_analysis
# The Foundry tests' compile (tests/foundry/test_forge.py runs `forge test` with these arguments): forge's cache
# (.build/forge-cache, keyed on the sources and settings) then holds it, as on any machine where the tests ran
# once, and `forge test` recompiles only what changed since. About 30 s once through solc-js, 1 s when up to date.
# A compile error is left to that test, which names it.
warm_forge_build() {
  node_modules/@foundry-rs/forge-linux-amd64/bin/forge build --offline --use "$(.venv/bin/python -m tools.solc)" \
    --skip 'contracts/test/**' >/dev/null 2>&1 \
    || echo "forge could not compile the contracts and tests/foundry: tests/foundry/test_forge.py will say why" >&2
}
check_artifacts() {
  # The committed artifacts against a build of contracts/: solc's output is kept in .build/solc-cache
  # (tools/compile_cache.py), so the suite's test_build and later builds of unchanged sources reuse this compile.
  mkdir -p .build
  .venv/bin/python -m tools.build --check >/dev/null 2>.build/build-check.log \
    || { cat .build/build-check.log >&2; echo "the committed artifacts differ from the sources (run .venv/bin/python -m tools.build): tests/unit/test_build.py will fail" >&2; }
}
compile_side_by_side() {  # two single-threaded solc-js compiles, one per core
  warm_forge_build &
  local forge=$!
  check_artifacts
  wait "${forge}"
}
phase "forge build (the Foundry tests) | tools.build --check (the committed artifacts)" compile_side_by_side
# The dashboard's browser tests (tests/e2e/web) drive Debian's chromium through Playwright (Playwright's own browser
# download is not reachable from every machine): installed here when missing, which needs root and apt-get (CI has
# both); elsewhere the browser tests are skipped and say why.
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is missing and needs root to install (apt-get install chromium): the browser tests will be skipped" >&2
    return 0
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  chromium --version >/dev/null
}
phase "ensure chromium" ensure_chromium
current=""
