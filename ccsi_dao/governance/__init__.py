"""The consortium's operations: the consortium object (:mod:`.consortium`), proposals and ballots, the action
builders, plain-word descriptions, proposal categories, and deploying the suite (:mod:`.deployment`)."""
