"""The order xdist hands test files to its workers: the longest first, so the two workers finish together.

``--dist loadfile`` gives a worker a whole file at a time, in collection order (``--no-loadscope-reorder``; xdist's own
reorder sorts by the number of tests, which put the few-test, long files such as ``test_ape.py`` and the networks
last, with one worker idle for minutes at the end). A file's weight is its total time in seconds, measured on two
idle cores (``--junitxml`` of the whole suite, per file, see DEVELOPERS.md "Tests: speed"); a file not listed weighs
0 and keeps its place after the listed ones. Only the order changes: every test still runs.
"""

from __future__ import annotations

import pytest

SECONDS_PER_FILE = {
    "tests/e2e/test_ape.py": 66,
    "tests/e2e/test_cli.py": 61,
    "tests/e2e/test_cli_partner.py": 53,
    "tests/foundry/test_forge.py": 51,
    "tests/unit/test_build.py": 41,
    "tests/unit/test_static_analysis.py": 40,
    "tests/e2e/faults/test_faults.py": 39,
    "tests/contracts/adversarial/test_invariants.py": 37,
    "tests/e2e/faults/test_bad_input.py": 35,
    "tests/e2e/web/test_dashboard.py": 31,
    "tests/e2e/watch/test_faults.py": 25,
    "tests/e2e/networks/test_devnet_url.py": 21,
    "tests/e2e/watch/test_notices.py": 14,
    "tests/e2e/audit/test_decision_log.py": 13,
    "tests/e2e/networks/test_ape_accounts.py": 13,
    "tests/contracts/adversarial/test_governance_properties.py": 12,
    "tests/e2e/networks/test_round_besu_like.py": 12,
    "tests/e2e/test_wheel.py": 11,
    "tests/e2e/networks/test_round_hardhat.py": 11,
    "tests/e2e/networks/test_deploy.py": 10,
    "tests/e2e/faults/test_load.py": 8,
    "tests/e2e/watch/test_channels.py": 8,
    "tests/unit/test_static_python.py": 7,
    "tests/unit/test_solc_checkouts.py": 7,
    "tests/e2e/networks/test_fees.py": 6,
    "tests/e2e/web/test_server.py": 6,
}


def longest_files_first(items: list[pytest.Item]) -> None:
    """Sort ``items`` in place by their file's weight, heaviest first; a file's own tests keep their order."""
    items.sort(key=lambda item: -SECONDS_PER_FILE.get(item.nodeid.split("::", 1)[0], 0))
