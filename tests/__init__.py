"""The test suite (a package so `tests.auxil` imports from the repository root)."""
