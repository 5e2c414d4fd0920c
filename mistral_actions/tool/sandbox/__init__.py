"""A throw-away Mistral 23 to try and test actions on, here and now.

``server`` starts and stops it (SQLite, one process, no keystone; the
``one_process.py`` launcher runs as a plain script by the Python that has
Mistral), ``client`` is what tests and the demo do with it, ``foreground``
is the ``mistral-actions sandbox`` command's work, ``processes`` starts and
stops servers by pid. The ``one_process.py`` folder comes first on that
Python's sys.path: no module here may be named like a package Mistral
imports (tests/unit/test_repository_layout.py checks it).
"""
