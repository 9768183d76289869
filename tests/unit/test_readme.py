"""README.md's two set-up commands stay true: CI runs exactly the test command, and the main job's script exists."""

from __future__ import annotations

import re

from tests.support import ROOT


def _commands() -> list[str]:
    block = re.search(r"## Set up a fresh machine.*?```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "README.md lost its set-up block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_gives_the_main_job_and_the_tests() -> None:
    main_job, tests = _commands()
    assert main_job.startswith("bash scripts/setup.sh && ") and (ROOT / main_job.split()[-1]).is_file()
    assert tests.startswith("bash scripts/setup.sh && ")


def test_ci_runs_the_readme_test_command() -> None:
    ci_lines = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    assert _commands()[1] in ci_lines
