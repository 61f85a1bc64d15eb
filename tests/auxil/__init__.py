"""Test doubles shared by the tests and the benchmark; not part of the installed bot."""
