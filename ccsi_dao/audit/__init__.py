"""Checks made from raw chain data, never from the local index: every decision recomputed (:mod:`.verify`), deployed
code against the artifacts (:mod:`.bytecode`), and the auditors' HTML/Markdown report (:mod:`.report`)."""
