"""The order xdist hands test files to its workers: the longest first, so the two workers finish together.

``--dist loadfile`` gives a worker a whole file at a time, in collection order (``--no-loadscope-reorder``; xdist's own
reorder sorts by the number of tests, which put the few-test, long files such as ``test_ape.py`` and the networks
last, with one worker idle for minutes at the end). A file's weight is its total time in seconds (``--junitxml`` of
the whole suite summed per file, scaled to two idle cores; see DEVELOPERS.md "Tests: speed"); a file not listed
weighs 0 and keeps its place after the listed ones. Only the order changes: every test still runs.
"""

from __future__ import annotations

import pytest

SECONDS_PER_FILE = {
    "tests/e2e/test_cli_choices.py": 30,
    "tests/contracts/test_decisions_differential.py": 15,
    "tests/contracts/test_chambers.py": 10,
    "tests/contracts/test_choices.py": 8,
    "tests/contracts/test_index_reads.py": 8,
    "tests/e2e/audit/test_chambers.py": 6,
    "tests/e2e/web/test_chambers.py": 6,
    "tests/e2e/watch/test_chambers.py": 5,
    "tests/contracts/test_choices_library.py": 5,
    "tests/e2e/test_ape.py": 60,
    "tests/e2e/faults/test_bad_input.py": 46,
    "tests/e2e/test_cli.py": 45,
    "tests/unit/test_build.py": 42,
    "tests/e2e/networks/test_round_hardhat.py": 38,
    "tests/e2e/faults/test_faults.py": 31,
    "tests/e2e/web/test_dashboard.py": 29,
    "tests/contracts/adversarial/test_governance_properties.py": 24,
    "tests/e2e/networks/test_round_besu_like.py": 24,
    "tests/e2e/audit/test_decision_log.py": 21,
    "tests/e2e/networks/test_deploy.py": 20,
    "tests/contracts/adversarial/test_invariants.py": 16,
    "tests/e2e/faults/test_files.py": 16,
    "tests/e2e/faults/test_load.py": 15,
    "tests/e2e/audit/test_cli.py": 11,
    "tests/e2e/test_wheel.py": 11,
    "tests/unit/test_cli_startup.py": 11,
    "tests/e2e/watch/test_notices.py": 10,
    "tests/e2e/networks/test_ape_accounts.py": 9,
    "tests/unit/test_static_analysis.py": 40,  # a fresh checkout: forge compiles for slither (.build/forge-cache: 9 s after)
    "tests/e2e/networks/test_fees.py": 8,
    "tests/e2e/test_cli_partner.py": 8,
    "tests/foundry/test_forge.py": 51,  # a fresh checkout: forge compiles through solc-js (8 s once .build/forge-cache is warm)
    "tests/contracts/test_categories.py": 7,
    "tests/e2e/networks/test_devnet_url.py": 7,
    "tests/contracts/adversarial/test_attacks.py": 7,
    "tests/unit/test_solc_checkouts.py": 6,
    "tests/unit/test_keystore.py": 5,
    "tests/e2e/test_devnet.py": 4,
    "tests/e2e/watch/test_faults.py": 4,
}


def longest_files_first(items: list[pytest.Item]) -> None:
    """Sort ``items`` in place by their file's weight, heaviest first; a file's own tests keep their order."""
    items.sort(key=lambda item: -SECONDS_PER_FILE.get(item.nodeid.split("::", 1)[0], 0))
