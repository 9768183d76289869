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
    "tests/e2e/faults/test_faults.py": 34,
    "tests/contracts/adversarial/test_invariants.py": 33,
    "tests/e2e/web/test_dashboard.py": 30,
    "tests/e2e/networks/test_round_besu_like.py": 28,
    "tests/contracts/adversarial/test_governance_properties.py": 21,
    "tests/e2e/networks/test_deploy.py": 20,
    "tests/e2e/test_cli.py": 20,
    "tests/e2e/faults/test_bad_input.py": 18,
    "tests/e2e/test_ape.py": 17,
    "tests/contracts/test_decisions_differential.py": 15,
    "tests/e2e/networks/test_round_hardhat.py": 15,
    "tests/e2e/audit/test_decision_log.py": 13,
    "tests/e2e/networks/test_devnet_url.py": 12,
    "tests/e2e/test_cli_partner.py": 11,
    "tests/unit/test_build.py": 11,  # the build's compile kept by scripts/setup.sh (.build/solc-cache; cold: 40 s more)
    "tests/unit/test_static_analysis.py": 11,  # a fresh checkout: forge compiles for slither (.build/slither/<sources>: 11 s after)
    "tests/e2e/audit/test_cli.py": 9,
    "tests/e2e/networks/test_ape_accounts.py": 9,
    "tests/foundry/test_forge.py": 9,  # forge's cache warmed by scripts/setup.sh (cold: 31 s more, compiling through solc-js)
    "tests/e2e/test_wheel.py": 8,
    "tests/contracts/test_chambers.py": 7,
    "tests/e2e/faults/test_load.py": 7,
    "tests/e2e/test_cli_choices.py": 7,
    "tests/e2e/watch/test_faults.py": 7,
    "tests/unit/test_decisions.py": 5,
    "tests/contracts/adversarial/test_attacks.py": 4,
    "tests/contracts/test_categories.py": 4,
    "tests/e2e/faults/test_files.py": 4,
    "tests/e2e/networks/test_fees.py": 4,
    "tests/contracts/test_choices.py": 3,
    "tests/contracts/test_timing.py": 3,
    "tests/e2e/watch/test_notices.py": 3,
    "tests/e2e/web/test_server.py": 3,
    "tests/unit/test_settings.py": 3,
    "tests/unit/test_solc_checkouts.py": 3,
}


def longest_files_first(items: list[pytest.Item]) -> None:
    """Sort ``items`` in place by their file's weight, heaviest first; a file's own tests keep their order."""
    items.sort(key=lambda item: -SECONDS_PER_FILE.get(item.nodeid.split("::", 1)[0], 0))
