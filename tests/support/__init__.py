"""Helpers shared by the tests, imported as a package (``from tests.support.scenario import Round``): the anvil
launcher (:mod:`.anvil`), the test consortium (:mod:`.consortium`), the scenario helper (:mod:`.scenario`), the CLI
harness (:mod:`.cli`), fault injection (:mod:`.faultlib`, :mod:`.flaky_proxy`), attack contracts (:mod:`.attackkit`)
and the decision-log history (:mod:`.history`)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The checkout's root folder."""
