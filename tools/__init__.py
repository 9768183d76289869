"""Build tooling for a source checkout, not part of the wheel: the pinned compiler (:mod:`tools.solc`) and the build
of ``contracts/`` into the committed artifacts (:mod:`tools.build`, ``python -m tools.build [--check]``)."""
