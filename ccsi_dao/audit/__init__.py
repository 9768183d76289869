"""Checks made from raw chain data, never from the local index: every decision re-derived under the rules of
contracts v2 (:mod:`.verify`), deployed code against the artifacts (:mod:`.bytecode`), the auditors' HTML/Markdown
report built from verified data only (:mod:`.report`), and a local copy of the agreement against the hash anchored on
chain (:mod:`.agreement`).

The public functions:

- ``verify.verify(consortium, index=None, last_block=None, progress=None) -> Verification``: ``ok``, ``findings``
  (``Finding``: ``check``, ``subject``, ``ok``, ``evidence``, ``proposal``, ``conflicts`` with both values),
  ``failures_of(number)``, ``history`` and ``judgements`` (the chain data the checks were made on), ``balances``,
  ``index_differences``, ``as_dict()``.
- ``report.build_report(verification, consortium_name=...) -> Report``; ``render_html(report)``,
  ``render_markdown(report)``, ``write_report(path, verification, consortium_name=...)``; ``tally_chart``,
  ``participation_chart`` (inline SVG).
- ``agreement.check_document(consortium, path, version=None) -> DocumentCheck``; ``anchored_versions(consortium)``.
- ``bytecode.verify_code(consortium) -> Verification``.
"""
