"""Helpers shared by the tests (and bench/): real servers, bodies, processes, stand-ins.

Fixtures stay in the conftest.py files; what they build with lives here, one module a subject.
"""
