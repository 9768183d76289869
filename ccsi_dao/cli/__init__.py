"""The ``ccsi-dao`` command line: parsing and printing only; the work is done by the library.

Start-up matters here (``ccsi-dao --help`` should answer in well under 0.3 s), so:

* the library (web3, eth-account, pydantic models, ...) is imported inside the command functions, never at the
  top of a module of this package;
* help is plain text (``rich_markup_mode=None``): typer's rich help would import rich, markdown-it and pygments;
* unset options of a command group do not make typer import pydantic (``common.Group``);
* these modules do not use ``from __future__ import annotations``: typer would compile and evaluate every string
  annotation of every command at each start. Types in command signatures must therefore be cheap to import
  (builtins, ``pathlib.Path``, the ``Enum`` choices of ``propose``).
"""
