"""The ccsi-dao test suite: ``unit/`` (no chain), ``contracts/`` (contract behaviour through the library on anvil),
``e2e/`` (the CLI in subprocesses, faults, load, audit); shared helpers in ``support/``."""
