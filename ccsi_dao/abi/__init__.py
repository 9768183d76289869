"""What the contracts look like from Python: the committed artifacts (:mod:`.artifacts`), custom errors as sentences
(:mod:`.reverts`) and the direct event decoder (:mod:`.events`)."""
