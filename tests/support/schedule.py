"""The order xdist hands test files to its workers: the longest first, so the workers finish together.

``--dist loadfile`` gives a worker a whole file at a time, in collection order (``--no-loadscope-reorder``; xdist's own
reorder sorts by the number of tests, which put the few-test, long files such as ``test_ape.py`` and the networks
last, with one worker idle for minutes at the end). A file's weight is its total time in seconds (``--junitxml`` of
the whole suite summed per file, scaled to two idle cores, the mean of two runs; see DEVELOPERS.md "Tests: speed");
a file not listed weighs 0 and keeps its place after the listed ones. Only the order changes: every test still runs.
"""

from __future__ import annotations

import pytest

SECONDS_PER_FILE = {
    "tests/e2e/test_ape.py": 22,
    "tests/unit/test_build.py": 12,  # the build's compile kept by scripts/setup.sh (.build/solc-cache; cold: 40 s more)
    "tests/e2e/web/test_dashboard.py": 32,
    "tests/e2e/faults/test_faults.py": 30,
    "tests/e2e/networks/test_round_besu_like.py": 26,
    "tests/e2e/test_cli.py": 26,
    "tests/contracts/adversarial/test_governance_properties.py": 25,
    "tests/contracts/test_decisions_differential.py": 24,
    "tests/unit/test_static_analysis.py": 24,  # a fresh checkout: forge compiles for slither (.build/slither/<sources>: 11 s after)
    "tests/contracts/adversarial/test_invariants.py": 22,
    "tests/e2e/networks/test_deploy.py": 22,
    "tests/e2e/faults/test_bad_input.py": 20,
    "tests/e2e/networks/test_round_hardhat.py": 19,
    "tests/e2e/audit/test_decision_log.py": 11,
    "tests/contracts/adversarial/test_attacks.py": 10,
    "tests/e2e/audit/test_cli.py": 10,
    "tests/e2e/faults/test_load.py": 9,
    "tests/e2e/networks/test_devnet_url.py": 9,
    "tests/contracts/test_categories.py": 8,
    "tests/e2e/test_cli_partner.py": 8,
    "tests/e2e/test_wheel.py": 8,
    "tests/e2e/networks/test_ape_accounts.py": 7,
    "tests/contracts/test_chambers.py": 6,
    "tests/e2e/test_cli_choices.py": 6,
    "tests/e2e/watch/test_faults.py": 6,
    "tests/foundry/test_forge.py": 6,  # forge's cache warmed by scripts/setup.sh (cold: 31 s more, compiling through solc-js)
    "tests/unit/test_decisions.py": 6,
    "tests/unit/test_static_python.py": 6,
    "tests/e2e/web/test_server.py": 5,
    "tests/contracts/test_timing.py": 4,
    "tests/e2e/faults/test_files.py": 4,
    "tests/e2e/networks/test_fees.py": 4,
    "tests/e2e/watch/test_notices.py": 4,
}


def longest_files_first(items: list[pytest.Item]) -> None:
    """Sort ``items`` in place by their file's weight, heaviest first; a file's own tests keep their order."""
    items.sort(key=lambda item: -SECONDS_PER_FILE.get(item.nodeid.split("::", 1)[0], 0))
