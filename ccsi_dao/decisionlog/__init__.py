"""The auditors' record: the local SQLite index (:mod:`.store`) kept in step with the chain (:mod:`.sync`), the
history rebuilt from its raw logs (:mod:`.history`) and the decision log in its formats (:mod:`.entries`)."""
