"""Benchmarks: each compares two ways of doing one thing in the same run.

Run from the repository: ``python -m bench.run_all`` (``tox -e bench``), or
one of them alone, ``python -m bench.bench_startup``.
"""
