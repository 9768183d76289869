"""The auditors' record: the local SQLite index (:mod:`.store`) kept in step with the chain (:mod:`.sync`), the
history rebuilt from its raw logs (:mod:`.history`, decoded by :mod:`.decode`), each proposal judged under the rules of
contracts v2 (:mod:`.judge`), the decision log and its formats (:mod:`.entries`), the index's consistency check
(:mod:`.check`) and finding a deployment from its governor's address (:mod:`.discover`).

The public functions, for the CLI and any other reader (a dashboard, a script):

- ``store.open_index(record, path=None) -> DecisionIndex`` (``default_index_path(record)``); ``DecisionIndex.sync(w3,
  confirmations=..., max_range=..., progress=..., fetcher=..., to_block=...) -> SyncResult``; ``.synced_to``,
  ``.tip_time``, ``.logs()``, ``.close()`` (a context manager).
- ``history.load_history(index) -> History``: proposals (``ProposalRecord`` with its ``Vote``\\ s), members over time
  (``member_at``, ``power_at``, ``total_power_at``, ``proxy_at``, ``principals_at``), ``rule_sets``, ``agreements``,
  ``deposits``, ``transfers``, settings; ``History.now`` is the sync tip's time.
- ``judge.judge(history, proposal) -> Judgement`` / ``judge_all(history) -> {number: Judgement}``: ``state``,
  ``outcome`` (one of ``OUTCOMES``), ``reason`` (one of ``REASONS``), ``explanation``, ``verdict``, ``tally``,
  ``quorum``, ``approval``, ``electorate``, ``base``, ``quorum_votes``, ``deadline``, ``closed_early``, per-vote
  ``VoteJudgement`` (expected weight, proxy principals, own units).
- ``entries.entries(history) -> list[Entry]``, ``select(entries, Filters(...), history)``, ``render(entries, fmt)``
  (``FORMATS``), ``KINDS``, ``COLUMNS``, ``parse_when``. Entries hold chain text raw: escape it where you show it.
- ``check.check_index(index, fetcher) -> list[Difference]`` (empty: the index is the chain's), ``self_check(history)``.
- ``discover.discover_deployment(chain, governor) -> DeploymentRecord``.
"""
