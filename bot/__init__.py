"""Answers questions on recurrent and resistant DM/PM from one source review, verbatim."""

__version__ = "0.1.0"
