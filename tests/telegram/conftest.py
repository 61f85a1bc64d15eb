"""Fixtures for the Telegram adapter's tests; the helpers live in tg_support.py.

(A module of its own, not conftest, so tests can import helpers by a name no
other conftest.py in the tree can shadow.)
"""

from tg_support import harness, make_harness, start_serve  # noqa: F401
