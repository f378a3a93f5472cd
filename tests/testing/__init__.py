"""Wire-level tests of the fake Axigen server (axigen_async.testing)."""
